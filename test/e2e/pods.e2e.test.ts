/**
 * Pods on a real, booted systemd 252: two members (one with private_users pick) share the pod's network
 * namespace and talk over 127.0.0.1, apart from the host's namespace; the pod's published port answers on the
 * host's 127.0.0.1 and on another host address; stopping every member stops the pod and removes its namespace
 * (after the proxy's idle time).
 *
 * Runs only under vitest.e2e.config.ts (which sets MACHINIST_E2E=1); needs root and systemd-container.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// The pipeline runs from source here: hand it the modules it loads lazily, as vitest.config.ts does.
import '../helpers/esm-modules.js';
import { compile } from '../../src/index.js';
import { bootHost, configWarnings, type Host } from './harness.js';
import { guestHandle } from './guest.js';
import { hostHooks } from './hooks.js';
import { REPO } from './install.js';
import { PREP_UNIT, WORLD_NSPAWN_ARGS, World } from './world.js';

const E2E = process.env.MACHINIST_E2E === '1';

const MEMBERS: Record<string, { shift: number; yaml: string }> = {
  'p-a': { shift: 0, yaml: 'network: { mode: pod, pod: front }\n' },
  'p-b': { shift: 0x40200000, yaml: 'network: { mode: pod, pod: front }\nsecurity: { private_users: pick }\n' },
};
const POD = 'pods/front.yaml';
const POD_YAML = 'description: e2e pod\nports: ["tcp:18080:80"]\n';
/** A host address other than loopback, on a veth of the host. */
const HOST_ADDR = '10.77.0.1';

/** Python one-liner that prints the HTTP status of a GET, or the error. */
const get = (url: string) => [
  '/usr/bin/python3',
  '-c',
  `import urllib.request as u\ntry: print(u.urlopen(${JSON.stringify(url)}, timeout=5).status)\nexcept Exception as e: print("error", e)`,
];

