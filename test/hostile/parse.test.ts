// Hostile and malformed files at the input layer: each file of the malformed corpus costs bounded time, gets
// its diagnostics at the place to fix, and never takes another container down, in `validate`, `compile` and
// the generator alike. Also: values arrive as written (or are refused), and diagnostics are safe to print.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonText, renderPretty, toJSON } from '../../src/diagnostics/render.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { generate } from '../../src/generator/run.js';
import { check, compile } from '../../src/index.js';
import { fastParse } from '../../src/load/fast-yaml.js';
import { MAX_DEPTH, MAX_FILE_BYTES, MAX_FILE_DIAGNOSTICS, MAX_VALUES, sizeText } from '../../src/load/limits.js';
import { parseSource, parseSourceFully } from '../../src/load/parse.js';
import { sources } from '../helpers/sources.js';
import { ensureBuilt, generatorDirs, readTree, runGenerator } from '../generator/helpers.js';
import { MAX_FILE_BYTES as CORPUS_MAX_FILE_BYTES, malformedCorpus } from './corpus.mjs';
import type { Expected } from './corpus.mjs';
import { iniOf } from '../../src/translate/output.js';

const temps: string[] = [];
const temp = (prefix: string) => {
  const t = mkdtempSync(join(tmpdir(), prefix));
  temps.push(t);
  return t;
};
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const GOOD = 'description: Good\nautostart: true\nenvironment: { PORT: 8080 }\n';

/** A config directory with containers/good.yaml and the corpus file as containers/bad.yaml. */
function configWith(bytes: Buffer | string): string {
  const dir = temp('machinist-hostile-');
  mkdirSync(join(dir, 'containers'));
  writeFileSync(join(dir, 'containers/good.yaml'), GOOD);
  writeFileSync(join(dir, 'containers/bad.yaml'), bytes);
  return dir;
}

const ofBad = (ds: readonly Diagnostic[]) => ds.filter((d) => d.file?.endsWith('containers/bad.yaml'));
const summary = (ds: readonly Diagnostic[]) =>
  ofBad(ds).map((d) => `${d.code} ${d.pos ? `${d.pos.line}:${d.pos.col}` : '-'} ${d.message}`);
const matches = (d: Diagnostic, want: Expected) =>
  d.code === want.code &&
  (want.line === undefined || d.pos?.line === want.line) &&
  (want.col === undefined || d.pos?.col === want.col);

