// `systemd --test --system` loads units exactly like PID 1 would and dumps every parsed setting, without a running
// systemd: the values systemd ended up with can be compared with the strings machinist was given. It refuses to
// run as root (exit 1, no message), so as root it runs as nobody via setpriv; the unit directory must be
// world-readable.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEMD = ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'].find((p) => existsSync(p));
const asRoot = process.getuid?.() === 0;

function probe(): string | undefined {
  if (!SYSTEMD) return 'systemd is not installed';
  if (spawnSync('systemd-analyze', ['--version'], { timeout: 10_000 }).status !== 0) return 'no systemd-analyze';
  if (asRoot && spawnSync('setpriv', ['--version'], { timeout: 10_000 }).status !== 0) return 'no setpriv';
  return undefined;
}

/** Why the unit oracle cannot run here, or undefined when it can. */
export const unitOracleUnavailable = probe();

/** Each unit's `Key: value` pairs, in the dump's order. */
export type UnitDump = Map<string, Array<[string, string]>>;

/** `-> Unit NAME:` blocks of a `systemd --test` dump, each as its `\t\tKey: value` lines. */
export function parseDump(out: string): UnitDump {
  const units: UnitDump = new Map();
  let current: Array<[string, string]> | undefined;
  for (const line of out.split('\n')) {
    const head = /^\t-> Unit (.+):$/.exec(line);
    if (head) units.set(head[1]!, (current = []));
    const prop = /^\t\t([A-Za-z][A-Za-z ]*): (.*)$/.exec(line);
    if (prop && current) current.push([prop[1]!, prop[2]!]);
  }
  return units;
}

/** The values of one key of one unit in a dump. */
export const dumped = (dump: UnitDump, unit: string, key: string): string[] =>
  (dump.get(unit) ?? []).filter(([k]) => k === key).map(([, v]) => v);

/**
 * Loads `target` (a unit in `dir` that Wants= the units to check) with `dir` first in the unit path and returns
 * the dump and systemd's log.
 */
export function loadUnits(dir: string, target: string): { dump: UnitDump; log: string } {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/', SYSTEMD_UNIT_PATH: `${dir}:` };
  const cmd = [SYSTEMD!, '--test', '--system', `--unit=${target}`, '--no-pager', '--log-target=console'];
  const argv = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...cmd] : cmd;
  const options = { cwd: dir, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 } as const;
  const r = spawnSync(argv[0]!, argv.slice(1), options);
  if (r.error) throw r.error;
  return { dump: parseDump(r.stdout), log: r.stderr };
}
