// Which --root compile may write into: an existing directory that is not on a kernel pseudo file system.
// (`--root ''` would write into the current directory; `--root /proc/1` would have mkdir -p walk procfs.)
import { lstatSync, statfsSync } from 'node:fs';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { describeError } from './io-error.js';

/** Kernel file systems that are no system's root, by the magic number statfs(2) gives. */
const PSEUDO: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x73636673: 'securityfs',
  0x6e736673: 'nsfs',
  0xcafe4a11: 'bpf',
};

/** Why `root` cannot be compiled into, or undefined when it can. */
export function rootProblem(root: string): Diagnostic | undefined {
  const refuse = (why: string, hint?: string) =>
    diag('invalid-root', `cannot compile into --root ${JSON.stringify(root)}: ${why}`, {
      file: root,
      ...(hint ? { hint } : {}),
    });
  if (root === '') return refuse('it is empty');
  try {
    // stat follows a link: a root given as a symbolic link to a directory is fine.
    if (lstatSync(root, { throwIfNoEntry: false }) === undefined) {
      return refuse('it does not exist', `Create it first (mkdir -p ${root}), or give the root of the target system.`);
    }
    if (!lstatSync(`${root}/.`).isDirectory()) return refuse('it is not a directory');
    const fs = PSEUDO[Number(statfsSync(root).type)];
    if (fs) return refuse(`it is on the kernel's ${fs} file system, not a system's root`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return refuse('it is not a directory');
    return refuse(describeError(e).cause, describeError(e).hint);
  }
  return undefined;
}
