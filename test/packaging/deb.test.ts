// Packaging: `make install` / `make uninstall` into a staging root, and the Debian package installed, used and
// removed on a throw-away copy of this very system: an overlay of `/` (upper and work on a private tmpfs), with
// /dev and /proc mounted into it, driven with chroot. The host itself is never changed, and everything is
// unmounted afterwards whatever happens (bounded waits, lazy unmount as a last resort).
//
// Needs root (mounts, chroot); skipped otherwise, except when CI is set, where it fails instead.
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo } from '../generator/helpers.js';

const isRoot = process.getuid?.() === 0;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string; author: string };
/** The Debian version: the newest entry of packaging/debian/changelog, package.json's version plus a revision. */
const changelog = join(repo, 'packaging/debian/changelog');
const version = /^machinist \(([^)]+)\)/.exec(readFileSync(changelog, 'utf8'))?.[1] ?? '(no version in the changelog)';

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 60_000, cwd: opts.cwd ?? repo, env: opts.env ?? process.env });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '', error: r.error };
}

/** Every path below dir, as absolute paths of the installed system ('/usr/bin/machinist'), directories included. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    out.push(`/${relative(dir, abs)}`);
    if (lstatSync(abs).isDirectory()) for (const n of readdirSync(abs)) walk(join(abs, n));
  };
  walk(dir);
  return out.map((p) => (p === '/' ? '/.' : p)).sort();
}

/** What `make install` installs: binaries, templates, docs, each example's README and config/, /etc/machinist folders. */
function expectedPaths(): string[] {
  const paths = new Set<string>([
    '/.',
    '/etc',
    '/etc/machinist',
    '/etc/machinist/containers',
    '/etc/machinist/images',
    '/etc/machinist/profiles',
    '/etc/machinist/slices',
    '/usr',
    '/usr/bin',
    '/usr/bin/machinist',
    '/usr/lib',
    '/usr/lib/systemd',
    '/usr/lib/systemd/system',
    '/usr/lib/systemd/system/machine@.service',
    '/usr/lib/systemd/system/machinist-copy@.service',
    '/usr/lib/systemd/system/machinist-image-fs@.service',
    '/usr/lib/systemd/system/machinist-image@.service',
    '/usr/lib/systemd/system/machinist-overlay@.service',
    '/usr/lib/systemd/system/machinist-pod@.service',
    '/usr/lib/systemd/system-generators',
    '/usr/lib/systemd/system-generators/machinist-generator',
    '/usr/lib/machinist',
    '/usr/lib/machinist/machinist-generator.core.js',
    // Bound into booted guests that get password hashes (translate/credentials.ts).
    '/usr/lib/machinist/guest',
    '/usr/lib/machinist/guest/machinist-passwords.conf',
    '/usr/lib/machinist/guest/machinist-passwords.service',
    '/usr/share',
    '/usr/share/doc',
    '/usr/share/doc/machinist',
    '/usr/share/doc/machinist/README.md',
    '/usr/share/doc/machinist/examples',
    // Made by the CLI at install time: man page, completions, JSON Schemas for editors.
    '/usr/share/man',
    '/usr/share/man/man1',
    '/usr/share/man/man1/machinist.1',
    '/usr/share/bash-completion',
    '/usr/share/bash-completion/completions',
    '/usr/share/bash-completion/completions/machinist',
    '/usr/share/zsh',
    '/usr/share/zsh/vendor-completions',
    '/usr/share/zsh/vendor-completions/_machinist',
    '/usr/share/fish',
    '/usr/share/fish/vendor_completions.d',
    '/usr/share/fish/vendor_completions.d/machinist.fish',
    '/usr/share/machinist',
    '/usr/share/machinist/schema',
    '/usr/share/machinist/schema/container.schema.json',
    '/usr/share/machinist/schema/machinist.schema.json',
    '/usr/share/machinist/schema/slice.schema.json',
  ]);
  const examples = join(repo, 'examples');
  const walk = (rel: string) => {
    const abs = join(examples, rel);
    paths.add(`/usr/share/doc/machinist/examples/${rel}`);
    if (lstatSync(abs).isDirectory()) for (const n of readdirSync(abs)) walk(`${rel}/${n}`);
  };
  for (const e of readdirSync(examples)) {
    if (!lstatSync(join(examples, e)).isDirectory()) continue;
    paths.add(`/usr/share/doc/machinist/examples/${e}`);
    if (existsSync(join(examples, e, 'README.md'))) paths.add(`/usr/share/doc/machinist/examples/${e}/README.md`);
    if (existsSync(join(examples, e, 'config'))) walk(`${e}/config`);
  }
  return [...paths].sort();
}

