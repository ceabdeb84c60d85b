// One generator run: the same pipeline as `machinist compile`, aimed at systemd's generator directory and
// /run/systemd/nspawn, with two differences that keep a broken configuration from making boot worse or going
// unnoticed:
//  - it never refuses as a whole: every good container is written, and every broken one gets a failing unit
//    (src/translate/failing.ts) instead of its usual files;
//  - nothing is protected from pruning: /run/systemd/nspawn holds exactly what the current configuration says
//    (the unit directory is emptied by systemd before every run anyway).
// Reads: the config directory, the two output directories, and (for warnings) /etc/systemd. Writes: only the
// two output directories, files on tmpfs, without fsync.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { diag } from '../diagnostics/catalogue.js';
import { renderLine } from '../diagnostics/render.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { sortDiagnostics } from '../diagnostics/types.js';
import { readSnapshot } from '../emit/existing.js';
import { carriesMark } from '../emit/ownership.js';
import { plan } from '../emit/plan.js';
import type { Plan } from '../emit/plan.js';
import { generatorTargets } from '../emit/targets.js';
import { readConfig } from '../load/read.js';
import { byCodeUnit } from '../order.js';
import type { SourceFile } from '../load/read.js';
import { build } from '../pipeline.js';
import type { Build } from '../pipeline.js';
import type { ParsedFile } from '../load/parse.js';
import type { Model } from '../resolve/model.js';
import { hostnamePattern } from '../schema/rules.js';
import { translateFailing, wouldAutostart } from '../translate/failing.js';
import type { Failure } from '../translate/failing.js';
import type { Output } from '../translate/output.js';
import { byOutputPath, unitName } from '../translate/output.js';
import { applyEach, errorText, internal } from './apply.js';
import type { Logger } from './log.js';

export interface GenerateOptions {
  /** The configuration directory (/etc/machinist). */
  configDir: string;
  /** systemd's NORMAL generator directory: drop-ins, slices, .wants links. */
  normal: string;
  /** Where .nspawn files go (/run/systemd/nspawn). */
  nspawnDir: string;
  /** Where the admin's own systemd files live, which override ours (warnings only). Default /etc/systemd. */
  etcDir?: string;
  log: Logger;
}

export interface GenerateResult {
  /** Containers generated normally. */
  containers: string[];
  /** Containers that got a failing unit. */
  failed: string[];
  /** Problems inside machinist itself (a bug or an I/O error): the exit status is then non-zero. */
  internalErrors: number;
  diagnostics: Diagnostic[];
  plan: Plan | undefined;
}


/** A machine name that can be a unit instance (the rule the pipeline applies to file stems). */
export const isMachineName = (name: string): boolean => hostnamePattern.test(name);

/** Every failed container of a build, as failures; those whose name cannot be a unit are returned apart. */
export function failuresOf(model: Model, files: readonly ParsedFile[]): { failures: Failure[]; unnamed: string[] } {
  const failures: Failure[] = [];
  const unnamed: string[] = [];
  for (const [name, { file, errors }] of [...model.failed].sort(([a], [b]) => byCodeUnit(a, b))) {
    if (!isMachineName(name)) {
      unnamed.push(name);
      continue;
    }
    const shown = file?.source.file ?? errors.find((d) => d.file !== undefined)?.file ?? `containers/${name}.yaml`;
    failures.push({ name, file: shown, errors, autostart: wouldAutostart(file, files) });
  }
  return { failures, unnamed };
}

/** Containers whose source file could not be read or is ambiguous: they fail like a container with errors. */
function loadFailures(diags: readonly Diagnostic[], shownDir: string): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const folder = join(shownDir, 'containers');
  for (const d of diags) {
    if (d.severity !== 'error' || d.file === undefined || dirname(d.file) !== folder) continue;
    const m = /^(.+)\.ya?ml$/.exec(basename(d.file));
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), { ...d, container: m[1]! }]);
  }
  return out;
}

/** The files in /etc/systemd that take precedence over what the generator writes for a container. */
function etcFilesOf(name: string, etcDir: string, listed: { nspawn: Set<string>; system: Set<string> }): string[] {
  const out: string[] = [];
  if (listed.nspawn.has(`${name}.nspawn`)) out.push(join(etcDir, 'nspawn', `${name}.nspawn`));
  const dropin = `${unitName(name)}.d`;
  if (listed.system.has(dropin) && existsSync(join(etcDir, 'system', dropin, '50-machinist.conf'))) out.push(join(etcDir, 'system', dropin, '50-machinist.conf'));
  return out;
}

