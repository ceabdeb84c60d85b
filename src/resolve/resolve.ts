// Parsed, validated files → the resolved model: profiles applied in order on top of the defaults, references
// (profiles, slices, after/requires) checked, cycles found. A container with any error is set aside in
// `failed` with the errors that stopped it; the others are unaffected.
import { diag, internalError } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';
import type { ContainerInput } from '../schema/container.js';
import type { SliceInput } from '../schema/files.js';
import { checkContainer } from './checks.js';
import { resolveCloudInit } from './cloud-init.js';
import { checkDependencies } from './dependencies.js';
import { checkImageUse, resolveImages } from './images.js';
import type { Images } from './images.js';
import { mergeLayers } from './merge.js';
import type { Layer } from './merge.js';
import { diagAt, failedWith, startsAtBoot } from './model.js';
import type { ContainerModel, Model } from './model.js';
import { checkPassthrough } from './passthrough.js';
import { checkPortClashes } from './ports.js';
import { resolvePods } from './pods.js';
import { applyTier } from './tier.js';

export interface ResolveInput {
  files: ParsedFile[];
  /** Errors found while parsing and validating each file, by its relative path. */
  fileErrors: Map<string, Diagnostic[]>;
}

/** A slice and its parents, outermost first: "a-b-c" → ["a", "a-b", "a-b-c"]. */
export const slicesOf = (name: string) => name.split('-').map((_, i, parts) => parts.slice(0, i + 1).join('-'));

/** A container must not run without the limits its slice (or a parent slice) was meant to impose. */
export const brokenSlice = (c: ContainerModel, slice: string) =>
  diagAt(
    c,
    'unknown-slice',
    `slice "${slice}" has errors, so this container is not started without its limits`,
    ['slice'],
    { hint: `Fix slices/${slice}.yaml.` },
  );

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

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Depth-first: a profile's own profiles apply before it; each profile applies once, at its first use. A
 * profile with errors stops the container, but its settings still join the layers (its own profiles are not
 * followed), for the one thing read from a failed container's layers: whether it starts at boot.
 */
function expand(x: Expansion, from: ParsedFile, list: readonly string[] | undefined): void {
  if (!list) return;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    const target = x.profiles.get(p);
    if (!target) {
      const hint = didYouMean(p, x.profiles.keys());
      const at = ['profiles', i];
      const where = { file: from.source.file, path: at, pos: locate(from, at), container: x.name };
      const message = `profile "${p}" has no file profiles/${p}.yaml`;
      x.found.push(diag('unknown-profile', message, { ...where, ...(hint ? { hint } : {}) }));
      continue;
    }
    if (x.stack.includes(p)) {
      const at = ['profiles', i];
      const where = { file: from.source.file, path: at, pos: locate(from, at), container: x.name };
      x.found.push(diag('profile-cycle', `profiles include each other: ${[...x.stack, p].join(' → ')}`, where));
      continue;
    }
    if (x.applied.includes(p)) continue;
    const broken = x.errorsOf(target);
    if (broken.length) x.errors.push(...broken);
    else {
      x.stack.push(p);
      expand(x, target, (target.value as ContainerInput).profiles);
      x.stack.pop();
    }
    x.applied.push(p);
    const value = record(target.value);
    if (value) x.layers.push({ file: target, at: atTop, value });
  }
}

/** What resolve works from: the files by kind and name, and the errors of each file. */
interface Sources {
  settings: ParsedFile | undefined;
  profiles: Map<string, ParsedFile>;
  slices: Map<string, ParsedFile>;
  containers: Map<string, ParsedFile>;
  errorsOf: (f: ParsedFile | undefined) => readonly Diagnostic[];
  /** Slices that resolved (their containers may use them). */
  goodSlices: Set<string>;
  /** Declared images (images/NAME.yaml), and those with errors. */
  images: Images;
  /** cloud-init templates (cloud-init/NAME.yaml), by name. */
  cloudInit: Map<string, ParsedFile>;
}

function sourcesOf(input: ResolveInput): Sources {
  const fileErrors = input.fileErrors;
  const errorsOf = (f: ParsedFile | undefined): readonly Diagnostic[] =>
    f && fileErrors.size ? (fileErrors.get(f.source.rel) ?? none) : none;
  // Files by kind and name, in one pass (a later file of the same name wins, at the first one's place).
  const src: Sources = {
    settings: undefined,
    profiles: new Map(),
    slices: new Map(),
    containers: new Map(),
    errorsOf,
    goodSlices: new Set(),
    images: resolveImages(input.files, errorsOf),
    cloudInit: new Map(),
  };
  for (const f of input.files) {
    const kind = f.source.kind;
    if (kind === 'container') src.containers.set(f.source.name, f);
    else if (kind === 'profile') src.profiles.set(f.source.name, f);
    else if (kind === 'slice') src.slices.set(f.source.name, f);
    else if (kind === 'cloud-init') src.cloudInit.set(f.source.name, f);
    else if (kind === 'settings' && !src.settings) src.settings = f;
  }
  return src;
}

