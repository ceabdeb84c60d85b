// The fast YAML path against `yaml` itself: whenever fastParse accepts a text, yaml must parse it without an
// error to the very same value. Giving up is always allowed. Inputs: every .yaml file in the repository, and
// thousands of generated documents (random keys, scalars, quoting, comments, flow collections, nesting),
// each also mutated a few times to produce near-misses and broken YAML.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { fastParse } from '../../src/load/fast-yaml.js';
import { parseSource, parseSourceFully } from '../../src/load/parse.js';
import { seeded } from '../helpers/random.js';
import type { Random } from '../helpers/random.js';
import { YAML11_BOOLEANS } from '../helpers/yaml-words.js';

const root = join(__dirname, '..', '..');

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * A canonical form that tells apart everything a deep comparison should (types, -0, key order, prototypes) and
 * copes with a __proto__ own property, which vitest's equality does not.
 */
function canon(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Object.is(v, -0) ? 'num:-0' : `num:${v}`;
  if (typeof v === 'string') return `str:${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `bool:${v}`;
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.keys(v)
      .map((k) => `${JSON.stringify(k)}:${canon((Object.getOwnPropertyDescriptor(v, k) as PropertyDescriptor).value)}`)
      .join(',')}}`;
  }
  return `other:${typeof v}:${String(v)}`;
}

const full = (text: string) => parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });

let withResets = 0;

/**
 * Checks one text; returns whether the fast path took it. The reference is machinist's full path (yaml's
 * Document through the converter in parse.ts), and yaml's own toJS() too where the two are meant to agree (toJS
 * treats a __proto__ key differently: the converter keeps it as an ordinary own property).
 */
function check(text: string): boolean {
  const fast = fastParse(text);
  if (!fast) return false;
  if (fast.resets.size) withResets++;
  const doc = full(text);
  if (doc.errors.length)
    throw new Error(`fast path accepted a text yaml rejects (${doc.errors[0]!.message}):\n${JSON.stringify(text)}`);
  const ref = parseSourceFully({ kind: 'profile', name: 'x', rel: 'profiles/x.yaml', file: '/x.yaml', text });
  try {
    expect(ref.diagnostics).toEqual([]);
    expect([...fast.resets].sort()).toEqual([...ref.parsed.resets].sort());
    expect(canon(fast.value ?? {})).toBe(canon(ref.parsed.value));
    if (!text.includes('__proto__')) expect(canon(fast.value)).toBe(canon(doc.toJS()));
  } catch (e) {
    throw new Error(`different results for ${JSON.stringify(text)}: ${(e as Error).message}`, { cause: e });
  }
  return true;
}

const KEYS = [
  'a',
  'b',
  'name',
  'description',
  'TZ',
  'APP_ID',
  'a-b',
  'a.b',
  'a/b',
  '_x',
  'true',
  'True',
  'null',
  'NULL',
  ...YAML11_BOOLEANS,
  '__proto__',
  'constructor',
  'toString',
  'x1',
  '1x',
  '1',
  '0o7',
  '-a',
  'a b',
  'é',
  'a:b',
  '"a"',
  "'a'",
  'a#b',
  '~',
  'inf',
  'NaN',
];
const SCALARS = [
  'x',
  'hello world',
  'Web server, staging',
  '/srv/www',
  '/dev/fuse',
  'tcp:8080:80',
  '0-3',
  '150%',
  '8G',
  '768M',
  '~@debug',
  'on-failure',
  '0',
  '1',
  '-1',
  '-0',
  '42',
  '007',
  '+1',
  '1_000',
  '123456789012345',
  '1234567890123456',
  '12345678901234567890',
  '0.5',
  '-0.25',
  '1.',
  '.5',
  '-.5',
  '1e3',
  '1E-3',
  '1.5e+3',
  '0o17',
  '0o8',
  '0x1F',
  '0xg',
  '.inf',
  '-.inf',
  '+.INF',
  '.nan',
  '.NaN',
  'nan',
  'inf',
  'Infinity',
  'true',
  'True',
  'TRUE',
  'tRue',
  'false',
  'False',
  ...YAML11_BOOLEANS,
  'null',
  'Null',
  'NULL',
  'nul',
  '~',
  '~x',
  'a #b',
  'a#b',
  'a: b',
  'a:b',
  'a:',
  'a :b',
  "it's",
  'say "hi"',
  '- x',
  '-x',
  '--x',
  '-',
  '@x',
  '`x',
  '%x',
  '!reset',
  '!x',
  '&a',
  '*a',
  '|',
  '>',
  '?x',
  '? x',
  ':x',
  ',a',
  'a,b',
  '[a',
  'a]',
  '{a}',
  'a[0]',
  'ä',
  'Café',
  '日本',
  '\u00a0x',
  'x\u00a0',
  'x\u2028y',
  '\ufeffx',
  'a\\b',
  'C:\\dir',
  'a  b',
  ' a',
  'a ',
  '#x',
  'x # y',
  '"',
  "'",
  "''",
  '""',
];

