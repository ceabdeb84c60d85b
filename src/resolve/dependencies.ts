// after:/requires: between containers: every name must exist and the ordering must have no cycle. A container
// with a broken reference moves to `failed`; names of failed containers are still valid targets, because their
// units exist (as failing units in the generator). References of containers that failed for other reasons are
// still checked, so that one run reports every problem.
import { diag } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { locate } from '../load/parse.js';
import type { ContainerModel, Model } from './model.js';
import { diagAt, failedWith } from './model.js';

type Edge = { to: string; key: 'after' | 'requires'; index: number };

const noEdges: readonly Edge[] = [];

/** The string entries of a list setting as edges; `index` counts the string entries only. */
function addEdges(out: Edge[], v: unknown, key: 'after' | 'requires'): void {
  if (!Array.isArray(v)) return;
  let index = 0;
  for (let i = 0; i < v.length; i++) {
    const to: unknown = v[i];
    if (typeof to === 'string') out.push({ to, key, index: index++ });
  }
}

/** after: edges, then requires: edges. Most containers have none, and share one empty list. */
function edgesOf(s: { after?: unknown; requires?: unknown }): readonly Edge[] {
  if (s.after === undefined && s.requires === undefined) return noEdges;
  const out: Edge[] = [];
  addEdges(out, s.after, 'after');
  addEdges(out, s.requires, 'requires');
  return out;
}

const unknown = (e: Edge, allNames: ReadonlySet<string>) => {
  const hint = didYouMean(e.to, allNames);
  return [`container "${e.to}" has no file containers/${e.to}.yaml`, hint ? { hint } : {}] as const;
};

/** Failed containers' references are checked too (their own failure may have nothing to do with them). */
function checkFailed(model: Model, allNames: ReadonlySet<string>, out: Diagnostic[]): void {
  for (const [name, f] of model.failed) {
    if (!f.merged && !f.file) continue;
    const settings = f.merged ? f.merged.settings : ((f.file?.value ?? {}) as Record<string, unknown>);
    for (const e of edgesOf(settings)) {
      if (e.to === name || allNames.has(e.to)) continue;
      const [message, init] = unknown(e, allNames);
      const at = [e.key, e.index];
      const d = f.merged
        ? diagAt(f.merged, 'unknown-container', message, at, init)
        : diag('unknown-container', message, {
            file: f.file!.source.file,
            path: at,
            pos: locate(f.file!, at),
            container: name,
            ...init,
          });
      out.push(d);
      f.errors.push(d);
    }
  }
}

/** Depth-first search; a back edge closes a cycle, reported once at the edge that closes it. */
function findCycles(
  model: Model,
  byName: Map<string, ContainerModel>,
  edges: Map<string, readonly Edge[]>,
  fail: (name: string, d: Diagnostic, members?: Iterable<string>) => void,
): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (c: ContainerModel) => {
    state.set(c.name, 'open');
    stack.push(c.name);
    const list = edges.get(c.name)!;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const next = byName.get(e.to);
      if (!next || e.to === c.name) continue;
      if (state.get(e.to) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(e.to)), e.to];
        fail(c.name, diagAt(c, 'dependency-cycle', `ordering cycle: ${cycle.join(' → ')}`, [e.key, e.index]), cycle);
      } else if (!state.has(e.to)) visit(next);
    }
    stack.pop();
    state.set(c.name, 'done');
  };
  for (const c of model.containers) if (!state.has(c.name)) visit(c);
}

export function checkDependencies(model: Model, allNames: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bad = new Map<string, Diagnostic[]>();
  /** `d` fails `name`, and the other members of its cycle (reported once, at `name`). */
  const fail = (name: string, d: Diagnostic, members: Iterable<string> = []) => {
    out.push(d);
    bad.set(name, [...(bad.get(name) ?? []), d]);
    for (const m of new Set(members)) if (m !== name) bad.set(m, [...(bad.get(m) ?? []), d]);
  };
  // Edges are worked out once per container, for this check and for the search below.
  const byName = new Map<string, ContainerModel>();
  const edges = new Map<string, readonly Edge[]>();
  for (const c of model.containers) {
    byName.set(c.name, c);
    const list = edgesOf(c.settings);
    edges.set(c.name, list);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.to === c.name) {
        fail(c.name, diagAt(c, 'dependency-cycle', `container "${c.name}" is ordered after itself`, [e.key, e.index]));
      } else if (!allNames.has(e.to)) {
        const [message, init] = unknown(e, allNames);
        fail(c.name, diagAt(c, 'unknown-container', message, [e.key, e.index], init));
      }
    }
  }
  checkFailed(model, allNames, out);
  findCycles(model, byName, edges, fail);
  if (!bad.size) return out;
  for (const [name, errors] of bad) model.failed.set(name, failedWith(byName.get(name)!, errors));
  model.containers = model.containers.filter((c) => !bad.has(c.name));
  return out;
}
