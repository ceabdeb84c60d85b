// The generated validator (src/schema/accept.generated.ts) must answer exactly as zod does: a value it
// accepts is never checked by zod again, so a disagreement would let a wrong configuration through (or report
// an error zod cannot word), and a value it accepts must be one zod accepts with the same data. Checked here on
// every example file and on many random values made from the schemas' own structure, valid and broken.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { parseSource } from '../../src/load/parse.js';
import { readConfig } from '../../src/load/read.js';
import { acceptSource } from '../../src/schema/accept-codegen.js';
import { accept } from '../../src/schema/accept.generated.js';
import { schemaFor } from '../../src/schema/files.js';
import { seeded } from '../helpers/random.js';

type AnySchema = z.core.$ZodType;
type Kind = keyof typeof schemaFor;
const root = new URL('../..', import.meta.url).pathname;
const zodSays = (kind: Kind, v: unknown) => z.safeParse(schemaFor[kind], v).success;
/**
 * What the pipeline takes from a value accept() lets through is the value itself, never zod's output: so zod
 * must accept it and give back the same data (no default, transform or dropped key that only zod would apply).
 */
function expectZodKeeps(kind: Kind, v: unknown): void {
  const r = z.safeParse(schemaFor[kind], v);
  const same = r.success && show(canon(r.data)) === show(canon(v));
  if (!same) expect.fail(`accept takes ${show(v)}, zod gives ${show(r.data)}`);
}

/**
 * Data as the pipeline reads it: own enumerable keys (in any order) and their values, arrays by index. Except a
 * `__proto__` key, which zod's records leave out of their output while machinist keeps it as written (an
 * environment variable may have that name; as a pass-through key it is refused later, by systemd's key lists).
 */
const canon = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canon)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .filter((k) => k !== '__proto__')
            .sort()
            .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
        )
      : v;

