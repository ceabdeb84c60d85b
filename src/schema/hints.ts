// What to write instead: for each value grammar, a hint made from the value that was refused ("2GB" → "2G").
// validate.ts finds the hint of the schema at an issue's path (values.ts registers them), so each refusal says
// what would be accepted, in the user's own terms. Only loaded with zod, when a file has an error.
import { nearest } from '../diagnostics/nearest.js';
import { capabilityNames } from './capabilities.js';
import {
  bindOptions,
  bindUserProblem,
  ifnameProblem,
  isDeviceClass,
  pathProblem,
  tmpfsFlags,
  tmpfsValues,
} from './rules.js';

export type Hint = (value: unknown) => string | undefined;

const quote = (s: string) => JSON.stringify(s);
const numberText = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined);

/** "2GB", "2 GiB", "512mb" → "2G", "512M": systemd's sizes have no "B" and are 1024-based. */
function sizeFix(v: unknown): string | undefined {
  const text = numberText(v);
  const m = text === undefined ? null : /^(\d+(?:\.\d+)?)\s*([kmgtpe])?(?:i?b(?:ytes?)?)?$/i.exec(text);
  if (!m) return undefined;
  return `${m[1]}${m[2] ? m[2].toUpperCase() : ''}`;
}

export const memoryHint: Hint = (v) => {
  const fix = sizeFix(v);
  if (fix !== undefined && fix !== String(v)) {
    return `Write ${fix} (systemd's sizes take K, M, G or T, 1024-based, without "B").`;
  }
  const pct = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*%$/.exec(v.trim()) : null;
  if (pct) return `Write ${pct[1]}% (no space).`;
  return 'Write a size such as 512M or 2G, a percentage of RAM such as 50%, or infinity.';
};

export const bandwidthHint: Hint = (v) => {
  const fix = sizeFix(typeof v === 'string' ? v.replace(/\/s$/i, '') : v);
  if (fix !== undefined && fix !== String(v) && fix !== '0') {
    return `Write ${fix} (bytes per second, with K, M, G or T and no "B").`;
  }
  return 'Write bytes per second such as 10M or 1G, or infinity.';
};

export const iopsHint: Hint = (v) => {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmg])\s*(?:iops)?$/i.exec(v.trim()) : null;
  if (m) return `Write ${m[1]}${m[2]!.toUpperCase()} (operations per second; K, M and G are 1000-based).`;
  return 'Write operations per second such as 1000 or 2K, or infinity.';
};

export const quotaHint: Hint = (v) => {
  const text = numberText(v);
  const n = text === undefined ? null : /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  const x = n ? Number(n[1]) : 0;
  if (n && x > 0 && x < 10 && !text!.includes('%')) {
    // A small number is as likely a count of CPUs (1.5) as a percentage.
    return `Write "${Math.round(x * 100)}%" for ${x} CPUs, or "${n[1]}%" for ${n[1]}% of one CPU.`;
  }
  if (n && x > 0) return `Write "${n[1]}%" (a percentage of one CPU: 100% is one whole CPU, 150% one and a half).`;
  return 'Write a percentage of one CPU greater than 0, such as "50%" or "150%".';
};

export const weightHint: Hint = () => 'Write a whole number from 1 to 10000; 100 is the default share.';

export const cpuSetHint: Hint = (v) => {
  if (typeof v === 'string') {
    const fixed = v.replace(/\s*[;|]\s*|\s+/g, ',').replace(/\.\./g, '-');
    if (fixed !== v && /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/.test(fixed)) return `Write "${fixed}".`;
  }
  return 'Write indices and ranges separated by commas, such as "0-3,6".';
};

export const tasksHint: Hint = () =>
  'Write a number of tasks of at least 1 (e.g. 4096), a percentage of the system limit such as 50%, or infinity.';

export const portHint: Hint = (v) => {
  const m = typeof v === 'string' ? /^([a-z]+):(.*)$/i.exec(v) : null;
  if (m && !['tcp', 'udp'].includes(m[1]!)) {
    return `Only tcp: and udp: can be forwarded: write "tcp:${m[2]}" or "udp:${m[2]}".`;
  }
  return 'Write HOSTPORT, or "[tcp:|udp:]HOSTPORT:CONTAINERPORT" with ports from 1 to 65535, e.g. "tcp:8080:80".';
};

export const envNameHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  let fixed = v.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^\d/.test(fixed)) fixed = `_${fixed}`;
  return `Rename the variable, e.g. ${fixed}: letters, digits and "_", not starting with a digit.`;
};

