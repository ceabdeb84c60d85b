/**
 * A host reboot keeps every container's root: machinist installed before the first boot (the generator makes the
 * units at every boot), two autostart containers on one downloaded image (overlay) and one autostart copy. Each
 * writes a file, the host reboots (`systemctl reboot` inside it: a new systemd, fresh /run, no mounts), and at its
 * boot the generator and machines.target bring the three back by themselves: their files are there, the overlay
 * roots are mounted again, the image is untouched and not fetched again (the HTTP fixture, in the host's network
 * namespace that outlives the reboot, counts one GET in all), and the copy is still independent of it.
 *
 * Runs only under vitest.e2e.config.ts (MACHINIST_E2E=1); needs root, systemd-container and mmdebstrap (the first
 * run builds the guest root: 2-3 minutes; later runs reuse it).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { guestHandle } from './guest.js';
import { bootHost, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { startHttp, type HttpFixture } from './http-fixture.js';
import { installIntoRoot, preBootMethod } from './install.js';
import { ensureRootfs, ROOTFS_BUILD_TIMEOUT_MS, rootfsNspawnArgs, type Rootfs } from './rootfs.js';

const E2E = process.env.MACHINIST_E2E === '1';
const CONFIG = '/etc/machinist';
const STATE = '/var/lib/machinist';
/** Own network namespaces: Debian's sshd in two guests on the host's network would collide. */
const GUEST = 'autostart: true\nnetwork: { mode: none }\n';
const NAMES = ['web', 'api', 'db'];

describe.skipIf(!E2E)('images: a host reboot keeps every root', () => {
  let rootfs: Rootfs;
  let host: Host;
  let http: HttpFixture | undefined;
  let imageRoot: string;
  let fingerprint: string;
  let machineId: string;
  const t0 = Date.now();

  const exists = async (p: string) => (await host.run(['test', '-e', p], { allowFail: true })).code === 0;
  const imageUnit = () => `machinist-image@debian-12_${rootfs.sha256}.service`;
  const cat = async (name: string, file: string) => (await host.inMachine(name, ['cat', file])).stdout;
  /** Every path of the image with its size and mtime: any file added, removed or written changes it. */
  const imageFingerprint = async () =>
    (await host.sh(`cd ${imageRoot} && find . -xdev -printf '%p %y %s %T@\\n' | sort | sha256sum`)).stdout;

  /** The guest's own systemd says running (degraded: guestHandle prints its failed units). */
  async function waitRunning(name: string): Promise<void> {
    expect(await guestHandle(host, name).waitRunning(120_000), name).toBe('running');
  }

  beforeAll(async () => {
    rootfs = await ensureRootfs();
    imageRoot = `${STATE}/images/debian-12_${rootfs.sha256}`;
    host = await bootHost({
      persistent: true,
      timeoutMs: 120_000,
      // An overlay's upper layer cannot be on the host's overlayfs root: machinist's state directory is on the
      // host's disk, as /var/lib/machinist is on any machine's.
      diskDirs: [STATE],
      nspawnArgs: rootfsNspawnArgs(rootfs),
      setup: async (root) => {
        const method = preBootMethod();
        await installIntoRoot(root, method === 'deb' ? 'make' : method);
      },
    });
    http = await startHttp({ host, files: { '/debian-12.tar': rootfs.tar } });
  }, ROOTFS_BUILD_TIMEOUT_MS + 180_000);

  hostHooks(() => host, ['machine@*', 'machinist-*', 'var-lib-machines-*', 'machines.target'], 150);
  afterAll(async () => {
    await http?.stop();
    process.stderr.write(`[e2e] images-reboot suite: ${Math.round((Date.now() - t0) / 1000)} s\n`);
  });

  test('three autostart containers on one image come up with one download and take a file each', async () => {
    host.writeFile(
      `${CONFIG}/images/debian-12.yaml`,
      `url: ${http!.url('/debian-12.tar')}\nsha256: ${rootfs.sha256}\n`,
    );
    host.writeFile(`${CONFIG}/containers/web.yaml`, `image: debian-12\n${GUEST}`);
    host.writeFile(`${CONFIG}/containers/api.yaml`, `image: debian-12\n${GUEST}`);
    host.writeFile(`${CONFIG}/containers/db.yaml`, `image: debian-12\nstorage: copy\n${GUEST}`);
    await host.run(['systemctl', 'daemon-reload']);
    await host.run(['systemctl', 'start', 'machines.target'], { timeoutMs: 180_000 });
    await Promise.all(NAMES.map(waitRunning));
    expect(await http!.gets('/debian-12.tar')).toBe(1);
    for (const n of NAMES) await host.inMachine(n, ['sh', '-c', `echo ${n} > /root/mark`]);
    await host.inMachine('db', ['rm', '/etc/issue']);
    fingerprint = await imageFingerprint();
    // What lives in the host's RAM must be gone after the reboot; its identity stays.
    await host.run(['touch', '/run/machinist-e2e-before-reboot']);
    machineId = (await host.run(['cat', '/etc/machine-id'])).stdout;
    expect(machineId).toMatch(/^[0-9a-f]{32}\n$/);
  });

  test('after a host reboot the three are back by themselves, with their files, on the same image', async () => {
    const ms = await host.reboot(120_000);
    process.stderr.write(`[e2e] host reboot: ${ms} ms\n`);
    expect(await exists('/run/machinist-e2e-before-reboot')).toBe(false);
    expect((await host.run(['cat', '/etc/machine-id'])).stdout).toBe(machineId);
    // No start command: the generator ran at this boot and machines.target started every autostart container.
    await Promise.all(NAMES.map(waitRunning));
    for (const n of NAMES) {
      const unit = `machine@${n}.service`;
      const show = await host.run(['systemctl', 'show', unit, '-p', 'ActiveState', '-p', 'DropInPaths']);
      expect(show.stdout).toMatch(/^ActiveState=active$/m);
      expect(show.stdout).toContain(`/run/systemd/generator/${unit}.d/`);
      expect(await cat(n, '/root/mark')).toBe(`${n}\n`);
    }
    // The overlay roots are mounted again (a mount lives in the host's RAM), the copy is a directory.
    for (const n of ['web', 'api']) {
      const fs = await host.run(['findmnt', '-no', 'FSTYPE', `/var/lib/machines/${n}`]);
      expect(fs.stdout.trim(), n).toBe('overlay');
    }
    expect(await http!.requests()).toEqual([expect.objectContaining({ method: 'GET', path: '/debian-12.tar' })]);
    // The image and the copy were made once: at this boot their units were skipped by their conditions.
    for (const unit of [imageUnit(), 'machinist-copy@db.service']) {
      const r = await host.run(['systemctl', 'show', '-p', 'ConditionResult', '--value', unit]);
      expect(r.stdout.trim(), unit).toBe('no');
    }
    // The image is untouched, the copy still independent of it and of the overlays.
    expect(await imageFingerprint()).toBe(fingerprint);
    expect(await exists(`${imageRoot}/root/mark`)).toBe(false);
    expect(await exists(`${imageRoot}/etc/issue`)).toBe(true);
    expect((await host.inMachine('web', ['test', '-e', '/etc/issue'], { allowFail: true })).code).toBe(0);
    expect((await host.inMachine('db', ['test', '-e', '/etc/issue'], { allowFail: true })).code).not.toBe(0);
    await host.run(['systemctl', 'stop', 'machines.target', ...NAMES.map((n) => `machine@${n}.service`)], {
      timeoutMs: 60_000,
    });
  });
});
