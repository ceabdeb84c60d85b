// `machinist apply`: compile, daemon-reload, then per container exactly what its change needs (emit/classify.ts):
// cgroup properties set live (always with --runtime: without it systemctl writes /etc/systemd/system.control,
// which outranks machinist's files), restart if running (or pending, with on_change: manual), start a new
// autostart container, stop a removed one (and a port a pod no longer publishes). Every action and its result is
// reported; a failed one with the unit's last journal lines. Nothing changed: nothing done (a second apply is a
// no-op).
import type { UnitChange } from '../emit/classify.js';
import { compile } from '../index.js';
import type { CompileOptions, CompileResult } from '../index.js';
import { hasErrors } from '../diagnostics/types.js';
import { sliceUnitName, unitName } from '../translate/output.js';
import { isPortUnit, podUnitName } from '../translate/pod.js';
import type { Runner } from './systemctl.js';
import { activeStates, journalTail } from './systemctl.js';
import type { Step } from '../report/apply.js';

export type { Step } from '../report/apply.js';

const ACTIVE = new Set(['active', 'activating', 'reloading']);
const start = (unit: string): Step => ({
  verb: 'start',
  unit,
  command: ['systemctl', 'start', unit],
  why: 'new autostart',
});

/** The unit a classified change is about. */
const unitOf = (c: UnitChange): string =>
  c.kind === 'slice' ? sliceUnitName(c.name) : c.kind === 'pod' ? podUnitName(c.name) : unitName(c.name);

/**
 * A running pod that changed restarts, and its members with it (BindsTo=): its namespace, sockets and proxies
 * start with it. If a member says on_change: manual, the pod's restart is pending instead.
 */
function podSteps(c: UnitChange, on: boolean, manual: ReadonlySet<string>): Step[] {
  if (c.impact !== 'restart' || !on) return [];
  const unit = unitOf(c);
  const members = c.members ?? [];
  const why = `${c.reasons.filter((r) => !r.endsWith('(no effect on a running unit)')).join(', ')}; its members ${members.join(', ')} restart with it`;
  const held = members.filter((m) => manual.has(m));
  if (held.length)
    return [{ verb: 'pending', unit, command: [], why: `on_change: manual (${held.join(', ')}); ${why}` }];
  return [{ verb: 'restart', unit, command: ['systemctl', 'restart', unit], why }];
}

/**
 * The steps a classified change takes, given which units run now and which containers say on_change: manual.
 * Pure: the commands are returned, not run.
 */
export function stepsFor(
  changes: readonly UnitChange[],
  active: ReadonlyMap<string, string>,
  manual: ReadonlySet<string>,
): Step[] {
  const steps: Step[] = [];
  const pods = changes.flatMap((c) =>
    c.kind === 'pod' ? podSteps(c, ACTIVE.has(active.get(unitOf(c)) ?? ''), manual) : [],
  );
  // A member of a pod that restarts restarts with it, already with its new files: not a second time.
  const withPod = new Set(
    changes.flatMap((c) =>
      c.kind === 'pod' && pods.some((s) => s.verb === 'restart' && s.unit === unitOf(c)) ? (c.members ?? []) : [],
    ),
  );
  for (const c of changes) {
    if (c.kind === 'pod') continue;
    const unit = unitOf(c);
    const on = ACTIVE.has(active.get(unit) ?? '');
    const setLive = (why: string) => {
      if (!c.properties.length) return;
      steps.push({
        verb: 'set-property',
        unit,
        command: ['systemctl', 'set-property', '--runtime', unit, ...c.properties],
        why,
      });
    };
    if (c.kind === 'slice') {
      if (c.impact === 'live' && on) setLive('cgroup properties changed');
      continue;
    }
    if (c.impact === 'stop') {
      if (on) steps.push({ verb: 'stop', unit, command: ['systemctl', 'stop', unit], why: 'its YAML is gone' });
    } else if (c.impact === 'restart') {
      if (!on) {
        if (c.autostartAdded) steps.push(start(unit));
        continue;
      }
      // The new limits hold from now on, even while a manual restart is pending.
      setLive('cgroup properties changed');
      const why = c.reasons.filter((r) => !r.endsWith('(no effect on a running unit)')).join(', ');
      if (withPod.has(c.name)) continue;
      if (manual.has(c.name))
        steps.push({ verb: 'pending', unit, command: [], why: `on_change: manual; restart for ${why}` });
      else steps.push({ verb: 'restart', unit, command: ['systemctl', 'restart', unit], why });
    } else if (c.impact === 'live' || c.impact === 'start') {
      if (on) setLive('cgroup properties changed');
      else if (c.autostartAdded) steps.push(start(unit));
    }
  }
  return [...steps, ...pods];
}

