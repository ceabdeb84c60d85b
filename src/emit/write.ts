// The only writer. Each file and link is put in place atomically (temporary name in the same directory, then
// rename), so systemd never reads half a file, and a crash leaves the old or the new version, never a mix.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan } from './plan.js';
import type { Targets } from './targets.js';

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

function writeAtomic(path: string, content: string, durable: boolean, made?: Set<string>): void {
  ensureDir(dirname(path), made);
  const tmp = tmpName(path);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, content);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
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
}

/** Carry out a plan. Throws on the first I/O error; what was already renamed into place stays consistent. */
export function apply(p: Plan, targets: Targets, opts: ApplyOptions): { written: number; removed: number } {
  let written = 0;
  let removed = 0;
  const made = opts.madeDirs ?? new Set<string>();
  for (const a of p.actions) {
    if (a.op === 'create' || a.op === 'change') {
      if (a.kind === 'symlink') linkAtomic(a.path, a.target!, made);
      else writeAtomic(a.path, a.content!, opts.durable, made);
      written++;
    } else if (a.op === 'remove') {
      unlinkSync(a.path);
      removed++;
      if (a.rel.includes('/')) {
        removeIfEmpty(dirname(a.path));
        made.delete(dirname(a.path));
      }
    }
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
