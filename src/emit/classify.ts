// What a plan means for running containers: for each container and slice, the least that makes systemd use the
// new files. Pure: it compares the settings (not the text: comments and headers are no change) of each file
// before and after. "Before" is what systemd reads today: the file in /etc, or where compile writes a file the
// generator had already made, the generator's copy (then an equal file is no change at all).
//   none     only comments or Description= changed
//   reload   systemctl daemon-reload is enough (ordering, dependencies, Restart= and other keys read at events)
//   live     cgroup properties only: systemctl set-property --runtime applies them to the running unit
//   restart  the .nspawn file or a key that shapes the nspawn command line or its environment changed, or its
//            root's mount; for a pod, a unit of it (its members restart with it)
//   start    newly autostarted (started when not running)
//   stop     the container is gone (its files are removed)
// A container's own files are its .nspawn, its drop-in and the units of its root; the files of an image version
// and of a pod are shared, and the plan names the containers that run with each (translate sets them). A pod is
// classified as a unit of its own: its namespace, sockets and proxies start with machinist-pod@NAME, not with a
// member (a member's restart leaves a pod that other members, or the restart job itself, keep needed).
import { byCodeUnit } from '../order.js';
import { resourceControlKeys } from '../schema/systemd-keys.js';
import type { Shared } from '../translate/output.js';
import { unitName } from '../translate/output.js';
import type { Action, Plan } from './plan.js';
import { ownerOf } from './plan.js';

export type Impact = 'none' | 'reload' | 'live' | 'restart' | 'start' | 'stop';

/** How strong an impact is: a container needs the strongest of its changes. */
const RANK: Record<Impact, number> = { none: 0, reload: 1, live: 2, start: 3, restart: 4, stop: 5 };

export interface UnitChange {
  /** Container (machine@NAME.service), slice (machine-NAME.slice) or pod (machinist-pod@NAME.service) name. */
  name: string;
  kind: 'container' | 'slice' | 'pod';
  /** A pod's members, which restart with it. */
  members?: readonly string[];
  impact: Impact;
  /** Why, one line each: "web.nspawn: Exec.Environment", "drop-in: Service.MemoryMax". */
  reasons: string[];
  /** The cgroup properties to set live, in `systemctl set-property` form (`Key=` resets a key). */
  properties: string[];
  /** The autostart link was added (a stopped container is then started). */
  autostartAdded: boolean;
}

/** Keys of [Unit] whose change needs nothing at all: systemd shows them, nothing runs from them. */
const COSMETIC = new Set(['Unit.Description', 'Unit.Documentation']);

/**
 * Resource-control keys that the service manager cannot move a running unit to: a new slice or delegation
 * takes a new cgroup, so a restart. Every other resource-control key (systemd.resource-control(5), the list
 * in schema/systemd-keys.ts) is a cgroup property set-property changes live.
 */
const NOT_LIVE = new Set(['Slice', 'Delegate', 'DisableControllers']);
const liveKeys = new Set(resourceControlKeys.filter((k) => !NOT_LIVE.has(k)));
export const isLiveKey = (key: string): boolean => liveKeys.has(key);

/**
 * [Service] keys that the manager reads when something happens (a stop, an exit, a restart), not when it
 * starts the process: a daemon-reload is enough. Every other [Service] key shapes how the container is started
 * (ExecStart=, Environment=, namespaces, credentials) and needs a restart.
 */
const READ_AT_EVENTS = new Set([
  'Restart',
  'RestartSec',
  'RestartPreventExitStatus',
  'RestartForceExitStatus',
  'SuccessExitStatus',
  'TimeoutStopSec',
  'TimeoutAbortSec',
  'TimeoutSec',
  'TimeoutStartSec',
  'StartLimitBurst',
  'StartLimitIntervalSec',
  'StartLimitAction',
  'FailureAction',
  'SuccessAction',
  'ExecStopPost',
  'ExecStop',
  'KillSignal',
  'FinalKillSignal',
  'SendSIGKILL',
  'SendSIGHUP',
  'RuntimeMaxSec',
  'WatchdogSec',
  'OOMPolicy',
]);

