// `machinist explain NAME`: every effective value of a container and the file:line it came from.
import { byCodeUnit } from '../order.js';
import { locate, pathKey } from '../load/parse.js';
import type { YamlPath } from '../load/parse.js';
import { seedLayers } from '../resolve/cloud-init.js';
import { mergeLayers, originOf } from '../resolve/merge.js';
import type { Origin } from '../resolve/merge.js';
import type { ContainerModel } from '../resolve/model.js';
import { translateSeed } from '../translate/cloud-init.js';
import { describeRoot, rootOf } from '../translate/image.js';

export interface ExplainRow {
  path: string;
  value: unknown;
  /** file:line:col, or "default" for a value machinist supplies. */
  from: string;
}

const defaults: [string, unknown][] = [
  ['boot', true],
  ['autostart', false],
  ['network.mode', 'host'],
];

const isScalar = (x: unknown) => x === null || typeof x !== 'object';

/** file:line:col of an origin, or "unknown". */
function where(o: Origin | undefined): string {
  const pos = o ? locate(o.file, o.path) : undefined;
  const at = o ? `${o.file.source.file}${pos ? `:${pos.line}:${pos.col}` : ''}` : 'unknown';
  // A value a security tier supplied names the tier, then where the tier was chosen.
  return o?.tier !== undefined ? `tier ${o.tier} (${at})` : at;
}

/**
 * Where a list of scalars came from: the list in the one file (and tier) all its items came from (one row), or else
 * each item's own file:line (one row per item), since merging appends the items of several layers.
 */
function listRows(c: ContainerModel, list: readonly unknown[], path: YamlPath): ExplainRow[] {
  const items = list.map((_, i) => c.origins.get(pathKey([...path, i])));
  const first = items[0];
  if (!first || items.every((o) => o?.file === first.file && o.tier === first.tier)) {
    const o =
      first && first.tier === undefined
        ? { file: first.file, path: first.path.slice(0, -1) }
        : (first ?? c.origins.get(pathKey(path)));
    return [{ path: path.join('.'), value: list, from: where(o) }];
  }
  return list.map((v, i) => ({ path: [...path, i].join('.'), value: v, from: where(items[i]) }));
}

/** A password hash is never printed: explain says where it is, not what it is. */
const shown = (path: YamlPath, v: unknown): unknown =>
  path[0] === 'users' && path[2] === 'password_hash' ? '(hidden)' : v;

export function explainRows(c: ContainerModel): ExplainRow[] {
  const rows: ExplainRow[] = [];
  const walk = (v: unknown, path: YamlPath) => {
    if (Array.isArray(v) && v.every(isScalar)) rows.push(...listRows(c, v, path));
    else if (!isScalar(v)) {
      for (const [k, x] of Object.entries(v as object)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
    } else rows.push({ path: path.join('.'), value: shown(path, v), from: where(c.origins.get(pathKey(path))) });
  };
  // cloud_init: is shown as merged with its template (seedRows); only the template's name is a setting here.
  const { cloud_init: ci, ...settings } = c.settings;
  walk(ci?.template === undefined ? settings : { ...settings, cloud_init: { template: ci.template } }, []);
  const have = new Set(rows.map((r) => r.path));
  for (const [p, v] of defaults) if (!have.has(p)) rows.push({ path: p, value: v, from: 'default' });
  rows.push(...imageRows(c, have), ...seedRows(c));
  return rows.sort((a, b) => byCodeUnit(a.path, b.path));
}

export function renderExplain(c: ContainerModel): string {
  const rows = explainRows(c);
  const width = Math.min(48, Math.max(...rows.map((r) => `${r.path} = ${JSON.stringify(r.value)}`.length)));
  return [
    `${c.name}: ${c.file.source.file}${c.profiles.length ? ` (profiles: ${c.profiles.join(', ')})` : ''}`,
    ...rows.map((r) => `  ${`${r.path} = ${JSON.stringify(r.value)}`.padEnd(width)}  ${r.from}`),
  ].join('\n');
}

/** For a declared image: where it comes from, its version and where the root is, from images/NAME.yaml. */
function imageRows(c: ContainerModel, have: ReadonlySet<string>): ExplainRow[] {
  const r = rootOf(c);
  if (!r) return [];
  const img = r.image;
  const at = (path: YamlPath) => {
    const pos = locate(img.file, path);
    return `${img.file.source.file}${pos ? `:${pos.line}:${pos.col}` : ''}`;
  };
  const rows: ExplainRow[] = [
    { path: 'image.source', value: img.location, from: at([img.remote ? 'url' : 'path']) },
    {
      path: 'image.format',
      value: img.format,
      from: (img.file.value as { format?: string }).format !== undefined ? at(['format']) : 'default',
    },
    { path: 'image.version', value: img.version, from: img.sha256 !== undefined ? at(['sha256']) : 'default' },
    { path: 'root', value: describeRoot(r), from: 'computed' },
  ];
  if (!have.has('storage')) rows.push({ path: 'storage', value: 'overlay', from: 'default' });
  return rows;
}

/**
 * For cloud_init: the seed's documents as merged (the template's values at its file:line, the container's at
 * theirs), where compile writes the seed and its instance-id (computed from its content).
 */
function seedRows(c: ContainerModel): ExplainRow[] {
  if (!c.cloudInit) return [];
  const template = c.layers.find((l) => l.source.kind === 'cloud-init');
  const { value, origins } = mergeLayers(seedLayers(c, template));
  const originAt = (path: YamlPath): Origin | undefined => {
    const o = origins.get(pathKey(path));
    return o?.file === template ? o : o && originOf(c.origins, o.path);
  };
  const rows: ExplainRow[] = [];
  // A list of scalars from one file is one row, as in explainRows; merged from two, one row per item.
  const oneFile = (list: unknown[], path: YamlPath) =>
    new Set(list.map((_, i) => originAt([...path, i])?.file)).size < 2;
  const walk = (v: unknown, path: YamlPath) => {
    if (isScalar(v) || (Array.isArray(v) && v.every(isScalar) && oneFile(v, path)))
      rows.push({ path: ['cloud_init', ...path].join('.'), value: v, from: where(originAt(path)) });
    else for (const [k, x] of Object.entries(v as object)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(value, []);
  const seed = translateSeed(c, '/etc/systemd/nspawn', []);
  if (seed) {
    rows.push({ path: 'cloud_init.seed', value: seed.bind.source, from: 'computed' });
    rows.push({ path: 'cloud_init.instance-id', value: seed.instanceId, from: 'computed' });
  }
  return rows;
}
