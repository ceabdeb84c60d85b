// The container schema: one file in containers/ (and, with every key optional, one in profiles/ and the
// `defaults:` of machinist.yaml). Key names and nesting mirror the YAML exactly, so a zod issue path is a YAML
// path. Descriptions are the reference documentation (README and JSON Schema are generated from them).
import { z } from 'zod';
import {
  absPath, bandwidth, capability, cpuQuota, cpuSet, envName, envValue, hostname, interfaceName, iops, machineName,
  memoryLimit, perDevice, port, profileName, size, sliceName, syscallEntry, tasksMax, weight,
} from './values.js';

export const bindOptions = ['ro', 'rw', 'rbind', 'norbind', 'idmap', 'noidmap'] as const;

/** HOST[:CONTAINER[:OPTIONS]], paths absolute, options comma-separated. */
export function checkBindString(s: string): string | undefined {
  const parts = s.split(':');
  if (parts.length > 3) return 'has more than three ":"-separated parts; use the { source, target } form for paths containing ":"';
  const [src, dst, opts] = parts;
  for (const p of [src, dst]) {
    if (p === undefined) continue;
    const r = absPath.safeParse(p);
    if (!r.success) return `"${p}" ${r.error.issues[0]!.message}`;
  }
  for (const o of opts?.split(',') ?? []) {
    if (!(bindOptions as readonly string[]).includes(o)) return `unknown bind option "${o}" (accepted: ${bindOptions.join(', ')})`;
  }
  return undefined;
}

