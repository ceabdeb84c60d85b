// What a compile must refuse or survive without root privileges of the test: planted symbolic links (at a
// temporary name, as an output directory), a tampered or broken record of links, concurrent compiles into one
// root, a --root or --config that is wrong, and YAML that others may not read.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generate } from '../../src/generator/run.js';
import { tmpName, writeTemp } from '../../src/emit/write.js';
import type { Sandbox } from './helpers.js';
import {
  cli,
  cliAsync,
  compileArgs,
  ensureBundle,
  MANIFEST,
  readTree,
  sandbox,
  setConfig,
  TEMPLATE,
  treeDiff,
  unrecordedLinks,
  WANTS,
} from './helpers.js';

const CONFIG = {
  'containers/web.yaml': 'autostart: true\nresources: { memory: { max: 1G } }\n',
  'containers/db.yaml': 'autostart: true\n',
};
const DROPIN_DIR = 'etc/systemd/system/machine@web.service.d';

let s: Sandbox;
beforeAll(ensureBundle);
beforeEach(() => {
  s = sandbox();
  setConfig(s.cfg, CONFIG);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(s.base, { recursive: true, force: true });
});

/** No stack trace, ever: no "    at " frame and no bundle line. */
const noTrace = (text: string) => expect(text).not.toMatch(/^\s+at |dist\/machinist:\d+/m);

