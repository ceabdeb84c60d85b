// What a change needs, per container and slice (emit/classify.ts), for people and for tools.
import type { Impact, UnitChange } from '../emit/classify.js';

/** What each impact means, in the words the plan prints. */
export const impactWords: Record<Impact, string> = {
  none: 'nothing (no setting a running unit uses changed)',
  reload: 'daemon-reload only',
  live: 'set live (systemctl set-property --runtime), no restart',
  restart: 'restart',
  start: 'start (new autostart)',
  stop: 'stop (its YAML is gone)',
};

/** What happens to it now: running state known (a set of running names) or not. */
function whatNow(c: UnitChange, running: ReadonlySet<string> | undefined): string {
  if (c.kind !== 'container' || running === undefined) return '';
  const on = running.has(c.name);
  const acts = c.impact === 'restart' || c.impact === 'live' || c.impact === 'stop';
  if (acts) return on ? ' (running)' : ' (not running: nothing to do)';
  if (c.impact === 'start') return on ? ' (already running)' : ' (not running)';
  return '';
}

export function renderChanges(changes: readonly UnitChange[], running: ReadonlySet<string> | undefined): string[] {
  if (!changes.length) return [];
  const label = (c: UnitChange) => (c.kind === 'container' ? c.name : `${c.kind} ${c.name}`);
  const members = (c: UnitChange) =>
    c.kind === 'pod' && c.impact === 'restart' && c.members?.length
      ? ` (its members with it: ${c.members.join(', ')})`
      : '';
  const width = Math.max(...changes.map((c) => label(c).length));
  const out = ['What each change needs:'];
  for (const c of changes) {
    const props = c.impact === 'live' ? `: ${c.properties.join(' ')}` : '';
    out.push(`  ${label(c).padEnd(width)}  ${impactWords[c.impact]}${props}${members(c)}${whatNow(c, running)}`);
    for (const r of c.reasons) out.push(`  ${''.padEnd(width)}    ${r}`);
  }
  return out;
}

export function changesJSON(changes: readonly UnitChange[], running: ReadonlySet<string> | undefined): object[] {
  return changes.map((c) => ({
    kind: c.kind,
    name: c.name,
    impact: c.impact,
    reasons: c.reasons,
    properties: c.properties,
    autostart_added: c.autostartAdded,
    running: c.kind === 'container' && running ? running.has(c.name) : null,
    ...(c.kind === 'pod' ? { members: c.members ?? [] } : {}),
  }));
}
