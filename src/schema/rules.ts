// The value rules behind the schemas, without zod: name patterns and the predicates of every custom check.
// The zod schemas (values.ts, container.ts) pass these very functions to z.refine, and the generated validator
// (accept.generated.ts) calls them by name, so both decide alike. Importing this module loads no zod, which is
// what lets the boot-time generator check a valid configuration without initialising any schema.
import { capabilitySet } from './capabilities.js';
import { passwordHashProblem, sshKeyProblem, userNamePattern } from './identity-rules.js';

// machined accepts a machine name only if it is a valid host name (systemd's hostname_is_valid(): labels of
// letters, digits and "-", not starting or ending with "-", at most 64 characters in all).
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
export const hostnamePattern = new RegExp(`^(?=.{1,64}$)${label}(?:\\.${label})*$`);
export const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
// A slice name becomes machine-NAME.slice; "-" makes it a child of the part before it.
export const sliceNamePattern = /^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$/;

/** Bytes with an optional 1024-based suffix K, M, G, T, P, E, as systemd parses sizes. */
const sizePattern = /^\d+(?:\.\d+)?[KMGTPE]?$/;
const percent = /^\d+(?:\.\d+)?%$/;

export const messages = {
  absolute: 'must be an absolute path (start with "/")',
  normalised: 'must be a normalised path (no "//", "." or ".." components and no trailing "/")',
  memoryLimit: 'must be a size (e.g. 512M, 2G), a percentage (e.g. 50%) or "infinity"',
  tasksMax: 'must be a number, a percentage of the system limit or "infinity"',
  bandwidth: 'must be bytes per second, e.g. 10M, or "infinity"',
  iops: 'must be operations per second, e.g. 1000 or 2K',
} as const;

export const bindOptions = ['ro', 'rw', 'rbind', 'norbind', 'idmap', 'noidmap'] as const;

