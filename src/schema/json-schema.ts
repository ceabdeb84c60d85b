// JSON Schema for editors (yaml-language-server) and tools, generated from the same zod schemas that validate.
import * as z from 'zod/mini';
import { containerSchema } from './container.js';
import { cloudInitTemplateSchema } from './cloud-init.js';
import { podSchema, settingsSchema, sliceSchema } from './files.js';
import { imageSchema } from './image.js';

export function jsonSchema(): object {
  const one = (s: z.ZodMiniType, title: string) => ({
    title,
    ...z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }),
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'machinist configuration',
    $defs: {
      container: one(containerSchema, 'containers/NAME.yaml and profiles/NAME.yaml'),
      slice: one(sliceSchema, 'slices/NAME.yaml'),
      pod: one(podSchema, 'pods/NAME.yaml'),
      settings: one(settingsSchema, 'machinist.yaml'),
      image: one(imageSchema, 'images/NAME.yaml'),
      cloudInit: one(cloudInitTemplateSchema, 'cloud-init/NAME.yaml'),
    },
  };
}
