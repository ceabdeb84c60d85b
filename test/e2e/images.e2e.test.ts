/**
 * Images and copy-on-write roots on a booted systemd 252: `machinist compile` writes the units, systemd does the
 * rest. A loopback HTTP server (in the host's network namespace) serves the cached Debian root as a tar; two
 * containers on it boot with one download, keep their own changes, a copy is independent, a wrong sha256 fails the
 * start and leaves no image, local tar and directory images work, a new image version gives fresh roots, and
 * removing a YAML keeps the data until `machinist gc` removes it.
 *
 * Runs only under vitest.e2e.config.ts (MACHINIST_E2E=1); needs root, systemd-container and mmdebstrap (the first
 * run builds the guest root: 2-3 minutes; later runs reuse it).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { guestHandle } from './guest.js';
import { bootHost, exec, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { startHttp, type HttpFixture } from './http-fixture.js';
import { INSTALLED, installIntoHost } from './install.js';
import {
  ensureRootfs,
  IMAGE_DIR_IN_HOST,
  IMAGE_TAR_IN_HOST,
  ROOTFS_BUILD_TIMEOUT_MS,
  rootfsNspawnArgs,
  type Rootfs,
} from './rootfs.js';

const E2E = process.env.MACHINIST_E2E === '1';
const CONFIG = '/etc/machinist';
const STATE = '/var/lib/machinist';
/** Every guest gets its own network namespace: Debian's sshd in two guests on the host's network would collide. */
const GUEST = 'network: { mode: none }\n';