/** The settings of a unit or .nspawn file: `Section.Key` → values in order; comments and blank lines skipped. */
export function settingsOf(text: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (text === undefined) return out;
  let section = '';
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;
    if (line[0] === '[' && line.endsWith(']')) {
      section = line.slice(1, -1);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = `${section}.${line.slice(0, eq).trim()}`;
    const list = out.get(key) ?? [];
    list.push(line.slice(eq + 1).trim());
    out.set(key, list);
  }
  return out;
}

/** The lines of a file without its comments (a credential's content, which is no key=value settings). */
export const contentOf = (text: string | undefined): string =>
  (text ?? '')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

/** Keys whose values differ between two files, in a fixed order. */
export function changedKeys(before: Map<string, string[]>, after: Map<string, string[]>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const same = (a: string[] | undefined, b: string[] | undefined) =>
    (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b![i]);
  return [...keys].filter((k) => !same(before.get(k), after.get(k))).sort(byCodeUnit);
}

type Body = 'Service' | 'Slice' | 'Mount';

/** The section of a unit's own settings, by its type: [Mount] of a .mount, [Service] of a .service's drop-in. */
const bodyOf = (rel: string): Body => (rel.endsWith('.mount') ? 'Mount' : rel.endsWith('.slice') ? 'Slice' : 'Service');

/** What a change of one key of a unit file needs; `body` is [Service] for a drop-in, [Slice] for a slice. */
function keyImpact(sectionKey: string, body: Body): Impact {
  if (COSMETIC.has(sectionKey)) return 'none';
  const dot = sectionKey.indexOf('.');
  const section = sectionKey.slice(0, dot);
  const key = sectionKey.slice(dot + 1);
  if (section !== body) return 'reload';
  // A container's root is mounted again only when the container restarts (the mount is PartOf= it).
  if (body === 'Mount') return 'restart';
  if (liveKeys.has(key)) return 'live';
  if (body === 'Slice') return 'reload';
  return READ_AT_EVENTS.has(key) ? 'reload' : 'restart';
}

/**
 * What a change of one key of a shared file needs: of the containers on an image version, of a pod. An image
 * version is fetched once and not again while it exists (a new version is a new file, and the root units of its
 * containers name it, so they change too); a pod's namespace, sockets and proxies take a change when it restarts.
 */
function sharedImpact(sectionKey: string, kind: Shared['kind']): Impact {
  if (COSMETIC.has(sectionKey)) return 'none';
  return kind === 'image' ? 'reload' : 'restart';
}

const NO_EFFECT = ' (no effect on a running unit)';

/** `systemctl set-property` assignments that make a unit's cgroup match `after` for these keys. */
function propertiesFor(keys: string[], after: Map<string, string[]>, fallback: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const sk of keys) {
    const key = sk.slice(sk.indexOf('.') + 1);
    // A key no longer written falls back to what the template says, or else to systemd's default (`Key=`).
    const values = after.get(sk) ?? fallback.get(`Service.${key}`) ?? [];
    if (values.length === 1) out.push(`${key}=${values[0]}`);
    else out.push(`${key}=`, ...values.map((v) => `${key}=${v}`));
  }
  return out;
}

export interface ClassifyOptions {
  /**
   * What systemd reads today where the plan creates a file: the generator's copy of it, or undefined. Without
   * it, a created file is compared with nothing.
   */
  previous?: (a: Action) => string | undefined;
  /** The template's settings (units/machine@.service): what a key removed from a drop-in falls back to. */
  template?: Map<string, string[]>;
  /** Autostart links the generator made (machines.target.wants/machine@NAME.service exists already). */
  generatorLinks?: ReadonlySet<string>;
}

