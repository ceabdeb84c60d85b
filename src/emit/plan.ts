// Outputs + the state of the output directories → what to create, change and remove. Pure: the snapshot was
// read by existing.ts, and write.ts carries the plan out. Files and links machinist did not make, or that were
// edited since, are never in the plan: they are reported instead.
import { byCodeUnit } from '../order.js';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { Output, OutputDir } from '../translate/output.js';
import { unifiedDiff } from './diff.js';
import { entryKey, joinUnder } from './existing.js';
import type { Snapshot } from './existing.js';
import { ownership, renderOwned } from './ownership.js';
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
}

export interface Plan {
  actions: Action[];
  /** Containers whose settings change: a running one needs a restart to pick the change up. */
  affected: string[];
  /** The manifest to write after the plan is carried out (compile only). */
  links: Record<string, string>;
  diagnostics: Diagnostic[];
}

export interface PlanOptions {
  /** Containers and slices that failed to compile this time: their earlier files are kept, not pruned. */
  protect?: { containers: ReadonlySet<string>; slices: ReadonlySet<string> };
  /** Unified diffs for `plan`/dry-run reports (default true); the generator, which shows none, skips them. */
  diffs?: boolean;
}

/** The container or slice an output path belongs to, for pruning decisions. */
export function ownerOf(dir: OutputDir, rel: string): { container?: string; slice?: string } {
  if (dir === 'nspawn') return { container: rel.replace(/\.nspawn$/, '') };
  const m = /^(?:machines\.target\.wants\/)?machine@(.+)\.service(?:\.d\/50-machinist\.conf)?$/.exec(rel);
  if (m) return { container: m[1]! };
  const s = /^machine-(.+)\.slice$/.exec(rel);
  return s ? { slice: s[1]! } : {};
}

export function plan(outputs: readonly Output[], snapshot: Snapshot, targets: Targets, opts: PlanOptions = {}): Plan {
  const actions: Action[] = [];
  const diagnostics: Diagnostic[] = [];
  const links: Record<string, string> = {};
  const wanted = new Set<string>();
  const label = (dir: OutputDir, rel: string) => joinUnder(targets.dirs[dir], rel);
  const withDiffs = opts.diffs !== false;
  /** The diff only when asked for: `diff` is then absent, as for an unchanged file. */
  const diffOf = (make: () => string): { diff?: string } => (withDiffs ? { diff: make() } : {});

  for (const o of outputs) {
    const key = entryKey(o.dir, o.rel);
    wanted.add(key);
    const path = label(o.dir, o.rel);
    const cur = snapshot.entries.get(key) ?? { type: 'missing' as const };
    const base = { dir: o.dir, rel: o.rel, path, kind: o.kind, ...(o.container ? { container: o.container } : {}) };
    if (o.kind === 'symlink') {
      const ours = snapshot.links.get(key) === (cur.type === 'symlink' ? cur.target : undefined);
      if (cur.type === 'missing') {
        actions.push({ ...base, op: 'create', target: o.target });
        links[key] = o.target;
      } else if (cur.type === 'symlink' && cur.target === o.target) {
        actions.push({ ...base, op: 'unchanged', target: o.target });
        // A link the admin made by hand (systemctl enable) stays theirs: it is never added to the manifest.
        if (ours) links[key] = o.target;
      } else if (cur.type === 'symlink' && ours) {
        actions.push({ ...base, op: 'change', target: o.target, ...diffOf(() => `-> ${cur.target}\n+> ${o.target}\n`) });
        links[key] = o.target;
      } else {
        diagnostics.push(diag('foreign-file', `${path} exists and was not made by machinist`, { file: path, container: o.container }));
      }
      continue;
    }
    const content = renderOwned(o.doc);
    if (cur.type === 'missing') {
      actions.push({ ...base, op: 'create', content, ...diffOf(() => unifiedDiff('', content, '/dev/null', `b${path}`)) });
    } else if (cur.type !== 'file') {
      diagnostics.push(diag('foreign-file', `${path} exists and is not a regular file`, { file: path, container: o.container }));
    } else if (cur.text === content) {
      actions.push({ ...base, op: 'unchanged', content });
    } else {
      const who = ownership(cur.text);
      if (who === 'ours') actions.push({ ...base, op: 'change', content, ...diffOf(() => unifiedDiff(cur.text, content, `a${path}`, `b${path}`)) });
      else if (who === 'edited') diagnostics.push(diag('edited-file', `${path} was edited by hand since machinist wrote it; it is left as it is`, { file: path, container: o.container }));
      else diagnostics.push(diag('foreign-file', `${path} exists and was not written by machinist; it is left as it is`, { file: path, container: o.container, hint: `Move it away (e.g. to ${path}.orig) and put its settings into the YAML; machinist never overwrites it.` }));
    }
  }

  for (const [key, cur] of [...snapshot.entries].sort(([a], [b]) => byCodeUnit(a, b))) {
    if (wanted.has(key)) continue;
    const dir = key.slice(0, key.indexOf(':')) as OutputDir;
    const rel = key.slice(key.indexOf(':') + 1);
    const path = label(dir, rel);
    const owner = ownerOf(dir, rel);
    if (owner.container && opts.protect?.containers.has(owner.container)) {
      if (snapshot.links.has(key)) links[key] = snapshot.links.get(key)!;
      continue;
    }
    if (owner.slice && opts.protect?.slices.has(owner.slice)) continue;
    const base = { dir, rel, path, ...(owner.container ? { container: owner.container } : {}) };
    if (cur.type === 'symlink' && snapshot.links.get(key) === cur.target) {
      actions.push({ ...base, kind: 'symlink', op: 'remove', ...diffOf(() => `-> ${cur.target}\n`) });
    } else if (cur.type === 'file') {
      const who = ownership(cur.text);
      if (who === 'ours') actions.push({ ...base, kind: 'file', op: 'remove', ...diffOf(() => unifiedDiff(cur.text, '', `a${path}`, '/dev/null')) });
      else if (who === 'edited') diagnostics.push(diag('edited-file', `${path} is no longer generated, but was edited by hand; it is left in place`, { file: path, severity: 'warning', hint: 'Delete it yourself once its settings are no longer needed.' }));
    }
  }
  actions.sort((a, b) => byCodeUnit(a.path, b.path));
  const affected = [...new Set(actions.filter((a) => a.op !== 'unchanged' && a.kind === 'file' && a.container).map((a) => a.container!))].sort();
  return { actions, affected, links, diagnostics };
}