/** Offset of the first byte of the first non-empty regular file's data in a tar: flipped, only the sha256 fails. */
async function firstFileData(tar: string): Promise<number> {
  const r = await exec('sh', ['-c', `tar --block-number -tvf '${tar}' | awk '$3 ~ /^-/ && $5 > 0 { print $2; exit }'`]);
  const block = parseInt(r.stdout, 10);
  if (!Number.isInteger(block)) throw new Error(`no regular file in ${tar}: ${r.stdout}`);
  return (block + 1) * 512;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

describe.skipIf(!E2E)('images: one download, copy-on-write and copied roots, gc', () => {
  let rootfs: Rootfs;
  let host: Host;
  let http: HttpFixture | undefined;
  /** The same tar with 10 KiB of zeros appended: still a valid tar, another sha256 (a new image version). */
  let tmp: string;
  let tar2: string;
  let sha2: string;
  const t0 = Date.now();

  const compile = async () => {
    const r = await host.run(['machinist', 'compile', '--config', CONFIG], { allowFail: true, timeoutMs: 60_000 });
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    await host.run(['systemctl', 'daemon-reload']);
    return r.stdout;
  };
  const writeConfig = (rel: string, text: string) => host.writeFile(`${CONFIG}/${rel}`, text);
  const imageId = (name: string, sha: string) => `${name}_${sha}`;
  const exists = async (p: string) => (await host.run(['test', '-e', p], { allowFail: true })).code === 0;

  /** The guest's own systemd says running (degraded: guestHandle prints its failed units). */
  async function waitRunning(name: string): Promise<void> {
    expect(await guestHandle(host, name).waitRunning(90_000), name).toBe('running');
  }
  const start = (...names: string[]) =>
    host.run(['systemctl', 'start', ...names.map((n) => `machine@${n}.service`)], {
      allowFail: true,
      timeoutMs: 180_000,
    });

  beforeAll(async () => {
    rootfs = await ensureRootfs();
    tmp = mkdtempSync('/var/tmp/machinist-e2e-images-');
    tar2 = path.join(tmp, 'debian-12-v2.tar');
    copyFileSync(rootfs.tar, tar2);
    appendFileSync(tar2, Buffer.alloc(10240));
    sha2 = await sha256File(tar2);
    // The host's own root is an overlay, and an overlay's upper layer cannot be on overlayfs: machinist's state
    // directory gets a real file system, as it has on any machine (a directory on the host's disk, which goes
    // with the disk at teardown).
    host = await bootHost({
      timeoutMs: 45_000,
      persistent: true,
      diskDirs: [STATE],
      nspawnArgs: rootfsNspawnArgs(rootfs),
    });
    await installIntoHost(host, 'make');
    // compile writes /etc/systemd; the generator would write the same units again into /run.
    await host.run(['rm', '-f', INSTALLED.generator]);
    http = await startHttp({
      host,
      files: {
        '/debian-12.tar': rootfs.tar,
        '/debian-12-v2.tar': tar2,
        '/corrupt.tar': { path: rootfs.tar, corruptAt: await firstFileData(rootfs.tar) },
      },
    });
  }, ROOTFS_BUILD_TIMEOUT_MS + 120_000);

  hostHooks(() => host, ['machine@*', 'machinist-*', 'var-lib-machines-*'], 120);
  afterAll(async () => {
    await http?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`[e2e] images suite: ${Math.round((Date.now() - t0) / 1000)} s\n`);
  });

  test('two containers on one downloaded image boot to running with one download', async () => {
    writeConfig('images/debian-12.yaml', `url: ${http!.url('/debian-12.tar')}\nsha256: ${rootfs.sha256}\n`);
    writeConfig('containers/web.yaml', `image: debian-12\n${GUEST}`);
    writeConfig('containers/api.yaml', `image: debian-12\n${GUEST}`);
    await compile();
    const r = await start('web', 'api');
    expect(r.code, r.stderr).toBe(0);
    await Promise.all([waitRunning('web'), waitRunning('api')]);
    expect(await http!.gets('/debian-12.tar')).toBe(1);
    const id = imageId('debian-12', rootfs.sha256);
    expect((await host.run(['findmnt', '-no', 'FSTYPE', '/var/lib/machines/web'])).stdout.trim()).toBe('overlay');
    expect((await host.run(['cat', `${STATE}/images/${id}/etc/os-release`])).stdout).toMatch(/bookworm/);
    expect(await exists(`${STATE}/staging/${id}`)).toBe(false);
    // A second start downloads nothing: the image unit (stopped too, as at a reboot; that stops the containers on
    // it, which need it) is skipped by its condition.
    await host.run(['systemctl', 'stop', `machinist-image@${id}.service`], { timeoutMs: 60_000 });
    expect((await start('web', 'api')).code).toBe(0);
    await Promise.all([waitRunning('web'), waitRunning('api')]);
    expect(await http!.gets('/debian-12.tar')).toBe(1);
    const img = await host.run(['systemctl', 'show', '-p', 'ConditionResult', `machinist-image@${id}.service`]);
    expect(img.stdout.trim()).toBe('ConditionResult=no');
  });

  test('a file written in one survives its restart, and is in neither the other nor the image', async () => {
    const id = imageId('debian-12', rootfs.sha256);
    await host.inMachine('web', ['sh', '-c', 'echo mine > /root/mark']);
    await host.run(['systemctl', 'restart', 'machine@web.service'], { timeoutMs: 120_000 });
    await waitRunning('web');
    expect((await host.inMachine('web', ['cat', '/root/mark'])).stdout).toBe('mine\n');
    expect((await host.inMachine('api', ['test', '-e', '/root/mark'], { allowFail: true })).code).not.toBe(0);
    expect(await exists(`${STATE}/images/${id}/root/mark`)).toBe(false);
    expect(await exists(`${STATE}/containers/web/${id}/upper/root/mark`)).toBe(true);
    // Stopped, the root is unmounted (the mount is part of the container) and the change is still on disk.
    await host.run(['systemctl', 'stop', 'machine@web.service'], { timeoutMs: 60_000 });
    expect((await host.run(['findmnt', '/var/lib/machines/web'], { allowFail: true })).code).not.toBe(0);
    expect(await exists(`${STATE}/containers/web/${id}/upper/root/mark`)).toBe(true);
    expect((await start('web')).code).toBe(0);
    await waitRunning('web');
    expect((await host.inMachine('web', ['cat', '/root/mark'])).stdout).toBe('mine\n');
  });

  test('storage: copy is an independent copy, made once, with no second download', async () => {
    const id = imageId('debian-12', rootfs.sha256);
    writeConfig('containers/db.yaml', `image: debian-12\nstorage: copy\n${GUEST}`);
    await compile();
    expect((await start('db')).code).toBe(0);
    await waitRunning('db');
    expect(await http!.gets('/debian-12.tar')).toBe(1);
    await host.inMachine('db', ['sh', '-c', 'echo db > /root/mark; rm /etc/issue']);
    const root = `${STATE}/containers/db/${id}/root`;
    expect((await host.run(['cat', `${root}/root/mark`])).stdout).toBe('db\n');
    expect(await exists(`${STATE}/images/${id}/etc/issue`)).toBe(true);
    expect(await exists(`${STATE}/images/${id}/root/mark`)).toBe(false);
    // Not a mount, not the image's inodes.
    expect((await host.run(['findmnt', root], { allowFail: true })).code).not.toBe(0);
    const inode = async (p: string) => (await host.run(['stat', '-c', '%d:%i', p])).stdout.trim();
    expect(await inode(`${root}/etc/os-release`)).not.toBe(await inode(`${STATE}/images/${id}/etc/os-release`));
    await host.run(['systemctl', 'restart', 'machine@db.service'], { timeoutMs: 120_000 });
    await waitRunning('db');
    expect((await host.inMachine('db', ['cat', '/root/mark'])).stdout).toBe('db\n');
    const copy = await host.run(['systemctl', 'show', '-p', 'ConditionResult', 'machinist-copy@db.service']);
    expect(copy.stdout.trim()).toBe('ConditionResult=no');
  });

  test('a wrong sha256 fails the start, names the image, and leaves no image behind', async () => {
    writeConfig('images/broken.yaml', `url: ${http!.url('/corrupt.tar')}\nsha256: ${rootfs.sha256}\n`);
    writeConfig('containers/bad.yaml', `image: broken\n${GUEST}`);
    await compile();
    const r = await start('bad');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/A dependency job for machine@bad\.service failed/);
    const id = imageId('broken', rootfs.sha256);
    const failed = await host.run(['systemctl', '--failed', '--no-legend', '--plain']);
    expect(failed.stdout).toContain(`machinist-image@${id}.service`);
    const status = await host.run(['systemctl', 'status', '--no-pager', `machinist-image@${id}.service`], {
      allowFail: true,
    });
    expect(status.stdout).toContain('machinist: image broken version');
    const journal = await host.journal(`machinist-image@${id}.service`);
    expect(journal).toMatch(/DOWNLOAD INVALID/);
    // What `systemctl start` points at (journalctl -xe): the failed fetch, named with the image and its URL.
    expect(journal).toContain(
      `Failed to start machinist-image@${id}.service - machinist: image broken version ${rootfs.sha256} from ${http!.url('/corrupt.tar')}`,
    );
    expect(await exists(`${STATE}/images/${id}`)).toBe(false);
    expect(await exists(`${STATE}/staging/${id}`)).toBe(false);
    expect(await http!.gets('/corrupt.tar')).toBe(1);
    await host.run(['rm', `${CONFIG}/containers/bad.yaml`, `${CONFIG}/images/broken.yaml`]);
    await host.run(['systemctl', 'reset-failed']);
  });

  test('local images: a tar file (verified) and a directory', async () => {
    writeConfig('images/local-tar.yaml', `path: ${IMAGE_TAR_IN_HOST}\nsha256: ${rootfs.sha256}\n`);
    writeConfig('images/local-dir.yaml', `path: ${IMAGE_DIR_IN_HOST}\n`);
    writeConfig('containers/ltar.yaml', `image: local-tar\n${GUEST}`);
    writeConfig('containers/ldir.yaml', `image: local-dir\nstorage: copy\n${GUEST}`);
    await compile();
    const r = await start('ltar', 'ldir');
    expect(r.code, r.stderr).toBe(0);
    await Promise.all([waitRunning('ltar'), waitRunning('ldir')]);
    expect(await exists(`${STATE}/images/${imageId('local-tar', rootfs.sha256)}/etc/os-release`)).toBe(true);
    expect(await exists(`${STATE}/images/local-dir_local/etc/os-release`)).toBe(true);
    expect(await exists(`${STATE}/containers/ldir/local-dir_local/root/etc/os-release`)).toBe(true);
    await host.run(['systemctl', 'stop', 'machine@ltar.service', 'machine@ldir.service'], { timeoutMs: 60_000 });
  });

  test('a new sha256: --dry-run says so, the container boots a fresh root, the old one stays until gc', async () => {
    const old = imageId('debian-12', rootfs.sha256);
    const next = imageId('debian-12', sha2);
    writeConfig('images/debian-12.yaml', `url: ${http!.url('/debian-12-v2.tar')}\nsha256: ${sha2}\n`);
    const dry = await host.run(['machinist', 'compile', '--config', CONFIG, '--dry-run']);
    expect(dry.stdout).toContain(`web: overlay of image debian-12 version ${sha2}`);
    expect(dry.stdout).toContain(
      `image version changes: at its next start web boots a fresh root (overlay) from version ${sha2}`,
    );
    expect(dry.stdout).toContain(`its root on the old version stays, unused, in ${STATE}/containers/web/${old} until`);
    await compile();
    await host.run(['systemctl', 'restart', 'machine@web.service'], { timeoutMs: 180_000 });
    await waitRunning('web');
    expect(await http!.gets('/debian-12-v2.tar')).toBe(1);
    expect((await host.inMachine('web', ['test', '-e', '/root/mark'], { allowFail: true })).code).not.toBe(0);
    expect(await exists(`${STATE}/containers/web/${old}/upper/root/mark`)).toBe(true);
    expect(await exists(`${STATE}/containers/web/${next}/upper`)).toBe(true);
  });

  test('removing a YAML keeps the data; gc lists it, then removes exactly what no container uses', async () => {
    const old = imageId('debian-12', rootfs.sha256);
    await host.run(['systemctl', 'stop', 'machine@api.service', 'machine@db.service'], { timeoutMs: 60_000 });
    await host.run(['rm', `${CONFIG}/containers/api.yaml`]);
    await compile();
    expect(await exists(`${STATE}/containers/api/${old}/upper`)).toBe(true);
    const dry = await host.run(['machinist', 'gc', '--config', CONFIG, '--dry-run']);
    expect(dry.stdout).toContain(
      `would remove ${STATE}/containers/api/${old}: root of container api on image debian-12 version ${rootfs.sha256}; there is no containers/api.yaml`,
    );
    // web runs on the new version (its old upper layer is no longer mounted), so its old root goes too.
    expect(dry.stdout).toContain(`would remove ${STATE}/containers/web/${old}: root of container web`);
    expect(dry.stdout).toContain(`would remove ${STATE}/containers/db/${old}: root of container db`);
    expect(dry.stdout).toContain(
      `would remove ${STATE}/images/${old}: image debian-12 version ${rootfs.sha256}, which no container uses`,
    );
    expect(await exists(`${STATE}/containers/api/${old}`)).toBe(true);
    const gc = await host.run(['machinist', 'gc', '--config', CONFIG], { timeoutMs: 240_000 });
    expect(gc.stdout).toContain(`removed ${STATE}/containers/api/${old}`);
    for (const p of [`containers/api`, `containers/web/${old}`, `containers/db/${old}`, `images/${old}`]) {
      expect(await exists(`${STATE}/${p}`), p).toBe(false);
    }
    // What is in use stays: the running web's new root and its image version, the local images.
    expect(await exists(`${STATE}/containers/web/${imageId('debian-12', sha2)}/upper`)).toBe(true);
    expect(await exists(`${STATE}/images/${imageId('debian-12', sha2)}`)).toBe(true);
    expect(await exists(`${STATE}/images/local-dir_local`)).toBe(true);
    expect((await host.run(['machinist', 'gc', '--config', CONFIG])).stdout).toContain('Nothing to remove.');
    await host.run(['sh', '-c', 'systemctl stop "machine@*"'], { timeoutMs: 60_000 });
  });
});
