// Public API. The edges (reading the config, reading and writing the output directories) are here; the
// stages in between are pure and shared with the generator.
import { isAbsolute, relative, resolve as resolvePath } from 'node:path';
import type { Diagnostic } from './diagnostics/types.js';
import { hasErrors } from './diagnostics/types.js';
import { readSnapshot } from './emit/existing.js';
import { plan as makePlan } from './emit/plan.js';
import type { Plan } from './emit/plan.js';
import { compileTargets } from './emit/targets.js';
import type { Targets } from './emit/targets.js';
import { apply } from './emit/write.js';
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
}

export interface CheckResult extends Build {
  /** Source texts by shown path, for code frames. */
  sources: Map<string, string>;
  /** False when the config directory does not exist. */
  exists: boolean;
}

/** Where the config directory will be on the target system: as seen from `root` when it lies inside it. */
export function shownConfigDir(configDir: string, root = '/'): string {
  const abs = resolvePath(configDir);
  const rel = relative(resolvePath(root), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `/${rel}` : abs;
}

/** Read and compile the configuration, without looking at any output directory. */
export function check(opts: CheckOptions): CheckResult {
  const texts = readConfig(opts.configDir, opts.shownDir ?? resolvePath(opts.configDir));
  const result = build(texts.files);
  return {
    ...result,
    diagnostics: [...texts.diagnostics, ...result.diagnostics],
    sources: new Map(texts.files.map((f) => [f.file, f.text])),
    exists: texts.exists,
  };
}

export interface CompileOptions extends CheckOptions {
  root: string;
  dryRun?: boolean;
  /** Warnings block writing too (and make the CLI exit 1). */
  strict?: boolean;
  /** Override where outputs go (the generator's directories); default ROOT/etc/systemd/…. */
  targets?: Targets;
}

export interface CompileResult extends CheckResult {
  plan: Plan;
  targets: Targets;
  written: boolean;
  diagnostics: Diagnostic[];
}

/**
 * Plan, and unless this is a dry run or anything is wrong, write. With any error (in the config or a clash in
 * the output directories) nothing at all is written: a compile either applies whole or not at all.
 */
export function compile(opts: CompileOptions): CompileResult {
  const checked = check({ configDir: opts.configDir, shownDir: opts.shownDir ?? shownConfigDir(opts.configDir, opts.root) });
  const targets = opts.targets ?? compileTargets(opts.root);
  const snapshot = readSnapshot(targets, checked.outputs);
  const protect = {
    containers: new Set(checked.model.failed.keys()),
    slices: new Set(checked.files.filter((f) => f.source.kind === 'slice').map((f) => f.source.name).filter((n) => !checked.model.slices.some((s) => s.name === n))),
  };
  const p = makePlan(checked.outputs, snapshot, targets, { protect });
  const diagnostics = [...checked.diagnostics, ...p.diagnostics];
  let written = false;
  if (!opts.dryRun && !hasErrors(diagnostics) && !(opts.strict && diagnostics.length)) {
    apply(p, targets, { durable: true });
    written = true;
  }
  return { ...checked, plan: p, targets, written, diagnostics };
}
