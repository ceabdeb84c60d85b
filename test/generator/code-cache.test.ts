// The generator's V8 code cache (generator/loader.ts): made by `machinist-generator --write-code-cache FILE`,
// used when it fits this build and this node, ignored otherwise; the output is the same in every case.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, generatorBin, generatorDirs, readTree, repo, runGenerator, treeObject } from './helpers.js';

const temps: string[] = [];
let dir = '';
let cache = '';
const config = join(repo, 'test/generator/fixtures/basic/config');
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'machinist-code-cache-test-'));
  temps.push(dir);
  cache = join(dir, 'sub/machinist-generator.cache');
});
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function generateWith(cacheFile: string) {
  const d = generatorDirs('machinist-cc-');
  temps.push(d.base);
  const r = runGenerator(config, d, { MACHINIST_CODE_CACHE: cacheFile, MACHINIST_CODE_CACHE_DEBUG: '1' });
  return { ...r, tree: { normal: treeObject(readTree(d.normal)), nspawn: treeObject(readTree(d.nspawn)) } };
}

describe('code cache', () => {
  it('--write-code-cache FILE makes the cache (creating its folder) and prints nothing', () => {
    const r = spawnSync(process.execPath, [generatorBin, '--write-code-cache', cache], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
      timeout: 30_000,
    });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    const head = readFileSync(cache).subarray(0, 200).toString('latin1').split('\n')[0];
    expect(head).toMatch(
      new RegExp(`^machinist-generator code cache [0-9a-f]{16} node ${process.version} ${process.arch}$`),
    );
    expect(readFileSync(cache).length).toBeGreaterThan(50_000);
  });

  it('is used when it fits, and the output is what it is without it', () => {
    const without = generateWith(join(dir, 'missing.cache'));
    const used = generateWith(cache);
    expect(without.stderr).toBe(`machinist-generator: code cache absent: ${join(dir, 'missing.cache')}\n`);
    expect(used.stderr).toBe(`machinist-generator: code cache used: ${cache}\n`);
    expect(used.code).toBe(0);
    expect(used.tree).toEqual(without.tree);
    expect(Object.keys(used.tree.normal).length).toBeGreaterThan(3);
  });

  it('is ignored when it was made for another build or node (header), or when V8 cannot use it', () => {
    const good = readFileSync(cache);
    const nl = good.indexOf(10);
    const other = join(dir, 'other.cache');
    writeFileSync(
      other,
      Buffer.concat([
        Buffer.from('machinist-generator code cache 0000000000000000 node v0.0.0 x64\n'),
        good.subarray(nl + 1),
      ]),
    );
    const corrupt = join(dir, 'corrupt.cache');
    writeFileSync(corrupt, Buffer.concat([good.subarray(0, nl + 1), Buffer.alloc(good.length - nl - 1, 0x5a)]));
    const reference = generateWith(join(dir, 'missing.cache')).tree;
    const a = generateWith(other);
    expect(a.stderr).toBe(`machinist-generator: code cache absent: ${other}\n`);
    expect(a.tree).toEqual(reference);
    const b = generateWith(corrupt);
    expect(b.stderr).toBe(`machinist-generator: code cache rejected: ${corrupt}\n`);
    expect(b.code).toBe(0);
    expect(b.tree).toEqual(reference);
  });

  it('reads its bundle from beside itself, or else from ../../machinist (LIBDIR, where it is installed)', () => {
    const lib = join(dir, 'layout/lib');
    mkdirSync(join(lib, 'systemd/system-generators'), { recursive: true });
    mkdirSync(join(lib, 'machinist'));
    const loader = join(lib, 'systemd/system-generators/machinist-generator');
    copyFileSync(generatorBin, loader);
    const run = () => {
      const d = generatorDirs('machinist-cc-layout-');
      temps.push(d.base);
      const env = { PATH: process.env['PATH'] ?? '', MACHINIST_CONFIG_DIR: config, MACHINIST_NSPAWN_DIR: d.nspawn };
      const args = [loader, d.normal, d.early, d.late];
      const opts = { encoding: 'utf8' as const, env: { ...env, MACHINIST_KMSG: '' }, timeout: 30_000 };
      const r = spawnSync(process.execPath, args, opts);
      return { code: r.status, stderr: r.stderr, tree: treeObject(readTree(d.nspawn)) };
    };
    const missing = run();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^machinist-generator: cannot read its bundle [a-z.-]+\.core\.js: ENOENT/);
    copyFileSync(join(repo, 'dist/machinist-generator.core.js'), join(lib, 'machinist/machinist-generator.core.js'));
    const installed = run();
    expect({ code: installed.code, stderr: installed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(installed.tree).toEqual(generateWith(join(dir, 'missing.cache')).tree.nspawn);
  });

  it('says nothing about the cache unless asked', () => {
    const d = generatorDirs('machinist-cc-quiet-');
    temps.push(d.base);
    const r = runGenerator(config, d, { MACHINIST_CODE_CACHE: cache });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
