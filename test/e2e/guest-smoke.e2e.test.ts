/**
 * The guest infrastructure end to end, on a booted systemd 252: the cached Debian root (rootfs.ts) bound into an
 * e2e host, served over HTTP from the host's loopback (http-fixture.ts) and pulled by systemd-pull, a nested guest
 * booted from it by units/machine@.service (guest.ts), root's key delivered by the `ssh.authorized_keys.root`
 * credential and used over SSH (ssh.ts), and a NoCloud seed applied by the guest's cloud-init.
 *
 * Runs only under vitest.e2e.config.ts (MACHINIST_E2E=1); needs root, systemd-container, mmdebstrap (first run
 * builds the root: about 2-3 minutes) and openssh-client.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootGuest, type Guest } from './guest.js';
import { bootHost, configWarnings, exec, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { startHttp, type HttpFixture } from './http-fixture.js';
import {
  ensureRootfs,
  IMAGE_DIR_IN_HOST,
  IMAGE_TAR_IN_HOST,
  ROOTFS_BUILD_TIMEOUT_MS,
  rootfsNspawnArgs,
  type Rootfs,
} from './rootfs.js';
import { ssh, sshKeyPair, waitForSsh, type SshKey } from './ssh.js';

const E2E = process.env.MACHINIST_E2E === '1';
const SSH_PORT = 2201;
const MiB = 1024 * 1024;
/** A SetCredential= value with what the unit parser would otherwise change: %, backslash, quotes, newlines. */
const NOTE = 'a 50% "b" \\x\\n\nsecond line\n';

/** Offset of the first byte of the first non-empty regular file's data in a tar (its header block + 512). */
async function firstFileData(tar: string): Promise<number> {
  const r = await exec('sh', ['-c', `tar --block-number -tvf '${tar}' | awk '$3 ~ /^-/ && $5 > 0 { print $2; exit }'`]);
  const block = parseInt(r.stdout, 10); // "35:"
  if (!Number.isInteger(block)) throw new Error(`no regular file in ${tar}: ${r.stdout}`);
  return (block + 1) * 512;
}

