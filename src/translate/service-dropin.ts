// Container → machine@NAME.service.d/50-machinist.conf: how systemd runs it (root directory, ordering, slice,
// cgroup limits, devices, restart). The template units/machine@.service supplies everything else.
import type { Diagnostic } from '../diagnostics/types.js';
import { EncodeError, unitEnvironment, unitText, unitWord } from '../ini/escape.js';
import type { ContainerModel } from '../resolve/model.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, header, passThrough, sliceUnitName, unitName } from './output.js';
import { devicePath, resourceEntries } from './resources.js';

export const machinesDir = '/var/lib/machines';

/** The template expands $MACHINIST_ARGS split at whitespace (systemd.service(5)), so no word may hold any. */
function argWord(flag: string, path: string): string {
  if (/\s/.test(path)) throw new EncodeError('contains whitespace, which the machine@.service command line cannot carry');
  return `${flag}=${path}`;
}

/** systemd-nspawn arguments that a .nspawn file has no key for: where the root file system is. */
export function rootArgs(c: ContainerModel): string[] {
  const s = c.settings;
  if (s.directory !== undefined) return [argWord('--directory', s.directory)];
  if (s.image !== undefined && s.image !== c.name) {
    return [argWord('--directory', `${machinesDir}/${c.name}`), argWord('--template', `${machinesDir}/${s.image}`)];
  }
  return [];
}

export function translateDropin(c: ContainerModel, diagnostics: Diagnostic[]): GeneratedFile {
  const s = c.settings;
  const unit = new Entries(c, diagnostics);
  const service = new Entries(c, diagnostics);

  if (s.description !== undefined) unit.add('Description', ['description'], () => unitText(s.description!));
  unit.add('SourcePath', [], () => unitText(c.file.source.file));
  for (const dep of s.requires ?? []) unit.raw('Requires', unitName(dep));
  for (const dep of s.after ?? []) unit.raw('Wants', unitName(dep));
  for (const dep of [...(s.requires ?? []), ...(s.after ?? [])]) unit.raw('After', unitName(dep));
  if (s.directory !== undefined) unit.add('RequiresMountsFor', ['directory'], () => unitWord(s.directory!));

  const rootKey = s.directory !== undefined ? 'directory' : 'image';
  if (s.directory !== undefined || (s.image !== undefined && s.image !== c.name)) {
    service.add('Environment', [rootKey], () => unitEnvironment('MACHINIST_ARGS', rootArgs(c).join(' ')));
  }
  if (s.slice !== undefined) service.raw('Slice', sliceUnitName(s.slice));
  resourceEntries(s.resources, service);
  (s.devices ?? []).forEach((d, i) => {
    const path = typeof d === 'string' ? d : d.path;
    const access = typeof d === 'string' ? 'rwm' : (d.access ?? 'rwm');
    service.add('DeviceAllow', ['devices', i], () => `${devicePath(path)} ${access}`);
  });
  if (s.restart !== undefined) service.raw('Restart', s.restart);

  const sections: [string, Entries][] = [['Unit', unit], ['Service', service]];
  for (const [name, entries] of sections) passThrough(entries, s.service?.[name as 'Unit'], ['service', name]);
  const extra = c.profiles.length ? `profiles: ${c.profiles.join(', ')}` : undefined;
  return {
    kind: 'file',
    dir: 'unit',
    rel: `${unitName(c.name)}.d/50-machinist.conf`,
    doc: doc(header(c.file.source.file, extra), sections),
    container: c.name,
  };
}
