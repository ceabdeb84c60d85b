// `machinist status`: what the YAML asks, what the files say and what runs, per container, on this host and on
// others (-H, read through systemd's own SSH transport: `systemctl -H`, `machinectl -H`; read-only).
// Drift is told only where the YAML is known (this host): a pending restart (the running container started from
// other settings: units/machine@.service records them under /run/machinist/started/NAME; or its pod's ports
// changed), system.control overrides, hand-edited or foreign files, YAML changed since its files were made,
// broken YAML, a pod's port that still listens though no longer published.
import { constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { restartKeys, settingsOf } from '../emit/classify.js';
import { generatorDirs } from '../emit/baseline.js';
import { readRegularFile } from '../fs/read.js';
import { compile } from '../index.js';
import type { CompileResult } from '../index.js';
import type { StatusRow } from '../report/status.js';
import { credentialFileName } from '../translate/credentials.js';
import { unitName } from '../translate/output.js';
import { podUnitName, portUnitStem, socketPort } from '../translate/pod.js';
import { tcpPort } from '../resolve/pods.js';
import type { Runner } from './systemctl.js';
import { parseShow } from './systemctl.js';

export type { StatusRow } from '../report/status.js';

export const startedDir = 'run/machinist/started';

const PROPS = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'MainPID',
  'MemoryCurrent',
  'MemoryMax',
  'CPUUsageNSec',
  'TasksCurrent',
  'NeedDaemonReload',
  'WantedBy',
];