describe('planted symbolic links', () => {
  it('never follows or replaces a link planted at a temporary name: it takes another name', () => {
    mkdirSync(join(s.root, 'd'));
    const path = join(s.root, 'd/web.nspawn');
    const victim = join(s.outside, 'victim');
    vi.spyOn(Math, 'random').mockReturnValue(0);
    // The next names the writer will try (their serial part counts up; with Math.random fixed they are known).
    const next = (k: number) => {
      const probe = tmpName(path);
      const serial = Number.parseInt(probe.slice(probe.lastIndexOf('-') + 1, -1), 36);
      return Array.from({ length: k }, (_, i) => probe.replace(/-[0-9a-z]+$/, `-${(serial + 1 + i).toString(36)}0`));
    };
    const planted = next(3);
    for (const p of planted) symlinkSync(victim, p);
    const tmp = writeTemp(path, 'new\n', 0o644, false);
    expect(planted).not.toContain(tmp);
    expect(readFileSync(tmp, 'utf8')).toBe('new\n');
    expect(readFileSync(victim, 'utf8')).toBe("not machinist's\n");
    for (const p of planted) expect(readlinkSync(p)).toBe(victim);
    // Every name taken: it gives up (EEXIST) rather than write through any of them.
    for (const p of next(5)) symlinkSync(victim, p);
    expect(() => writeTemp(path, 'new\n', 0o644, false)).toThrow(/EEXIST/);
    expect(readFileSync(victim, 'utf8')).toBe("not machinist's\n");
  });

  it('refuses to write into a drop-in directory that is a symbolic link, and never prunes through one', () => {
    mkdirSync(join(s.root, 'etc/systemd/system'), { recursive: true });
    symlinkSync(s.outside, join(s.root, DROPIN_DIR));
    const r = cli(compileArgs(s));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error[foreign-file]: ${join(s.root, DROPIN_DIR)}/50-machinist.conf cannot be written: ${join(s.root, DROPIN_DIR)} is a symbolic link`,
    );
    expect(r.stderr).toContain('Nothing was written.');
    expect(readTree(s.outside).has('50-machinist.conf')).toBe(false);

    // A drop-in of ours moved behind a link, its container then deleted: the file behind the link stays.
    rmSync(join(s.root, DROPIN_DIR));
    expect(cli(compileArgs(s)).code).toBe(0);
    const ours = readFileSync(join(s.root, DROPIN_DIR, '50-machinist.conf'), 'utf8');
    rmSync(join(s.root, DROPIN_DIR), { recursive: true });
    writeFileSync(join(s.outside, '50-machinist.conf'), ours);
    symlinkSync(s.outside, join(s.root, DROPIN_DIR));
    setConfig(s.cfg, { 'containers/db.yaml': 'autostart: true\n' });
    expect(cli(compileArgs(s)).code).toBe(0);
    expect(readFileSync(join(s.outside, '50-machinist.conf'), 'utf8')).toBe(ours);
  });

  it('refuses an output directory that is a symbolic link as a write error, and changes nothing', () => {
    mkdirSync(join(s.root, 'etc/systemd'), { recursive: true });
    symlinkSync(s.outside, join(s.root, 'etc/systemd/nspawn'));
    const before = readTree(s.outside);
    const r = cli(compileArgs(s));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `error[write-error]: cannot write ${join(s.root, 'etc/systemd/nspawn/db.nspawn')}: ${join(s.root, 'etc/systemd/nspawn')} is a symbolic link. Nothing was changed.`,
    );
    expect(treeDiff(readTree(s.outside), before)).toEqual([]);
    expect(readTree(join(s.root, 'etc/systemd/system')).size).toBe(0);
    noTrace(r.stderr);
  });
});

describe('the record of links', () => {
  beforeEach(() => expect(cli(compileArgs(s)).code).toBe(0));

  it('ignores a tampered entry that points outside ROOT, and never touches what it names', () => {
    const manifest = JSON.parse(readFileSync(join(s.root, MANIFEST), 'utf8'));
    const rel = `${'../'.repeat(12)}${s.outside.slice(1)}/victimlink`;
    manifest.links[`unit:${rel}`] = TEMPLATE;
    manifest.links[`unit:machines.target.wants/../../../../../../${s.outside.slice(1)}/victimlink`] = TEMPLATE;
    manifest.links[`nspawn:${rel}`] = TEMPLATE;
    writeFileSync(join(s.root, MANIFEST), JSON.stringify(manifest));
    setConfig(s.cfg, { 'containers/other.yaml': '' });
    const r = cli(compileArgs(s));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning[manifest-error]');
    expect(r.stderr).toContain('which is no link machinist makes; the entry is ignored');
    expect(readlinkSync(join(s.outside, 'victimlink'))).toBe(TEMPLATE);
    expect(Object.keys(JSON.parse(readFileSync(join(s.root, MANIFEST), 'utf8')).links)).toEqual([]);
  });

  it.each([
    [
      'a directory',
      () => {
        rmSync(join(s.root, MANIFEST));
        mkdirSync(join(s.root, MANIFEST));
      },
      'it is not a regular file',
    ],
    ['not JSON', () => writeFileSync(join(s.root, MANIFEST), '{"links": {'), 'it is not valid JSON'],
    [
      'a symbolic link',
      () => {
        rmSync(join(s.root, MANIFEST));
        symlinkSync(join(s.outside, 'victim'), join(s.root, MANIFEST));
      },
      'it is a symbolic link (ELOOP)',
    ],
  ])('refuses to compile when the record is %s (exit 2), and changes nothing', (_what, spoil, cause) => {
    spoil();
    setConfig(s.cfg, { 'containers/web.yaml': 'autostart: true\n' });
    const before = readTree(s.root);
    const r = cli(compileArgs(s));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[manifest-error]: cannot read ${join(s.root, MANIFEST)}: ${cause}`);
    expect(r.stderr).toContain(`hint: Move it away (mv ${join(s.root, MANIFEST)}`);
    expect(treeDiff(readTree(s.root), before)).toEqual([]);
    expect(readFileSync(join(s.outside, 'victim'), 'utf8')).toBe("not machinist's\n");
    noTrace(r.stderr);
  });
});

