// Schemas of the other files: machinist.yaml and slices/NAME.yaml, and the table that says which schema
// validates which kind of file.
import * as z from 'zod/mini';
import type { Kind } from '../load/read.js';
import { containerSchema, passSection, resourcesSchema } from './container.js';
import { imageSchema } from './image.js';
import { cloudInitTemplateSchema } from './cloud-init.js';
import { field, port } from './values.js';

export const sliceSchema = z.strictObject({
  description: field(z.string(), "Human-readable description (the slice's Description=)."),
  resources: field(resourcesSchema, "Limits shared by everything in the slice, same keys as a container's resources."),
  unit: field(
    z.strictObject({
      Unit: field(passSection, '[Unit] keys.'),
      Slice: field(passSection, '[Slice] keys (resource control), e.g. CPUAccounting: true.'),
    }),
    "Raw slice-unit settings by section ([Unit], [Slice]), checked against systemd's key list.",
  ),
});

export const podSchema = z.strictObject({
  description: field(z.string(), "Human-readable description (the pod unit's and its port units' Description=)."),
  ports: field(
    z.array(port),
    'Pod ports published on the host, loopback included: "[tcp:]HOST[:POD]" (a .socket on the host and systemd-socket-proxyd in the pod\'s network namespace; TCP only).',
  ),
});

export const settingsSchema = z.strictObject({
  defaults: field(
    z.omit(containerSchema, { profiles: true }),
    'Settings every container starts from, before its profiles and its own file: the same keys as a container file, except profiles.',
  ),
});

export type PodInput = z.infer<typeof podSchema>;
export type SliceInput = z.infer<typeof sliceSchema>;
export type SettingsInput = z.infer<typeof settingsSchema>;

export const schemaFor: Record<Kind, z.ZodMiniType> = {
  settings: settingsSchema,
  profile: containerSchema,
  container: containerSchema,
  slice: sliceSchema,
  image: imageSchema,
  pod: podSchema,
  'cloud-init': cloudInitTemplateSchema,
};
