// Value grammars shared by the schemas. Each follows the systemd man page of the setting it feeds, so a value
// that passes here is one systemd accepts (systemd.resource-control(5), systemd.nspawn(5)).
//
// The schemas use zod/mini: the same validation core as zod, but tree-shakable, so the boot-time generator
// loads ~15 KB of validator instead of ~450 KB (start-up time is most of what a generator costs).
import * as z from 'zod/mini';
import { hostnamePattern, messages, profileNamePattern, rules, sliceNamePattern } from './rules.js';
import type { RuleName } from './rules.js';

/** Attach documentation (README and JSON Schema are generated from it). */
export const doc = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description)) as T;
/** An optional, documented field. */
export const field = <T extends z.ZodMiniType>(schema: T, description: string) => z.optional(doc(schema, description));

export const pattern = (re: RegExp, message: string) => z.string().check(z.regex(re, { message }));
/** A custom check by name: the function in rules.ts itself, which the generated validator calls too. */
const rule = (name: RuleName & keyof typeof messages) => z.refine<string>(rules[name], { message: messages[name] });
/** A custom check whose message depends on the value: `problem` words it for a value the rule rejects. */
export const explainedRule = (name: RuleName, problem: (s: string) => string | undefined) =>
  z.string().check(z.refine<string>(rules[name], { error: (issue) => problem(issue.input as string) }));

/** Absolute, normalised path: no "//", no "." or ".." components, no trailing slash (except "/"). */
export const absPath = z.string().check(rule('absolute'), rule('normalised'));

export const hostname = pattern(hostnamePattern, 'must be a host name: letters, digits and "-", dot-separated labels, at most 64 characters');
export const machineName = hostname;
export const profileName = pattern(profileNamePattern, 'must be a profile name: letters, digits, "-", "_" and "."');
export const sliceName = pattern(sliceNamePattern, 'must be a slice name: letters, digits and "_", with "-" between levels (a-b is a child of a)');

const count = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().check(z.gte(min), z.lte(max));

/** MemoryMax= and friends: a size, a percentage of physical memory, or infinity. */
export const memoryLimit = z.union([count(0), z.string().check(rule('memoryLimit'))]);

export const weight = count(1, 10000);

/** CPUQuota=: a percentage of one CPU; more than 100% spans several CPUs. */
export const cpuQuota = pattern(/^(?:[1-9]\d*|0\.\d*[1-9]\d*|[1-9]\d*\.\d+)%$/, 'must be a percentage of one CPU, e.g. 50% or 150%');

/** AllowedCPUs= / AllowedMemoryNodes=: indices and ranges, "0-3,6". */
export const cpuSet = z.union([count(0), pattern(/^\d+(?:-\d+)?(?:[, ]\d+(?:-\d+)?)*$/, 'must be indices or ranges, e.g. "0-3,6"')]);

export const tasksMax = z.union([count(1), z.string().check(rule('tasksMax'))]);

/** Bandwidth per second: a size with K/M/G/T (1024-based) or infinity. */
export const bandwidth = z.union([count(1), z.string().check(rule('bandwidth'))]);
/** IOPS: a count with optional K/M/G (1000-based) or infinity. */
export const iops = z.union([count(1), z.string().check(rule('iops'))]);

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
