// Public API. The edges (reading the config, reading and writing the output directories) are here; the
// stages in between are pure and shared with the generator.
import { lstatSync, statfsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { diag } from './diagnostics/catalogue.js';
import type { Diagnostic } from './diagnostics/types.js';
import { hasErrors } from './diagnostics/types.js';
import { commit } from './emit/commit.js';
import { readSnapshot } from './emit/existing.js';
import type { Snapshot } from './emit/existing.js';
import { describeError } from './emit/io-error.js';
import { isLock, lockRoot } from './emit/lock.js';
import { plan as makePlan } from './emit/plan.js';
import type { Plan } from './emit/plan.js';
import { compileTargets } from './emit/targets.js';
import type { Targets } from './emit/targets.js';
import { readConfig } from './load/read.js';
import { build } from './pipeline.js';
import type { Build } from './pipeline.js';

export { build } from './pipeline.js';
export type { Build } from './pipeline.js';
export type { Diagnostic } from './diagnostics/types.js';
export type { Plan, Action } from './emit/plan.js';

export interface CheckOptions {
  configDir: string;
  /** How the config directory is named in headers and SourcePath= (default: its absolute path, seen from root). */
  shownDir?: string;
  /**
   * A configuration without containers is what it takes to remove every file machinist wrote; unless this says
   * so, it is refused (empty-config): most often --config names the wrong folder.
   */
  allowEmpty?: boolean;
}

export interface CheckResult extends Build {
  /** Source texts by shown path, for code frames. */
  sources: Map<string, string>;
  /** False when the config directory does not exist. */
  exists: boolean;
  /** True when the configuration has no container file at all. */
  empty: boolean;
}

/** Where the config directory will be on the target system: as seen from `root` when it lies inside it. */
export function shownConfigDir(configDir: string, root = '/'): string {
  const abs = resolvePath(configDir);
  const rel = relative(resolvePath(root), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `/${rel}` : abs;
}

/** Why a configuration counts as empty, or undefined when it has at least one container file. */
function emptiness(configDir: string, shownDir: string, containers: number): string | undefined {
  if (containers) return undefined;
  const folder = lstatSync(join(configDir, 'containers'), { throwIfNoEntry: false });
  return folder?.isDirectory() ? `${join(shownDir, 'containers')} holds no container file` : `${shownDir} has no containers/ folder`;
}

/** Read and compile the configuration, without looking at any output directory. */
export function check(opts: CheckOptions): CheckResult {
  const shownDir = opts.shownDir ?? resolvePath(opts.configDir);
  const texts = readConfig(opts.configDir, shownDir);
  const result = build(texts.files);
  // A container file that could not be read still counts: its earlier outputs are kept, not removed.
  const unread = texts.diagnostics.some((d) => d.code === 'read-error' && d.file?.startsWith(join(shownDir, 'containers')));
  const why = texts.exists ? emptiness(opts.configDir, shownDir, texts.files.filter((f) => f.kind === 'container').length + (unread ? 1 : 0)) : undefined;
  const diagnostics = [...texts.diagnostics, ...result.diagnostics];
  if (why && !opts.allowEmpty) diagnostics.push(diag('empty-config', `${why}: is --config pointing at the right folder?`, { file: shownDir }));
  return { ...result, diagnostics, sources: new Map(texts.files.map((f) => [f.file, f.text])), exists: texts.exists, empty: why !== undefined };
}

export interface CompileOptions extends CheckOptions {
  root: string;
  dryRun?: boolean;
  /** Warnings block writing too (and make the CLI exit 1). */
  strict?: boolean;
  /** Unified diffs in the plan (default: with dryRun). Without them a compile of a big change stays small. */
  diffs?: boolean;
  /** Told when another compile holds the root and this one waits for it. */
  onWait?: () => void;
  /** How long to wait for another compile into the same root (default 60 s). */
  waitSeconds?: number;
}

export interface CompileResult extends CheckResult {
  plan: Plan;
  targets: Targets;
  /** True when anything was written (all of the plan, or part of it: then a write-error says so). */
  written: boolean;
  /** What of the plan is in place: all, none, or part (with a write-error diagnostic). */
  applied: 'all' | 'none' | 'part';
  diagnostics: Diagnostic[];
}

/** Kernel file systems that are no root of a system (the magic numbers of statfs(2)). */
const PSEUDO: Record<number, string> = { 0x9fa0: 'proc', 0x62656572: 'sysfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0x64626720: 'debugfs', 0x73636673: 'securityfs', 0x6e736673: 'nsfs', 0xcafe4a11: 'bpf' };

/** Why `root` cannot be compiled into, or undefined. */
export function rootProblem(root: string): Diagnostic | undefined {
  const refuse = (why: string, hint?: string) => diag('invalid-root', `cannot compile into --root ${JSON.stringify(root)}: ${why}`, { file: root, ...(hint ? { hint } : {}) });
  if (root === '') return refuse('it is empty');
  try {
    const st = lstatSync(root, { throwIfNoEntry: false }) && statfsSync(root);
    if (st === undefined) return refuse('it does not exist', `Create it first (mkdir -p ${root}), or give the root of the target system.`);
    const fs = PSEUDO[Number(st.type)];
    if (fs) return refuse(`it is on the kernel's ${fs} file system, not a system's root`);
  } catch (e) {
    return refuse(describeError(e).cause, describeError(e).hint);
  }
  let dir = false;
  try {
    dir = lstatSync(resolvePath(root) === '/' ? '/' : `${root}/.`).isDirectory();
  } catch {
    dir = false;
  }
  return dir ? undefined : refuse('it is not a directory');
}

const noPlan = (): Plan => ({ actions: [], affected: [], links: {}, diagnostics: [] });

/** Problems that block writing: any error, or with strict any warning. */
const blocks = (diags: readonly Diagnostic[], strict: boolean | undefined) => hasErrors(diags) || (strict === true && diags.length > 0);

/**
 * Plan, and unless this is a dry run or anything is wrong, write. With any error (in the config or a clash in
 * the output directories) nothing at all is written: a compile either applies whole or not at all, and one that
 * was cut short (killed, disk full) is completed by the next (see emit/commit.ts). Compiles into one root take
 * turns (emit/lock.ts).
 */
export function compile(opts: CompileOptions): CompileResult {
  const checked = check({ configDir: opts.configDir, shownDir: opts.shownDir ?? shownConfigDir(opts.configDir, opts.root), allowEmpty: opts.allowEmpty });
  const targets = compileTargets(opts.root);
  const refuse = (d: Diagnostic, p = noPlan()): CompileResult => ({ ...checked, plan: p, targets, written: false, applied: 'none', diagnostics: [...checked.diagnostics, d] });
  const bad = rootProblem(opts.root);
  if (bad) return refuse(bad);
  const writing = !opts.dryRun && !blocks(checked.diagnostics, opts.strict);
  const lock = writing ? lockRoot(opts.root, opts.waitSeconds ?? 60, opts.onWait) : undefined;
  if (lock && !isLock(lock)) return refuse(lock);
  try {
    let snapshot: Snapshot;
    try {
      snapshot = readSnapshot(targets, checked.outputs);
    } catch (e) {
      const d = describeError(e);
      const path = (e as NodeJS.ErrnoException).path ?? join(opts.root, 'etc/systemd');
      return refuse(diag('write-error', `cannot read ${path}: ${d.cause}. Nothing was changed.`, { file: path, hint: d.hint }));
    }
    const protect = {
      containers: new Set(checked.model.failed.keys()),
      slices: new Set(checked.files.filter((f) => f.source.kind === 'slice').map((f) => f.source.name).filter((n) => !checked.model.slices.some((s) => s.name === n))),
    };
    const p = makePlan(checked.outputs, snapshot, targets, { protect, diffs: opts.diffs ?? opts.dryRun === true });
    const diagnostics = [...checked.diagnostics, ...p.diagnostics];
    const empty = diagnostics.find((d) => d.code === 'empty-config');
    const removing = p.actions.filter((a) => a.op === 'remove').length;
    if (empty && removing) empty.message += ` Compiling it would remove all ${removing} files and links machinist wrote.`;
    if (!writing || blocks(diagnostics, opts.strict)) return { ...checked, plan: p, targets, written: false, applied: 'none', diagnostics };
    const done = commit(p, snapshot.links, targets, opts.root);
    return { ...checked, plan: p, targets, written: done.applied !== 'none', applied: done.applied, diagnostics: [...diagnostics, ...done.diagnostics] };
  } finally {
    if (lock) lock.release();
  }
}