const bindString = z.string().superRefine((s, ctx) => {
  const problem = checkBindString(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const bindObject = z.strictObject({
  source: absPath.describe('Path on the host.'),
  target: absPath.optional().describe('Path in the container (default: same as source).'),
  readonly: z.boolean().optional().describe('Mount read-only (BindReadOnly=).'),
  options: z.array(z.enum(['rbind', 'norbind', 'idmap', 'noidmap'])).optional().describe('Mount options: rbind (default), norbind, idmap, noidmap.'),
});

const tmpfsEntry = z.string().superRefine((s, ctx) => {
  const i = s.indexOf(':');
  const r = absPath.safeParse(i < 0 ? s : s.slice(0, i));
  if (!r.success) ctx.addIssue({ code: 'custom', message: `path ${r.error.issues[0]!.message}` });
});

const device = z.union([
  absPath,
  z.strictObject({
    path: absPath.describe('Device node on the host, e.g. /dev/fuse.'),
    access: z.string().regex(/^[rwm]{1,3}$/, { message: 'must be a combination of r, w and m' }).optional().describe('r, w and/or m (default rwm).'),
  }),
]);

export const networkModes = ['host', 'none', 'veth', 'bridge', 'zone', 'macvlan', 'ipvlan', 'interface'] as const;

const network = z.strictObject({
  mode: z
    .enum(networkModes)
    .optional()
    .describe(
      'host (default): share the host network (Private=no, VirtualEthernet=no). none: own namespace, loopback only. veth: a veth pair to the host. bridge: veth attached to network.bridge. zone: veth in a shared zone. macvlan / ipvlan / interface: the host interfaces listed under those keys.',
    ),
  bridge: interfaceName.optional().describe('Host bridge for mode bridge (Bridge=).'),
  zone: z.string().regex(/^[A-Za-z0-9_-]{1,11}$/, { message: 'must be a zone name of at most 11 letters, digits, "-" or "_"' }).optional().describe('Zone name for mode zone (Zone=).'),
  macvlan: z.array(interfaceName).optional().describe('Host interfaces for mode macvlan (MACVLAN=).'),
  ipvlan: z.array(interfaceName).optional().describe('Host interfaces for mode ipvlan (IPVLAN=).'),
  interfaces: z.array(interfaceName).optional().describe('Host interfaces moved into the container for mode interface (Interface=).'),
  ports: z.array(port).optional().describe('Port forwards "[tcp:|udp:]HOST[:CONTAINER]" (Port=); needs a private network (veth, bridge or zone).'),
});

const resources = z.strictObject({
  cpu: z
    .strictObject({
      weight: weight.optional().describe('Relative CPU share (CPUWeight=), 1 to 10000, default 100.'),
      quota: cpuQuota.optional().describe('CPU time limit as a percentage of one CPU (CPUQuota=), e.g. 150%.'),
      cpus: cpuSet.optional().describe('CPUs the container may run on (AllowedCPUs=), e.g. "0-3".'),
    })
    .optional()
    .describe('CPU controls.'),
  memory: z
    .strictObject({
      min: memoryLimit.optional().describe('Memory that is never reclaimed (MemoryMin=).'),
      low: memoryLimit.optional().describe('Memory reclaimed only under pressure (MemoryLow=).'),
      high: memoryLimit.optional().describe('Throttling threshold (MemoryHigh=).'),
      max: memoryLimit.optional().describe('Hard limit; the OOM killer acts above it (MemoryMax=).'),
      swap_max: memoryLimit.optional().describe('Swap limit (MemorySwapMax=); 0 disables swap.'),
      nodes: cpuSet.optional().describe('NUMA memory nodes the container may use (AllowedMemoryNodes=).'),
    })
    .optional()
    .describe('Memory controls.'),
  tasks_max: tasksMax.optional().describe('Maximum number of tasks (TasksMax=); the template defaults to 16384.'),
  io: z
    .strictObject({
      weight: weight.optional().describe('Relative IO share (IOWeight=), 1 to 10000, default 100.'),
      device_weight: perDevice(weight).optional().describe('IO weight per device (IODeviceWeight=).'),
      read_bandwidth_max: perDevice(bandwidth).optional().describe('Read bytes per second per device (IOReadBandwidthMax=).'),
      write_bandwidth_max: perDevice(bandwidth).optional().describe('Write bytes per second per device (IOWriteBandwidthMax=).'),
      read_iops_max: perDevice(iops).optional().describe('Read operations per second per device (IOReadIOPSMax=).'),
      write_iops_max: perDevice(iops).optional().describe('Write operations per second per device (IOWriteIOPSMax=).'),
    })
    .optional()
    .describe('Block IO controls.'),
});
export { resources as resourcesSchema };

const security = z.strictObject({
  private_users: z
    .union([z.boolean(), z.number().int().nonnegative(), z.string().regex(/^(?:no|yes|pick|identity|\d+(?::\d+)?)$/, { message: 'must be no, yes, pick, identity or UID[:COUNT]' })])
    .optional()
    .describe('User namespacing (PrivateUsers=): no, yes, pick, identity or UID[:COUNT].'),
  private_users_ownership: z.enum(['off', 'chown', 'map', 'auto']).optional().describe('How files are made to fit the user namespace (PrivateUsersOwnership=).'),
  no_new_privileges: z.boolean().optional().describe('Forbid gaining privileges via setuid and file capabilities (NoNewPrivileges=).'),
  capabilities: z
    .strictObject({
      add: z.array(capability).optional().describe('Capabilities granted beyond the default set (Capability=).'),
      drop: z.array(capability).optional().describe('Capabilities removed from the default set (DropCapability=).'),
      ambient: z.array(capability).optional().describe('Ambient capabilities for the payload (AmbientCapability=); needs boot: false.'),
    })
    .optional()
    .describe('Capability changes.'),
  system_call_filter: z.array(syscallEntry).optional().describe('System calls or @groups to allow, or with "~" to deny (SystemCallFilter=).'),
  read_only: z.boolean().optional().describe('Mount the root file system read-only (ReadOnly=).'),
});

export const passSection = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]));

