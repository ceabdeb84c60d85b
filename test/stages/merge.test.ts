// The merge rule (README "Merge rules"), one implementation with an optional provenance recorder: the rule on
// small cases, then random layers (nested mappings, lists, duplicates, !reset collections, __proto__ keys):
// merging with and without the recorder gives the same value, and every recorded origin holds that value.
import { describe, expect, it } from 'vitest';
import { pathKey } from '../../src/load/parse.js';
import type { ParsedFile, YamlPath } from '../../src/load/parse.js';
import { mergeInto, mergeLayers, originOf } from '../../src/resolve/merge.js';
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
      Object.defineProperty(out, k, {
        value: value(depth + 1, [...path, k], resets),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    if (rnd(6) === 0) resets.add(pathKey(path));
    return out;
  }
  if (depth < 3 && r < 7) {
    const out: unknown[] = [];
    for (let i = rnd(4); i > 0; i--)
      out.push(rnd(3) ? ['x', 'y', 1, true][rnd(4)] : value(depth + 1, [...path, out.length], resets));
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
    Object.defineProperty(v, k, {
      value: value(1, [...at, k], resets),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const file = {
    source: { kind: 'profile', name: 'p', rel: 'profiles/p.yaml', file: '/p.yaml', text: '' },
    value: at.length ? { defaults: v } : v,
    resets,
    doc: undefined,
    lines: undefined,
  } as unknown as ParsedFile;
  return { file, at, value: v };
}

const dump = (o: Origins) => JSON.stringify([...o].map(([k, v]) => [k, v.file.source.file, v.path]));

function fileOf(name: string, v: Record<string, unknown>, resets: string[] = []): ParsedFile {
  const source = { kind: 'profile', name, rel: `profiles/${name}.yaml`, file: `/${name}.yaml`, text: '' };
  return { source, value: v, resets: new Set(resets), doc: undefined, lines: undefined } as unknown as ParsedFile;
}
const layerOf = (name: string, value: Record<string, unknown>, resets: string[] = []): Layer => ({
  file: fileOf(name, value, resets),
  at: [],
  value,
});
const from = (o: Origins, path: YamlPath) => {
  const got = originOf(o, path);
  return got && `${got.file.source.name}:${got.path.join('.')}`;
};

describe('the merge rule', () => {
  it('merges mappings key by key, replaces scalars, appends lists without duplicates', () => {
    const a = layerOf('a', { env: { A: '1', B: '2' }, list: ['x', 'y'], name: 'a', only: 1 });
    const b = layerOf('b', { env: { B: '3' }, list: ['y', 'z', { k: 1 }, { k: 1 }], name: 'b' });
    const m = mergeLayers([a, b]);
    expect(m.value).toEqual({ env: { A: '1', B: '3' }, list: ['x', 'y', 'z', { k: 1 }], name: 'b', only: 1 });
    expect(from(m.origins, ['env', 'A'])).toBe('a:env.A');
    expect(from(m.origins, ['env', 'B'])).toBe('b:env.B');
    expect(from(m.origins, ['name'])).toBe('b:name');
  });

  it('names the layer and line of each list item, wherever it came from', () => {
    const defaults: Layer = { file: fileOf('settings', {}), at: ['defaults'], value: { binds: ['/a'] } };
    const m = mergeLayers([defaults, layerOf('p', { binds: ['/b', '/a'] }), layerOf('c', { binds: ['/c', '/b'] })]);
    expect(m.value['binds']).toEqual(['/a', '/b', '/c']);
    expect([0, 1, 2].map((i) => from(m.origins, ['binds', i]))).toEqual([
      'settings:defaults.binds.0',
      'p:binds.0',
      'c:binds.0',
    ]);
  });

  it('lets !reset replace a list or mapping, and forgets the origins of what it replaced', () => {
    const a = layerOf('a', { list: ['x'], env: { A: '1' } });
    const b = layerOf('b', { list: ['y'], env: { B: '2' } }, [pathKey(['list']), pathKey(['env'])]);
    const m = mergeLayers([a, b]);
    expect(m.value).toEqual({ list: ['y'], env: { B: '2' } });
    expect(m.origins.has(pathKey(['env', 'A']))).toBe(false);
    expect(from(m.origins, ['list', 0])).toBe('b:list.0');
  });

  it('changes no layer', () => {
    const a = layerOf('a', { env: { A: '1' }, list: ['x'] });
    const b = layerOf('b', { env: { B: '2' }, list: ['y'] });
    const before = JSON.stringify([a.value, b.value]);
    mergeLayers([a, b]);
    mergeInto({}, [a, b], [], new Map());
    expect(JSON.stringify([a.value, b.value])).toBe(before);
  });
});

/** The value at `path` inside `v`. */
const at = (v: unknown, path: YamlPath): unknown =>
  path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)?.[k], v);

/** Every leaf (scalar, or empty list or mapping) of a merged value, with its path. */
function leaves(v: unknown, path: YamlPath, out: [YamlPath, unknown][]): [YamlPath, unknown][] {
  const entries = v !== null && typeof v === 'object' ? Object.entries(v) : [];
  if (!entries.length) out.push([path, v]);
  for (const [k, x] of entries) leaves(x, [...path, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

describe('with and without the provenance recorder', () => {
  it('gives the same value, and the same origins eagerly and lazily; each origin holds its value', () => {
    for (let n = 0; n < 2000; n++) {
      const layers = Array.from({ length: 1 + rnd(4) }, () => layer(rnd(3) === 0 ? ['defaults'] : []));
      const eager: Origins = new Map();
      const want: Record<string, unknown> = {};
      mergeInto(want, layers, ['profiles'], eager);
      const got = mergeLayers(layers, ['profiles']);
      expect(JSON.stringify(got.value)).toBe(JSON.stringify(want));
      expect(Object.keys(got.value)).toEqual(Object.keys(want));
      expect(dump(got.origins)).toBe(dump(eager));
      for (const [path, v] of leaves(want, [], [])) {
        if (!path.length) continue;
        const o = originOf(eager, path)!;
        expect(JSON.stringify(at(o.file.value, o.path))).toBe(JSON.stringify(v));
      }
    }
  });
});

describe('list merge without duplicates', () => {
  // Duplicates are items with the same JSON text. The merge avoids stringifying strings and scans short lists
  // instead of building a Set; the rule's plain definition is the oracle. Items include values whose JSON
  // texts coincide (null, NaN, Infinity; 0 and -0; a Date and its ISO string) and lists on both sides of the
  // scan/Set threshold.
  const pool: unknown[] = [
    'x',
    'y',
    'null',
    '1',
    'true',
    '"x"',
    '1970-01-01T00:00:00.000Z',
    '',
    null,
    NaN,
    Infinity,
    1,
    0,
    -0,
    true,
    false,
    { a: 1 },
    { a: 1 },
    { a: '1' },
    ['x'],
    ['x'],
    [],
    {},
    new Date(0),
  ];
  const list = () => Array.from({ length: rnd(3) === 0 ? 10 + rnd(25) : rnd(6) }, () => pool[rnd(pool.length)]);
  const file = fileOf('p', {});
  const plain = (lists: unknown[][]) => {
    const seen = new Set<string>();
    return lists.flat().filter((x) => !seen.has(JSON.stringify(x)) && !!seen.add(JSON.stringify(x)));
  };
  const same = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

  it('keeps the first of each JSON text, in order, with or without the recorder', () => {
    for (let n = 0; n < 3000; n++) {
      const layers: Layer[] = Array.from({ length: 1 + rnd(4) }, () => ({ file, at: [], value: { list: list() } }));
      const want = plain(layers.map((l) => l.value['list'] as unknown[]));
      const recorded: Record<string, unknown> = {};
      mergeInto(recorded, layers, [], new Map());
      expect(same(mergeLayers(layers).value['list'] as unknown[], want)).toBe(true);
      expect(same(recorded['list'] as unknown[], want)).toBe(true);
    }
  });
});
