// Container → NAME.nspawn (systemd.nspawn(5)): what the container is, sees and may do.
import { guestPasswordsBinds, hasPasswordHashes } from './credentials.js';
import type { Diagnostic } from '../diagnostics/types.js';
import {
  nspawnEnvironment,
  nspawnPath,
  nspawnSystemCallFilter,
  nspawnText,
  nspawnToken,
  nspawnWord,
} from '../ini/escape.js';
import type { ContainerModel } from '../resolve/model.js';
import type { BindInput, DeviceInput } from '../schema/container.js';
import { deviceSpec } from '../schema/rules.js';
import { nspawnExec, nspawnFiles, nspawnNetwork } from '../resolve/setting-keys.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, each, encodePart, header, passThrough } from './output.js';

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

// One emitter per section (addExec, addFiles, addNetwork), each writing only the keys of its table in
// resolve/setting-keys.ts. Written for V8's interpreter (the generator translates each container once, cold):
// indexed loops rather than for…of or forEach (iterators and callbacks allocate), and encoders passed with
// their input to Entries.add rather than wrapped in a closure per value.

interface Bind {
  readonly: boolean;
  source: string;
  target: string;
  options: string[];
  /** Where source and target are written in the object form, for a diagnostic at the field. */
  fields?: [string, string];
}

function bindEntry(b: BindInput): Bind {
  if (typeof b === 'string') {
    const parts = b.split(':');
    const source = parts[0]!;
    const target = parts[1];
    const opts = parts[2];
    const options = opts ? opts.split(',') : [];
    return {
      source,
      target: target ?? source,
      readonly: options.includes('ro'),
      options: options.filter((o) => o !== 'ro' && o !== 'rw'),
    };
  }
  const fields: [string, string] = ['source', b.target === undefined ? 'source' : 'target'];
  return {
    source: b.source,
    target: b.target ?? b.source,
    readonly: b.readonly === true,
    options: b.options ?? [],
    fields,
  };
}

/** The value of Bind=/BindReadOnly=: SOURCE:TARGET[:OPTIONS]. */
const bindValue = (e: Bind) => {
  const source = e.fields ? encodePart(nspawnPath, e.source, [e.fields[0]]) : nspawnPath(e.source);
  const target = e.fields ? encodePart(nspawnPath, e.target, [e.fields[1]]) : nspawnPath(e.target);
  return `${source}:${target}${e.options.length ? `:${e.options.join(',')}` : ''}`;
};
/** A bind machinist adds itself (a cloud-init seed): host directory and where it goes in the container. */
export interface OwnBind {
  source: string;
  target: string;
}
const ownBind = (b: OwnBind) => `${nspawnPath(b.source)}:${nspawnPath(b.target)}`;
/** A device (devices: entry) → the value of Bind= that makes it visible in the container. */
const deviceBind = (d: DeviceInput) => nspawnPath(deviceSpec(d).spec);
/** PATH[:OPTIONS] → the value of TemporaryFileSystem=. */
function tmpfsValue(t: string): string {
  const colon = t.indexOf(':');
  return colon < 0 ? nspawnPath(t) : `${nspawnPath(t.slice(0, colon))}:${nspawnText(t.slice(colon + 1))}`;
}
/** Parameters=: the parameters machinist adds for booting, then command:, a refused word named by its index. */
function parameters(words: { params: readonly string[]; command: readonly string[] }): string {
  const out = words.params.map(nspawnWord);
  for (let i = 0; i < words.command.length; i++) out.push(encodePart(nspawnWord, words.command[i]!, [i]));
  return out.join(' ');
}
const tokens = (words: string[]) => words.map(nspawnToken).join(' ');
const portToken = (p: string | number) => nspawnToken(String(p));
/** One variable of environment: its value, and (as the last segment of its YAML path) its name. */
const environment = (value: unknown, name: string | number | undefined) =>
  nspawnEnvironment(name as string, String(value));
const devicesPath = ['devices'];

