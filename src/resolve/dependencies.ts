// after:/requires: between containers: every name must exist and the ordering must have no cycle. A container
// with a broken reference moves to `failed`; names of failed containers are still valid targets, because their
// units exist (as failing units in the generator).
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { ContainerModel, Model } from './model.js';
import { diagAt } from './model.js';

type Edge = { to: string; key: 'after' | 'requires'; index: number };

const edgesOf = (c: ContainerModel): Edge[] => [
  ...(c.settings.after ?? []).map((to, index) => ({ to, key: 'after' as const, index })),
  ...(c.settings.requires ?? []).map((to, index) => ({ to, key: 'requires' as const, index })),
];

export function checkDependencies(model: Model, allNames: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const bad = new Map<string, Diagnostic[]>();
  const fail = (c: ContainerModel, d: Diagnostic) => {
    out.push(d);
    bad.set(c.name, [...(bad.get(c.name) ?? []), d]);
  };
  const byName = new Map(model.containers.map((c) => [c.name, c]));
  for (const c of model.containers) {
    for (const e of edgesOf(c)) {
      if (e.to === c.name) {
        fail(c, diagAt(c, 'dependency-cycle', `container "${c.name}" is ordered after itself`, [e.key, e.index]));
      } else if (!allNames.has(e.to)) {
        const hint = didYouMean(e.to, allNames);
        fail(c, diagAt(c, 'unknown-container', `container "${e.to}" has no file containers/${e.to}.yaml`, [e.key, e.index], hint ? { hint } : {}));
      }
    }
  }
  // Depth-first search; a back edge closes a cycle, reported once at the edge that closes it.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (c: ContainerModel) => {
    state.set(c.name, 'open');
    stack.push(c.name);
    for (const e of edgesOf(c)) {
      const next = byName.get(e.to);
      if (!next || e.to === c.name) continue;
      if (state.get(e.to) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(e.to)), e.to];
        const d = diagAt(c, 'dependency-cycle', `ordering cycle: ${cycle.join(' → ')}`, [e.key, e.index]);
        for (const name of new Set(cycle)) {
          const member = byName.get(name)!;
          if (name === c.name) fail(member, d);
          else bad.set(name, [...(bad.get(name) ?? []), d]);
        }
      } else if (!state.has(e.to)) visit(next);
    }
    stack.pop();
    state.set(c.name, 'done');
  };
  for (const c of model.containers) if (!state.has(c.name)) visit(c);
  for (const [name, errors] of bad) {
    const c = byName.get(name)!;
    model.failed.set(name, { file: c.file, errors });
  }
  model.containers = model.containers.filter((c) => !bad.has(c.name));
  return out;
}
