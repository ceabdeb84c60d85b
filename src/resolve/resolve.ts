// Parsed, validated files → the resolved model: profiles applied in order on top of the defaults, references
// (profiles, slices, after/requires) checked, cycles found. A container with any error is set aside in
// `failed` with the errors that stopped it; the others are unaffected.
import { byCodeUnit } from '../order.js';
import { diag } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ParsedFile } from '../load/parse.js';
import type { ContainerInput } from '../schema/container.js';
import type { SettingsInput, SliceInput } from '../schema/files.js';
import { checkContainer } from './checks.js';
import { checkDependencies } from './dependencies.js';
import { mergeLayers } from './merge.js';
import type { Layer } from './merge.js';
import { diagAt } from './model.js';
import type { ContainerModel, Model, SliceModel } from './model.js';
import { checkPassthrough } from './passthrough.js';

export interface ResolveInput {
  files: ParsedFile[];
  /** Errors found while parsing and validating each file, by its relative path. */
  fileErrors: Map<string, Diagnostic[]>;
}

const byName = (files: ParsedFile[], kind: string) =>
  new Map(files.filter((f) => f.source.kind === kind).map((f) => [f.source.name, f] as const));

/** A slice and its parents, outermost first: "a-b-c" → ["a", "a-b", "a-b-c"]. */
export const slicesOf = (name: string) => name.split('-').map((_, i, parts) => parts.slice(0, i + 1).join('-'));

/** A container must not run without the limits its slice (or a parent slice) was meant to impose. */
export const brokenSlice = (c: ContainerModel, slice: string) =>
  diagAt(c, 'unknown-slice', `slice "${slice}" has errors, so this container is not started without its limits`, ['slice'], { hint: `Fix slices/${slice}.yaml.` });

export function resolve(input: ResolveInput): { model: Model; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const errorsOf = (f: ParsedFile | undefined) => (f ? (input.fileErrors.get(f.source.rel) ?? []) : []);
  const settings = input.files.find((f) => f.source.kind === 'settings');
  const profiles = byName(input.files, 'profile');
  const sliceFiles = byName(input.files, 'slice');
  const model: Model = { containers: [], slices: [], failed: new Map() };

  for (const [name, file] of [...sliceFiles].sort(([a], [b]) => byCodeUnit(a, b))) {
    if (errorsOf(file).length) continue;
    const s = file.value as SliceInput;
    const errs = checkPassthrough('unit', s.unit, { file, origins: new Map() });
    diagnostics.push(...errs);
    if (!errs.length) model.slices.push({ name, file, settings: s });
  }
  const goodSlices = new Set(model.slices.map((s: SliceModel) => s.name));

  for (const [name, file] of [...byName(input.files, 'container')].sort(([a], [b]) => byCodeUnit(a, b))) {
    // Errors of the files themselves are already reported (pipeline); `found` are the ones found here.
    const found: Diagnostic[] = [];
    const errors: Diagnostic[] = [...errorsOf(file), ...errorsOf(settings)];
    const layers: Layer[] = [];
    const applied: string[] = [];
    const settingsValue = settings?.value as SettingsInput | undefined;
    if (settings && settingsValue?.defaults && !errorsOf(settings).length) {
      layers.push({ file: settings, at: ['defaults'], value: settingsValue.defaults as Record<string, unknown> });
    }
    // Depth-first: a profile's own profiles apply before it; each profile applies once, at its first use.
    const expand = (from: ParsedFile, list: string[] | undefined, stack: string[]) => {
      (list ?? []).forEach((p, i) => {
        const target = profiles.get(p);
        if (!target) {
          const hint = didYouMean(p, profiles.keys());
          found.push(diag('unknown-profile', `profile "${p}" has no file profiles/${p}.yaml`, { file: from.source.file, path: ['profiles', i], pos: locate(from, ['profiles', i]), container: name, ...(hint ? { hint } : {}) }));
          return;
        }
        if (stack.includes(p)) {
          found.push(diag('profile-cycle', `profiles include each other: ${[...stack, p].join(' → ')}`, { file: from.source.file, path: ['profiles', i], pos: locate(from, ['profiles', i]), container: name }));
          return;
        }
        if (applied.includes(p)) return;
        if (errorsOf(target).length) {
          errors.push(...errorsOf(target));
          return;
        }
        expand(target, (target.value as ContainerInput).profiles, [...stack, p]);
        applied.push(p);
        layers.push({ file: target, at: [], value: target.value as Record<string, unknown> });
      });
    };
    // Profile names are checked even in a file with other errors, so one run reports every problem.
    const raw = file.value as Record<string, unknown> | undefined;
    const listed = raw?.['profiles'];
    if (Array.isArray(listed) && listed.every((p) => typeof p === 'string')) expand(file, listed, []);
    if (!errorsOf(file).length) layers.push({ file, at: [], value: file.value as Record<string, unknown> });
    diagnostics.push(...found);
    errors.push(...found);
    if (errors.length) {
      model.failed.set(name, { file, errors });
      continue;
    }
    const merged = mergeLayers(layers, ['profiles']);
    const c: ContainerModel = {
      name,
      file,
      profiles: applied,
      layers: layers.map((l) => l.file),
      settings: merged.value as ContainerInput,
      origins: merged.origins,
    };
    const own = [
      ...checkContainer(c),
      ...checkPassthrough('nspawn', c.settings.nspawn, c),
      ...checkPassthrough('service', c.settings.service, c),
    ];
    const slice = c.settings.slice;
    if (slice !== undefined) {
      if (!sliceFiles.has(slice)) {
        const hint = didYouMean(slice, sliceFiles.keys());
        own.push(diagAt(c, 'unknown-slice', `slice "${slice}" has no file slices/${slice}.yaml`, ['slice'], hint ? { hint: `${hint} Or create slices/${slice}.yaml (an empty file is fine).` } : {}));
      } else {
        for (const s of slicesOf(slice)) if (sliceFiles.has(s) && !goodSlices.has(s)) errors.push(brokenSlice(c, s));
      }
    }
    diagnostics.push(...own);
    errors.push(...own.filter((d) => d.severity === 'error'));
    if (errors.length) model.failed.set(name, { file, errors, merged: c });
    else model.containers.push(c);
  }

  for (const d of checkDependencies(model, new Set(byName(input.files, 'container').keys()))) diagnostics.push(d);
  return { model, diagnostics };
}
