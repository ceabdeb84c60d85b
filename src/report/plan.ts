// A plan for people (what would change, with diffs) and for tools (JSON).
import type { UnitChange } from '../emit/classify.js';
import type { Plan } from '../emit/plan.js';
import { changesJSON, renderChanges } from './changes.js';

export function counts(p: Plan): Record<'create' | 'change' | 'remove' | 'unchanged', number> {
  const c = { create: 0, change: 0, remove: 0, unchanged: 0 };
  for (const a of p.actions) c[a.op]++;
  return c;
}

export interface PlanView {
  dryRun: boolean;
  /** Containers that are running now (asked of systemd at the edge), or undefined when that is unknown. */
  running?: ReadonlySet<string>;
  /** The configuration has no containers (compile --allow-empty): every removal is said out loud. */
  emptyConfig?: boolean;
  /** What the change needs per container and slice (emit/classify.ts); without it, only who is affected. */
  changes?: readonly UnitChange[];
}

/** Running containers that a change needs restarted. */
const restartNeeded = (p: Plan, view: PlanView): string[] | null => {
  if (!view.running) return null;
  if (!view.changes) return p.affected.filter((n) => view.running!.has(n));
  // A changed pod restarts, and its members with it.
  const names = view.changes
    .filter((c) => c.impact === 'restart')
    .flatMap((c) => (c.kind === 'container' ? [c.name] : c.kind === 'pod' ? (c.members ?? []) : []));
  return [...new Set(names)].filter((n) => view.running!.has(n)).sort();
};

/** What a plan means beyond its actions: a compile cut short before, and a removal of everything. */
function notices(p: Plan, view: PlanView, removals: number): string[] {
  const out: string[] = [];
  if (p.interrupted) {
    const then = view.dryRun ? 'compiling again completes it' : 'this compile completed it';
    out.push(`The last compile into this root was cut short before it finished; ${then}.`);
  }
  if (view.emptyConfig && removals) {
    const verb = view.dryRun ? 'would remove' : 'removed';
    out.push(
      `WARNING: the configuration has no containers: this ${verb} all ${removals} files and links machinist wrote.`,
    );
  }
  return out;
}

export function renderPlanText(p: Plan, view: PlanView, color: boolean): string {
  const c = counts(p);
  const paint = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const marks = { create: paint('32')('create '), change: paint('33')('change '), remove: paint('31')('remove ') };
  const out: string[] = [];
  for (const a of p.actions)
    if (a.op !== 'unchanged')
      out.push(`${marks[a.op]} ${a.path}${a.kind === 'symlink' ? ` -> ${a.target ?? ''}` : ''}`);
  for (const a of p.actions) {
    if (a.op === 'change' && a.diff) out.push('', a.diff.trimEnd());
    if (view.dryRun && a.op === 'create' && a.kind === 'file' && a.diff) out.push('', a.diff.trimEnd());
  }
  if (out.length) out.push('');
  out.push(
    `${c.create} to create, ${c.change} to change, ${c.remove} to remove, ${c.unchanged} unchanged${view.dryRun ? ' (dry run: nothing written)' : ''}`,
  );
  out.push(...notices(p, view, c.remove));
  if (view.changes) out.push(...renderChanges(view.changes, view.running));
  else if (p.affected.length) {
    if (view.running) {
      const need = p.affected.filter((n) => view.running!.has(n));
      out.push(
        need.length
          ? `Running containers that need a restart to pick this up: ${need.join(', ')}`
          : view.dryRun
            ? 'No running container would need a restart.'
            : 'No running container needs a restart.',
      );
    } else {
      out.push(`Containers whose settings change (restart them if they are running): ${p.affected.join(', ')}`);
    }
  }
  return out.join('\n');
}

export function planJSON(p: Plan, view: PlanView): object {
  return {
    dry_run: view.dryRun,
    interrupted: p.interrupted === true,
    counts: counts(p),
    actions: p.actions.map((a) => ({
      op: a.op,
      path: a.path,
      kind: a.kind,
      container: a.container ?? null,
      target: a.target ?? null,
      diff: a.diff ?? null,
    })),
    affected: p.affected,
    restart_needed: restartNeeded(p, view),
    changes: view.changes ? changesJSON(view.changes, view.running) : null,
  };
}