/** Whether a file carries machinist's header (an unreadable one does not count). */
const writtenByMachinist = (file: string) => {
  try {
    return carriesMark(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
};

/**
 * Containers the admin manages by other means, found in /etc/systemd (which wins over the generator's files):
 * `compiled` ones carry machinist's header there (`machinist compile` is in use for them, so the generator
 * leaves them alone instead of writing copies that never apply); for the others, a hand-written file replaces
 * what the generator writes, which is worth a warning.
 */
function etcOverrides(containers: readonly string[], etcDir: string): { compiled: Set<string>; warnings: Diagnostic[] } {
  const list = (dir: string) => {
    try {
      return new Set(readdirSync(dir));
    } catch {
      return new Set<string>();
    }
  };
  const listed = { nspawn: list(join(etcDir, 'nspawn')), system: list(join(etcDir, 'system')) };
  const compiled = new Set<string>();
  const warnings: Diagnostic[] = [];
  for (const name of containers) {
    const files = etcFilesOf(name, etcDir, listed);
    if (files.some(writtenByMachinist)) {
      compiled.add(name);
      continue;
    }
    for (const file of files) warnings.push(diag('overridden-file', `${file} replaces what the generator writes for container "${name}"`, { file, container: name }));
  }
  return { compiled, warnings };
}

/** What the generator writes: the good containers' outputs plus a failing unit for each broken container. */
export function generatorOutputs(
  built: Build,
  extra: Map<string, Diagnostic[]>,
  shownDir: string,
): { outputs: Output[]; failures: Failure[]; unnamed: string[] } {
  const { failures, unnamed } = failuresOf(built.model, built.files);
  const known = new Set(failures.map((f) => f.name));
  for (const [name, errors] of extra) {
    if (known.has(name)) continue;
    if (!isMachineName(name)) {
      unnamed.push(name);
      continue;
    }
    // Not readable at all, or ambiguous: it may well have been meant to start at boot.
    failures.push({ name, file: errors[0]?.file ?? join(shownDir, 'containers', `${name}.yaml`), errors, autostart: true });
  }
  failures.sort((a, b) => byCodeUnit(a.name, b.name));
  const failing = new Set(failures.map((f) => f.name));
  const outputs = [...built.outputs.filter((o) => !o.container || !failing.has(o.container)), ...failures.flatMap((f) => translateFailing(f, shownDir))];
  // Already in this order but for the failing units at the end: the sort finds one long run and merges.
  outputs.sort(byOutputPath);
  return { outputs, failures, unnamed };
}

export function generate(opts: GenerateOptions): GenerateResult {
  const shownDir = resolvePath(opts.configDir);
  const etcDir = opts.etcDir ?? '/etc/systemd';
  const targets = generatorTargets(opts.normal, opts.nspawnDir);
  const diagnostics: Diagnostic[] = [];
  let internalErrors = 0;

  const texts = readConfig(opts.configDir, shownDir);
  diagnostics.push(...texts.diagnostics);
  let built: Build;
  try {
    built = build(texts.files);
  } catch (e) {
    // A bug in the pipeline: no container can be trusted, so each one fails visibly rather than starting
    // without its settings (an earlier run's .nspawn files would otherwise still be there).
    internalErrors++;
    const why = internal(`compiling the configuration failed: ${errorText(e)}`);
    diagnostics.push(why);
    built = emptyBuild(texts.files, why);
  }
  diagnostics.push(...built.diagnostics);
  const generated = generatorOutputs(built, loadFailures(texts.diagnostics, shownDir), shownDir);
  const names = [...new Set([...built.model.containers.map((c) => c.name), ...generated.failures.map((f) => f.name)])];
  const etc = etcOverrides(names, etcDir);
  const { unnamed } = generated;
  const failures = generated.failures.filter((f) => !etc.compiled.has(f.name));
  const outputs = generated.outputs.filter((o) => o.container === undefined || !etc.compiled.has(o.container));
  for (const name of unnamed) {
    diagnostics.push({ code: 'invalid-name', severity: 'warning', message: `"${name}" is not a valid machine name, so no unit (not even a failing one) is generated for it`, file: join(shownDir, 'containers') });
  }

  let p: Plan | undefined;
  try {
    p = plan(outputs, readSnapshot(targets, outputs), targets, { diffs: false });
    diagnostics.push(...p.diagnostics);
    internalErrors += applyEach(p, diagnostics);
  } catch (e) {
    internalErrors++;
    diagnostics.push(internal(`writing the output failed: ${errorText(e)}`));
  }

  const failedNames = new Set(failures.map((f) => f.name));
  const containers = built.model.containers.map((c) => c.name).filter((n) => !failedNames.has(n) && !etc.compiled.has(n));
  diagnostics.push(...etc.warnings);

  const sorted = sortDiagnostics(diagnostics);
  for (const d of sorted) opts.log.log(d.severity, renderLine(d));
  if (etc.compiled.size) {
    opts.log.log('info', `left to "machinist compile", whose files in ${etcDir} take precedence: ${[...etc.compiled].sort(byCodeUnit).join(' ')}`);
  }
  if (failures.length) {
    opts.log.log('info', `${failures.length} container(s) with configuration errors get a failing unit: ${failures.map((f) => unitName(f.name)).join(' ')}`);
  }
  return { containers, failed: failures.map((f) => f.name), internalErrors, diagnostics: sorted, plan: p };
}

/** After an internal error: no outputs, and every container file counted as failed with that error. */
function emptyBuild(files: readonly SourceFile[], why: Diagnostic): Build {
  const failed = new Map<string, { file: undefined; errors: Diagnostic[] }>();
  for (const f of files) if (f.kind === 'container') failed.set(f.name, { file: undefined, errors: [{ ...why, file: f.file }] });
  return { model: { containers: [], slices: [], failed }, outputs: [], diagnostics: [], files: [] };
}
