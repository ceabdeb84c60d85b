/**
 * A nested guest booted inside an e2e host from the cached Debian root (rootfs.ts), through units/machine@.service
 * with a hand-written .nspawn and drop-in, the way machinist's output will drive it.
 *
 * Its root is an overlay at /var/lib/machines/NAME: the image (bound read-only into the host) below, an upper
 * layer on a tmpfs of the host above. Nothing is copied; the guest's changes survive its restarts and vanish with
 * the host. It shares the host's network namespace (Private=no), which is the host's private one, so its ports
 * are the host's: give each guest's sshd its own port (`sshPort`).
 *
 * Credentials take the route systemd 252 has (identity-credentials-252.md §4): a file 0600 in a 0700 credstore
 * directory, `LoadCredential=` on the service (or, for public values, `SetCredential=` inline), and
 * `--load-credential=ID:ID` to nspawn. A cloud-init NoCloud seed is bound read-only at /var/lib/cloud/seed/nocloud.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bootHost, type Host, type RunOptions, type RunResult } from './harness.js';
import { INSTALLED, installIntoHost, REPO } from './install.js';
import { ensureRootfs, IMAGE_DIR_IN_HOST, rootfsNspawnArgs } from './rootfs.js';

export interface NoCloudSeed {
  /** meta-data: give it an instance-id (a new one makes cloud-init run again). */
  metaData: string;
  /** user-data, starting with `#cloud-config`; minimal images want `locale: false` (see the reference). */
  userData: string;
  /** network-config; default `network: {config: disabled}` (the guest shares the host's network). */
  networkConfig?: string;
}

export interface GuestOptions {
  /** Machine name: unit machine@NAME.service, root /var/lib/machines/NAME. */
  name: string;
  /** The read-only lower layer, a directory inside the host. Default: the cached image (rootfsNspawnArgs). */
  image?: string;
  /** Port for the guest's sshd (written to /etc/ssh/sshd_config.d/ in its root). */
  sshPort?: number;
  /** Credential ID → content, passed through LoadCredential= (never on a command line). */
  credentials?: Record<string, string>;
  /** Credential ID → content, written inline as SetCredential= in the drop-in: any user can read those, so
   * public data only (keys, not secrets). */
  publicCredentials?: Record<string, string>;
  cloudInit?: NoCloudSeed;
  /** Files (absolute path in the guest → content) put into the guest's root before it starts. */
  files?: Record<string, string>;
  /** Extra lines for the .nspawn file's sections, and for the drop-in's [Service]. */
  nspawn?: { exec?: string[]; files?: string[]; network?: string[] };
  service?: string[];
  /** Bound for start + boot to running/degraded. Default 60 s. */
  timeoutMs?: number;
}

