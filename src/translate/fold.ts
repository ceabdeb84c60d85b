// Which containers failed and why, decided in one place for `compile` and the generator: resolve's failures,
// translate's, containers whose file could not be read, and containers whose files could not be rendered are
// folded into one model, and the generator's failing units (failing.ts) are made from it.
import { basename, dirname, join } from 'node:path';
import { internalError } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { renderIni } from '../ini/model.js';
import { configStem } from '../load/read.js';
import { byCodeUnit } from '../order.js';
import type { FailedContainer, Model } from '../resolve/model.js';
import { failedWith } from '../resolve/model.js';
import { hostnamePattern } from '../schema/rules.js';
import type { Failure } from './failing.js';
import { translateFailing } from './failing.js';
import type { Translation } from './index.js';
import type { Output } from './output.js';
import { byOutputPath, isYamlDoc } from './output.js';

export interface Folded {
  /** Containers and slices that compiled; every container that failed, with why. */
  model: Model;
  /** The outputs of what compiled. */
  outputs: Output[];
  /** Every failed container, by name. */
  failures: Failure[];
}

/**
 * Fold translate's result and `extra` failures (containers that could not be read, or rendered) into the
 * model. A container that already failed keeps its errors; the model and translation are not changed.
 */
export function fold(
  model: Model,
  t: Pick<Translation, 'outputs' | 'failed' | 'brokenSlices'>,
  extra?: ReadonlyMap<string, Diagnostic[]>,
): Folded {
  const failed = new Map<string, FailedContainer>(model.failed);
  for (const [name, f] of t.failed) failed.set(name, f);
  let outputs = t.outputs;
  if (extra?.size) {
    for (const [name, errors] of extra) {
      if (failed.has(name)) continue;
      const c = model.containers.find((x) => x.name === name);
      // Not readable at all, or ambiguous: it may well have been meant to start at boot.
      failed.set(name, c ? failedWith(c, errors) : { file: undefined, errors, autostart: true });
    }
    outputs = outputs.filter((o) => o.container === undefined || !failed.has(o.container));
  }
  const containers = failed.size ? model.containers.filter((c) => !failed.has(c.name)) : model.containers;
  const slices = t.brokenSlices.size ? model.slices.filter((s) => !t.brokenSlices.has(s.name)) : model.slices;
  const failures: Failure[] = [];
  for (const [name, f] of [...failed].sort(([a], [b]) => byCodeUnit(a, b))) {
    const shown = f.file?.source.file ?? f.errors.find((d) => d.file !== undefined)?.file ?? `containers/${name}.yaml`;
    const secret = f.file?.source.private === true || f.merged?.layers.some((l) => l.source.private) === true;
    failures.push({
      name,
      file: shown,
      errors: f.errors,
      autostart: f.autostart,
      ...(secret ? { private: true } : {}),
    });
  }
  return { model: { ...model, containers, slices, failed }, outputs, failures };
}

/** Containers whose source file could not be read or is ambiguous (read errors about containers/NAME.yaml). */
export function unreadableContainers(diags: readonly Diagnostic[], shownDir: string): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const folder = join(shownDir, 'containers');
  for (const d of diags) {
    if (d.severity !== 'error' || d.file === undefined || dirname(d.file) !== folder) continue;
    const name = configStem(basename(d.file));
    if (name !== undefined) out.set(name, [...(out.get(name) ?? []), { ...d, container: name }]);
  }
  return out;
}

/**
 * Containers whose files cannot be rendered (a bug, or a value no check caught): each fails alone, with an
 * internal error naming its file. Only called after rendering everything failed, so a clean run renders once.
 */
export function unrenderableContainers(f: Folded): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const o of f.outputs) {
    if (o.kind !== 'file' || o.container === undefined || out.has(o.container)) continue;
    try {
      if (!isYamlDoc(o.doc)) renderIni(o.doc);
    } catch (e) {
      const file = f.model.containers.find((c) => c.name === o.container)?.file.source.file;
      const d = internalError(`writing ${o.rel} failed`, e, { container: o.container, ...(file ? { file } : {}) });
      out.set(o.container, [d]);
    }
  }
  return out;
}

/** A machine name that can be a unit instance (the rule the pipeline applies to file stems). */
export const isMachineName = (name: string): boolean => hostnamePattern.test(name);

/**
 * What the generator writes: the outputs of what compiled plus a failing unit for each failed container;
 * `unnamed` are failed containers whose name cannot be a unit.
 */
export function withFailingUnits(
  f: Folded,
  shownDir: string,
): { outputs: Output[]; failures: Failure[]; unnamed: string[] } {
  const failures = f.failures.filter((x) => isMachineName(x.name));
  const unnamed = f.failures.filter((x) => !isMachineName(x.name)).map((x) => x.name);
  const outputs = [...f.outputs, ...failures.flatMap((x) => translateFailing(x, shownDir))];
  // Already in this order but for the failing units at the end: the sort finds one long run and merges.
  outputs.sort(byOutputPath);
  return { outputs, failures, unnamed };
}
