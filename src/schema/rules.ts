// The value rules behind the schemas, without zod: name patterns and the predicates of every custom check.
// The zod schemas (values.ts, container.ts) pass these very functions to z.refine, and the generated validator
// (accept.generated.ts) calls them by name, so both decide alike. Importing this module loads no zod, which is
// what lets the boot-time generator check a valid configuration without initialising any schema.

// machined accepts a machine name only if it is a valid host name (systemd's hostname_is_valid()).
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

const isAbsolute = (p: string) => p.startsWith('/');
/** No "//", no "." or ".." components, no trailing slash (except "/"); relative paths are left to isAbsolute. */
const isNormalised = (p: string) => !p.startsWith('/') || p === '/' || (!p.endsWith('/') && !p.split('/').slice(1).some((c) => c === '' || c === '.' || c === '..'));

/** Why a path is not absolute and normalised, or undefined when it is. */
export function pathProblem(p: string): string | undefined {
  if (!isAbsolute(p)) return messages.absolute;
  if (!isNormalised(p)) return messages.normalised;
  return undefined;
}

/** HOST[:CONTAINER[:OPTIONS]], paths absolute, options comma-separated: why not, or undefined. */
export function bindStringProblem(s: string): string | undefined {
  const parts = s.split(':');
  if (parts.length > 3) return 'has more than three ":"-separated parts; use the { source, target } form for paths containing ":"';
  const [src, dst, opts] = parts;
  for (const p of [src, dst]) {
    if (p === undefined) continue;
    const problem = pathProblem(p);
    if (problem) return `"${p}" ${problem}`;
  }
  for (const o of opts?.split(',') ?? []) {
    if (!(bindOptions as readonly string[]).includes(o)) return `unknown bind option "${o}" (accepted: ${bindOptions.join(', ')})`;
  }
  return undefined;
}

/** PATH[:OPTIONS] of TemporaryFileSystem=: why not, or undefined. */
export function tmpfsProblem(s: string): string | undefined {
  const i = s.indexOf(':');
  const problem = pathProblem(i < 0 ? s : s.slice(0, i));
  return problem ? `path ${problem}` : undefined;
}

/**
 * The predicate of every custom check, by name. A schema refers to one of these functions itself (not a
 * wrapper), because the validator generator finds a check's name by the function's identity.
 */
export const rules = {
  absolute: isAbsolute,
  normalised: isNormalised,
  memoryLimit: (s: string) => sizePattern.test(s) || percent.test(s) || s === 'infinity',
  tasksMax: (s: string) => /^[1-9]\d*$/.test(s) || percent.test(s) || s === 'infinity',
  bandwidth: (s: string) => sizePattern.test(s) || s === 'infinity',
  iops: (s: string) => /^\d+(?:\.\d+)?[KMG]?$/.test(s) || s === 'infinity',
  bindString: (s: string) => bindStringProblem(s) === undefined,
  tmpfsEntry: (s: string) => tmpfsProblem(s) === undefined,
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
