// slices/NAME.yaml → machine-NAME.slice. systemd derives the hierarchy from the name: machine-a-b.slice is a
// child of machine-a.slice, which is a child of machine.slice (where machined expects containers).
import type { Diagnostic } from '../diagnostics/types.js';
import { unitText } from '../ini/escape.js';
import type { SliceModel } from '../resolve/model.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, header, passThrough, sliceUnitName } from './output.js';
import { resourceEntries } from './resources.js';

export function translateSlice(slice: SliceModel, diagnostics: Diagnostic[]): GeneratedFile {
  const owner = { file: slice.file, origins: new Map() };
  const unit = new Entries(owner, diagnostics);
  const body = new Entries(owner, diagnostics);
  const s = slice.settings;
  if (s.description !== undefined) unit.add('Description', ['description'], () => unitText(s.description!));
  unit.add('SourcePath', [], () => unitText(slice.file.source.file));
  resourceEntries(s.resources, body);
  const sections: [string, Entries][] = [['Unit', unit], ['Slice', body]];
  for (const [name, entries] of sections) passThrough(entries, s.unit?.[name as 'Unit'], ['unit', name]);
  return { kind: 'file', dir: 'unit', rel: sliceUnitName(slice.name), doc: doc(header(slice.file.source.file), sections) };
}