describe('the malformed corpus', () => {
  const corpus = malformedCorpus();
  it('restates the file size limit of limits.ts', () => expect(CORPUS_MAX_FILE_BYTES).toBe(MAX_FILE_BYTES));

  for (const entry of corpus) {
    it(`${entry.name}: its diagnostics, in bounded time; the good container is unharmed`, () => {
      const dir = configWith(entry.bytes);
      const started = performance.now();
      const checked = check({ configDir: dir, shownDir: '/etc/machinist' });
      // Generous for a loaded test machine: the unbounded versions of these took minutes, or forever.
      expect(performance.now() - started).toBeLessThan(8000);
      const bad = ofBad(checked.diagnostics);
      for (const want of entry.expect) {
        const got = summary(checked.diagnostics).join('\n');
        expect(
          bad.some((d) => matches(d, want)),
          `${entry.name} should report ${JSON.stringify(want)}; got:\n${got}`,
        ).toBe(true);
      }
      expect(checked.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
      expect(bad.length).toBeLessThanOrEqual(52);
      // The good container compiles as if the bad file were not there.
      expect(checked.diagnostics.filter((d) => !d.file?.endsWith('containers/bad.yaml'))).toEqual([]);
      expect(checked.outputs.some((o) => o.rel === 'good.nspawn')).toBe(true);
      // compile agrees with validate: refused as a whole when validate reports an error, no crash either way.
      const root = temp('machinist-hostile-root-');
      const compiled = compile({ configDir: dir, root, shownDir: '/etc/machinist' });
      expect(summary(compiled.diagnostics)).toEqual(summary(checked.diagnostics));
      expect(compiled.written).toBe(!bad.some((d) => d.severity === 'error'));
    });
  }

  it(
    'every file with an error fails alone in the generator: the good container is generated',
    { timeout: 180_000 },
    () => {
      for (const entry of corpus) {
        if (!entry.expect.length) continue;
        const dir = configWith(entry.bytes);
        const d = generatorDirs();
        temps.push(d.base);
        const log = { log: () => {}, close: () => {} };
        const r = generate({ configDir: dir, normal: d.normal, nspawnDir: d.nspawn, etcDir: join(d.base, 'etc'), log });
        const outcome = { name: entry.name, internal: r.internalErrors, containers: r.containers, failed: r.failed };
        expect(outcome).toEqual({ name: entry.name, internal: 0, containers: ['good'], failed: ['bad'] });
        expect(readTree(d.nspawn).has('good.nspawn')).toBe(true);
      }
    },
  );
});

describe('the alias bomb', () => {
  const level = (c: string, i: number) => `x-${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`;
  const bomb = ['x-a: &a [x,x,x,x,x,x,x,x,x,x]', ...'bcdefgh'.split('').map(level)].join('\n');

  it(`is refused in milliseconds: aliases count as what they expand to (at most ${MAX_VALUES} values)`, () => {
    const started = performance.now();
    const { diagnostics } = parseSource(sources({ 'containers/bomb.yaml': bomb })[0]!);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(diagnostics.map((d) => `${d.code} ${d.pos?.line}`)).toEqual(['file-too-large 5']);
    expect(diagnostics[0]!.message).toMatch(/aliases expand the file to more than 20000 values/);
  });

  it('allows aliases of ordinary size', () => {
    const { parsed, diagnostics } = parseSource(
      sources({ 'containers/a.yaml': 'environment: &e { A: x }\nx: &l [*e, *e]\n' })[0]!,
    );
    expect(diagnostics).toEqual([]);
    expect(parsed.value).toEqual({ environment: { A: 'x' }, x: [{ A: 'x' }, { A: 'x' }] });
  });

  it('fails only its own container in the generator bundle, within the default time limit', () => {
    ensureBuilt();
    const dir = configWith(bomb);
    const d = generatorDirs();
    temps.push(d.base);
    const r = runGenerator(dir, d);
    expect(r.code).toBe(0);
    expect([...readTree(d.nspawn).keys()]).toEqual(['good.nspawn']);
    expect(readFileSync(join(d.normal, 'machine@bad.service.d/50-machinist.conf'), 'utf8')).toMatch(
      /aliases expand the file/,
    );
  });
});

describe('__proto__ keys', () => {
  const cases = [
    'environment: {__proto__: [a, b]}\n',
    'environment:\n  __proto__: x\n',
    'resources: {io: {read_iops_max: {__proto__: "1\\n[Service]"}}}\n',
    'resources:\n  io:\n    device_weight:\n      __proto__: 100\n',
    'nspawn:\n  Exec:\n    __proto__: x\n',
    'service: {Service: {__proto__: {a: 1}}}\n',
    '__proto__: {boot: false}\n',
  ];
  it.each(cases)('are refused at their line by both parsers: %j', (text) => {
    expect(fastParse(text)).toBeUndefined();
    const full = parseSourceFully(sources({ 'containers/p.yaml': text })[0]!);
    expect(full.diagnostics.map((d) => d.code)).toEqual(['reserved-key']);
    expect(full.diagnostics[0]!.pos!.line).toBe(text.slice(0, text.indexOf('__proto__')).split('\n').length);
    expect(full.parsed.value).toBeUndefined();
    expect(({} as Record<string, unknown>)['boot']).toBeUndefined();
  });

  it('other names of Object.prototype are ordinary keys: validate, compile and the generator agree', () => {
    const text =
      'environment: {constructor: a, toString: b, hasOwnProperty: c, valueOf: "1"}\nnspawn: {Exec: {constructor: x}}\n';
    const dir = configWith(text);
    const checked = check({ configDir: dir });
    expect(checked.diagnostics.map((d) => d.code)).toEqual(['unknown-key']); // nspawn.Exec.constructor
    const fixed = configWith('environment: {constructor: a, toString: b, hasOwnProperty: c, valueOf: "1"}\n');
    const ok = compile({ configDir: fixed, root: temp('machinist-hostile-root-') });
    expect(ok.diagnostics).toEqual([]);
    const dropin = readFileSync(join(ok.targets.dirs.unit, 'machine@bad.service.d/50-machinist.conf'), 'utf8');
    expect(dropin + readFileSync(join(ok.targets.dirs.nspawn, 'bad.nspawn'), 'utf8')).toMatch(
      /constructor=a[\s\S]*toString=b/,
    );
  });
});

describe('plain scalars arrive as written, or are refused with a hint to quote', () => {
  const envOf = (text: string) => {
    const dir = configWith(`environment:\n${text}`);
    const r = compile({ configDir: dir, root: temp('machinist-hostile-root-'), dryRun: true });
    return { diagnostics: ofBad(r.diagnostics), nspawn: r.outputs.find((o) => o.rel === 'bad.nspawn') };
  };

  it.each([
    ['UMASK: 0022', 'Write "0022" in quotes for the text, or 22 for the number.'],
    ['MASK: 0x1F', 'Write "0x1F" in quotes for the text, or 31 for the number.'],
    ['ID: 12345678901234567890', 'Write "12345678901234567890" in quotes for the text, or a smaller number.'],
    ['VERSION: 1.50', 'Write "1.50" in quotes for the text, or 1.5 for the number.'],
    ['N: 1e3', 'Write "1e3" in quotes for the text, or 1000 for the number.'],
    ['P: +1', 'Write "+1" in quotes for the text, or 1 for the number.'],
    ['Z: -0', 'Write "-0" in quotes for the text, or 0 for the number.'],
    ['I: .inf', 'Write ".inf" in quotes for the text, or Infinity for the number.'],
    ['DEBUG: True', 'Write "True" in quotes for the text, or true for the boolean.'],
  ])('%s is refused at its value', (line, hint) => {
    const { diagnostics } = envOf(`  ${line}\n`);
    const got = diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col, d.hint]);
    expect(got).toEqual([['ambiguous-value', 2, line.indexOf(':') + 5, hint]]);
  });

  it('keeps canonical numbers and quoted text exactly', () => {
    const lines = [
      'PORT: 8080',
      'NEG: -5',
      'RATIO: 1.5',
      'ON: true',
      'UMASK: "0022"',
      'BIG: "12345678901234567890"',
      "V: '1.50'",
    ];
    const { diagnostics, nspawn } = envOf(lines.map((l) => `  ${l}\n`).join(''));
    expect(diagnostics).toEqual([]);
    const text =
      nspawn && nspawn.kind === 'file'
        ? iniOf(nspawn.doc).sections.flatMap((s) => s.entries.map((e) => `${e.key}=${e.value}`))
        : [];
    expect(text.filter((l) => l.startsWith('Environment='))).toEqual([
      'Environment=PORT=8080',
      'Environment=NEG=-5',
      'Environment=RATIO=1.5',
      'Environment=ON=true',
      'Environment=UMASK=0022',
      'Environment=BIG=12345678901234567890',
      'Environment=V=1.50',
    ]);
  });

  it('applies to every key, the fast path giving up where the full path refuses', () => {
    const texts = [
      'description: 1.50\n',
      'command: [sleep, 010]\n',
      'resources: {cpu: {weight: 0100}}\n',
      'service: {Service: {TimeoutStopSec: 1e3}}\n',
      'autostart: TRUE\n',
    ];
    for (const text of texts) {
      expect(fastParse(text), text).toBeUndefined();
      const full = parseSourceFully(sources({ 'containers/x.yaml': text })[0]!);
      expect(
        full.diagnostics.map((d) => d.code),
        text,
      ).toEqual(['ambiguous-value']);
    }
  });

  it('hints to quote a number or boolean where text is expected', () => {
    const dir = configWith('command: [sleep, 10]\n');
    const d = ofBad(check({ configDir: dir }).diagnostics);
    const want = ['invalid-value', 'command.1 must be a string, not number', 'Write it in quotes: "10".'];
    expect(d.map((x) => [x.code, x.message, x.hint])).toEqual([want]);
  });
});

