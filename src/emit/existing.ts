// The state of the output directories before a compile: every path machinist may write or prune. This is
// the planner's only input from disk, read here so that the planner itself stays pure.
import { constants, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { NotRegularFile, readRegularFile } from '../fs/read.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { Output, OutputDir } from '../translate/output.js';
import { isCredentialFile } from '../translate/credentials.js';
import { isPortUnit } from '../translate/pod.js';
import { readRecord } from './manifest.js';
import type { Targets } from './targets.js';

export type Existing =
  | { type: 'missing' }
  | { type: 'file'; text: string; mode: number }
  | { type: 'symlink'; target: string }
  /** Not a file or link; `linkedDir` names the symbolic link that stands where its directory belongs. */
  | { type: 'other'; linkedDir?: string };

export interface Snapshot {
  /** What is there, keyed by `${dir}:${rel}`; a path that is not in it is missing. */
  entries: Map<string, Existing>;
  /** Links machinist made earlier (from the manifest and an unfinished compile's journal), `${dir}:${rel}` → target. */
  links: Map<string, string>;
  /** The last compile into this root was cut short (its journal is there). */
  interrupted?: boolean;
  /** Problems with the record of links (compile only). */
  diagnostics?: Diagnostic[];
}

export const entryKey = (dir: OutputDir, rel: string) => `${dir}:${rel}`;

/** A relative path without empty, "." or ".." segments (tested without building a string: it runs per output). */
const isPlainRel = (rel: string) =>
  !(
    rel === '' ||
    rel[0] === '/' ||
    rel.endsWith('/') ||
    rel.includes('//') ||
    rel === '.' ||
    rel === '..' ||
    rel.startsWith('./') ||
    rel.startsWith('../') ||
    rel.endsWith('/.') ||
    rel.endsWith('/..') ||
    rel.includes('/./') ||
    rel.includes('/../')
  );

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

/** A regular file's text: O_NOFOLLOW and O_NONBLOCK, so that nothing swapped in since it was looked at is
 *  followed or blocks the read. */
const readFile = (path: string): Existing => {
  const stat = { mode: 0 };
  const text = readRegularFile(path, constants.O_NOFOLLOW, stat);
  return { type: 'file', text, mode: stat.mode & 0o7777 };
};

function inspect(path: string): Existing {
  try {
    // Most paths do not exist yet (a first run, every boot): no exception for those.
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return { type: 'missing' };
    if (st.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(path) };
    if (st.isFile()) return readFile(path);
    return { type: 'other' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      return { type: 'missing' };
    if (e instanceof NotRegularFile) return { type: 'other' }; // replaced since the lstat
    throw e;
  }
}

/**
 * What is at `path`, when its directory listing already gave its type: a regular file is read without an lstat,
 * a link read without one. Anything unexpected (it changed since the listing) is looked at from scratch.
 */
function inspectKnown(path: string, entry: Dirent): Existing {
  try {
    if (entry.isFile()) return readFile(path);
    if (entry.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(path) };
    if (entry.isDirectory() || entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice())
      return { type: 'other' };
  } catch (e) {
    if (
      !(e instanceof NotRegularFile) &&
      !['ELOOP', 'EINVAL', 'ENOENT', 'ENXIO', 'EISDIR'].includes((e as NodeJS.ErrnoException).code ?? '')
    )
      throw e;
  }
  return inspect(path);
}

/**
 * The entries of a directory by name (with their types, from the same getdents): empty when it does not exist;
 * undefined when unknown (then every path is looked at).
 */
function listed(dir: string): Map<string, Dirent> | undefined {
  try {
    return new Map(readdirSync(dir, { withFileTypes: true }).map((d) => [d.name, d]));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? new Map() : undefined;
  }
}

const list = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

const SEED_FILES = ['meta-data', 'network-config', 'user-data'];

/** Paths a machinist output could have: what we may own from an earlier run. */
function candidates(
  targets: Targets,
  names: Record<OutputDir, Map<string, Dirent> | undefined>,
): [OutputDir, string][] {
  const out: [OutputDir, string][] = [];
  const listing = (dir: OutputDir) => [...(names[dir]?.keys() ?? list(targets.dirs[dir]))].sort();
  for (const n of listing('nspawn')) {
    if (n.endsWith('.nspawn')) out.push(['nspawn', n]);
    // A cloud-init seed (translate/cloud-init.ts), never through a symbolic link.
    else if (n.endsWith('.cloud-init') && !names.nspawn?.get(n)?.isSymbolicLink()) {
      for (const f of list(join(targets.dirs.nspawn, n)).sort())
        if (SEED_FILES.includes(f)) out.push(['nspawn', `${n}/${f}`]);
    }
  }
  for (const n of listing('credstore')) if (isCredentialFile(n)) out.push(['credstore', n]);
  const unitDir = targets.dirs.unit;
  for (const n of listing('unit')) {
    // Never through a symbolic link: what is behind it is not machinist's to prune.
    if (names.unit?.get(n)?.isSymbolicLink()) continue;
    if (/^machine@.+\.service\.d$/.test(n)) {
      if (list(join(unitDir, n)).includes('50-machinist.conf')) out.push(['unit', `${n}/50-machinist.conf`]);
    } else if (/^machinist-(?:image|image-fs|overlay|copy|pod)@.+\.service\.d$/.test(n)) {
      if (list(join(unitDir, n)).includes('50-machinist.conf')) out.push(['unit', `${n}/50-machinist.conf`]);
    } else if (/^machine-.+\.slice$/.test(n) || /^var-lib-machines-.+\.mount$/.test(n) || isPortUnit(n)) {
      out.push(['unit', n]);
    }
  }
  return out;
}

export function readSnapshot(targets: Targets, outputs: readonly Output[]): Snapshot {
  const record = targets.manifest ? readRecord(targets.manifest) : undefined;
  const links = record?.links ?? new Map<string, string>();
  const entries = new Map<string, Existing>();
  // Names in each output directory, read once: a path whose first component is not there is missing without
  // an lstat of its own, or even its key (at boot the unit directory is empty, so that is nearly every path),
  // and a name found there comes with its type.
  const names = {
    nspawn: listed(targets.dirs.nspawn),
    unit: listed(targets.dirs.unit),
    credstore: listed(targets.dirs.credstore),
  };
  const look = (dir: OutputDir, rel: string) => {
    const set = names[dir];
    const plain = set !== undefined && isPlainRel(rel);
    const slash = rel.indexOf('/');
    const entry = plain ? set.get(slash < 0 ? rel : rel.slice(0, slash)) : undefined;
    if (plain && entry === undefined) return;
    const key = entryKey(dir, rel);
    if (entries.has(key)) return;
    const path = joinUnder(targets.dirs[dir], rel);
    if (slash > 0 && entry?.isSymbolicLink()) {
      entries.set(key, { type: 'other', linkedDir: joinUnder(targets.dirs[dir], rel.slice(0, slash)) });
      return;
    }
    const found = entry !== undefined && slash < 0 ? inspectKnown(path, entry) : inspect(path);
    if (found.type !== 'missing') entries.set(key, found);
  };
  for (const o of outputs) look(o.dir, o.rel);
  for (const [dir, rel] of candidates(targets, names)) look(dir, rel);
  for (const k of links.keys()) look(k.slice(0, k.indexOf(':')) as OutputDir, k.slice(k.indexOf(':') + 1));
  if (!record) return { entries, links };
  return { entries, links, interrupted: record.interrupted, diagnostics: record.diagnostics };
}