/**
 * Arguments for a booted guest's systemd that make settings stick: Hostname= only sets the hostname the guest
 * starts with, and its own /etc/hostname wins unless systemd.hostname= is given (a clone of an image would
 * otherwise take the image's name, so clones are named after their machine); on a volatile root (empty /etc)
 * the guest would otherwise wait for systemd-firstboot's questions on a console nobody reads.
 */
export function bootParameters(c: ContainerModel): string[] {
  const s = c.settings;
  if (s.boot === false) return [];
  const out: string[] = [];
  const clone = c.image !== undefined || (s.image !== undefined && s.image !== c.name);
  const name = s.hostname ?? (clone ? c.name : undefined);
  if (name !== undefined) out.push(`systemd.hostname=${name}`);
  if (s.volatile === true || s.volatile === 'yes') out.push('systemd.firstboot=off');
  return out;
}

/** [Exec]: what runs in the container and with which identity. */
function addExec(c: ContainerModel, exec: Entries<keyof typeof nspawnExec.keys>): void {
  const s = c.settings;
  const boot = s.boot !== false;
  exec.raw('Boot', yesNo(boot));
  const params = bootParameters(c);
  if (params.length || s.command?.length) {
    exec.add('Parameters', parameters, { params, command: s.command ?? [] });
  }
  if (!boot) {
    // An app container runs under nspawn's stub init (ProcessTwo=), which shuts down cleanly on SIGRTMIN+3;
    // without both, every `systemctl stop` SIGKILLs the payload and leaves the unit failed.
    exec.raw('ProcessTwo', 'yes');
    if (s.nspawn?.Exec?.['KillSignal'] === undefined) exec.raw('KillSignal', 'SIGRTMIN+3');
  }
  if (s.working_directory) exec.add('WorkingDirectory', nspawnText, s.working_directory);
  if (s.user) exec.add('User', nspawnText, s.user);
  if (s.hostname) exec.add('Hostname', nspawnText, s.hostname);
  if (s.environment) {
    const env = s.environment;
    const names = Object.keys(env);
    for (let i = 0; i < names.length; i++) exec.add('Environment', environment, env[names[i]!], names[i]!);
  }
  if (s.timezone) exec.raw('Timezone', s.timezone);
  if (s.resolv_conf) exec.raw('ResolvConf', s.resolv_conf);
  if (s.ephemeral !== undefined) exec.raw('Ephemeral', yesNo(s.ephemeral));
  addExecSecurity(c, exec);
}

/** [Exec], continued: user namespacing, privileges, capabilities and the system call filter. */
function addExecSecurity(c: ContainerModel, exec: Entries<keyof typeof nspawnExec.keys>): void {
  const sec = c.settings.security ?? {};
  if (sec.private_users !== undefined) {
    const pu = sec.private_users;
    exec.raw('PrivateUsers', typeof pu === 'boolean' ? yesNo(pu) : String(pu));
  }
  if (sec.no_new_privileges !== undefined) exec.raw('NoNewPrivileges', yesNo(sec.no_new_privileges));
  const caps = sec.capabilities;
  if (caps) {
    if (caps.add?.length) exec.add('Capability', tokens, caps.add);
    if (caps.drop?.length) exec.add('DropCapability', tokens, caps.drop);
    if (caps.ambient?.length) exec.add('AmbientCapability', tokens, caps.ambient);
  }
  // One line per entry: nspawn combines them, and a "~" entry is its own deny list.
  each(exec, 'SystemCallFilter', sec.system_call_filter, nspawnSystemCallFilter);
}

