// The only writer. By default each file and link is put in place atomically (temporary name in the same
// directory, then rename), so systemd never reads half a file, and a crash leaves the old or the new version,
// never a mix. The generator's unit directory is the one exception (ApplyOptions.direct): systemd empties it
// before every run and reads nothing from it until the generator has exited, so a new file there is written in
// place, which saves a rename per file (a thousand containers: 1,500 of them).
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readRegularFile } from '../fs/read.js';
import type { OutputDir } from '../translate/output.js';
import type { Action, Plan } from './plan.js';
import type { Targets } from './targets.js';

/**
 * A path that was free when the plan was made but is taken now (another generator, or an admin, was quicker):
 * it is left as it is and reported like any file machinist did not write.
 */
export class Taken extends Error {
  constructor(readonly path: string) {
    super(`${path} exists`);
  }
}

function tmpName(path: string): string {
  const slash = path.lastIndexOf('/');
  // A normalised path with a directory part (every path a plan has): the same as the join below, cheaper.
  if (slash > 0 && slash < path.length - 1 && !path.includes('//') && !path.includes('/.')) return `${path.slice(0, slash)}/.#${path.slice(slash + 1)}.machinist-${process.pid}`;
  return join(dirname(path), `.#${path.slice(dirname(path).length + 1)}.machinist-${process.pid}`);
}

/** mkdir -p, once per directory for a set of writes that share `made`. */
function ensureDir(dir: string, made: Set<string> | undefined): void {
  if (made?.has(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
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

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/** A new file, written in place: never over anything that is there (O_EXCL), and never left half-written. */
function writeNew(path: string, content: string, made: Set<string>): void {
  ensureDir(dirname(path), made);
  unfinished.set(path, content);
  let fd: number;
  try {
    fd = openSync(path, CREATE_NEW, 0o644);
  } catch (e) {
    unfinished.delete(path);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Taken(path);
    throw e;
  }
  let closing = false;
  try {
    writeFileSync(fd, content); // all of it, however many write calls that takes
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

function linkNew(path: string, target: string, made: Set<string>): void {
  ensureDir(dirname(path), made);
  try {
    symlinkSync(target, path); // a link comes into being whole: nothing to be atomic about
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Taken(path);
    throw e;
  }
}

function writeAtomic(path: string, content: string, durable: boolean, made?: Set<string>): void {
  ensureDir(dirname(path), made);
  const tmp = tmpName(path);
  // A time limit may stop this halfway: the temporary file is then removed by discardUnfinished.
  unfinished.set(tmp, content);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeFileSync(fd, content); // all of it, however many write calls that takes
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    unfinished.delete(tmp);
    try {
      unlinkSync(tmp);
    } catch {
      // Never made.
    }
    throw e;
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  } finally {
    unfinished.delete(tmp);
  }
}

function linkAtomic(path: string, target: string, made?: Set<string>): void {
  ensureDir(dirname(path), made);
  const tmp = tmpName(path);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

/** Remove a directory machinist's outputs lived in, if nothing else is left in it (a drop-in or .wants dir). */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (someone else's drop-in is there) or already gone: leave it.
  }
}

export interface ApplyOptions {
  /** fsync each file: compile writes to disk; the generator writes to tmpfs, where it only costs time. */
  durable: boolean;
  /**
   * Directories already made (or found) during this run, shared between calls: each is made once. A directory
   * removed meanwhile (removeIfEmpty) is dropped from it.
   */
  madeDirs?: Set<string>;
  /**
   * The output directory whose new files are written in place (the generator's unit directory: see the top of
   * this file). A path found taken there throws Taken. Changes and removals stay as everywhere else.
   */
  direct?: OutputDir;
}

/** Carry out one action (not 'unchanged'). Throws on an I/O error, and Taken as described for `direct`. */
export function applyAction(a: Action, opts: ApplyOptions, made: Set<string>): void {
  if (a.op === 'create' || a.op === 'change') {
    const inPlace = a.op === 'create' && a.dir === opts.direct;
    if (a.kind === 'symlink') (inPlace ? linkNew : linkAtomic)(a.path, a.target!, made);
    else if (inPlace) writeNew(a.path, a.content!, made);
    else writeAtomic(a.path, a.content!, opts.durable, made);
  } else if (a.op === 'remove') {
    unlinkSync(a.path);
    if (a.rel.includes('/')) {
      removeIfEmpty(dirname(a.path));
      made.delete(dirname(a.path));
    }
  }
}

/** Carry out a plan. Throws on the first I/O error; what was already renamed into place stays consistent. */
export function apply(p: Plan, targets: Targets, opts: ApplyOptions): { written: number; removed: number } {
  let written = 0;
  let removed = 0;
  const made = opts.madeDirs ?? new Set<string>();
  for (const a of p.actions) {
    if (a.op === 'unchanged') continue;
    applyAction(a, opts, made);
    if (a.op === 'remove') removed++;
    else written++;
  }
  if (targets.manifest) {
    const text = `${JSON.stringify({ about: 'Links made by machinist compile; files carry their own header.', links: p.links }, null, 2)}\n`;
    let old: string | undefined;
    try {
      old = readFileSync(targets.manifest, 'utf8');
    } catch {
      old = undefined;
    }
    // Rewritten only when it changes, so that a second compile touches nothing at all.
    if (old !== text && (old !== undefined || Object.keys(p.links).length)) writeAtomic(targets.manifest, text, opts.durable);
  }
  return { written, removed };
}
