/**
 * `machinist apply` and `machinist status` on a real, booted systemd 252. The containers first run from the
 * generator (YAML in /etc/machinist before boot); the first apply writes the same settings into /etc and must
 * restart nothing. Then each kind of change is made in the YAML and one apply must do exactly what it needs:
 * a MemoryMax= set live (same MainPID), an environment change restarts only its container, on_change: manual is
 * left pending, a deleted YAML stops its container, a new autostart container starts, a Description= change
 * restarts nothing, and a second apply does nothing. status then shows running, failed (broken YAML), pending
 * restart, a `systemctl set-property` override, a hand-edited file and an orphan.
 * Runs only under vitest.e2e.config.ts (MACHINIST_E2E=1); needs root and systemd-container.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { guestHandle } from './guest.js';
import { bootHost, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { installIntoRoot, preBootMethod } from './install.js';

const E2E = process.env.MACHINIST_E2E === '1';

/** Each container boots this machine's Debian on a tmpfs root, sharing the host's network. */
const yaml = (body: string) => `${body}autostart: true\ndirectory: /\nvolatile: yes\nnetwork: { mode: host }\n`;
const FIRST: Record<string, string> = {
  mem: 'resources: { memory: { max: 100M } }\n',
  env: 'environment: { X: "1" }\n',
  man: 'on_change: manual\nenvironment: { X: "1" }\n',
  gone: '',
  desc: 'description: first words\n',
};

interface Step {
  action: string;
  unit: string | null;
  command: string[];
  why: string;
  result: string;
}
interface Row {
  name: string;
  state: string;
  sub_state: string;
  machine_state: string | null;
  leader: number | null;
  drift: string[];
  memory_max: number | null;
}

