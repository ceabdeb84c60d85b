// Outputs + the state of the output directories → what to create, change and remove. Pure: the snapshot was
// read by existing.ts, and write.ts carries the plan out. Files and links machinist did not make, or that were
// edited since, are never in the plan: they are reported instead.
import { byCodeUnit } from '../order.js';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { machineOfMountUnit, machineOfRootDropin } from '../translate/image.js';
import { credentialOwner, maskSecrets, PASSWORDS_CREDENTIAL } from '../translate/credentials.js';
import type { Output, OutputDir, Shared } from '../translate/output.js';
import { fileDiff } from './diff.js';
import { entryKey, joinUnder } from './existing.js';
import type { Existing, Snapshot } from './existing.js';
import { modeOf } from './modes.js';
import { ownership, renderOwned, requiredFirstLine } from './ownership.js';
import { expectHashes } from '../hash/sha256.js';
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
  /** The file's text before (change, remove): what emit/classify.ts compares, key by key. */
  before?: string;
  /** A created or changed file of an image version or a pod: the containers that run with it. */
  shared?: Shared;
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
export const foreignFile = (
  path: string,
  container: string | undefined,
  kind: 'file' | 'symlink' = 'file',
): Diagnostic =>
  kind === 'symlink'
    ? diag('foreign-file', `${path} exists and was not made by machinist`, { file: path, container })
    : diag('foreign-file', `${path} exists and was not written by machinist; it is left as it is`, {
        file: path,
        container,
        hint: `Move it away (e.g. to ${path}.orig) and put its settings into the YAML; machinist never overwrites it.`,
      });

/** The container or slice an output path belongs to, for pruning decisions. */
export function ownerOf(dir: OutputDir, rel: string): { container?: string; slice?: string } {
  if (dir === 'nspawn') return { container: rel.replace(/\.nspawn$|\.cloud-init\/[^/]+$/, '') };
  if (dir === 'credstore') return { container: credentialOwner(rel) };
  const m = /^(?:machines\.target\.wants\/)?machine@(.+)\.service(?:\.d\/50-machinist\.conf)?$/.exec(rel);
  if (m) return { container: m[1]! };
  const root = machineOfRootDropin(rel);
  if (root !== undefined) return { container: root };
  const mounted = machineOfMountUnit(rel);
  if (mounted !== undefined) return { container: mounted };
  const s = /^machine-(.+)\.slice$/.exec(rel);
  return s ? { slice: s[1]! } : {};
}

const MISSING: Existing = { type: 'missing' };

/**
 * One action, always with the same properties in the same order (absent ones undefined), so that thousands of
 * them share one object shape instead of each being spread together from parts.
 */
function action(
  op: Op,
  dir: OutputDir,
  rel: string,
  path: string,
  kind: 'file' | 'symlink',
  container: string | undefined,
  content?: string,
  target?: string,
  diff?: string,
  mode?: number,
  before?: string,
  shared?: Shared,
): Action {
  return { op, dir, rel, path, kind, content, target, diff, container, mode, before, shared };
}

const octal = (mode: number) => `0${mode.toString(8)}`;

/** A file whose diff must not show its values: the password hashes of a container (credentials.ts). */
const isSecret = (rel: string) => rel.endsWith(`@${PASSWORDS_CREDENTIAL}`);

/** The diff of two texts of an output, with the password hashes of a secret one hidden. */
function outputDiff(rel: string, before: string, after: string, from: string, to: string): string {
  if (!isSecret(rel)) return fileDiff(before, after, from, to);
  const shown = fileDiff(maskSecrets(before), maskSecrets(after), from, to);
  return shown || before === after ? shown : 'password hashes changed (not shown)\n';
}

/** The diff of a change: the text's, or only the mode's when the text is the same. */
function changeDiff(cur: { text: string; mode: number }, content: string, mode: number, path: string, rel: string) {
  const modes = cur.mode === mode ? '' : `mode ${octal(cur.mode)} -> ${octal(mode)}\n`;
  return modes + outputDiff(rel, cur.text, content, `a${path}`, `b${path}`);
}

/** A symbolic link where a directory belongs: never written into, reported like a file of someone else's. */
const linkedDir = (path: string, dir: string, container: string | undefined): Diagnostic =>
  diag('foreign-file', `${path} cannot be written: ${dir} is a symbolic link, not a directory; it is left as it is`, {
    file: dir,
    container,
    hint: `machinist writes only into real directories: replace ${dir} with a directory (or remove the container).`,
  });

/** What planning collects: the actions, the problems found, the manifest's links, and whether diffs are made. */
interface Planning {
  actions: Action[];
  diagnostics: Diagnostic[];
  links: Record<string, string>;
  withDiffs: boolean;
}

/** Plan one wanted symlink against what is at its path (`ours`: the manifest records that very link). */
function planLink(
  p: Planning,
  o: Output & { kind: 'symlink' },
  key: string,
  path: string,
  cur: Existing,
  ours: boolean,
) {
  const container = o.container || undefined;
  if (cur.type === 'missing') {
    p.actions.push(action('create', o.dir, o.rel, path, 'symlink', container, undefined, o.target));
    p.links[key] = o.target;
  } else if (cur.type === 'symlink' && cur.target === o.target) {
    p.actions.push(action('unchanged', o.dir, o.rel, path, 'symlink', container, undefined, o.target));
    // A link the admin made by hand (systemctl enable) stays theirs: it is never added to the manifest.
    if (ours) p.links[key] = o.target;
  } else if (cur.type === 'symlink' && ours) {
    const diff = p.withDiffs ? `-> ${cur.target}\n+> ${o.target}\n` : undefined;
    p.actions.push(action('change', o.dir, o.rel, path, 'symlink', container, undefined, o.target, diff));
    p.links[key] = o.target;
  } else {
    p.diagnostics.push(foreignFile(path, o.container, 'symlink'));
  }
}

