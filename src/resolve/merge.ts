// Layer merging with provenance. Rule (README "Merge rules"): layers apply in order (defaults, profiles, the
// container); mappings merge key by key, scalars are replaced, lists are appended without duplicates, and a
// list or mapping tagged `!reset` replaces what earlier layers said instead of merging with it.
import { pathKey } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';

/** Where an effective value came from: a file and the YAML path inside it. */
export interface Origin {
  file: ParsedFile;
  path: YamlPath;
  /** Set where a security tier (named here) supplied the value; file and path are where the tier was chosen. */
  tier?: string;
}

export type Origins = Map<string, Origin>;

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// Paths inside merging are carried as their pathKey (parent key + NUL + segment, built incrementally) next to
// the layer path array that an Origin keeps; every path here has at least one segment.
const SEP = '\u0000';

/** Set a property, even one named __proto__ (an assignment would change the object's prototype instead). */
function put(obj: Record<string, unknown>, k: string, v: unknown) {
  if (k === '__proto__')
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

/**
 * Drop the origins of everything inside the value being replaced at outKey. Origins only ever describe paths
 * of the merged value, so walking the old value finds exactly them: the cost is the size of what is replaced,
 * not of everything merged so far.
 */
function forget(origins: Origins, outKey: string, old: unknown) {
  if (Array.isArray(old)) {
    for (let i = 0; i < old.length; i++) {
      const k = outKey + SEP + i;
      origins.delete(k);
      forget(origins, k, old[i]);
    }
  } else if (isMapping(old)) {
    for (const [name, v] of Object.entries(old)) {
      const k = outKey + SEP + name;
      origins.delete(k);
      forget(origins, k, v);
    }
  }
}

/** Record the origin of a value and everything inside it. */
function remember(origins: Origins, file: ParsedFile, layerPath: YamlPath, outKey: string, value: unknown) {
  origins.set(outKey, { file, path: layerPath });
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) remember(origins, file, [...layerPath, i], outKey + SEP + i, value[i]);
  } else if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) remember(origins, file, [...layerPath, k], outKey + SEP + k, v);
  }
}

export interface Layer {
  file: ParsedFile;
  /** Where in the file the settings start: [] for a profile or container, ['defaults'] for machinist.yaml. */
  at: YamlPath;
  value: Record<string, unknown>;
}

/**
 * Where the values being merged come from, for the origins of the result. Absent when nobody asks for them:
 * then no path is built at all, which is what keeps a clean run fast.
 */
interface Recorder {
  origins: Origins;
  file: ParsedFile;
  /** The value's YAML path in its layer's file. */
  layerPath: YamlPath;
  /** pathKey of the value's place in the merged result. */
  outKey: string;
}

/** The recorder for a child of the value `r` records (its key or index `k`, and its place `out` in the result). */
const child = (r: Recorder, k: string | number, out: string | number = k): Recorder => ({
  origins: r.origins,
  file: r.file,
  layerPath: [...r.layerPath, k],
  outKey: r.outKey + SEP + out,
});

/** `value` replaces what was at the recorder's place: forget the origins inside the old value, take the new. */
function replaced(r: Recorder, old: unknown, fresh: boolean) {
  if (fresh) forget(r.origins, r.outKey, old);
  r.origins.set(r.outKey, { file: r.file, path: r.layerPath });
}

/** Lists longer than this are deduplicated through a Set of JSON texts; shorter ones by scanning. */
const SCAN_MAX = 16;

/**
 * Whether `list` holds an item with the same JSON text as `item` (the merge rule's notion of a duplicate),
 * without stringifying anything in the common case: two strings have the same JSON text exactly when they
 * are equal, so only where a non-string is involved are JSON texts compared.
 */
function hasEqual(list: readonly unknown[], item: unknown): boolean {
  const isString = typeof item === 'string';
  if (isString && list.includes(item)) return true;
  let key: string | undefined;
  let keyed = false;
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (isString && typeof x === 'string') continue;
    if (!keyed) {
      key = JSON.stringify(item);
      keyed = true;
    }
    if (JSON.stringify(x) === key) return true;
  }
  return false;
}

/** Append the items of `items` that `out` does not hold yet (by JSON text), in order, recording each one. */
function appendNew(out: unknown[], items: readonly unknown[], r: Recorder | undefined): void {
  if (out.length + items.length <= SCAN_MAX) {
    // While `out` holds only strings, a string item is a duplicate exactly when `out` includes it.
    let strings = true;
    for (let i = 0; i < out.length; i++) if (typeof out[i] !== 'string') strings = false;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (strings && typeof item === 'string' ? out.includes(item) : hasEqual(out, item)) continue;
      if (r) remember(r.origins, r.file, [...r.layerPath, i], r.outKey + SEP + out.length, item);
      out.push(item);
      if (typeof item !== 'string') strings = false;
    }
    return;
  }
  const seen = new Set(out.map((v) => JSON.stringify(v)));
  for (let i = 0; i < items.length; i++) {
    const key = JSON.stringify(items[i]);
    if (seen.has(key)) continue;
    seen.add(key);
    if (r) remember(r.origins, r.file, [...r.layerPath, i], r.outKey + SEP + out.length, items[i]);
    out.push(items[i]);
  }
}