describe('accept.generated.ts', () => {
  it('is what the schemas generate now (npm run build rewrites it)', () => {
    expect(readFileSync(join(root, 'src/schema/accept.generated.ts'), 'utf8')).toBe(acceptSource(schemaFor));
  });

  it('accepts every file of every example, as zod does', () => {
    let n = 0;
    for (const base of ['examples', 'test/generator/fixtures']) {
      for (const e of readdirSync(join(root, base))) {
        for (const f of readConfig(join(root, base, e, 'config')).files) {
          const { parsed } = parseSource(f);
          expect(accept[f.kind](parsed.value), f.file).toBe(true);
          expectZodKeeps(f.kind, parsed.value);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(20);
  });

  it.each(['container', 'slice', 'settings', 'cloud-init'] as const)(
    'agrees with zod on random %s values, valid and broken',
    (kind) => {
      const rnd = seeded(0x6d61 + kind.length).next;
      const gen = new Sampler(rnd);
      let accepted = 0;
      const N = 4000;
      for (let i = 0; i < N; i++) {
        const v = gen.sample(schemaFor[kind], 0);
        const want = zodSays(kind, v);
        if (accept[kind](v) !== want) expect.fail(`accept says ${!want}, zod says ${want} for ${show(v)}`);
        if (want) {
          expectZodKeeps(kind, v);
          accepted++;
        }
      }
      // Both outcomes must be well represented, or the comparison proves little. Every optional key of a
      // container is another chance of a broken value, so with 30-odd keys about one value in ten is valid.
      expect(accepted).toBeGreaterThan(N * 0.05);
      expect(accepted).toBeLessThan(N * 0.9);
    },
  );

  it('agrees on values that sit on the edges of zod semantics', () => {
    const proto = (o: object) =>
      Object.defineProperty(o, '__proto__', { value: { x: 1 }, enumerable: true, configurable: true, writable: true });
    const cases: [Kind, unknown][] = [
      ['container', Object.create(null)],
      ['container', { environment: Object.create(null) }],
      ['container', { environment: proto({}) }],
      ['container', proto({})],
      ['container', { environment: new Map() }],
      ['container', { environment: new Date(0) }],
      ['container', { environment: [] }],
      ['container', { resources: { cpu: { weight: -0 } } }],
      ['container', { resources: { memory: { max: -0 } } }],
      ['container', { resources: { memory: { max: 2 ** 53 } } }],
      ['container', { resources: { memory: { max: Number.MAX_SAFE_INTEGER } } }],
      ['container', { resources: { memory: { max: Infinity } } }],
      ['container', { environment: { A: NaN } }],
      ['container', { environment: { A: Infinity } }],
      ['container', { environment: { A: 1e300 } }],
      ['container', { description: undefined }],
      ['container', { description: null }],
      ['container', { binds: [{ source: '/a', target: undefined }] }],
      ['container', { binds: [{ target: '/a' }] }],
      ['container', { command: new Array(3) }],
      ['container', { network: { ports: [65535, 65536, '1:1'] } }],
      ['slice', { unit: { Slice: { [Symbol('x')]: 1 } } }],
      ['slice', { unit: { Slice: { CPUWeight: [1, 'x', true] } } }],
      ['slice', { unit: { Slice: { CPUWeight: [[1]] } } }],
      ['settings', { defaults: { profiles: ['x'] } }],
      ['settings', { defaults: { boot: false } }],
    ];
    for (const [kind, v] of cases) expect(accept[kind](v), `${kind} ${show(v)}`).toBe(zodSays(kind, v));
  });
});

const show = (v: unknown) =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'number' && !Number.isFinite(x) ? String(x) : x === undefined ? '<undefined>' : x,
  );

const STRINGS = [
  '',
  'x',
  'web',
  'web.example.com',
  '-web',
  'a'.repeat(65),
  'a-b',
  'a_b',
  'a--b',
  'foo bar',
  'ünï',
  'a\nb',
  '1ABC',
  'APP_ENV',
  'C.UTF-8',
  '/',
  '/srv',
  '/srv/www',
  '/srv/www:/www',
  '/a:/b:ro,norbind',
  '/a:/b:ro,bogus',
  '/a:/b:idmap',
  '/a/../b',
  '/a//b',
  '/a/',
  '/a/.',
  'rel',
  'rel:/x',
  '/a:/b:c:d',
  '/tmp:size=10M',
  'tmp:x',
  '/a:rel',
  '512M',
  '2G',
  '2GB',
  '1.5G',
  '50%',
  '1.5%',
  '0%',
  '150%',
  '0.5%',
  'infinity',
  '0',
  '10',
  '-1',
  '0-3',
  '0-3,6',
  '0 1',
  '3-',
  'tcp:8080:80',
  'udp:53',
  'tcp:0',
  '65536',
  '65535',
  'CAP_NET_ADMIN',
  'cap_x',
  'all',
  '~@debug',
  '@system-service',
  'ptrace',
  '~',
  'br0',
  'eth0:1',
  'veryveryverylongname',
  'pick',
  'identity',
  '1000:65536',
  'no',
  'yes',
  'rwm',
  'rx',
  'SIGRTMIN+3',
  '2K',
  '10M',
  '1.5K',
  'tier-web',
  'root',
  '0',
  'nobody',
  'state',
  'overlay',
  'host',
  'veth',
  'copy-host',
  'auto',
  'on-failure',
  'always',
  'rbind',
  'ro',
];
const NUMBERS = [
  0,
  -0,
  1,
  2,
  100,
  500,
  10000,
  10001,
  65535,
  65536,
  1.5,
  -1,
  2 ** 53 - 1,
  2 ** 53,
  NaN,
  Infinity,
  -Infinity,
  1e21,
];
const JUNK: (() => unknown)[] = [
  () => null,
  () => undefined,
  () => true,
  () => 0,
  () => 1.5,
  () => NaN,
  () => 'x',
  () => '/srv',
  () => [],
  () => ({}),
  () => [1],
  () => ({ a: 1 }),
  () => Object.create(null),
  () => new Date(0),
  () => ['x'],
];
const EXTRA_KEYS = ['memroy', 'constructor', 'toString', '__proto__', 'Exec', 'x', ''];

/** Random values shaped by a schema: mostly valid parts, with wrong types, values and keys mixed in. */
class Sampler {
  private readonly valid = new Map<AnySchema, { strings: string[]; numbers: number[] }>();
  constructor(private readonly rnd: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }

  private validFor(schema: AnySchema) {
    let v = this.valid.get(schema);
    if (!v) {
      v = {
        strings: STRINGS.filter((s) => z.safeParse(schema, s).success),
        numbers: NUMBERS.filter((n) => z.safeParse(schema, n).success),
      };
      this.valid.set(schema, v);
    }
    return v;
  }

  sample(schema: AnySchema, depth: number): unknown {
    if (this.rnd() < 0.04 || depth > 8) return this.pick(JUNK)();
    const def = schema._zod.def as unknown as {
      type: string;
      innerType: AnySchema;
      options: AnySchema[];
      element: AnySchema;
      shape: Record<string, AnySchema>;
      keyType: AnySchema;
      valueType: AnySchema;
      entries: Record<string, string>;
    };
    switch (def.type) {
      case 'optional':
        return this.rnd() < 0.15 ? undefined : this.sample(def.innerType, depth);
      case 'string': {
        const ok = this.validFor(schema).strings;
        return ok.length && this.rnd() < 0.8 ? this.pick(ok) : this.pick(STRINGS);
      }
      case 'number': {
        const ok = this.validFor(schema).numbers;
        return ok.length && this.rnd() < 0.8 ? this.pick(ok) : this.pick(NUMBERS);
      }
      case 'boolean':
        return this.rnd() < 0.5;
      case 'enum':
        return this.rnd() < 0.9 ? this.pick(Object.values(def.entries)) : this.pick(STRINGS);
      case 'union':
        return this.sample(this.pick(def.options), depth);
      case 'array':
        return Array.from({ length: Math.floor(this.rnd() * 3) }, () => this.sample(def.element, depth + 1));
      case 'object': {
        const out: Record<string, unknown> = this.rnd() < 0.05 ? Object.create(null) : {};
        for (const [k, s] of Object.entries(def.shape)) if (this.rnd() < 0.35) out[k] = this.sample(s, depth + 1);
        if (this.rnd() < 0.05) this.set(out, this.pick(EXTRA_KEYS), 1);
        return out;
      }
      case 'record': {
        const out: Record<string, unknown> = {};
        const keys = this.validFor(def.keyType).strings;
        for (let i = Math.floor(this.rnd() * 3); i > 0; i--) {
          const k = keys.length && this.rnd() < 0.85 ? this.pick(keys) : this.pick([...STRINGS, ...EXTRA_KEYS]);
          this.set(out, k, this.sample(def.valueType, depth + 1));
        }
        return out;
      }
      case 'unknown':
        // Free-form (a cloud-init document's values): anything a YAML file can hold.
        return this.pick(JUNK)();
      default:
        throw new Error(`no sampler for ${def.type}`);
    }
  }

  /** An own, enumerable property, even for "__proto__" (as the YAML loader defines keys). */
  private set(o: object, k: string, v: unknown) {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
}
