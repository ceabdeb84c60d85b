// Container → machine@NAME.service.d/50-machinist.conf: how systemd runs it (root directory, ordering, slice,
// cgroup limits, devices, restart). The template units/machine@.service supplies everything else.
import type { Diagnostic } from '../diagnostics/types.js';
import { unitCredential, unitEnvironment, unitExecArguments, unitText, unitWord } from '../ini/escape.js';
import type { ContainerModel } from '../resolve/model.js';
import { dropinService, dropinUnit } from '../resolve/setting-keys.js';
import type { KeyTable } from '../resolve/setting-keys.js';
import type { DeviceInput } from '../schema/container.js';
import { deviceSpec } from '../schema/rules.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, header, passThrough, sliceUnitName, unitName } from './output.js';
import { credentialFileName, fromPrivateFile } from './credentials.js';
import type { Credential } from './identity.js';
import { podNetnsPath, podUnitName } from './pod.js';
import { devicePath, resourceEntries } from './resources.js';
import { rootOf } from './image.js';

export const machinesDir = '/var/lib/machines';

const argWord = (flag: string, path: string) => `${flag}=${path}`;

/** systemd-nspawn arguments that a .nspawn file has no key for: where the root file system is. */
export function rootArgs(c: ContainerModel): string[] {
  const s = c.settings;
  if (s.directory !== undefined) return [argWord('--directory', s.directory)];
  // A declared image: an overlay root is mounted where nspawn looks by default; a copy is booted where it is.
  const r = rootOf(c);
  if (r) return r.storage === 'overlay' ? [] : [argWord(r.image.format === 'raw' ? '--image' : '--directory', r.root)];
  if (s.image !== undefined && s.image !== c.name) {
    return [argWord('--directory', `${machinesDir}/${c.name}`), argWord('--template', `${machinesDir}/${s.image}`)];
  }
  return [];
}

// The one key whose YAML path is not its table's: the root comes from directory: or from image:.
const imagePath = ['image'];
const none: readonly string[] = [];
// The template expands $MACHINIST_ARGS unbraced: systemd splits and unquotes it once more (see escape.ts).
// nspawn reads each credential by name from the service's own (SetCredential=, LoadCredential=): only names on
// its command line.
const loadCredential = (k: Credential) => `--load-credential=${k.id}:${k.id}`;
const nspawnArguments = (c: ContainerModel, creds: readonly Credential[]) =>
  unitEnvironment('MACHINIST_ARGS', unitExecArguments([...rootArgs(c), ...creds.map(loadCredential)]));
const credentialValue = (k: Credential) => unitCredential(k.id, k.value);
// ID:NAME, NAME a file of the credential store: a machine name and fixed IDs, nothing systemd would expand or split.
const credentialFile = (c: ContainerModel, k: Credential) => `${k.id}:${credentialFileName(c.name, k.id)}`;
const usersPath = ['users'];

/** A device node or class and its access (default rwm) → the value of DeviceAllow=. */
function deviceAllow(d: DeviceInput): string {
  const spec = deviceSpec(d);
  return `${devicePath(spec.spec)} ${spec.access}`;
}

/**
 * Without CAP_SYS_BOOT a booted guest's reboot cannot ask nspawn for a restart (exit status 133): systemd in the
 * guest logs "Exiting container." and nspawn exits 0, like a poweroff (measured on 252). So that a reboot comes
 * back, exit status 0 restarts the unit too; `systemctl stop` still stops it (a stop job forbids restarts).
 */
export function rebootNeedsRestart(c: ContainerModel): boolean {
  const caps = c.settings.security?.capabilities;
  return (
    c.settings.boot !== false &&
    caps?.drop?.includes('CAP_SYS_BOOT') === true &&
    caps.add?.includes('CAP_SYS_BOOT') !== true
  );
}

type UnitEntries = Entries<typeof dropinUnit extends KeyTable<infer K> ? K : never>;