export interface Guest {
  readonly name: string;
  readonly unit: string;
  /** Run argv in the guest (nsenter into its leader: namespaces only, not its seccomp/capabilities). */
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** Run argv as a process of the guest's own systemd (`systemd-run --wait --pipe`): its limits apply. */
  runAsService(argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** Wait (bounded) until the guest's systemd says running or degraded; returns which. */
  waitRunning(timeoutMs?: number): Promise<string>;
}

/** Quote for sh. */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Where the guest's upper layer, seed and credentials live inside the host. */
function paths(name: string) {
  return {
    layers: `/run/machinist-e2e/guests/${name}`,
    root: `/var/lib/machines/${name}`,
    seed: `/srv/machinist-e2e/seeds/${name}`,
    credstore: `/etc/credstore/machinist-e2e-${name}`,
    nspawn: `/etc/systemd/nspawn/${name}.nspawn`,
    dropIn: `/etc/systemd/system/machine@${name}.service.d/50-e2e.conf`,
  };
}

/** The machine@ template as machinist ships it, unless the host already has one (e.g. machinist installed). */
export async function ensureTemplate(host: Host): Promise<void> {
  const r = await host.run(['test', '-e', INSTALLED.template], { allowFail: true });
  if (r.code !== 0) host.writeFile(INSTALLED.template, readFileSync(path.join(REPO, 'units/machine@.service'), 'utf8'));
}

/** Write a file inside the host's own mount namespace (below mounts the host made, unlike Host.writeFile). */
export async function writeInHost(host: Host, file: string, content: string, mode = '0644'): Promise<void> {
  const script = 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"';
  await host.run(['sh', '-c', script, 'sh', file, mode], { input: content });
}

function nspawnFile(o: GuestOptions): string {
  const p = paths(o.name);
  const seed = o.cloudInit ? [`BindReadOnly=${p.seed}:/var/lib/cloud/seed/nocloud`] : [];
  const files = [...seed, ...(o.nspawn?.files ?? [])];
  return [
    '# machinist e2e guest (test/e2e/guest.ts)',
    '[Exec]',
    'Boot=yes',
    ...(o.nspawn?.exec ?? []),
    '',
    '[Files]',
    ...files,
    '',
    '[Network]',
    ...(o.nspawn?.network ?? ['Private=no', 'VirtualEthernet=no']),
    '',
  ].join('\n');
}

/**
 * A value for SetCredential=: systemd 252 decodes C escapes in it but expands no % specifiers (a `%%` arrived
 * as `%%`, seen in guest-smoke). Leading whitespace would be lost; test values here do not start with any.
 */
function unitCredentialValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function dropIn(o: GuestOptions): string {
  const p = paths(o.name);
  const loaded = Object.keys(o.credentials ?? {});
  const set = Object.entries(o.publicCredentials ?? {});
  const ids = [...loaded, ...set.map(([id]) => id)];
  const args = ids.map((id) => `--load-credential=${id}:${id}`).join(' ');
  return [
    '# machinist e2e guest (test/e2e/guest.ts)',
    '[Service]',
    ...loaded.map((id) => `LoadCredential=${id}:${p.credstore}/${id}`),
    ...set.map(([id, value]) => `SetCredential=${id}:${unitCredentialValue(value)}`),
    ...(args ? [`Environment="MACHINIST_ARGS=${args}"`] : []),
    ...(o.service ?? []),
    '',
  ].join('\n');
}

/** Overlay root for the guest (idempotent: a second call keeps the existing upper layer). */
export async function mountRoot(host: Host, name: string, image: string): Promise<void> {
  const p = paths(name);
  await host.sh(
    [
      `mountpoint -q ${q(p.root)} && exit 0`,
      `mkdir -p ${q(p.layers)} ${q(p.root)}`,
      `mountpoint -q ${q(p.layers)} || mount -t tmpfs -o mode=0700 tmpfs ${q(p.layers)}`,
      `mkdir -p ${q(p.layers)}/upper ${q(p.layers)}/work`,
      `mount -t overlay -o lowerdir=${image},upperdir=${p.layers}/upper,workdir=${p.layers}/work overlay ${q(p.root)}`,
    ].join('\n'),
  );
}

/** Lay out root, seed, credentials, .nspawn and drop-in; daemon-reload. Does not start the guest. */
export async function prepareGuest(host: Host, o: GuestOptions): Promise<Guest> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(o.name)) throw new Error(`guest name ${o.name}: use [a-z0-9-]`);
  const p = paths(o.name);
  await ensureTemplate(host);
  await mountRoot(host, o.name, o.image ?? IMAGE_DIR_IN_HOST);
  const files = { ...(o.files ?? {}) };
  if (o.sshPort !== undefined) files['/etc/ssh/sshd_config.d/machinist-e2e.conf'] = `Port ${o.sshPort}\n`;
  for (const [f, content] of Object.entries(files)) await writeInHost(host, path.posix.join(p.root, f), content);
  if (o.cloudInit) {
    await writeInHost(host, `${p.seed}/meta-data`, o.cloudInit.metaData);
    await writeInHost(host, `${p.seed}/user-data`, o.cloudInit.userData);
    await writeInHost(host, `${p.seed}/network-config`, o.cloudInit.networkConfig ?? 'network: {config: disabled}\n');
  }
  if (o.credentials) {
    await host.run(['install', '-d', '-m', '0700', p.credstore]);
    for (const [id, content] of Object.entries(o.credentials)) {
      await writeInHost(host, `${p.credstore}/${id}`, content, '0600');
    }
  }
  await writeInHost(host, p.nspawn, nspawnFile(o));
  await writeInHost(host, p.dropIn, dropIn(o));
  await host.run(['systemctl', 'daemon-reload']);
  return guestHandle(host, o.name);
}

/** prepareGuest, then `systemctl start machine@NAME` and wait until the guest's systemd is up. */
export async function bootGuest(host: Host, o: GuestOptions): Promise<Guest> {
  const g = await prepareGuest(host, o);
  const timeoutMs = o.timeoutMs ?? 60_000;
  await host.run(['systemctl', 'start', g.unit], { timeoutMs });
  await g.waitRunning(timeoutMs);
  return g;
}

export function guestHandle(host: Host, name: string): Guest {
  const unit = `machine@${name}.service`;
  return {
    name,
    unit,
    run: (argv, opts) => host.inMachine(name, argv, opts),
    runAsService: (argv, opts) =>
      host.inMachine(
        name,
        ['systemd-run', '--quiet', '--wait', '--pipe', '-p', 'StandardInput=null', '--', ...argv],
        opts,
      ),
    async waitRunning(timeoutMs = 60_000) {
      let state = '';
      await host.waitFor(
        `guest ${name}: is-system-running = running|degraded`,
        async () => {
          const r = await host.inMachine(name, ['systemctl', 'is-system-running'], {
            allowFail: true,
            timeoutMs: 5_000,
          });
          state = r.stdout.trim();
          return state === 'running' || state === 'degraded';
        },
        timeoutMs,
      );
      if (state === 'degraded') {
        const failed = await host.inMachine(name, ['systemctl', '--failed', '--no-legend', '--plain'], {
          allowFail: true,
        });
        process.stderr.write(`[e2e] guest ${name} is degraded; failed units:\n${failed.stdout}`);
      }
      return state;
    },
  };
}

/**
 * A host booted from the cached Debian root (with openssh-server and cloud-init) and machinist's bundles installed,
 * for suites whose guests machinist compiles onto that root (mountRoot). Allow ROOTFS_BUILD_TIMEOUT_MS for its first
 * build.
 */
export async function bootRootfsHost(): Promise<Host> {
  const host = await bootHost({ timeoutMs: 45_000, nspawnArgs: rootfsNspawnArgs(await ensureRootfs()) });
  await installIntoHost(host, 'bundle');
  return host;
}
