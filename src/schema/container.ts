// The container schema: one file in containers/ (and, with every key optional, one in profiles/ and the
// `defaults:` of machinist.yaml). Key names and nesting mirror the YAML exactly, so a zod issue path is a YAML
// path. Descriptions are the reference documentation (README and JSON Schema are generated from them).
import * as z from 'zod/mini';
import * as h from './hints.js';
import { bindStringProblem, tmpfsProblem } from './rules.js';
import {
  absPath,
  ambientCapability,
  bandwidth,
  bindUser,
  capability,
  cpuQuota,
  cpuSet,
  deviceClass,
  deviceEntry,
  deviceNode,
  doc,
  envName,
  envValue,
  explainedRule,
  field,
  hinted,
  hostname,
  imageName,
  interfaceName,
  iops,
  machineName,
  memoryLimit,
  pattern,
  perDevice,
  port,
  profileName,
  sliceName,
  syscallEntry,
  tasksMax,
  weight,
  zoneName,
} from './values.js';
import { usersSchema } from './identity.js';
import { cloudInitSchema } from './cloud-init.js';

/** HOST[:CONTAINER[:OPTIONS]], paths absolute, options comma-separated; the message says what is wrong. */
const bindString = explainedRule('bindString', bindStringProblem, h.bindHint);

const bindObject = z.strictObject({
  source: doc(absPath, 'Path on the host.'),
  target: field(absPath, 'Path in the container (default: same as source).'),
  readonly: field(z.boolean(), 'Mount read-only (BindReadOnly=).'),
  options: field(
    z.array(z.enum(['rbind', 'norbind', 'idmap', 'noidmap'])),
    'Mount options: rbind (default), norbind, idmap, noidmap.',
  ),
});

const tmpfsEntry = explainedRule('tmpfsEntry', tmpfsProblem, h.tmpfsHint);

const access = field(
  pattern(/^[rwm]{1,3}$/, 'must be a combination of r, w and m', h.accessHint),
  'r, w and/or m (default rwm).',
);
const device = hinted(
  z.union([
    deviceEntry,
    z.strictObject({
      path: doc(
        deviceNode,
        'Device node on the host under /dev/, e.g. /dev/fuse: bound into the container and allowed.',
      ),
      access,
    }),
    z.strictObject({
      class: doc(
        deviceClass,
        'Device class: char- or block- and a group of /proc/devices (* and ? match several), e.g. char-drm: allowed, not bound.',
      ),
      access,
    }),
  ]),
  h.deviceEntryHint,
);

export const networkModes = [
  'host',
  'none',
  'veth',
  'bridge',
  'zone',
  'macvlan',
  'ipvlan',
  'interface',
  'pod',
] as const;

const network = z.strictObject({
  mode: field(
    z.enum(networkModes),
    'host (default): share the host network (Private=no, VirtualEthernet=no). none: own namespace, loopback only. veth: a veth pair to the host. bridge: veth attached to network.bridge. zone: veth in a shared zone. macvlan / ipvlan / interface: the host interfaces listed under those keys. pod: the network namespace of the pod named by network.pod, shared with its other members (loopback between them).',
  ),
  bridge: field(
    interfaceName,
    'Host bridge for mode bridge (Bridge=): an interface name as the kernel takes it (at most 15 characters of printable ASCII without space, "/", ":" or "%", not all digits, not "all" or "default").',
  ),
  zone: field(
    zoneName,
    'Zone name for mode zone (Zone=): at most 12 characters, as nspawn names its interface vz-NAME.',
  ),
  macvlan: field(z.array(interfaceName), 'Host interfaces for mode macvlan (MACVLAN=), named as for bridge.'),
  ipvlan: field(z.array(interfaceName), 'Host interfaces for mode ipvlan (IPVLAN=), named as for bridge.'),
  interfaces: field(
    z.array(interfaceName),
    'Host interfaces moved into the container for mode interface (Interface=), named as for bridge.',
  ),
  pod: field(machineName, 'Pod (pods/NAME.yaml) whose network namespace this container joins, for mode pod.'),
  ports: field(
    z.array(port),
    'Port forwards "[tcp:|udp:]HOST[:CONTAINER]" (Port=); needs a private network (veth, bridge or zone). A host port (per protocol) can be forwarded by one container only.',
  ),
});

