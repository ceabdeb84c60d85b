// The generator writes what `machinist compile` writes, path for path and byte for byte: for every example
// config (examples/*/config) and every fixture (test/generator/fixtures/*/config), both built bundles run as
// real processes and their output trees are compared (.nspawn files: ROOT/etc/systemd/nspawn against the
// generator's .nspawn directory; units: ROOT/etc/systemd/system against NORMAL; symlinks by target).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  generatorDirs,
  readTree,
  repo,
  resetNormal,
  runCli,
  runGenerator,
  treeObject,
} from './helpers.js';
import type { Entry, GeneratorDirs } from './helpers.js';

function configs(): [string, string][] {
  const out: [string, string][] = [];
  for (const base of ['examples', 'test/generator/fixtures']) {
    const dir = join(repo, base);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const config = join(dir, name, 'config');
      if (existsSync(config)) out.push([`${base}/${name}`, config]);
    }
  }
  return out;
}

/**
 * A cloud-init seed lives next to its .nspawn file, which binds it by its path as the running system sees it:
 * /etc/systemd/nspawn/NAME.cloud-init from compile, the generator's .nspawn directory (here a temporary one) from
 * the generator. That path, and so the hash line of those .nspawn files, is the one difference allowed: both
 * sides are compared with the path replaced by a placeholder and without the hash line.
 */
function seedBindsAsOne(tree: Map<string, Entry>, nspawnDir: string): Map<string, Entry> {
  const bind = `BindReadOnly=${nspawnDir}/`;
  for (const [rel, e] of tree) {
    if (e.type !== 'file' || !rel.endsWith('.nspawn') || !e.text.includes(bind)) continue;
    const text = e.text.split(bind).join('BindReadOnly=NSPAWN_DIR/');
    tree.set(rel, { ...e, text: text.replace(/^# machinist-hash: .*\n/m, '') });
  }
  return tree;
}

const temps: string[] = [];
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('generator output equals compile output', () => {
  const all = configs();
  it('has the examples and the fixtures to compare', () => {
    expect(all.map(([label]) => label)).toContain('test/generator/fixtures/basic');
  });

  describe.each(all)('%s', (_label, config) => {
    let root: string;
    let d: GeneratorDirs;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'machinist-equiv-root-'));
      d = generatorDirs('machinist-equiv-');
      temps.push(root, d.base);
    });

    it('writes the same files, links and contents', () => {
      const c = runCli(['compile', '--config', config, '--root', root]);
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      const g = runGenerator(config, d);
      expect({ code: g.code, stderr: g.stderr, kmsg: g.kmsg }).toEqual({ code: 0, stderr: '', kmsg: '' });

      const units = readTree(join(root, 'etc/systemd/system'));
      const nspawn = readTree(join(root, 'etc/systemd/nspawn'));
      expect(units.size + nspawn.size).toBeGreaterThan(0);
      expect(treeObject(readTree(d.normal))).toEqual(treeObject(units));
      expect(treeObject(seedBindsAsOne(readTree(d.nspawn), d.nspawn))).toEqual(
        treeObject(seedBindsAsOne(nspawn, '/etc/systemd/nspawn')),
      );
      // Nothing in EARLY or LATE, nothing anywhere else.
      expect(readTree(d.early).size + readTree(d.late).size).toBe(0);
      expect(readdirSync(d.base).sort()).toEqual(['early', 'kmsg', 'late', 'normal', 'nspawn']);
    });

    it('writes the same again on the next daemon-reload (fresh NORMAL, the same .nspawn directory)', () => {
      const before = { normal: treeObject(readTree(d.normal)), nspawn: treeObject(readTree(d.nspawn)) };
      resetNormal(d);
      const g = runGenerator(config, d);
      expect({ code: g.code, stderr: g.stderr }).toEqual({ code: 0, stderr: '' });
      expect({ normal: treeObject(readTree(d.normal)), nspawn: treeObject(readTree(d.nspawn)) }).toEqual(before);
    });
  });
});
