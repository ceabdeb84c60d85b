/**
 * cloud_init: end to end: machinist, installed in a booted systemd 252 host, compiles a container whose
 * `cloud_init:` merges a template (cloud-init/base.yaml) under its own keys; the guest (the cached Debian 12 root,
 * which has cloud-init 22.4) finds the NoCloud seed machinist bound at /var/lib/cloud/seed/nocloud and applies it:
 * host name, a written file, a runcmd. A restart applies nothing again; a changed seed is applied once more,
 * with a new instance-id.
 *
 * Runs only under vitest.e2e.config.ts (MACHINIST_E2E=1); needs root, systemd-container and the cached root
 * (sh scripts/e2e-rootfs.sh).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { bootRootfsHost, guestHandle, mountRoot, writeInHost, type Guest } from './guest.js';
import { configWarnings, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { IMAGE_DIR_IN_HOST, ROOTFS_BUILD_TIMEOUT_MS } from './rootfs.js';

const E2E = process.env.MACHINIST_E2E === '1';
const NAME = 'cinit';
const SEED = `/etc/systemd/nspawn/${NAME}.cloud-init`;
const LOG = '/var/log/machinist-ci-runcmd.log';
/** Written by write_files: what YAML 1.1 would otherwise read as a boolean, a number or a comment. */
const MARKER = 'yes\n0644\n# not a comment: é 𝄞\n';

const template = [
  'user_data:',
  '  locale: false',
  '  manage_etc_hosts: true',
  '  runcmd:',
  // The instance-id cloud-init applied, one line per run.
  `    - [sh, -c, "cat /var/lib/cloud/data/instance-id >> ${LOG}"]`,
  '',
].join('\n');

const container = (extra: string[] = []) =>
  [
    'description: cloud-init e2e',
    'cloud_init:',
    '  template: base',
    '  meta_data:',
    '    local-hostname: ci-guest-1',
    '  user_data:',
    '    write_files:',
    '      - path: /etc/machinist-ci-marker',
    "        permissions: '0640'",
    `        content: ${JSON.stringify(MARKER)}`,
    ...extra,
    '',
  ].join('\n');

