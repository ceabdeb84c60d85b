// Container → NAME.nspawn (systemd.nspawn(5)): what the container is, sees and may do.
import type { Diagnostic } from '../diagnostics/types.js';
import { nspawnEnvironment, nspawnPath, nspawnText, nspawnToken, nspawnWord } from '../ini/escape.js';
import type { ContainerModel } from '../resolve/model.js';
import type { BindInput, DeviceInput } from '../schema/container.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, header, passThrough } from './output.js';

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function bindEntry(b: BindInput): { readonly: boolean; source: string; target: string; options: string[] } {
  if (typeof b === 'string') {
    const [source, target, opts] = b.split(':') as [string, string | undefined, string | undefined];
    const options = opts ? opts.split(',') : [];
    return { source, target: target ?? source, readonly: options.includes('ro'), options: options.filter((o) => o !== 'ro' && o !== 'rw') };
  }
  return { source: b.source, target: b.target ?? b.source, readonly: b.readonly === true, options: b.options ?? [] };
}

const devicePathOf = (d: DeviceInput) => (typeof d === 'string' ? d : d.path);

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
  const clone = s.image !== undefined && s.image !== c.name;
  const name = s.hostname ?? (clone ? c.name : undefined);
  if (name !== undefined) out.push(`systemd.hostname=${name}`);
  if (s.volatile === true || s.volatile === 'yes') out.push('systemd.firstboot=off');
  return out;
}

export function translateNspawn(c: ContainerModel, diagnostics: Diagnostic[]): GeneratedFile {
  const s = c.settings;
  const exec = new Entries(c, diagnostics);
  const files = new Entries(c, diagnostics);
  const network = new Entries(c, diagnostics);

  const boot = s.boot !== false;
  exec.raw('Boot', yesNo(boot));
  const params = bootParameters(c);
  if (params.length || s.command?.length) {
    exec.add('Parameters', ['command'], () => [...params, ...(s.command ?? [])].map(nspawnWord).join(' '));
  }
  if (!boot) {
    // An app container runs under nspawn's stub init (ProcessTwo=), which shuts down cleanly on SIGRTMIN+3;
    // without both, every `systemctl stop` SIGKILLs the payload and leaves the unit failed.
    exec.raw('ProcessTwo', 'yes');
    if (s.nspawn?.Exec?.['KillSignal'] === undefined) exec.raw('KillSignal', 'SIGRTMIN+3');
  }
  if (s.working_directory) exec.add('WorkingDirectory', ['working_directory'], () => nspawnText(s.working_directory!));
  if (s.user) exec.add('User', ['user'], () => nspawnText(s.user!));
  if (s.hostname) exec.add('Hostname', ['hostname'], () => nspawnText(s.hostname!));
  for (const [k, v] of Object.entries(s.environment ?? {})) {
    exec.add('Environment', ['environment', k], () => nspawnEnvironment(k, String(v)));
  }
  if (s.timezone) exec.raw('Timezone', s.timezone);
  if (s.resolv_conf) exec.raw('ResolvConf', s.resolv_conf);
  if (s.ephemeral !== undefined) exec.raw('Ephemeral', yesNo(s.ephemeral));
  const sec = s.security ?? {};
  if (sec.private_users !== undefined) {
    const pu = sec.private_users;
    exec.raw('PrivateUsers', typeof pu === 'boolean' ? yesNo(pu) : String(pu));
  }
  if (sec.no_new_privileges !== undefined) exec.raw('NoNewPrivileges', yesNo(sec.no_new_privileges));
  const caps: [string, 'add' | 'drop' | 'ambient'][] = [['Capability', 'add'], ['DropCapability', 'drop'], ['AmbientCapability', 'ambient']];
  for (const [key, field] of caps) {
    const list = sec.capabilities?.[field];
    if (list?.length) exec.add(key, ['security', 'capabilities', field], () => list.map(nspawnToken).join(' '));
  }
  // One line per entry: nspawn combines them, and a "~" entry is its own deny list.
  (sec.system_call_filter ?? []).forEach((f, i) => exec.add('SystemCallFilter', ['security', 'system_call_filter', i], () => nspawnToken(f)));

  if (sec.read_only !== undefined) files.raw('ReadOnly', yesNo(sec.read_only));
  if (s.volatile !== undefined) files.raw('Volatile', typeof s.volatile === 'boolean' ? yesNo(s.volatile) : s.volatile);
  // In a .nspawn file PrivateUsers=pick implies chown ownership, which rewrites the whole root on first start
  // and cannot work on a read-only or volatile root; auto uses ID-mapped mounts where the kernel has them.
  const ownershipDefault = sec.private_users === 'pick' ? 'auto' : undefined;
  const ownership = sec.private_users_ownership ?? ownershipDefault;
  if (ownership) files.raw('PrivateUsersOwnership', ownership);
  (s.binds ?? []).forEach((b, i) => {
    const e = bindEntry(b);
    files.add(e.readonly ? 'BindReadOnly' : 'Bind', ['binds', i], () =>
      [nspawnPath(e.source), nspawnPath(e.target), ...(e.options.length ? [e.options.join(',')] : [])].join(':'),
    );
  });
  (s.devices ?? []).forEach((d, i) => files.add('Bind', ['devices', i], () => nspawnPath(devicePathOf(d))));
  (s.tmpfs ?? []).forEach((t, i) => {
    const colon = t.indexOf(':');
    files.add('TemporaryFileSystem', ['tmpfs', i], () =>
      colon < 0 ? nspawnPath(t) : `${nspawnPath(t.slice(0, colon))}:${nspawnText(t.slice(colon + 1))}`,
    );
  });
  (s.inaccessible ?? []).forEach((p, i) => files.add('Inaccessible', ['inaccessible', i], () => nspawnText(p)));
  (s.bind_users ?? []).forEach((u, i) => files.add('BindUser', ['bind_users', i], () => nspawnToken(u)));

  const net = s.network ?? {};
  switch (net.mode ?? 'host') {
    case 'host':
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
      if (net.bridge !== undefined) network.add('Bridge', ['network', 'bridge'], () => nspawnText(net.bridge!));
      break;
    case 'zone':
      if (net.zone !== undefined) network.add('Zone', ['network', 'zone'], () => nspawnText(net.zone!));
      break;
    case 'macvlan':
      (net.macvlan ?? []).forEach((n, i) => network.add('MACVLAN', ['network', 'macvlan', i], () => nspawnToken(n)));
      break;
    case 'ipvlan':
      (net.ipvlan ?? []).forEach((n, i) => network.add('IPVLAN', ['network', 'ipvlan', i], () => nspawnToken(n)));
      break;
    case 'interface':
      (net.interfaces ?? []).forEach((n, i) => network.add('Interface', ['network', 'interfaces', i], () => nspawnToken(n)));
      break;
  }
  (net.ports ?? []).forEach((p, i) => network.add('Port', ['network', 'ports', i], () => nspawnToken(String(p))));

  const sections: [string, Entries][] = [['Exec', exec], ['Files', files], ['Network', network]];
  for (const [name, entries] of sections) passThrough(entries, s.nspawn?.[name as 'Exec'], ['nspawn', name], nspawnText);
  const extra = c.profiles.length ? `profiles: ${c.profiles.join(', ')}` : undefined;
  return { kind: 'file', dir: 'nspawn', rel: `${c.name}.nspawn`, doc: doc(header(c.file.source.file, extra, 'nspawn'), sections), container: c.name };
}
