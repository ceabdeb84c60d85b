// One compile at a time into a root. The lock is flock(2) on the root directory itself, so no lock file is
// left in ROOT and a read-only root can still be locked (and then refused with the real cause). Node has no
// flock call; util-linux's flock(1) takes it on a descriptor this process opened and lends it. A flock belongs
// to the open file description, so it stays held after flock(1) exits, until this process closes the
// descriptor or dies (SIGKILL included): a killed compile never leaves the root locked.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { describeError } from './io-error.js';

export interface RootLock {
  release(): void;
}

const BUSY = 75;

function flock(fd: number, args: string[]): number | 'missing' {
  const argv = [...args, '--conflict-exit-code', String(BUSY), '3'];
  const r = spawnSync('flock', argv, { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.error) return 'missing';
  return r.status ?? BUSY;
}

/**
 * Lock `root` for writing, waiting up to `waitSeconds` for another compile to finish (`onWait` is told when
 * that happens). Returns the lock, or a diagnostic that says why there is none.
 */
export function lockRoot(root: string, waitSeconds: number, onWait?: () => void): RootLock | Diagnostic {
  let fd: number;
  try {
    fd = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    const d = describeError(e);
    const message = `cannot open ${root} to lock it: ${d.cause}. Nothing was changed.`;
    return diag('write-error', message, { file: root, hint: d.hint });
  }
  let status = flock(fd, ['--nonblock']);
  if (status === BUSY) {
    onWait?.();
    status = flock(fd, ['--wait', String(waitSeconds)]);
  }
  if (status === 0) return { release: () => closeSync(fd) };
  closeSync(fd);
  if (status === 'missing') {
    const message = `cannot lock ${root}: the flock command (util-linux) is not installed. Nothing was changed.`;
    return diag('write-error', message, {
      file: root,
      hint: 'Install util-linux (apt install util-linux), which provides flock.',
    });
  }
  const message = `another machinist compile has been writing into ${root} for over ${waitSeconds} s; nothing was changed`;
  return diag('busy-root', message, { file: root });
}

export const isLock = (x: RootLock | Diagnostic): x is RootLock => 'release' in x;