// The kernel's limits: a path of at most PATH_MAX (4096) bytes with its NUL, a file name of at most NAME_MAX.
const PATH_MAX = 4096;
const NAME_MAX = 255;
/** A unit name may have at most 255 characters (systemd's UNIT_NAME_MAX, 256 with the NUL). */
export const UNIT_NAME_MAX = 255;
const ASCII = /^[\x00-\x7f]*$/;
/** Length in bytes as the kernel counts it (UTF-8). */
export const byteLength = (s: string) => (ASCII.test(s) ? s.length : new TextEncoder().encode(s).length);
// C0 and C1 controls and DEL: legal in a Linux file name, but never meant, and unreadable in a terminal.
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** How to name one character in a message: printable ones quoted, others by code point. */
export function showChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code > 0x20 && code < 0x7f ? `"${c}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

const isAbsolute = (p: string) => p.startsWith('/');
/** No "//", no "." or ".." components, no trailing slash (except "/"); relative paths are left to isAbsolute. */
const isNormalised = (p: string) =>
  !p.startsWith('/') ||
  p === '/' ||
  (!p.endsWith('/') &&
    !p
      .split('/')
      .slice(1)
      .some((c) => c === '' || c === '.' || c === '..'));

/** Why a path is not absolute, normalised and within the kernel's limits, or undefined when it is. */
export function pathProblem(p: string): string | undefined {
  if (!isAbsolute(p)) return messages.absolute;
  if (!isNormalised(p)) return messages.normalised;
  const control = CONTROL.exec(p);
  if (control) return `contains the control character ${showChar(control[0])}`;
  const bytes = byteLength(p);
  if (bytes >= PATH_MAX) return `is ${bytes} bytes long; a path has at most ${PATH_MAX - 1} (PATH_MAX)`;
  if (bytes > NAME_MAX && p.split('/').some((c) => byteLength(c) > NAME_MAX)) {
    return `has a component longer than ${NAME_MAX} bytes, the most a file name can have (NAME_MAX)`;
  }
  return undefined;
}

/** HOST[:CONTAINER[:OPTIONS]], paths absolute, options comma-separated: why not, or undefined. */
export function bindStringProblem(s: string): string | undefined {
  const parts = s.split(':');
  if (parts.length > 3) {
    return 'has more than three ":"-separated parts; use the { source, target } form for paths containing ":"';
  }
  const [src, dst, opts] = parts;
  for (const p of [src, dst]) {
    if (p === undefined) continue;
    const problem = pathProblem(p);
    if (problem) return `"${p}" ${problem}`;
  }
  for (const o of opts?.split(',') ?? []) {
    if (!(bindOptions as readonly string[]).includes(o)) {
      return `unknown bind option "${o}" (accepted: ${bindOptions.join(', ')})`;
    }
  }
  return undefined;
}

// TemporaryFileSystem=PATH:OPTIONS hands OPTIONS to mount(2) for a tmpfs: systemd-nspawn takes out the generic
// mount flags, the rest goes to the kernel's tmpfs, and an option either does not know fails the container's
// start ("Failed to mount tmpfs … Invalid argument"). "dev" and "suid" are not offered: they would undo the
// nodev and nosuid that nspawn's own mounts keep.
// nspawn mounts with MS_STRICTATIME, which makes the kernel drop noatime and relatime without a word: those two
// are refused (nostrictatime gives relatime).
export const tmpfsFlags = [
  'ro',
  'rw',
  'exec',
  'noexec',
  'nosuid',
  'sync',
  'async',
  'dirsync',
  'diratime',
  'nodiratime',
  'strictatime',
  'nostrictatime',
  'lazytime',
  'nolazytime',
  'inode32',
  'inode64',
] as const;
const tmpfsIgnored = new Set(['noatime', 'relatime']);
const memparse = /^\d+[kKmMgGtTpPeE]?$/;
const nodeList = '\\d+(?:-\\d+)?';
/** tmpfs(5) options with a value, and the grammar of each value. */
export const tmpfsValues: ReadonlyMap<string, { re: RegExp; what: string }> = new Map(
  Object.entries({
    size: {
      re: /^(?:\d+[kKmMgGtTpPeE]?|\d+%)$/,
      what: 'bytes with k, m or g, or a percentage of RAM, e.g. 64m or 10%',
    },
    nr_blocks: { re: memparse, what: 'a number of blocks, with k, m or g, e.g. 16k' },
    nr_inodes: { re: memparse, what: 'a number of inodes, with k, m or g, e.g. 4k' },
    mode: { re: /^[0-7]{1,4}$/, what: 'an octal mode, e.g. 0755 or 1777' },
    uid: { re: /^\d{1,10}$/, what: 'a numeric user ID' },
    gid: { re: /^\d{1,10}$/, what: 'a numeric group ID' },
    huge: { re: /^(?:never|always|within_size|advise)$/, what: 'never, always, within_size or advise' },
    mpol: {
      re: new RegExp(`^(?:default|local|prefer(?::\\d+)?|bind:${nodeList}|interleave(?::${nodeList})?)$`),
      what: 'default, local, prefer:NODE, bind:NODES or interleave[:NODES]',
    },
  }),
);

/** One option of a TemporaryFileSystem= option list: why not, or undefined. */
export function tmpfsOptionProblem(o: string): string | undefined {
  const eq = o.indexOf('=');
  if (tmpfsIgnored.has(o)) return `has "${o}", which the kernel ignores under systemd-nspawn's strictatime`;
  if (eq < 0) return (tmpfsFlags as readonly string[]).includes(o) ? undefined : `has the unknown tmpfs option "${o}"`;
  const name = o.slice(0, eq);
  const grammar = tmpfsValues.get(name);
  if (!grammar) return `has the unknown tmpfs option "${name}="`;
  return grammar.re.test(o.slice(eq + 1))
    ? undefined
    : `has ${name}=${o.slice(eq + 1)}, but ${name}= takes ${grammar.what}`;
}

/** PATH[:OPTIONS] of TemporaryFileSystem=: why not, or undefined. */
export function tmpfsProblem(s: string): string | undefined {
  const i = s.indexOf(':');
  const problem = pathProblem(i < 0 ? s : s.slice(0, i));
  if (problem) return `path ${problem}`;
  if (i < 0) return undefined;
  const options = s.slice(i + 1);
  if (options === '') return 'has an empty option list after ":"';
  for (const o of options.split(',')) {
    const p = tmpfsOptionProblem(o);
    if (p) return p;
  }
  return undefined;
}

/**
 * A network interface name as the kernel and systemd-nspawn take it (systemd's ifname_valid()): 1 to 15 bytes
 * (IFNAMSIZ - 1) of printable ASCII without space, "/", ":" or "%", not "." or "..", not all digits, and not
 * "all" or "default" (the kernel's /proc/sys/net/*\/conf/ names). nspawn ignores any other Bridge= or Zone=
 * value, and the container then runs in the host's network namespace.
 */