interface Acc {
  change: UnitChange;
  created: number;
  removed: number;
  kept: number;
  changed: number;
  /** Files created where systemd read nothing before. */
  fresh: number;
  /** Files (not links) of it in the plan. */
  files: number;
}

function accFor(map: Map<string, Acc>, name: string, kind: UnitChange['kind']): Acc {
  const key = `${kind}:${name}`;
  let acc = map.get(key);
  if (!acc) {
    const change: UnitChange = { name, kind, impact: 'none', reasons: [], properties: [], autostartAdded: false };
    acc = { change, created: 0, removed: 0, kept: 0, changed: 0, fresh: 0, files: 0 };
    map.set(key, acc);
  }
  return acc;
}

const raise = (c: UnitChange, impact: Impact) => {
  if (RANK[impact] > RANK[c.impact]) c.impact = impact;
};

/** The settings of a file before and after the action, the keys that differ, and whether it had none before. */
function keysOf(a: Action, opts: ClassifyOptions): { after: Map<string, string[]>; keys: string[]; fresh: boolean } {
  const before = settingsOf(a.op === 'create' ? opts.previous?.(a) : a.before);
  const after = settingsOf(a.op === 'remove' ? undefined : a.content);
  return { after, keys: changedKeys(before, after), fresh: before.size === 0 };
}

/** One file's change: the keys that differ and what each needs. */
function fileChange(a: Action, acc: Acc, opts: ClassifyOptions): void {
  const { after, keys } = keysOf(a, opts);
  const own = acc.change.kind === 'container' && a.rel.startsWith(`${unitName(acc.change.name)}.d/`);
  const label = own ? 'drop-in' : a.rel;
  if (a.dir === 'credstore') {
    // A credential is read when nspawn starts; its lines are no settings, and its values are not shown.
    if (contentOf(a.op === 'create' ? opts.previous?.(a) : a.before) !== contentOf(a.content)) {
      raise(acc.change, 'restart');
      acc.change.reasons.push(`credential ${a.rel}`);
    }
    return;
  }
  if (a.dir === 'nspawn' && a.rel.includes('/')) {
    // A cloud-init seed document (NAME.cloud-init/…): cloud-init reads it at boot, so a change needs a restart.
    if (contentOf(a.op === 'create' ? opts.previous?.(a) : a.before) === contentOf(a.content)) return;
    raise(acc.change, 'restart');
    const what = a.op === 'remove' ? 'removed' : 'changed';
    acc.change.reasons.push(`${a.rel}: ${what} (cloud-init applies the seed at the next boot)`);
    return;
  }
  if (a.dir === 'nspawn') {
    if (keys.length) raise(acc.change, 'restart');
    for (const k of keys) acc.change.reasons.push(`${label}: ${k}`);
    return;
  }
  const body = acc.change.kind === 'slice' ? 'Slice' : bodyOf(a.rel);
  const live: string[] = [];
  for (const k of keys) {
    const impact = keyImpact(k, body);
    raise(acc.change, impact);
    acc.change.reasons.push(`${label}: ${k}${impact === 'none' ? NO_EFFECT : ''}`);
    if (impact === 'live') live.push(k);
  }
  const fallback = acc.change.kind === 'slice' ? new Map() : (opts.template ?? new Map());
  acc.change.properties.push(...propertiesFor(live, after, fallback));
}

