// Value grammars shared by the schemas. Each follows the systemd man page of the setting it feeds, so a value
// that passes here is one systemd accepts (systemd.resource-control(5), systemd.nspawn(5)).
//
// The schemas use zod/mini: the same validation core as zod, but tree-shakable, so the boot-time generator
// loads ~15 KB of validator instead of ~450 KB (start-up time is most of what a generator costs).
import * as z from 'zod/mini';

/** Attach documentation (README and JSON Schema are generated from it). */
export const doc = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description)) as T;
/** An optional, documented field. */
export const field = <T extends z.ZodMiniType>(schema: T, description: string) => z.optional(doc(schema, description));

export const pattern = (re: RegExp, message: string) => z.string().check(z.regex(re, { message }));
const rule = <T>(fn: (v: T) => boolean, message: string) => z.refine<T>(fn, { message });

/** Absolute, normalised path: no "//", no "." or ".." components, no trailing slash (except "/"). */
export const absPath = z.string().check(
  rule<string>((p) => p.startsWith('/'), 'must be an absolute path (start with "/")'),
  rule<string>(
    (p) => !p.startsWith('/') || p === '/' || (!p.endsWith('/') && !p.split('/').slice(1).some((c) => c === '' || c === '.' || c === '..')),
    'must be a normalised path (no "//", "." or ".." components and no trailing "/")',
  ),
);

// machined accepts a machine name only if it is a valid host name (systemd's hostname_is_valid()).
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
export const hostnamePattern = new RegExp(`^(?=.{1,64}$)${label}(?:\\.${label})*$`);
export const hostname = pattern(hostnamePattern, 'must be a host name: letters, digits and "-", dot-separated labels, at most 64 characters');
export const machineName = hostname;
export const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const profileName = pattern(profileNamePattern, 'must be a profile name: letters, digits, "-", "_" and "."');
// A slice name becomes machine-NAME.slice; "-" makes it a child of the part before it.
export const sliceNamePattern = /^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$/;
export const sliceName = pattern(sliceNamePattern, 'must be a slice name: letters, digits and "_", with "-" between levels (a-b is a child of a)');

const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min), z.lte(max));

/** Bytes with an optional 1024-based suffix K, M, G, T, P, E, as systemd parses sizes. */
const sizePattern = /^\d+(?:\.\d+)?[KMGTPE]?$/;
const percent = /^\d+(?:\.\d+)?%$/;

/** MemoryMax= and friends: a size, a percentage of physical memory, or infinity. */
export const memoryLimit = z.union([
  count(0),
  z.string().check(rule<string>((s) => sizePattern.test(s) || percent.test(s) || s === 'infinity', 'must be a size (e.g. 512M, 2G), a percentage (e.g. 50%) or "infinity"')),
]);

export const weight = count(1, 10000);

/** CPUQuota=: a percentage of one CPU; more than 100% spans several CPUs. */
export const cpuQuota = pattern(/^(?:[1-9]\d*|0\.\d*[1-9]\d*|[1-9]\d*\.\d+)%$/, 'must be a percentage of one CPU, e.g. 50% or 150%');

/** AllowedCPUs= / AllowedMemoryNodes=: indices and ranges, "0-3,6". */
export const cpuSet = z.union([count(0), pattern(/^\d+(?:-\d+)?(?:[, ]\d+(?:-\d+)?)*$/, 'must be indices or ranges, e.g. "0-3,6"')]);

export const tasksMax = z.union([
  count(1),
  z.string().check(rule<string>((s) => /^[1-9]\d*$/.test(s) || percent.test(s) || s === 'infinity', 'must be a number, a percentage of the system limit or "infinity"')),
]);

/** Bandwidth per second: a size with K/M/G/T (1024-based) or infinity. */
export const bandwidth = z.union([count(1), z.string().check(rule<string>((s) => sizePattern.test(s) || s === 'infinity', 'must be bytes per second, e.g. 10M, or "infinity"'))]);
/** IOPS: a count with optional K/M/G (1000-based) or infinity. */
export const iops = z.union([count(1), z.string().check(rule<string>((s) => /^\d+(?:\.\d+)?[KMG]?$/.test(s) || s === 'infinity', 'must be operations per second, e.g. 1000 or 2K'))]);

/** A map from a block device (or a file on it) to a value, for the IO*Max= and IODeviceWeight= settings. */
export const perDevice = <T extends z.ZodMiniType>(value: T) => z.record(absPath, value);

export const envName = pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name: letters, digits and "_", not starting with a digit');
export const envValue = z.union([z.string(), z.number(), z.boolean()]);

export const capability = pattern(/^(?:CAP_[A-Z_]+|all)$/, 'must be a capability name such as CAP_NET_ADMIN, or "all"');

/** One system call or @group, optionally negated with "~", as systemd-analyze syscall-filter lists them. */
export const syscallEntry = pattern(/^~?@?[a-z0-9_-]+$/, 'must be a system call or @group, optionally prefixed with "~", e.g. "~@debug"');

/** Port= of systemd.nspawn(5): [tcp:|udp:]HOST[:CONTAINER]. */
const portNumber = '(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
export const port = z.union([
  count(1, 65535),
  pattern(new RegExp(`^(?:(?:tcp|udp):)?${portNumber}(?::${portNumber})?$`), 'must be [tcp:|udp:]HOSTPORT[:CONTAINERPORT], e.g. "tcp:8080:80"'),
]);

export const interfaceName = pattern(/^[^\s/:]{1,15}$/, 'must be a network interface name (at most 15 characters, no "/", ":" or spaces)');
