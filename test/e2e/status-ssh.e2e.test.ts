/**
 * `machinist status -H` on two real, booted systemd 252 hosts, read over SSH through systemd's own transport
 * (`systemctl -H`, `machinectl -H`: ssh to the host, then systemd-stdio-bridge). Each host runs sshd (a key made
 * by the test) and one container; a veth pair links the two hosts' network namespaces, and status runs in the
 * first one's, so that nothing of this listens on the machine running the tests. One table, both hosts, and a
 * third address that nothing answers on is a row with the error.
 *
 * sshd: this machine's own (/usr/sbin/sshd, seen through the hosts' overlay of /), or the packages in
 * $MACHINIST_E2E_DEBS (openssh-server, openssh-sftp-server, libwrap0 .deb files, unpacked into each host's root);
 * without either the suite is skipped.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { bootHost, exec, failureReport, leftoverMounts, type Host } from './harness.js';
import { installIntoRoot, REPO } from './install.js';

const E2E = process.env.MACHINIST_E2E === '1';
const DEBS = process.env.MACHINIST_E2E_DEBS;
const HAVE_SSHD = existsSync('/usr/sbin/sshd') || (DEBS !== undefined && existsSync(DEBS));

const CONTAINER = 'autostart: true\ndirectory: /\nvolatile: yes\nnetwork: { mode: host }\n';
const ADDR = { a: '10.213.0.1', b: '10.213.0.2', none: '10.213.0.9' };

describe.skipIf(!E2E || !HAVE_SSHD)('status -H: two booted hosts over SSH, one table', () => {
  const hosts: Host[] = [];
  const keys = mkdtempSync(path.join(tmpdir(), 'machinist-e2e-ssh-'));
  const bin = path.join(keys, 'bin');

  /** Installed before boot: machinist, one container, sshd's config and host key, the test's public key. */
  async function prepare(root: string, container: string): Promise<void> {
    await installIntoRoot(root, 'make');
    if (!existsSync(path.join(root, 'usr/sbin/sshd')) && DEBS) {
      // Unpacked beside the root, then only sshd and its library copied in (unpacking into the merged / would
      // replace its /lib symbolic link).
      const unpacked = path.join(keys, 'unpacked');
      for (const deb of readdirSync(DEBS).filter((n) => n.endsWith('.deb')))
        await exec('dpkg', ['-x', path.join(DEBS, deb), unpacked]);
      await exec('cp', [path.join(unpacked, 'usr/sbin/sshd'), path.join(root, 'usr/sbin/sshd')]);
      await exec('sh', [
        '-c',
        `cp -P ${unpacked}/usr/lib/x86_64-linux-gnu/libwrap.so* ${root}/usr/lib/x86_64-linux-gnu/`,
      ]);
    }
    const dir = path.join(root, 'etc/machinist-e2e-ssh');
    mkdirSync(dir, { recursive: true });
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
    await exec('cp', [path.join(keys, 'id.pub'), path.join(dir, 'authorized_keys')]);
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        'Port 22',
        `HostKey ${dir.slice(root.length)}/host_key`,
        `AuthorizedKeysFile ${dir.slice(root.length)}/authorized_keys`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'UsePAM no',
        'StrictModes no',
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(root, 'etc/machinist/containers'), { recursive: true });
    writeFileSync(path.join(root, 'etc/machinist/containers', `${container}.yaml`), CONTAINER);
  }

  beforeAll(async () => {
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'id')]);
    // systemd runs `ssh -xT HOST systemd-stdio-bridge` from PATH: this one brings the test's key and knows no hosts.
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'ssh'),
      [
        '#!/bin/sh',
        `exec /usr/bin/ssh -i ${keys}/id -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \\`,
        '  -o ConnectTimeout=5 -o LogLevel=ERROR "$@"',
        '',
      ].join('\n'),
    );
    chmodSync(path.join(bin, 'ssh'), 0o755);
    for (const container of ['alpha', 'beta']) {
      const host = await bootHost({ timeoutMs: 120_000, setup: (root) => prepare(root, container) });
      hosts.push(host);
      await host.sh(
        'mkdir -p /run/sshd && (getent passwd sshd >/dev/null || useradd -r -M -d /run/sshd -s /usr/sbin/nologin sshd)',
      );
      await host.run([
        'systemd-run',
        '--unit=machinist-e2e-sshd',
        '/usr/sbin/sshd',
        '-D',
        '-e',
        '-f',
        '/etc/machinist-e2e-ssh/sshd_config',
      ]);
      await host.waitFor(
        `machine@${container} active`,
        async () =>
          (
            await host.run(['systemctl', 'is-active', `machine@${container}.service`], { allowFail: true })
          ).stdout.trim() === 'active',
        60_000,
      );
    }
    // A veth pair between the two hosts' network namespaces.
    const [a, b] = hosts as [Host, Host];
    await exec('ip', ['link', 'add', 'mze2e-a', 'type', 'veth', 'peer', 'name', 'mze2e-b']);
    await exec('ip', ['link', 'set', 'mze2e-a', 'netns', String(a.leader)]);
    await exec('ip', ['link', 'set', 'mze2e-b', 'netns', String(b.leader)]);
    await a.sh(`ip addr add ${ADDR.a}/24 dev mze2e-a && ip link set mze2e-a up`);
    await b.sh(`ip addr add ${ADDR.b}/24 dev mze2e-b && ip link set mze2e-b up`);
  }, 300_000);

  afterAll(async () => {
    for (const h of hosts) await h.teardown();
    rmSync(keys, { recursive: true, force: true });
    expect(leftoverMounts()).toEqual([]);
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      for (const h of hosts) console.error(await failureReport(h, ['machinist-e2e-sshd', 'machine@*'], 60));
    });
  });

  test("one table with a HOST column: each host's container, read over SSH; an unreachable host is a row", async () => {
    const argv = [
      'nsenter',
      '-t',
      String(hosts[0]!.leader),
      '-n',
      '--',
      'env',
      `PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
      process.execPath,
      path.join(REPO, 'dist/machinist'),
      'status',
      '--format',
      'json',
      '-H',
      `root@${ADDR.a}`,
      '-H',
      `root@${ADDR.b}`,
      '-H',
      `root@${ADDR.none}`,
    ];
    const r = await exec(argv[0]!, argv.slice(1), { timeoutMs: 120_000, allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    const rows = (
      JSON.parse(r.stdout) as {
        rows: { host: string; name: string; state: string; machine_state: string | null; error: string | null }[];
      }
    ).rows;
    expect(
      rows.map((x) => [x.host, x.name, x.state, x.machine_state]),
      r.stdout,
    ).toEqual([
      [`root@${ADDR.a}`, 'alpha', 'active', 'running'],
      [`root@${ADDR.b}`, 'beta', 'active', 'running'],
      [`root@${ADDR.none}`, '-', 'unreachable', null],
    ]);
    expect(rows[2]!.error).toMatch(/\S/);
    const text = await exec(
      argv[0]!,
      argv.slice(1).filter((x) => x !== '--format' && x !== 'json'),
      { timeoutMs: 120_000, allowFail: true },
    );
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+NAME\s+STATE/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      `root@${ADDR.a} alpha`,
      `root@${ADDR.b} beta`,
      `root@${ADDR.none} -`,
    ]);
  });
});
