// The encoders take a fast path for plain values (one regular expression, value returned as is). Here every
// encoder is compared with its reference, the full check-everything implementation it had before the fast
// paths (kept verbatim below), on every string of up to three pieces drawn from an alphabet of hostile
// characters and on longer random ones: same output, or the same error message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fast from '../../src/ini/escape.js';

class RefError extends Error {}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UNIT_BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const NSPAWN_BARE = /^[A-Za-z0-9_@%+=:,./~^-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;
function checkCarriable(s: string): void {
  if (s.includes('\n')) throw new RefError('contains a newline, which no systemd setting can hold');
  if (s.includes('\r')) throw new RefError('contains a carriage return, which no systemd setting can hold');
  if (s.includes('\0')) throw new RefError('contains a NUL character, which no systemd setting can hold');
  if (LONE_SURROGATE.test(s)) throw new RefError('is not valid Unicode (it contains a lone surrogate)');
}
function checkUnitChars(s: string): void {
  checkCarriable(s);
  const m = CONTROL.exec(s);
  if (m) {
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new RefError(`contains the control character U+${code}, which machinist does not write into unit files`);
  }
}
function checkLiteralEdges(s: string): void {
  if (/^[ \t]|[ \t]$/.test(s)) throw new RefError('starts or ends with whitespace, which systemd strips');
  if (s.endsWith('\\')) throw new RefError('ends with a backslash, which systemd reads as a line continuation');
}
function checkEnvName(name: string): void {
  if (!ENV_NAME.test(name)) {
    throw new RefError(`${JSON.stringify(name)} is not a valid environment variable name (letters, digits and _, not starting with a digit)`);
  }
}
function unitText(s: string): string {
  checkUnitChars(s);
  checkLiteralEdges(s);
  return s.replaceAll('%', '%%');
}
function unitWord(s: string): string {
  checkUnitChars(s);
  const text = s.replaceAll('%', '%%');
  if (UNIT_BARE.test(s)) return text;
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
function unitEnvironment(name: string, value: string): string {
  checkEnvName(name);
  return unitWord(`${name}=${value}`);
}
function nspawnWord(s: string): string {
  checkCarriable(s);
  if (NSPAWN_BARE.test(s)) return s;
  if (s === '') return "''";
  return s
    .split(/('+)/)
    .filter((part) => part !== '')
    .map((part) => (part.startsWith("'") ? `"${part}"` : `'${part}'`))
    .join('');
}
function nspawnEnvironment(name: string, value: string): string {
  checkEnvName(name);
  return nspawnWord(`${name}=${value}`);
}
function nspawnToken(s: string): string {
  checkCarriable(s);
  if (!NSPAWN_BARE.test(s)) throw new RefError('must be a plain word (letters, digits and _@%+=:,./~^-) in this systemd-nspawn setting');
  return s;
}
function nspawnPath(p: string): string {
  checkCarriable(p);
  if (p === '') throw new RefError('is empty');
  checkLiteralEdges(p);
  return p.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}
function nspawnText(s: string): string {
  checkCarriable(s);
  checkLiteralEdges(s);
  return s;
}

const pieces = ['a', 'Z', '0', '_', ' ', '\t', '\n', '\r', '\0', '\x07', '\x1b', '\x7f', '\x80', '\u00a0', '%', '\\', '"', "'", "''", ':', '=',
  '$', '#', ';', '~', '^', '@', '-', ',', '/', '.', '[', '}', '!', 'é', '✓', '\uD800', '\uDC00', '\uD83D\uDE00'];

/** Every string of up to `depth` pieces, then `random` longer ones (mostly plain, with hostile pieces). */
function strings(depth: number, random: number): string[] {
  const out = [''];
  let level = [''];
  for (let d = 0; d < depth; d++) {
    level = level.flatMap((s) => pieces.map((p) => s + p));
    out.push(...level);
  }
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let n = 0; n < random; n++) {
    let s = '';
    for (let k = 4 + rnd(12); k > 0; k--) s += rnd(3) ? 'abc/._-'[rnd(7)]! : pieces[rnd(pieces.length)]!;
    out.push(s);
  }
  return out;
}

const outcome = (f: () => string): string => {
  try {
    return `= ${f()}`;
  } catch (e) {
    if (!(e instanceof RefError) && !(e instanceof fast.EncodeError)) throw e;
    return `! ${(e as Error).message}`;
  }
};

const single: [string, (s: string) => string, (s: string) => string][] = [
  ['unitText', unitText, fast.unitText],
  ['unitWord', unitWord, fast.unitWord],
  ['nspawnWord', nspawnWord, fast.nspawnWord],
  ['nspawnToken', nspawnToken, fast.nspawnToken],
  ['nspawnPath', nspawnPath, fast.nspawnPath],
  ['nspawnText', nspawnText, fast.nspawnText],
];

describe('fast paths give what the full encoders give', () => {
  // Most inputs are refused: stack traces would be most of the time spent.
  const limit = Error.stackTraceLimit;
  beforeAll(() => {
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = limit;
  });

  const all = strings(3, 20000);
  it.each(single)('%s', (_, ref, got) => {
    for (const s of all) {
      const want = outcome(() => ref(s));
      const have = outcome(() => got(s));
      if (have !== want) expect({ s, have }).toEqual({ s, have: want });
    }
    expect(all.length).toBeGreaterThan(50000);
  });

  it('environment assignments, both file kinds', () => {
    const some = strings(2, 2000);
    for (const name of ['A', 'TZ', '_x1', '1X', 'a-b', '', 'é']) {
      for (const s of some) {
        const pairs: [() => string, () => string][] = [
          [() => unitEnvironment(name, s), () => fast.unitEnvironment(name, s)],
          [() => nspawnEnvironment(name, s), () => fast.nspawnEnvironment(name, s)],
        ];
        for (const [ref, got] of pairs) {
          const want = outcome(ref);
          const have = outcome(got);
          if (have !== want) expect({ name, s, have }).toEqual({ name, s, have: want });
        }
      }
    }
  });
});