/**
 * The merge rule for one value of a layer on top of what earlier layers made (`acc`). `layerKey` (the pathKey
 * of the value in its layer, for `!reset`) is only built when the layer's file has a `!reset` somewhere.
 *
 * Every mapping and list in the merged value was made here (layers' own ones are never reused: list items
 * are, but merging never descends into them), so an `acc` mapping or list is extended in place (a copy would
 * also give each container's settings a V8 map of its own, so that every later property access misses its
 * inline cache). Keys are walked with an index, not for…of over Object.entries: the generator merges each
 * container once, cold, where iterators and pairs cost.
 */
function merge(
  acc: unknown,
  value: unknown,
  resets: ReadonlySet<string>,
  layerKey: string | undefined,
  r: Recorder | undefined,
): unknown {
  if (typeof value !== 'object' || value === null) {
    if (r) replaced(r, acc, true);
    return value;
  }
  const reset = layerKey !== undefined && resets.has(layerKey);
  if (Array.isArray(value)) {
    const fresh = reset || !Array.isArray(acc);
    if (r) replaced(r, acc, fresh);
    const out: unknown[] = fresh ? [] : (acc as unknown[]);
    appendNew(out, value, r);
    return out;
  }
  const fresh = reset || !isMapping(acc);
  if (r) replaced(r, acc, fresh);
  const out: Record<string, unknown> = fresh ? {} : (acc as Record<string, unknown>);
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = (value as Record<string, unknown>)[k];
    // Without a recorder, a scalar replaces whatever was there: no need to look at it (most values are).
    if (!r && (typeof v !== 'object' || v === null)) put(out, k, v);
    else {
      const at = layerKey === undefined ? undefined : layerKey + SEP + k;
      put(out, k, merge(Object.hasOwn(out, k) ? out[k] : undefined, v, resets, at, r && child(r, k)));
    }
  }
  return out;
}

/**
 * Origins made on first use. Only diagnostics and `explain` look at them, so a clean run never pays for the
 * provenance merge (nor keeps a map entry per value of every container).
 */
class LazyOrigins extends Map<string, Origin> {
  #layers: readonly Layer[] | undefined;
  readonly #skip: readonly string[];
  constructor(layers: readonly Layer[], skip: readonly string[]) {
    super();
    this.#layers = layers;
    this.#skip = skip;
  }
  #load() {
    const layers = this.#layers;
    if (layers) {
      this.#layers = undefined;
      mergeInto({}, layers, this.#skip, this);
    }
  }
  override get(key: string) {
    this.#load();
    return super.get(key);
  }
  override has(key: string) {
    this.#load();
    return super.has(key);
  }
  override get size() {
    this.#load();
    return super.size;
  }
  override forEach(cb: (value: Origin, key: string, map: Map<string, Origin>) => void, thisArg?: unknown) {
    this.#load();
    super.forEach(cb, thisArg);
  }
  override entries() {
    this.#load();
    return super.entries();
  }
  override keys() {
    this.#load();
    return super.keys();
  }
  override values() {
    this.#load();
    return super.values();
  }
  override [Symbol.iterator]() {
    this.#load();
    return super[Symbol.iterator]();
  }
}

/**
 * Merge layers in order into `value`; with `origins`, also record where each value came from (mergeLayers
 * leaves that to LazyOrigins, which calls this again when first asked). Exported for its test.
 */
export function mergeInto(
  value: Record<string, unknown>,
  layers: readonly Layer[],
  skip: readonly string[],
  origins?: Origins,
): void {
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    const resets = layer.file.resets;
    const at = resets.size ? pathKey(layer.at) : undefined;
    const keys = Object.keys(layer.value);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (skip.includes(k)) continue;
      const v = layer.value[k];
      // As in merge: without a recorder, a scalar is simply put (most top-level values are scalars).
      if (!origins && (typeof v !== 'object' || v === null)) {
        put(value, k, v);
        continue;
      }
      const layerKey = at === undefined ? undefined : layer.at.length ? at + SEP + k : k;
      const r = origins && { origins, file: layer.file, layerPath: [...layer.at, k], outKey: k };
      put(value, k, merge(Object.hasOwn(value, k) ? value[k] : undefined, v, resets, layerKey, r));
    }
  }
}

/** Merge layers in order into one settings object and the origin of every value in it (computed when asked). */
export function mergeLayers(
  layers: readonly Layer[],
  skip: readonly string[] = [],
): { value: Record<string, unknown>; origins: Origins } {
  const value: Record<string, unknown> = {};
  mergeInto(value, layers, skip);
  return { value, origins: new LazyOrigins(layers.slice(), skip) };
}

/** The origin of a merged path, or of its nearest ancestor that has one. */
export function originOf(origins: Origins, path: YamlPath): Origin | undefined {
  for (let n = path.length; n >= 1; n--) {
    const o = origins.get(pathKey(path.slice(0, n)));
    if (o) return { file: o.file, path: [...o.path, ...path.slice(n)] };
  }
  return undefined;
}
