// Model → outputs: one translator per output kind, outputs in a fixed order so the result never depends on
// the order files were read in. Pure: the model is not changed; what fails here is returned, and fold.ts
// folds it into the result.
import { internalError } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { ContainerModel, FailedContainer, Model } from '../resolve/model.js';
import { failedWith, startsAtBoot } from '../resolve/model.js';
import { brokenSlice, slicesOf } from '../resolve/resolve.js';
import { rootOf, translateImage, translateRoot } from './image.js';
import { translateSeed } from './cloud-init.js';
import { translateNspawn } from './nspawn.js';
import type { Output } from './output.js';
import { byOutputPath, templatePath, unitName } from './output.js';
import { translatePod } from './pod.js';
import { translateDropin } from './service-dropin.js';
import { credentialFiles, fromPrivateFile } from './credentials.js';
import { identityCredentials } from './identity.js';
import { translateSlice } from './slice.js';

export interface Translation {
  /** The files and links of the slices and containers that translated. */
  outputs: Output[];
  diagnostics: Diagnostic[];
  /** Containers that failed here, and containers that had failed before with the errors found here added. */
  failed: Map<string, FailedContainer>;
  /** Slices with an unwritable value: not written, and their containers fail with them. */
  brokenSlices: Set<string>;
}

export interface TranslateOptions {
  /** The .nspawn directory as the running system sees it (compile: /etc/systemd/nspawn); seeds live there. */
  nspawnDir: string;
}

const compileOptions: TranslateOptions = { nspawnDir: '/etc/systemd/nspawn' };

/**
 * One container's files, or the errors that stop it (an exception is an internal error of this one only).
 * The .nspawn file comes first, then the drop-in and the rest.
 */
function translateContainer(
  c: ContainerModel,
  diagnostics: Diagnostic[],
  opts: TranslateOptions,
): Output[] | Diagnostic[] {
  const own: Diagnostic[] = [];
  let files: Output[];
  try {
    const creds = identityCredentials(c, own);
    const seed = translateSeed(c, opts.nspawnDir, own);
    files = [translateNspawn(c, own, seed?.bind), translateDropin(c, own, creds)];
    if (fromPrivateFile(c)) files.push(...credentialFiles(c, creds));
    const root = rootOf(c);
    if (root) files.push(...translateRoot(c, root));
    if (seed) files.push(...seed.files);
  } catch (e) {
    const where = { file: c.file.source.file, container: c.name };
    const d = internalError(`translating container "${c.name}" failed`, e, where);
    diagnostics.push(d);
    return [d];
  }
  if (!own.length) return files;
  diagnostics.push(...own);
  // An unwritable value fails the whole container: half a container is worse than none.
  return own.some((d) => d.severity === 'error') ? own : files;
}

const isOutputs = (r: Output[] | Diagnostic[]): r is Output[] => r.length > 0 && 'kind' in r[0]!;

/** Slices: one with an unwritable value is broken, and its containers fail. */
function translateSlices(model: Model, out: Output[], broken: Set<string>, diagnostics: Diagnostic[]) {
  for (const s of model.slices) {
    const own: Diagnostic[] = [];
    const file = translateSlice(s, own);
    diagnostics.push(...own);
    if (own.some((d) => d.severity === 'error')) broken.add(s.name);
    else out.push(file);
  }
}

/**
 * Every declared image's fetch unit, used or not (`systemctl start` of it fetches ahead of time), and every pod's
 * units; each names the containers that translated and run with it.
 */
function translateShared(model: Model, failed: ReadonlyMap<string, FailedContainer>, diagnostics: Diagnostic[]) {
  const out: Output[] = [];
  const ok = model.containers.filter((c) => !failed.has(c.name));
  for (const img of model.images) {
    const users = ok.filter((c) => rootOf(c)?.image.id === img.id).map((c) => c.name);
    const file = translateImage(img, users, diagnostics);
    if (file) out.push(file);
  }
  for (const p of model.pods ?? []) {
    out.push(
      ...translatePod(
        p,
        p.members.filter((m) => !failed.has(m)),
        diagnostics,
      ),
    );
  }
  return out;
}

export function translate(model: Model, opts: TranslateOptions = compileOptions): Translation {
  // Each kind of output is collected in its own list and the lists are joined in the order the final sort
  // puts them (nspawn/ before unit/; machine-X.slice < machine@X.service.d/ < machines.target.wants/). Each
  // list is in container-name order, which is nearly always path order too ("a-b.nspawn" < "a.nspawn" is the
  // exception), so the sort, with its thousands of calls of a comparator, is usually not needed at all.
  const nspawnFiles: Output[] = [];
  const sliceFiles: Output[] = [];
  const dropins: Output[] = [];
  const links: Output[] = [];
  const diagnostics: Diagnostic[] = [];
  const failed = new Map<string, FailedContainer>();
  const brokenSlices = new Set<string>();
  translateSlices(model, sliceFiles, brokenSlices, diagnostics);
  for (const c of model.containers) {
    if (brokenSlices.size && c.settings.slice !== undefined) {
      const inBroken = slicesOf(c.settings.slice).filter((s) => brokenSlices.has(s));
      if (inBroken.length) {
        failed.set(
          c.name,
          failedWith(
            c,
            inBroken.map((s) => brokenSlice(c, s)),
          ),
        );
        continue;
      }
    }
    const result = translateContainer(c, diagnostics, opts);
    if (!isOutputs(result)) {
      failed.set(c.name, failedWith(c, result));
      continue;
    }
    nspawnFiles.push(result[0]!);
    // The drop-in, the units that make the root from a declared image (if any), its seed (nspawn/, so sorted).
    for (let i = 1; i < result.length; i++) dropins.push(result[i] as Output);
    if (startsAtBoot(c.settings)) {
      links.push({
        kind: 'symlink',
        dir: 'unit',
        rel: `machines.target.wants/${unitName(c.name)}`,
        target: templatePath,
        container: c.name,
      });
    }
  }
  checkFailed(model, failed, diagnostics, opts);
  const outputs = nspawnFiles.concat(sliceFiles, dropins, links, translateShared(model, failed, diagnostics));
  if (!inOrder(outputs)) outputs.sort(byOutputPath);
  return { outputs, diagnostics, failed, brokenSlices };
}

/** Containers that failed earlier still get their values checked, so one run reports every problem. */
function checkFailed(
  model: Model,
  failed: Map<string, FailedContainer>,
  diagnostics: Diagnostic[],
  opts: TranslateOptions,
): void {
  for (const [name, f] of model.failed) {
    if (!f.merged || f.errors.some((d) => d.code === 'unencodable-value')) continue;
    const own: Diagnostic[] = [];
    translateContainer(f.merged, own, opts);
    if (!own.length) continue;
    diagnostics.push(...own);
    failed.set(name, { ...f, errors: [...f.errors, ...own] });
  }
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