describe.skipIf(!E2E)('pods on a booted systemd', () => {
  let host: Host | undefined;
  let config = '';
  hostHooks(() => host, ['machine@p-*', 'machinist-pod*'], 80);

  const inGuest = (machine: string, argv: string[]) =>
    host!.inMachine(machine, ['systemd-run', '--wait', '--pipe', '--quiet', '-p', 'StandardInput=null', ...argv], {
      allowFail: true,
      timeoutMs: 30_000,
    });
  const netnsOf = async (pid: number | string) => (await host!.run(['readlink', `/proc/${pid}/ns/net`])).stdout.trim();
  const active = async (unit: string) =>
    (await host!.run(['systemctl', 'is-active', unit], { allowFail: true })).stdout.trim();

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'machinist-e2e-pods-'));
    mkdirSync(path.join(config, 'containers'));
    mkdirSync(path.join(config, 'pods'));
    writeFileSync(path.join(config, POD), POD_YAML);
    const world = new World();
    world.link('d0', 'veth').run(`ip addr add ${HOST_ADDR}/24 dev d0`).run('ip link set d0-p up');
    for (const [name, m] of Object.entries(MEMBERS)) {
      writeFileSync(path.join(config, 'containers', `${name}.yaml`), m.yaml);
      world.osRoot(`/var/lib/machines/${name}`, { shift: m.shift });
    }
    host = await bootHost({
      timeoutMs: 60_000,
      nspawnArgs: WORLD_NSPAWN_ARGS,
      setup: (root) => {
        world.install(root);
        for (const u of ['machine@.service', 'machinist-pod@.service']) {
          cpSync(path.join(REPO, 'units', u), path.join(root, 'usr/lib/systemd/system', u));
        }
        const r = compile({ configDir: config, shownDir: '/etc/machinist', root });
        if (!r.written) throw new Error(`compile wrote nothing: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      },
    });
    await host.waitFor(`${PREP_UNIT} done`, async () => (await active(PREP_UNIT)) === 'active', 60_000);
    await host.run(['systemctl', 'start', 'machine@p-a.service', 'machine@p-b.service'], { timeoutMs: 60_000 });
    for (const name of Object.keys(MEMBERS)) await guestHandle(host!, name).waitRunning(60_000);
    // Servers in the pod: p-a on port 80, p-b (user namespace) on port 81: below 1024 in both.
    await host.inMachine('p-a', [
      'systemd-run',
      '--unit=srv',
      '/usr/bin/python3',
      '-m',
      'http.server',
      '80',
      '--bind',
      '127.0.0.1',
    ]);
    await host.inMachine('p-b', [
      'systemd-run',
      '--unit=srv',
      '/usr/bin/python3',
      '-m',
      'http.server',
      '81',
      '--bind',
      '127.0.0.1',
    ]);
  }, 240_000);
  afterAll(() => {
    if (config) rmSync(config, { recursive: true, force: true });
  });

  test('both members run in the pod namespace, not the host one; p-b in a user namespace', async () => {
    const pod = (await host!.run(['stat', '-L', '-c', '%i', '/run/netns/front'])).stdout.trim();
    const a = await netnsOf(await host!.machineLeader('p-a'));
    const b = await netnsOf(await host!.machineLeader('p-b'));
    expect(a).toBe(`net:[${pod}]`);
    expect(b).toBe(a);
    expect(await netnsOf(1)).not.toBe(a);
    expect((await host!.inMachine('p-b', ['cat', '/proc/self/uid_map'])).stdout).toMatch(/^\s*0\s+1075838976\s+65536/);
  });

  test('the members talk over 127.0.0.1 both ways, below port 1024 in the user namespace too', async () => {
    await host!.waitFor(
      'p-a reaches p-b',
      async () => (await inGuest('p-a', get('http://127.0.0.1:81/'))).stdout.trim() === '200',
      20_000,
    );
    await host!.waitFor(
      'p-b reaches p-a',
      async () => (await inGuest('p-b', get('http://127.0.0.1:80/'))).stdout.trim() === '200',
      20_000,
    );
  });

  test("the host's own namespace does not reach the pod's loopback", async () => {
    expect((await host!.run(get('http://127.0.0.1:81/'), { allowFail: true })).stdout).toMatch(/^error/);
  });

  test("the published port answers on the host's 127.0.0.1 and on another host address", async () => {
    expect((await host!.run(get('http://127.0.0.1:18080/'))).stdout.trim()).toBe('200');
    expect((await host!.run(get(`http://${HOST_ADDR}:18080/`))).stdout.trim()).toBe('200');
  });

  test('no complaint about the files', async () => {
    for (const u of [
      'machine@p-a.service',
      'machine@p-b.service',
      'machinist-pod@front.service',
      'machinist-pod-front-tcp-18080.socket',
      'machinist-pod-front-tcp-18080.service',
    ]) {
      expect(configWarnings(await host!.journal(u), ['.nspawn', '50-machinist.conf', 'machinist-pod'])).toEqual([]);
    }
  });

  test('stopping every member stops the pod, removes its namespace and closes the port', async () => {
    expect(await active('machinist-pod@front.service')).toBe('active');
    await host!.run(['systemctl', 'stop', 'machine@p-a.service'], { timeoutMs: 30_000 });
    expect(await active('machinist-pod@front.service')).toBe('active');
    await host!.run(['systemctl', 'stop', 'machine@p-b.service'], { timeoutMs: 30_000 });
    // The proxy keeps the pod until it has been idle for its --exit-idle-time (30 s).
    await host!.waitFor(
      'pod stopped',
      async () => (await active('machinist-pod@front.service')) === 'inactive',
      60_000,
    );
    expect((await host!.run(['test', '-e', '/run/netns/front'], { allowFail: true })).code).not.toBe(0);
    expect(await active('machinist-pod-front-tcp-18080.socket')).toBe('inactive');
    expect((await host!.run(get('http://127.0.0.1:18080/'), { allowFail: true })).stdout).toMatch(/^error/);
  }, 90_000);
});
