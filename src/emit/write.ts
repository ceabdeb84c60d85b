// The only writer. By default each file and link is put in place atomically (temporary name in the same
// directory, then rename), so systemd never reads half a file, and a crash leaves the old or the new version,
// never a mix. The generator's unit directory is the one exception (ApplyOptions.direct): systemd empties it
// before every run and reads nothing from it until the generator has exited, so a new file there is written in
// place, which saves a rename per file (a thousand containers: 1,500 of them).
//
// A temporary file is made with O_CREAT|O_EXCL|O_NOFOLLOW under a name nobody can guess: whatever was planted
// at a temporary path (a link to another file) is never followed nor overwritten. `compile` (commit.ts) builds
// its whole change out of these steps; the generator carries out one action at a time (applyAction).
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { readRegularFile } from '../fs/read.js';
import type { OutputDir } from '../translate/output.js';
import type { Action } from './plan.js';

/**
 * A path that was free when the plan was made but is taken now (another generator, or an admin, was quicker):
 * it is left as it is and reported like any file machinist did not write.
 */
export class Taken extends Error {
  constructor(readonly path: string) {
    super(`${path} exists`);
  }
}

/** A directory on an output path that is a symbolic link or no directory at all: never written into. */
export class UnsafeDir extends Error {
  constructor(
    readonly path: string,
    readonly what: 'a symbolic link' | 'not a directory' | 'outside the root',
  ) {
    super(`${path} is ${what}`);
  }
}

/**
 * The tests' fault injector: MACHINIST_FAULT_AT=N kills this process with SIGKILL just before its Nth change to
 * the file system (each mkdir, file creation, write, rename, link, unlink and rmdir counts), so that a test can
 * stop a compile at every step of it, deterministically. Unset (always, outside the tests), it does nothing.
 */
const FAULT_AT = Number(process.env['MACHINIST_FAULT_AT'] ?? 0) | 0;
let steps = 0;
export function step(): void {
  if (FAULT_AT > 0 && ++steps === FAULT_AT) process.kill(process.pid, 'SIGKILL');
}

let serial = 0;
// A unit name may have 255 characters, the most a file name can have: the temporary name keeps only the first
// 200 of them, so that it fits too (the suffix keeps two temporary names apart).
const tmpStem = (name: string) => (name.length > 200 ? name.slice(0, 200) : name);

/**
 * `.#NAME.machinist-PID-SUFFIX` beside `path`: hidden (systemd reads no such name: not a unit, no .conf, no
 * .nspawn), the writer's process id (so a later run can tell a dead writer's leftovers, see sweepTemporaries),
 * and a suffix that is new for every call and not predictable. Math.random, not node:crypto: loading that
 * costs the boot-time generator ~5 ms, and safety does not rest on the name but on O_EXCL|O_NOFOLLOW.
 */
export function tmpName(path: string): string {
  const slash = path.lastIndexOf('/');
  const suffix = `${(++serial).toString(36)}${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
  return `${path.slice(0, slash + 1)}.#${tmpStem(path.slice(slash + 1))}.machinist-${process.pid}-${suffix}`;
}

/**
 * The process id in a temporary name of machinist's, or undefined for any other name. Earlier versions named
 * them `.#NAME.machinist-PID` (no suffix): those are recognised too, so an upgrade cleans up their leftovers.
 */
export function tmpOwner(name: string): number | undefined {
  const m = /^\.#.+\.machinist-(\d+)(?:-[0-9a-z]+)?$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Remove the temporary files and links that a writer which no longer runs (killed mid-compile) left in these
 * directories; one of a running process is left to it. Returns the paths removed.
 */
export function sweepTemporaries(dirs: readonly string[]): string[] {
  const removed: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const pid = tmpOwner(n);
      if (pid === undefined || alive(pid)) continue;
      const path = join(dir, n);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st || !(st.isFile() || st.isSymbolicLink())) continue;
      step();
      unlinkSync(path);
      removed.push(path);
    }
  }
  return removed;
}

/**
 * Make `dir` and its missing parents below `root`, one level at a time, checking that each one that is there
 * is a real directory: a symbolic link on the way (`machine@x.service.d -> /elsewhere`) throws UnsafeDir, so
 * nothing is ever written or removed through one. Directories made are appended to `made` (to undo them).
 * With create false, a missing directory is not made (for removals: nothing is there to remove).
 */
export function checkedDir(root: string, dir: string, create: boolean, made?: string[], leafMode = 0o755): void {
  const rel = relative(root, dir);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UnsafeDir(dir, 'outside the root');
  let cur = root;
  for (const part of rel.split('/')) {
    if (!part) continue;
    cur = join(cur, part);
    const st = lstatSync(cur, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st !== undefined) throw new UnsafeDir(cur, st.isSymbolicLink() ? 'a symbolic link' : 'not a directory');
    if (!create) return;
    step();
    mkdirSync(cur, { mode: cur === dir ? leafMode : 0o755 });
    made?.push(cur);
  }
}

/** The mode of a directory machinist makes: the credential store is for root only (as systemd makes it). */
export const dirModeFor = (dir: OutputDir): number => (dir === 'credstore' ? 0o700 : 0o755);

/** mkdir -p, once per directory for a set of writes that share `made` (the generator's directories). */
function ensureDir(dir: string, made: Set<string> | undefined, mode = 0o755): void {
  if (made?.has(dir)) return;
  step();
  mkdirSync(dir, { recursive: true, mode });
  made?.add(dir);
}

/**
 * Files this process has begun to write in place and not finished, with the text they were to get. Normally
 * empty again a moment later; but the generator's time limit stops JavaScript wherever it is (no catch or
 * finally runs), possibly between creating a file and writing it, and its emergency path then plans the same
 * directory again: half a file of ours would count as a foreign one there, and keep its failing unit out.
 */