export const envValueHint: Hint = (v) =>
  Array.isArray(v)
    ? `Write one string, e.g. ${quote(v.map(String).join(' '))}.`
    : 'Write a string, a number or true/false; quote it to keep it as written.';

/** A path the user probably meant: made absolute and normalised (".." resolved, "//" and trailing "/" dropped). */
function normalisedPath(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}

export const pathHint: Hint = (v) => {
  if (typeof v !== 'string') return 'Write an absolute path such as /srv/data.';
  const problem = pathProblem(v);
  if (problem?.includes('control character')) return 'Remove the control character from the path.';
  if (problem?.includes('bytes')) {
    return 'Use a shorter path (a symbolic link to the long one works where the setting follows links).';
  }
  const fixed = normalisedPath(v);
  return fixed !== v && fixed !== '/' ? `Write ${quote(fixed)}.` : 'Write an absolute path such as /srv/data.';
};

export const bindHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  const parts = v.split(':');
  if (parts.length > 3) return 'Write { source: /host/path, target: /container/path } for paths that contain ":".';
  const opts = parts[2]?.split(',') ?? [];
  const unknown = opts.find((o) => !(bindOptions as readonly string[]).includes(o));
  if (unknown !== undefined) {
    const near = nearest(unknown, bindOptions);
    return near ? `Write "${near}" instead of "${unknown}".` : `Use only ${bindOptions.join(', ')}.`;
  }
  const fixed = parts.slice(0, 2).map((p) => (pathProblem(p) ? normalisedPath(p) : p));
  return `Write ${quote([...fixed, ...parts.slice(2)].join(':'))} (HOST[:CONTAINER[:OPTIONS]] with absolute paths).`;
};

export const tmpfsHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  const i = v.indexOf(':');
  if (i < 0 || pathProblem(v.slice(0, i))) {
    const path = normalisedPath(i < 0 ? v : v.slice(0, i));
    return `Write "${path}${i < 0 ? '' : v.slice(i)}" (PATH[:OPTIONS], PATH absolute).`;
  }
  if (i === v.length - 1) return `Write "${v.slice(0, i)}" (without options, nspawn mounts it with mode=0755).`;
  const known = [...tmpfsFlags, ...[...tmpfsValues.keys()].map((k) => `${k}=`)];
  for (const o of v.slice(i + 1).split(',')) {
    const eq = o.indexOf('=');
    const name = eq < 0 ? o : o.slice(0, eq + 1);
    const grammar = tmpfsValues.get(name.slice(0, -1));
    if (grammar && !grammar.re.test(o.slice(eq + 1))) {
      const fix = sizeFix(o.slice(eq + 1))?.toLowerCase();
      return fix !== undefined && grammar.re.test(fix) ? `Write ${name}${fix}.` : `${name} takes ${grammar.what}.`;
    }
    if (o === 'noatime' || o === 'relatime') return `Remove "${o}"; write nostrictatime for relatime.`;
    if (!grammar && !(tmpfsFlags as readonly string[]).includes(o)) {
      const near = nearest(name, known);
      return `${near ? `Did you mean "${near}"? ` : ''}Options: ${known.join(', ')}.`;
    }
  }
  return undefined;
};

export const ifnameHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  const problem = ifnameProblem(v);
  const what = 'Write the interface name as `ip link` shows it, e.g. br0 or eth1';
  if (problem?.includes('long')) return `${what}; the kernel's names have at most 15 characters.`;
  return (
    `${what}: printable ASCII without space, "/", ":" or "%". ` +
    "systemd-nspawn ignores any other name, and the container would share the host's network."
  );
};

export const zoneHint: Hint = (v) => {
  if (typeof v !== 'string' || v.length <= 12) {
    return 'Write a zone name such as lab: printable ASCII without space, "/", ":" or "%", at most 12 characters.';
  }
  const short = v.replace(/[^\x21-\x7e]|[:/%]/g, '').slice(0, 12) || 'lab';
  return `Write a zone name of at most 12 characters, e.g. ${quote(short)}: nspawn names its interface vz-NAME.`;
};

export const capabilityHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  if (v === 'all') return 'List the capabilities one by one: AmbientCapability= does not take "all".';
  let guess = v.trim().toUpperCase();
  if (!guess.startsWith('CAP_')) guess = `CAP_${guess}`;
  const near = nearest(guess, capabilityNames);
  const list = 'capabilities(7) lists them; systemd 252 knows CAP_CHOWN … CAP_CHECKPOINT_RESTORE.';
  return near ? `Did you mean "${near}"? ${list}` : `Write a capability name such as CAP_NET_ADMIN; ${list}`;
};

