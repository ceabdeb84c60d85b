// Big configurations: the loader runs the generator again as a new node process with a larger tiering budget
// (generator/loader.ts). The output must be exactly what the same generator writes without that step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A plain .mjs module of the benchmark, typed by bench/config.d.mts.
import { writeConfig } from '../../bench/config.mjs';
import { ensureBuilt, generatorBin, generatorDirs, readTree, treeObject } from './helpers.js';

const temps: string[] = [];
const configs = new Map<string, string>();
let base = '';
beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'machinist-big-run-'));
  temps.push(base);
});
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Run the generator on `n` containers, with extra node flags (which also keep it from re-running itself). */
function generate(n: number, nodeFlags: string[]) {
  const dir = join(base, `config-${n}`);
  const config = configs.get(dir) ?? (writeConfig as (n: number, dir: string) => string)(n, dir);
  configs.set(dir, config);
  const d = generatorDirs('machinist-big-');
  temps.push(d.base);
  const env = { PATH: process.env['PATH'] ?? '', MACHINIST_CONFIG_DIR: config, MACHINIST_NSPAWN_DIR: d.nspawn };
  const r = spawnSync(process.execPath, [...nodeFlags, generatorBin, d.normal, d.early, d.late], {
    encoding: 'utf8',
    env: { ...env, MACHINIST_KMSG: '', MACHINIST_CODE_CACHE: join(base, 'none'), MACHINIST_CODE_CACHE_DEBUG: '1' },
    timeout: 60_000,
  });
  return {
    code: r.status,
    stderr: r.stderr,
    normal: treeObject(readTree(d.normal)),
    nspawn: treeObject(readTree(d.nspawn)),
  };
}

describe('big runs', () => {
  it('from 200 containers on, run again under --interrupt-budget, with the same output', () => {
    const tuned = generate(200, []);
    expect(tuned.code).toBe(0);
    expect(tuned.stderr).toContain('(node --interrupt-budget=1000000)');
    const plain = generate(200, ['--stack-size=984']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).not.toContain('--interrupt-budget');
    expect(Object.keys(tuned.nspawn).length).toBe(200);
    expect(tuned.nspawn).toEqual(plain.nspawn);
    expect(tuned.normal).toEqual(plain.normal);
  });

  it('below 200 containers, run in the same process', () => {
    const small = generate(199, []);
    expect(small.code).toBe(0);
    expect(small.stderr).toBe(`machinist-generator: code cache absent: ${join(base, 'none')}\n`);
  });
});
