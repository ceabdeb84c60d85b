/**
 * units/machine@.service on a real, booted systemd 252, driven by hand-written files laid out exactly as machinist
 * installs them (test/e2e/fixtures/template/ plus the variants below). When the compiler exists, the same checks
 * run against its output.
 *
 * Runs only under vitest.e2e.config.ts (which sets MACHINIST_E2E=1); needs root and systemd-container.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { bootHost, configWarnings, type Host } from './harness.js';
import { guestHandle } from './guest.js';
import { hostHooks } from './hooks.js';

const E2E = process.env.MACHINIST_E2E === '1';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = path.join(REPO, 'test/e2e/fixtures/template');
const TEMPLATE = '/usr/lib/systemd/system/machine@.service';

/** Files a test installed, by machine: the journal check looks for lines naming them. */
const OUR_FILES = ['machine@.service', '50-machinist.conf', 'machine-lab.slice', '.nspawn'];

/** A drop-in that only hands the root directory to the template, as machinist writes it. */
const rootDropIn = (args: string) => `# machinist e2e\n[Service]\nEnvironment="MACHINIST_ARGS=${args}"\n`;

/** A .nspawn for a variant machine: [Exec] lines as given, host network, volatile root unless told otherwise. */
function nspawnFile(exec: string[], files: string[] = ['Volatile=yes']): string {
  return [
    '# machinist e2e',
    '[Exec]',
    ...exec,
    '',
    '[Files]',
    ...files,
    '',
    '[Network]',
    'Private=no',
    'VirtualEthernet=no',
    '',
  ].join('\n');
}