const resources = z.strictObject({
  cpu: field(
    z.strictObject({
      weight: field(weight, 'Relative CPU share (CPUWeight=), 1 to 10000, default 100.'),
      quota: field(cpuQuota, 'CPU time limit as a percentage of one CPU (CPUQuota=), e.g. 150%.'),
      cpus: field(cpuSet, 'CPUs the container may run on (AllowedCPUs=), e.g. "0-3".'),
    }),
    'CPU controls.',
  ),
  memory: field(
    z.strictObject({
      min: field(
        memoryLimit,
        'Memory that is never reclaimed (MemoryMin=): a size (512M, 2G), a percentage of RAM or infinity.',
      ),
      low: field(memoryLimit, 'Memory reclaimed only under pressure (MemoryLow=).'),
      high: field(memoryLimit, 'Throttling threshold (MemoryHigh=).'),
      max: field(memoryLimit, 'Hard limit; the OOM killer acts above it (MemoryMax=).'),
      swap_max: field(memoryLimit, 'Swap limit (MemorySwapMax=); 0 disables swap.'),
      nodes: field(cpuSet, 'NUMA memory nodes the container may use (AllowedMemoryNodes=).'),
    }),
    'Memory controls.',
  ),
  tasks_max: field(
    tasksMax,
    'Maximum number of tasks (TasksMax=): a number, a percentage or infinity; the template defaults to 16384.',
  ),
  io: field(
    z.strictObject({
      weight: field(weight, 'Relative IO share (IOWeight=), 1 to 10000, default 100.'),
      device_weight: field(perDevice(weight), 'IO weight per device (IODeviceWeight=), e.g. { /dev/sda: 200 }.'),
      read_bandwidth_max: field(
        perDevice(bandwidth),
        'Read bytes per second per device (IOReadBandwidthMax=), e.g. { /dev/sda: 10M }.',
      ),
      write_bandwidth_max: field(perDevice(bandwidth), 'Write bytes per second per device (IOWriteBandwidthMax=).'),
      read_iops_max: field(
        perDevice(iops),
        'Read operations per second per device (IOReadIOPSMax=), e.g. { /dev/sda: 2K }.',
      ),
      write_iops_max: field(perDevice(iops), 'Write operations per second per device (IOWriteIOPSMax=).'),
    }),
    'Block IO controls.',
  ),
});
export { resources as resourcesSchema };

const security = z.strictObject({
  tier: field(
    z.enum(['hardened', 'strict']),
    'Security tier: defaults below everything the container and its profiles set explicitly. hardened: private_users pick, no_new_privileges, an own network (veth unless network.mode says otherwise; an explicit host mode is kept with a warning), and CAP_SYS_PTRACE, CAP_NET_RAW, CAP_SYS_RAWIO and CAP_SYS_BOOT dropped. strict: hardened, plus 27 capabilities dropped (never CAP_SYS_ADMIN) and ~@cpu-emulation ~@debug ~@obsolete ~@raw-io denied. Where the guest configures its own network (veth, bridge, zone, macvlan, ipvlan, interface), CAP_NET_ADMIN and CAP_NET_RAW are kept for its DHCP client. capabilities.add keeps a capability the tier would drop. Without CAP_SYS_BOOT a guest reboot ends the container, so it is restarted: a poweroff from inside restarts it too; stop it with systemctl stop.',
  ),
  private_users: field(
    hinted(
      z.union([
        z.boolean(),
        z.int().check(z.gte(0)),
        pattern(
          /^(?:no|yes|pick|identity|\d+(?::\d+)?)$/,
          'must be no, yes, pick, identity or UID[:COUNT]',
          h.privateUsersHint,
        ),
      ]),
      h.privateUsersHint,
    ),
    'User namespacing (PrivateUsers=): no, yes, pick, identity or UID[:COUNT]. With host networking, root in the container then cannot bind ports below 1024 (a warning says so).',
  ),
  private_users_ownership: field(
    z.enum(['off', 'chown', 'map', 'auto']),
    'How files are made to fit the user namespace (PrivateUsersOwnership=): off, chown, map or auto; with private_users: pick the default is auto (nspawn would otherwise chown the whole root).',
  ),
  no_new_privileges: field(
    z.boolean(),
    'Forbid gaining privileges via setuid and file capabilities (NoNewPrivileges=).',
  ),
  capabilities: field(
    z.strictObject({
      add: field(
        z.array(capability),
        'Capabilities granted beyond the default set (Capability=), by name as systemd 252 knows them (CAP_CHOWN … CAP_CHECKPOINT_RESTORE), or all.',
      ),
      drop: field(
        z.array(capability),
        "Capabilities removed from the default set (DropCapability=), by name, or all. Dropping CAP_NET_RAW or CAP_NET_ADMIN with a private network breaks a booted guest's DHCP client (a warning says so).",
      ),
      ambient: field(
        z.array(ambientCapability),
        'Ambient capabilities for the payload (AmbientCapability=), by name (not all); needs boot: false.',
      ),
    }),
    'Capability changes.',
  ),
  system_call_filter: field(
    z.array(syscallEntry),
    'System calls or @groups to allow, or with "~" to deny (SystemCallFilter=); names are checked against the ones systemd knows. A denied @group is written as its system calls, because systemd-nspawn 252 ignores "~@group".',
  ),
  read_only: field(z.boolean(), 'Mount the root file system read-only (ReadOnly=).'),
});

