// Checks that span several settings of one merged container: each is reported at the line of the value that
// makes the combination wrong, wherever (profile or container) that value came from.
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { syscallGroups, syscallNames } from '../schema/syscalls.js';
import type { ContainerModel } from './model.js';
import { diagAt } from './model.js';

const privateModes = new Set(['veth', 'bridge', 'zone']);
/** Modes in which the guest has network interfaces of its own, which its DHCP client (networkd) configures. */
const ownInterfaces = new Set(['veth', 'bridge', 'zone', 'macvlan', 'ipvlan', 'interface']);
/** What networkd in the guest needs to configure its interfaces: raw sockets (DHCP) and netlink changes. */
const networkCaps = ['CAP_NET_RAW', 'CAP_NET_ADMIN'];

/** Which network.* key each mode needs, and the keys that belong to one mode only. */
const modeKey: Record<string, 'bridge' | 'zone' | 'macvlan' | 'ipvlan' | 'interfaces' | 'pod'> = {
  bridge: 'bridge',
  zone: 'zone',
  macvlan: 'macvlan',
  ipvlan: 'ipvlan',
  interface: 'interfaces',
  pod: 'pod',
};
// The same as pairs, made once (checkContainer runs per container, indexed loops: see merge.ts).
const modeKeys = Object.entries(modeKey);

export function checkContainer(c: ContainerModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  checkRootAndBoot(c, out);
  checkUserNamespace(c, out);
  checkSystemCalls(c, out);
  checkNetwork(c, out);
  return out;
}

/** The root file system and what runs in it: settings systemd-nspawn refuses together. */
function checkRootAndBoot(c: ContainerModel, out: Diagnostic[]): void {
  const s = c.settings;
  if (s.image !== undefined && s.directory !== undefined) {
    out.push(
      diagAt(c, 'conflicting-keys', 'image and directory both name the root file system', ['directory'], {
        hint: 'Keep image (a name under /var/lib/machines) or directory (an explicit path), not both.',
      }),
    );
  }
  if (s.boot === false && !s.command?.length) {
    out.push(
      diagAt(c, 'invalid-value', 'boot: false needs a command: to run', ['boot'], {
        hint: 'Add command: ["/path/to/program", "arg"], or remove boot: false to run the image\'s init.',
      }),
    );
  }
  if (s.boot !== false && s.security?.capabilities?.ambient?.length) {
    out.push(
      diagAt(
        c,
        'conflicting-keys',
        'ambient capabilities cannot be given to a booted init',
        ['security', 'capabilities', 'ambient'],
        { hint: 'Set boot: false with a command:, or remove security.capabilities.ambient.' },
      ),
    );
  }
  if (s.image !== undefined && s.ephemeral === true) {
    out.push(
      diagAt(
        c,
        'conflicting-keys',
        'ephemeral cannot be combined with image (systemd-nspawn refuses --ephemeral with --template=)',
        ['ephemeral'],
        { hint: 'Use directory: or the default root with ephemeral: true, or drop ephemeral.' },
      ),
    );
  }
}

/** Settings that need, or cannot work in, a user namespace. */
function checkUserNamespace(c: ContainerModel, out: Diagnostic[]): void {
  const s = c.settings;
  const users = s.security?.private_users;
  const namespaced = users !== undefined && users !== false && users !== 'no';
  if (s.bind_users?.length && !namespaced) {
    out.push(
      diagAt(
        c,
        'conflicting-keys',
        'bind_users needs user namespacing (systemd-nspawn refuses --bind-user= without --private-users=)',
        ['bind_users'],
        { hint: 'Set security.private_users: pick, or remove bind_users.' },
        'key',
      ),
    );
  }
  if (namespaced && s.nspawn?.Exec?.['OOMScoreAdjust'] !== undefined) {
    out.push(
      diagAt(
        c,
        'conflicting-keys',
        'systemd-nspawn cannot set OOMScoreAdjust= inside a user namespace: every start fails with "Failed to adjust OOM score: Permission denied"',
        ['nspawn', 'Exec', 'OOMScoreAdjust'],
        {
          hint: 'Set it on the unit instead, which the container inherits: service: { Service: { OOMScoreAdjust: N } }.',
        },
        'key',
      ),
    );
  }
  const volatileRoot = s.volatile !== undefined && s.volatile !== false && s.volatile !== 'no';
  if (s.security?.private_users_ownership === 'chown' && (s.security.read_only === true || volatileRoot)) {
    out.push(
      diagAt(
        c,
        'conflicting-keys',
        'private_users_ownership: chown cannot change a read-only or volatile root',
        ['security', 'private_users_ownership'],
        { hint: 'Use auto or map, which need no write access to the root.' },
      ),
    );
  }
}