describe.skipIf(!E2E)('units/machine@.service on a booted systemd', () => {
  let host: Host;

  const run = (argv: string[]) => host.run(argv);
  const state = async (unit: string) =>
    (await host.run(['systemctl', 'is-active', unit], { allowFail: true })).stdout.trim();
  async function show(unit: string, ...props: string[]): Promise<Record<string, string>> {
    const r = await host.run(['systemctl', 'show', unit, ...props.flatMap((p) => ['-p', p])]);
    return Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  }
  /** Journal lines of unit logged after `since` (a journal cursor from cursor()). */
  async function journalSince(unit: string, since: string): Promise<string> {
    const r = await host.run(['journalctl', '--no-pager', '-o', 'cat', '-u', unit, `--after-cursor=${since}`], {
      allowFail: true,
    });
    return r.stdout;
  }
  async function cursor(): Promise<string> {
    const r = await host.run(['journalctl', '--no-pager', '-n', '0', '--show-cursor', '-q'], { allowFail: true });
    return r.stdout.replace(/^-- cursor: /m, '').trim();
  }
  const guestRunning = (machine: string, timeoutMs = 20_000) => guestHandle(host, machine).waitRunning(timeoutMs);

  beforeAll(async () => {
    host = await bootHost({
      timeoutMs: 45_000,
      // Everything for machine "demo" is in place before the host boots, like a compiled /etc at boot time.
      setup: (root) => {
        cpSync(path.join(REPO, 'units/machine@.service'), path.join(root, TEMPLATE));
        cpSync(FIXTURE, root, { recursive: true });
        const wants = path.join(root, 'etc/systemd/system/machines.target.wants');
        mkdirSync(wants, { recursive: true });
        symlinkSync(TEMPLATE, path.join(wants, 'machine@demo.service'));
        // the bind sources must exist when the container starts, i.e. during boot
        for (const [dir, content] of [
          ['srv/ro-src', 'ro-content\n'],
          ['srv/rw-src', 'rw-content\n'],
        ] as const) {
          mkdirSync(path.join(root, dir), { recursive: true });
          writeFileSync(path.join(root, dir, 'file'), content);
        }
      },
    });
  });

  hostHooks(() => host, ['machine@*', 'machines.target', 'machine-lab.slice'], 150);

  test('machines.target is enabled and active, and its .wants symlink started machine@demo at boot', async () => {
    expect((await host.run(['systemctl', 'is-enabled', 'machines.target'], { allowFail: true })).stdout.trim()).toBe(
      'enabled',
    );
    expect(await state('machines.target')).toBe('active');
    // Nobody started it: the symlink in machines.target.wants did, during boot.
    expect(await state('machine@demo.service')).toBe('active');
    expect(
      (await host.run(['systemctl', 'is-enabled', 'machine@demo.service'], { allowFail: true })).stdout.trim(),
    ).toBe('enabled');
    const deps = (await run(['systemctl', 'list-dependencies', '--plain', '--no-legend', 'machines.target'])).stdout;
    expect(deps).toContain('machine@demo.service');
  });

  test('daemon-reload + start: active, registered with machined', async () => {
    await run(['systemctl', 'daemon-reload']);
    await run(['systemctl', 'start', 'machine@demo.service']);
    expect(await state('machine@demo.service')).toBe('active');
    const list = (await run(['machinectl', 'list', '--no-legend'])).stdout;
    expect(list).toMatch(/^demo\s+container\s+systemd-nspawn/m);
    const unit = await show('machine@demo.service', 'Description', 'DropInPaths', 'ExecStart');
    expect(unit.Description).toBe('Demo container (machinist e2e)');
    expect(unit.DropInPaths).toBe('/etc/systemd/system/machine@demo.service.d/50-machinist.conf');
    // $MACHINIST_ARGS expanded into exactly the extra argument(s) given.
    expect(unit.ExecStart).toContain('--machine=demo $MACHINIST_ARGS');
    const cmdline = (
      await run(['sh', '-c', `tr '\\0' ' ' </proc/$(systemctl show -p MainPID --value machine@demo)/cmdline`])
    ).stdout;
    expect(cmdline.trim()).toBe(
      'systemd-nspawn --quiet --keep-unit --boot --link-journal=try-guest --settings=override --machine=demo --directory=/',
    );
  });

  // Properties only: in this nested host the cgroup controllers are not writable (see harness.ts), so the kernel
  // limits themselves cannot be observed here.
  test('drop-in resource settings and slice reach the unit', async () => {
    const p = await show(
      'machine@demo.service',
      'MemoryMax',
      'CPUQuotaPerSecUSec',
      'TasksMax',
      'Slice',
      'ControlGroup',
    );
    expect(p).toEqual({
      MemoryMax: String(256 * 1024 * 1024),
      CPUQuotaPerSecUSec: '500ms',
      TasksMax: '512',
      Slice: 'machine-lab.slice',
      // machine-lab.slice is a child of machine.slice by its name
      ControlGroup: '/machine.slice/machine-lab.slice/machine@demo.service',
    });
    expect(await show('machine-lab.slice', 'MemoryMax', 'ActiveState')).toEqual({
      MemoryMax: String(1024 * 1024 * 1024),
      ActiveState: 'active',
    });
  });

  test('the guest boots to running; Hostname= and Environment= arrive', async () => {
    await guestRunning('demo');
    // Volatile=yes: the guest has no /etc/hostname of its own, so Hostname= sticks (oracles.md §5).
    expect((await host.inMachine('demo', ['hostname'])).stdout.trim()).toBe('demo01');
    const leader = await host.machineLeader('demo');
    const environ = (await run(['cat', `/proc/${leader}/environ`])).stdout.split('\0');
    expect(environ).toContain('GREETING=hello');
    expect(environ).toContain('container=systemd-nspawn');
  });

  test('BindReadOnly= is read-only, Bind= is writable and shared with the host', async () => {
    expect((await host.inMachine('demo', ['cat', '/mnt/ro/file'])).stdout).toBe('ro-content\n');
    expect((await host.inMachine('demo', ['cat', '/mnt/rw/file'])).stdout).toBe('rw-content\n');
    const ro = await host.inMachine('demo', ['sh', '-c', 'echo x > /mnt/ro/new'], { allowFail: true });
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/Read-only file system/);
    const opts = (await host.inMachine('demo', ['findmnt', '-no', 'OPTIONS', '/mnt/ro'])).stdout;
    expect(opts.split(',')[0]).toBe('ro');
    await host.inMachine('demo', ['sh', '-c', 'echo from-guest > /mnt/rw/new']);
    expect(readFileSync(path.join(host.root, 'srv/rw-src/new'), 'utf8')).toBe('from-guest\n');
  });

  test('Private=no + VirtualEthernet=no: the guest shares the host network namespace', async () => {
    const leader = await host.machineLeader('demo');
    const [guest, hostNs] = (await run(['readlink', `/proc/${leader}/ns/net`, '/proc/1/ns/net'])).stdout
      .trim()
      .split('\n');
    expect(guest).toMatch(/^net:\[\d+\]$/);
    expect(guest).toBe(hostNs);
    // and it is a different PID namespace, so it really is another container
    const pid = (await run(['readlink', `/proc/${leader}/ns/pid`, '/proc/1/ns/pid'])).stdout.trim().split('\n');
    expect(pid[0]).not.toBe(pid[1]);
  });

  test('no parser complaints about our files in the journal', async () => {
    const text = (await host.journal('machine@demo.service')) + (await host.journal('machine-lab.slice'));
    expect(text).toContain('machine@demo.service'); // the journal is really there
    expect(configWarnings(text, OUR_FILES)).toEqual([]);
  });

  test('systemctl restart and stop', async () => {
    const before = await show('machine@demo.service', 'MainPID');
    await run(['systemctl', 'restart', 'machine@demo.service']);
    const after = await show('machine@demo.service', 'MainPID', 'ActiveState');
    expect(after.ActiveState).toBe('active');
    expect(after.MainPID).not.toBe(before.MainPID);
    await guestRunning('demo');

    await run(['systemctl', 'stop', 'machine@demo.service']);
    // An orderly guest shutdown (SIGRTMIN+3), not a kill: the unit ends inactive, not failed.
    expect(await show('machine@demo.service', 'ActiveState', 'Result')).toEqual({
      ActiveState: 'inactive',
      Result: 'success',
    });
    expect((await run(['machinectl', 'list', '--no-legend'])).stdout).not.toMatch(/^demo\s/m);
  });

  test('machines.target pulls in the container; stopping it stops the container (PartOf=)', async () => {
    expect(await state('machine@demo.service')).toBe('inactive');
    await run(['systemctl', 'start', 'machines.target']);
    await host.waitFor(
      'machine@demo active via machines.target',
      async () => (await state('machine@demo.service')) === 'active',
      15_000,
    );
    // Before=machines.target: on stop the order reverses, so the target is down first and `systemctl stop`
    // returns while the containers are still shutting down.
    await run(['systemctl', 'stop', 'machines.target']);
    await host.waitFor(
      'machine@demo stopped via machines.target',
      async () => (await state('machine@demo.service')) === 'inactive',
      15_000,
    );
    expect(await show('machine@demo.service', 'Result')).toEqual({ Result: 'success' });
    await run(['systemctl', 'start', 'machines.target']);
    await host.waitFor(
      'machine@demo active again',
      async () => (await state('machine@demo.service')) === 'active',
      15_000,
    );
    await guestRunning('demo');
  });

  test('reboot inside the guest: exit 133 restarts the unit with a new leader', async () => {
    await guestRunning('demo'); // systemctl reboot in the guest needs its D-Bus up
    const before = await show('machine@demo.service', 'MainPID', 'NRestarts');
    const oldLeader = await host.machineLeader('demo');
    const c = await cursor();
    await host.inMachine('demo', ['systemctl', 'reboot']);
    await host.waitFor(
      'machine@demo restarted after the guest rebooted',
      async () => {
        const now = await show('machine@demo.service', 'ActiveState', 'NRestarts');
        return now.ActiveState === 'active' && Number(now.NRestarts) === Number(before.NRestarts) + 1;
      },
      30_000,
    );
    const after = await show('machine@demo.service', 'MainPID');
    expect(after.MainPID).not.toBe(before.MainPID);
    await host.waitFor('a new leader for demo', async () => (await host.machineLeader('demo')) !== oldLeader, 10_000);
    // Restart= is "no": only RestartForceExitStatus=133 (nspawn's "guest rebooted") can have restarted it.
    // SuccessExitStatus=133 makes systemd log the exit as "Deactivated successfully", not as status=133.
    expect((await show('machine@demo.service', 'Restart')).Restart).toBe('no');
    expect(await journalSince('machine@demo.service', c)).toMatch(
      /Deactivated successfully[\s\S]*Scheduled restart job/,
    );
    await guestRunning('demo');
    expect((await host.inMachine('demo', ['hostname'])).stdout.trim()).toBe('demo01');
  });

  test('app container (Boot=no): ProcessTwo=yes + KillSignal=SIGRTMIN+3 starts under Type=notify and stops cleanly', async () => {
    // Installed after boot, the way `machinist compile` + daemon-reload would.
    host.writeFile(
      '/etc/systemd/nspawn/app.nspawn',
      nspawnFile([
        'Boot=no',
        'ProcessTwo=yes',
        'KillSignal=SIGRTMIN+3',
        'Environment=APP_MODE=test',
        'Parameters=/bin/sh -c "exec sleep infinity"',
      ]),
    );
    host.writeFile('/etc/systemd/system/machine@app.service.d/50-machinist.conf', rootDropIn('--directory=/'));
    await run(['systemctl', 'daemon-reload']);
    const c = await cursor();
    const t0 = Date.now();
    // Type=notify: with NotifyReady=no (the default) systemd-nspawn itself sends READY=1 once the payload runs.
    await host.run(['systemctl', 'start', 'machine@app.service'], { timeoutMs: 15_000 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await show('machine@app.service', 'ActiveState', 'StatusText')).toEqual({
      ActiveState: 'active',
      StatusText: 'Container running.',
    });
    const ps = (await host.inMachine('app', ['ps', '-eo', 'pid=,args='])).stdout;
    expect(ps).toMatch(/^\s*1 \(sd-stubinit\)$/m); // --as-pid2: nspawn's stub init is PID 1
    expect(ps).toMatch(/^\s*2 sleep infinity$/m);
    expect((await host.inMachine('app', ['cat', '/proc/2/environ'])).stdout.split('\0')).toContain('APP_MODE=test');

    await run(['systemctl', 'stop', 'machine@app.service']);
    expect(await show('machine@app.service', 'ActiveState', 'Result')).toEqual({
      ActiveState: 'inactive',
      Result: 'success',
    });
    const j = await journalSince('machine@app.service', c);
    expect(j).not.toMatch(/terminated by signal/);
    expect(configWarnings(j, OUR_FILES)).toEqual([]);
  });

  test('finding: Boot=no alone runs, but every stop ends the unit failed (payload SIGKILLed, nspawn exits 1)', async () => {
    host.writeFile(
      '/etc/systemd/nspawn/app-naive.nspawn',
      nspawnFile(['Boot=no', 'Parameters=/bin/sh -c "exec sleep infinity"']),
    );
    host.writeFile('/etc/systemd/system/machine@app-naive.service.d/50-machinist.conf', rootDropIn('--directory=/'));
    await run(['systemctl', 'daemon-reload']);
    const c = await cursor();
    await host.run(['systemctl', 'start', 'machine@app-naive.service'], { timeoutMs: 15_000 });
    expect(await state('machine@app-naive.service')).toBe('active');
    await run(['systemctl', 'stop', 'machine@app-naive.service']);
    expect(await show('machine@app-naive.service', 'ActiveState', 'Result', 'ExecMainStatus')).toEqual({
      ActiveState: 'failed',
      Result: 'exit-code',
      ExecMainStatus: '1',
    });
    expect(await journalSince('machine@app-naive.service', c)).toMatch(/Container app-naive terminated by signal KILL/);
    await run(['systemctl', 'reset-failed', 'machine@app-naive.service']);
  });

  test('finding: NotifyReady=yes waits for READY=1 from the container PID 1 only', async () => {
    // Nobody notifies: the start job never finishes (until TimeoutStartSec).
    host.writeFile(
      '/etc/systemd/nspawn/app-wait.nspawn',
      nspawnFile([
        'Boot=no',
        'ProcessTwo=yes',
        'KillSignal=SIGRTMIN+3',
        'NotifyReady=yes',
        'Parameters=sleep infinity',
      ]),
    );
    host.writeFile('/etc/systemd/system/machine@app-wait.service.d/50-machinist.conf', rootDropIn('--directory=/'));
    // PID 1 of the container (the payload itself, no stub) notifies with its own credentials: accepted.
    host.writeFile(
      '/etc/systemd/nspawn/app-ready.nspawn',
      nspawnFile([
        'Boot=no',
        'KillSignal=SIGTERM',
        'NotifyReady=yes',
        `Parameters=/bin/sh -c "trap 'exit 0' TERM; systemd-notify --ready --pid=1; sleep infinity & wait"`,
      ]),
    );
    host.writeFile('/etc/systemd/system/machine@app-ready.service.d/50-machinist.conf', rootDropIn('--directory=/'));
    await run(['systemctl', 'daemon-reload']);
    await run(['systemctl', 'start', '--no-block', 'machine@app-wait.service']);
    await host.run(['systemctl', 'start', 'machine@app-ready.service'], { timeoutMs: 15_000 });
    expect(await state('machine@app-ready.service')).toBe('active');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await state('machine@app-wait.service')).toBe('activating');
    await run(['systemctl', 'stop', 'machine@app-wait.service', 'machine@app-ready.service']);
    expect(await show('machine@app-ready.service', 'ActiveState', 'Result')).toEqual({
      ActiveState: 'inactive',
      Result: 'success',
    });
    await host.run(['systemctl', 'reset-failed', 'machine@app-wait.service', 'machine@app-ready.service'], {
      allowFail: true,
    });
  });

  test('finding: Boot=yes + Volatile=yes without systemd.firstboot=off hangs in systemd-firstboot', async () => {
    host.writeFile('/etc/systemd/nspawn/fb.nspawn', nspawnFile(['Boot=yes']));
    host.writeFile('/etc/systemd/system/machine@fb.service.d/50-machinist.conf', rootDropIn('--directory=/'));
    await run(['systemctl', 'daemon-reload']);
    await run(['systemctl', 'start', 'machine@fb.service']);
    // The unit is "active" at once (nspawn reports READY=1 itself), but the guest never finishes booting:
    await host.waitFor(
      'systemd-firstboot running in guest fb',
      async () => {
        const r = await host.inMachine(
          'fb',
          ['systemctl', 'show', '-p', 'ActiveState', '--value', 'systemd-firstboot.service'],
          { allowFail: true },
        );
        return r.stdout.trim() === 'activating';
      },
      15_000,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await host.inMachine('fb', ['systemctl', 'is-system-running'], { allowFail: true })).stdout.trim()).toMatch(
      /^(initializing|starting)$/,
    );
    expect(await state('machine@fb.service')).toBe('active');
    await run(['systemctl', 'stop', 'machine@fb.service']);
  });

  test('--template= via MACHINIST_ARGS: the root is copied from the template once, then kept', async () => {
    const tmpl = '/srv/tmpl';
    for (const d of ['bin', 'lib', 'lib64', 'sbin']) host.symlink(`usr/${d}`, `${tmpl}/${d}`);
    host.writeFile(`${tmpl}/usr/.keep`, '');
    host.writeFile(`${tmpl}/etc/os-release`, readFileSync('/usr/lib/os-release', 'utf8'));
    host.writeFile(`${tmpl}/marker`, 'from-template\n');
    host.writeFile(
      '/etc/systemd/nspawn/tpl.nspawn',
      nspawnFile(
        ['Boot=no', 'ProcessTwo=yes', 'KillSignal=SIGRTMIN+3', 'Parameters=sleep infinity'],
        ['BindReadOnly=/usr'],
      ),
    );
    host.writeFile(
      '/etc/systemd/system/machine@tpl.service.d/50-machinist.conf',
      rootDropIn(`--directory=/var/lib/machines/tpl --template=${tmpl}`),
    );
    await run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', 'machine@tpl.service'], { timeoutMs: 15_000 });
    expect(await state('machine@tpl.service')).toBe('active');
    expect(readFileSync(path.join(host.root, 'var/lib/machines/tpl/marker'), 'utf8')).toBe('from-template\n');
    expect((await host.inMachine('tpl', ['cat', '/marker'])).stdout).toBe('from-template\n');
    await run(['systemctl', 'stop', 'machine@tpl.service']);
    expect(await show('machine@tpl.service', 'Result')).toEqual({ Result: 'success' });

    // The template only seeds a root that does not exist yet.
    host.writeFile(`${tmpl}/marker`, 'template-changed\n');
    host.writeFile('/var/lib/machines/tpl/local', 'kept\n');
    await host.run(['systemctl', 'start', 'machine@tpl.service'], { timeoutMs: 15_000 });
    expect((await host.inMachine('tpl', ['cat', '/marker', '/local'])).stdout).toBe('from-template\nkept\n');
    await run(['systemctl', 'stop', 'machine@tpl.service']);
  });

  test('negative control: the journal check does catch unknown keys and bad values in our files', async () => {
    host.writeFile(
      '/etc/systemd/nspawn/bad.nspawn',
      nspawnFile(['Boot=yes', 'Parameters=systemd.firstboot=off', 'BogusKey=1']),
    );
    host.writeFile(
      '/etc/systemd/system/machine@bad.service.d/50-machinist.conf',
      `${rootDropIn('--directory=/')}BogusServiceKey=1\nMemoryMax=lots\n`,
    );
    await run(['systemctl', 'daemon-reload']);
    await run(['systemctl', 'start', 'machine@bad.service']);
    let problems: string[] = [];
    await host.waitFor(
      'complaints about bad.nspawn and the drop-in in the journal',
      async () => {
        problems = configWarnings(await host.journal('machine@bad.service'), OUR_FILES);
        return problems.length >= 3;
      },
      10_000,
    );
    expect(problems.join('\n')).toMatch(/bad\.nspawn:\d+: Unknown key 'BogusKey' in section \[Exec\], ignoring/);
    expect(problems.join('\n')).toMatch(
      /50-machinist\.conf:\d+: Unknown key 'BogusServiceKey' in section \[Service\], ignoring/,
    );
    expect(problems.join('\n')).toMatch(/50-machinist\.conf:\d+: Invalid memory limit 'lots', ignoring/);
    await run(['systemctl', 'stop', 'machine@bad.service']);
  });
});
