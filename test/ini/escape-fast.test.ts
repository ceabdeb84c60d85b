// The encoders take a fast path for plain values (one regular expression, the value returned as is). The
// property: whatever a fast path takes, the full path (escape.ts `full`, which checks everything) returns the
// same; so every encoder gives what its full path gives, the same text or the same error. Inputs: every string
// of up to three pieces drawn from an alphabet of hostile characters, longer random ones, and every key and
// string value of the example configurations (the values the fast paths exist for). unitEnvironment() and
// nspawnEnvironment() check the name and then encode through unitWord() and nspawnWord(), covered here.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as escape from '../../src/ini/escape.js';
import { EncodeError, fastPathTakes, full } from '../../src/ini/escape.js';
import { parseSource } from '../../src/load/parse.js';
import { readConfig } from '../../src/load/read.js';
import { seeded } from '../helpers/random.js';

const root = new URL('../..', import.meta.url).pathname;
const pieces = [
  ...['a', 'Z', '0', '_', ' ', '\t', '\n', '\r', '\0', '\x07', '\x1b', '\x7f', '\x80', '\u00a0'],
  ...['%', '\\', '"', "'", "''", ':', '=', '$', '#', ';', '~', '^', '@', '-', ',', '/', '.', '[', '}', '!'],
  ...['é', '✓', '\uD800', '\uDC00', '\uD83D\uDE00'],
];

/** Every string of up to `depth` pieces, then `random` longer ones (mostly plain, with hostile pieces). */
function strings(depth: number, random: number): string[] {
  const out = [''];
  let level = [''];
  for (let d = 0; d < depth; d++) {
    level = level.flatMap((s) => pieces.map((p) => s + p));
    out.push(...level);
  }
  const r = seeded(7);
  for (let n = 0; n < random; n++) {
    let s = '';
    for (let k = 4 + r.int(12); k > 0; k--) s += r.int(3) ? r.pick([...'abc/._-']) : r.pick(pieces);
    out.push(s);
  }
  return out;
}

/** Every key and string in the example configurations (and the generator's fixtures). */
function corpus(): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.add(k);
        walk(x);
      }
    }
  };
  for (const base of ['examples', 'test/generator/fixtures']) {
    for (const e of readdirSync(join(root, base))) {
      for (const f of readConfig(join(root, base, e, 'config')).files) walk(parseSource(f).parsed.value);
    }
  }
  return [...out];
}

const outcome = (f: () => string): string => {
  try {
    return `= ${f()}`;
  } catch (e) {
    if (!(e instanceof EncodeError)) throw e;
    return `! ${e.message}`;
  }
};

const encoders = Object.keys(full) as (keyof typeof full)[];

describe('what a fast path takes, the full path returns the same for', () => {
  // Most inputs are refused: stack traces would be most of the time spent.
  const limit = Error.stackTraceLimit;
  beforeAll(() => {
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = limit;
  });

  const inputs = { hostile: strings(3, 20000), examples: corpus() };
  const cases = encoders.flatMap(
    (name) =>
      [
        [name, 'hostile'],
        [name, 'examples'],
      ] as const,
  );
  it.each(cases)('%s, %s inputs', (name, kind) => {
    let fast = 0;
    for (const s of inputs[kind]) {
      const want = outcome(() => full[name](s));
      const have = outcome(() => escape[name](s));
      if (have !== want) expect({ s, have }).toEqual({ s, have: want });
      if (fastPathTakes[name].test(s)) fast++;
    }
    // Both paths must be taken often, or the comparison proves little.
    expect(inputs[kind].length).toBeGreaterThan(kind === 'hostile' ? 50000 : 100);
    expect(fast).toBeGreaterThan(kind === 'hostile' ? 1000 : 20);
    expect(fast).toBeLessThan(inputs[kind].length);
  });
});
