// Model → outputs: one translator per output kind, outputs in a fixed order so the result never depends on
// the order files were read in.
import type { Diagnostic } from '../diagnostics/types.js';
import type { Model } from '../resolve/model.js';
import { brokenSlice, slicesOf } from '../resolve/resolve.js';
import { translateNspawn } from './nspawn.js';
import type { Output } from './output.js';
import { byOutputPath, templatePath, unitName } from './output.js';
import { translateDropin } from './service-dropin.js';
import { translateSlice } from './slice.js';

export function translate(model: Model): { outputs: Output[]; diagnostics: Diagnostic[] } {
  // Each kind of output is collected in its own list and the lists are joined in the order the final sort
  // puts them (nspawn/ before unit/; machine-X.slice < machine@X.service.d/ < machines.target.wants/). Each
  // list is in container-name order, which is nearly always path order too ("a-b.nspawn" < "a.nspawn" is the
  // exception), so the sort, with its thousands of calls of a comparator, is usually not needed at all.
  const nspawnFiles: Output[] = [];
  const sliceFiles: Output[] = [];
  const dropins: Output[] = [];
  const links: Output[] = [];
  const diagnostics: Diagnostic[] = [];
  // Slices first: one with an unwritable value is not written at all, and its containers fail with it.
  const broken = new Set<string>();
  for (const s of model.slices) {
    const own: Diagnostic[] = [];
    const file = translateSlice(s, own);
    diagnostics.push(...own);
    if (own.some((d) => d.severity === 'error')) broken.add(s.name);
    else sliceFiles.push(file);
  }
  if (broken.size) model.slices = model.slices.filter((s) => !broken.has(s.name));
  for (const c of model.containers) {
    if (broken.size && c.settings.slice !== undefined) {
      const inBroken = slicesOf(c.settings.slice).filter((s) => broken.has(s));
      if (inBroken.length) {
        model.failed.set(c.name, { file: c.file, errors: inBroken.map((s) => brokenSlice(c, s)), merged: c });
        continue;
      }
    }
    const own: Diagnostic[] = [];
    const nspawn = translateNspawn(c, own);
    const dropin = translateDropin(c, own);
    if (own.length) {
      diagnostics.push(...own);
      if (own.some((d) => d.severity === 'error')) {
        // An unwritable value fails the whole container: half a container is worse than none.
        model.failed.set(c.name, { file: c.file, errors: own });
        continue;
      }
    }
    nspawnFiles.push(nspawn);
    dropins.push(dropin);
    if (c.settings.autostart === true) {
      links.push({ kind: 'symlink', dir: 'unit', rel: `machines.target.wants/${unitName(c.name)}`, target: templatePath, container: c.name });
    }
  }
  if (model.failed.size) model.containers = model.containers.filter((c) => !model.failed.has(c.name));
  // Containers that failed earlier still get their values checked, so one run reports every problem.
  for (const f of model.failed.values()) {
    if (!f.merged || f.errors.some((d) => d.code === 'unencodable-value')) continue;
    const own: Diagnostic[] = [];
    translateNspawn(f.merged, own);
    translateDropin(f.merged, own);
    diagnostics.push(...own);
    f.errors.push(...own);
  }
  const outputs = nspawnFiles.concat(sliceFiles, dropins, links);
  if (!inOrder(outputs)) outputs.sort(byOutputPath);
  return { outputs, diagnostics };
}

/** Whether outputs are already sorted by directory, then path (`<` on strings is code-unit order too). */
function inOrder(outputs: readonly Output[]): boolean {
  for (let i = 1; i < outputs.length; i++) {
    const a = outputs[i - 1]!;
    const b = outputs[i]!;
    if (a.dir > b.dir || (a.dir === b.dir && a.rel > b.rel)) return false;
  }
  return true;
}