/** What the Debian package contains: `make install`'s files, the man page compressed, copyright, changelog, overrides. */
function debPaths(): string[] {
  const paths = expectedPaths().map((p) => (p === '/usr/share/man/man1/machinist.1' ? `${p}.gz` : p));
  const lintian = ['/usr/share/lintian', '/usr/share/lintian/overrides', '/usr/share/lintian/overrides/machinist'];
  const doc = ['/usr/share/doc/machinist/changelog.Debian.gz', '/usr/share/doc/machinist/copyright'];
  return [...paths, ...doc, ...lintian].sort();
}

/** Builds build/machinist_VERSION_all.deb (once per run) and returns its path. */
let builtDeb = '';
function buildDeb(): string {
  if (builtDeb) return builtDeb;
  const built = sh('sh', ['scripts/build-deb.sh'], { timeout: 180_000 });
  if (built.code !== 0) throw new Error(`build-deb.sh failed: ${built.out}`);
  builtDeb = join(repo, built.stdout.trim().split('\n').pop()!);
  return builtDeb;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('make install / make uninstall (DESTDIR, PREFIX)', () => {
  let dest = '';
  beforeAll(() => {
    dest = mkdtempSync(join(tmpdir(), 'machinist-install-'));
    temps.push(dest);
  });

  it('installs exactly the expected files, with an absolute interpreter when asked', () => {
    const r = sh('make', ['--no-print-directory', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr', 'NODE_INTERPRETER=/usr/bin/node'], { timeout: 120_000 });
    expect(r.code, r.out).toBe(0);
    expect(listTree(dest)).toEqual(expectedPaths());
    expect(readFileSync(join(dest, 'usr/bin/machinist'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/node');
    expect(readFileSync(join(dest, 'usr/lib/systemd/system-generators/machinist-generator'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/node');
    expect(lstatSync(join(dest, 'usr/lib/systemd/system-generators/machinist-generator')).mode & 0o777).toBe(0o755);
    for (const unit of ['machine@.service', 'machinist-pod@.service']) {
      expect(readFileSync(join(dest, 'usr/lib/systemd/system', unit), 'utf8')).toBe(readFileSync(join(repo, 'units', unit), 'utf8'));
    }
    expect(lstatSync(join(dest, 'usr/lib/machinist/machinist-generator.core.js')).mode & 0o777).toBe(0o644);
    // The installed generator finds its code in ../../machinist (LIBDIR), as it will on the target.
    const gen = join(dest, 'run-gen');
    for (const d of ['normal', 'early', 'late']) mkdirSync(join(gen, d), { recursive: true });
    const env = { PATH: process.env['PATH'] ?? '', MACHINIST_KMSG: '', MACHINIST_CONFIG_DIR: join(repo, 'test/generator/fixtures/basic/config'), MACHINIST_NSPAWN_DIR: join(gen, 'nspawn') };
    const g = sh(process.execPath, [join(dest, 'usr/lib/systemd/system-generators/machinist-generator'), ...['normal', 'early', 'late'].map((d) => join(gen, d))], { env });
    expect({ code: g.code, out: g.out }).toEqual({ code: 0, out: '' });
    expect(readdirSync(join(gen, 'nspawn')).sort()).toEqual(['db.nspawn', 'tools.nspawn', 'web.nspawn']);
    rmSync(gen, { recursive: true });
    const version = sh(process.execPath, [join(dest, 'usr/bin/machinist'), '--version']);
    expect(version.stdout.trim()).toBe('0.1.0');
  });

  it('never overwrites a file in /etc/machinist, and uninstall leaves it (and only it) behind', () => {
    writeFileSync(join(dest, 'etc/machinist/containers/mine.yaml'), 'description: mine\n');
    expect(sh('make', ['--no-print-directory', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr']).code).toBe(0);
    expect(readFileSync(join(dest, 'etc/machinist/containers/mine.yaml'), 'utf8')).toBe('description: mine\n');
    const r = sh('make', ['--no-print-directory', 'uninstall', `DESTDIR=${dest}`, 'PREFIX=/usr']);
    expect(r.code, r.out).toBe(0);
    const left = listTree(dest).filter((p) => lstatSync(join(dest, p)).isFile());
    expect(left).toEqual(['/etc/machinist/containers/mine.yaml']);
  });

  it('honours PREFIX=/usr/local', () => {
    const local = mkdtempSync(join(tmpdir(), 'machinist-install-local-'));
    temps.push(local);
    expect(sh('make', ['--no-print-directory', 'install', `DESTDIR=${local}`, 'PREFIX=/usr/local']).code).toBe(0);
    const installed = ['usr/local/bin/machinist', 'usr/local/lib/systemd/system-generators/machinist-generator', 'usr/local/lib/machinist/machinist-generator.core.js'];
    for (const p of [...installed, 'usr/local/lib/systemd/system/machine@.service', 'usr/local/share/doc/machinist/README.md', 'etc/machinist/containers']) {
      expect(existsSync(join(local, p)), p).toBe(true);
    }
  });
});

describe.skipIf(!isRoot && !process.env['CI'])('the Debian package on an overlay of this system', () => {
  let base = '';
  let tmp = '';
  let merged = '';
  let deb = '';
  const mounted: string[] = [];
  const inside = (args: string[], env: Record<string, string> = {}) =>
    sh('chroot', [merged, ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', DEBIAN_FRONTEND: 'noninteractive', ...env }, timeout: 120_000 });
  const mount = (args: string[], target: string) => {
    const r = sh('mount', [...args, target], { timeout: 30_000 });
    if (r.code !== 0) throw new Error(`mount ${args.join(' ')} ${target}: ${r.out}`);
    mounted.push(target);
  };

  beforeAll(() => {
    if (!isRoot) throw new Error('the package test needs root (CI is set, so it does not skip)');
    deb = buildDeb();
    base = mkdtempSync(join(tmpdir(), 'machinist-deb-'));
    tmp = join(base, 'tmp');
    merged = join(base, 'merged');
    mkdirSync(tmp);
    mkdirSync(merged);
    // upper/work on their own tmpfs: outside the lower layer's file system, and gone in one unmount.
    mount(['-t', 'tmpfs', '-o', 'mode=0700,size=1g', 'machinist-deb-tmp'], tmp);
    mkdirSync(join(tmp, 'upper'));
    mkdirSync(join(tmp, 'work'));
    mount(['-t', 'overlay', '-o', `lowerdir=/,upperdir=${tmp}/upper,workdir=${tmp}/work`, 'machinist-deb-overlay'], merged);
    mount(['--bind', '/dev'], join(merged, 'dev'));
    mount(['-t', 'proc', 'proc'], join(merged, 'proc'));
    // Start from a system without machinist, whatever the host has.
    inside(['dpkg', '--purge', 'machinist']);
    copyFileSync(deb, join(merged, 'tmp/machinist.deb'));
  }, 240_000);

  afterAll(() => {
    for (const target of mounted.reverse()) {
      let ok = false;
      for (let i = 0; i < 10 && !ok; i++) ok = sh('umount', [target], { timeout: 10_000 }).code === 0;
      if (!ok) sh('umount', ['-l', target], { timeout: 10_000 });
    }
    const still = readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${base}/`);
    if (base && !still) rmSync(base, { recursive: true, force: true });
  }, 120_000);

  it('is named build/machinist_VERSION_all.deb, declares its dependencies and a trigger on node', () => {
    expect(deb).toBe(join(repo, `build/machinist_${version}_all.deb`));
    const info = sh('dpkg-deb', ['-f', deb, 'Package', 'Version', 'Architecture', 'Depends']);
    expect(info.stdout).toBe(`Package: machinist\nVersion: ${version}\nArchitecture: all\nDepends: nodejs (>= 18), systemd-container\n`);
    expect(version).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')}-[0-9]+$`));
    expect(sh('dpkg-deb', ['-I', deb, 'triggers']).stdout).toContain('interest-noawait /usr/bin/node');
  });

  it('installs with dpkg -i (dependencies satisfied by the system)', () => {
    const r = inside(['dpkg', '-i', '/tmp/machinist.deb']);
    expect(r.code, r.out).toBe(0);
    expect(inside(['dpkg-query', '-W', '-f', '${Status} ${Version}', 'machinist']).stdout).toBe(`install ok installed ${version}`);
  });

  it('dpkg -L lists exactly the expected paths', () => {
    const r = inside(['dpkg', '-L', 'machinist']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(debPaths());
  });

  it('the installed CLI runs: machinist --version, and validate on an installed example', () => {
    expect(inside(['machinist', '--version']).stdout.trim()).toBe(pkg.version);
    const v = inside(['machinist', 'validate', '--config', '/usr/share/doc/machinist/examples/lab/config']);
    expect(v.code, v.out).toBe(0);
  });

  it('postinst made the generator\'s code cache for this node, and the generator uses it', () => {
    const cache = join(merged, 'usr/lib/machinist/machinist-generator.cache');
    expect(readFileSync(cache).subarray(0, 120).toString('latin1').split('\n')[0]).toMatch(new RegExp(`^machinist-generator code cache [0-9a-f]{16} node ${process.version} ${process.arch}$`));
    for (const d of ['normal', 'early', 'late']) mkdirSync(join(merged, 'tmp/cc', d), { recursive: true });
    const r = inside(['/usr/lib/systemd/system-generators/machinist-generator', '/tmp/cc/normal', '/tmp/cc/early', '/tmp/cc/late'], {
      MACHINIST_KMSG: '',
      MACHINIST_CODE_CACHE_DEBUG: '1',
      MACHINIST_CONFIG_DIR: '/tmp/cc/none',
      // Not /run/systemd/nspawn: the overlay shows this host's, where other programs' files may come and go.
      MACHINIST_NSPAWN_DIR: '/tmp/cc/nspawn',
    });
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: 'machinist-generator: code cache used: /usr/lib/machinist/machinist-generator.cache\n' });
  });

  it('remakes the code cache when node changes (the file trigger on /usr/bin/node)', () => {
    const cache = join(merged, 'usr/lib/machinist/machinist-generator.cache');
    rmSync(cache);
    expect(inside(['dpkg-trigger', '--no-await', '/usr/bin/node']).code).toBe(0);
    const r = inside(['dpkg', '--triggers-only', '--pending']);
    expect(r.code, r.out).toBe(0);
    expect(existsSync(cache)).toBe(true);
  });

  it('the installed generator compiles /etc/machinist: units into NORMAL, .nspawn into /run/systemd/nspawn', () => {
    const etc = join(merged, 'etc/machinist');
    writeFileSync(join(etc, 'containers/web.yaml'), 'description: Web\nautostart: true\nresources:\n  memory: { max: 1G }\n');
    writeFileSync(join(etc, 'containers/broken.yaml'), 'description: Broken\nbogus: 1\n');
    for (const d of ['normal', 'early', 'late']) mkdirSync(join(merged, 'tmp/gen', d), { recursive: true });
    mkdirSync(join(merged, 'run/systemd/nspawn'), { recursive: true });
    writeFileSync(join(merged, 'run/systemd/nspawn/foreign.nspawn'), '[Exec]\nBoot=yes\n');
    const r = inside(['/usr/lib/systemd/system-generators/machinist-generator', '/tmp/gen/normal', '/tmp/gen/early', '/tmp/gen/late'], { MACHINIST_KMSG: '/tmp/gen/kmsg' });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('/etc/machinist/containers/broken.yaml:2:1: error[unknown-key]: unknown key "bogus"');
    expect(readFileSync(join(merged, 'tmp/gen/normal/machine@web.service.d/50-machinist.conf'), 'utf8')).toContain('MemoryMax=1G');
    expect(readFileSync(join(merged, 'tmp/gen/normal/machine@broken.service.d/50-machinist.conf'), 'utf8')).toContain('ExecStartPre=/bin/false');
    expect(readFileSync(join(merged, 'run/systemd/nspawn/web.nspawn'), 'utf8')).toMatch(/^# Automatically generated by machinist from \/etc\/machinist\/containers\/web\.yaml/);
  });

  it('dpkg -r removes every installed file, its own .nspawn files in /run, and keeps the admin\'s config', () => {
    const r = inside(['dpkg', '-r', 'machinist']);
    expect(r.code, r.out).toBe(0);
    const installed = ['usr/bin/machinist', 'usr/lib/systemd/system-generators/machinist-generator', 'usr/lib/systemd/system/machine@.service', 'usr/share/doc/machinist', 'usr/lib/machinist'];
    installed.push('usr/share/man/man1/machinist.1.gz', 'usr/share/bash-completion/completions/machinist', 'usr/share/machinist');
    for (const p of installed) {
      expect(existsSync(join(merged, p)), p).toBe(false);
    }
    expect(existsSync(join(merged, 'run/systemd/nspawn/web.nspawn'))).toBe(false);
    expect(readFileSync(join(merged, 'run/systemd/nspawn/foreign.nspawn'), 'utf8')).toBe('[Exec]\nBoot=yes\n');
    expect(readFileSync(join(merged, 'etc/machinist/containers/web.yaml'), 'utf8')).toContain('description: Web');
    // Folders the package made and the admin left empty are gone.
    expect(existsSync(join(merged, 'etc/machinist/slices'))).toBe(false);
  });

  it('dpkg -P purges it: dpkg no longer knows the package', () => {
    const r = inside(['dpkg', '-P', 'machinist']);
    expect(r.code, r.out).toBe(0);
    expect(inside(['dpkg-query', '-W', 'machinist']).code).not.toBe(0);
    expect(existsSync(join(merged, 'var/lib/dpkg/info/machinist.list'))).toBe(false);
  });
});

/** Why a tool cannot run here (not installed), or undefined. */
const missingTool = (cmd: string) => (sh(cmd, ['--version']).error ? `${cmd} is not installed` : undefined);

/** Tests that need a tool skip without it, saying so, except with CI set: then they fail. */
function withTool(cmd: string, title: string, body: () => void) {
  const why = missingTool(cmd);
  if (why && process.env['CI']) it(`${cmd} is installed (CI never skips: ${title})`, () => expect.fail(why));
  describe.skipIf(why !== undefined)(`${title}${why ? ` (skipped: ${why})` : ''}`, body);
}

describe('the Debian package: maintainer, changelog, reproducible build', () => {
  let deb = '';
  let files = '';
  const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
  beforeAll(() => {
    deb = buildDeb();
    files = mkdtempSync(join(tmpdir(), 'machinist-deb-files-'));
    temps.push(files);
    const x = sh('dpkg-deb', ['-x', deb, files]);
    if (x.code !== 0) throw new Error(`dpkg-deb -x: ${x.out}`);
  }, 240_000);

  it('takes its maintainer from package.json\'s author, as the changelog\'s newest entry does', () => {
    expect(pkg.author).toMatch(/^[^<>]+ <[^@<>\s]+@[^@<>\s]+\.[a-z]+>$/);
    expect(sh('dpkg-deb', ['-f', deb, 'Maintainer']).stdout).toBe(`${pkg.author}\n`);
    expect(/^ -- (.+?) {2}/m.exec(readFileSync(changelog, 'utf8'))?.[1]).toBe(pkg.author);
  });

  it('ships the changelog as changelog.Debian.gz and the man page compressed, gzip storing no name or time', () => {
    for (const [gz, text] of [
      ['usr/share/doc/machinist/changelog.Debian.gz', readFileSync(changelog, 'utf8')],
      ['usr/share/man/man1/machinist.1.gz', sh(process.execPath, [join(repo, 'dist/machinist'), 'man']).stdout],
    ]) {
      const bytes = readFileSync(join(files, gz!));
      expect(gunzipSync(bytes).toString('utf8'), gz).toBe(text);
      // RFC 1952: byte 3 holds the flags (0x08: a file name follows), bytes 4-7 the modification time.
      expect({ name: bytes[3]! & 0x08, mtime: bytes.readUInt32LE(4) }, gz).toEqual({ name: 0, mtime: 0 });
    }
  });

  it('is reproducible: built again a second later, it is the same bytes', async () => {
    const first = sha256(deb);
    await new Promise((r) => setTimeout(r, 1100));
    const again = sh('sh', ['scripts/build-deb.sh'], { timeout: 180_000 });
    expect(again.code, again.out).toBe(0);
    expect(sha256(deb)).toBe(first);
  }, 240_000);

  withTool('dpkg-parsechangelog', 'dpkg-parsechangelog reads packaging/debian/changelog', () => {
    it('as a valid Debian changelog whose version is package.json\'s plus a Debian revision', () => {
      const r = sh('dpkg-parsechangelog', ['-l', changelog]);
      expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: r.stdout });
      const field = (name: string) => sh('dpkg-parsechangelog', ['-l', changelog, '-S', name]).stdout.trim();
      expect(field('Version')).toBe(version);
      expect(version).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')}-[0-9]+$`));
      expect(field('Source')).toBe('machinist');
      expect(field('Maintainer')).toBe(pkg.author);
      expect(sh('dpkg-deb', ['-f', deb, 'Version']).stdout.trim()).toBe(field('Version'));
    });
  });

  withTool('lintian', 'lintian checks the package', () => {
    it('reports no tag, pedantic ones included (accepted ones are overridden in packaging/debian/lintian-overrides)', () => {
      const args = ['--fail-on', 'error,warning,info,pedantic', '--display-info', '--pedantic', deb];
      const r = sh('lintian', args, { timeout: 180_000 });
      expect({ code: r.code, tags: r.out.split('\n').filter((l) => /^[EWIPX]: /.test(l)) }).toEqual({ code: 0, tags: [] });
    }, 240_000);
  });
});