export function ifnameProblem(s: string, prefix = ''): string | undefined {
  if (s === '') return 'is empty';
  const bad = /[^\x21-\x7e]|[:/%]/.exec(s);
  if (bad) return `contains ${showChar(bad[0])}, which an interface name cannot`;
  const limit = 15 - prefix.length;
  if (s.length > limit) {
    const why = prefix ? `nspawn names its interface ${prefix}NAME, so ` : '';
    return `is ${s.length} characters long; ${why}at most ${limit} fit the kernel's limit (IFNAMSIZ)`;
  }
  if (prefix) return undefined;
  if (s === '.' || s === '..') return `cannot be "${s}"`;
  if (s === 'all' || s === 'default') {
    return `cannot be "${s}", a name the kernel reserves (/proc/sys/net/ipv4/conf/${s})`;
  }
  if (/^\d+$/.test(s)) return 'is all digits, which the kernel reads as an interface index';
  return undefined;
}
/** Zone=NAME: nspawn's interface is vz-NAME, which must be a valid interface name. */
export const zoneProblem = (s: string) => ifnameProblem(s, 'vz-');

/** A capability name for Capability=/DropCapability= ("all" included) or AmbientCapability= (no "all"). */
export function capabilityProblem(s: string): string | undefined {
  if (s === 'all' || capabilitySet.has(s)) return undefined;
  return 'is not a capability systemd knows; systemd-nspawn would ignore it';
}
export function ambientCapabilityProblem(s: string): string | undefined {
  if (s === 'all') return 'cannot be "all": systemd-nspawn refuses AmbientCapability=all and does not start';
  return capabilityProblem(s);
}

/**
 * BindUser=: a user name as systemd's valid_user_group_name() takes it (a letter or "_", then letters, digits,
 * "_" or "-", at most 31 characters), and not root or nobody, which systemd-nspawn refuses to map (the
 * container does not start).
 */
export function bindUserProblem(s: string): string | undefined {
  if (!userNamePattern.test(s)) {
    if (s.length > 31) return `is ${s.length} characters long; a user name has at most 31`;
    return 'is not a user name systemd accepts: a letter or "_", then letters, digits, "_" or "-"';
  }
  if (s === 'root' || s === 'nobody') {
    return `cannot be bound: systemd-nspawn refuses to map "${s}" and the container does not start`;
  }
  return undefined;
}

// The cgroup of a container in slice a-b is /sys/fs/cgroup/machine.slice/machine-a.slice/machine-a-b.slice/
// machine@NAME.service/…: the kernel refuses a path longer than PATH_MAX, so systemd could not start it. Room
// is kept for the container's own part (machine@ + a 64-character name + .service/supervisor).
const CGROUP_ROOT = '/sys/fs/cgroup/machine.slice/';
const CONTAINER_PART = 'machine@.service/supervisor'.length + 64 + 2;

/** A slice name: machine-NAME.slice must be a unit name systemd accepts, and its cgroup path must fit. */
export function sliceNameProblem(s: string): string | undefined {
  if (!sliceNamePattern.test(s)) {
    return 'must be a slice name: letters, digits and "_", with single "-" between levels (a-b is a child of a)';
  }
  const unit = `machine-${s}.slice`;
  if (unit.length > UNIT_NAME_MAX) {
    const most = UNIT_NAME_MAX - 'machine-.slice'.length;
    return `is ${s.length} characters long; the unit machine-NAME.slice may have ${UNIT_NAME_MAX}, so NAME at most ${most}`;
  }
  let cgroup = CGROUP_ROOT.length + CONTAINER_PART;
  const parts = s.split('-');
  for (let i = 0, len = 0; i < parts.length; i++) {
    len += (i ? 1 : 0) + parts[i]!.length;
    cgroup += 'machine-.slice/'.length + len;
  }
  if (cgroup >= PATH_MAX) {
    const most = PATH_MAX - 1;
    return `has so many levels that its cgroup path would be ${cgroup} bytes, more than the kernel allows (${most})`;
  }
  return undefined;
}

