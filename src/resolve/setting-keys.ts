// Which systemd key each first-class setting writes, one table per output section. The translators emit
// through these tables (translate/output.ts `Entries` takes the YAML path of a key from its table), and the
// pass-through check derives the keys it refuses from them (passthrough.ts `ownedKeys`), so a setting's key
// is named once. They live here, in resolve, because resolve checks them and translate comes after it.
import type { YamlPath } from '../load/parse.js';

export interface KeySource {
  /** The setting's YAML path in a container (or slice) file; [] for a value machinist supplies itself. */
  readonly path: YamlPath;
  /** How a message names the setting. */
  readonly shown: string;
  /** False where a pass-through line may add to what machinist writes (a list key it only appends to). */
  readonly owned: boolean;
}

export interface KeyTable<K extends string = string> {
  readonly section: string;
  readonly keys: Readonly<Record<K, KeySource>>;
}

/** A dotted YAML path, or one with how it is shown or whether users may add lines. */
type Spec = string | { at: string; shown?: string; owned?: boolean };

function table<K extends string>(section: string, spec: Record<K, Spec>): KeyTable<K> {
  const keys = {} as Record<K, KeySource>;
  for (const k of Object.keys(spec) as K[]) {
    const s = spec[k];
    const at = typeof s === 'string' ? s : s.at;
    const shown = (typeof s === 'string' ? undefined : s.shown) ?? (at || '(written by machinist)');
    keys[k] = { path: at ? at.split('.') : [], shown, owned: typeof s === 'string' || s.owned !== false };
  }
  return { section, keys };
}

const machinistSupplied = '';

// systemd.nspawn(5) [Exec]. KillSignal= is written for an app container only where the user sets none.
export const nspawnExec = table('Exec', {
  Boot: 'boot',
  ProcessTwo: 'boot',
  KillSignal: { at: 'boot', owned: false },
  Parameters: 'command',
  WorkingDirectory: 'working_directory',
  User: 'user',
  Hostname: 'hostname',
  Environment: 'environment',
  Timezone: 'timezone',
  ResolvConf: 'resolv_conf',
  Ephemeral: 'ephemeral',
  PrivateUsers: 'security.private_users',
  NoNewPrivileges: 'security.no_new_privileges',
  Capability: 'security.capabilities.add',
  DropCapability: 'security.capabilities.drop',
  AmbientCapability: 'security.capabilities.ambient',
  SystemCallFilter: 'security.system_call_filter',
});

// [Files]. PrivateUsersChown= is the older name of PrivateUsersOwnership=: never written, but refused alike.
export const nspawnFiles = table('Files', {
  ReadOnly: 'security.read_only',
  Volatile: 'volatile',
  PrivateUsersOwnership: 'security.private_users_ownership',
  PrivateUsersChown: 'security.private_users_ownership',
  Bind: 'binds',
  BindReadOnly: { at: 'binds', shown: 'binds (readonly: true)' },
  TemporaryFileSystem: 'tmpfs',
  Inaccessible: 'inaccessible',
  BindUser: 'bind_users',
});

// [Network].
export const nspawnNetwork = table('Network', {
  Private: 'network.mode',
  VirtualEthernet: 'network.mode',
  Bridge: 'network.bridge',
  Zone: 'network.zone',
  MACVLAN: 'network.macvlan',
  IPVLAN: 'network.ipvlan',
  Interface: 'network.interfaces',
  Port: 'network.ports',
});

// systemd.resource-control(5): resources: of a container (drop-in [Service]) or of a slice ([Slice]).
const resourceSpec = {
  CPUWeight: 'resources.cpu.weight',
  CPUQuota: 'resources.cpu.quota',
  AllowedCPUs: 'resources.cpu.cpus',
  MemoryMin: 'resources.memory.min',
  MemoryLow: 'resources.memory.low',
  MemoryHigh: 'resources.memory.high',
  MemoryMax: 'resources.memory.max',
  MemorySwapMax: 'resources.memory.swap_max',
  AllowedMemoryNodes: 'resources.memory.nodes',
  TasksMax: 'resources.tasks_max',
  IOWeight: 'resources.io.weight',
  IODeviceWeight: 'resources.io.device_weight',
  IOReadBandwidthMax: 'resources.io.read_bandwidth_max',
  IOWriteBandwidthMax: 'resources.io.write_bandwidth_max',
  IOReadIOPSMax: 'resources.io.read_iops_max',
  IOWriteIOPSMax: 'resources.io.write_iops_max',
} as const;
export type ResourceKey = keyof typeof resourceSpec;

// machine@NAME.service.d/50-machinist.conf. RequiresMountsFor= and Environment= (the root directory, from
// directory: or image:) are lists users may add to.
export const dropinUnit = table('Unit', {
  Description: 'description',
  SourcePath: machinistSupplied,
  Requires: 'requires',
  Wants: 'after',
  After: 'after',
  RequiresMountsFor: { at: 'directory', owned: false },
  BindsTo: { at: 'network.pod', owned: false },
  AssertPathExists: { at: 'devices', owned: false },
});
export const dropinService = table('Service', {
  Environment: { at: 'directory', owned: false },
  SetCredential: { at: 'users', owned: false },
  LoadCredential: { at: 'users', owned: false },
  Slice: 'slice',
  DeviceAllow: 'devices',
  Restart: 'restart',
  // A booted guest without CAP_SYS_BOOT: its reboot is a clean exit (translate/service-dropin.ts).
  RestartForceExitStatus: { at: 'security.capabilities.drop', owned: false },
  NetworkNamespacePath: 'network.pod',
  ...resourceSpec,
});

// machine-NAME.slice.
export const sliceUnit = table('Unit', { Description: 'description', SourcePath: machinistSupplied });
export const sliceBody = table('Slice', resourceSpec);

// pods/NAME.yaml: the drop-in of machinist-pod@NAME.service, and per published port a .socket and a .service.
export const podUnit = table('Unit', { Description: 'description', SourcePath: machinistSupplied, Wants: 'ports' });
export const podPortUnit = table('Unit', {
  Description: 'ports',
  SourcePath: machinistSupplied,
  PartOf: 'ports',
  BindsTo: 'ports',
  After: 'ports',
  Requires: 'ports',
});
export const podPortSocket = table('Socket', { ListenStream: 'ports' });
export const podPortService = table('Service', { NetworkNamespacePath: machinistSupplied, ExecStart: 'ports' });
