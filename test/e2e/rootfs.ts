/**
 * The Debian 12 root that e2e guests boot from (scripts/e2e-rootfs.sh builds and caches it), and how a booted
 * e2e host sees it: bound read-only at /srv/e2e-images, as a directory and as a tar, so nothing is copied.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO } from './install.js';

export interface Rootfs {
  /** The unpacked root on this machine (read it, never write it: every guest's lower layer). */
  readonly dir: string;
  /** The same root as an uncompressed tar (for systemd-import/-pull; serve it with http-fixture.ts). */
  readonly tar: string;
  /** sha256 of the tar, 64 hex digits (for `systemd-pull --verify=`). */
  readonly sha256: string;
}

/** Where bootHost(rootfsNspawnArgs(…)) puts the root inside the host. */
export const IMAGES_IN_HOST = '/srv/e2e-images';
export const IMAGE_DIR_IN_HOST = `${IMAGES_IN_HOST}/debian-12`;
export const IMAGE_TAR_IN_HOST = `${IMAGES_IN_HOST}/debian-12.tar`;

const SCRIPT = path.join(REPO, 'scripts/e2e-rootfs.sh');
/** A cold build took 136 s on the 2-CPU development VM; the script bounds mmdebstrap itself at 900 s. */
export const ROOTFS_BUILD_TIMEOUT_MS = 20 * 60_000;

let building: Promise<Rootfs> | undefined;

/**
 * The cached root, built first if its recipe changed or it is missing (minutes when cold). Asynchronous on
 * purpose: a vitest worker that blocks for minutes loses its RPC to the runner and the run fails.
 */
export function ensureRootfs(): Promise<Rootfs> {
  building ??= runRecipe().catch((e: unknown) => {
    building = undefined;
    throw e;
  });
  return building;
}

function runRecipe(): Promise<Rootfs> {
  return new Promise((resolve, reject) => {
    // The script's progress (stderr) goes straight to ours; stdout carries the dir=/tar=/sha256= lines.
    const child = spawn('sh', [SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), ROOTFS_BUILD_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${SCRIPT} failed (${code ?? signal}); see its output above`));
      const kv = Object.fromEntries(
        out
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      if (!kv.dir || !kv.tar || !/^[0-9a-f]{64}$/.test(kv.sha256 ?? '')) {
        return reject(new Error(`${SCRIPT} printed no dir=/tar=/sha256= lines:\n${out}`));
      }
      resolve({ dir: kv.dir, tar: kv.tar, sha256: kv.sha256 as string });
    });
  });
}

/** bootHost() nspawnArgs that bind the root read-only into the host at IMAGE_DIR_IN_HOST and IMAGE_TAR_IN_HOST. */
export function rootfsNspawnArgs(rootfs: Rootfs): string[] {
  return [`--bind-ro=${rootfs.dir}:${IMAGE_DIR_IN_HOST}`, `--bind-ro=${rootfs.tar}:${IMAGE_TAR_IN_HOST}`];
}