// DeviceAllow= takes a device node under /dev/ or a class: "char-" or "block-" and a group name of
// /proc/devices ("char-drm", "char-cpu/*": systemd matches the group with * and ? wildcards). Device paths are
// matched literally, so a wildcard there would allow nothing while Bind= mounted whatever it names.
const deviceClass = /^(?:char|block)-[A-Za-z0-9_.:/*?+-]+$/;
export const isDeviceClass = (s: string) => s.startsWith('char-') || s.startsWith('block-');

/** A device class for DeviceAllow= (char-GROUP, block-GROUP): why not, or undefined. */
export function deviceClassProblem(s: string): string | undefined {
  if (!isDeviceClass(s) || s === 'char-' || s === 'block-') {
    return 'is not a device class: char- or block- followed by a group name of /proc/devices, e.g. char-drm';
  }
  if (s.length > 255) return `is ${s.length} characters long; a device class has at most 255 (group names are short)`;
  return deviceClass.test(s)
    ? undefined
    : 'has characters no /proc/devices group name has (letters, digits, "_", ".", ":", "/", "+", "-", and * or ? to match several)';
}

/** A device node path under /dev/ (bound into the container and allowed in its cgroup): why not, or undefined. */
export function deviceNodeProblem(s: string): string | undefined {
  const p = pathProblem(s);
  if (p) return p;
  if (!s.startsWith('/dev/')) {
    return 'is not a device node: devices takes a path under /dev/ (or a class such as char-drm)';
  }
  const glob = /[*?[]/.exec(s);
  if (glob) return `contains the wildcard ${showChar(glob[0])}; systemd matches device paths literally`;
  return undefined;
}

/** One entry of devices: a device node path or a class. */
export const deviceProblem = (s: string) => (isDeviceClass(s) ? deviceClassProblem(s) : deviceNodeProblem(s));

/**
 * The predicate of every custom check, by name. A schema refers to one of these functions itself (not a
 * wrapper), because the validator generator finds a check's name by the function's identity.
 */
export const rules = {
  path: (s: string) => pathProblem(s) === undefined,
  memoryLimit: (s: string) => sizePattern.test(s) || percent.test(s) || s === 'infinity',
  tasksMax: (s: string) => /^[1-9]\d*$/.test(s) || percent.test(s) || s === 'infinity',
  bandwidth: (s: string) => sizePattern.test(s) || s === 'infinity',
  iops: (s: string) => /^\d+(?:\.\d+)?[KMG]?$/.test(s) || s === 'infinity',
  bindString: (s: string) => bindStringProblem(s) === undefined,
  tmpfsEntry: (s: string) => tmpfsProblem(s) === undefined,
  interfaceName: (s: string) => ifnameProblem(s) === undefined,
  zoneName: (s: string) => zoneProblem(s) === undefined,
  capability: (s: string) => capabilityProblem(s) === undefined,
  ambientCapability: (s: string) => ambientCapabilityProblem(s) === undefined,
  bindUser: (s: string) => bindUserProblem(s) === undefined,
  sliceName: (s: string) => sliceNameProblem(s) === undefined,
  device: (s: string) => deviceProblem(s) === undefined,
  deviceNode: (s: string) => deviceNodeProblem(s) === undefined,
  deviceClass: (s: string) => deviceClassProblem(s) === undefined,
  sshKey: (s: string) => sshKeyProblem(s) === undefined,
  passwordHash: (s: string) => passwordHashProblem(s) === undefined,
};
export type RuleName = keyof typeof rules;

/** zod's test for a record's input (util.isPlainObject of zod 4), so that both validators take the same inputs. */
export function isPlainObject(o: unknown): boolean {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const ctor = (o as { constructor?: unknown }).constructor;
  if (ctor === undefined || typeof ctor !== 'function') return true;
  const prot = (ctor as { prototype?: unknown }).prototype;
  if (typeof prot !== 'object' || prot === null || Array.isArray(prot)) return false;
  return Object.prototype.hasOwnProperty.call(prot, 'isPrototypeOf');
}

/** One devices: entry as written in YAML (the schema's DeviceInput). */
export type DeviceEntry = string | { path: string; access?: string } | { class: string; access?: string };

/** A devices: entry as the outputs need it: what DeviceAllow= names, with which access, and whether Bind= mounts it. */
export function deviceSpec(d: DeviceEntry): { spec: string; access: string; bind: boolean } {
  if (typeof d === 'string') return { spec: d, access: 'rwm', bind: !isDeviceClass(d) };
  if ('class' in d) return { spec: d.class, access: d.access ?? 'rwm', bind: false };
  return { spec: d.path, access: d.access ?? 'rwm', bind: true };
}