const unfinished = new Map<string, string>();

/**
 * Remove what an interrupted write of this process left: a file that still holds no more than a beginning of
 * what it was to get (checked, so that whatever else may have come to be at that path is never touched).
 */
export function discardUnfinished(): void {
  for (const [path, content] of unfinished) {
    unfinished.delete(path);
    try {
      if (content.startsWith(readRegularFile(path, constants.O_NOFOLLOW))) unlinkSync(path);
    } catch {
      // Gone, or not a file we could read: not ours to remove.
    }
  }
}

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const DEFAULT_MODE = 0o644;

/** Write all of `content` to a new file, with exactly `mode` (not narrowed by the umask). */
function fill(fd: number, content: string, mode: number, durable: boolean): void {
  if (mode !== DEFAULT_MODE || durable) fchmodSync(fd, mode);
  step();
  writeFileSync(fd, content); // all of it, however many write calls that takes
  if (durable) fsyncSync(fd);
}

/** A new file, written in place: never over anything that is there (O_EXCL), and never left half-written. */
function writeNew(path: string, content: string, mode: number, made: Set<string>): void {
  ensureDir(dirname(path), made);
  unfinished.set(path, content);
  let fd: number;
  try {
    step();
    fd = openSync(path, CREATE_NEW, mode);
  } catch (e) {
    unfinished.delete(path);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Taken(path);
    throw e;
  }
  let closing = false;
  try {
    fill(fd, content, mode, false);
    closing = true;
    closeSync(fd);
  } catch (e) {
    // The file is ours (O_EXCL made it): a partial one is removed rather than left looking like someone's.
    try {
      if (!closing) closeSync(fd); // never twice: the number may already belong to another file
      unlinkSync(path);
    } finally {
      unfinished.delete(path);
    }
    throw e;
  }
  unfinished.delete(path);
}

/** Run `make(tmp)` with fresh temporary names for `path` until one is free (a name taken is never touched). */
function freshTemp(path: string, make: (tmp: string) => void): string {
  for (let attempt = 1; ; attempt++) {
    const tmp = tmpName(path);
    try {
      step();
      make(tmp);
      return tmp;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw e;
    }
  }
}

/**
 * The complete new content of `path`, in a temporary file beside it (returned); the caller renames it into
 * place. On an error nothing is left behind.
 */
export function writeTemp(path: string, content: string, mode: number, durable: boolean): string {
  let fd = -1;
  const tmp = freshTemp(path, (t) => {
    // A time limit may stop this from here on: the temporary file is then removed by discardUnfinished.
    unfinished.set(t, content);
    try {
      fd = openSync(t, CREATE_NEW, mode);
    } catch (e) {
      unfinished.delete(t); // not made: whatever is at that name is not ours
      throw e;
    }
  });
  try {
    fill(fd, content, mode, durable);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    unfinished.delete(tmp);
    throw e;
  }
  closeSync(fd);
  unfinished.delete(tmp);
  return tmp;
}

/** A link to `target` under a temporary name beside `path` (returned); the caller renames it into place. */
export function linkTemp(path: string, target: string): string {
  return freshTemp(path, (t) => symlinkSync(target, t));
}

/** Rename a temporary file or link over `path`; on an error the temporary one is removed. */
export function putInPlace(tmp: string, path: string): void {
  try {
    step();
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw e;
  }
}

export function writeAtomic(path: string, content: string, durable: boolean, mode = DEFAULT_MODE): void {
  putInPlace(writeTemp(path, content, mode, durable), path);
}

function linkNew(path: string, target: string, made: Set<string>): void {
  ensureDir(dirname(path), made);
  try {
    step();
    symlinkSync(target, path); // a link comes into being whole: nothing to be atomic about
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Taken(path);
    throw e;
  }
}

/** Remove an output, and the drop-in or .wants directory it leaves empty. */
export function removeOutput(a: Action): void {
  step();
  unlinkSync(a.path);
  if (a.rel.includes('/')) removeIfEmpty(dirname(a.path));
}

/** Remove a directory machinist's outputs lived in, if nothing else is left in it (a drop-in or .wants dir). */
export function removeIfEmpty(dir: string): void {
  try {
    step();
    rmdirSync(dir);
  } catch {
    // Not empty (someone else's drop-in is there) or already gone: leave it.
  }
}

export interface ApplyOptions {
  /**
   * The output directory whose new files are written in place (the generator's unit directory: see the top of
   * this file). A path found taken there throws Taken. Changes and removals stay as everywhere else.
   */
  direct?: OutputDir;
}

/**
 * Carry out one action (not 'unchanged'), for the generator, whose directories are systemd's own and on tmpfs
 * (no fsync). `made` holds the directories made or found during this run (each is made once); one removed
 * meanwhile is dropped from it. Throws on an I/O error, and Taken as described for `direct`.
 */
export function applyAction(a: Action, opts: ApplyOptions, made: Set<string>): void {
  if (a.op === 'create' || a.op === 'change') {
    const mode = a.mode ?? DEFAULT_MODE;
    if (a.op === 'create' && a.dir === opts.direct) {
      if (a.kind === 'symlink') linkNew(a.path, a.target!, made);
      else writeNew(a.path, a.content!, mode, made);
      return;
    }
    ensureDir(dirname(a.path), made, dirModeFor(a.dir));
    if (a.kind === 'symlink') putInPlace(linkTemp(a.path, a.target!), a.path);
    else writeAtomic(a.path, a.content!, false, mode);
  } else if (a.op === 'remove') {
    removeOutput(a);
    if (a.rel.includes('/')) made.delete(dirname(a.path));
  }
}
