// cloud_init: → a NoCloud seed: meta-data, user-data (#cloud-config) and network-config, written next to the
// container's .nspawn file (NAME.cloud-init/) and bound read-only where cloud-init looks for a local seed. What
// cloud-init 22.4 does with it in an nspawn guest was measured (reference/identity-credentials-252.md): its
// generator finds the seed at boot, a new instance-id makes it apply the seed once more, the same one never.
import type { Diagnostic } from '../diagnostics/types.js';
import type { ContainerModel } from '../resolve/model.js';
import { diagAt } from '../resolve/model.js';
import { loadSeedYaml } from './load-seed-yaml.js';
import type { GeneratedFile, YamlDoc } from './output.js';
import { header } from './output.js';
import { bootParameters } from './nspawn.js';
import type { OwnBind } from './nspawn.js';

/** Where cloud-init looks for a NoCloud seed on the guest's own file system. */
export const SEED_MOUNT = '/var/lib/cloud/seed/nocloud';

/** The seed directory of a machine, relative to the .nspawn directory. */
export const seedDirName = (machine: string) => `${machine}.cloud-init`;

export interface Seed {
  files: GeneratedFile[];
  /** The seed's directory on the host, bound read-only at SEED_MOUNT. */
  bind: OwnBind;
  instanceId: string;
}

/** With host networking cloud-init would write a network configuration for the host's own interfaces. */
const DISABLED = { network: { config: 'disabled' } };

/** The host name systemd.hostname= gives a booted guest, if any (nspawn.ts decides). */
const bootHostname = (c: ContainerModel): string | undefined =>
  bootParameters(c)
    .find((p) => p.startsWith('systemd.hostname='))
    ?.slice('systemd.hostname='.length);

/** A local-hostname other than the one systemd.hostname= sets: each boot would start with one, then the other. */
function checkHostname(c: ContainerModel, local: unknown, out: Diagnostic[]): void {
  const boots = bootHostname(c);
  if (boots === undefined || local === boots) return;
  const why = `cloud_init.meta_data.local-hostname "${String(local)}" differs from the host name "${boots}" the guest boots with (systemd.hostname=)`;
  const hint = `Set hostname: ${String(local)} instead and leave local-hostname out (it defaults to the host name).`;
  const at = ['cloud_init', 'meta_data', 'local-hostname'];
  out.push(diagAt(c, 'conflicting-keys', why, at, { hint, severity: 'warning' }));
}

/** The three documents as YAML text, or undefined after a diagnostic about a value YAML 1.1 cannot carry. */
function documents(c: ContainerModel, out: Diagnostic[]) {
  const docs = c.cloudInit!;
  const host = (c.settings.network?.mode ?? 'host') === 'host';
  const network = docs.network_config ?? (host ? DISABLED : undefined);
  const meta: Record<string, unknown> = { 'local-hostname': bootHostname(c) ?? c.name, ...docs.meta_data };
  checkHostname(c, meta['local-hostname'], out);
  const { seedYaml, SeedValueError } = loadSeedYaml();
  const render = (key: string, value: Record<string, unknown>) => {
    try {
      return seedYaml(value);
    } catch (e) {
      if (!(e instanceof SeedValueError)) throw e;
      const at = ['cloud_init', key, ...e.at];
      out.push(
        diagAt(c, 'unencodable-value', `${at.join('.')} ${e.message}`, at, {
          hint: 'Write it in quotes if it is text; cloud-init reads a number with an exponent but no "." as text.',
        }),
      );
      return undefined;
    }
  };
  const user = render('user_data', docs.user_data ?? {});
  const net = network && render('network_config', network);
  const metaText = render('meta_data', meta);
  if (user === undefined || metaText === undefined || (network && net === undefined)) return undefined;
  return { user, network: net, meta, metaText };
}

/**
 * The seed of a container with cloud_init:, or undefined (none, or a value that cannot be written: then `out`
 * has the error). `nspawnDir` is the .nspawn directory as the running system sees it.
 */
export function translateSeed(c: ContainerModel, nspawnDir: string, out: Diagnostic[]): Seed | undefined {
  if (!c.cloudInit) return undefined;
  const d = documents(c, out);
  if (!d) return undefined;
  // The instance-id is a hash of everything else in the seed: it changes exactly when the seed does. One given
  // in meta_data is kept (then its author decides when the seed applies again).
  const given = d.meta['instance-id'];
  const instanceId =
    given !== undefined ? String(given) : loadSeedYaml().instanceIdOf([d.user, d.network ?? '', d.metaText]);
  const metaText = loadSeedYaml().seedYaml({ 'instance-id': instanceId, ...d.meta });
  const dir = seedDirName(c.name);
  const template = c.settings.cloud_init?.template;
  const comments = header(c.file.source.file, template ? `template: ${template}` : undefined, 'nspawn');
  const file = (name: string, body: string, magic?: string): GeneratedFile => {
    const doc: YamlDoc = { format: 'yaml', comments, body, ...(magic ? { magic } : {}) };
    return { kind: 'file', dir: 'nspawn', rel: `${dir}/${name}`, doc, container: c.name };
  };
  const files = [file('meta-data', metaText)];
  if (d.network !== undefined) files.push(file('network-config', d.network));
  files.push(file('user-data', d.user, '#cloud-config'));
  return { files, bind: { source: `${nspawnDir}/${dir}`, target: SEED_MOUNT }, instanceId };
}