describe('tags', () => {
  it('refuses an unknown tag at the tag, with the tag it resembles', () => {
    const { diagnostics } = parseSource(sources({ 'containers/t.yaml': 'binds: !rest [/a:/a]\n' })[0]!);
    const want = ['unknown-tag', 'unknown tag !rest', { line: 1, col: 8, length: 5 }];
    expect(diagnostics.map((d) => [d.code, d.message, d.pos])).toEqual([want]);
    expect(diagnostics[0]!.hint).toMatch(/^Did you mean "!reset"\?/);
  });

  it("keeps !reset and YAML's own tags", () => {
    const { parsed, diagnostics } = parseSource(
      sources({ 'containers/t.yaml': 'binds: !reset [/a:/a]\ndescription: !!str 0022\n' })[0]!,
    );
    expect(diagnostics).toEqual([]);
    expect(parsed.value).toEqual({ binds: ['/a:/a'], description: '0022' });
  });
});

describe('bounded cost of every file', () => {
  it(`refuses a file over ${MAX_FILE_BYTES} bytes when reading it, without reading it whole`, () => {
    const dir = configWith(`description: ${'x'.repeat(MAX_FILE_BYTES)}\n`);
    const d = ofBad(check({ configDir: dir }).diagnostics);
    const size = MAX_FILE_BYTES + 14;
    const message = `containers/bad.yaml is ${size} bytes; a configuration file may hold at most ${sizeText(MAX_FILE_BYTES)}`;
    expect(d.map((x) => [x.code, x.message])).toEqual([['file-too-large', message]]);
  });

  it('lists at most 50 problems of a file, then counts the rest', () => {
    const text = Array.from({ length: 500 }, (_, i) => `k${i}: 1`).join('\n');
    const d = ofBad(check({ configDir: configWith(text) }).diagnostics);
    expect(d).toHaveLength(51);
    expect(d.filter((x) => x.code === 'too-many-problems')).toMatchObject([
      { message: 'and 450 more problems in this file, not shown' },
    ]);
  });
});

