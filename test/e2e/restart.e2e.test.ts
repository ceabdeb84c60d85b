/**
 * `restart:` on a real, booted systemd 252: a container whose systemd-nspawn is killed outright (SIGKILL, as the
 * OOM killer or an admin's `kill -9` would) comes back when its YAML says so, and stays down when it does not.
 *
 * systemd-nspawn removes its machine from machined when it exits; killed, it cannot, and while the unit waits to
 * restart machined keeps the record, so every restart used to fail "Machine 'NAME' already exists". The template
 * (units/machine@.service) drops the record after every stop, but only a record of its own unit: a machine of
 * the same name run by another unit is left alone (last test).
 *
 * The containers are generated at boot by machinist-generator from /etc/machinist, installed as a user would.
 * Runs only under vitest.e2e.config.ts (which sets MACHINIST_E2E=1); needs root and systemd-container.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { bootHost, configWarnings, type Host } from './harness.js';
import { guestHandle } from './guest.js';
import { hostHooks } from './hooks.js';
import { installIntoRoot, preBootMethod } from './install.js';

const E2E = process.env.MACHINIST_E2E === '1';

/** RestartSec= of the on-failure container, in seconds (systemd's default, 100 ms, for the others). */
const RESTART_SEC = 2;
/** What a restart may take on top of RestartSec=: nspawn starting and reporting READY=1 (~0.3 s measured). */
const START_BUDGET_MS = 10_000;
/** The guest's own boot to running/degraded after that (about a second on this VM). */
const BOOT_BUDGET_MS = 20_000;

/** The containers, as YAML under /etc/machinist/containers: a full Debian (this machine's /) on a tmpfs root. */
const CONTAINERS: Record<string, string> = {
  'r-fail': [
    'description: restarted on failure',
    'restart: on-failure',
    `service: { Service: { RestartSec: ${RESTART_SEC}s } }`,
    '',
  ].join('\n'),
  'r-always': 'description: always restarted\nrestart: always\n',
  'r-none': 'description: never restarted\n',
};
const yaml = (body: string) => `${body}directory: /\nvolatile: yes\nnetwork: { mode: host }\n`;

const OUR_FILES = ['machine@.service', '50-machinist.conf', '.nspawn'];

