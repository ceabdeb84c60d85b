// The only way machinist acts on or looks at running systemd: systemctl, machinectl and journalctl as processes
// (no daemon, no D-Bus library). The runner is injectable, so tests can assert the exact commands.
import { spawnSync } from 'node:child_process';

export interface Ran {
  /** Exit status; -1 when the command could not be run (or timed out). */
  status: number;
  stdout: string;
  stderr: string;
}

export type Runner = (cmd: string, args: readonly string[]) => Ran;

/** Run a command, at most `timeoutMs` (a restart of a container can take a while; status reads are quick). */
export const spawnRunner =
  (timeoutMs = 300_000): Runner =>
  (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return { status: -1, stdout: r.stdout ?? '', stderr: `${cmd}: ${r.error.message}` };
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

/** `systemctl show` output of several units: one property map per unit, in the order asked. */
export function parseShow(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') {
      if (cur.size) out.push(cur);
      cur = new Map();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) cur.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (cur.size) out.push(cur);
  return out;
}

/** ActiveState of each unit (`systemctl is-active` prints one line per unit, and exits non-zero if any is not). */
export function activeStates(run: Runner, units: readonly string[], host: readonly string[] = []): Map<string, string> {
  const states = new Map<string, string>();
  if (!units.length) return states;
  const r = run('systemctl', [...host, 'is-active', ...units]);
  const lines = r.stdout.split('\n');
  units.forEach((u, i) => states.set(u, lines[i]?.trim() || 'unknown'));
  return states;
}

/** The last lines a unit logged, for a failed action. */
export function journalTail(run: Runner, unit: string, lines = 10): string[] {
  const r = run('journalctl', ['--no-pager', '--quiet', '-o', 'cat', '-n', String(lines), '-u', unit]);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}