describe('README', () => {
  it('states the bounds of a file as limits.ts sets them', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(
      `at most ${sizeText(MAX_FILE_BYTES)}, ${MAX_VALUES} values and ${MAX_DEPTH} levels of nesting`,
    );
    expect(readme).toContain(`at most ${MAX_FILE_DIAGNOSTICS} are listed per file`);
  });
});

describe('UTF-8', () => {
  it('refuses a file that is not UTF-8 at the line and column of the first bad byte', () => {
    const dir = configWith(
      Buffer.concat([Buffer.from('boot: true\ndescription: café '), Buffer.from([0xff]), Buffer.from('\n')]),
    );
    const d = ofBad(check({ configDir: dir }).diagnostics);
    const message = 'containers/bad.yaml is not valid UTF-8: byte 0xff at line 2, column 19';
    expect(d.map((x) => [x.code, x.pos, x.message])).toEqual([
      ['invalid-encoding', { line: 2, col: 19, length: 1 }, message],
    ]);
  });

  it('accepts every valid sequence, refuses overlong forms, surrogates and truncated ones', () => {
    const ok = Buffer.from('description: "é ☕ 日本 😀 \u{10ffff}"\n');
    expect(ofBad(check({ configDir: configWith(ok) }).diagnostics)).toEqual([]);
    for (const bad of [
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe6, 0x97],
      [0x80],
      [0xfe],
    ]) {
      const dir = configWith(Buffer.concat([Buffer.from('description: "'), Buffer.from(bad), Buffer.from('"\n')]));
      const got = ofBad(check({ configDir: dir }).diagnostics).map((x) => [x.code, x.pos?.col]);
      expect(got, bad.join(' ')).toEqual([['invalid-encoding', 15]]);
    }
  });
});

