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
import { join, resolve as resolvePath } from 'node:path';
import { diag, internalError } from '../diagnostics/catalogue.js';
import { renderLine } from '../diagnostics/render.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { sortDiagnostics } from '../diagnostics/types.js';
import { readSnapshot } from '../emit/existing.js';
import { carriesMark } from '../emit/ownership.js';
import { plan } from '../emit/plan.js';
import type { Plan } from '../emit/plan.js';
import { generatorTargets } from '../emit/targets.js';
import type { Targets } from '../emit/targets.js';
import { IniRenderError } from '../ini/model.js';
import { readConfig } from '../load/read.js';
import type { SourceFile } from '../load/read.js';
import { byCodeUnit } from '../order.js';
import { build, withoutUnrenderable } from '../pipeline.js';
import type { Build, ReadErrors } from '../pipeline.js';
import type { FailedContainer, Model } from '../resolve/model.js';
import { fold, unreadableContainers, withFailingUnits } from '../translate/fold.js';
import { unitName } from '../translate/output.js';
import { applyEach } from './apply.js';
import { staleCompiled } from './stale.js';
import type { Logger } from './log.js';

export interface GenerateOptions {
  /** The configuration directory (/etc/machinist). */
  configDir: string;
  /** systemd's NORMAL generator directory: drop-ins, slices, .wants links. */
  normal: string;
  /** Where .nspawn files go (/run/systemd/nspawn). */
  nspawnDir: string;
  /** Where private credentials go (/run/credstore, the default). */
  credstoreDir?: string;
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

/** The files in /etc/systemd that take precedence over what the generator writes for a container. */
function etcFilesOf(name: string, etcDir: string, listed: { nspawn: Set<string>; system: Set<string> }): string[] {
  const out: string[] = [];
  if (listed.nspawn.has(`${name}.nspawn`)) out.push(join(etcDir, 'nspawn', `${name}.nspawn`));
  const dropin = `${unitName(name)}.d`;
  if (listed.system.has(dropin) && existsSync(join(etcDir, 'system', dropin, '50-machinist.conf')))
    out.push(join(etcDir, 'system', dropin, '50-machinist.conf'));
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
function etcOverrides(
  containers: readonly string[],
  etcDir: string,
): { compiled: Set<string>; warnings: Diagnostic[] } {
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
    for (const file of files)
      warnings.push(
        diag('overridden-file', `${file} replaces what the generator writes for container "${name}"`, {
          file,
          container: name,
        }),
      );
  }
  return { compiled, warnings };
}

/** Read and build the configuration; after an internal error, every container fails with it. */
function buildConfig(
  opts: GenerateOptions,
  shownDir: string,
  diagnostics: Diagnostic[],
): { built: Build; internalErrors: number } {
  const texts = readConfig(opts.configDir, shownDir);
  diagnostics.push(...texts.diagnostics);
  const read = { diagnostics: texts.diagnostics, shownDir };
  try {
    return { built: build(texts.files, read, { nspawnDir: opts.nspawnDir }), internalErrors: 0 };
  } catch (e) {
    // A bug outside any one container: none can be trusted, so each one fails visibly rather than starting
    // without its settings (an earlier run's .nspawn files would otherwise still be there).
    const why = internalError('compiling the configuration failed', e);
    diagnostics.push(why);
    return { built: failEverything(texts.files, why, read), internalErrors: 1 };
  }
}

/** After an internal error: no outputs, and every container file counted as failed with that error. */
function failEverything(files: readonly SourceFile[], why: Diagnostic, read: ReadErrors): Build {
  const failed = new Map<string, FailedContainer>();
  for (const f of files) {
    if (f.kind !== 'container') continue;
    failed.set(f.name, { file: undefined, errors: [{ ...why, file: f.file }], autostart: true });
  }
  const model: Model = { containers: [], slices: [], images: [], failed };
  const none = { outputs: [], failed: new Map(), brokenSlices: new Set<string>() };
  return { ...fold(model, none, unreadableContainers(read.diagnostics, read.shownDir)), diagnostics: [], files: [] };
}

/** What the generator writes for a build, without the containers left to `machinist compile`. */
function writesOf(built: Build, shownDir: string, etcDir: string) {
  const generated = withFailingUnits(built, shownDir);
  const names = [...new Set([...built.model.containers.map((c) => c.name), ...generated.failures.map((f) => f.name)])];
  const etc = etcOverrides(names, etcDir);
  const failures = generated.failures.filter((f) => !etc.compiled.has(f.name));
  const outputs = generated.outputs.filter((o) => o.container === undefined || !etc.compiled.has(o.container));
  // Compiled containers whose YAML changed since compile wrote them: said, since the change would not apply.
  const stale = etc.compiled.size ? staleCompiled(generated.outputs, etc.compiled, etcDir) : [];
  return { outputs, failures, unnamed: generated.unnamed, etc, stale };
}

type Writes = ReturnType<typeof writesOf>;

/**
 * Plan the writes `w` of `built`. Should a file not render (a bug, or a value no check caught), only the
 * containers whose files do not render fail, each with an internal error, and the rest is planned again.
 */
function planWrites(built: Build, w: Writes, targets: Targets, shownDir: string, etcDir: string) {
  try {
    return { built, w, p: plan(w.outputs, readSnapshot(targets, w.outputs), targets, { diffs: false }) };
  } catch (e) {
    const retry = e instanceof IniRenderError ? withoutUnrenderable(built) : undefined;
    if (!retry) throw e;
    const again = writesOf(retry, shownDir, etcDir);
    const p = plan(again.outputs, readSnapshot(targets, again.outputs), targets, { diffs: false });
    return { built: retry, w: again, p };
  }
}

export function generate(opts: GenerateOptions): GenerateResult {
  const shownDir = resolvePath(opts.configDir);
  const etcDir = opts.etcDir ?? '/etc/systemd';
  const targets = generatorTargets(opts.normal, opts.nspawnDir, opts.credstoreDir);
  const diagnostics: Diagnostic[] = [];
  let { built, internalErrors } = buildConfig(opts, shownDir, diagnostics);
  let w = writesOf(built, shownDir, etcDir);
  let p: Plan | undefined;
  try {
    const planned = planWrites(built, w, targets, shownDir, etcDir);
    internalErrors += planned.built.model.failed.size - built.model.failed.size;
    ({ built, w, p } = planned);
    diagnostics.push(...p.diagnostics);
    internalErrors += applyEach(p, diagnostics);
  } catch (e) {
    internalErrors++;
    diagnostics.push(internalError('writing the output failed', e));
  }
  diagnostics.push(...built.diagnostics);
  for (const name of w.unnamed) {
    const message = `"${name}" is not a valid machine name, so no unit (not even a failing one) is generated for it`;
    diagnostics.push(diag('invalid-name', message, { severity: 'warning', file: join(shownDir, 'containers') }));
  }
  const failedNames = new Set(w.failures.map((f) => f.name));
  const containers = built.model.containers
    .map((c) => c.name)
    .filter((n) => !failedNames.has(n) && !w.etc.compiled.has(n));
  diagnostics.push(...w.etc.warnings);
  const sorted = sortDiagnostics(diagnostics);
  for (const d of sorted) opts.log.log(d.severity, renderLine(d));
  if (w.etc.compiled.size) {
    const left = [...w.etc.compiled].sort(byCodeUnit).join(' ');
    opts.log.log('info', `left to "machinist compile", whose files in ${etcDir} take precedence: ${left}`);
    if (w.stale.length) {
      const stale = w.stale.join(' ');
      opts.log.log(
        'warning',
        `the YAML changed since "machinist compile" wrote ${etcDir} for: ${stale}; run "machinist apply" to use it`,
      );
    }
  }
  if (w.failures.length) {
    const units = w.failures.map((f) => unitName(f.name)).join(' ');
    opts.log.log('info', `${w.failures.length} container(s) with configuration errors get a failing unit: ${units}`);
  }
  return { containers, failed: w.failures.map((f) => f.name), internalErrors, diagnostics: sorted, plan: p };
}
