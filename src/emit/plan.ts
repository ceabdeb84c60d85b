// Outputs + the state of the output directories → what to create, change and remove. Pure: the snapshot was
// read by existing.ts, and write.ts carries the plan out. Files and links machinist did not make, or that were
// edited since, are never in the plan: they are reported instead.
import { byCodeUnit } from '../order.js';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { Output, OutputDir } from '../translate/output.js';
import { fileDiff } from './diff.js';
import { entryKey, joinUnder } from './existing.js';
import type { Existing, Snapshot } from './existing.js';
import { modeOf } from './modes.js';
import { ownership, renderOwned } from './ownership.js';
import { expectHashes } from './sha256.js';
import type { Targets } from './targets.js';

export type Op = 'create' | 'change' | 'remove' | 'unchanged';

export interface Action {
  op: Op;
  dir: OutputDir;
  rel: string;
  path: string;
  kind: 'file' | 'symlink';
  /** New content (file) or link target (symlink); absent for remove. */
  content?: string;
  target?: string;
  diff?: string;
  container?: string;
  /** The mode of the new file (create, change): 0644, or 0600 for one made from a file others cannot read. */
  mode?: number;
}

export interface Plan {
  actions: Action[];
  /** Containers whose settings change: a running one needs a restart to pick the change up. */
  affected: string[];
  /** The manifest to write after the plan is carried out (compile only). */
  links: Record<string, string>;
  diagnostics: Diagnostic[];
  /** The last compile into this root was cut short: this plan completes it (compile only). */
  interrupted?: boolean;
}

export interface PlanOptions {
  /** Containers and slices that failed to compile this time: their earlier files are kept, not pruned. */
  protect?: { containers: ReadonlySet<string>; slices: ReadonlySet<string> };
  /** Unified diffs for `plan`/dry-run reports (default true); the generator, which shows none, skips them. */
  diffs?: boolean;
}

/**
 * A file or link machinist did not make, found where one of its outputs goes (also reported by the generator's
 * writer, for a path taken after the plan was made).
 */
export const foreignFile = (path: string, container: string | undefined, kind: 'file' | 'symlink' = 'file'): Diagnostic =>
  kind === 'symlink'
    ? diag('foreign-file', `${path} exists and was not made by machinist`, { file: path, container })
    : diag('foreign-file', `${path} exists and was not written by machinist; it is left as it is`, {
        file: path,
        container,
        hint: `Move it away (e.g. to ${path}.orig) and put its settings into the YAML; machinist never overwrites it.`,
      });

/** The container or slice an output path belongs to, for pruning decisions. */
export function ownerOf(dir: OutputDir, rel: string): { container?: string; slice?: string } {
  if (dir === 'nspawn') return { container: rel.replace(/\.nspawn$/, '') };
  const m = /^(?:machines\.target\.wants\/)?machine@(.+)\.service(?:\.d\/50-machinist\.conf)?$/.exec(rel);
  if (m) return { container: m[1]! };
  const s = /^machine-(.+)\.slice$/.exec(rel);
  return s ? { slice: s[1]! } : {};
}

const MISSING: Existing = { type: 'missing' };

/**
 * One action, always with the same properties in the same order (absent ones undefined), so that thousands of
 * them share one object shape instead of each being spread together from parts.
 */
function action(op: Op, dir: OutputDir, rel: string, path: string, kind: 'file' | 'symlink', container: string | undefined, content?: string, target?: string, diff?: string, mode?: number): Action {
  return { op, dir, rel, path, kind, content, target, diff, container, mode };
}

const octal = (mode: number) => `0${mode.toString(8)}`;

/** The diff of a change: the text's, or only the mode's when the text is the same. */
function changeDiff(cur: { text: string; mode: number }, content: string, mode: number, path: string): string {
  const modes = cur.mode === mode ? '' : `mode ${octal(cur.mode)} -> ${octal(mode)}\n`;
  return modes + fileDiff(cur.text, content, `a${path}`, `b${path}`);
}

/** A symbolic link where a directory belongs: never written into, reported like a file of someone else's. */
const linkedDir = (path: string, dir: string, container: string | undefined): Diagnostic =>
  diag('foreign-file', `${path} cannot be written: ${dir} is a symbolic link, not a directory; it is left as it is`, {
    file: dir,
    container,
    hint: `machinist writes only into real directories: replace ${dir} with a directory (or remove the container).`,
  });