describe.skipIf(!E2E)('apply and status on a booted host', () => {
  let host: Host;
  const unit = (n: string) => `machine@${n}.service`;
  const prop = async (n: string, p: string) =>
    (await host.run(['systemctl', 'show', unit(n), '-p', p, '--value'])).stdout.trim();
  const pids = async (names: string[]) =>
    Object.fromEntries(await Promise.all(names.map(async (n) => [n, await prop(n, 'MainPID')])));
  const putYaml = (name: string, body: string) => host.writeFile(`/etc/machinist/containers/${name}.yaml`, yaml(body));
  async function apply(): Promise<{ code: number; steps: Step[]; out: string }> {
    const r = await host.run(['machinist', 'apply', '--format', 'json'], { allowFail: true, timeoutMs: 180_000 });
    const json = JSON.parse(r.stdout) as { steps: Step[] };
    return { code: r.code, steps: json.steps, out: r.stdout + r.stderr };
  }
  async function status(): Promise<Map<string, Row>> {
    const r = await host.run(['machinist', 'status', '--format', 'json'], { allowFail: true, timeoutMs: 60_000 });
    return new Map((JSON.parse(r.stdout) as { rows: Row[] }).rows.map((x) => [x.name, x]));
  }
  const commands = (steps: Step[]) =>
    steps.map((s) => (s.command.length ? s.command.join(' ') : `${s.action} ${s.unit}`));

  beforeAll(async () => {
    host = await bootHost({
      timeoutMs: 120_000,
      setup: async (root) => {
        const method = preBootMethod();
        await installIntoRoot(root, method === 'deb' ? 'make' : method);
        const dir = path.join(root, 'etc/machinist/containers');
        mkdirSync(dir, { recursive: true });
        for (const [name, body] of Object.entries(FIRST)) writeFileSync(path.join(dir, `${name}.yaml`), yaml(body));
      },
    });
    await host.waitFor(
      'every autostart container active',
      async () => {
        const states = await Promise.all(Object.keys(FIRST).map((n) => prop(n, 'ActiveState')));
        return states.every((s) => s === 'active');
      },
      60_000,
    );
  });

  hostHooks(() => host, ['machine@*'], 150);

  test('the first apply takes over what the generator made and restarts nothing', async () => {
    const before = await pids(Object.keys(FIRST));
    const r = await apply();
    expect(r.code, r.out).toBe(0);
    expect(commands(r.steps)).toEqual(['systemctl daemon-reload']);
    expect(await pids(Object.keys(FIRST))).toEqual(before);
    // The template recorded what each container started from.
    expect((await host.run(['ls', '/run/machinist/started/mem'])).stdout.split('\n').filter(Boolean)).toEqual([
      'dropin',
      'nspawn',
    ]);
  });

  test('one apply does exactly what each change needs', async () => {
    const before = await pids(['mem', 'env', 'man', 'desc']);
    putYaml('mem', 'resources: { memory: { max: 200M } }\n');
    putYaml('env', 'environment: { X: "2" }\n');
    putYaml('man', 'on_change: manual\nenvironment: { X: "2" }\n');
    putYaml('desc', 'description: other words\n');
    putYaml('new', '');
    await host.run(['rm', '/etc/machinist/containers/gone.yaml']);
    const r = await apply();
    expect(r.code, r.out).toBe(0);
    expect(commands(r.steps)).toEqual([
      'systemctl daemon-reload',
      'systemctl restart machine@env.service',
      'systemctl stop machine@gone.service',
      'pending machine@man.service',
      'systemctl set-property --runtime machine@mem.service MemoryMax=200M',
      'systemctl start machine@new.service',
      // systemd 252 marks a unit changed after set-property --runtime: apply reloads once more.
      'systemctl daemon-reload',
    ]);
    expect(r.steps.every((s) => s.result === 'ok' || s.result === 'pending')).toBe(true);
    // Nothing left for systemd to reload (else the next apply would reload again).
    const reload = await host.run([
      'systemctl',
      'show',
      '-p',
      'NeedDaemonReload',
      '--value',
      ...['mem', 'env', 'man', 'desc', 'new'].map(unit),
    ]);
    expect(reload.stdout.split('\n').filter(Boolean)).toEqual(['no', 'no', 'no', 'no', 'no']);
    const after = await pids(['mem', 'env', 'man', 'desc']);
    expect(after.mem).toBe(before.mem);
    expect(await prop('mem', 'MemoryMax')).toBe(String(200 * 1024 * 1024));
    expect(after.env).not.toBe(before.env);
    expect(after.man).toBe(before.man);
    expect(after.desc).toBe(before.desc);
    expect(await prop('desc', 'Description')).toBe('other words');
    expect(await prop('gone', 'ActiveState')).toBe('inactive');
    expect(await prop('new', 'ActiveState')).toBe('active');
    // --runtime only: nothing under /etc/systemd/system.control.
    expect((await host.run(['ls', '/etc/systemd/system.control'], { allowFail: true })).stdout.trim()).toBe('');
  });

  test('a second apply does nothing', async () => {
    const before = await pids(['mem', 'env', 'man', 'desc', 'new']);
    const r = await apply();
    expect(r.code, r.out).toBe(0);
    expect(r.steps).toEqual([]);
    expect(await pids(['mem', 'env', 'man', 'desc', 'new'])).toEqual(before);
  });

  test('a new port of a pod: apply restarts the pod (no member alone), its members restart with it, the port listens', async () => {
    const member = 'autostart: true\ndirectory: /\nvolatile: yes\nnetwork: { mode: pod, pod: front }\n';
    host.writeFile('/etc/machinist/pods/front.yaml', '');
    for (const n of ['pa', 'pb']) host.writeFile(`/etc/machinist/containers/${n}.yaml`, member);
    expect(commands((await apply()).steps)).toEqual([
      'systemctl daemon-reload',
      'systemctl start machine@pa.service',
      'systemctl start machine@pb.service',
    ]);
    const pod = 'machinist-pod@front.service';
    const socket = 'machinist-pod-front-tcp-18080.socket';
    const since = async () =>
      (await host.run(['systemctl', 'show', pod, '-p', 'ActiveEnterTimestampMonotonic'])).stdout;
    const podBefore = await since();
    const before = await pids(['pa', 'pb']);
    host.writeFile('/etc/machinist/pods/front.yaml', 'ports: ["tcp:18080:80"]\n');
    const r = await apply();
    expect(r.code, r.out).toBe(0);
    expect(commands(r.steps)).toEqual(['systemctl daemon-reload', `systemctl restart ${pod}`]);
    expect(r.steps[1]!.why).toMatch(/its members pa, pb restart with it$/);
    expect(await since()).not.toBe(podBefore);
    const after = await pids(['pa', 'pb']);
    expect(after.pa).not.toBe(before.pa);
    expect(after.pb).not.toBe(before.pb);
    // systemctl restart returns with the pod's job; the members' starts, pulled in with it, finish after it.
    await host.waitFor(
      'pod, socket and members active',
      async () =>
        (await host.run(['systemctl', 'is-active', pod, socket, unit('pa'), unit('pb')], { allowFail: true }))
          .stdout === 'active\nactive\nactive\nactive\n',
      30_000,
    );
    expect((await apply()).steps).toEqual([]);
  });

  test("status tells a pod's changed ports after a compile alone; apply stops a port no longer published", async () => {
    const pod = 'machinist-pod@front.service';
    const socket = (port: number) => `machinist-pod-front-tcp-${port}.socket`;
    const isActive = async (u: string) =>
      (await host.run(['systemctl', 'is-active', u], { allowFail: true })).stdout.trim();
    const podLines = async () =>
      Object.fromEntries(
        [...(await status())]
          .filter(([n]) => n === 'pa' || n === 'pb')
          .map(([n, r]) => [n, r.drift.filter((d) => d.startsWith('pending restart') || d.startsWith('pod '))]),
      );
    const compileAlone = async (ports: string) => {
      host.writeFile('/etc/machinist/pods/front.yaml', `ports: ${ports}\n`);
      await host.run(['machinist', 'compile']);
      await host.run(['systemctl', 'daemon-reload']);
    };
    // Members booted again before anything else: a guest stopped while it still boots holds its stop job up.
    const settled = async () => {
      for (const n of ['pa', 'pb']) await guestHandle(host, n).waitRunning(90_000);
    };
    const restartPod = async () => {
      await host.run(['systemctl', 'restart', pod], { timeoutMs: 120_000 });
      await settled();
    };
    await settled();
    expect(await podLines()).toEqual({ pa: [], pb: [] });

    // A new port: systemd does not start its socket while the pod runs (only the pod's start pulls it in).
    await compileAlone('["tcp:18080:80", "tcp:18081:81"]');
    expect(await isActive(socket(18081))).toBe('inactive');
    const added = `pending restart: pod front (new host port 18081: systemctl restart ${pod})`;
    expect(await podLines()).toEqual({ pa: [added], pb: [added] });
    await restartPod();
    expect(await isActive(socket(18081))).toBe('active');
    expect(await podLines()).toEqual({ pa: [], pb: [] });

    // A removed port: its files go, its socket keeps listening, even through the pod's restart.
    await compileAlone('["tcp:18080:80"]');
    await restartPod();
    expect(await isActive(socket(18081))).toBe('active');
    const stale = `pod front: host port 18081 is no longer published but listens (systemctl stop ${socket(18081)})`;
    expect(await podLines()).toEqual({ pa: [stale], pb: [stale] });
    await host.run(['systemctl', 'stop', socket(18081)]);
    expect(await podLines()).toEqual({ pa: [], pb: [] });

    // apply does both: it restarts the pod for a new port, and stops a port no longer published.
    host.writeFile('/etc/machinist/pods/front.yaml', 'ports: ["tcp:18080:80", "tcp:18081:81"]\n');
    expect(commands((await apply()).steps)).toEqual(['systemctl daemon-reload', `systemctl restart ${pod}`]);
    await settled();
    expect(await isActive(socket(18081))).toBe('active');
    host.writeFile('/etc/machinist/pods/front.yaml', 'ports: ["tcp:18080:80"]\n');
    const r = await apply();
    expect(r.code, r.out).toBe(0);
    expect(commands(r.steps)).toEqual([
      'systemctl daemon-reload',
      `systemctl stop ${socket(18081)}`,
      `systemctl restart ${pod}`,
    ]);
    expect(await isActive(socket(18081))).toBe('inactive');
    await settled();
    expect(await podLines()).toEqual({ pa: [], pb: [] });
  }, 600_000);

  test('status shows running, pending restart, failed (broken YAML), a set-property override, a hand edit, an orphan', async () => {
    // A broken YAML: the generator makes a unit that fails on start and names the file.
    host.writeFile('/etc/machinist/containers/broken.yaml', 'environmnt: {}\n');
    await host.run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', unit('broken')], { allowFail: true, timeoutMs: 30_000 });
    await host.run(['systemctl', 'set-property', unit('desc'), 'CPUWeight=50']);
    await host.sh('echo "# my note" >> /etc/systemd/nspawn/env.nspawn');
    // An orphan: a container whose files someone wrote by hand, no YAML.
    host.writeFile(
      '/etc/systemd/nspawn/ghost.nspawn',
      '[Exec]\nBoot=yes\n[Files]\nVolatile=yes\n[Network]\nPrivate=no\nVirtualEthernet=no\n',
    );
    host.writeFile(
      '/etc/systemd/system/machine@ghost.service.d/local.conf',
      '[Service]\nEnvironment=MACHINIST_ARGS=--directory=/\n',
    );
    await host.run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', unit('ghost')], { timeoutMs: 30_000 });

    const rows = await status();
    const text = (await host.run(['machinist', 'status'], { allowFail: true })).stdout;
    const row = (n: string) => {
      const x = rows.get(n);
      if (!x) throw new Error(`no row ${n} in:\n${text}`);
      return x;
    };
    expect(row('mem')).toMatchObject({
      state: 'active',
      sub_state: 'running',
      machine_state: 'running',
      drift: [],
      memory_max: 200 * 1024 * 1024,
    });
    expect(row('mem').leader).toBeGreaterThan(1);
    expect(row('man').drift).toEqual([expect.stringMatching(/^pending restart: man\.nspawn: Exec\.Environment/)]);
    expect(row('broken').state).toBe('failed');
    expect(row('broken').drift).toEqual([
      expect.stringMatching(/^broken YAML: \/etc\/machinist\/containers\/broken\.yaml:1:1: .*environmnt/),
    ]);
    expect(row('desc').drift).toEqual([
      expect.stringMatching(/^system\.control override: .*machine@desc\.service\.d\//),
    ]);
    expect(row('env').drift).toEqual([expect.stringMatching(/^hand-edited file: \/etc\/systemd\/nspawn\/env\.nspawn/)]);
    expect(row('ghost').drift).toEqual(['orphan: runs without a YAML file']);
    expect(rows.has('gone')).toBe(false);
    expect(text.split('\n')[0]).toMatch(/^NAME\s+STATE\s+MACHINE/);
  });

  test('status -H: a host that cannot be reached over SSH is a row with the error, not a crash', async () => {
    // The host has a private network with nothing listening on port 22.
    const r = await host.run(['machinist', 'status', '-H', 'root@127.0.0.1', '--format', 'json'], {
      allowFail: true,
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { rows: (Row & { host: string; error: string })[] }).rows;
    expect(rows).toEqual([
      expect.objectContaining({ host: 'root@127.0.0.1', state: 'unreachable', error: expect.stringMatching(/\S/) }),
    ]);
  });
});
