// The state of the output directories before a compile: every path machinist may write or prune. This is
// the planner's only input from disk, read here so that the planner itself stays pure.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Output, OutputDir } from '../translate/output.js';
import type { Targets } from './targets.js';

export type Existing =
  | { type: 'missing' }
  | { type: 'file'; text: string }
  | { type: 'symlink'; target: string }
  | { type: 'other' };

export interface Snapshot {
  /** Keyed by `${dir}:${rel}`. */
  entries: Map<string, Existing>;
  /** Links machinist made earlier (from the manifest), as `${dir}:${rel}` → target. */
  links: Map<string, string>;
}

export const entryKey = (dir: OutputDir, rel: string) => `${dir}:${rel}`;

/** A relative path without empty, "." or ".." segments. */
const isPlainRel = (rel: string) => !(rel === '' || rel[0] === '/' || rel.endsWith('/') || rel.includes('//') || `/${rel}/`.includes('/./') || `/${rel}/`.includes('/../'));

const normalized = new Map<string, string>();
/**
 * join(dir, rel), for the thousands of output paths of a big run: the directory is normalised once, and a
 * relative path without empty, "." or ".." segments (every path machinist makes) is simply appended, which is
 * what join would return. Anything else goes through join.
 */
export function joinUnder(dir: string, rel: string): string {
  let base = normalized.get(dir);
  if (base === undefined) normalized.set(dir, (base = join(dir)));
  if (!isPlainRel(rel)) return join(dir, rel);
  if (base === '.') return rel;
  return base.endsWith('/') ? base + rel : `${base}/${rel}`;
}

function inspect(path: string): Existing {
  try {
    // Most paths do not exist yet (a first run, every boot): no exception for those.
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return { type: 'missing' };
    if (st.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(path) };
    if (st.isFile()) return { type: 'file', text: readFileSync(path, 'utf8') };
    return { type: 'other' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return { type: 'missing' };
    throw e;
  }
}

const list = (dir: string) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/** The names in a directory: empty when it does not exist; undefined when unknown (then every path is looked at). */
function listed(dir: string): Set<string> | undefined {
  try {
    return new Set(readdirSync(dir));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? new Set() : undefined;
  }
}

/** Paths a machinist output could have: what we may own from an earlier run. */
function candidates(targets: Targets): [OutputDir, string][] {
  const out: [OutputDir, string][] = [];
  for (const n of list(targets.dirs.nspawn)) if (n.endsWith('.nspawn')) out.push(['nspawn', n]);
  const unitDir = targets.dirs.unit;
  for (const n of list(unitDir)) {
    if (/^machine@.+\.service\.d$/.test(n)) {
      if (list(join(unitDir, n)).includes('50-machinist.conf')) out.push(['unit', `${n}/50-machinist.conf`]);
    } else if (/^machine-.+\.slice$/.test(n)) out.push(['unit', n]);
  }
  return out;
}

export function readSnapshot(targets: Targets, outputs: readonly Output[]): Snapshot {
  const links = new Map<string, string>();
  if (targets.manifest) {
    try {
      const m = JSON.parse(readFileSync(targets.manifest, 'utf8')) as { links?: Record<string, string> };
      for (const [k, v] of Object.entries(m.links ?? {})) links.set(k, v);
    } catch {
      // No manifest yet (first compile) or an unreadable one: then no link counts as ours.
    }
  }
  const entries = new Map<string, Existing>();
  const want: [OutputDir, string][] = [
    ...outputs.map((o) => [o.dir, o.rel] as [OutputDir, string]),
    ...candidates(targets),
    ...[...links.keys()].map((k) => [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)] as [OutputDir, string]),
  ];
  // Names in each output directory, read once: a path whose first component is not there is missing without
  // an lstat of its own (at boot the unit directory is empty, so that is nearly every path).
  const names = new Map<OutputDir, Set<string> | undefined>();
  const present = (dir: OutputDir, rel: string) => {
    if (!names.has(dir)) names.set(dir, listed(targets.dirs[dir]));
    const set = names.get(dir);
    const slash = rel.indexOf('/');
    return set === undefined || !isPlainRel(rel) || set.has(slash < 0 ? rel : rel.slice(0, slash));
  };
  for (const [dir, rel] of want) {
    const key = entryKey(dir, rel);
    if (!entries.has(key)) entries.set(key, present(dir, rel) ? inspect(joinUnder(targets.dirs[dir], rel)) : { type: 'missing' });
  }
  return { entries, links };
}