export function plan(outputs: readonly Output[], snapshot: Snapshot, targets: Targets, opts: PlanOptions = {}): Plan {
  const actions: Action[] = [];
  const diagnostics: Diagnostic[] = [];
  const links: Record<string, string> = {};
  const wanted = new Set<string>();
  const label = (dir: OutputDir, rel: string) => joinUnder(targets.dirs[dir], rel);
  const withDiffs = opts.diffs !== false;
  expectHashes(outputs.length);

  // Nothing there yet (every boot, for the generator): then no path needs looking up or remembering.
  const found = snapshot.entries.size > 0;
  for (const o of outputs) {
    const key = entryKey(o.dir, o.rel);
    if (found) wanted.add(key);
    const path = label(o.dir, o.rel);
    const cur = (found && snapshot.entries.get(key)) || MISSING;
    const container = o.container || undefined;
    if (o.kind === 'symlink') {
      const ours = snapshot.links.get(key) === (cur.type === 'symlink' ? cur.target : undefined);
      if (cur.type === 'missing') {
        actions.push(action('create', o.dir, o.rel, path, 'symlink', container, undefined, o.target));
        links[key] = o.target;
      } else if (cur.type === 'symlink' && cur.target === o.target) {
        actions.push(action('unchanged', o.dir, o.rel, path, 'symlink', container, undefined, o.target));
        // A link the admin made by hand (systemctl enable) stays theirs: it is never added to the manifest.
        if (ours) links[key] = o.target;
      } else if (cur.type === 'symlink' && ours) {
        actions.push(action('change', o.dir, o.rel, path, 'symlink', container, undefined, o.target, withDiffs ? `-> ${cur.target}\n+> ${o.target}\n` : undefined));
        links[key] = o.target;
      } else {
        diagnostics.push(foreignFile(path, o.container, 'symlink'));
      }
      continue;
    }
    const content = renderOwned(o.doc);
    const mode = modeOf(o);
    if (cur.type === 'missing') {
      actions.push(action('create', o.dir, o.rel, path, 'file', container, content, undefined, withDiffs ? fileDiff('', content, '/dev/null', `b${path}`) : undefined, mode));
    } else if (cur.type === 'other' && cur.linkedDir) {
      diagnostics.push(linkedDir(path, cur.linkedDir, o.container));
    } else if (cur.type !== 'file') {
      diagnostics.push(diag('foreign-file', `${path} exists and is not a regular file`, { file: path, container: o.container }));
    } else if (cur.text === content && cur.mode === mode) {
      actions.push(action('unchanged', o.dir, o.rel, path, 'file', container, content, undefined, undefined, mode));
    } else {
      const who = ownership(cur.text);
      if (who === 'ours') actions.push(action('change', o.dir, o.rel, path, 'file', container, content, undefined, withDiffs ? changeDiff(cur, content, mode, path) : undefined, mode));
      else if (who === 'edited') diagnostics.push(diag('edited-file', `${path} was edited by hand since machinist wrote it; it is left as it is`, { file: path, container: o.container }));
      else diagnostics.push(foreignFile(path, o.container));
    }
  }

  // What is there but no longer wanted, in a fixed order; the wanted ones are left out before sorting.
  for (const key of [...snapshot.entries.keys()].filter((k) => !wanted.has(k)).sort(byCodeUnit)) {
    const cur = snapshot.entries.get(key)!;
    const dir = key.slice(0, key.indexOf(':')) as OutputDir;
    const rel = key.slice(key.indexOf(':') + 1);
    const path = label(dir, rel);
    const owner = ownerOf(dir, rel);
    if (owner.container && opts.protect?.containers.has(owner.container)) {
      if (snapshot.links.has(key)) links[key] = snapshot.links.get(key)!;
      continue;
    }
    if (owner.slice && opts.protect?.slices.has(owner.slice)) continue;
    const container = owner.container || undefined;
    if (cur.type === 'symlink' && snapshot.links.get(key) === cur.target) {
      actions.push(action('remove', dir, rel, path, 'symlink', container, undefined, undefined, withDiffs ? `-> ${cur.target}\n` : undefined));
    } else if (cur.type === 'file') {
      const who = ownership(cur.text);
      if (who === 'ours') actions.push(action('remove', dir, rel, path, 'file', container, undefined, undefined, withDiffs ? fileDiff(cur.text, '', `a${path}`, '/dev/null') : undefined));
      else if (who === 'edited') diagnostics.push(diag('edited-file', `${path} is no longer generated, but was edited by hand; it is left in place`, { file: path, severity: 'warning', hint: 'Delete it yourself once its settings are no longer needed.' }));
    }
  }
  actions.sort((a, b) => byCodeUnit(a.path, b.path));
  const affected = [...new Set(actions.filter((a) => a.op !== 'unchanged' && a.kind === 'file' && a.container).map((a) => a.container!))].sort();
  if (snapshot.diagnostics) diagnostics.push(...snapshot.diagnostics);
  return snapshot.interrupted ? { actions, affected, links, diagnostics, interrupted: true } : { actions, affected, links, diagnostics };
}