/** The change of a shared file: the pod's own, or one for each container on the image version. */
function sharedChange(a: Action & { shared: Shared }, map: Map<string, Acc>, opts: ClassifyOptions): void {
  const pod = a.shared.kind === 'pod' ? accFor(map, a.shared.name, 'pod') : undefined;
  if (pod) {
    pod.change.members = a.shared.containers;
    count(a, pod, opts);
  }
  if (a.op === 'unchanged') return;
  const { keys, fresh } = keysOf(a, opts);
  const label = pod ? a.rel : `${a.shared.kind} ${a.shared.name}: ${a.rel}`;
  const impacts = keys.map((k) => sharedImpact(k, a.shared.kind));
  const changes = pod ? [pod.change] : a.shared.containers.map((name) => accFor(map, name, 'container').change);
  for (const c of changes) {
    for (const impact of impacts) raise(c, impact);
    // A new file is one reason, not one per key.
    if (fresh) c.reasons.push(`${label}: new`);
    else keys.forEach((k, i) => c.reasons.push(`${label}: ${k}${impacts[i] === 'none' ? NO_EFFECT : ''}`));
  }
}

/** Count one action of a unit: what new, gone and unchanged units are told apart by. */
function count(a: Action, acc: Acc, opts: ClassifyOptions): void {
  if (a.kind === 'file') acc.files++;
  if (a.op === 'unchanged') acc.kept++;
  else if (a.op === 'create') acc.created++;
  else if (a.op === 'remove') acc.removed++;
  else acc.changed++;
  if (a.kind === 'file' && a.op === 'create' && opts.previous?.(a) === undefined) acc.fresh++;
}

/** Every container and slice the plan touches, with what its change needs; sorted by kind and name. */
export function classify(p: Plan, opts: ClassifyOptions = {}): UnitChange[] {
  const map = new Map<string, Acc>();
  for (const a of p.actions) {
    if (a.shared) {
      sharedChange({ ...a, shared: a.shared }, map, opts);
      continue;
    }
    // The container an output belongs to was set where it was made (plan also sets it on removals); what else
    // is ours is a slice's file.
    const slice = a.container === undefined ? ownerOf(a.dir, a.rel).slice : undefined;
    const name = a.container ?? slice;
    if (name === undefined) continue;
    const acc = accFor(map, name, a.container !== undefined ? 'container' : 'slice');
    count(a, acc, opts);
    if (a.op === 'unchanged') continue;
    if (a.kind === 'symlink') {
      // A link that only moves from the generator's directory to /etc starts nothing new.
      if (a.op === 'create' && opts.generatorLinks?.has(a.rel)) continue;
      if (a.op === 'create') {
        acc.change.autostartAdded = true;
        raise(acc.change, 'start');
      }
      acc.change.reasons.push(a.op === 'remove' ? 'autostart removed' : 'autostart added');
      continue;
    }
    fileChange(a, acc, opts);
  }
  const out: UnitChange[] = [];
  for (const acc of map.values()) {
    const c = acc.change;
    const gone = acc.removed > 0 && acc.created + acc.kept + acc.changed === 0;
    if (gone) {
      // A container that is gone stops; a slice that is gone has nothing left to set.
      c.impact = c.kind === 'container' ? 'stop' : 'reload';
      c.properties = [];
      c.reasons = ['its files are removed'];
    }
    if (acc.fresh > 0 && acc.fresh === acc.files) {
      // Nothing of it ran before: a new unit is started if it is autostarted, and otherwise only loaded.
      c.impact = c.autostartAdded ? 'start' : 'reload';
      c.properties = [];
      c.reasons = c.autostartAdded ? ['new, autostart'] : ['new'];
    }
    if (c.impact !== 'none' || c.reasons.length) out.push(c);
  }
  return out.sort((a, b) => byCodeUnit(a.kind, b.kind) || byCodeUnit(a.name, b.name));
}

/**
 * The keys of a container's .nspawn file (dir nspawn) or drop-in (dir unit) that differ between two versions
 * and need a restart: what `machinist status` calls a pending restart of a running container.
 */
export function restartKeys(dir: 'nspawn' | 'unit', before: string | undefined, after: string | undefined): string[] {
  const keys = changedKeys(settingsOf(before), settingsOf(after));
  return dir === 'nspawn' ? keys : keys.filter((k) => keyImpact(k, 'Service') === 'restart');
}