function quote(r: Random, s: string): string {
  switch (r.int(4)) {
    case 0:
      return `'${s.replace(/'/g, "''")}'`;
    case 1:
      return JSON.stringify(s);
    case 2: {
      // Double-quoted with assorted escapes.
      const esc = r.pick([
        '\\n',
        '\\t',
        '\\"',
        '\\\\',
        '\\/',
        '\\x41',
        '\\u00e9',
        '\\ud83d',
        '\\U0001F600',
        '\\e',
        '\\0',
        '\\ ',
        '\\N',
        '\\q',
        '\\_',
        '\\a',
      ]);
      return `"${s.replace(/["\\]/g, '\\$&')}${esc}"`;
    }
    default:
      return s;
  }
}

/** Everyday values, so that many documents stay inside the subset and are really compared. */
const COMMON = [
  'x',
  'hello world',
  'Web server, staging',
  '/srv/www',
  '/srv/a:/srv/b:ro',
  '8G',
  '0-3',
  '150%',
  '42',
  '-5',
  '0',
  '0.5',
  'true',
  'false',
  'null',
  'on-failure',
  'Café',
  'C.UTF-8',
  'debian-12',
  'tcp:8080:80',
];
const COMMON_KEYS = ['a', 'b', 'name', 'description', 'TZ', 'APP_ID', 'memory', 'max', 'tasks_max', 'a-b', 'a.b'];

function scalar(r: Random, inFlow: boolean): string {
  const s = r.next() < 0.6 ? r.pick(COMMON) : r.pick(SCALARS);
  const q = r.next() < 0.3 ? quote(r, s) : s;
  if (!inFlow && r.next() < 0.1) return `${q} # comment`;
  return q;
}

function flow(r: Random, depth: number): string {
  const n = r.int(4);
  const items: string[] = [];
  const map = r.next() < 0.4;
  for (let i = 0; i < n; i++) {
    const v = depth < 2 && r.next() < 0.15 ? flow(r, depth + 1) : scalar(r, true);
    items.push(map ? `${r.next() < 0.7 ? r.pick(COMMON_KEYS) : r.pick(KEYS)}:${r.pick([' ', '  ', ''])}${v}` : v);
  }
  const sep = r.pick([', ', ',', ' , ']);
  const inner = items.join(sep) + (r.next() < 0.05 ? ',' : '');
  const pad = r.pick(['', ' ']);
  return map ? `{${pad}${inner}${pad}}` : `[${pad}${inner}${pad}]`;
}

function block(r: Random, indent: string, depth: number): string[] {
  const lines: string[] = [];
  const seq = depth > 0 && r.next() < 0.3;
  const n = 1 + r.int(4);
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (r.next() < 0.1) lines.push(`${indent}${r.pick(['# a comment', '#', ''])}`);
    const head = seq
      ? '-'
      : (() => {
          let k = r.next() < 0.7 ? r.pick(COMMON_KEYS) : r.pick(KEYS);
          if (used.has(k) && r.next() < 0.9) k = `${k}${i}`;
          used.add(k);
          return `${r.next() < 0.1 ? quote(r, k) : k}:`;
        })();
    const roll = r.next();
    if (depth < 4 && roll < 0.3) {
      const childIndent = indent + r.pick(['  ', '  ', '    ', ' ']);
      if (seq && r.next() < 0.5) {
        // "- key: value" with the rest of the mapping lined up under the first key.
        const child = block(r, indent + '  ', depth + 1);
        const first = child.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
        if (first >= 0 && !child[first]!.trimStart().startsWith('-')) {
          child[first] = `${indent}- ${child[first]!.slice(indent.length + 2)}`;
          lines.push(...child.slice(first), ...child.slice(0, first).map((l) => l));
          continue;
        }
      }
      lines.push(`${indent}${head}${r.next() < 0.15 ? ' !reset' : ''}${r.next() < 0.1 ? ' # c' : ''}`);
      // A sequence under a key may sit at the key's own indentation.
      lines.push(...block(r, !seq && r.next() < 0.2 ? indent : childIndent, depth + 1));
    } else if (roll < 0.45) {
      lines.push(
        `${indent}${head} ${r.next() < 0.15 ? r.pick(['!reset ', '!reset  ', '!reset', '!x ']) : ''}${flow(r, 0)}${r.next() < 0.1 ? ' # c' : ''}`,
      );
    } else if (roll < 0.5) {
      lines.push(`${indent}${head}${r.next() < 0.1 ? ' !reset' : ''}`);
    } else {
      lines.push(`${indent}${head}${r.pick([' ', ' ', '  '])}${scalar(r, false)}${r.next() < 0.05 ? '  ' : ''}`);
    }
  }
  return lines;
}