/** The layers of one container: defaults, its profiles, itself; and what stops it before they merge. */
function layersOf(src: Sources, name: string, file: ParsedFile): Expansion {
  const fileErrs = src.errorsOf(file);
  const settingsErrors = src.errorsOf(src.settings);
  // Errors of the files themselves are already reported (pipeline); `found` are the ones found here.
  const errors: Diagnostic[] = fileErrs.length || settingsErrors.length ? [...fileErrs, ...settingsErrors] : [];
  const x: Expansion = {
    name,
    profiles: src.profiles,
    errorsOf: src.errorsOf,
    applied: [],
    layers: [],
    found: [],
    errors,
    stack: [],
  };
  const defaults = record(record(src.settings?.value)?.['defaults']);
  if (src.settings && defaults) x.layers.push({ file: src.settings, at: atDefaults, value: defaults });
  // Profile names are checked even in a file with other errors, so one run reports every problem.
  const raw = record(file.value);
  const listed = raw?.['profiles'];
  if (Array.isArray(listed) && allStrings(listed)) expand(x, file, listed);
  if (raw) x.layers.push({ file, at: atTop, value: raw });
  return x;
}

/** The checks of one merged container; errors (with `found`, those of its profiles) fail it. */
function checkMerged(src: Sources, c: ContainerModel, found: Diagnostic[], diagnostics: Diagnostic[]): Diagnostic[] {
  const own = applyTier(c);
  own.push(...checkContainer(c));
  own.push(...checkImageUse(c, src.images));
  if (c.settings.nspawn) own.push(...checkPassthrough('nspawn', c.settings.nspawn, c));
  if (c.settings.service) own.push(...checkPassthrough('service', c.settings.service, c));
  if (c.settings.cloud_init) own.push(...resolveCloudInit(c, src.cloudInit, src.errorsOf));
  const errors = found.length ? [...found] : [];
  const slice = c.settings.slice;
  if (slice !== undefined) {
    if (!src.slices.has(slice)) {
      const hint = didYouMean(slice, src.slices.keys());
      const init = hint ? { hint: `${hint} Or create slices/${slice}.yaml (an empty file is fine).` } : {};
      own.push(diagAt(c, 'unknown-slice', `slice "${slice}" has no file slices/${slice}.yaml`, ['slice'], init));
    } else if (src.goodSlices.size < src.slices.size) {
      for (const s of slicesOf(slice)) if (src.slices.has(s) && !src.goodSlices.has(s)) errors.push(brokenSlice(c, s));
    }
  }
  if (own.length) {
    diagnostics.push(...own);
    for (const d of own) if (d.severity === 'error') errors.push(d);
  }
  return errors;
}

/**
 * One container into the model: merged and checked, or failed. A profile that is missing or part of a cycle
 * is left out, and the rest still merges and is checked, so one run reports every independent error.
 */
function resolveContainer(src: Sources, model: Model, name: string, file: ParsedFile, diagnostics: Diagnostic[]): void {
  const x = layersOf(src, name, file);
  if (x.found.length) diagnostics.push(...x.found);
  if (x.errors.length) {
    // Files with errors: the layers are not valid settings, but they still say whether it starts at boot.
    const settings = record(file.value) ? mergeLayers(x.layers, skipped).value : undefined;
    model.failed.set(name, { file, errors: [...x.errors, ...x.found], autostart: startsAtBoot(settings) });
    return;
  }
  const merged = mergeLayers(x.layers, skipped);
  const c: ContainerModel = {
    name,
    file,
    profiles: x.applied,
    layers: x.layers.map((l) => l.file),
    settings: merged.value as ContainerInput,
    origins: merged.origins,
  };
  const errors = checkMerged(src, c, x.found, diagnostics);
  if (errors.length) model.failed.set(name, failedWith(c, errors));
  else model.containers.push(c);
}

export function resolve(input: ResolveInput): { model: Model; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const src = sourcesOf(input);
  diagnostics.push(...src.images.diagnostics);
  const images = [...src.images.images.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const model: Model = { containers: [], slices: [], images, failed: new Map() };
  // Names sort by code unit (see order.ts); sort() without a comparator compares strings exactly that way.
  for (const name of [...src.slices.keys()].sort()) {
    const file = src.slices.get(name)!;
    if (src.errorsOf(file).length) continue;
    const s = file.value as SliceInput;
    const errs = checkPassthrough('unit', s.unit, { file, origins: new Map() });
    diagnostics.push(...errs);
    if (!errs.length) {
      model.slices.push({ name, file, settings: s });
      src.goodSlices.add(name);
    }
  }
  for (const name of [...src.containers.keys()].sort()) {
    const file = src.containers.get(name)!;
    try {
      resolveContainer(src, model, name, file, diagnostics);
    } catch (e) {
      // A bug, or a value no check foresaw: this container fails, visibly; the others are unaffected.
      const d = internalError(`resolving container "${name}" failed`, e, { file: file.source.file, container: name });
      diagnostics.push(d);
      model.failed.set(name, { file, errors: [d], autostart: true });
    }
  }
  // Before dependencies: a member of a missing pod fails, and so do the containers that require it.
  for (const d of resolvePods(input.files, src.errorsOf, model)) diagnostics.push(d);
  for (const d of checkPortClashes(model)) diagnostics.push(d);
  for (const d of checkDependencies(model, new Set(src.containers.keys()))) diagnostics.push(d);
  return { model, diagnostics };
}
