// Value grammars shared by the schemas. Each follows the systemd man page of the setting it feeds, so a value
// that passes here is one systemd accepts (systemd.resource-control(5), systemd.nspawn(5)), and each carries a
// hint (hints.ts) that says what to write when a value is refused.
//
// The schemas use zod/mini: the same validation core as zod, but tree-shakable, so the boot-time generator
// loads ~15 KB of validator instead of ~450 KB (start-up time is most of what a generator costs).
import * as z from 'zod/mini';
import * as h from './hints.js';
import type { Hint } from './hints.js';
import {
  ambientCapabilityProblem,
  bindUserProblem,
  capabilityProblem,
  deviceClassProblem,
  deviceNodeProblem,
  deviceProblem,
  hostnamePattern,
  ifnameProblem,
  messages,
  pathProblem,
  profileNamePattern,
  rules,
  sliceNameProblem,
  zoneProblem,
} from './rules.js';
import type { RuleName } from './rules.js';

const hints = new WeakMap<object, Hint>();
/** Attach a hint to a schema: validate.ts asks it when a value at this schema is refused. */
export const hinted = <T extends z.ZodMiniType>(schema: T, hint: Hint): T => {
  hints.set(schema, hint);
  return schema;
};
/** The hint of a schema (as found at an issue's path), if it has one. */
export const hintOf = (schema: object): Hint | undefined => hints.get(schema);

/** Attach documentation (README and JSON Schema are generated from it); the hint stays with the schema. */
export const doc = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  const described = schema.check(z.describe(description)) as T;
  const hint = hints.get(schema);
  if (hint) hints.set(described, hint);
  return described;
};
/** An optional, documented field. */
export const field = <T extends z.ZodMiniType>(schema: T, description: string) => z.optional(doc(schema, description));

export const pattern = (re: RegExp, message: string, hint?: Hint) => {
  const s = z.string().check(z.regex(re, { message }));
  return hint ? hinted(s, hint) : s;
};
/** A custom check by name: the function in rules.ts itself, which the generated validator calls too. */
const rule = (name: RuleName & keyof typeof messages) => z.refine<string>(rules[name], { message: messages[name] });
/** A custom check whose message depends on the value: `problem` words it for a value the rule rejects. */
export const explainedRule = (name: RuleName, problem: (s: string) => string | undefined, hint?: Hint) => {
  const s = z.string().check(z.refine<string>(rules[name], { error: (issue) => problem(issue.input as string) }));
  return hint ? hinted(s, hint) : s;
};

/** Absolute, normalised path within the kernel's limits: no "//", "." or ".." components, no trailing "/". */
export const absPath = explainedRule('path', pathProblem, h.pathHint);

export const hostname = pattern(
  hostnamePattern,
  'must be a host name: letters, digits and "-" in dot-separated labels that neither start nor end with "-", at most 64 characters',
  h.hostnameHint,
);
/** A container named in after:/requires:. */
export const machineName = pattern(
  hostnamePattern,
  'must be a container name (a host name: letters, digits and "-", dot-separated, at most 64 characters)',
  h.containerNameHint,
);
/** image: a declared image (images/NAME.yaml) or a directory under /var/lib/machines, named like a machine. */
export const imageName = pattern(
  hostnamePattern,
  'must be the name of an image (images/NAME.yaml) or of an image directory under /var/lib/machines (letters, digits and "-", dot-separated, at most 64 characters)',
  h.imageHint,
);
export const profileName = pattern(
  profileNamePattern,
  'must be a profile name: letters, digits, "-", "_" and "."',
  h.profileNameHint,
);
export const sliceName = explainedRule('sliceName', sliceNameProblem, h.sliceHint);

const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min), z.lte(max));

/** MemoryMax= and friends: a size, a percentage of physical memory, or infinity. */
export const memoryLimit = hinted(
  z.union([count(0), hinted(z.string().check(rule('memoryLimit')), h.memoryHint)]),
  h.memoryHint,
);

