// Parsed, validated files → the resolved model: profiles applied in order on top of the defaults, references
// (profiles, slices, after/requires) checked, cycles found. A container with any error is set aside in
// `failed` with the errors that stopped it; the others are unaffected.
import { diag } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';
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

/** A slice and its parents, outermost first: "a-b-c" → ["a", "a-b", "a-b-c"]. */
export const slicesOf = (name: string) => name.split('-').map((_, i, parts) => parts.slice(0, i + 1).join('-'));

/** A container must not run without the limits its slice (or a parent slice) was meant to impose. */
export const brokenSlice = (c: ContainerModel, slice: string) =>
  diagAt(c, 'unknown-slice', `slice "${slice}" has errors, so this container is not started without its limits`, ['slice'], { hint: `Fix slices/${slice}.yaml.` });

const none: readonly Diagnostic[] = [];
// Where a layer's settings start in its file: shared by all layers (merging only reads them). Literals with
// nested literals, e.g. `{ at: [] }`, would be deep-copied from a template by V8's runtime at every use.
const atTop: YamlPath = [];
const atDefaults: YamlPath = ['defaults'];
/** Keys of a container's files that are not settings. */
const skipped = ['profiles'];

function allStrings(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== 'string') return false;
  return true;
}

/**
 * What expanding one container's profiles needs and builds. One object per container, passed down, rather
 * than closures over it: resolve runs once per container, cold, where each closure and spread copy costs.
 */
interface Expansion {
  name: string;
  profiles: Map<string, ParsedFile>;
  errorsOf: (f: ParsedFile | undefined) => readonly Diagnostic[];
  /** Profiles in the order they were applied. */
  applied: string[];
  layers: Layer[];
  /** Problems found here (unknown profiles, cycles). */
  found: Diagnostic[];
  /** Everything that stops the container, including errors of the files it uses. */
  errors: Diagnostic[];
  /** The profiles being expanded, outermost first. */
  stack: string[];
}

/** Depth-first: a profile's own profiles apply before it; each profile applies once, at its first use. */
function expand(x: Expansion, from: ParsedFile, list: readonly string[] | undefined): void {
  if (!list) return;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const target = x.profiles.get(p);
    if (!target) {
      const hint = didYouMean(p, x.profiles.keys());
      x.found.push(diag('unknown-profile', `profile "${p}" has no file profiles/${p}.yaml`, { file: from.source.file, path: ['profiles', i], pos: locate(from, ['profiles', i]), container: x.name, ...(hint ? { hint } : {}) }));
      continue;
    }
    if (x.stack.includes(p)) {
      x.found.push(diag('profile-cycle', `profiles include each other: ${[...x.stack, p].join(' → ')}`, { file: from.source.file, path: ['profiles', i], pos: locate(from, ['profiles', i]), container: x.name }));
      continue;
    }
    if (x.applied.includes(p)) continue;
    const broken = x.errorsOf(target);
    if (broken.length) {
      x.errors.push(...broken);
      continue;
    }
    x.stack.push(p);
    expand(x, target, (target.value as ContainerInput).profiles);
    x.stack.pop();
    x.applied.push(p);
    x.layers.push({ file: target, at: atTop, value: target.value as Record<string, unknown> });
  }
}

export function resolve(input: ResolveInput): { model: Model; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const fileErrors = input.fileErrors;
  const errorsOf = (f: ParsedFile | undefined): readonly Diagnostic[] => (f && fileErrors.size ? (fileErrors.get(f.source.rel) ?? none) : none);
  // Files by kind and name, in one pass (a later file of the same name wins, at the first one's place).
  let settings: ParsedFile | undefined;
  const profiles = new Map<string, ParsedFile>();
  const sliceFiles = new Map<string, ParsedFile>();
  const containerFiles = new Map<string, ParsedFile>();
  for (const f of input.files) {
    const kind = f.source.kind;
    if (kind === 'container') containerFiles.set(f.source.name, f);
    else if (kind === 'profile') profiles.set(f.source.name, f);
    else if (kind === 'slice') sliceFiles.set(f.source.name, f);
    else if (kind === 'settings' && !settings) settings = f;
  }
  const model: Model = { containers: [], slices: [], failed: new Map() };

  // Names sort by code unit (see order.ts); sort() without a comparator compares strings exactly that way.
  for (const name of [...sliceFiles.keys()].sort()) {
    const file = sliceFiles.get(name)!;
    if (errorsOf(file).length) continue;
    const s = file.value as SliceInput;
    const errs = checkPassthrough('unit', s.unit, { file, origins: new Map() });
    diagnostics.push(...errs);
    if (!errs.length) model.slices.push({ name, file, settings: s });
  }
  const goodSlices = new Set(model.slices.map((s: SliceModel) => s.name));
  const someSliceBroken = goodSlices.size < sliceFiles.size;
  const settingsErrors = errorsOf(settings);
  const defaults = settings && !settingsErrors.length ? (settings.value as SettingsInput | undefined)?.defaults : undefined;

  for (const name of [...containerFiles.keys()].sort()) {
    const file = containerFiles.get(name)!;
    const fileErrs = errorsOf(file);
    // Errors of the files themselves are already reported (pipeline); `found` are the ones found here.
    const applied: string[] = [];
    const layers: Layer[] = [];
    const found: Diagnostic[] = [];
    const stack: string[] = [];
    const errors: Diagnostic[] = fileErrs.length || settingsErrors.length ? [...fileErrs, ...settingsErrors] : [];
    const x: Expansion = { name, profiles, errorsOf, applied, layers, found, errors, stack };
    if (settings && defaults) layers.push({ file: settings, at: atDefaults, value: defaults as Record<string, unknown> });
    // Profile names are checked even in a file with other errors, so one run reports every problem.
    const raw = file.value as Record<string, unknown> | undefined;
    const listed = raw?.['profiles'];
    if (Array.isArray(listed) && allStrings(listed)) expand(x, file, listed);
    if (!fileErrs.length) layers.push({ file, at: atTop, value: file.value as Record<string, unknown> });
    if (found.length) {
      diagnostics.push(...found);
      errors.push(...found);
    }
    if (errors.length) {
      model.failed.set(name, { file, errors });
      continue;
    }
    const merged = mergeLayers(layers, skipped);
    const c: ContainerModel = {
      name,
      file,
      profiles: applied,
      layers: layers.map((l) => l.file),
      settings: merged.value as ContainerInput,
      origins: merged.origins,
    };
    const own = checkContainer(c);
    if (c.settings.nspawn) own.push(...checkPassthrough('nspawn', c.settings.nspawn, c));
    if (c.settings.service) own.push(...checkPassthrough('service', c.settings.service, c));
    const slice = c.settings.slice;
    if (slice !== undefined) {
      if (!sliceFiles.has(slice)) {
        const hint = didYouMean(slice, sliceFiles.keys());
        own.push(diagAt(c, 'unknown-slice', `slice "${slice}" has no file slices/${slice}.yaml`, ['slice'], hint ? { hint: `${hint} Or create slices/${slice}.yaml (an empty file is fine).` } : {}));
      } else if (someSliceBroken) {
        for (const s of slicesOf(slice)) if (sliceFiles.has(s) && !goodSlices.has(s)) errors.push(brokenSlice(c, s));
      }
    }
    if (own.length) {
      diagnostics.push(...own);
      for (const d of own) if (d.severity === 'error') errors.push(d);
    }
    if (errors.length) model.failed.set(name, { file, errors, merged: c });
    else model.containers.push(c);
  }

  for (const d of checkDependencies(model, new Set(containerFiles.keys()))) diagnostics.push(d);
  return { model, diagnostics };
}
