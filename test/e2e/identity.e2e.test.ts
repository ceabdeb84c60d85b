/**
 * First-boot identity end to end: machinist, installed in a booted systemd 252 host, compiles a container with
 * `users:` from YAML; the guest (the cached Debian 12 root, with openssh-server) gets root's key and a second
 * user, with its groups and keys, through systemd credentials; both log in over SSH with keys the test makes.
 * Both have a password_hash: the YAML is 0600, so every credential goes through the host's credential store, and
 * the guest's shadow gets each hash exactly, at every boot; no user but root on the host can find a hash. Then the
 * same container from the generator (daemon-reload): its credentials come from /run/credstore.
 *
 * Runs only under vitest.e2e.config.ts (MACHINIST_E2E=1); needs root, systemd-container, the cached root
 * (sh scripts/e2e-rootfs.sh) and openssh-client.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { bootRootfsHost, guestHandle, mountRoot, writeInHost, type Guest } from './guest.js';
import { configWarnings, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { IMAGE_DIR_IN_HOST, ROOTFS_BUILD_TIMEOUT_MS } from './rootfs.js';
import { ssh, sshKeyPair, waitForSsh, type SshKey } from './ssh.js';

const E2E = process.env.MACHINIST_E2E === '1';
const NAME = 'ident';
const SSH_PORT = 2211;
/** A comment with what each encoding on the way could change: %, backslashes, quotes, non-ASCII. */
const COMMENT = `alice 50% "laptop" \\n é 𝄞`;
/** Hashes with "$", "/" and "." in them, made here from a known password (two methods, random salts). */
const hashOf = (flag: string) => execFileSync('openssl', ['passwd', flag, 's3cret-e2e'], { encoding: 'utf8' }).trim();
const ROOT_HASH = hashOf('-6');
const ALICE_HASH = hashOf('-5');
/** The shadow entries of root and alice in the guest: USER:HASH. */
const shadowOf = async (guest: Guest) =>
  (await guest.run(['getent', 'shadow', 'root', 'alice'])).stdout
    .trim()
    .split('\n')
    .map((l) => l.split(':').slice(0, 2).join(':'));

