// Runs a throwaway container so systemd-nspawn's own parser judges a .nspawn file.
//
// The container needs no image: `-D / --volatile=yes` gives it a tmpfs root with the host's /usr, so
// /usr/bin/env and /usr/bin/printf are there. The settings file goes to /run/systemd/nspawn/NAME.nspawn
// (a trusted location, so privileged keys such as Bind= apply; see trusted-settings.ts) and --settings=override lets it win over the
// command line. Without PID 1 systemd, --keep-unit and --register=no keep nspawn off the bus, and
// --console=pipe keeps the output byte-exact (a pty would turn \n into \r\n).
import { spawnSync } from 'node:child_process';
import { placeTrustedSettings, removeTrustedSettings, SETTINGS_DIR } from './trusted-settings.js';

function probeNspawn(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('systemd-nspawn', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return 'systemd-nspawn is not installed';
  return undefined;
}

/** Why the nspawn oracle cannot run here, or undefined when it can. */
export const nspawnUnavailable = probeNspawn();

/**
 * Skip only on a machine that cannot run the oracle; in CI (process.env.CI set) never skip, so a missing
 * tool fails the run instead of silently passing it.
 */
export const skipNspawnOracle = nspawnUnavailable !== undefined && !process.env.CI;

let counter = 0;

export interface ContainerResult {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

/** Writes `settings` as a .nspawn file, runs one container with `args` as its command line, cleans up. */
export function runContainer(settings: string, args: string[] = [], timeoutMs = 30_000): ContainerResult {
  // Machine names must be valid host names; pid + counter keeps parallel test files apart.
  const name = `machinist-oracle-${process.pid}-${++counter}`;
  try {
    placeTrustedSettings(name, settings);
    const r = spawnSync(
      'systemd-nspawn',
      [
        '-D',
        '/',
        '--volatile=yes',
        '--register=no',
        '--keep-unit',
        '--quiet',
        '--console=pipe',
        '--settings=override',
        `--machine=${name}`,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 16 << 20 },
    );
    if (r.error) throw r.error;
    return { stdout: r.stdout, stderr: r.stderr.toString('utf8'), status: r.status };
  } finally {
    removeTrustedSettings(name);
  }
}

/** nspawn's complaints about a settings file (`FILE:LINE: …`), minus noise that is not about the file. */
export function settingsComplaints(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes(`${SETTINGS_DIR}/machinist-oracle-`) && !/propagate/.test(l));
}

/** Splits NUL-terminated output (env -0, printf '%s\0') into its items. */
export function nulItems(out: Buffer): string[] {
  const items = out.toString('utf8').split('\0');
  if (items[items.length - 1] === '') items.pop();
  return items;
}
