// A compile killed (SIGKILL) at every single change it makes to the file system: each mkdir, file creation,
// write, rename, link, unlink and rmdir (MACHINIST_FAULT_AT=N, see src/emit/write.ts), on a compile that
// creates, changes and removes files and autostart links of several containers at once. After each kill:
// nothing outside ROOT changed, every autostart link in ROOT is recorded (or the admin's), a tree that is
// neither the old nor the new one is announced by the next compile, and that compile heals ROOT to exactly
// the tree an uninterrupted compile makes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry, Sandbox } from './helpers.js';
import {
  cli,
  cliAsync,
  compileArgs,
  ensureBundle,
  readTree,
  sandbox,
  setConfig,
  TEMPLATE,
  treeDiff,
  unrecordedLinks,
  WANTS,
  writeTree,
} from './helpers.js';
import { rmSync, symlinkSync } from 'node:fs';

const BEFORE = {
  'containers/old.yaml': 'autostart: true\n',
  'containers/chg.yaml': 'autostart: true\nresources: { memory: { max: 1G } }\n',
  'containers/keep.yaml': 'environment: { A: "1" }\n',
  'containers/unlinked.yaml': 'autostart: true\n',
  'slices/gone.yaml': 'resources: { cpu: { weight: 50 } }\n',
};
const AFTER = {
  'containers/chg.yaml': 'autostart: true\nresources: { memory: { max: 2G } }\n',
  'containers/keep.yaml': 'environment: { A: "1" }\n',
  'containers/unlinked.yaml': 'autostart: false\n',
  'containers/new.yaml': 'autostart: true\nslice: fresh\n',
  'containers/new2.yaml': 'autostart: true\n',
  'slices/fresh.yaml': '',
};
const ADMIN = 'machine@admin.service';

let s: Sandbox;
let before: Map<string, Entry>;
let after: Map<string, Entry>;
let outsideTree: Map<string, Entry>;

beforeAll(() => {
  ensureBundle();
  s = sandbox();
  setConfig(s.cfg, BEFORE);
  const first = cli(compileArgs(s));
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  // A link the admin made with systemctl enable: never recorded, never removed.
  symlinkSync(TEMPLATE, join(s.root, WANTS, ADMIN));
  before = readTree(s.root);
  setConfig(s.cfg, AFTER);
  const clean = cli(compileArgs(s));
  expect(clean.code).toBe(0);
  after = readTree(s.root);
  outsideTree = readTree(s.outside);
});
afterAll(() => rmSync(s.base, { recursive: true, force: true }));

describe('a compile killed at every step', () => {
  it('the change is real: files and links are created, changed and removed', () => {
    const changed = treeDiff(before, after);
    expect(changed).toEqual(
      expect.arrayContaining([
        'etc/systemd/nspawn/old.nspawn',
        'etc/systemd/nspawn/new.nspawn',
        'etc/systemd/system/machine-gone.slice',
        'etc/systemd/system/machine-fresh.slice',
        'etc/systemd/system/machine@chg.service.d/50-machinist.conf',
        `${WANTS}/machine@old.service`,
        `${WANTS}/machine@unlinked.service`,
        `${WANTS}/machine@new.service`,
        'var/lib/machinist/manifest.json',
      ]),
    );
    expect(after.get(`${WANTS}/${ADMIN}`)).toEqual({ type: 'symlink', target: TEMPLATE });
  });

  it('is healed by the next compile after a kill at each step, and says so when the tree was left mixed', async () => {
    let killed = 0;
    for (let n = 1; n < 200; n++) {
      writeTree(s.root, before);
      const r = await cliAsync(compileArgs(s), { MACHINIST_FAULT_AT: String(n) });
      if (r.signal === null) {
        // Past the last step: this run finished, so every step before it has been a kill point.
        expect(r.code, r.stderr).toBe(0);
        expect(treeDiff(readTree(s.root), after)).toEqual([]);
        break;
      }
      expect(r.signal, `step ${n}: ${r.stderr}`).toBe('SIGKILL');
      killed++;
      const left = readTree(s.root);
      expect(treeDiff(readTree(s.outside), outsideTree), `step ${n}: outside ROOT`).toEqual([]);
      expect(unrecordedLinks(s.root, [ADMIN]), `step ${n}: links no record knows`).toEqual([]);
      const outputs = (t: Map<string, Entry>) =>
        new Map([...t].filter(([k]) => k.startsWith('etc/') && !k.includes('/.#')));
      const mixed = treeDiff(outputs(left), outputs(before)).length > 0;
      if (mixed) {
        const preview = await cliAsync(compileArgs(s, '--dry-run'));
        expect(preview.code, `step ${n}: ${preview.stderr}`).toBe(0);
        expect(preview.stdout, `step ${n}: a mixed tree is announced`).toContain(
          'cut short before it finished; compiling again completes it',
        );
      }
      const heal = await cliAsync(compileArgs(s));
      expect(heal.code, `step ${n}: ${heal.stderr}`).toBe(0);
      expect(heal.stderr).toBe('');
      if (mixed) expect(heal.stdout, `step ${n}`).toContain('cut short before it finished; this compile completed it');
      expect(treeDiff(readTree(s.root), after), `step ${n}: healed`).toEqual([]);
      expect(unrecordedLinks(s.root, [ADMIN])).toEqual([]);
    }
    // Every mkdir, temporary file, write, rename, link, unlink and rmdir of this compile was a kill point.
    expect(killed).toBeGreaterThan(20);
  }, 180_000);

  it("never records the admin's link, so deleting every container leaves it", () => {
    writeTree(s.root, after);
    setConfig(s.cfg, { 'containers/x.yaml': '' });
    const r = cli(compileArgs(s));
    expect(r.code).toBe(0);
    expect(readTree(s.root).get(`${WANTS}/${ADMIN}`)).toEqual({ type: 'symlink', target: TEMPLATE });
    expect(JSON.parse(readFileSync(join(s.root, 'var/lib/machinist/manifest.json'), 'utf8')).links).toEqual({});
    setConfig(s.cfg, AFTER);
  });
});