function mutate(r: Random, text: string): string {
  const at = r.int(text.length + 1);
  switch (r.int(4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return (
        text.slice(0, at) +
        r.pick([
          ' ',
          ':',
          '-',
          '#',
          "'",
          '"',
          '[',
          ']',
          '{',
          '}',
          ',',
          '\t',
          '\n',
          '\n  ',
          '!',
          '&',
          '*',
          '|',
          '?',
          '\r',
          '\\',
        ]) +
        text.slice(at)
      );
    case 2: {
      // Re-indent one line.
      const lines = text.split('\n');
      const i = r.int(lines.length);
      lines[i] = r.next() < 0.5 ? ` ${lines[i]}` : lines[i]!.replace(/^ /, '');
      return lines.join('\n');
    }
    default: {
      // Duplicate a line (duplicate keys, items).
      const lines = text.split('\n');
      const i = r.int(lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
  }
}

describe('fast YAML path', () => {
  it('agrees with yaml on every .yaml file in the repository, and takes most of them', () => {
    const files = yamlFiles(root);
    expect(files.length).toBeGreaterThan(20);
    let taken = 0;
    for (const f of files) if (check(readFileSync(f, 'utf8'))) taken++;
    console.log(`fast path took ${taken} of ${files.length} .yaml files`);
    expect(taken / files.length).toBeGreaterThan(0.5);
  });

  it('agrees with yaml on generated documents and their mutations', () => {
    const r = seeded(Number(process.env['MACHINIST_FUZZ_SEED'] ?? 20261122));
    let taken = 0;
    let total = 0;
    for (let n = 0; n < 3000; n++) {
      const text = block(r, r.next() < 0.05 ? '  ' : '', 0).join('\n') + (r.next() < 0.8 ? '\n' : '');
      total++;
      if (check(text)) taken++;
      let m = text;
      for (let k = 0; k < 3; k++) {
        m = mutate(r, m);
        total++;
        if (check(m)) taken++;
      }
    }
    // The generator is meant to hit the subset often enough for the comparison to mean something.
    console.log(`fast path took ${taken} of ${total} generated documents (${withResets} with !reset)`);
    expect(taken).toBeGreaterThan(total / 10);
  });

  it('handles the edge cases it must leave to yaml', () => {
    for (const t of [
      'a: !reset x\n',
      'a: !reset\n',
      'a: !resetx [x]\n',
      'a: [!reset [x]]\n',
      'a: !other [x]\n',
      'a: &x 1\nb: *x\n',
      'a: |\n  text\n',
      'a: >\n  text\n',
      'a: b\n  c\n',
      'a: [x,\n  y]\n',
      'a: 1\na: 2\n',
      'a:\tb\n',
      'a: 0o17\n',
      'a: .inf\n',
      'a: 1e3\n',
      'a: 007\n',
      '--- \na: 1\n',
      '%YAML 1.2\n---\na: 1\n',
      '- a\n',
      'just a string\n',
      'true: 1\n',
      '"a": 1\n',
      'a: "x\ny"\n',
      'a: b: c\n',
      // Refused by the full path, which says why: not as written, or a key no object may have.
      'a: 1.50\n',
      'a: [1.0]\n',
      'a: -0\n',
      'a: True\n',
      'a: {b: FALSE}\n',
      '__proto__: x\n',
      'a: {__proto__: x}\n',
    ]) {
      expect(fastParse(t), t).toBeUndefined();
    }
  });

  it('gives the same ParsedFile value and no diagnostics as the full path, and locates lazily', () => {
    const text =
      'description: Web\nprofiles: [base]\nresources:\n  memory: { max: 1G }\nbinds:\n  - /a:/b\n  - source: /x\n    target: /y\n';
    const source = {
      kind: 'container' as const,
      name: 'web',
      rel: 'containers/web.yaml',
      file: '/etc/machinist/containers/web.yaml',
      text,
    };
    const { parsed, diagnostics } = parseSource(source);
    expect(diagnostics).toEqual([]);
    expect(parsed.value).toStrictEqual(full(text).toJS());
    expect(parsed.resets.size).toBe(0);
    const reset = parseSource({
      ...source,
      text: 'binds: !reset\n  - /a:/b\nnested:\n  list: !reset [x]\n  items:\n    - !reset\n      k: v\n',
    });
    expect(reset.diagnostics).toEqual([]);
    expect([...reset.parsed.resets].sort()).toEqual(['binds', 'nested\u0000items\u00000', 'nested\u0000list']);
    expect(parsed.doc?.errors).toEqual([]);
    expect(parsed.lines.linePos(text.indexOf('memory'))).toEqual({ line: 4, col: 3 });
  });
});