describe.skipIf(!E2E)('cloud_init: a NoCloud seed compiled by machinist, applied by cloud-init in the guest', () => {
  let host: Host;
  let guest: Guest;
  const instanceId = async () =>
    /^instance-id: (\S+)$/m.exec((await host.run(['cat', `${SEED}/meta-data`])).stdout)![1]!;
  const cloudInitDone = async () => {
    const st = await guest.run(['cloud-init', 'status', '--wait', '--long'], { timeoutMs: 90_000, allowFail: true });
    expect(st.stdout).toMatch(/status: done/);
    return st.stdout;
  };
  /** What `machinist status` says the running container needs a restart for. */
  const pendingRestart = async () => {
    const r = await host.run(['machinist', 'status', NAME, '--format', 'json'], { allowFail: true });
    const rows = (JSON.parse(r.stdout) as { rows: Array<{ name: string; drift: string[] }> }).rows;
    return rows.find((x) => x.name === NAME)!.drift.filter((d) => d.startsWith('pending restart'));
  };
  const restart = async () => {
    await host.run(['systemctl', 'restart', guest.unit], { timeoutMs: 60_000 });
    await guest.waitRunning();
  };

  beforeAll(async () => {
    host = await bootRootfsHost();
  }, ROOTFS_BUILD_TIMEOUT_MS + 90_000);

  hostHooks(() => host, ['machine@*'], 200);

  test('compile, start: cloud-init applies the seed (host name, file, runcmd once)', async () => {
    await mountRoot(host, NAME, IMAGE_DIR_IN_HOST);
    host.writeFile('etc/machinist/cloud-init/base.yaml', template);
    host.writeFile(`etc/machinist/containers/${NAME}.yaml`, container());
    const compiled = await host.run(['machinist', 'compile']);
    for (const f of ['meta-data', 'network-config', 'user-data']) expect(compiled.stdout).toContain(`${SEED}/${f}`);
    expect((await host.run(['head', '-n1', `${SEED}/user-data`])).stdout).toBe('#cloud-config\n');
    await host.run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', `machine@${NAME}.service`], { timeoutMs: 60_000 });
    guest = guestHandle(host, NAME);
    await guest.waitRunning();

    const status = await cloudInitDone();
    expect(status).toMatch(/DataSourceNoCloud/);
    expect((await guest.run(['hostname'])).stdout.trim()).toBe('ci-guest-1');
    expect((await guest.run(['grep', '-c', 'ci-guest-1', '/etc/hosts'])).stdout.trim()).not.toBe('0');
    expect((await guest.run(['stat', '-c', '%a', '/etc/machinist-ci-marker'])).stdout).toBe('640\n');
    expect((await guest.run(['cat', '/etc/machinist-ci-marker'])).stdout).toBe(MARKER);
    const iid = await instanceId();
    expect(iid).toMatch(/^iid-machinist-[0-9a-f]{32}$/);
    expect((await guest.run(['cat', LOG])).stdout).toBe(`${iid}\n`);
  });

  test('a restart with the same seed applies nothing again', async () => {
    const before = await instanceId();
    expect((await host.run(['machinist', 'compile'])).stdout).not.toMatch(/^(create|change) /m);
    await restart();
    await cloudInitDone();
    expect((await guest.run(['cat', LOG])).stdout).toBe(`${before}\n`);
  });

  test('a changed seed gets a new instance-id and is applied exactly once more', async () => {
    const first = await instanceId();
    host.writeFile(
      `etc/machinist/containers/${NAME}.yaml`,
      container(['    bootcmd:', '      - [sh, -c, "echo changed > /run/machinist-ci-changed"]']),
    );
    const compiled = await host.run(['machinist', 'compile']);
    expect(compiled.stdout).toContain(`change  ${SEED}/meta-data`);
    expect(compiled.stdout).toContain(`change  ${SEED}/user-data`);
    const second = await instanceId();
    expect(second).not.toBe(first);
    expect(await pendingRestart()).toEqual([`pending restart: ${NAME}.cloud-init: instance-id`]);
    await restart();
    expect(await pendingRestart()).toEqual([]);
    await cloudInitDone();
    expect((await guest.run(['cat', LOG])).stdout).toBe(`${first}\n${second}\n`);
    expect((await guest.run(['cat', '/run/machinist-ci-changed'])).stdout).toBe('changed\n');
    await restart();
    await cloudInitDone();
    expect((await guest.run(['cat', LOG])).stdout).toBe(`${first}\n${second}\n`);
  });

  test('a guest under private_users: its root reads the 0644 seed, and could not read a 0600 one', async () => {
    const pu = 'cinit-pu';
    const dir = `/etc/systemd/nspawn/${pu}.cloud-init`;
    await mountRoot(host, pu, IMAGE_DIR_IN_HOST);
    host.writeFile(`etc/machinist/containers/${pu}.yaml`, 'security: { private_users: pick }\ncloud_init: {}\n');
    await host.run(['machinist', 'compile']);
    expect((await host.run(['stat', '-c', '%a %U', dir, `${dir}/user-data`])).stdout).toBe('755 root\n644 root\n');
    // A file of the host's root that only root may read, as a seed made from a private file would be.
    await writeInHost(host, `${dir}/probe`, 'secret\n', '0600');
    await host.run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', `machine@${pu}.service`], { timeoutMs: 60_000 });
    const g = guestHandle(host, pu);
    // The e2e root (an overlay of the image) is not shifted into the user namespace, so the guest's own state
    // directories (cloud-init's included) are not writable and it ends degraded: only reading the seed is judged.
    await g.waitRunning();
    const seed = '/var/lib/cloud/seed/nocloud';
    expect((await g.run(['stat', '-c', '%U', `${seed}/user-data`])).stdout).toBe('nobody\n');
    expect((await g.run(['head', '-n1', `${seed}/user-data`])).stdout).toBe('#cloud-config\n');
    const denied = await g.run(['cat', `${seed}/probe`], { allowFail: true });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Permission denied/);
    await host.run(['systemctl', 'stop', `machine@${pu}.service`], { timeoutMs: 60_000 });
    await host.run(['rm', `${dir}/probe`]);
  });

  test('no complaints about the generated .nspawn file (its seed bind included)', async () => {
    const text = await host.journal(guest.unit);
    expect(configWarnings(text, [`${NAME}.nspawn`, '50-machinist.conf'])).toEqual([]);
  });
});
