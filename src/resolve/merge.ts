// Layer merging with provenance. Rule (README "Merge rules"): layers apply in order (defaults, profiles, the
// container); mappings merge key by key, scalars are replaced, lists are appended without duplicates, and a
// list or mapping tagged `!reset` replaces what earlier layers said instead of merging with it.
import { pathKey } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';

/** Where an effective value came from: a file and the YAML path inside it. */
export interface Origin {
  file: ParsedFile;
  path: YamlPath;
}

export type Origins = Map<string, Origin>;

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function forget(origins: Origins, outPath: YamlPath) {
  const prefix = pathKey(outPath) + '\u0000';
  for (const k of origins.keys()) if (k.startsWith(prefix)) origins.delete(k);
}

/** Record the origin of a value and everything inside it. */
function remember(origins: Origins, file: ParsedFile, layerPath: YamlPath, outPath: YamlPath, value: unknown) {
  origins.set(pathKey(outPath), { file, path: layerPath });
  if (Array.isArray(value)) value.forEach((v, i) => remember(origins, file, [...layerPath, i], [...outPath, i], v));
  else if (isMapping(value)) for (const [k, v] of Object.entries(value)) remember(origins, file, [...layerPath, k], [...outPath, k], v);
}

function mergeValue(acc: unknown, value: unknown, file: ParsedFile, layerPath: YamlPath, outPath: YamlPath, origins: Origins): unknown {
  const reset = file.resets.has(pathKey(layerPath));
  if (isMapping(value)) {
    const fresh = reset || !isMapping(acc);
    if (fresh) forget(origins, outPath);
    origins.set(pathKey(outPath), { file, path: layerPath });
    const out: Record<string, unknown> = fresh ? {} : { ...acc };
    for (const [k, v] of Object.entries(value)) out[k] = mergeValue(out[k], v, file, [...layerPath, k], [...outPath, k], origins);
    return out;
  }
  if (Array.isArray(value)) {
    const fresh = reset || !Array.isArray(acc);
    if (fresh) forget(origins, outPath);
    origins.set(pathKey(outPath), { file, path: layerPath });
    const out: unknown[] = fresh ? [] : [...(acc as unknown[])];
    const seen = new Set(out.map((v) => JSON.stringify(v)));
    value.forEach((item, i) => {
      const key = JSON.stringify(item);
      if (seen.has(key)) return;
      seen.add(key);
      remember(origins, file, [...layerPath, i], [...outPath, out.length], item);
      out.push(item);
    });
    return out;
  }
  forget(origins, outPath);
  origins.set(pathKey(outPath), { file, path: layerPath });
  return value;
}

export interface Layer {
  file: ParsedFile;
  /** Where in the file the settings start: [] for a profile or container, ['defaults'] for machinist.yaml. */
  at: YamlPath;
  value: Record<string, unknown>;
}

/** Merge layers in order into one settings object and the origin of every value in it. */
export function mergeLayers(layers: readonly Layer[], skip: readonly string[] = []): { value: Record<string, unknown>; origins: Origins } {
  const origins: Origins = new Map();
  let value: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer.value)) {
      if (skip.includes(k)) continue;
      value = { ...value, [k]: mergeValue(value[k], v, layer.file, [...layer.at, k], [k], origins) };
    }
  }
  return { value, origins };
}

/** The origin of a merged path, or of its nearest ancestor that has one. */
export function originOf(origins: Origins, path: YamlPath): Origin | undefined {
  for (let n = path.length; n >= 1; n--) {
    const o = origins.get(pathKey(path.slice(0, n)));
    if (o) return { file: o.file, path: [...o.path, ...path.slice(n)] };
  }
  return undefined;
}
