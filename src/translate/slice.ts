// slices/NAME.yaml → machine-NAME.slice. systemd derives the hierarchy from the name: machine-a-b.slice is a
// child of machine-a.slice, which is a child of machine.slice (where machined expects containers).
import type { Diagnostic } from '../diagnostics/types.js';
import { unitText } from '../ini/escape.js';
import type { SliceModel } from '../resolve/model.js';
import { sliceBody, sliceUnit } from '../resolve/setting-keys.js';
import type { GeneratedFile } from './output.js';
import { Entries, doc, header, passThrough, sliceUnitName } from './output.js';
import { resourceEntries } from './resources.js';

export function translateSlice(slice: SliceModel, diagnostics: Diagnostic[]): GeneratedFile {
  const owner = { file: slice.file, origins: new Map() };
  const unit = new Entries(sliceUnit, owner, diagnostics);
  const body = new Entries(sliceBody, owner, diagnostics);
  const s = slice.settings;
  if (s.description !== undefined) unit.add('Description', unitText, s.description);
  unit.add('SourcePath', unitText, slice.file.source.file);
  resourceEntries(s.resources, body);
  passThrough(unit, s.unit?.Unit, ['unit', 'Unit']);
  passThrough(body, s.unit?.Slice, ['unit', 'Slice']);
  return {
    kind: 'file',
    dir: 'unit',
    rel: sliceUnitName(slice.name),
    doc: doc(header(slice.file.source.file), [unit, body]),
  };
}
