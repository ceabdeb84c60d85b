// `machinist apply`'s report: each step, its command and its result, for people and for tools.
export type StepVerb = 'daemon-reload' | 'set-property' | 'restart' | 'start' | 'stop' | 'pending';

export interface Step {
  verb: StepVerb;
  /** The unit acted on (none for daemon-reload). */
  unit?: string;
  /** The full command run (empty for pending). */
  command: string[];
  /** Why, in a few words. */
  why: string;
  /** ok, failed, planned (dry run), pending (left to the admin: on_change: manual). */
  result?: 'ok' | 'failed' | 'planned' | 'pending';
  /** For a failed step: systemctl's message and the unit's last journal lines. */
  error?: string[];
}

export function renderSteps(steps: readonly Step[], dryRun: boolean, color: boolean): string {
  if (!steps.length) {
    return `${dryRun ? 'apply would do nothing' : 'Nothing to do'}: every container runs what its files say.`;
  }
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const mark = {
    ok: paint('32', 'ok'),
    failed: paint('31', 'FAILED'),
    planned: 'would run',
    pending: paint('33', 'PENDING'),
  };
  const what = (s: Step) => (s.command.length ? s.command.join(' ') : `restart ${s.unit ?? ''}`);
  const width = Math.min(72, Math.max(...steps.map((s) => what(s).length)));
  const out: string[] = [];
  for (const s of steps) {
    out.push(`${what(s).padEnd(width)}  ${mark[s.result ?? 'planned']}  (${s.why})`);
    for (const e of s.error ?? []) out.push(`    ${e}`);
  }
  const pending = steps.filter((s) => s.result === 'pending').map((s) => s.unit);
  if (pending.length) out.push(`Pending restart (on_change: manual), left to you: ${pending.join(', ')}`);
  return out.join('\n');
}

export function stepsJSON(steps: readonly Step[]): object[] {
  return steps.map((s) => ({
    action: s.verb,
    unit: s.unit ?? null,
    command: s.command,
    why: s.why,
    result: s.result ?? null,
    error: s.error ?? null,
  }));
}
