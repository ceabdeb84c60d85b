// The only writer. Each file and link is put in place atomically (temporary name in the same directory, then
// rename), so systemd never reads half a file, and a crash leaves the old or the new version, never a mix.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan } from './plan.js';
import type { Targets } from './targets.js';

function tmpName(path: string): string {
  return join(dirname(path), `.#${path.slice(dirname(path).length + 1)}.machinist-${process.pid}`);
}

function writeAtomic(path: string, content: string, durable: boolean): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
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

function linkAtomic(path: string, target: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
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
}

/** Carry out a plan. Throws on the first I/O error; what was already renamed into place stays consistent. */
export function apply(p: Plan, targets: Targets, opts: ApplyOptions): { written: number; removed: number } {
  let written = 0;
  let removed = 0;
  for (const a of p.actions) {
    if (a.op === 'create' || a.op === 'change') {
      if (a.kind === 'symlink') linkAtomic(a.path, a.target!);
      else writeAtomic(a.path, a.content!, opts.durable);
      written++;
    } else if (a.op === 'remove') {
      unlinkSync(a.path);
      removed++;
      if (a.rel.includes('/')) removeIfEmpty(dirname(a.path));
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
