// cloud_init: → the seed's three documents: the template (cloud-init/NAME.yaml) merged under the container's
// keys by the one merge rule (merge.ts: mappings merge, scalars replace, lists append), and what cannot work.
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { ParsedFile } from '../load/parse.js';
import type { SeedDocuments } from '../schema/cloud-init.js';
import { mergeLayers } from './merge.js';
import type { Layer } from './merge.js';
import { diagAt } from './model.js';
import type { ContainerModel } from './model.js';

/** Settings that cannot work with a seed: no init to run cloud-init, or a guest that cannot read a 0600 seed. */
function checkUse(c: ContainerModel, out: Diagnostic[]): void {
  if (c.settings.boot === false) {
    const why = 'cloud_init: is applied by cloud-init in a booted guest, but boot: false runs no init';
    out.push(diagAt(c, 'conflicting-keys', why, ['cloud_init'], { hint: 'Remove cloud_init:, or boot: true.' }, 'key'));
  }
  // Made from a file others cannot read, the seed is written 0600 for the host's root (emit/modes.ts). With user
  // namespacing the guest's root is another user of the host, and could not read it.
  const pu = c.settings.security?.private_users;
  const userns = pu !== undefined && pu !== false && pu !== 'no';
  const secret = c.file.source.private || c.layers.some((l) => l.source.private);
  if (userns && secret) {
    const why =
      'this container is made from a file others cannot read, so its cloud-init seed is written 0600 for root' +
      " only, which the guest's root under security.private_users cannot read";
    const hint = 'Make the file readable by others (secrets belong in a credential), or drop private_users.';
    out.push(diagAt(c, 'conflicting-keys', why, ['cloud_init'], { hint }, 'key'));
  }
}

/**
 * Merge a container's cloud_init: over its template into c.cloudInit; problems are returned (errors stop it).
 * `errorsOf` gives a template file's own errors, which stop the container as a broken profile does.
 */
export function resolveCloudInit(
  c: ContainerModel,
  templates: ReadonlyMap<string, ParsedFile>,
  errorsOf: (f: ParsedFile) => readonly Diagnostic[],
): Diagnostic[] {
  const ci = c.settings.cloud_init;
  if (!ci) return [];
  const out: Diagnostic[] = [];
  const template = ci.template;
  const file = template === undefined ? undefined : templates.get(template);
  if (template !== undefined && !file) {
    const near = didYouMean(template, templates.keys());
    const hint = `${near ? `${near} ` : ''}Or create cloud-init/${template}.yaml.`;
    const why = `cloud_init.template "${template}" has no file cloud-init/${template}.yaml`;
    out.push(diagAt(c, 'unknown-template', why, ['cloud_init', 'template'], { hint }));
  } else if (file) {
    const broken = errorsOf(file);
    if (broken.length) return [...broken];
    // The template shapes the container's outputs: its header, restart decisions and file modes count it.
    c.layers.push(file);
  }
  checkUse(c, out);
  c.cloudInit = mergeLayers(seedLayers(c, file)).value as SeedDocuments;
  return out;
}

/**
 * The layers a seed is merged from: the template's file, then the container's own keys (its file's !reset tags
 * apply to them against the template). The origins of the merge (`explain`) name the template's lines; a value of
 * the container's keys is found through the container's own origins.
 */
export function seedLayers(c: ContainerModel, template: ParsedFile | undefined): Layer[] {
  const { template: _name, ...own } = c.settings.cloud_init ?? {};
  const layers: Layer[] = [];
  if (template) layers.push({ file: template, at: [], value: (template.value ?? {}) as Record<string, unknown> });
  layers.push({ file: c.file, at: ['cloud_init'], value: own });
  return layers;
}