const readText = (path: string): string | undefined => {
  try {
    return readRegularFile(path, constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
};

const listDir = (path: string): string[] => {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
};

/** A number systemd reports, or null when it has none ([not set], infinity, the 2^64-1 "unset"). */
const UNSET = '18446744073709551615';
const num = (v: string | undefined): number | null => (v && /^\d+$/.test(v) && v !== UNSET ? Number(v) : null);

/** The files a container runs from, as systemd finds them: compile's in /etc first, else the generator's. */
function effectiveFiles(root: string, name: string): { nspawn?: string; unit?: string } {
  const unit = `${unitName(name)}.d/50-machinist.conf`;
  return {
    nspawn:
      readText(join(root, 'etc/systemd/nspawn', `${name}.nspawn`)) ??
      readText(join(root, generatorDirs.nspawn, `${name}.nspawn`)),
    unit: readText(join(root, 'etc/systemd/system', unit)) ?? readText(join(root, generatorDirs.unit, unit)),
  };
}

/**
 * Credentials of the credential store that changed since the container started: systemd keeps the copies it
 * loaded at the start in the service's credentials directory (root only), so those are compared with the store's
 * files, compile's in /etc first. Names only: the values are secrets.
 */
function changedCredentials(root: string, name: string): string[] {
  const loaded = join(root, 'run/credentials', unitName(name));
  const out: string[] = [];
  for (const id of listDir(loaded)) {
    const file = credentialFileName(name, id);
    const now = readText(join(root, 'etc/credstore', file)) ?? readText(join(root, generatorDirs.credstore, file));
    if (now !== undefined && now !== readText(join(loaded, id))) out.push(`credential ${id}`);
  }
  return out;
}

/** The instance-id line of a seed's meta-data (the seed cloud-init applies once per instance-id), if any. */
const instanceIdLine = (metaData: string | undefined) =>
  metaData?.split('\n').find((l) => l.startsWith('instance-id:'));

/**
 * A cloud-init seed whose instance-id changed since the container started (the template keeps a copy of the
 * meta-data it started with): the guest applies the new seed at its next start. Its bind in the .nspawn file does
 * not change with it, so the .nspawn comparison cannot tell.
 */
function changedSeed(root: string, name: string, started: string | undefined): string[] {
  const rel = `${name}.cloud-init/meta-data`;
  const now = readText(join(root, 'etc/systemd/nspawn', rel)) ?? readText(join(root, generatorDirs.nspawn, rel));
  return instanceIdLine(started) === instanceIdLine(now) ? [] : [`${name}.cloud-init: instance-id`];
}

/** Keys that the running container started without: it needs a restart to use them. */
function pendingRestart(root: string, name: string): string[] {
  const dir = join(root, startedDir, name);
  const started = { nspawn: readText(join(dir, 'nspawn')), unit: readText(join(dir, 'dropin')) };
  if (started.nspawn === undefined && started.unit === undefined) return [];
  const now = effectiveFiles(root, name);
  const nspawn = restartKeys('nspawn', started.nspawn, now.nspawn).map((k) => `${name}.nspawn: ${k}`);
  const seed = changedSeed(root, name, readText(join(dir, 'seed-meta-data')));
  return [...nspawn, ...restartKeys('unit', started.unit, now.unit), ...seed, ...changedCredentials(root, name)];
}

const SIZE = /^(\d+(?:\.\d+)?)([KMGTPE]?)$/;
/** A value as systemd compares it: sizes in bytes (set-property writes 209715200 for 200M), percentages as numbers. */
function normal(v: string): string {
  const size = SIZE.exec(v);
  if (size) return String(Math.round(Number(size[1]) * 1024 ** ' KMGTPE'.indexOf(size[2] || ' ')));
  return /^\d+(?:\.\d+)?%$/.test(v) ? `${Number(v.slice(0, -1))}%` : v;
}
const same = (a: string[], b: string[]) => a.map(normal).join('\n') === b.map(normal).join('\n');

/** Overrides of the unit's settings by `systemctl set-property`: persistent ones, and runtime ones that differ. */
function controlOverrides(root: string, name: string): string[] {
  const unit = unitName(name);
  const out: string[] = [];
  for (const f of listDir(join(root, 'etc/systemd/system.control', `${unit}.d`))) {
    out.push(`system.control override: /etc/systemd/system.control/${unit}.d/${f} (outranks machinist's files)`);
  }
  const files = settingsOf(effectiveFiles(root, name).unit);
  for (const f of listDir(join(root, 'run/systemd/system.control', `${unit}.d`))) {
    const set = settingsOf(readText(join(root, 'run/systemd/system.control', `${unit}.d`, f)));
    const differs = [...set].filter(
      ([k, v]) =>
        !same(
          files.get(k) ?? [],
          v.filter((x) => x !== ''),
        ),
    );
    if (!differs.length) continue;
    const values = differs.map(([k, v]) => `${k.slice(k.indexOf('.') + 1)}=${v.at(-1)}`).join(' ');
    out.push(`runtime override: /run/systemd/system.control/${unit}.d/${f} (${values})`);
  }
  return out;
}

/** What a running pod's members are told about it: a pending restart, and ports that still listen though gone. */
interface PodDrift {
  restart?: string;
  stale: string[];
}

/**
 * Running pods whose published ports changed since they started, by member. systemd does not start a new port's
 * socket while the pod runs (the pod Wants= it: only its start pulls it in), so that waits for the pod's restart,
 * which `apply` does when it makes the change (a `compile` alone does not). A port no longer published keeps
 * listening until it is stopped (`apply` stops it), its unit file gone.
 */
function podDrift(run: Runner, compiled: CompileResult): Map<string, PodDrift> {
  const out = new Map<string, PodDrift>();
  const pods = compiled.model.pods ?? [];
  if (!pods.length) return out;
  const args = ['list-units', '--all', '--plain', '--no-legend', '--no-pager'];
  const listed = run('systemctl', [...args, 'machinist-pod@*.service', 'machinist-pod-*.socket']).stdout;
  const active = new Set<string>();
  for (const line of listed.split('\n')) {
    const [unit, , state] = line.trim().replace(/^● /, '').split(/\s+/);
    if (unit && state === 'active') active.add(unit);
  }
  for (const p of pods) {
    if (!active.has(podUnitName(p.name))) continue;
    const wanted = new Set((p.settings.ports ?? []).flatMap((spec) => tcpPort(spec)?.host ?? []));
    const running = new Set([...active].flatMap((u) => socketPort(p.name, u) ?? []));
    const added = [...wanted].filter((h) => !running.has(h));
    const gone = [...running].filter((h) => !wanted.has(h));
    if (!added.length && !gone.length) continue;
    const stale = gone.map(
      (h) =>
        `pod ${p.name}: host port ${h} is no longer published but listens (systemctl stop ${portUnitStem(p.name, h)}.socket)`,
    );
    const ports = `new host port${added.length > 1 ? 's' : ''} ${added.join(' ')}`;
    const d: PodDrift = added.length
      ? { restart: `pod ${p.name} (${ports}: systemctl restart ${podUnitName(p.name)})`, stale }
      : { stale };
    for (const m of p.members) out.set(m, d);
  }
  return out;
}

/** What the YAML and the files say about one container of this host. */
function yamlDrift(compiled: CompileResult, root: string, name: string): string[] {
  const drift: string[] = [];
  const failed = compiled.model.failed.get(name);
  if (failed) {
    const e = failed.errors[0];
    const at = e ? `${e.file ?? ''}${e.pos ? `:${e.pos.line}:${e.pos.col}` : ''}` : '';
    drift.push(`broken YAML: ${e ? `${at}: ${e.message}` : 'does not compile'}`);
  }
  for (const d of compiled.diagnostics) {
    if (d.container !== name) continue;
    if (d.code === 'edited-file') drift.push(`hand-edited file: ${d.file ?? ''}`);
    if (d.code === 'foreign-file') drift.push(`foreign file: ${d.file ?? ''}`);
  }
  const change = compiled.changes.find((c) => c.kind === 'container' && c.name === name);
  if (change && change.impact !== 'none' && !failed) {
    drift.push(`YAML changed since its files were made (apply would: ${change.impact})`);
  }
  drift.push(...controlOverrides(root, name));
  return drift;
}

/** machinectl's view: state, leader and addresses by machine name. */
interface Machine {
  state: string;
  leader: number | null;
  addresses: string[];
}

function machines(run: Runner, host: string[]): Map<string, Machine> {
  const out = new Map<string, Machine>();
  const list = run('machinectl', [...host, 'list', '--no-legend', '--no-pager', '--full']);
  const names = list.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0]);
  if (!names.length) return out;
  const props = ['--property=Name', '--property=State', '--property=Leader'];
  const shown = parseShow(run('machinectl', [...host, 'show', ...props, ...names.map((w) => w[0]!)]).stdout);
  for (const m of shown) {
    const name = m.get('Name') ?? '';
    const words = names.find((w) => w[0] === name) ?? [];
    // Columns: MACHINE CLASS SERVICE OS VERSION ADDRESSES (the last may list several, "…" when cut).
    const addresses = words.slice(5).filter((a) => a !== '-' && a !== '…');
    out.set(name, { state: m.get('State') ?? '', leader: num(m.get('Leader')), addresses });
  }
  return out;
}