export const bindUserHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  const problem = bindUserProblem(v);
  if (problem?.includes('refuses')) {
    return `Remove ${quote(v)}: root and nobody exist in every container already; bind a regular user.`;
  }
  return 'Write the user name as /etc/passwd has it: a letter or "_", then letters, digits, "_" or "-", at most 31 characters.';
};

export const deviceHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  if (isDeviceClass(v)) {
    return 'Write char- or block- and a group name of /proc/devices, e.g. char-drm, char-pts or block-loop.';
  }
  if (/[*?[]/.test(v)) {
    const dir = v.slice(0, v.search(/[*?[]/)).replace(/\/[^/]*$/, '');
    return `List each device (e.g. ${dir}/card0), or allow a whole class without binding it, e.g. char-drm (see /proc/devices).`;
  }
  if (!v.startsWith('/dev/')) {
    return 'Write a device node under /dev/, e.g. /dev/fuse; for a directory or file use binds:.';
  }
  return pathHint(v);
};

export const hostnameHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  const fixed = v
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/-+\./g, '.')
    .replace(/\.-+/g, '.')
    .slice(0, 64);
  if (fixed && fixed !== v)
    return `Write ${quote(fixed)} (letters, digits and "-", dot-separated, at most 64 characters).`;
  return 'Write letters, digits and "-" in dot-separated labels that neither start nor end with "-", at most 64 characters.';
};

export const containerNameHint: Hint = (v) =>
  `${hostnameHint(v) ?? ''} Containers are named after their file in containers/ (without .yaml).`.trim();

export const imageHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    return (
      'image: names an image, not a URL. Declare it in images/NAME.yaml (url: and sha256:), ' +
      'then write image: NAME.'
    );
  }
  if (v.startsWith('/')) return `For a root directory elsewhere, write directory: ${v} instead of image:.`;
  return hostnameHint(v);
};

export const sliceHint: Hint = (v) => {
  if (typeof v !== 'string') return undefined;
  const fixed = v
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (fixed.length > 241 || v.length > 241) {
    return "Use a shorter name: machine-NAME.slice must fit systemd's 255-character unit names.";
  }
  if (fixed && fixed !== v) return `Write ${quote(fixed)} (single "-" between levels: a-b is a child of a).`;
  return 'Write letters, digits and "_", with single "-" between levels, e.g. web or web-batch.';
};

export const profileNameHint: Hint = () => 'Write the name of a file in profiles/ without .yaml, e.g. hardened.';
export const userHint: Hint = () =>
  'Write a user name of the container (letters, digits, "_", "-" and ".", not starting with a digit or "-") or a numeric UID.';
export const syscallHint: Hint = (v) => {
  if (typeof v === 'string' && /\s/.test(v.trim())) {
    const neg = v.trim().startsWith('~');
    const words = v.trim().replace(/^~\s*/, '').split(/\s+/);
    return `Write one entry per list element: [${words.map((w) => quote(neg ? `~${w}` : w)).join(', ')}].`;
  }
  return 'Write a system call or @group as `systemd-analyze syscall-filter` lists them, e.g. "~@debug" or "ptrace".';
};
export const privateUsersHint: Hint = () =>
  'Write no, yes, pick, identity, or a UID range UID[:COUNT] such as "65536:65536".';
export const accessHint: Hint = (v) => {
  const kept = typeof v === 'string' ? [...new Set(v.replace(/[^rwm]/g, ''))].join('') : '';
  return `${kept ? `Write ${kept}: ` : 'Write '}a combination of r (read), w (write) and m (create with mknod), e.g. rw.`;
};

/** A binds: entry of the wrong kind: its two forms. */
export const bindEntryHint: Hint = (v) =>
  typeof v === 'string'
    ? bindHint(v)
    : 'Write "HOST[:CONTAINER[:OPTIONS]]" such as "/srv/web:/srv/web:ro", or { source: /srv/web, target: /srv/web, readonly: true }.';

/** A devices: entry of the wrong kind: its forms. */
export const deviceEntryHint: Hint = (v) =>
  typeof v === 'string'
    ? deviceHint(v)
    : 'Write a device node such as /dev/fuse, a class such as char-drm, or { path: /dev/kvm, access: rw } / { class: char-drm, access: rw }.';