describe('concurrent compiles into one root', () => {
  it("take turns: every run succeeds, the tree is one compile's whole result, every link is recorded", async () => {
    const other = {
      'containers/web.yaml': 'autostart: false\n',
      'containers/c1.yaml': 'autostart: true\n',
      'containers/c2.yaml': 'autostart: true\n',
    };
    const cfg2 = join(s.base, 'cfg2');
    mkdirSync(cfg2, { mode: 0o755 });
    setConfig(cfg2, other);
    const trees = [CONFIG, other].map((files, i) => {
      const root = join(s.base, `ref${i}`);
      mkdirSync(root);
      expect(cli(['compile', '--config', i ? cfg2 : s.cfg, '--root', root]).code).toBe(0);
      return readTree(root);
    });
    for (let round = 0; round < 6; round++) {
      const runs = await Promise.all(
        [0, 1, 2, 3].map((i) => cliAsync(['compile', '--config', i % 2 ? cfg2 : s.cfg, '--root', s.root])),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const tree = readTree(s.root);
      expect(
        trees.some((t) => treeDiff(t, tree).length === 0),
        `round ${round}: a mixed tree`,
      ).toBe(true);
      expect(unrecordedLinks(s.root)).toEqual([]);
    }
  }, 120_000);
});

describe('a wrong --root is refused with a diagnostic (exit 2)', () => {
  it.each([
    ['', 'it is empty'],
    ['/proc/1', "it is on the kernel's proc file system"],
    ['/nonexistent/root', 'it does not exist'],
    ['<file>', 'it is not a directory'],
  ])('--root %j', (root, cause) => {
    const given = root === '<file>' ? join(s.outside, 'victim') : root;
    const t = Date.now();
    const r = cli(['compile', '--config', s.cfg, '--root', given]);
    expect(Date.now() - t).toBeLessThan(15_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[invalid-root]: cannot compile into --root ${JSON.stringify(given)}: ${cause}`);
    expect(r.stderr).toContain('hint: ');
    noTrace(r.stderr);
    expect(readTree(s.root).size).toBe(0);
  });
});

describe('a --config that names the wrong folder', () => {
  it('refuses a folder without containers/ and an empty one, in validate and compile, and writes nothing', () => {
    expect(cli(compileArgs(s)).code).toBe(0);
    const before = readTree(s.root);
    const wrong = join(s.cfg, 'containers');
    const v = cli(['validate', '--config', wrong]);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(
      `error[empty-config]: ${wrong} has no containers/ folder: is --config pointing at the right folder?`,
    );
    const c = cli(['compile', '--config', wrong, '--root', s.root]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('Compiling it would remove all 6 files and links machinist wrote.');
    expect(c.stderr).toContain('--allow-empty');
    expect(treeDiff(readTree(s.root), before)).toEqual([]);
    setConfig(s.cfg, { 'profiles/base.yaml': '', 'containers/.keep': '' });
    expect(cli(['validate', '--config', s.cfg]).stderr).toContain(`${s.cfg}/containers holds no container file`);
    expect(cli(compileArgs(s)).code).toBe(1);
    expect(treeDiff(readTree(s.root), before)).toEqual([]);
  });

  it('with --allow-empty, says loudly in --dry-run that everything goes, then removes it', () => {
    expect(cli(compileArgs(s)).code).toBe(0);
    setConfig(s.cfg, { 'containers/.keep': '' });
    expect(cli(['validate', '--config', s.cfg, '--allow-empty']).code).toBe(0);
    const preview = cli(compileArgs(s, '--dry-run', '--allow-empty'));
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain(
      'WARNING: the configuration has no containers: this would remove all 6 files and links machinist wrote.',
    );
    const r = cli(compileArgs(s, '--allow-empty'));
    expect(r.code).toBe(0);
    expect([...readTree(s.root).values()].filter((e) => e.type !== 'dir').length).toBe(1); // the record of links
  });
});

describe('YAML that others cannot read', () => {
  const SECRET = { ...CONFIG, 'containers/db.yaml': 'environment: { DB_PASSWORD: hunter2 }\n' };
  const mode = (rel: string) => statSync(join(s.root, rel)).mode & 0o777;

  it('gives 0600 files for a 0600 container file, a 0600 profile, or a folder others cannot enter', () => {
    setConfig(s.cfg, SECRET);
    chmodSync(join(s.cfg, 'containers/db.yaml'), 0o600);
    expect(cli(compileArgs(s)).code).toBe(0);
    expect(readFileSync(join(s.root, 'etc/systemd/nspawn/db.nspawn'), 'utf8')).toContain('DB_PASSWORD=hunter2');
    expect(mode('etc/systemd/nspawn/db.nspawn')).toBe(0o600);
    expect(mode('etc/systemd/system/machine@db.service.d/50-machinist.conf')).toBe(0o600);
    expect(mode('etc/systemd/nspawn/web.nspawn')).toBe(0o644);

    // Made readable again: the files follow (a change of mode alone is a change).
    chmodSync(join(s.cfg, 'containers/db.yaml'), 0o644);
    const preview = cli(compileArgs(s, '--dry-run'));
    expect(preview.stdout).toContain('mode 0600 -> 0644');
    expect(cli(compileArgs(s)).code).toBe(0);
    expect(mode('etc/systemd/nspawn/db.nspawn')).toBe(0o644);

    setConfig(s.cfg, {
      ...SECRET,
      'containers/db.yaml': 'profiles: [secret]\n',
      'profiles/secret.yaml': 'environment: { DB_PASSWORD: hunter2 }\n',
    });
    chmodSync(join(s.cfg, 'profiles/secret.yaml'), 0o600);
    expect(cli(compileArgs(s)).code).toBe(0);
    expect(mode('etc/systemd/nspawn/db.nspawn')).toBe(0o600);
    expect(mode('etc/systemd/nspawn/web.nspawn')).toBe(0o644);

    setConfig(s.cfg, SECRET);
    chmodSync(s.cfg, 0o700);
    expect(cli(compileArgs(s)).code).toBe(0);
    expect(mode('etc/systemd/nspawn/web.nspawn')).toBe(0o600);
    expect(mode('etc/systemd/system/machine@web.service.d/50-machinist.conf')).toBe(0o600);
  });

  it("the generator's copy in /run is private too", () => {
    setConfig(s.cfg, SECRET);
    chmodSync(join(s.cfg, 'containers/db.yaml'), 0o600);
    const normal = join(s.base, 'normal');
    const nspawnDir = join(s.base, 'run-nspawn');
    mkdirSync(normal);
    const r = generate({
      configDir: s.cfg,
      normal,
      nspawnDir,
      etcDir: join(s.base, 'etc'),
      log: { log() {}, close() {} },
    });
    expect(r.failed).toEqual([]);
    expect(statSync(join(nspawnDir, 'db.nspawn')).mode & 0o777).toBe(0o600);
    expect(statSync(join(normal, 'machine@db.service.d/50-machinist.conf')).mode & 0o777).toBe(0o600);
    expect(statSync(join(nspawnDir, 'web.nspawn')).mode & 0o777).toBe(0o644);
    expect(lstatSync(join(normal, 'machines.target.wants/machine@web.service')).isSymbolicLink()).toBe(true);
  });
});

describe('a broken YAML file that others cannot read', () => {
  it("gets a 0600 failing unit from the generator: its messages may quote the file's values", () => {
    setConfig(s.cfg, { ...CONFIG, 'containers/db.yaml': 'environment: { DB_PASSWORD: hunter2 }\nrestart: hunter2\n' });
    chmodSync(join(s.cfg, 'containers/db.yaml'), 0o600);
    const normal = join(s.base, 'normal-broken');
    mkdirSync(normal);
    const run = { configDir: s.cfg, normal, nspawnDir: join(s.base, 'run-nspawn-broken'), etcDir: join(s.base, 'etc') };
    const r = generate({ ...run, log: { log() {}, close() {} } });
    expect(r.failed).toEqual(['db']);
    const failing = join(normal, 'machine@db.service.d/50-machinist.conf');
    expect(readFileSync(failing, 'utf8')).toContain('hunter2');
    expect(statSync(failing).mode & 0o777).toBe(0o600);
    chmodSync(join(s.cfg, 'containers/db.yaml'), 0o644);
    rmSync(normal, { recursive: true });
    mkdirSync(normal);
    generate({ ...run, log: { log() {}, close() {} } });
    expect(statSync(failing).mode & 0o777).toBe(0o644);
  });
});

describe('a temporary file left by a killed compile', () => {
  it('is removed by the next compile (its writer is gone); one of a running writer stays', () => {
    expect(cli(compileArgs(s)).code).toBe(0);
    const dir = join(s.root, 'etc/systemd/nspawn');
    const dead = join(dir, '.#web.nspawn.machinist-999999999-abc');
    const live = join(dir, `.#web.nspawn.machinist-${process.pid}-abc`);
    writeFileSync(dead, 'half');
    writeFileSync(live, 'half');
    symlinkSync(TEMPLATE, join(s.root, WANTS, '.#machine@web.service.machinist-999999999-x1'));
    writeFileSync(join(dir, '.#db.nspawn.machinist-999999998'), 'left by an earlier version');
    setConfig(s.cfg, { ...CONFIG, 'containers/db.yaml': 'autostart: false\n' });
    expect(cli(compileArgs(s)).code).toBe(0);
    expect(readTree(dir).has('.#web.nspawn.machinist-999999999-abc')).toBe(false);
    expect(readTree(dir).has('.#db.nspawn.machinist-999999998')).toBe(false);
    expect(readTree(dir).has(`.#web.nspawn.machinist-${process.pid}-abc`)).toBe(true);
    expect(readTree(join(s.root, WANTS)).size).toBe(1);
  });
});