/** machine@ units systemd knows (loaded, running or failed), by machine name. */
function knownUnits(run: Runner, host: string[]): { names: string[]; error?: string } {
  const r = run('systemctl', [
    ...host,
    'list-units',
    '--all',
    '--plain',
    '--no-legend',
    '--no-pager',
    'machine@*.service',
  ]);
  if (r.status !== 0 && !r.stdout.trim()) {
    return { names: [], error: (r.stderr.trim() || `systemctl exited with status ${r.status}`).split('\n')[0] };
  }
  const nameOf = (line: string) => /^\S*machine@(.+)\.service\s/.exec(line.trim().replace(/^● /, ''))?.[1];
  const names = r.stdout
    .split('\n')
    .map(nameOf)
    .filter((n): n is string => !!n);
  return { names };
}

export interface StatusOptions {
  run: Runner;
  /** The config directory of this host; undefined to read only what runs (other hosts). */
  configDir?: string;
  /** Hosts ([USER@]HOST) to read over SSH; empty: this host only. */
  hosts: string[];
  names: string[];
  /** Root of this host (tests); default /. */
  root?: string;
}

function hostRows(opts: StatusOptions, host: string | null): StatusRow[] {
  const hostArgs = host ? ['-H', host] : [];
  const root = opts.root ?? '/';
  const local = host === null && opts.configDir !== undefined;
  const compiled = local ? compile({ configDir: opts.configDir!, root, dryRun: true, allowEmpty: true }) : undefined;
  const known = knownUnits(opts.run, hostArgs);
  if (known.error) return [errorRow(host, known.error)];
  const inYaml = new Set([
    ...(compiled?.model.containers.map((c) => c.name) ?? []),
    ...(compiled?.model.failed.keys() ?? []),
  ]);
  let names = [...new Set([...inYaml, ...known.names])].sort();
  if (opts.names.length) names = names.filter((n) => opts.names.includes(n));
  if (!names.length) return [];
  const showArgs = [...hostArgs, 'show', ...PROPS.map((p) => `--property=${p}`), '--', ...names.map(unitName)];
  const shown = parseShow(opts.run('systemctl', showArgs).stdout);
  const byUnit = new Map(shown.map((m) => [m.get('Id') ?? '', m]));
  const mach = machines(opts.run, hostArgs);
  const pods = compiled ? podDrift(opts.run, compiled) : new Map<string, PodDrift>();
  const rows: StatusRow[] = [];
  for (const name of names) {
    const u = byUnit.get(unitName(name)) ?? new Map<string, string>();
    const m = mach.get(name);
    const state = u.get('ActiveState') ?? 'unknown';
    const orphan = compiled !== undefined && !inYaml.has(name);
    if (orphan && (state === 'inactive' || u.get('LoadState') === 'not-found')) continue; // nothing runs
    const drift = compiled && !orphan ? yamlDrift(compiled, root, name) : [];
    if (compiled && state === 'active' && !orphan) {
      const pod = pods.get(name);
      const keys = [...pendingRestart(root, name), ...(pod?.restart ? [pod.restart] : [])];
      if (keys.length) drift.unshift(`pending restart: ${keys.join(', ')}`);
      drift.push(...(pod?.stale ?? []));
    }
    if (u.get('NeedDaemonReload') === 'yes') drift.push('unit files changed on disk: daemon-reload needed');
    if (orphan) drift.push('orphan: runs without a YAML file');
    rows.push({
      host,
      name,
      unit: unitName(name),
      in_yaml: compiled ? inYaml.has(name) : null,
      state,
      sub_state: u.get('SubState') ?? '',
      machine_state: m?.state ?? null,
      leader: m?.leader ?? null,
      addresses: m?.addresses ?? [],
      memory_current: num(u.get('MemoryCurrent')),
      memory_max: num(u.get('MemoryMax')),
      cpu_ns: num(u.get('CPUUsageNSec')),
      tasks: num(u.get('TasksCurrent')),
      autostart: (u.get('WantedBy') ?? '').split(/\s+/).includes('machines.target'),
      drift,
      error: null,
    });
  }
  return rows;
}

const errorRow = (host: string | null, error: string): StatusRow => ({
  host,
  name: '-',
  unit: '-',
  in_yaml: null,
  state: 'unreachable',
  sub_state: '',
  machine_state: null,
  leader: null,
  addresses: [],
  memory_current: null,
  memory_max: null,
  cpu_ns: null,
  tasks: null,
  autostart: false,
  drift: [],
  error,
});

/** One row per container per host; an unreachable host is one row with its error. */
export function status(opts: StatusOptions): StatusRow[] {
  if (!opts.hosts.length) return hostRows(opts, null);
  return opts.hosts.flatMap((h) => {
    try {
      return hostRows(opts, h);
    } catch (e) {
      return [errorRow(h, e instanceof Error ? e.message : String(e))];
    }
  });
}