export interface ApplyOptions extends Omit<CompileOptions, 'root' | 'dryRun'> {
  dryRun?: boolean;
  /** The system acted on: its root (default /; tests use another, with `baseline` and `run` of their own). */
  root?: string;
  run: Runner;
}

export interface ApplyResult {
  compiled: CompileResult;
  steps: Step[];
  /** True when every step that ran succeeded. */
  ok: boolean;
}

/**
 * The units of ports a pod no longer publishes that still run: their files are gone (compile removed them), and
 * nothing else stops them, since a unit whose file vanished stays as it is and the pod's restart no longer reaches
 * it (its PartOf= went with its file). Measured on 252: the socket kept listening after the pod's restart.
 */
function removedPortStops(units: readonly string[], active: ReadonlyMap<string, string>): Step[] {
  const why = 'its port is no longer published';
  return units
    .filter((u) => ACTIVE.has(active.get(u) ?? ''))
    .map((u) => ({ verb: 'stop', unit: u, command: ['systemctl', 'stop', u], why }));
}

/** Run one step; a failure carries systemctl's message and the unit's journal. */
function carryOut(step: Step, run: Runner): Step {
  const r = run(step.command[0]!, step.command.slice(1));
  if (r.status === 0) return { ...step, result: 'ok' };
  const error = [r.stderr.trim() || `${step.command.join(' ')} exited with status ${r.status}`];
  if (step.unit) error.push(...journalTail(run, step.unit).map((l) => `  ${l}`));
  return { ...step, result: 'failed', error };
}

/** Whether systemd still has older unit files loaded for any of these units (compiled, not yet reloaded). */
function needsReload(run: Runner, units: readonly string[]): boolean {
  if (!units.length) return false;
  const r = run('systemctl', ['show', '--property=NeedDaemonReload', '--value', ...units]);
  return r.stdout.split('\n').some((l) => l.trim() === 'yes');
}

export function apply(opts: ApplyOptions): ApplyResult {
  const compiled = compile({ ...opts, root: opts.root ?? '/', dryRun: opts.dryRun === true });
  const blocked = hasErrors(compiled.diagnostics) || (opts.strict === true && compiled.diagnostics.length > 0);
  if (blocked) return { compiled, steps: [], ok: false };
  const removedPorts = compiled.plan.actions.filter((a) => a.op === 'remove' && isPortUnit(a.rel)).map((a) => a.rel);
  const active = activeStates(opts.run, [...compiled.changes.map(unitOf), ...removedPorts]);
  const manual = new Set(compiled.model.containers.filter((c) => c.settings.on_change === 'manual').map((c) => c.name));
  const changed = compiled.plan.actions.some((a) => a.op !== 'unchanged');
  const loaded = compiled.model.containers.map((c) => unitName(c.name));
  const steps: Step[] = [];
  if (changed || needsReload(opts.run, loaded)) {
    steps.push({ verb: 'daemon-reload', command: ['systemctl', 'daemon-reload'], why: 'load the new files' });
  }
  steps.push(...removedPortStops(removedPorts, active), ...stepsFor(compiled.changes, active, manual));
  if (opts.dryRun) {
    return {
      compiled,
      steps: steps.map((s) => ({ ...s, result: s.verb === 'pending' ? 'pending' : 'planned' })),
      ok: true,
    };
  }
  const done: Step[] = [];
  for (const s of steps) {
    if (s.verb === 'pending') done.push({ ...s, result: 'pending' });
    else done.push(carryOut(s, opts.run));
    // Without the new files loaded, no other step means anything.
    if (s.verb === 'daemon-reload' && done.at(-1)!.result === 'failed') break;
  }
  // systemd 252 then counts the unit as changed on disk (the new runtime drop-in sorts before machinist's), so
  // the next apply would reload again: load it now, and a second apply has nothing to do.
  const set = done.filter((s) => s.verb === 'set-property' && s.result === 'ok').map((s) => s.unit!);
  if (set.length && needsReload(opts.run, set)) {
    const why = 'load the drop-ins set-property wrote';
    done.push(carryOut({ verb: 'daemon-reload', command: ['systemctl', 'daemon-reload'], why }, opts.run));
  }
  return { compiled, steps: done, ok: done.every((s) => s.result !== 'failed') };
}
