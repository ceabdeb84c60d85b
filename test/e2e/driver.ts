/**
 * What a user types on an e2e host, as functions: systemctl, machinectl, journalctl, and commands inside a
 * container. Every call is bounded (harness.ts run(): 30 s unless told otherwise).
 */
import type { Host, RunOptions, RunResult } from './harness.js';

/** `systemctl show` output: every key with all its values (list properties such as DeviceAllow repeat). */
export type Shown = Record<string, string[]>;

export class Driver {
  constructor(readonly host: Host) {}

  run(argv: string[], opts?: RunOptions): Promise<RunResult> {
    return this.host.run(argv, opts);
  }

  async systemctl(...args: string[]): Promise<RunResult> {
    return this.host.run(['systemctl', ...args], { timeoutMs: 120_000 });
  }

  /** Like systemctl(), but a non-zero exit is returned, not thrown. */
  async systemctlMayFail(...args: string[]): Promise<RunResult> {
    return this.host.run(['systemctl', ...args], { timeoutMs: 120_000, allowFail: true });
  }

  async state(unit: string): Promise<string> {
    return (await this.host.run(['systemctl', 'is-active', unit], { allowFail: true })).stdout.trim();
  }

  async showAll(unit: string, props: string[]): Promise<Shown> {
    const r = await this.host.run(['systemctl', 'show', unit, ...props.flatMap((p) => ['-p', p])]);
    const out: Shown = {};
    for (const line of r.stdout.split('\n')) {
      const i = line.indexOf('=');
      if (i <= 0) continue;
      (out[line.slice(0, i)] ??= []).push(line.slice(i + 1));
    }
    return out;
  }

  /** Single-valued properties (the last value of each). */
  async show<K extends string>(unit: string, ...props: K[]): Promise<Record<K, string>> {
    const all = await this.showAll(unit, props);
    return Object.fromEntries(props.map((p) => [p, all[p]?.at(-1) ?? ''])) as Record<K, string>;
  }

  async waitState(unit: string, want: string | string[], timeoutMs = 30_000): Promise<void> {
    const ok = Array.isArray(want) ? want : [want];
    let last = '';
    await this.host
      .waitFor(
        `${unit} to be ${ok.join('|')}`,
        async () => {
          last = await this.state(unit);
          return ok.includes(last);
        },
        timeoutMs,
      )
      .catch((e: Error) => {
        throw new Error(`${e.message} (last: ${last})`);
      });
  }

  /**
   * Wait until the host's systemd has no jobs queued, e.g. the restart of a container that another requires
   * (Requires= restarts it too). A stop that reaches a container in the first moments of its start is lost
   * (nspawn forwards it before the guest's systemd listens) and then waits for TimeoutStopSec.
   */
  async settle(timeoutMs = 60_000): Promise<void> {
    let last = '';
    await this.host
      .waitFor(
        'no systemd jobs queued',
        async () => {
          last = (await this.host.run(['systemctl', 'list-jobs', '--no-legend', '--no-pager'])).stdout.trim();
          return last === '';
        },
        timeoutMs,
      )
      .catch((e: Error) => {
        throw new Error(`${e.message}
${last}`);
      });
  }

  /** Run argv inside a container (nsenter into its leader: all namespaces, including a user namespace). */
  guest(machine: string, argv: string[], opts?: RunOptions): Promise<RunResult> {
    return this.host.inMachine(machine, argv, opts);
  }

  /** Wait until a booted guest's own systemd has finished starting up. */
  async guestRunning(machine: string, timeoutMs = 45_000): Promise<void> {
    let last = '';
    await this.host
      .waitFor(
        `guest ${machine}: systemctl is-system-running = running|degraded`,
        async () => {
          const r = await this.guest(machine, ['systemctl', 'is-system-running'], {
            allowFail: true,
            timeoutMs: 5_000,
          });
          last = r.stdout.trim();
          return last === 'running' || last === 'degraded';
        },
        timeoutMs,
      )
      .catch((e: Error) => {
        throw new Error(`${e.message} (last: ${last})`);
      });
  }

  async leader(machine: string): Promise<number> {
    return this.host.machineLeader(machine);
  }

  /** The environment of a process as the host sees it (/proc/PID/environ), as NAME → value. */
  async environ(pid: number): Promise<Record<string, string>> {
    const raw = (await this.run(['cat', `/proc/${pid}/environ`])).stdout;
    return Object.fromEntries(
      raw
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  }

  /** A namespace of a process, e.g. `net:[4026532]`. */
  async ns(pid: number, kind: 'net' | 'pid' | 'user' | 'mnt'): Promise<string> {
    return (await this.run(['readlink', `/proc/${pid}/ns/${kind}`])).stdout.trim();
  }

  async machines(): Promise<string[]> {
    const r = await this.run(['machinectl', 'list', '--no-legend', '--no-pager']);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(/\s+/)[0] ?? '');
  }

  async cursor(): Promise<string> {
    const r = await this.run(['journalctl', '--no-pager', '-n', '0', '--show-cursor', '-q'], { allowFail: true });
    return r.stdout.replace(/^-- cursor: /m, '').trim();
  }

  async journalSince(unit: string, cursor: string): Promise<string> {
    const r = await this.run(['journalctl', '--no-pager', '-o', 'cat', '-u', unit, `--after-cursor=${cursor}`], {
      allowFail: true,
    });
    return r.stdout;
  }

  /** Entries of the host's journal since boot, as journalctl's JSON objects. */
  async journalEntries(): Promise<Record<string, unknown>[]> {
    const r = await this.run(['journalctl', '-b', '--no-pager', '-o', 'json'], { timeoutMs: 60_000 });
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Files below dir in the host (relative path → content, or `-> target` for symlinks). */
  async tree(dir: string): Promise<Record<string, string>> {
    const script = `cd ${dir} 2>/dev/null || exit 0; find . -mindepth 1 \\( -type f -o -type l \\) | LC_ALL=C sort | while read -r f; do
      if [ -L "$f" ]; then printf '%s\\0-> %s\\0' "$f" "$(readlink "$f")"; else printf '%s\\0' "$f"; cat "$f"; printf '\\0'; fi; done`;
    const parts = (await this.run(['sh', '-c', script])).stdout.split('\0');
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]!.replace(/^\.\//, '')] = parts[i + 1]!;
    return out;
  }
}

/** Bytes as systemd prints them for K/M/G suffixes (base 1024). */
export function bytes(s: string): string {
  const m = /^(\d+)([KMGT]?)$/.exec(s);
  if (!m) throw new Error(`not a size: ${s}`);
  const pow = ' KMGT'.indexOf(m[2] || ' ');
  return String(BigInt(m[1]!) * 1024n ** BigInt(pow));
}
