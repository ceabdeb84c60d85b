// Schemas of the other files: machinist.yaml and slices/NAME.yaml, and the table that says which schema
// validates which kind of file.
import { z } from 'zod';
import type { Kind } from '../load/read.js';
import { containerSchema, passSection, resourcesSchema } from './container.js';

export const sliceSchema = z.strictObject({
  description: z.string().optional().describe("Human-readable description (the slice's Description=)."),
  resources: resourcesSchema.optional().describe('Limits shared by everything in the slice, same keys as a container\'s resources.'),
  unit: z
    .strictObject({
      Unit: passSection.optional().describe('[Unit] keys.'),
      Slice: passSection.optional().describe('[Slice] keys (resource control), e.g. CPUAccounting: true.'),
    })
    .optional()
    .describe('Raw slice-unit settings by section ([Unit], [Slice]), checked against systemd\'s key list.'),
});

export const settingsSchema = z.strictObject({
  defaults: containerSchema
    .omit({ profiles: true })
    .optional()
    .describe('Settings every container starts from, before its profiles and its own file: the same keys as a container file, except profiles.'),
});

export type SliceInput = z.infer<typeof sliceSchema>;
export type SettingsInput = z.infer<typeof settingsSchema>;

export const schemaFor: Record<Kind, z.ZodType> = {
  settings: settingsSchema,
  profile: containerSchema,
  container: containerSchema,
  slice: sliceSchema,
};
