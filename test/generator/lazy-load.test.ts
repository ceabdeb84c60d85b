// A valid configuration never evaluates the YAML library or zod in the bundled generator (src/lazy.ts): the fast
// YAML parser and the generated checker do the work, and what is loaded lazily stays unloaded. Watched from
// outside the bundle, with a module preloaded into the generator's node: zod marks globalThis when it is
// evaluated (__zod_globalConfig), and the YAML library is the bundle's only code that requires node's `process`
// and `buffer` modules. A broken file, whose error needs zod's wording and a position, shows that both signs are
// there when the modules are loaded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, generatorBin, generatorDirs, repo, writeConfig } from './helpers.js';

const temps: string[] = [];
let probe = '';
beforeAll(() => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'machinist-lazy-'));
  temps.push(dir);
  probe = join(dir, 'probe.cjs');
  writeFileSync(
    probe,
    `const Module = require('node:module');
const required = new Set();
const original = Module.prototype.require;
Module.prototype.require = function (id) { required.add(id); return original.apply(this, arguments); };
const before = new Set(process.moduleLoadList);
process.on('exit', () => {
  // node:child_process brings node's streams, net and dgram: milliseconds at every boot.
  const heavy = ['NativeModule child_process', 'NativeModule net', 'NativeModule stream']
    .filter((m) => process.moduleLoadList.includes(m) && !before.has(m));
  const seen = {
    zod: '__zod_globalConfig' in globalThis,
    yaml: required.has('process') || required.has('buffer'),
    heavy,
  };
  require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(seen));
});
`,
  );
});
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function loadedBy(config: string): { code: number | null; zod: boolean; yaml: boolean; heavy: string[] } {
  const d = generatorDirs('machinist-lazy-run-');
  temps.push(d.base);
  const out = join(d.base, 'probe.json');
  const env = { PATH: process.env['PATH'] ?? '', MACHINIST_CONFIG_DIR: config, MACHINIST_NSPAWN_DIR: d.nspawn };
  const r = spawnSync(process.execPath, ['-r', probe, generatorBin, d.normal, d.early, d.late], {
    encoding: 'utf8',
    env: { ...env, MACHINIST_KMSG: '', PROBE_OUT: out, MACHINIST_CODE_CACHE: join(d.base, 'none') },
    timeout: 30_000,
  });
  const seen = JSON.parse(readFileSync(out, 'utf8')) as { zod: boolean; yaml: boolean; heavy: string[] };
  return { code: r.status, ...seen };
}

describe('the bundled generator loads the YAML library and zod only when a file needs them', () => {
  it('loads neither for a valid configuration (every example, and the fixture)', () => {
    const examples = readdirSync(join(repo, 'examples')).map((e) => `examples/${e}/config`);
    expect(examples.length).toBeGreaterThan(3);
    for (const config of ['test/generator/fixtures/basic/config', ...examples]) {
      // A cloud-init seed is written by the YAML library (translate/seed-yaml.ts): only a configuration with
      // seeds loads it. Its instance-id is hashed like every ownership hash, without node:crypto and its streams.
      const seeds = existsSync(join(repo, config, 'cloud-init'));
      const expected = { code: 0, zod: false, yaml: seeds, heavy: [] };
      expect(loadedBy(join(repo, config)), config).toEqual(expected);
    }
  });

  it('loads the YAML library, but not zod, for a valid container with cloud_init:', () => {
    const config = mkdtempSync(join(tmpdir(), 'machinist-lazy-seed-'));
    temps.push(config);
    writeConfig(config, { 'containers/web.yaml': 'cloud_init: { user_data: { runcmd: [date] } }\n' });
    expect(loadedBy(config)).toEqual({ code: 0, zod: false, yaml: true, heavy: [] });
  });

  it('loads both for a file with an unknown key (worded by zod, at a position the YAML library finds)', () => {
    const config = mkdtempSync(join(tmpdir(), 'machinist-lazy-bad-'));
    temps.push(config);
    writeConfig(config, { 'containers/web.yaml': 'description: Web\n', 'containers/typo.yaml': 'descriptio: x\n' });
    expect(loadedBy(config)).toMatchObject({ code: 0, zod: true, yaml: true });
  });
});