describe.skipIf(!E2E)('restart: after systemd-nspawn is killed (kill -9 of the main PID)', () => {
  let host: Host;

  const unit = (name: string) => `machine@${name}.service`;
  async function show(u: string, ...props: string[]): Promise<Record<string, string>> {
    const r = await host.run(['systemctl', 'show', u, ...props.flatMap((p) => ['-p', p])]);
    const lines = r.stdout.split('\n').filter(Boolean);
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }
  async function cursor(): Promise<string> {
    const r = await host.run(['journalctl', '--no-pager', '-n', '0', '--show-cursor', '-q'], { allowFail: true });
    return r.stdout.replace(/^-- cursor: /m, '').trim();
  }
  async function journalSince(u: string, since: string): Promise<string> {
    const argv = ['journalctl', '--no-pager', '-o', 'cat', '-u', u, `--after-cursor=${since}`];
    return (await host.run(argv, { allowFail: true })).stdout;
  }
  const guestRunning = (machine: string, timeoutMs: number) => guestHandle(host, machine).waitRunning(timeoutMs);
  const machines = async () => (await host.run(['machinectl', 'list', '--no-legend'])).stdout;

  interface Killed {
    pid: string;
    leader: number;
    restarts: number;
    cursor: string;
    killedAt: number;
  }

  /** Start a container, wait for its guest, then SIGKILL its systemd-nspawn; returns what it was before. */
  async function startAndKill(name: string): Promise<Killed> {
    await host.run(['systemctl', 'start', unit(name)], { timeoutMs: 30_000 });
    await guestRunning(name, BOOT_BUDGET_MS);
    const before = await show(unit(name), 'MainPID', 'NRestarts');
    const leader = await host.machineLeader(name);
    const c = await cursor();
    await host.run(['kill', '-KILL', before.MainPID!]);
    return { pid: before.MainPID!, leader, restarts: Number(before.NRestarts), cursor: c, killedAt: Date.now() };
  }

  /** kill -9 of nspawn → a new nspawn, the unit active, the guest running with a new leader, all bounded. */
  async function expectBack(name: string, restartSec: number): Promise<void> {
    const k = await startAndKill(name);
    await host.waitFor(
      `${unit(name)} active again with a new systemd-nspawn`,
      async () => {
        const now = await show(unit(name), 'ActiveState', 'MainPID', 'NRestarts');
        return now.ActiveState === 'active' && now.MainPID !== k.pid && Number(now.NRestarts) === k.restarts + 1;
      },
      restartSec * 1000 + START_BUDGET_MS,
    );
    const active = Date.now() - k.killedAt;
    const newLeader = async () => (await host.machineLeader(name)) !== k.leader;
    await host.waitFor(`machine ${name} registered with a new leader`, newLeader, 5_000);
    await guestRunning(name, BOOT_BUDGET_MS);
    const elapsed = Date.now() - k.killedAt;
    process.stderr.write(`[e2e] ${name}: kill -9 of nspawn; active after ${active} ms, guest up after ${elapsed} ms\n`);
    expect(elapsed).toBeGreaterThanOrEqual(restartSec * 1000);
    expect(elapsed).toBeLessThan(restartSec * 1000 + START_BUDGET_MS + BOOT_BUDGET_MS);

    const log = await journalSince(unit(name), k.cursor);
    expect(log).toMatch(/Main process exited, code=killed, status=9\/KILL/);
    expect(log).toMatch(/Scheduled restart job, restart counter is at/);
    expect(log).not.toMatch(/already exists|repeated too quickly|Failed to register machine/);

    // and it still stops in order, leaving no machine behind
    await host.run(['systemctl', 'stop', unit(name)], { timeoutMs: 60_000 });
    expect(await show(unit(name), 'ActiveState', 'Result')).toEqual({ ActiveState: 'inactive', Result: 'success' });
    expect(await machines()).not.toMatch(new RegExp(`^${name}\\s`, 'm'));
    // The record is dropped quietly: after the kill, and not attempted after the clean stop (nspawn did it).
    const all = await journalSince(unit(name), k.cursor);
    expect(all).not.toMatch(/Call failed|No machine|Control process exited/);
    expect(configWarnings(all, OUR_FILES)).toEqual([]);
  }

  beforeAll(async () => {
    host = await bootHost({
      timeoutMs: 90_000,
      setup: async (root) => {
        // Installed and configured before the first boot: the generator writes the units in that boot.
        const method = preBootMethod();
        await installIntoRoot(root, method === 'deb' ? 'make' : method);
        const dir = path.join(root, 'etc/machinist/containers');
        mkdirSync(dir, { recursive: true });
        for (const [name, body] of Object.entries(CONTAINERS)) {
          writeFileSync(path.join(dir, `${name}.yaml`), yaml(body));
        }
      },
    });
  });

  hostHooks(() => host, ['machine@*'], 150);

  test('the generated units carry the restart policy', async () => {
    expect(await show(unit('r-fail'), 'Restart', 'RestartUSec', 'LoadState')).toEqual({
      Restart: 'on-failure',
      RestartUSec: `${RESTART_SEC}s`,
      LoadState: 'loaded',
    });
    expect(await show(unit('r-always'), 'Restart', 'RestartUSec')).toEqual({ Restart: 'always', RestartUSec: '100ms' });
    expect(await show(unit('r-none'), 'Restart')).toEqual({ Restart: 'no' });
    // The template's stop-post command as systemd parsed it: one argv across the continuation lines, specifiers
    // expanded, `$$` kept for exec time (systemctl shows it unexpanded), failure ignored.
    const post = (await show(unit('r-fail'), 'ExecStopPost')).ExecStopPost!;
    expect(post).toMatch(
      new RegExp(
        [
          /argv\[\]=\/bin\/sh -c if \[ "\$\$\(machinectl show --property=Unit --value -- "\$\$1" 2>\/dev\/null\)"/
            .source,
          / = "\$\$2" \]; then\s+busctl call \S+ \S+ \S+\s+UnregisterMachine s "\$\$1"; fi/.source,
          / machine-stop-post r-fail machine@r-fail\.service ; ignore_errors=yes ;/.source,
        ].join(''),
      ),
    );
  });

  test('restart: on-failure brings the container back within RestartSec + start time', async () => {
    await expectBack('r-fail', RESTART_SEC);
  });

  test('restart: always brings the container back, twice in a row (no start-limit loop)', async () => {
    await expectBack('r-always', 0.1);
    await expectBack('r-always', 0.1);
  });

  test('without restart: the unit stays failed and a later start works', async () => {
    const k = await startAndKill('r-none');
    const failed = async () => (await show(unit('r-none'), 'ActiveState')).ActiveState === 'failed';
    await host.waitFor(`${unit('r-none')} failed`, failed, 15_000);
    // Longer than any restart above would take: still failed, never restarted, no machine left in machined.
    await new Promise((r) => setTimeout(r, (RESTART_SEC + 1) * 1000));
    expect(await show(unit('r-none'), 'ActiveState', 'Result', 'NRestarts')).toEqual({
      ActiveState: 'failed',
      Result: 'signal',
      NRestarts: String(k.restarts),
    });
    expect(await machines()).not.toMatch(/^r-none\s/m);

    await host.run(['systemctl', 'start', unit('r-none')], { timeoutMs: 30_000 });
    await guestRunning('r-none', BOOT_BUDGET_MS);
    expect(await journalSince(unit('r-none'), k.cursor)).not.toMatch(/already exists/);
    await host.run(['systemctl', 'stop', unit('r-none')], { timeoutMs: 60_000 });
    expect(await show(unit('r-none'), 'ActiveState', 'Result')).toEqual({ ActiveState: 'inactive', Result: 'success' });
  });

  test('a machine of the same name run by another unit keeps its record when machine@NAME fails on it', async () => {
    // systemd-nspawn by hand (as a transient unit): machine "r-none" belongs to foreign-r-none.service.
    await host.run(
      [
        'systemd-run',
        '--unit=foreign-r-none',
        '--property=Type=notify',
        '--',
        'systemd-nspawn',
        '--quiet',
        '--keep-unit',
        '--directory=/',
        '--volatile=yes',
        '--machine=r-none',
        '--as-pid2',
        'sleep',
        'infinity',
      ],
      { timeoutMs: 30_000 },
    );
    const owner = async () => (await host.run(['machinectl', 'show', 'r-none', '-p', 'Unit', '--value'])).stdout.trim();
    expect(await owner()).toBe('foreign-r-none.service');
    const c = await cursor();

    const start = await host.run(['systemctl', 'start', unit('r-none')], { allowFail: true, timeoutMs: 30_000 });
    expect(start.code).not.toBe(0);
    expect(await journalSince(unit('r-none'), c)).toMatch(/Machine 'r-none' already exists/);
    // machine@r-none's stop did not drop the other unit's machine
    expect(await owner()).toBe('foreign-r-none.service');
    expect((await show('foreign-r-none.service', 'ActiveState')).ActiveState).toBe('active');

    await host.run(['systemctl', 'stop', 'foreign-r-none.service'], { timeoutMs: 60_000 });
    await host.run(['systemctl', 'reset-failed', unit('r-none'), 'foreign-r-none.service'], { allowFail: true });
  });
});
