import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { locate, parseSource, pathKey } from '../../src/load/parse.js';
import { generateFallback } from '../../src/generator/fallback.js';
import { configStem, readConfig } from '../../src/load/read.js';
import { sources } from '../helpers/sources.js';

const parse = (text: string) => parseSource(sources({ 'containers/web.yaml': text })[0]!);

describe('parse', () => {
  it('reports YAML syntax errors at their line and column', () => {
    const { diagnostics } = parse('description: ok\nbinds: [/a:/b\nboot: true\n');
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]!.code).toBe('yaml-syntax');
    expect(diagnostics[0]!.file).toBe('/etc/machinist/containers/web.yaml');
    expect(diagnostics[0]!.pos!.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a key given twice, at the second one', () => {
    const { diagnostics } = parse('boot: true\nhostname: a\nboot: false\n');
    expect(diagnostics.map((d) => d.code)).toEqual(['duplicate-key']);
    expect(diagnostics[0]!.pos).toMatchObject({ line: 3, col: 1 });
  });

  it('treats an empty file as an empty mapping and a list as an error', () => {
    expect(parse('').parsed.value).toEqual({});
    expect(parse('# only a comment\n').parsed.value).toEqual({});
    const list = parse('- a\n- b\n');
    expect(list.diagnostics.map((d) => d.code)).toEqual(['not-a-mapping']);
    expect(list.parsed.value).toBeUndefined();
  });

  it('refuses a __proto__ key at its line, so that no object prototype can change', () => {
    const { parsed, diagnostics } = parse('environment:\n  __proto__: { polluted: 1 }\n');
    expect(diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col])).toEqual([['reserved-key', 2, 3]]);
    expect(parsed.value).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('resolves aliases and records !reset collections by path', () => {
    const { parsed, diagnostics } = parse('binds: !reset [/a:/a]\nx: &v [1]\ntmpfs: !reset\n  - /tmp\n');
    expect(diagnostics).toEqual([]);
    expect(parsed.resets.has(pathKey(['binds']))).toBe(true);
    expect(parsed.resets.has(pathKey(['tmpfs']))).toBe(true);
    expect(parsed.resets.has(pathKey(['x']))).toBe(false);
  });

  it('locates keys, values and list items; a missing path falls back to its deepest ancestor', () => {
    const { parsed } = parse('resources:\n  memory:\n    max: 2G\nbinds:\n  - /a:/a\n  - /b:/b\n');
    expect(locate(parsed, ['resources', 'memory', 'max'], 'key')).toMatchObject({ line: 3, col: 5, length: 3 });
    expect(locate(parsed, ['resources', 'memory', 'max'])).toMatchObject({ line: 3, col: 10, length: 2 });
    expect(locate(parsed, ['binds', 1])).toMatchObject({ line: 6, col: 5 });
    expect(locate(parsed, ['resources', 'memory', 'nope'])).toMatchObject({ line: 3, col: 5 });
  });
});

describe('readConfig', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the known folders in sorted order and reports what it ignores', () => {
    dir = mkdtempSync(join(tmpdir(), 'machinist-read-'));
    for (const d of ['containers', 'profiles', 'slices', 'images', 'nodes']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'images/deb.yaml'), 'path: /srv/deb\n');
    writeFileSync(join(dir, 'containers/b.yaml'), 'boot: true\n');
    writeFileSync(join(dir, 'containers/a.yml'), 'boot: true\n');
    writeFileSync(join(dir, 'containers/a.yaml.bak'), '');
    writeFileSync(join(dir, 'containers/.hidden.yaml'), '');
    writeFileSync(join(dir, 'containers/c.yaml~'), '');
    writeFileSync(join(dir, 'profiles/base.yaml'), '');
    writeFileSync(join(dir, 'machinist.yaml'), 'defaults: {}\n');
    writeFileSync(join(dir, 'notes.txt'), '');
    const r = readConfig(dir, '/etc/machinist');
    expect(r.files.map((f) => `${f.kind}:${f.name}:${f.file}`)).toEqual([
      'container:a:/etc/machinist/containers/a.yml',
      'container:b:/etc/machinist/containers/b.yaml',
      'image:deb:/etc/machinist/images/deb.yaml',
      'settings:machinist:/etc/machinist/machinist.yaml',
      'profile:base:/etc/machinist/profiles/base.yaml',
    ]);
    expect(r.diagnostics.map((d) => `${d.code}:${d.file}`).sort()).toEqual([
      'unsupported-file:/etc/machinist/containers/a.yaml.bak',
      'unsupported-file:/etc/machinist/nodes',
      'unsupported-file:/etc/machinist/notes.txt',
    ]);
    expect(r.diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  });

  it('refuses two files for one name and says a missing directory does not exist', () => {
    dir = mkdtempSync(join(tmpdir(), 'machinist-read-'));
    mkdirSync(join(dir, 'containers'));
    writeFileSync(join(dir, 'containers/web.yaml'), '');
    writeFileSync(join(dir, 'containers/web.yml'), '');
    const r = readConfig(dir);
    expect(r.files).toHaveLength(1);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['conflicting-keys']);
    expect(readConfig(join(dir, 'missing')).exists).toBe(false);
  });

  it('reads NAME.yaml and NAME.yml alike, everywhere: one name, one file', () => {
    dir = mkdtempSync(join(tmpdir(), 'machinist-read-'));
    mkdirSync(join(dir, 'containers'));
    writeFileSync(join(dir, 'containers/web.yml'), 'boot: true\n');
    writeFileSync(join(dir, 'containers/notes.txt'), '');
    writeFileSync(join(dir, 'machinist.yaml'), '');
    writeFileSync(join(dir, 'machinist.yml'), '');
    const r = readConfig(dir, '/etc/machinist');
    expect(r.files.map((f) => `${f.kind}:${f.name}:${f.rel}`)).toEqual([
      'container:web:containers/web.yml',
      'settings:machinist:machinist.yaml',
    ]);
    expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      'unsupported-file: containers/notes.txt is ignored: only .yaml and .yml files are read',
      'conflicting-keys: machinist.yml and machinist.yaml are both the settings file',
    ]);
    expect(['a.yaml', 'a.yml', '.yaml', 'a.yaml.bak', 'a.YAML'].map(configStem)).toEqual([
      'a',
      'a',
      undefined,
      undefined,
      undefined,
    ]);
    // The generator's emergency path finds the same files, and names them as they are.
    const out = mkdtempSync(join(tmpdir(), 'machinist-fallback-'));
    try {
      const lines: string[] = [];
      generateFallback(
        {
          configDir: dir,
          normal: join(out, 'normal'),
          nspawnDir: join(out, 'nspawn'),
          log: { log: (_l: string, m: string) => lines.push(m), close: () => {} } as never,
        },
        'a reason',
      );
      expect(readFileSync(join(out, 'normal/machine@web.service.d/50-machinist.conf'), 'utf8')).toContain(
        `${dir}/containers/web.yml`,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
