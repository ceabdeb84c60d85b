// /run/systemd/nspawn is where systemd-nspawn trusts a .nspawn file (privileged keys such as Bind= apply), so the
// oracles that run a container put their settings there. On a fresh machine nothing has made that folder yet:
// the oracles make it, and the vitest global set-up (vitest.config.ts) takes away again, at the end of the run,
// the folders that were not there before it: that one (with nspawn's own empty locks/ and propagate/ in it) and
// /run/systemd/nspawn-root, which nspawn makes for a --volatile root and leaves behind, and the empty marker
// /run/systemd/systemd-units-load that systemd-analyze verify's service manager writes. Folders are removed only
// when empty: anything found in them at the end (another run's files) is left alone.
import { existsSync, mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const SETTINGS_DIR = '/run/systemd/nspawn';

/** Writes MACHINE.nspawn into SETTINGS_DIR, making the folder if needed; refuses to overwrite a file. */
export function placeTrustedSettings(machine: string, settings: string): string {
  const file = join(SETTINGS_DIR, `${machine}.nspawn`);
  for (let attempt = 1; ; attempt++) {
    mkdirSync(SETTINGS_DIR, { recursive: true });
    try {
      writeFileSync(file, settings, { flag: 'wx' });
      return file;
    } catch (e) {
      // Another run's teardown may remove the (then empty) folder between mkdir and write: make it again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw e;
    }
  }
}

/** Removes MACHINE.nspawn and what nspawn keeps for that machine under SETTINGS_DIR. */
export function removeTrustedSettings(machine: string): void {
  rmSync(join(SETTINGS_DIR, `${machine}.nspawn`), { force: true });
  rmSync(join(SETTINGS_DIR, 'propagate', machine), { recursive: true, force: true });
}

/** What a run of the oracles may leave behind: folders, and one empty marker file. */
const LEFT_BEHIND = [
  join(SETTINGS_DIR, 'propagate'),
  join(SETTINGS_DIR, 'locks'),
  SETTINGS_DIR,
  '/run/systemd/nspawn-root',
];
const MARKER = '/run/systemd/systemd-units-load';

/** Each folder that does not exist, and its missing parents, deepest first. */
function missingFolders(folders: string[]): string[] {
  const missing = new Set<string>();
  for (const f of folders) {
    for (let d = f; d !== '/' && !existsSync(d); d = dirname(d)) missing.add(d);
  }
  return [...missing].sort((a, b) => b.split('/').length - a.split('/').length);
}

// vitest globalSetup: runs once per `vitest run`, in the main process, around all test files.
let madeByThisRun: string[] = [];
let markerMadeByThisRun = false;

export function setup(): void {
  madeByThisRun = missingFolders(LEFT_BEHIND);
  markerMadeByThisRun = !existsSync(MARKER);
}

export function teardown(): void {
  if (markerMadeByThisRun) rmSync(MARKER, { force: true });
  for (const dir of madeByThisRun) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty (someone else's files) or already gone: leave it
    }
  }
}
