// mergeLayers computes values without provenance and origins only when asked: both must be exactly what the
// provenance merge (mergeWithOrigins) gives, for random layers with nested mappings, lists, duplicates and
// !reset collections.
import { describe, expect, it } from 'vitest';
import { pathKey } from '../../src/load/parse.js';
import type { ParsedFile } from '../../src/load/parse.js';
import { mergeLayers, mergeWithOrigins } from '../../src/resolve/merge.js';
import type { Layer, Origins } from '../../src/resolve/merge.js';

let seed = 12345;
const rnd = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};
const KEYS = ['a', 'b', 'c', 'profiles', 'env', 'list', '__proto__'];

function value(depth: number, path: (string | number)[], resets: Set<string>): unknown {
  const r = rnd(10);
  if (depth < 3 && r < 4) {
    const out: Record<string, unknown> = {};
    for (let i = rnd(4); i > 0; i--) {
      const k = KEYS[rnd(KEYS.length)]!;
      Object.defineProperty(out, k, { value: value(depth + 1, [...path, k], resets), enumerable: true, writable: true, configurable: true });
    }
    if (rnd(6) === 0) resets.add(pathKey(path));
    return out;
  }
  if (depth < 3 && r < 7) {
    const out: unknown[] = [];
    for (let i = rnd(4); i > 0; i--) out.push(rnd(3) ? ['x', 'y', 1, true][rnd(4)] : value(depth + 1, [...path, out.length], resets));
    if (rnd(6) === 0) resets.add(pathKey(path));
    return out;
  }
  return [null, 1, 'x', 'y', false, 2][rnd(6)];
}

function layer(at: string[]): Layer {
  const resets = new Set<string>();
  const v: Record<string, unknown> = {};
  for (let i = 1 + rnd(4); i > 0; i--) {
    const k = KEYS[rnd(KEYS.length)]!;
    Object.defineProperty(v, k, { value: value(1, [...at, k], resets), enumerable: true, writable: true, configurable: true });
  }
  const file = { source: { kind: 'profile', name: 'p', rel: 'profiles/p.yaml', file: '/p.yaml', text: '' }, value: v, resets, doc: undefined, lines: undefined } as unknown as ParsedFile;
  return { file, at, value: v };
}

const dump = (o: Origins) => JSON.stringify([...o].map(([k, v]) => [k, v.file.source.file, v.path]));

describe('lazy provenance', () => {
  it('gives the values and origins of the provenance merge', () => {
    for (let n = 0; n < 2000; n++) {
      const layers = Array.from({ length: 1 + rnd(4) }, () => layer(rnd(3) === 0 ? ['defaults'] : []));
      const eager: Origins = new Map();
      const want = mergeWithOrigins(layers, ['profiles'], eager);
      const got = mergeLayers(layers, ['profiles']);
      expect(JSON.stringify(got.value)).toBe(JSON.stringify(want));
      expect(Object.keys(got.value)).toEqual(Object.keys(want));
      expect(dump(got.origins)).toBe(dump(eager));
      expect(got.origins.size).toBe(eager.size);
    }
  });
});

describe('list merge without duplicates', () => {
  // Duplicates are items with the same JSON text. mergeLayers avoids stringifying strings and scans short
  // lists instead of building a Set; the provenance merge (mergeWithOrigins) still does it the plain way.
  // Items here include values whose JSON texts coincide (null, NaN, Infinity; 0 and -0; a Date and its ISO
  // string) and lists on both sides of the scan/Set threshold.
  const pool: unknown[] = ['x', 'y', 'null', '1', 'true', '"x"', '1970-01-01T00:00:00.000Z', '', null, NaN, Infinity, 1, 0, -0, true, false,
    { a: 1 }, { a: 1 }, { a: '1' }, ['x'], ['x'], [], {}, new Date(0)];
  const list = () => Array.from({ length: rnd(3) === 0 ? 10 + rnd(25) : rnd(6) }, () => pool[rnd(pool.length)]);
  const file = { source: { kind: 'profile', name: 'p', rel: 'profiles/p.yaml', file: '/p.yaml', text: '' }, resets: new Set(), doc: undefined, lines: undefined } as unknown as ParsedFile;
  const same = (a: unknown, b: unknown): boolean =>
    Array.isArray(a) && Array.isArray(b)
      ? a.length === b.length && a.every((x, i) => same(x, b[i]))
      : typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !(a instanceof Date)
        ? same(Object.entries(a), Object.entries(b))
        : Object.is(a, b);

  it('keeps the same items as the provenance merge', () => {
    for (let n = 0; n < 3000; n++) {
      const layers: Layer[] = Array.from({ length: 1 + rnd(4) }, () => {
        const value = { list: list(), nested: { list: list() } };
        return { file, at: [], value };
      });
      const want = mergeWithOrigins(layers, [], new Map());
      expect(same(mergeLayers(layers).value, want)).toBe(true);
    }
  });
});
