// Every string-valued key of a container file, with where a value goes in the YAML (always line 1 of the file)
// and how real systemd shows what it read. test/hostile/escape.test.ts puts each hostile value into each key.
import { yamlString } from './corpus.js';

/**
 * How systemd's reading of a value is observed:
 *  - unit: `systemd --test` dumps the drop-in's setting (`dumpKey`), which must be the value (`expect`);
 *  - env / argv: the container's Environment= lines / Parameters= words, run by systemd-nspawn, give it back;
 *  - nspawn: the .nspawn line goes through nspawn's own parser without a complaint (what each encoder makes of a
 *    value is proven byte for byte in test/oracle/nspawn.test.ts);
 *  - raw: a pass-through value, which is systemd syntax by design: it must stay on its own line, as written,
 *    and systemd must read the rest of the file after it;
 *  - seed: a key (and its value) of a cloud-init document, which cloud-init's YAML reader (PyYAML where python3
 *    has it, else the YAML library as YAML 1.1) must read back exactly.
 */
export type Reading =
  | { kind: 'unit'; dumpKey: string; expect: (value: string) => string }
  | { kind: 'env' }
  | { kind: 'argv' }
  | { kind: 'nspawn' }
  | { kind: 'raw'; file: 'unit' | 'nspawn'; key: string }
  | { kind: 'seed'; file: 'user-data' | 'meta-data' | 'network-config' };

export interface HostileKey {
  /** The YAML path, for test names. */
  path: string;
  /** What the value is made into before it goes into the key (a path under a directory, or the text itself). */
  value: (text: string) => string;
  /** The container file (after line 1, only settings that every case shares). */
  yaml: (quoted: string, index: number) => string;
  reading: Reading;
  /**
   * The schema holds the key to a grammar (names, enums, sizes) or to a path (at most PATH_MAX): the 4 KiB value
   * already exceeds both, so the 1 MiB one is left out (refusing it costs a pure build about half a second per
   * key, in YAML parsing and the "did you mean" search, and proves nothing new).
   */
  bounded?: boolean;
}

const IO_KEYS: Record<string, string> = {
  device_weight: 'IODeviceWeight',
  read_bandwidth_max: 'IOReadBandwidthMax',
  write_bandwidth_max: 'IOWriteBandwidthMax',
  read_iops_max: 'IOReadIOPSMax',
  write_iops_max: 'IOWriteIOPSMax',
};
const text = (t: string) => t;
const under = (dir: string) => (t: string) => `${dir}/${t}`;
const isPath = (k: HostileKey) => k.value !== text;
const nspawn: Reading = { kind: 'nspawn' };
/** A key the schema restricts to a grammar (names, enums, sizes): hostile values are refused, the rest parsed. */
const named = (path: string, yaml: (q: string) => string): HostileKey => ({
  path,
  value: text,
  yaml,
  reading: nspawn,
  bounded: true,
});
const raw = (path: string, file: 'unit' | 'nspawn', key: string, yaml: (q: string) => string): HostileKey => ({
  path,
  value: text,
  yaml,
  reading: { kind: 'raw', file, key },
});

