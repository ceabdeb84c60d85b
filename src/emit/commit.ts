// How `compile` changes ROOT: whole or not at all, and never with a link that no record knows.
//   1. journal: the record of every link that may exist while the change is under way (manifest.ts);
//   2. stage: every new file and link under a temporary name beside its place, directories checked (no symbolic
//      link on the way) or made. This is where a full disk or a read-only file system shows: then every
//      temporary file and new directory is removed again, and nothing was changed;
//   3. put in place: renames and removals only, which need no new space;
//   4. record: manifest.json, then the journal is removed.
// A compile killed at any step leaves the old or the new version of each file, temporary files that the next
// compile removes (sweepTemporaries), and a journal that makes the next compile count every link as machinist's
// and say that the last compile was cut short; that compile then completes the change.
import { closeSync, constants, fsyncSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/types.js';
import { ioDiagnostic } from './io-error.js';
import { journalOf, recordText } from './manifest.js';
import type { Action, Plan } from './plan.js';
import { readRegularFile } from '../fs/read.js';
import type { Targets } from './targets.js';
import {
  checkedDir,
  dirModeFor,
  linkTemp,
  putInPlace,
  removeIfEmpty,
  removeOutput,
  step,
  sweepTemporaries,
} from './write.js';
import { writeAtomic, writeTemp } from './write.js';

export interface Committed {
  /** Files and links created or changed, and removed. */
  written: number;
  removed: number;
  /** What the outputs are now: all of the plan, none of it, or a part (said in a diagnostic). */
  applied: 'all' | 'none' | 'part';
  diagnostics: Diagnostic[];
}

interface Staged {
  action: Action;
  tmp?: string;
}

/** The directories a compile writes in: where its temporary files may be left. */
export function stagingDirs(p: Plan, targets: Targets): string[] {
  const dirs = new Set<string>([targets.dirs.nspawn, targets.dirs.unit, targets.dirs.credstore]);
  if (targets.manifest) dirs.add(dirname(targets.manifest));
  for (const a of p.actions) dirs.add(dirname(a.path));
  return [...dirs];
}

/**
 * After an interrupted compile: the drop-in and .wants directories it emptied but had not yet removed. Only
 * empty ones (rmdir), so nothing in them is lost.
 */
function removeEmptyDirs(unitDir: string): void {
  let names: string[];
  try {
    names = readdirSync(unitDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (/^machine@.+\.service\.d$/.test(n) || n === 'machines.target.wants') removeIfEmpty(join(unitDir, n));
  }
}

/** fsync a directory, so that a rename in it survives a power cut (compile writes to disk). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still done.
  }
}

/** Step 2: every new file and link under a temporary name. On an error, everything staged is undone. */
function stage(p: Plan, root: string): { staged: Staged[]; failed?: Diagnostic } {
  const staged: Staged[] = [];
  const madeDirs: string[] = [];
  const checked = new Set<string>();
  for (const a of p.actions) {
    if (a.op === 'unchanged') continue;
    const write = a.op !== 'remove';
    try {
      const dir = dirname(a.path);
      if (!checked.has(dir)) checkedDir(root, dir, write, madeDirs, dirModeFor(a.dir));
      checked.add(dir);
      if (!write) staged.push({ action: a });
      else if (a.kind === 'symlink') staged.push({ action: a, tmp: linkTemp(a.path, a.target!) });
      else staged.push({ action: a, tmp: writeTemp(a.path, a.content!, a.mode ?? 0o644, true) });
    } catch (e) {
      for (const s of staged) if (s.tmp) tryUnlink(s.tmp);
      for (const d of madeDirs.reverse()) removeIfEmpty(d);
      return { staged: [], failed: ioDiagnostic(write ? 'write' : 'remove', a.path, e, 'Nothing was changed.') };
    }
  }
  return { staged };
}

const tryUnlink = (path: string) => {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
};

/** Step 3: renames and removals. Stops at the first error (the journal lets the next compile finish). */
function putAll(staged: Staged[]): { done: number; failed?: Diagnostic } {
  let done = 0;
  for (const s of staged) {
    const a = s.action;
    try {
      if (s.tmp) putInPlace(s.tmp, a.path);
      else removeOutput(a);
      done++;
    } catch (e) {
      for (const rest of staged.slice(done + 1)) if (rest.tmp) tryUnlink(rest.tmp);
      const after = `${done} of ${staged.length} changes were made; the next compile completes the rest.`;
      return { done, failed: ioDiagnostic(a.op === 'remove' ? 'remove' : 'write', a.path, e, after) };
    }
  }
  for (const dir of new Set(staged.map((s) => dirname(s.action.path)))) syncDir(dir);
  return { done };
}

/** Steps 1 to 3 (journal, stage, put in place); false when they stopped (said in a diagnostic). */
function change(p: Plan, recorded: ReadonlyMap<string, string>, journal: string, root: string, r: Committed): boolean {
  // Every link that may be there at any moment: the ones recorded before (removed or kept) and the new ones.
  const union = Object.fromEntries([...recorded, ...Object.entries(p.links)]);
  try {
    checkedDir(root, dirname(journal), true);
    writeAtomic(journal, recordText(union, true), true);
    syncDir(dirname(journal));
  } catch (e) {
    r.diagnostics.push(ioDiagnostic('write', journal, e, 'Nothing was changed.'));
    return false;
  }
  const { staged, failed } = stage(p, root);
  const put = failed ? { done: 0, failed } : putAll(staged);
  for (const s of staged.slice(0, put.done)) {
    if (s.action.op === 'remove') r.removed++;
    else r.written++;
  }
  if (!put.failed) return true;
  // Nothing was put in place: the journal of this run tells nothing (one left by an earlier run stays).
  if (!put.done && !p.interrupted) tryUnlink(journal);
  r.applied = put.done ? 'part' : 'none';
  r.diagnostics.push(put.failed);
  return false;
}

/** Step 4: the record of links, then the journal goes. */
function record(manifest: string, text: string | undefined, root: string, r: Committed): void {
  try {
    if (text !== undefined) {
      checkedDir(root, dirname(manifest), true);
      writeAtomic(manifest, text, true);
    }
    step();
    unlinkSync(journalOf(manifest));
    syncDir(dirname(manifest));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // no journal: nothing was changed this time
    const after = 'Every file was written; the next compile completes the record of links.';
    r.diagnostics.push(ioDiagnostic('write', manifest, e, after));
  }
}

/** The record as it is now, or undefined when there is none (an unreadable one stopped the compile before). */
function currentRecord(manifest: string): string | undefined {
  try {
    return readRegularFile(manifest, constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
}

/** Carry out a compile's plan (see the top of this file). Never throws for an I/O error: it is a diagnostic. */
export function commit(p: Plan, recorded: ReadonlyMap<string, string>, targets: Targets, root: string): Committed {
  const r: Committed = { written: 0, removed: 0, applied: 'none', diagnostics: [] };
  const manifest = targets.manifest!;
  try {
    sweepTemporaries(stagingDirs(p, targets));
    if (p.interrupted) removeEmptyDirs(targets.dirs.unit);
  } catch (e) {
    r.diagnostics.push(ioDiagnostic('clean up in', dirname(manifest), e, 'Nothing was changed.'));
    return r;
  }
  const changes = p.actions.some((a) => a.op !== 'unchanged');
  const old = currentRecord(manifest);
  const text = recordText(p.links, false);
  // Rewritten only when it changes (a second compile touches nothing), and only made once there are links.
  const newRecord = old !== text && (old !== undefined || Object.keys(p.links).length > 0) ? text : undefined;
  if (changes && !change(p, recorded, journalOf(manifest), root, r)) return r;
  r.applied = 'all';
  if (changes || newRecord !== undefined || p.interrupted) record(manifest, newRecord, root, r);
  return r;
}