/** [Files]: the root's mode and what is mounted into the container. */
function addFiles(c: ContainerModel, files: Entries<keyof typeof nspawnFiles.keys>, seed?: OwnBind): void {
  const s = c.settings;
  const sec = s.security ?? {};
  if (sec.read_only !== undefined) files.raw('ReadOnly', yesNo(sec.read_only));
  if (s.volatile !== undefined) files.raw('Volatile', typeof s.volatile === 'boolean' ? yesNo(s.volatile) : s.volatile);
  // In a .nspawn file PrivateUsers=pick implies chown ownership, which rewrites the whole root on first start
  // and cannot work on a read-only or volatile root; auto uses ID-mapped mounts where the kernel has them.
  const ownershipDefault = sec.private_users === 'pick' ? 'auto' : undefined;
  const ownership = sec.private_users_ownership ?? ownershipDefault;
  if (ownership) files.raw('PrivateUsersOwnership', ownership);
  if (s.binds) {
    for (let i = 0; i < s.binds.length; i++) {
      const e = bindEntry(s.binds[i]!);
      files.add(e.readonly ? 'BindReadOnly' : 'Bind', bindValue, e, i);
    }
  }
  // The guest unit that sets password hashes (credentials.ts), for a boot that gets them.
  if (hasPasswordHashes(c)) for (const b of guestPasswordsBinds()) files.raw('BindReadOnly', b);
  const devices = s.devices;
  // Device nodes are bound; a class (char-drm) is only allowed in the cgroup (service-dropin.ts).
  if (devices) {
    for (let i = 0; i < devices.length; i++) {
      if (deviceSpec(devices[i]!).bind) files.add('Bind', deviceBind, devices[i]!, i, devicesPath);
    }
  }
  if (seed !== undefined) files.add('BindReadOnly', ownBind, seed, undefined, ['cloud_init']);
  each(files, 'TemporaryFileSystem', s.tmpfs, tmpfsValue);
  each(files, 'Inaccessible', s.inaccessible, nspawnText);
  each(files, 'BindUser', s.bind_users, nspawnToken);
}

/** [Network]: which network the container gets, by network.mode, and its port forwards. */
function addNetwork(c: ContainerModel, network: Entries<keyof typeof nspawnNetwork.keys>): void {
  const net = c.settings.network ?? {};
  switch (net.mode ?? 'host') {
    case 'host':
    case 'pod':
      // With a pod, the unit already runs in the pod's namespace (NetworkNamespacePath= in the drop-in): nspawn
      // keeps whichever namespace it was started in, as with the host's.
      network.raw('Private', 'no');
      network.raw('VirtualEthernet', 'no');
      break;
    case 'none':
      network.raw('Private', 'yes');
      network.raw('VirtualEthernet', 'no');
      break;
    case 'veth':
      network.raw('VirtualEthernet', 'yes');
      break;
    case 'bridge':
      if (net.bridge !== undefined) network.add('Bridge', nspawnText, net.bridge);
      break;
    case 'zone':
      if (net.zone !== undefined) network.add('Zone', nspawnText, net.zone);
      break;
    case 'macvlan':
      each(network, 'MACVLAN', net.macvlan, nspawnToken);
      break;
    case 'ipvlan':
      each(network, 'IPVLAN', net.ipvlan, nspawnToken);
      break;
    case 'interface':
      each(network, 'Interface', net.interfaces, nspawnToken);
      break;
  }
  each(network, 'Port', net.ports, portToken);
}

/** The .nspawn file; `seed` is the read-only bind of its cloud-init seed, if it has one. */
export function translateNspawn(c: ContainerModel, diagnostics: Diagnostic[], seed?: OwnBind): GeneratedFile {
  const exec = new Entries(nspawnExec, c, diagnostics);
  const files = new Entries(nspawnFiles, c, diagnostics);
  const network = new Entries(nspawnNetwork, c, diagnostics);
  addExec(c, exec);
  addFiles(c, files, seed);
  addNetwork(c, network);
  const pass = c.settings.nspawn;
  if (pass) {
    passThrough(exec, pass.Exec, ['nspawn', 'Exec'], nspawnText);
    passThrough(files, pass.Files, ['nspawn', 'Files'], nspawnText);
    passThrough(network, pass.Network, ['nspawn', 'Network'], nspawnText);
  }
  const extra = c.profiles.length ? `profiles: ${c.profiles.join(', ')}` : undefined;
  return {
    kind: 'file',
    dir: 'nspawn',
    rel: `${c.name}.nspawn`,
    doc: doc(header(c.file.source.file, extra, 'nspawn'), [exec, files, network]),
    container: c.name,
  };
}
