// An error from the file system in words: what happened ("disk full") and what to do about it ("run as root").
// Every I/O problem of `compile` is reported through this, as a diagnostic with the path; never a stack trace.
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { Taken, UnsafeDir } from './write.js';

interface Described {
  cause: string;
  hint: string;
}

const causes: Record<string, Described> = {
  ENOSPC: { cause: 'disk full', hint: 'Free some space on the file system that holds it, then compile again.' },
  EDQUOT: { cause: 'disk quota exceeded', hint: 'Free some space or raise the quota, then compile again.' },
  EROFS: {
    cause: 'read-only file system',
    hint: 'Remount it read-write (mount -o remount,rw MOUNTPOINT), or compile into another --root.',
  },
  EACCES: {
    cause: 'permission denied',
    hint: 'Run as root (sudo machinist compile), or compile into a --root you may write.',
  },
  EPERM: {
    cause: 'operation not permitted',
    hint: 'Run as root (sudo machinist compile), or check for an immutable file (lsattr).',
  },
  ENOTDIR: {
    cause: 'a part of the path is not a directory',
    hint: 'Move the file that stands where a directory belongs away.',
  },
  EISDIR: { cause: 'it is a directory', hint: 'Move the directory away; machinist writes a file there.' },
  ELOOP: { cause: 'it is a symbolic link', hint: 'Replace the symbolic link with the real file or directory.' },
  EIO: { cause: 'input/output error', hint: 'The disk reported an error: check the kernel log (dmesg).' },
  EMFILE: { cause: 'too many open files', hint: 'Raise the limit (ulimit -n) and compile again.' },
};

/** The cause in words and a hint, for any error a file system call can throw. */
export function describeError(e: unknown): Described {
  if (e instanceof UnsafeDir) {
    return {
      cause: `${e.path} is ${e.what}`,
      hint: `machinist writes only into real directories below the root: replace ${e.path} with a directory.`,
    };
  }
  if (e instanceof Taken) return { cause: 'something else was put there meanwhile', hint: 'Compile again.' };
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const known = code !== undefined ? causes[code] : undefined;
  if (known) return { cause: `${known.cause} (${code})`, hint: known.hint };
  const message = e instanceof Error ? e.message : String(e);
  return { cause: message, hint: 'Check the path and the file system it is on, then compile again.' };
}

/** A failed write, remove or read of `path` as a diagnostic; `after` says what it means for the tree. */
export function ioDiagnostic(doing: string, path: string, e: unknown, after: string): Diagnostic {
  const d = describeError(e);
  return diag('write-error', `cannot ${doing} ${path}: ${d.cause}. ${after}`, { file: path, hint: d.hint });
}