describe.skipIf(!E2E)('identity: users and SSH keys through credentials, compiled by machinist', () => {
  let host: Host;
  let guest: Guest;
  let rootKey: SshKey;
  let aliceKey: SshKey;
  let aliceLine: string;

  beforeAll(async () => {
    host = await bootRootfsHost();
  }, ROOTFS_BUILD_TIMEOUT_MS + 90_000);

  hostHooks(() => host, ['machine@*'], 200);

  test('compile, start: root and alice log in over SSH with their keys; alice is in her groups', async () => {
    rootKey = await sshKeyPair(host, 'ident-root');
    aliceKey = await sshKeyPair(host, 'ident-alice');
    aliceLine = `${aliceKey.publicKey.split(' ').slice(0, 2).join(' ')} ${COMMENT}`;
    await mountRoot(host, NAME, IMAGE_DIR_IN_HOST);
    // Host networking: the guest's sshd gets a port of its own (the host's sshd may have 22).
    await writeInHost(host, `/var/lib/machines/${NAME}/etc/ssh/sshd_config.d/e2e-port.conf`, `Port ${SSH_PORT}\n`);
    const yaml = [
      'description: identity e2e',
      'users:',
      `  root: { ssh_authorized_keys: [${JSON.stringify(rootKey.publicKey)}], password_hash: '${ROOT_HASH}' }`,
      '  alice:',
      `    ssh_authorized_keys: [${JSON.stringify(aliceLine)}]`,
      '    groups: [adm, machinist-e2e]',
      '    shell: /bin/bash',
      `    password_hash: '${ALICE_HASH}'`,
      '',
    ].join('\n');
    host.writeFile(`etc/machinist/containers/${NAME}.yaml`, yaml, 0o600);
    const compiled = await host.run(['machinist', 'compile']);
    expect(compiled.stdout).toContain(`machine@${NAME}.service.d/50-machinist.conf`);
    await host.run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', `machine@${NAME}.service`], { timeoutMs: 60_000 });
    guest = guestHandle(host, NAME);
    await guest.waitRunning();

    const root = { key: rootKey, port: SSH_PORT };
    await waitForSsh(host, root);
    const keys = '/root/.ssh/authorized_keys';
    // From the credential store, the file starts with machinist's header (comment lines sshd skips).
    expect((await ssh(host, root, `id -u; stat -c %a:%U ${keys}; grep -v '^#' ${keys}`)).stdout).toBe(
      `0\n600:root\n${rootKey.publicKey}\n`,
    );
    expect(await shadowOf(guest)).toEqual([`root:${ROOT_HASH}`, `alice:${ALICE_HASH}`]);

    const alice = { key: aliceKey, port: SSH_PORT, user: 'alice' };
    await waitForSsh(host, alice);
    const who = await ssh(
      host,
      alice,
      'id -un; id -u; id -Gn; echo "$SHELL"; stat -c %a:%U ~ ~/.ssh ~/.ssh/authorized_keys',
    );
    expect(who.stdout).toBe(
      ['alice', '1000', 'alice adm machinist-e2e', '/bin/bash', '700:alice', '700:alice', '600:alice', ''].join('\n'),
    );
    // The key line arrives byte for byte, comment included.
    expect((await ssh(host, alice, 'cat ~/.ssh/authorized_keys')).stdout).toBe(`${aliceLine}\n`);
    // Keys are not interchangeable: root's key does not open alice's account.
    const wrong = await ssh(host, { key: rootKey, port: SSH_PORT, user: 'alice' }, 'true', { allowFail: true });
    expect(wrong.code).toBe(255);
  });

  test('only credential names are on the command line; no complaints about the generated files', async () => {
    const pid = (await host.run(['systemctl', 'show', '-p', 'MainPID', '--value', guest.unit])).stdout.trim();
    const cmdline = await host.sh(`tr '\\0' ' ' </proc/${pid}/cmdline`);
    expect(cmdline.stdout).toContain('--load-credential=tmpfiles.extra:tmpfiles.extra');
    expect(cmdline.stdout).not.toContain('ssh-ed25519');
    const text = await host.journal(guest.unit);
    expect(configWarnings(text, [`${NAME}.nspawn`, '50-machinist.conf'])).toEqual([]);
  });

  test('no user but root on the host can read a hash: files, units, properties, command lines', async () => {
    const creds = await host.run([
      'stat',
      '-c',
      '%a %U %n',
      '/etc/credstore',
      `/etc/credstore/machinist-${NAME}@machinist.passwords`,
    ]);
    expect(creds.stdout).toBe(
      `700 root /etc/credstore\n600 root /etc/credstore/machinist-${NAME}@machinist.passwords\n`,
    );
    const dirs =
      '/etc/systemd /run/systemd /run/machinist /var/lib/machinist /etc/machinist /etc/credstore /run/credstore';
    const asNobody = [
      `grep -rsF -f "$1" ${dirs}`,
      `systemctl show ${guest.unit} | grep -F -f "$1"`,
      `systemctl cat ${guest.unit} 2>/dev/null | grep -F -f "$1"`,
      `busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/machine_40${NAME}_2eservice org.freedesktop.systemd1.Service LoadCredential 2>/dev/null | grep -F -f "$1"`,
      `cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -F -f "$1"`,
      'true',
    ].join('; ');
    const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', asNobody, 'scan'];
    // The hashes to look for come from a file, not from arguments: the scan reads every command line too.
    host.writeFile('srv/e2e-hashes', `${ROOT_HASH}\n${ALICE_HASH}\n`);
    const found = await host.run([...nobody, '/srv/e2e-hashes']);
    expect(found.stdout).toBe('');
    // The scan can find: root, running the same commands, sees the hashes in the credential store.
    const asRoot = await host.run(['sh', '-c', asNobody, 'scan', '/srv/e2e-hashes']);
    expect(asRoot.stdout).toContain(ROOT_HASH);
    // The guest got the unit that set them, and it ran once, cleanly.
    const unit = await guest.run(['systemctl', 'show', '-p', 'ActiveState,Result', 'machinist-passwords.service']);
    expect(unit.stdout).toBe('Result=success\nActiveState=active\n');
  });

  test('a restart keeps the accounts and keys; the credentials do not duplicate anything', async () => {
    // A password changed inside the guest is set back to the declared hash at the next boot.
    await guest.run(['sh', '-c', `echo 'alice:${hashOf('-6')}' | chpasswd -e`]);
    await host.run(['systemctl', 'restart', guest.unit], { timeoutMs: 60_000 });
    await guest.waitRunning();
    const alice = { key: aliceKey, port: SSH_PORT, user: 'alice' };
    await waitForSsh(host, alice);
    expect((await ssh(host, alice, 'cat ~/.ssh/authorized_keys')).stdout).toBe(`${aliceLine}\n`);
    expect((await guest.run(['grep', '-c', '^alice:', '/etc/passwd'])).stdout.trim()).toBe('1');
    expect(await shadowOf(guest)).toEqual([`root:${ROOT_HASH}`, `alice:${ALICE_HASH}`]);
  });

  test('generator mode: the hashes go through /run/credstore; a changed hash applies on the next start', async () => {
    // Compile's files out of the way, so that the generator, run by daemon-reload, writes this container's.
    await host.sh(
      `rm -rf /etc/systemd/nspawn/${NAME}.nspawn /etc/systemd/system/machine@${NAME}.service.d /etc/credstore`,
    );
    const newHash = hashOf('-6');
    const path = `/etc/machinist/containers/${NAME}.yaml`;
    await host.run(['sed', '-i', `s|${ROOT_HASH}|${newHash}|`, path]);
    await host.run(['systemctl', 'daemon-reload']);
    const store = `/run/credstore/machinist-${NAME}@machinist.passwords`;
    const modes = await host.run(['stat', '-c', '%a %U %n', '/run/credstore', store]);
    expect(modes.stdout).toBe(`700 root /run/credstore\n600 root ${store}\n`);
    // status compares the running service's loaded credentials with the store: a restart is pending, by name.
    const st = await host.run(['machinist', 'status', NAME, '--format', 'json'], {
      allowFail: true,
      timeoutMs: 60_000,
    });
    expect(st.stdout).toContain('credential machinist.passwords');
    expect(st.stdout).not.toContain(newHash);
    await host.run(['systemctl', 'restart', guest.unit], { timeoutMs: 60_000 });
    await guest.waitRunning();
    await waitForSsh(host, { key: aliceKey, port: SSH_PORT, user: 'alice' });
    expect(await shadowOf(guest)).toEqual([`root:${newHash}`, `alice:${ALICE_HASH}`]);
    host.writeFile('srv/e2e-hashes', `${newHash}\n${ALICE_HASH}\n`);
    const scan = `grep -rsF -f /srv/e2e-hashes /run /etc/systemd /etc/machinist; cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -F -f /srv/e2e-hashes; true`;
    const nobody = await host.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', scan]);
    expect(nobody.stdout).toBe('');
    expect((await host.run(['sh', '-c', scan])).stdout).toContain(newHash);
  });
});
