// `machinist explain NAME`: every effective value of a container and the file:line it came from.
import { byCodeUnit } from '../order.js';
import { locate, pathKey } from '../load/parse.js';
import type { YamlPath } from '../load/parse.js';
import type { ContainerModel } from '../resolve/model.js';

export interface ExplainRow {
  path: string;
  value: unknown;
  /** file:line:col, or "default" for a value machinist supplies. */
  from: string;
}

const defaults: [string, unknown][] = [['boot', true], ['autostart', false], ['network.mode', 'host']];

export function explainRows(c: ContainerModel): ExplainRow[] {
  const rows: ExplainRow[] = [];
  const walk = (v: unknown, path: YamlPath) => {
    if (v !== null && typeof v === 'object' && !(Array.isArray(v) && v.every((x) => typeof x !== 'object'))) {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
      return;
    }
    const o = c.origins.get(pathKey(path));
    const pos = o ? locate(o.file, o.path) : undefined;
    rows.push({ path: path.join('.'), value: v, from: o ? `${o.file.source.file}${pos ? `:${pos.line}:${pos.col}` : ''}` : 'unknown' });
  };
  walk(c.settings, []);
  const have = new Set(rows.map((r) => r.path));
  for (const [p, v] of defaults) if (!have.has(p)) rows.push({ path: p, value: v, from: 'default' });
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
