// Value grammars shared by the schemas. Each follows the systemd man page of the setting it feeds, so a value
// that passes here is one systemd accepts (systemd.resource-control(5), systemd.nspawn(5)).
import { z } from 'zod';

/** Absolute, normalised path: no "//", no "." or ".." components, no trailing slash (except "/"). */
export const absPath = z
  .string()
  .refine((p) => p.startsWith('/'), { message: 'must be an absolute path (start with "/")' })
  .refine((p) => p === '/' || (!p.endsWith('/') && !p.split('/').slice(1).some((c) => c === '' || c === '.' || c === '..')), {
    message: 'must be a normalised path (no "//", "." or ".." components and no trailing "/")',
  });

// machined accepts a machine name only if it is a valid host name (systemd's hostname_is_valid()).
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
export const hostnamePattern = new RegExp(`^(?=.{1,64}$)${label}(?:\\.${label})*$`);
export const hostname = z.string().regex(hostnamePattern, {
  message: 'must be a host name: letters, digits and "-", dot-separated labels, at most 64 characters',
});

export const machineName = hostname;
export const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const profileName = z.string().regex(profileNamePattern, {
  message: 'must be a profile name: letters, digits, "-", "_" and "."',
});
// A slice name becomes machine-NAME.slice; "-" makes it a child of the part before it.
export const sliceNamePattern = /^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$/;
export const sliceName = z.string().regex(sliceNamePattern, {
  message: 'must be a slice name: letters, digits and "_", with "-" between levels (a-b is a child of a)',
});

/** Bytes with an optional 1024-based suffix K, M, G, T, P, E, as systemd parses sizes. */
const sizePattern = /^\d+(?:\.\d+)?[KMGTPE]?$/;
export const size = z
  .union([z.number().int().nonnegative(), z.string().regex(sizePattern)])
  .describe('bytes, or a number with K, M, G, T, P or E (1024-based)');
const percent = /^\d+(?:\.\d+)?%$/;

/** MemoryMax= and friends: a size, a percentage of physical memory, or infinity. */
export const memoryLimit = z
  .union([
    z.number().int().nonnegative(),
    z.string().refine((s) => sizePattern.test(s) || percent.test(s) || s === 'infinity', {
      message: 'must be a size (e.g. 512M, 2G), a percentage (e.g. 50%) or "infinity"',
    }),
  ])
  .describe('size (512M, 2G), percentage of RAM (50%) or infinity');

export const weight = z.number().int().min(1).max(10000).describe('1 to 10000 (default 100)');

/** CPUQuota=: a percentage of one CPU; more than 100% spans several CPUs. */
export const cpuQuota = z
  .string()
  .regex(/^(?:[1-9]\d*|0\.\d*[1-9]\d*|[1-9]\d*\.\d+)%$/, { message: 'must be a percentage of one CPU, e.g. 50% or 150%' })
  .describe('percentage of one CPU, e.g. 150%');

/** AllowedCPUs= / AllowedMemoryNodes=: indices and ranges, "0-3,6". */
export const cpuSet = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(/^\d+(?:-\d+)?(?:[, ]\d+(?:-\d+)?)*$/, { message: 'must be indices or ranges, e.g. "0-3,6"' }),
  ])
  .describe('indices or ranges, e.g. "0-3,6"');

export const tasksMax = z
  .union([
    z.number().int().positive(),
    z.string().refine((s) => /^[1-9]\d*$/.test(s) || percent.test(s) || s === 'infinity', {
      message: 'must be a number, a percentage of the system limit or "infinity"',
    }),
  ])
  .describe('number, percentage or infinity');

/** Bandwidth per second: a size with K/M/G/T (1024-based) or infinity. */
export const bandwidth = z.union([
  z.number().int().positive(),
  z.string().refine((s) => sizePattern.test(s) || s === 'infinity', { message: 'must be bytes per second, e.g. 10M, or "infinity"' }),
]);
/** IOPS: a count with optional K/M/G (1000-based) or infinity. */
export const iops = z.union([
  z.number().int().positive(),
  z.string().refine((s) => /^\d+(?:\.\d+)?[KMG]?$/.test(s) || s === 'infinity', { message: 'must be operations per second, e.g. 1000 or 2K' }),
]);

/** A map from a block device (or a file on it) to a value, for the IO*Max= and IODeviceWeight= settings. */
export const perDevice = <T extends z.ZodType>(value: T) =>
  z.record(absPath, value).describe('map of device path (e.g. /dev/sda) to value');

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name: letters, digits and "_", not starting with a digit' });
export const envValue = z.union([z.string(), z.number(), z.boolean()]);

export const capability = z
  .string()
  .regex(/^(?:CAP_[A-Z_]+|all)$/, { message: 'must be a capability name such as CAP_NET_ADMIN, or "all"' });

/** One system call or @group, optionally negated with "~", as systemd-analyze syscall-filter lists them. */
export const syscallEntry = z
  .string()
  .regex(/^~?@?[a-z0-9_-]+$/, { message: 'must be a system call or @group, optionally prefixed with "~", e.g. "~@debug"' });

/** Port= of systemd.nspawn(5): [tcp:|udp:]HOST[:CONTAINER]. */
const portNumber = '(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
export const port = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(new RegExp(`^(?:(?:tcp|udp):)?${portNumber}(?::${portNumber})?$`), {
    message: 'must be [tcp:|udp:]HOSTPORT[:CONTAINERPORT], e.g. "tcp:8080:80"',
  }),
]);

export const interfaceName = z
  .string()
  .regex(/^[^\s/:]{1,15}$/, { message: 'must be a network interface name (at most 15 characters, no "/", ":" or spaces)' });
