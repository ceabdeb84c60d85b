// Container → machine@NAME.service.d/50-machinist.conf: how systemd runs it (root directory, ordering, slice,
// cgroup limits, devices, restart). The template units/machine@.service supplies everything else.
import type { Diagnostic } from '../diagnostics/types.js';
import { unitEnvironment, unitExecArguments, unitText, unitWord } from '../ini/escape.js';
import type { ContainerModel } from '../resolve/model.js';
import type { DeviceInput } from '../schema/container.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, header, passThrough, sliceUnitName, unitName } from './output.js';
import { devicePath, resourceEntries } from './resources.js';

export const machinesDir = '/var/lib/machines';

const argWord = (flag: string, path: string) => `${flag}=${path}`;

/** systemd-nspawn arguments that a .nspawn file has no key for: where the root file system is. */
export function rootArgs(c: ContainerModel): string[] {
  const s = c.settings;
  if (s.directory !== undefined) return [argWord('--directory', s.directory)];
  if (s.image !== undefined && s.image !== c.name) {
    return [argWord('--directory', `${machinesDir}/${c.name}`), argWord('--template', `${machinesDir}/${s.image}`)];
  }
  return [];
}

// YAML paths, made once rather than per container (Entries.add appends a list index only for a diagnostic).
const at = { description: ['description'], file: [], directory: ['directory'], image: ['image'], devices: ['devices'] } as const;
const none: readonly string[] = [];
// The template expands $MACHINIST_ARGS unbraced: systemd splits and unquotes it once more (see escape.ts).
const rootEnvironment = (c: ContainerModel) => unitEnvironment('MACHINIST_ARGS', unitExecArguments(rootArgs(c)));

/** A device and its access (default rwm) → the value of DeviceAllow=. */
function deviceAllow(d: DeviceInput): string {
  if (typeof d === 'string') return `${devicePath(d)} rwm`;
  return `${devicePath(d.path)} ${d.access ?? 'rwm'}`;
}

export function translateDropin(c: ContainerModel, diagnostics: Diagnostic[]): GeneratedFile {
  const s = c.settings;
  const unit = new Entries('Unit', c, diagnostics);
  const service = new Entries('Service', c, diagnostics);

  // Indexed loops and encoders passed with their input (no closure per value): see nspawn.ts.
  if (s.description !== undefined) unit.add('Description', at.description, unitText, s.description);
  unit.add('SourcePath', at.file, unitText, c.file.source.file);
  const requires = s.requires ?? none;
  const after = s.after ?? none;
  for (let i = 0; i < requires.length; i++) unit.raw('Requires', unitName(requires[i]!));
  for (let i = 0; i < after.length; i++) unit.raw('Wants', unitName(after[i]!));
  for (let i = 0; i < requires.length; i++) unit.raw('After', unitName(requires[i]!));
  for (let i = 0; i < after.length; i++) unit.raw('After', unitName(after[i]!));
  if (s.directory !== undefined) unit.add('RequiresMountsFor', at.directory, unitWord, s.directory);

  if (s.directory !== undefined || (s.image !== undefined && s.image !== c.name)) {
    service.add('Environment', s.directory !== undefined ? at.directory : at.image, rootEnvironment, c);
  }
  if (s.slice !== undefined) service.raw('Slice', sliceUnitName(s.slice));
  resourceEntries(s.resources, service);
  const devices = s.devices;
  if (devices) for (let i = 0; i < devices.length; i++) service.add('DeviceAllow', at.devices, deviceAllow, devices[i]!, i);
  if (s.restart !== undefined) service.raw('Restart', s.restart);

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
