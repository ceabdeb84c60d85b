// Who may read an output: a value from a YAML file that others cannot read (a password in `environment:`)
// never lands in a file that others can read. An output made from such a file (the container's own, a profile
// it uses, machinist.yaml, or a slice's file) is written 0600 instead of 0644. Pure: the readability was
// found when the files were read (load/read.ts).
import type { ParsedFile } from '../load/parse.js';
import type { Model } from '../resolve/model.js';
import type { Output } from '../translate/output.js';
import { PRIVATE_MODE, PUBLIC_MODE } from '../translate/output.js';
import { fromPrivateFile } from '../translate/credentials.js';

export { PRIVATE_MODE, PUBLIC_MODE } from '../translate/output.js';

/** The mode an output is written with. */
export const modeOf = (o: Output): number => (o.kind === 'file' && o.mode !== undefined ? o.mode : PUBLIC_MODE);

/** Give the outputs that carry something from a private file the private mode (in place; returns them). */
export function markPrivate(outputs: Output[], model: Model, files: readonly ParsedFile[]): Output[] {
  if (!files.some((f) => f.source.private)) return outputs;
  const containers = new Set<string>();
  for (const c of model.containers) {
    if (fromPrivateFile(c)) containers.add(c.name);
  }
  const slices = new Set(model.slices.filter((s) => s.file.source.private).map((s) => s.name));
  for (const o of outputs) {
    if (o.kind !== 'file') continue;
    const slice = o.container === undefined ? /^machine-(.+)\.slice$/.exec(o.rel)?.[1] : undefined;
    const mine = o.container !== undefined ? containers.has(o.container) : slice !== undefined && slices.has(slice);
    if (mine) o.mode = PRIVATE_MODE;
  }
  return outputs;
}