describe('diagnostics are safe to print', () => {
  const text = 'restart: on-failur\x1b]0;pwned\x07\x1b[2Je\nhostname: "\u202eweb"\n';
  const diags = () => check({ configDir: configWith(text), shownDir: '/etc/machinist' });
  const noHidden = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;

  it('escapes control and formatting characters in messages and code frames, keeping the caret under the value', () => {
    const c = diags();
    const out = renderPretty(c.diagnostics, { color: false, sources: c.sources });
    expect(out).not.toMatch(noHidden);
    expect(out).toContain('restart is "on-failur\\x1b]0;pwned\\x07\\x1b[2Je"; expected one of');
    expect(out).toContain(`1 | restart: on-failur\\x1b]0;pwned\\x07\\x1b[2Je\n    |          ${'^'.repeat(33)}\n`);
    expect(out).toContain('2 | hostname: "\\u202eweb"');
  });

  it('escapes them in a key too', () => {
    const c = check({ configDir: configWith('descriptio\x1b]0;pwned\x07\x1b[2Jn: x\n') });
    const out = renderPretty(c.diagnostics, { color: false, sources: c.sources });
    expect(out).not.toMatch(noHidden);
    expect(out).toContain(`1 | descriptio\\x1b]0;pwned\\x07\\x1b[2Jn: x\n    | ${'^'.repeat(34)}\n`);
  });

  it('keeps JSON output valid, with the characters escaped', () => {
    const c = diags();
    const json = jsonText({ diagnostics: toJSON(c.diagnostics) });
    expect(json).toContain('\\u001b]0;pwned\\u0007');
    expect(json).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(json)).toEqual({ diagnostics: toJSON(c.diagnostics) });
  });

  it("shows a CRLF file's lines without their CR", () => {
    const c = check({ configDir: configWith('boot: true\r\nrestart: sometimes\r\n') });
    const out = renderPretty(c.diagnostics, { color: false, sources: c.sources });
    expect(out).toContain('2 | restart: sometimes\n    |          ^^^^^^^^^\n');
  });

  it('cuts a long line of a code frame around the marked place', () => {
    const long = `description: ${'x'.repeat(5000)}\nboot: maybe ${'y'.repeat(5000)}\n`;
    const c = check({ configDir: configWith(long) });
    const out = renderPretty(c.diagnostics, { color: false, sources: c.sources });
    for (const line of out.split('\n')) expect(line.length).toBeLessThan(200);
  });
});

describe('errors a user can act on', () => {
  const first = (text: string) => parseSource(sources({ 'containers/e.yaml': text })[0]!).diagnostics[0]!;

  it('points an unclosed quote at where it opens', () => {
    expect(first("boot: true\ndescription: 'web\nhostname: web\n")).toMatchObject({
      code: 'yaml-syntax',
      message: "the ' quote that opens here is never closed",
      pos: { line: 2, col: 14 },
    });
    expect(first('binds: [/a, "/b, /c]\n')).toMatchObject({ code: 'yaml-syntax', pos: { line: 1, col: 13 } });
  });

  it('names a duplicate key and both places', () => {
    expect(first('boot: true\nresources:\n  memory: {max: 1G, max: 2G}\n')).toMatchObject({
      code: 'duplicate-key',
      message: 'key "max" is given twice (first at line 3, column 12)',
      path: ['resources', 'memory', 'max'],
      pos: { line: 3, col: 21 },
    });
  });

  it('says one document per file', () => {
    const d = first('boot: true\n---\nboot: false\n');
    expect(d).toMatchObject({ code: 'yaml-syntax', pos: { line: 2, col: 1 } });
    expect(`${d.message} ${d.hint}`).toMatch(/one document per file/);
    expect(`${d.message} ${d.hint}`).not.toMatch(/parseAllDocuments/);
  });

  it('says that YAML merge keys are not supported, and what to use instead', () => {
    const d = first('x-base: &base { boot: true }\n<<: *base\n');
    expect(d).toMatchObject({
      code: 'unknown-key',
      message: 'YAML merge keys (<<) are not supported',
      pos: { line: 2, col: 1 },
    });
    expect(d.hint).toMatch(/profile/);
  });

  it('points at the command element and the bind field that cannot be written', () => {
    // A path with a space at its end passes the schema, but nspawn would strip it: the writer refuses it.
    const text = 'boot: false\ncommand: [/bin/sh, -c, "a\\nb"]\nbinds:\n  - /a:/a\n  - { source: /b, target: "/c " }\n';
    const c = check({ configDir: configWith(text) });
    expect(ofBad(c.diagnostics).map((d) => [d.path?.join('.'), d.pos?.line, d.pos?.col])).toEqual([
      ['command.2', 2, 24],
      ['binds.1.target', 5, 27],
    ]);
  });
});
