// Where outputs go. compile: ROOT/etc/systemd/… (what an admin would write by hand). generator: the NORMAL
// directory systemd hands it, plus /run/systemd/nspawn for .nspawn files (nspawn reads settings only from
// /etc, /run and /var/lib/machines; /etc/systemd/nspawn still overrides /run). Credentials that must not be
// readable by others go to systemd's credential store: ROOT/etc/credstore, or /run/credstore for the generator
// (/etc/credstore wins there too, as systemd searches it first).
import { join } from 'node:path';
import type { OutputDir } from '../translate/output.js';

export interface Targets {
  dirs: Record<OutputDir, string>;
  /** Records the symlinks machinist made (a link carries no header). compile only: the generator's
   *  unit directory is emptied by systemd before every run. */
  manifest?: string;
}

export function compileTargets(root: string): Targets {
  return {
    dirs: {
      nspawn: join(root, 'etc/systemd/nspawn'),
      unit: join(root, 'etc/systemd/system'),
      credstore: join(root, 'etc/credstore'),
    },
    manifest: join(root, 'var/lib/machinist/manifest.json'),
  };
}

export function generatorTargets(
  normal: string,
  nspawnDir = '/run/systemd/nspawn',
  credstoreDir = '/run/credstore',
): Targets {
  return { dirs: { nspawn: nspawnDir, unit: normal, credstore: credstoreDir } };
}