/** Every key a container, profile or `defaults:` may set. */
export const containerSchema = z.strictObject({
  description: z.string().optional().describe("Human-readable description (the unit's Description=)."),
  profiles: z.array(profileName).optional().describe('Profiles (profiles/NAME.yaml) applied in order before this file.'),
  image: machineName.optional().describe('Image under /var/lib/machines to create the root from on first start (systemd-nspawn --template=); default: the root is /var/lib/machines/NAME itself.'),
  directory: absPath.optional().describe('Explicit root directory (systemd-nspawn --directory=), instead of image.'),
  ephemeral: z.boolean().optional().describe('Run on a throwaway snapshot of the root, discarded at stop (Ephemeral=).'),
  volatile: z.union([z.boolean(), z.enum(['no', 'yes', 'state', 'overlay'])]).optional().describe('Volatile root (Volatile=): no, yes (tmpfs root, /usr from the image; a booted guest gets systemd.firstboot=off, as its /etc starts empty), state (tmpfs /var) or overlay.'),
  boot: z.boolean().optional().describe("Run the image's init as PID 1 (Boot=); default true. false runs command: under nspawn's stub init (ProcessTwo=, KillSignal=SIGRTMIN+3), so it stops cleanly."),
  command: z.array(z.string()).optional().describe('Program and arguments (Parameters=); with boot: true, arguments passed to init.'),
  working_directory: absPath.optional().describe('Working directory of command: (WorkingDirectory=).'),
  user: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$|^\d+$/, { message: 'must be a user name or UID' }).optional().describe('User that runs command: (User=).'),
  autostart: z.boolean().optional().describe('Start at boot (a machines.target.wants/ link); default false.'),
  after: z.array(machineName).optional().describe('Containers to start first; starting this one pulls them in (After= + Wants=).'),
  requires: z.array(machineName).optional().describe('Containers this one cannot run without: started first, and stopping them stops this one (After= + Requires=).'),
  hostname: hostname.optional().describe("Host name inside the container (Hostname=); a booted guest also gets systemd.hostname=, so its own /etc/hostname cannot override it."),
  environment: z.record(envName, envValue).optional().describe('Environment variables for the container\'s PID 1 (Environment=).'),
  timezone: z.enum(['off', 'copy', 'bind', 'symlink', 'delete', 'auto']).optional().describe('How /etc/localtime follows the host (Timezone=).'),
  resolv_conf: z
    .enum(['off', 'copy-host', 'copy-static', 'copy-uplink', 'copy-stub', 'replace-host', 'replace-static', 'replace-uplink', 'replace-stub', 'bind-host', 'bind-static', 'bind-uplink', 'bind-stub', 'delete', 'auto'])
    .optional()
    .describe('How /etc/resolv.conf is provided (ResolvConf=).'),
  network: network.optional().describe('Networking; host mode (the default) shares the host network namespace.'),
  binds: z.array(z.union([bindString, bindObject])).optional().describe('Bind mounts: "HOST[:CONTAINER[:OPTIONS]]" with options ro, rw, rbind, norbind, idmap, noidmap, or { source, target, readonly, options } (Bind=, BindReadOnly=).'),
  tmpfs: z.array(tmpfsEntry).optional().describe('tmpfs mounts "PATH[:OPTIONS]" (TemporaryFileSystem=).'),
  inaccessible: z.array(absPath).optional().describe('Paths made inaccessible in the container (Inaccessible=).'),
  bind_users: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { message: 'must be a user name' })).optional().describe('Host users made available in the container (BindUser=).'),
  resources: resources.optional().describe('cgroup resource limits, written to the service drop-in.'),
  slice: sliceName.optional().describe('Slice (slices/NAME.yaml) the container runs in: machine-NAME.slice.'),
  security: security.optional().describe('Security settings.'),
  devices: z.array(device).optional().describe('Host devices made available: bound into the container (Bind=) and allowed in its cgroup (DeviceAllow=).'),
  restart: z.enum(['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always']).optional().describe('When systemd restarts the container (Restart=). A reboot inside the container always restarts it.'),
  nspawn: z
    .strictObject({
      Exec: passSection.optional().describe('[Exec] keys, e.g. KillSignal: SIGRTMIN+3.'),
      Files: passSection.optional().describe('[Files] keys, e.g. Overlay: [/lower:/upper].'),
      Network: passSection.optional().describe('[Network] keys, e.g. VirtualEthernetExtra: veth-web:host0.'),
    })
    .optional()
    .describe('Raw .nspawn settings by section ([Exec], [Files], [Network]), checked against systemd\'s key list; a list repeats the key.'),
  service: z
    .strictObject({
      Unit: passSection.optional().describe('[Unit] keys, e.g. ConditionPathExists: /srv/web.'),
      Service: passSection.optional().describe('[Service] keys, e.g. TimeoutStopSec: 2min.'),
    })
    .optional()
    .describe('Raw drop-in settings by section ([Unit], [Service]), checked against systemd\'s key list; values are unit-file syntax (specifiers such as %i apply).'),
});

export type ContainerInput = z.infer<typeof containerSchema>;
export type BindInput = NonNullable<ContainerInput['binds']>[number];
export type DeviceInput = NonNullable<ContainerInput['devices']>[number];
export type Resources = z.infer<typeof resources>;
export type PassSection = z.infer<typeof passSection>;

// Memory/size used by slices too.
export { size };
