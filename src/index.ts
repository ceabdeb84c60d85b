// Public API. The edges (reading the config, reading and writing the output directories) are here; the
// stages in between are pure and shared with the generator.
import { lstatSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { diag } from './diagnostics/catalogue.js';
import type { Diagnostic } from './diagnostics/types.js';
import { hasErrors } from './diagnostics/types.js';
import { systemBaseline } from './emit/baseline.js';
import { classify } from './emit/classify.js';
import type { ClassifyOptions, UnitChange } from './emit/classify.js';
import { commit } from './emit/commit.js';
import { readSnapshot } from './emit/existing.js';
import type { Snapshot } from './emit/existing.js';
import { describeError } from './emit/io-error.js';
import { isLock, lockRoot } from './emit/lock.js';
import { plan as makePlan } from './emit/plan.js';
import type { Plan } from './emit/plan.js';
import { rootProblem } from './emit/root.js';
import { compileTargets } from './emit/targets.js';
import type { Targets } from './emit/targets.js';
import { readConfig } from './load/read.js';
import type { ConfigTexts } from './load/read.js';
import { IniRenderError } from './ini/model.js';
import { build, withoutUnrenderable } from './pipeline.js';
import { gcItems } from './emit/gc.js';
import type { GcItem, GcListing } from './emit/gc.js';
import { rootViews } from './translate/roots.js';
import { containersDir, imagesDir, rootDropin } from './translate/image.js';
import type { RootView } from './translate/roots.js';
import { entryKey } from './emit/existing.js';
import type { Build } from './pipeline.js';

export { build } from './pipeline.js';
export type { Build } from './pipeline.js';
export type { Diagnostic } from './diagnostics/types.js';
export type { Plan, Action } from './emit/plan.js';
export type { Impact, UnitChange } from './emit/classify.js';

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

/**
 * Why a configuration counts as empty, or undefined when it has a container file. One that could not be read
 * counts too: its earlier outputs are kept, not removed.
 */
function emptiness(configDir: string, shownDir: string, texts: ConfigTexts): string | undefined {
  const folder = join(shownDir, 'containers');
  if (texts.files.some((f) => f.kind === 'container')) return undefined;
  if (texts.diagnostics.some((d) => d.code === 'read-error' && d.file?.startsWith(folder))) return undefined;
  const st = lstatSync(join(configDir, 'containers'), { throwIfNoEntry: false });
  return st?.isDirectory() ? `${folder} holds no container file` : `${shownDir} has no containers/ folder`;
}

/** Read and compile the configuration, without looking at any output directory. */
export function check(opts: CheckOptions): CheckResult {
  const shownDir = opts.shownDir ?? resolvePath(opts.configDir);
  const texts = readConfig(opts.configDir, shownDir);
  const result = build(texts.files, { diagnostics: texts.diagnostics, shownDir });
  const why = texts.exists ? emptiness(opts.configDir, shownDir, texts) : `${shownDir} does not exist`;
  const diagnostics = [...texts.diagnostics, ...result.diagnostics];
  if (why && !opts.allowEmpty) {
    diagnostics.push(diag('empty-config', `${why}: is --config pointing at the right folder?`, { file: shownDir }));
  }
  const sources = new Map(texts.files.map((f) => [f.file, f.text]));
  return { ...result, diagnostics, sources, exists: texts.exists, empty: why !== undefined };
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
  /**
   * What systemd reads today besides compile's files (the generator's copies, the template), for `changes`.
   * Default: read from the running system when root is /, else nothing.
   */
  baseline?: ClassifyOptions;
}

export interface CompileResult extends CheckResult {
  plan: Plan;
  targets: Targets;
  /** True when anything was written (all of the plan, or part of it: then a write-error says so). */
  written: boolean;
  /** What of the plan is in place: all, none, or part (with a write-error diagnostic). */
  applied: 'all' | 'none' | 'part';
  diagnostics: Diagnostic[];
  /** Where each container with a declared image gets its root, and whether its image version changes. */
  roots: RootView[];
  /** What the plan needs per container and slice: nothing, a reload, live properties, restart, start, stop. */
  changes: UnitChange[];
}

const noPlan = (): Plan => ({ actions: [], affected: [], links: {}, diagnostics: [] });

/** Problems that block writing: any error, or with strict any warning. */
const blocks = (diags: readonly Diagnostic[], strict: boolean | undefined) =>
  hasErrors(diags) || (strict === true && diags.length > 0);

/** Slices whose file is there but did not compile: their earlier unit is kept, not pruned. */
const brokenSlices = (checked: CheckResult) =>
  new Set(
    checked.files
      .filter((f) => f.source.kind === 'slice' && !checked.model.slices.some((s) => s.name === f.source.name))
      .map((f) => f.source.name),
  );

/** The state of ROOT's output directories, or a diagnostic when it cannot be read. */
function snapshotOf(checked: CheckResult, targets: Targets, root: string): Snapshot | Diagnostic {
  try {
    return readSnapshot(targets, checked.outputs);
  } catch (e) {
    const d = describeError(e);
    const path = (e as NodeJS.ErrnoException).path ?? join(root, 'etc/systemd');
    return diag('write-error', `cannot read ${path}: ${d.cause}. Nothing was changed.`, { file: path, hint: d.hint });
  }
}

/** Say in the empty-config error how much compiling that configuration would remove. */
function countRemovals(diags: Diagnostic[], p: Plan): void {
  const empty = diags.findIndex((d) => d.code === 'empty-config');
  const removing = p.actions.filter((a) => a.op === 'remove').length;
  if (empty < 0 || !removing) return;
  const d = diags[empty]!;
  diags[empty] = {
    ...d,
    message: `${d.message} Compiling it would remove all ${removing} files and links machinist wrote.`,
  };
}

/**
 * The plan of a build; should a file not render (a bug, or a value no check caught), the containers whose
 * files do not render fail alone, with an internal error, and the rest is planned again.
 */
function planOf(checked: CheckResult, snapshot: Snapshot, targets: Targets, diffs: boolean) {
  const planFor = (c: CheckResult) => {
    const protect = { containers: new Set(c.model.failed.keys()), slices: brokenSlices(c) };
    return makePlan(c.outputs, snapshot, targets, { protect, diffs });
  };
  try {
    return { checked, p: planFor(checked) };
  } catch (e) {
    const retry = e instanceof IniRenderError ? withoutUnrenderable(checked) : undefined;
    if (!retry) throw e;
    const added = retry.diagnostics.filter((d) => !checked.diagnostics.includes(d));
    const again = { ...checked, ...retry, diagnostics: [...checked.diagnostics, ...added] };
    return { checked: again, p: planFor(again) };
  }
}

/** Where each container's root comes from; a root drop-in written before (in the snapshot) shows a version change. */
function rootsOf(checked: CheckResult, snapshot: Snapshot | undefined): RootView[] {
  const earlier = (name: string) =>
    (['overlay', 'copy'] as const).flatMap((kind) => {
      const e = snapshot?.entries.get(entryKey('unit', rootDropin(kind, name)));
      return e?.type === 'file' ? [e.text] : [];
    });
  return rootViews(checked.model.containers, earlier);
}

/**
 * Plan, and unless this is a dry run or anything is wrong, write. With any error (in the config or a clash in
 * the output directories) nothing at all is written: a compile either applies whole or not at all, and one that
 * was cut short (killed, disk full) is completed by the next (see emit/commit.ts). Compiles into one root take
 * turns (emit/lock.ts).
 */
export function compile(opts: CompileOptions): CompileResult {
  const shownDir = opts.shownDir ?? shownConfigDir(opts.configDir, opts.root);
  let checked = check({ configDir: opts.configDir, shownDir, allowEmpty: opts.allowEmpty });
  const targets = compileTargets(opts.root);
  const baseline = () => opts.baseline ?? (resolvePath(opts.root) === '/' ? systemBaseline('/') : {});
  const result = (
    p: Plan,
    diagnostics: Diagnostic[],
    applied: CompileResult['applied'] = 'none',
    s?: Snapshot,
  ): CompileResult => {
    const changes = p.actions.length ? classify(p, baseline()) : [];
    return {
      ...checked,
      plan: p,
      targets,
      written: applied !== 'none',
      applied,
      diagnostics,
      roots: rootsOf(checked, s),
      changes,
    };
  };
  const bad = rootProblem(opts.root);
  if (bad) return result(noPlan(), [...checked.diagnostics, bad]);
  const writing = !opts.dryRun && !blocks(checked.diagnostics, opts.strict);
  const lock = writing ? lockRoot(opts.root, opts.waitSeconds ?? 60, opts.onWait) : undefined;
  if (lock && !isLock(lock)) return result(noPlan(), [...checked.diagnostics, lock]);
  try {
    const snapshot = snapshotOf(checked, targets, opts.root);
    if (!('entries' in snapshot)) return result(noPlan(), [...checked.diagnostics, snapshot]);
    const planned = planOf(checked, snapshot, targets, opts.diffs ?? opts.dryRun === true);
    checked = planned.checked;
    const p = planned.p;
    const diagnostics = [...checked.diagnostics, ...p.diagnostics];
    countRemovals(diagnostics, p);
    if (!writing || blocks(diagnostics, opts.strict)) return result(p, diagnostics, 'none', snapshot);
    const done = commit(p, snapshot.links, targets, opts.root);
    return result(p, [...diagnostics, ...done.diagnostics], done.applied, snapshot);
  } finally {
    lock?.release();
  }
}

export interface GcOptions extends CheckOptions {
  root: string;
  dryRun?: boolean;
  /** The root directories of the machines running now (asked of machined at the edge): they are kept. */
  runningRoots?: () => string[];
}

export interface GcResult extends CheckResult {
  items: GcItem[];
  /** False when nothing was deleted: a dry run, or a configuration with errors (gc then decides nothing). */
  removed: boolean;
}

const names = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/**
 * Remove image versions and container data that no container of the configuration uses. A configuration with
 * errors removes nothing: what is unused is decided from it. Mounted paths and running containers' data are kept.
 */
export function gc(opts: GcOptions): GcResult {
  const shownDir = opts.shownDir ?? shownConfigDir(opts.configDir, opts.root);
  const checked = check({ configDir: opts.configDir, shownDir });
  if (hasErrors(checked.diagnostics) || !checked.exists) return { ...checked, items: [], removed: false };
  const under = (p: string) => join(opts.root, p);
  const listing: GcListing = { images: names(under(imagesDir)), containers: new Map() };
  for (const n of names(under(containersDir))) listing.containers.set(n, names(under(`${containersDir}/${n}`)));
  const roots = opts.runningRoots?.() ?? [];
  let mounts = '';
  if (resolvePath(opts.root) === '/') {
    try {
      mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    } catch {
      // No /proc: nothing is known to be mounted.
    }
  }
  const busy = (path: string): string | undefined => {
    const root = roots.find((r) => r === path || r.startsWith(`${path}/`));
    if (root !== undefined) return `a running machine's root is ${root}`;
    // A mount point, or a lower/upper/work directory in an overlay's options (mountinfo escapes spaces).
    const used = new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s,/:]|$)`, 'm');
    if (used.test(mounts)) return 'it is mounted or part of a mount';
    return undefined;
  };
  const items = gcItems(checked.model, listing, busy);
  if (opts.dryRun) return { ...checked, items, removed: false };
  for (const i of items) if (i.kept === undefined) rmSync(under(i.path), { recursive: true, force: true });
  for (const n of listing.containers.keys()) {
    try {
      rmdirSync(under(`${containersDir}/${n}`));
    } catch {
      // Not empty: the container still has data.
    }
  }
  return { ...checked, items, removed: true };
}