/** Plan one wanted file against what is at its path: create, leave, change, or refuse to touch it. */
function planFile(p: Planning, o: Output & { kind: 'file' }, path: string, cur: Existing) {
  const container = o.container || undefined;
  const content = renderOwned(o.doc);
  const mode = modeOf(o);
  if (cur.type === 'missing') {
    const diff = p.withDiffs ? outputDiff(o.rel, '', content, '/dev/null', `b${path}`) : undefined;
    p.actions.push(
      action('create', o.dir, o.rel, path, 'file', container, content, undefined, diff, mode, undefined, o.shared),
    );
  } else if (cur.type === 'other' && cur.linkedDir) {
    p.diagnostics.push(linkedDir(path, cur.linkedDir, o.container));
  } else if (cur.type !== 'file') {
    const message = `${path} exists and is not a regular file`;
    p.diagnostics.push(diag('foreign-file', message, { file: path, container: o.container }));
  } else if (cur.text === content && cur.mode === mode) {
    p.actions.push(action('unchanged', o.dir, o.rel, path, 'file', container, content, undefined, undefined, mode));
  } else {
    const who = ownership(cur.text, requiredFirstLine(o.rel));
    if (who === 'ours') {
      const diff = p.withDiffs ? changeDiff(cur, content, mode, path, o.rel) : undefined;
      p.actions.push(
        action('change', o.dir, o.rel, path, 'file', container, content, undefined, diff, mode, cur.text, o.shared),
      );
    } else if (who === 'edited') {
      const message = `${path} was edited by hand since machinist wrote it; it is left as it is`;
      p.diagnostics.push(diag('edited-file', message, { file: path, container: o.container }));
    } else p.diagnostics.push(foreignFile(path, o.container));
  }
}

/** Plan the removal of what is there but no longer wanted (`gone`, in a fixed order), unless it is protected. */
function planRemovals(p: Planning, gone: string[], snapshot: Snapshot, targets: Targets, opts: PlanOptions) {
  for (const key of gone) {
    const cur = snapshot.entries.get(key)!;
    const dir = key.slice(0, key.indexOf(':')) as OutputDir;
    const rel = key.slice(key.indexOf(':') + 1);
    const path = joinUnder(targets.dirs[dir], rel);
    const owner = ownerOf(dir, rel);
    if (owner.container && opts.protect?.containers.has(owner.container)) {
      if (snapshot.links.has(key)) p.links[key] = snapshot.links.get(key)!;
      continue;
    }
    if (owner.slice && opts.protect?.slices.has(owner.slice)) continue;
    const container = owner.container || undefined;
    if (cur.type === 'symlink' && snapshot.links.get(key) === cur.target) {
      const diff = p.withDiffs ? `-> ${cur.target}\n` : undefined;
      p.actions.push(action('remove', dir, rel, path, 'symlink', container, undefined, undefined, diff));
    } else if (cur.type === 'file') {
      const who = ownership(cur.text, requiredFirstLine(rel));
      if (who === 'ours') {
        const diff = p.withDiffs ? outputDiff(rel, cur.text, '', `a${path}`, '/dev/null') : undefined;
        p.actions.push(
          action('remove', dir, rel, path, 'file', container, undefined, undefined, diff, undefined, cur.text),
        );
      } else if (who === 'edited') {
        const message = `${path} is no longer generated, but was edited by hand; it is left in place`;
        const hint = 'Delete it yourself once its settings are no longer needed.';
        p.diagnostics.push(diag('edited-file', message, { file: path, severity: 'warning', hint }));
      }
    }
  }
}

export function plan(outputs: readonly Output[], snapshot: Snapshot, targets: Targets, opts: PlanOptions = {}): Plan {
  const p: Planning = { actions: [], diagnostics: [], links: {}, withDiffs: opts.diffs !== false };
  const wanted = new Set<string>();
  expectHashes(outputs.length);
  // Nothing there yet (every boot, for the generator): then no path needs looking up or remembering.
  const found = snapshot.entries.size > 0;
  for (const o of outputs) {
    const key = entryKey(o.dir, o.rel);
    if (found) wanted.add(key);
    const path = joinUnder(targets.dirs[o.dir], o.rel);
    const cur = (found && snapshot.entries.get(key)) || MISSING;
    if (o.kind === 'symlink') {
      const ours = snapshot.links.get(key) === (cur.type === 'symlink' ? cur.target : undefined);
      planLink(p, o, key, path, cur, ours);
    } else planFile(p, o, path, cur);
  }
  // What is there but no longer wanted, in a fixed order; the wanted ones are left out before sorting.
  const gone = [...snapshot.entries.keys()].filter((k) => !wanted.has(k)).sort(byCodeUnit);
  planRemovals(p, gone, snapshot, targets, opts);
  const { actions, links, diagnostics } = p;
  actions.sort((a, b) => byCodeUnit(a.path, b.path));
  const changed = actions.filter((a) => a.op !== 'unchanged' && a.kind === 'file' && a.container);
  const affected = [...new Set(changed.map((a) => a.container!))].sort();
  if (snapshot.diagnostics) diagnostics.push(...snapshot.diagnostics);
  const result = { actions, affected, links, diagnostics };
  return snapshot.interrupted ? { ...result, interrupted: true } : result;
}
