// The schema of `cloud_init:` (a NoCloud seed for images that run cloud-init) and of a template file
// cloud-init/NAME.yaml. The three documents are free-form: cloud-init, not machinist, knows their keys, so
// machinist checks only that each is a mapping and writes it as it was read. Descriptions are the reference
// documentation, as everywhere in src/schema.
import * as z from 'zod/mini';
import { profileNamePattern } from './rules.js';
import { field, pattern } from './values.js';

/** A mapping of anything: a YAML document cloud-init reads. */
const document = z.record(z.string(), z.unknown());

export const cloudInitTemplateName = pattern(
  profileNamePattern,
  'must be a template name (cloud-init/NAME.yaml): letters, digits, "-", "_" and ".", starting with a letter or digit',
  () => 'Write the name of a file in cloud-init/ without .yaml, e.g. base.',
);

const documents = {
  user_data: field(
    document,
    'The #cloud-config document (user-data), written as YAML, e.g. { packages: [nginx], runcmd: [...] }. Minimal images need locale: false (the locale module fails where the locale was never generated) and manage_etc_hosts: true (so that the new host name resolves).',
  ),
  meta_data: field(
    document,
    'meta-data. machinist adds instance-id (iid-machinist- and a hash of the whole seed, so a changed seed is applied once at the next boot and an unchanged one never again) and local-hostname (default: the hostname: setting, else the machine name) unless given here.',
  ),
  network_config: field(
    document,
    "network-config (version 1 or 2), e.g. { version: 2, ethernets: { host0: { dhcp4: true } } }. Default with host networking: network: { config: disabled }, since cloud-init would otherwise configure the host's interfaces it sees; with any other network mode none is written unless given (cloud-init then uses its own default).",
  ),
};

export const cloudInitSchema = z.strictObject({
  template: field(
    cloudInitTemplateName,
    "A template (cloud-init/NAME.yaml, with the keys user_data, meta_data and network_config) merged under these keys: mappings merge key by key, the container's scalars win, lists are appended (without duplicates, as in every merge; !reset replaces).",
  ),
  ...documents,
});

/** cloud-init/NAME.yaml: the keys of cloud_init: but template (templates do not chain). */
export const cloudInitTemplateSchema = z.strictObject(documents);

export type CloudInitInput = z.infer<typeof cloudInitSchema>;
export type SeedDocuments = z.infer<typeof cloudInitTemplateSchema>;
