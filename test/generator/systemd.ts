// systemd 252 as a judge, without a running PID 1 (the technique of test/oracle/unit.test.ts):
//  - `systemd-analyze verify` with SYSTEMD_UNIT_PATH=DIR: must print nothing about our files (it exits 0 even
//    when it complains, so its output is read);
//  - `systemd --test --system` loads the units as PID 1 would and dumps every parsed setting, including each
//    ExecStartPre=/ExecStart= command line as systemd will execute it. It refuses to run as root, so as root it
//    runs as nobody via setpriv (hence world-readable temp dirs).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSTEMD = ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'].find((p) => existsSync(p));
const asRoot = process.getuid?.() === 0;

/** Why systemd cannot judge here, or undefined when it can. */
export function systemdUnavailable(): string | undefined {
  if (!SYSTEMD) return 'systemd is not installed';
  if (spawnSync('systemd-analyze', ['--version'], { timeout: 10_000 }).status !== 0) return 'no systemd-analyze';
  if (asRoot && spawnSync('setpriv', ['--version'], { timeout: 10_000 }).status !== 0) return 'no setpriv';
  return undefined;
}

/** Make a tree readable by nobody (systemd --test runs unprivileged). */
export function worldReadable(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(path)) worldReadable(join(path, n));
}

const env = (dir: string) => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: '/',
  SYSTEMD_UNIT_PATH: `${dir}:`,
});

/** Lines of `systemd-analyze verify UNITS…` output (stdout and stderr). */
export function verify(dir: string, units: string[]): string[] {
  const r = spawnSync('systemd-analyze', ['verify', ...units], {
    cwd: dir,
    env: env(dir),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
}

export interface UnitDump {
  props: Array<[string, string]>;
  /** Command lines by kind (ExecStartPre, ExecStart, …), each as the argv systemd will execute. */
  exec: Map<string, string[][]>;
}

/**
 * Undo systemd's quoting of a dumped command line (quote_command_line: a word that needs it is put in "…" with
 * \ before " \ ` and $).
 */
export function unquoteCommandLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let w = '';
    while (i < line.length && line[i] !== ' ') {
      if (line[i] === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\') i++;
          w += line[i++] ?? '';
        }
        i++;
      } else if (line[i] === "'") {
        i++;
        while (i < line.length && line[i] !== "'") w += line[i++];
        i++;
      } else w += line[i++];
    }
    words.push(w);
  }
  return words;
}

/** `systemd --test` with a target that wants the given units; the dump of each unit, and the log. */
export function dump(dir: string, units: string[]): { units: Map<string, UnitDump>; log: string } {
  writeFileSync(join(dir, 'machinist-test.target'), `[Unit]\nWants=${units.join(' ')}\n`);
  worldReadable(dir);
  const cmd = [SYSTEMD!, '--test', '--system', '--unit=machinist-test.target', '--no-pager', '--log-target=console'];
  const argv = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...cmd] : cmd;
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: dir,
    env: env(dir),
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  const out = new Map<string, UnitDump>();
  let cur: UnitDump | undefined;
  let execKind: string | undefined;
  for (const line of r.stdout.split('\n')) {
    const head = /^\t-> Unit (.+):$/.exec(line);
    if (head) {
      out.set(head[1]!, (cur = { props: [], exec: new Map() }));
      execKind = undefined;
      continue;
    }
    if (!cur) continue;
    const ex = /^\t\t-> (Exec[A-Za-z]+):$/.exec(line);
    if (ex) {
      execKind = ex[1]!;
      cur.exec.set(execKind, []);
      continue;
    }
    const cmdLine = /^\t\t\tCommand Line: (.*)$/.exec(line);
    if (cmdLine && execKind) {
      cur.exec.get(execKind)!.push(unquoteCommandLine(cmdLine[1]!));
      continue;
    }
    if (!line.startsWith('\t\t\t')) execKind = undefined;
    const prop = /^\t\t([A-Za-z][A-Za-z ]*): (.*)$/.exec(line);
    if (prop) cur.props.push([prop[1]!, prop[2]!]);
  }
  return { units: out, log: r.stderr };
}
