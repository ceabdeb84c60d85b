/**
 * Installs machinist into an e2e host the way a user would.
 *
 *   make   `make install DESTDIR=<host root> PREFIX=/usr` from the repository (before the host boots, so that the
 *          generator runs in that very boot)
 *   deb    `dpkg -i` of build/machinist_*.deb inside the running host (scripts/build-deb.sh builds it)
 *   bundle the built files copied to where `make install` puts them; only while the Makefile does not exist yet
 *
 * MACHINIST_E2E_INSTALL=make|deb|bundle forces a method; by default the first one that is available is used.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUEST_PASSWORDS_DROPIN, GUEST_PASSWORDS_UNIT } from '../../src/translate/credentials.js';
import { exec, type Host } from './harness.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export type InstallMethod = 'make' | 'deb' | 'bundle';

/** Installed paths (PREFIX=/usr), as the README and the Makefile name them. */
export const INSTALLED = {
  cli: '/usr/bin/machinist',
  generator: '/usr/lib/systemd/system-generators/machinist-generator',
  template: '/usr/lib/systemd/system/machine@.service',
  guestPasswords: GUEST_PASSWORDS_UNIT,
  guestPasswordsDropin: GUEST_PASSWORDS_DROPIN,
};

function hasMakeInstall(): boolean {
  const mk = path.join(REPO, 'Makefile');
  return existsSync(mk) && /^install:/m.test(readFileSync(mk, 'utf8'));
}

/** The newest .deb under build/, if any. */
export function debPackage(): string | undefined {
  const dir = path.join(REPO, 'build');
  let debs: string[];
  try {
    debs = readdirSync(dir).filter((f) => /^machinist_.*\.deb$/.test(f));
  } catch {
    return undefined;
  }
  // By time, not name: "machinist_0.1.0_all.deb" sorts after "machinist_0.1.0-1_all.deb".
  const newest = debs
    .map((f) => ({ f, t: statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => a.t - b.t)
    .at(-1);
  return newest ? path.join(dir, newest.f) : undefined;
}

function forced(): InstallMethod | undefined {
  const m = process.env.MACHINIST_E2E_INSTALL;
  if (m === undefined || m === '') return undefined;
  if (m === 'make' || m === 'deb' || m === 'bundle') return m;
  throw new Error(`MACHINIST_E2E_INSTALL must be make, deb or bundle, not ${m}`);
}

/** The method for a host that must have machinist before it boots (generator mode): make, else bundle. */
export function preBootMethod(): InstallMethod {
  const f = forced();
  if (f === 'deb')
    throw new Error('MACHINIST_E2E_INSTALL=deb: a package is installed into a running host, not before boot');
  return f ?? (hasMakeInstall() ? 'make' : 'bundle');
}

/** The method for a running host (compile mode): the .deb if one was built, else make, else bundle. */
export function runningHostMethod(): InstallMethod {
  return forced() ?? (debPackage() ? 'deb' : hasMakeInstall() ? 'make' : 'bundle');
}

/** Install into a host root directory (before boot, or into a running host's root). */
export async function installIntoRoot(root: string, method: 'make' | 'bundle'): Promise<string> {
  if (method === 'make') {
    const r = await exec('make', ['-C', REPO, 'install', `DESTDIR=${root}`, 'PREFIX=/usr'], { timeoutMs: 120_000 });
    return `make install DESTDIR=${root} PREFIX=/usr\n${r.stdout}${r.stderr}`;
  }
  const files: [string, string][] = [
    [path.join(REPO, 'dist/machinist'), INSTALLED.cli],
    [path.join(REPO, 'dist/machinist-generator'), INSTALLED.generator],
    // The generator is a loader: its code is read from ../../machinist beside its own folder.
    [path.join(REPO, 'dist/machinist-generator.core.js'), '/usr/lib/machinist/machinist-generator.core.js'],
    [path.join(REPO, 'units/machine@.service'), INSTALLED.template],
    [path.join(REPO, 'units/guest/machinist-passwords.service'), INSTALLED.guestPasswords],
    [path.join(REPO, 'units/guest/machinist-passwords.conf'), INSTALLED.guestPasswordsDropin],
  ];
  for (const [from, to] of files) {
    if (!existsSync(from)) throw new Error(`${from} is missing: run npm run build first`);
    const dest = path.join(root, to);
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(from, dest);
  }
  return `copied dist/machinist, dist/machinist-generator and units/machine@.service (no Makefile yet)`;
}

/** Install into a running host: dpkg -i inside it, or into its root; then daemon-reload. */
export async function installIntoHost(host: Host, method: InstallMethod): Promise<string> {
  let how: string;
  if (method === 'deb') {
    const deb = debPackage();
    if (!deb) throw new Error('no build/machinist_*.deb: run scripts/build-deb.sh');
    // Copied in: the host mounts its own /tmp (and others), so the repository's path may not be visible there.
    const inHost = `/var/cache/machinist-e2e/${path.basename(deb)}`;
    mkdirSync(path.dirname(path.join(host.root, inHost)), { recursive: true });
    copyFileSync(deb, path.join(host.root, inHost));
    const r = await host.run(['dpkg', '-i', inHost], { timeoutMs: 120_000 });
    how = `dpkg -i ${path.basename(deb)}\n${r.stdout}${r.stderr}`;
  } else {
    how = await installIntoRoot(host.root, method);
  }
  await host.run(['systemctl', 'daemon-reload']);
  return how;
}