export const HOSTILE_KEYS: HostileKey[] = [
  {
    path: 'description',
    value: text,
    yaml: (q) => `description: ${q}`,
    reading: { kind: 'unit', dumpKey: 'Description', expect: (v) => v },
  },
  {
    path: 'directory',
    value: under('/srv/roots'),
    yaml: (q) => `directory: ${q}`,
    reading: { kind: 'unit', dumpKey: 'RequiresMountsFor', expect: (v) => `${v} (origin-file)` },
  },
  { path: 'environment.*', value: text, yaml: (q, i) => `environment: { H_${i}: ${q} }`, reading: { kind: 'env' } },
  { path: 'command[]', value: text, yaml: (q) => `command: [${q}]\nboot: false`, reading: { kind: 'argv' } },
  { path: 'working_directory', value: under('/srv/wd'), yaml: (q) => `working_directory: ${q}`, reading: nspawn },
  { path: 'binds[] (string)', value: under('/srv/b'), yaml: (q) => `binds: [${q}]`, reading: nspawn },
  {
    path: 'binds[].source',
    value: under('/srv/b'),
    yaml: (q) => `binds: [{ source: ${q}, target: /mnt/b }]`,
    reading: nspawn,
  },
  {
    path: 'binds[].target',
    value: under('/mnt/b'),
    yaml: (q) => `binds: [{ source: /srv/b, target: ${q}, readonly: true }]`,
    reading: nspawn,
  },
  { path: 'tmpfs[]', value: under('/mnt/t'), yaml: (q) => `tmpfs: [${q}]`, reading: nspawn },
  { path: 'inaccessible[]', value: under('/srv/i'), yaml: (q) => `inaccessible: [${q}]`, reading: nspawn },
  {
    path: 'devices[]',
    value: under('/dev'),
    yaml: (q) => `devices: [${q}]`,
    reading: { kind: 'unit', dumpKey: 'DeviceAllow', expect: (v) => `${v} rwm` },
  },
  {
    path: 'devices[].path',
    value: under('/dev'),
    yaml: (q) => `devices: [{ path: ${q}, access: rw }]`,
    reading: { kind: 'unit', dumpKey: 'DeviceAllow', expect: (v) => `${v} rw` },
  },
  {
    path: 'devices[].class',
    value: (t) => `char-${t}`,
    yaml: (q) => `devices: [{ class: ${q}, access: rw }]`,
    reading: { kind: 'unit', dumpKey: 'DeviceAllow', expect: (v) => `${v} rw` },
    bounded: true,
  },
  ...['device_weight', 'read_bandwidth_max', 'write_bandwidth_max', 'read_iops_max', 'write_iops_max'].map(
    (field): HostileKey => ({
      path: `resources.io.${field}.*`,
      value: under('/dev'),
      yaml: (q) => `resources: { io: { ${field}: { ${q}: ${field === 'device_weight' ? 100 : 2000} } } }`,
      // systemd shows limits in its own units (2000 → 1.9K): the device path is what an encoding could change.
      reading: { kind: 'unit', dumpKey: IO_KEYS[field]!, expect: (v) => v },
    }),
  ),
  named('hostname', (q) => `hostname: ${q}`),
  named('user', (q) => `user: ${q}\nboot: false\ncommand: [/bin/true]`),
  named('image', (q) => `image: ${q}`),
  named('slice', (q) => `slice: ${q}`),
  named('profiles[]', (q) => `profiles: [${q}]`),
  named('after[]', (q) => `after: [${q}]`),
  named('requires[]', (q) => `requires: [${q}]`),
  named('bind_users[]', (q) => `bind_users: [${q}]`),
  named('network.bridge', (q) => `network: { mode: bridge, bridge: ${q} }`),
  named('network.zone', (q) => `network: { mode: zone, zone: ${q} }`),
  named('network.macvlan[]', (q) => `network: { mode: macvlan, macvlan: [${q}] }`),
  named('network.ipvlan[]', (q) => `network: { mode: ipvlan, ipvlan: [${q}] }`),
  named('network.interfaces[]', (q) => `network: { mode: interface, interfaces: [${q}] }`),
  named('network.ports[]', (q) => `network: { mode: veth, ports: [${q}] }`),
  named('security.private_users', (q) => `security: { private_users: ${q} }`),
  named('security.capabilities.drop[]', (q) => `security: { capabilities: { drop: [${q}] } }`),
  named('security.system_call_filter[]', (q) => `security: { system_call_filter: [${q}] }`),
  named('resources.memory.max', (q) => `resources: { memory: { max: ${q} } }`),
  named('resources.cpu.quota', (q) => `resources: { cpu: { quota: ${q} } }`),
  named('resources.cpu.cpus', (q) => `resources: { cpu: { cpus: ${q} } }`),
  named('resources.tasks_max', (q) => `resources: { tasks_max: ${q} }`),
  named('binds[].options[]', (q) => `binds: [{ source: /srv/b, options: [${q}] }]`),
  named('devices[].access', (q) => `devices: [{ path: /dev/fuse, access: ${q} }]`),
  named('network.mode', (q) => `network: { mode: ${q} }`),
  named('security.private_users_ownership', (q) => `security: { private_users_ownership: ${q} }`),
  named('network.pod', (q) => `network: { mode: pod, pod: ${q} }`),
  named('security.tier', (q) => `security: { tier: ${q} }`),
  named('security.capabilities.add[]', (q) => `security: { capabilities: { add: [${q}] } }`),
  named('security.capabilities.ambient[]', (q) => `security: { capabilities: { ambient: [${q}] } }`),
  ...['min', 'low', 'high', 'swap_max', 'nodes'].map((f) =>
    named(`resources.memory.${f}`, (q) => `resources: { memory: { ${f}: ${q} } }`),
  ),
  named('volatile', (q) => `volatile: ${q}`),
  // users: a hostile text is no user name, group, shell or key line (test/stages/identity.test.ts carries key
  // comments with every special character; the e2e identity test logs in with them).
  named('users.*', (q) => `users: { ${q}: {} }`),
  named('users.*.groups[]', (q) => `users: { alice: { groups: [${q}] } }`),
  named('users.*.shell', (q) => `users: { alice: { shell: ${q} } }`),
  named('users.*.ssh_authorized_keys[]', (q) => `users: { alice: { ssh_authorized_keys: [${q}] } }`),
  named('users.*.password_hash', (q) => `users: { alice: { password_hash: ${q} } }`),
  named('cloud_init.template', (q) => `cloud_init: { template: ${q} }`),
  ...(['user_data', 'meta_data', 'network_config'] as const).map((doc): HostileKey => ({
    path: `cloud_init.${doc}.*`,
    value: text,
    yaml: (q) => `cloud_init: { ${doc}: { ${q}: ${q} } }`,
    reading: { kind: 'seed', file: doc.replace('_data', '-data').replace('_config', '-config') as 'user-data' },
  })),
  named('resolv_conf', (q) => `resolv_conf: ${q}`),
  named('timezone', (q) => `timezone: ${q}`),
  named('storage', (q) => `storage: ${q}`),
  named('restart', (q) => `restart: ${q}`),
  named('on_change', (q) => `on_change: ${q}`),
  raw('nspawn.Exec.*', 'nspawn', 'Personality', (q) => `nspawn: { Exec: { Personality: ${q} } }`),
  raw('nspawn.Files.*', 'nspawn', 'PrivateUsersOwnership', (q) => `nspawn: { Files: { PrivateUsersOwnership: ${q} } }`),
  raw('nspawn.Network.*', 'nspawn', 'Port', (q) => `nspawn: { Network: { Port: [${q}] } }`),
  raw('service.Service.*', 'unit', 'Environment', (q) => `service: { Service: { Environment: [${q}] } }`),
  raw('service.Unit.*', 'unit', 'Documentation', (q) => `service: { Unit: { Documentation: ${q} } }`),
];

for (const k of HOSTILE_KEYS) if (isPath(k)) k.bounded = true;

/** The YAML text of one case: the key on line 1, then a sentinel that systemd must still read after it. */
export const caseYaml = (key: HostileKey, value: string, index: number): string =>
  `${key.yaml(yamlString(value), index)}\n${key.yaml('x', 0).includes('restart:') ? '' : 'restart: always\n'}`;