export const weight = hinted(count(1, 10000), h.weightHint);

/** CPUQuota=: a percentage of one CPU; more than 100% spans several CPUs. */
export const cpuQuota = pattern(
  /^(?:[1-9]\d*|0\.\d*[1-9]\d*|[1-9]\d*\.\d+)%$/,
  'must be a percentage of one CPU, e.g. 50% or 150%',
  h.quotaHint,
);

/** AllowedCPUs= / AllowedMemoryNodes=: indices and ranges, "0-3,6". */
export const cpuSet = hinted(
  z.union([
    count(0),
    pattern(/^\d+(?:-\d+)?(?:[, ]\d+(?:-\d+)?)*$/, 'must be indices or ranges, e.g. "0-3,6"', h.cpuSetHint),
  ]),
  h.cpuSetHint,
);

export const tasksMax = hinted(
  z.union([count(1), hinted(z.string().check(rule('tasksMax')), h.tasksHint)]),
  h.tasksHint,
);

/** Bandwidth per second: a size with K/M/G/T (1024-based) or infinity. */
export const bandwidth = hinted(
  z.union([count(1), hinted(z.string().check(rule('bandwidth')), h.bandwidthHint)]),
  h.bandwidthHint,
);
/** IOPS: a count with optional K/M/G (1000-based) or infinity. */
export const iops = hinted(z.union([count(1), hinted(z.string().check(rule('iops')), h.iopsHint)]), h.iopsHint);

/** A map from a block device (or a file on it) to a value, for the IO*Max= and IODeviceWeight= settings. */
export const perDevice = <T extends z.ZodMiniType>(value: T) => z.record(absPath, value);

export const envName = pattern(
  /^[A-Za-z_][A-Za-z0-9_]*$/,
  'must be an environment variable name: letters, digits and "_", not starting with a digit',
  h.envNameHint,
);
export const envValue = hinted(z.union([z.string(), z.number(), z.boolean()]), h.envValueHint);

/** Capability=/DropCapability=: a name systemd knows, or all. */
export const capability = explainedRule('capability', capabilityProblem, h.capabilityHint);
/** AmbientCapability=: a name systemd knows (nspawn refuses all there). */
export const ambientCapability = explainedRule('ambientCapability', ambientCapabilityProblem, h.capabilityHint);

/** One system call or @group, optionally negated with "~", as systemd-analyze syscall-filter lists them. */
export const syscallEntry = pattern(
  /^~?@?[a-z0-9_-]+$/,
  'must be a system call or @group, optionally prefixed with "~", e.g. "~@debug"',
  h.syscallHint,
);

/** Port= of systemd.nspawn(5): [tcp:|udp:]HOST[:CONTAINER]. */
const portNumber = '(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
export const port = hinted(
  z.union([
    count(1, 65535),
    pattern(
      new RegExp(`^(?:(?:tcp|udp):)?${portNumber}(?::${portNumber})?$`),
      'must be [tcp:|udp:]HOSTPORT[:CONTAINERPORT], e.g. "tcp:8080:80"',
      h.portHint,
    ),
  ]),
  h.portHint,
);

/** A host network interface (Bridge=, MACVLAN=, IPVLAN=, Interface=), as the kernel names them. */
export const interfaceName = explainedRule('interfaceName', ifnameProblem, h.ifnameHint);
/** Zone=: nspawn's interface vz-NAME must be a valid interface name. */
export const zoneName = explainedRule('zoneName', zoneProblem, h.zoneHint);

/** BindUser=: a user name systemd accepts, other than root and nobody. */
export const bindUser = explainedRule('bindUser', bindUserProblem, h.bindUserHint);

/** devices: a device node under /dev/ (bound and allowed) or a class such as char-drm (allowed only). */
export const deviceEntry = explainedRule('device', deviceProblem, h.deviceHint);
export const deviceNode = explainedRule('deviceNode', deviceNodeProblem, h.deviceHint);
export const deviceClass = explainedRule('deviceClass', deviceClassProblem, h.deviceHint);