const passValue = z.union([z.string(), z.number(), z.boolean()]);
export const passSection = z.record(z.string(), z.union([passValue, z.array(passValue)]));

/** Every key a container, profile or `defaults:` may set. */
export const containerSchema = z.strictObject({
  description: field(z.string(), "Human-readable description (the unit's Description=)."),
  profiles: field(z.array(profileName), 'Profiles (profiles/NAME.yaml) applied in order before this file.'),
  image: field(
    imageName,
    "The image the root file system comes from. With a file images/NAME.yaml: that image, fetched once and shared, below a root of the container's own (see storage); the container boots with its machine name as host name unless hostname: says otherwise. Otherwise (as before) an image directory under /var/lib/machines that /var/lib/machines/NAME is copied from on first start (systemd-nspawn --template=). Default: the root is /var/lib/machines/NAME itself.",
  ),
  storage: field(
    z.enum(['overlay', 'copy']),
    "How a container gets its own root from a declared image (images/NAME.yaml). overlay (default): a persistent copy-on-write root mounted at /var/lib/machines/NAME, the image read-only below, the container's changes in its own upper layer. copy: an independent full copy, made once on first start (a reflink copy where the file system can). Either way the root belongs to one image version: a new sha256 gives the container a fresh root at its next start, and the old one is kept until `machinist gc`.",
  ),
  directory: field(absPath, 'Explicit root directory (systemd-nspawn --directory=), instead of image.'),
  ephemeral: field(z.boolean(), 'Run on a throwaway snapshot of the root, discarded at stop (Ephemeral=).'),
  volatile: field(
    z.union([z.boolean(), z.enum(['no', 'yes', 'state', 'overlay'])]),
    'Volatile root (Volatile=): no, yes (tmpfs root, /usr from the image; a booted guest gets systemd.firstboot=off, as its /etc starts empty), state (tmpfs /var) or overlay.',
  ),
  boot: field(
    z.boolean(),
    "Run the image's init as PID 1 (Boot=); default true. false runs command: under nspawn's stub init (ProcessTwo=, KillSignal=SIGRTMIN+3), so it stops cleanly.",
  ),
  command: field(
    z.array(z.string()),
    'Program and arguments (Parameters=); with boot: true, arguments passed to init.',
  ),
  working_directory: field(absPath, 'Working directory of command: (WorkingDirectory=).'),
  user: field(
    pattern(/^[A-Za-z_][A-Za-z0-9_.-]{0,254}$|^\d{1,10}$/, 'must be a user name or UID', h.userHint),
    'User that runs command: (User=). Known limit of systemd-nspawn 252: its stub init then runs as this user too and cannot power the container off, so `systemctl stop` leaves the unit failed (exit status 255).',
  ),
  autostart: field(z.boolean(), 'Start at boot (a machines.target.wants/ link); default false.'),
  after: field(z.array(machineName), 'Containers to start first; starting this one pulls them in (After= + Wants=).'),
  requires: field(
    z.array(machineName),
    'Containers this one cannot run without: started first, and stopping them stops this one (After= + Requires=).',
  ),
  hostname: field(
    hostname,
    'Host name inside the container (Hostname=); a booted guest also gets systemd.hostname=, so its own /etc/hostname cannot override it.',
  ),
  environment: field(z.record(envName, envValue), "Environment variables for the container's PID 1 (Environment=)."),
  timezone: field(
    z.enum(['off', 'copy', 'bind', 'symlink', 'delete', 'auto']),
    'How /etc/localtime follows the host (Timezone=).',
  ),
  resolv_conf: field(
    z.enum([
      'off',
      'copy-host',
      'copy-static',
      'copy-uplink',
      'copy-stub',
      'replace-host',
      'replace-static',
      'replace-uplink',
      'replace-stub',
      'bind-host',
      'bind-static',
      'bind-uplink',
      'bind-stub',
      'delete',
      'auto',
    ]),
    'How /etc/resolv.conf is provided (ResolvConf=).',
  ),
  network: field(network, 'Networking; host mode (the default) shares the host network namespace.'),
  binds: field(
    z.array(hinted(z.union([bindString, bindObject]), h.bindEntryHint)),
    'Bind mounts: "HOST[:CONTAINER[:OPTIONS]]" with options ro, rw, rbind, norbind, idmap, noidmap, or { source, target, readonly, options } (Bind=, BindReadOnly=).',
  ),
  tmpfs: field(
    z.array(tmpfsEntry),
    'tmpfs mounts "PATH[:OPTIONS]" (TemporaryFileSystem=); without options mode=0755. OPTIONS are comma-separated: size=, nr_blocks=, nr_inodes=, mode=, uid=, gid=, huge=, mpol=, inode32, inode64, and the mount flags ro, rw, exec, noexec, nosuid, sync, async, dirsync, diratime, nodiratime, strictatime, nostrictatime, lazytime, nolazytime (noatime and relatime are refused: nspawn mounts with strictatime, which overrides them). systemd-nspawn already mounts a tmpfs on /tmp (mode 1777): a tmpfs over it needs mode=1777, or only root can write /tmp.',
  ),
  inaccessible: field(z.array(absPath), 'Paths made inaccessible in the container (Inaccessible=).'),
  bind_users: field(
    z.array(bindUser),
    'Host users made available in the container (BindUser=): user names (a letter or "_", then letters, digits, "_" or "-", at most 31 characters), not root or nobody; needs security.private_users.',
  ),
  resources: field(resources, 'cgroup resource limits, written to the service drop-in.'),
  slice: field(
    sliceName,
    'Slice (slices/NAME.yaml) the container runs in: machine-NAME.slice, so NAME has at most 241 characters (a unit name has at most 255).',
  ),
  security: field(security, 'Security settings.'),
  devices: field(
    z.array(device),
    'Host devices made available. A device node under /dev/ (e.g. /dev/fuse, no wildcards) is bound into the container (Bind=) and allowed in its cgroup (DeviceAllow=); a class char-GROUP or block-GROUP of /proc/devices (e.g. char-drm, char-cpu/*) is only allowed (DeviceAllow=). Either as a string, or { path: /dev/…, access: rw } / { class: char-…, access: rw }; access defaults to rwm.',
  ),
  users: field(
    usersSchema,
    "Accounts and SSH keys a booted guest gets on its first boot (guest systemd 252 or later), by user name: root's keys through the ssh.authorized_keys.root credential, other users created through sysusers.extra and given their home and keys through tmpfiles.extra. Per user: ssh_authorized_keys, groups, shell, uid, password_hash (a crypt(3) hash, set at every boot; only in a 0600 file).",
  ),
  cloud_init: field(
    cloudInitSchema,
    'A NoCloud seed for images that run cloud-init (user-data, meta-data, network-config), bound read-only at /var/lib/cloud/seed/nocloud. Images without cloud-init ignore it; it is applied at the first boot and again, once, whenever it changes.',
  ),
  restart: field(
    z.enum(['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always']),
    'When systemd restarts the container (Restart=). A reboot inside the container always restarts it.',
  ),
  on_change: field(
    z.enum(['restart', 'manual']),
    'What `machinist apply` does when a change needs the running container restarted: restart (default) restarts it; manual lists it as pending and leaves the restart to you (`machinist status` shows it).',
  ),
  nspawn: field(
    z.strictObject({
      Exec: field(passSection, '[Exec] keys, e.g. KillSignal: SIGRTMIN+3.'),
      Files: field(passSection, '[Files] keys, e.g. Overlay: [/lower:/upper].'),
      Network: field(passSection, '[Network] keys, e.g. VirtualEthernetExtra: veth-web:host0.'),
    }),
    "Raw .nspawn settings by section ([Exec], [Files], [Network]), checked against systemd's key list; a list repeats the key.",
  ),
  service: field(
    z.strictObject({
      Unit: field(passSection, '[Unit] keys, e.g. ConditionPathExists: /srv/web.'),
      Service: field(passSection, '[Service] keys, e.g. TimeoutStopSec: 2min.'),
    }),
    "Raw drop-in settings by section ([Unit], [Service]), checked against systemd's key list; values are unit-file syntax (specifiers such as %i apply).",
  ),
});

export type ContainerInput = z.infer<typeof containerSchema>;
export type BindInput = NonNullable<ContainerInput['binds']>[number];
export type DeviceInput = NonNullable<ContainerInput['devices']>[number];
export type Resources = z.infer<typeof resources>;
export type PassSection = z.infer<typeof passSection>;