/** [Unit] dependencies: other containers, the pod, the root's mount and its device nodes, the unit making its root. */
function addDependencies(unit: UnitEntries, c: ContainerModel, pod: string | undefined, rootUnit?: string) {
  const s = c.settings;
  const requires = s.requires ?? none;
  const after = s.after ?? none;
  for (let i = 0; i < requires.length; i++) unit.raw('Requires', unitName(requires[i]!));
  for (let i = 0; i < after.length; i++) unit.raw('Wants', unitName(after[i]!));
  for (let i = 0; i < requires.length; i++) unit.raw('After', unitName(requires[i]!));
  for (let i = 0; i < after.length; i++) unit.raw('After', unitName(after[i]!));
  // systemd enters the pod's namespace before nspawn starts, which works with a user namespace too (nspawn's
  // own --network-namespace-path= does not); BindsTo= stops the member with its pod.
  if (pod !== undefined) for (const dep of ['BindsTo', 'After'] as const) unit.raw(dep, podUnitName(pod));
  if (s.directory !== undefined) unit.add('RequiresMountsFor', unitWord, s.directory);
  // A device node that is missing (a GPU whose driver is not loaded) fails the start ("Assertion failed"),
  // before nspawn would fail on it ("Failed to stat …") deeper in the journal.
  const nodes = s.devices ?? none;
  for (let i = 0; i < nodes.length; i++) {
    const spec = deviceSpec(nodes[i]!);
    if (spec.bind) unit.add('AssertPathExists', unitText, spec.spec, i);
  }
  if (rootUnit !== undefined) {
    unit.raw('Requires', rootUnit);
    unit.raw('After', rootUnit);
  }
}

/** The drop-in of a container; `creds` are its credentials (identity.ts), private ones from the credential store. */
export function translateDropin(c: ContainerModel, diagnostics: Diagnostic[], creds: Credential[]): GeneratedFile {
  const s = c.settings;
  const unit = new Entries(dropinUnit, c, diagnostics);
  const service = new Entries(dropinService, c, diagnostics);

  // Indexed loops and encoders passed with their input (no closure per value): see nspawn.ts.
  if (s.description !== undefined) unit.add('Description', unitText, s.description);
  unit.add('SourcePath', unitText, c.file.source.file);
  const pod = s.network?.mode === 'pod' ? s.network.pod : undefined;
  const root = rootOf(c);
  addDependencies(unit, c, pod, root?.unit);

  // A root elsewhere than /var/lib/machines/NAME: directory:, a copy of a declared image, an undeclared image's clone.
  const clone = root ? root.storage === 'copy' : s.image !== undefined && s.image !== c.name;
  if (s.directory !== undefined || clone || creds.length) {
    const at = s.directory !== undefined ? undefined : clone ? imagePath : usersPath;
    service.add('Environment', (x: ContainerModel) => nspawnArguments(x, creds), c, undefined, at);
  }
  if (fromPrivateFile(c)) for (const k of creds) service.raw('LoadCredential', credentialFile(c, k));
  else for (let i = 0; i < creds.length; i++) service.add('SetCredential', credentialValue, creds[i]!);
  if (pod !== undefined) service.raw('NetworkNamespacePath', podNetnsPath(pod));
  if (s.slice !== undefined) service.raw('Slice', sliceUnitName(s.slice));
  resourceEntries(s.resources, service);
  const devices = s.devices;
  if (devices) for (let i = 0; i < devices.length; i++) service.add('DeviceAllow', deviceAllow, devices[i]!, i);
  if (s.restart !== undefined) service.raw('Restart', s.restart);
  if (rebootNeedsRestart(c)) service.raw('RestartForceExitStatus', '0');

  const pass = s.service;
  if (pass) {
    passThrough(unit, pass.Unit, ['service', 'Unit']);
    passThrough(service, pass.Service, ['service', 'Service']);
  }
  const extra = c.profiles.length ? `profiles: ${c.profiles.join(', ')}` : undefined;
  return {
    kind: 'file',
    dir: 'unit',
    rel: `${unitName(c.name)}.d/50-machinist.conf`,
    doc: doc(header(c.file.source.file, extra), [unit, service]),
    container: c.name,
  };
}