describe.skipIf(!E2E)('guest infrastructure: cached Debian root, HTTP fixture, nested guest, SSH, cloud-init', () => {
  let rootfs: Rootfs;
  let host: Host;
  let http: HttpFixture | undefined;
  let guest: Guest;
  let rootKey: SshKey;

  beforeAll(async () => {
    rootfs = await ensureRootfs();
    host = await bootHost({ timeoutMs: 45_000, nspawnArgs: rootfsNspawnArgs(rootfs) });
  }, ROOTFS_BUILD_TIMEOUT_MS + 60_000);

  hostHooks(() => host, ['machine@*'], 200);
  // After hooks run in reverse order: the server stops before the host is torn down.
  afterAll(async () => {
    await http?.stop();
  });

  test('the image: under 300 MB, no identity in /etc, bound read-only into the host', async () => {
    expect(statSync(rootfs.tar).size).toBeLessThan(300 * MiB);
    expect(readFileSync(path.join(rootfs.dir, 'etc/machine-id'), 'utf8')).toBe('');
    expect(existsSync(path.join(rootfs.dir, 'etc/hostname'))).toBe(false);
    expect(readFileSync(path.join(rootfs.dir, 'etc/os-release'), 'utf8')).toMatch(/VERSION_CODENAME=bookworm/);
    expect((await exec('sh', ['-c', `ls ${rootfs.dir}/etc/ssh | grep -c ssh_host_ || true`])).stdout.trim()).toBe('0');

    for (const p of [IMAGE_DIR_IN_HOST, IMAGE_TAR_IN_HOST]) {
      expect((await host.run(['findmnt', '-no', 'OPTIONS', p])).stdout.split(',')[0]).toBe('ro');
    }
    const w = await host.run(['touch', `${IMAGE_DIR_IN_HOST}/x`], { allowFail: true });
    expect(w.stderr).toMatch(/Read-only file system/);
    const size = (await host.run(['stat', '-c', '%s', IMAGE_TAR_IN_HOST])).stdout.trim();
    expect(size).toBe(String(statSync(rootfs.tar).size));
  });

  test('HTTP fixture in the host netns: systemd-pull verifies and unpacks the tar with one GET', async () => {
    http = await startHttp({
      host,
      files: {
        '/debian-12.tar': rootfs.tar,
        '/short.tar': { path: rootfs.tar, truncate: MiB },
        '/corrupt.tar': { path: rootfs.tar, corruptAt: await firstFileData(rootfs.tar) },
        '/cut.tar': { path: rootfs.tar, dropAfter: MiB },
      },
    });
    // Not on this machine's loopback: the host has its own network namespace.
    const outside = await exec('curl', ['-sS', '-o', '/dev/null', http.url('/debian-12.tar')], { allowFail: true });
    expect(outside.code).not.toBe(0);

    const staging = '/var/lib/machines/.e2e-pull';
    const t0 = Date.now();
    await host.run(
      [
        '/usr/lib/systemd/systemd-pull',
        'tar',
        '--direct',
        '--settings=no',
        `--verify=${rootfs.sha256}`,
        http.url('/debian-12.tar'),
        staging,
      ],
      { timeoutMs: 120_000 },
    );
    process.stderr.write(`[e2e] systemd-pull of the ${statSync(rootfs.tar).size} byte tar: ${Date.now() - t0} ms\n`);
    expect((await host.run(['cat', `${staging}/etc/os-release`])).stdout).toMatch(/VERSION_CODENAME=bookworm/);
    await host.run(['rm', '-rf', staging]);
    expect(await http.gets('/debian-12.tar')).toBe(1);
    const [rec] = (await http.requests()).filter((r) => r.path === '/debian-12.tar');
    expect(rec).toMatchObject({ method: 'GET', status: 200, bytes: statSync(rootfs.tar).size });
  });

  test('HTTP fixture: a corrupted file fails verification, a truncated one unpacking, each in one GET', async () => {
    if (!http) throw new Error('needs the previous test');
    const pull = (urlPath: string) =>
      host.run(
        [
          '/usr/lib/systemd/systemd-pull',
          'tar',
          '--direct',
          '--settings=no',
          `--verify=${rootfs.sha256}`,
          http!.url(urlPath),
          '/var/lib/machines/.e2e-bad',
        ],
        { allowFail: true, timeoutMs: 120_000 },
      );
    // A byte inside a file's data, not a header: tar is happy, only the sha256 is not.
    const corrupt = await pull('/corrupt.tar');
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.stderr).toMatch(/DOWNLOAD INVALID/);
    const short = await pull('/short.tar');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/Unexpected EOF in archive/);
    await host.run(['rm', '-rf', '/var/lib/machines/.e2e-bad']);
    expect([await http.gets('/corrupt.tar'), await http.gets('/short.tar')]).toEqual([1, 1]);
    expect((await http.requests()).find((r) => r.path === '/short.tar')?.bytes).toBe(MiB);

    const cut = await host.run(['curl', '-sS', '-o', '/dev/null', http.url('/cut.tar')], { allowFail: true });
    expect(cut.code).toBe(18); // curl: partial file (transfer closed with outstanding read data)
    expect((await http.requests()).find((r) => r.path === '/cut.tar')?.bytes).toBe(MiB);
    const missing = await host.run(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', http.url('/nope')], {
      allowFail: true,
    });
    expect(missing.stdout).toBe('404');
  });

  test('a nested guest boots from the image; root logs in over SSH with its credential key', async () => {
    rootKey = await sshKeyPair(host, 'smoke-root');
    const t0 = Date.now();
    guest = await bootGuest(host, {
      name: 'smoke',
      sshPort: SSH_PORT,
      credentials: { 'ssh.authorized_keys.root': `${rootKey.publicKey}\n` },
      publicCredentials: { 'machinist-e2e.note': NOTE },
      cloudInit: {
        metaData: 'instance-id: smoke-1\nlocal-hostname: smoke-ci\n',
        userData: [
          '#cloud-config',
          'locale: false',
          'manage_etc_hosts: true',
          'runcmd:',
          '  - [sh, -c, "echo ran >> /var/lib/smoke-runcmd"]',
          '',
        ].join('\n'),
      },
    });
    process.stderr.write(`[e2e] guest smoke up in ${Date.now() - t0} ms\n`);
    const target = { key: rootKey, port: SSH_PORT };
    await waitForSsh(host, target);
    const keys = '/root/.ssh/authorized_keys';
    const r = await ssh(host, target, `id -u; stat -c %a:%U ${keys}; cat ${keys}`);
    expect(r.stdout).toBe(`0\n600:root\n${rootKey.publicKey}\n`);

    const stranger = await sshKeyPair(host, 'smoke-stranger');
    const refused = await ssh(host, { key: stranger, port: SSH_PORT }, 'true', { allowFail: true });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied \(publickey/);
    // The credential was passed by name only: the key's text is not on nspawn's command line.
    const cmdline = await host.sh(`tr '\\0' ' ' </proc/$(systemctl show -p MainPID --value ${guest.unit})/cmdline`);
    expect(cmdline.stdout).toContain('--load-credential=ssh.authorized_keys.root:ssh.authorized_keys.root');
    expect(cmdline.stdout).not.toContain('ssh-ed25519');
    // SetCredential= arrives byte for byte.
    expect((await guest.run(['cat', '/run/host/credentials/machinist-e2e.note'])).stdout).toBe(NOTE);
  });

  test('cloud-init in the guest found the NoCloud seed: runcmd ran once, hostname set', async () => {
    const st = await guest.run(['cloud-init', 'status', '--wait', '--long'], { timeoutMs: 90_000, allowFail: true });
    expect(st.stdout).toMatch(/status: done/);
    expect(st.stdout).toMatch(/DataSourceNoCloud/);
    expect((await guest.run(['cat', '/var/lib/smoke-runcmd'])).stdout).toBe('ran\n');
    expect((await ssh(host, { key: rootKey, port: SSH_PORT }, 'hostname')).stdout.trim()).toBe('smoke-ci');
    // runAsService: a unit of the guest's own systemd (it has an invocation ID), not a process nsenter made.
    const svc = await guest.runAsService(['sh', '-c', 'echo "$INVOCATION_ID"; cat /proc/self/cgroup']);
    expect(svc.stdout).toMatch(/^[0-9a-f]{32}\n/);
    expect(svc.stdout).toMatch(/run-u\d+\.service/);
  });

  test('a guest restart keeps its root (overlay upper): cloud-init does not run again, SSH still works', async () => {
    const hostKey = (await guest.run(['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout;
    await host.run(['systemctl', 'restart', guest.unit], { timeoutMs: 60_000 });
    await guest.waitRunning();
    await waitForSsh(host, { key: rootKey, port: SSH_PORT });
    const st = await guest.run(['cloud-init', 'status', '--wait'], { timeoutMs: 60_000, allowFail: true });
    expect(st.stdout).toMatch(/status: done/);
    expect((await guest.run(['cat', '/var/lib/smoke-runcmd'])).stdout).toBe('ran\n');
    expect((await guest.run(['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout).toBe(hostKey);
  });

  test('no complaints about the hand-written .nspawn and drop-in', async () => {
    const text = await host.journal(guest.unit);
    expect(text).toContain(guest.unit);
    expect(configWarnings(text, ['smoke.nspawn', '50-e2e.conf'])).toEqual([]);
  });
});