/** Every system_call_filter entry must be a call or group systemd knows: nspawn ignores others silently. */
function checkSystemCalls(c: ContainerModel, out: Diagnostic[]): void {
  const filter = c.settings.security?.system_call_filter;
  if (filter) {
    for (let i = 0; i < filter.length; i++) {
      const entry = filter[i]!;
      const name = entry.startsWith('~') ? entry.slice(1) : entry;
      const known = name.startsWith('@') ? syscallGroups.includes(name) : syscallNames.has(name);
      if (known) continue;
      const near = didYouMean(name, name.startsWith('@') ? syscallGroups : syscallNames);
      out.push(
        diagAt(
          c,
          'invalid-value',
          `"${name}" is not a system call or group systemd knows; systemd-nspawn would ignore it silently`,
          ['security', 'system_call_filter', i],
          { hint: near ?? 'systemd-analyze syscall-filter lists the groups and names.' },
        ),
      );
    }
  }
}

/** network.mode and the keys that go with it. */
function checkNetwork(c: ContainerModel, out: Diagnostic[]): void {
  const net = c.settings.network ?? {};
  const mode = net.mode ?? 'host';
  const wanted = modeKey[mode];
  for (let i = 0; i < modeKeys.length; i++) {
    const m = modeKeys[i]![0];
    const key = modeKeys[i]![1];
    if (key !== wanted && net[key] !== undefined) {
      out.push(
        diagAt(
          c,
          'conflicting-keys',
          `network.${key} only applies to mode ${m}, but the mode is ${mode}`,
          ['network', key],
          { hint: `Set network.mode: ${m}, or remove network.${key}.` },
          'key',
        ),
      );
    }
  }
  if (wanted !== undefined) {
    const v = net[wanted];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) {
      out.push(
        diagAt(c, 'invalid-value', `network mode ${mode} needs network.${wanted}`, ['network', 'mode'], {
          hint: `Add network.${wanted}: naming the host ${mode === 'zone' ? 'zone' : 'interface(s)'}.`,
        }),
      );
    }
  }
  out.push(...guestWarnings(c));
  if (net.ports?.length && !privateModes.has(mode)) {
    out.push(
      diagAt(
        c,
        'requires-private-network',
        `port forwards need a private network, but network.mode is ${mode}`,
        ['network', 'ports'],
        {
          hint:
            mode === 'host'
              ? "In host mode the container already listens on the host's ports: remove network.ports, or set network.mode: veth."
              : 'Use network.mode veth, bridge or zone for port forwards.',
        },
        'key',
      ),
    );
  }
}

/**
 * Settings systemd accepts whose effect inside the guest is broken, with no error anywhere: warnings, at the
 * line of the setting that does it.
 */
export function guestWarnings(c: ContainerModel): Diagnostic[] {
  const s = c.settings;
  const out: Diagnostic[] = [];
  const mode = s.network?.mode ?? 'host';
  const drop = s.security?.capabilities?.drop ?? [];
  if (ownInterfaces.has(mode) && s.boot !== false) {
    for (let i = 0; i < drop.length; i++) {
      const cap = drop[i]!;
      if (cap !== 'all' && !networkCaps.includes(cap)) continue;
      const which = cap === 'all' ? 'CAP_NET_RAW and CAP_NET_ADMIN' : cap;
      const message =
        `dropping ${which} with network mode ${mode}: the guest's DHCP client (systemd-networkd) ` +
        'cannot configure its interface, so it gets no address';
      const others = cap === 'all' ? ', or list the others one by one' : '';
      out.push(
        diagAt(c, 'breaks-guest', message, ['security', 'capabilities', 'drop', i], {
          hint: `Keep ${which} (remove "${cap}" from drop${others}), or give the guest a static address it sets up without them.`,
        }),
      );
    }
  }
  const users = s.security?.private_users;
  if (mode === 'host' && users !== undefined && users !== false && users !== 'no') {
    const message =
      "user namespacing with host networking: root in the container cannot bind ports below 1024 (the host's network " +
      'is not its own)';
    out.push(
      diagAt(c, 'breaks-guest', message, ['security', 'private_users'], {
        hint:
          'Give the container its own network (network.mode: veth, with ports: to forward), or lower ' +
          'net.ipv4.ip_unprivileged_port_start on the host, or set private_users: no.',
      }),
    );
  }
  const tmpfs = s.tmpfs ?? [];
  for (let i = 0; i < tmpfs.length; i++) {
    const entry = tmpfs[i]!;
    const colon = entry.indexOf(':');
    if ((colon < 0 ? entry : entry.slice(0, colon)) !== '/tmp') continue;
    // Without options nspawn mounts it with mode=0755; with options, mode= is the kernel's 1777 unless given.
    const mode = colon < 0 ? '0755' : /(?:^|,)mode=([0-7]+)/.exec(entry.slice(colon + 1))?.[1];
    if (mode === undefined || /^0*1777$/.test(mode)) continue;
    const message = `tmpfs ${entry} is mounted over the tmpfs systemd-nspawn already puts on /tmp, with mode ${mode}: only root can write /tmp then`;
    out.push(
      diagAt(c, 'breaks-guest', message, ['tmpfs', i], {
        hint: 'Remove it: /tmp is a tmpfs already. To set its size write "/tmp:mode=1777,size=1G".',
      }),
    );
  }
  return out;
}
