// Modules most runs never need: the YAML library (full parse, positions for diagnostics) and the zod schemas
// that word validation errors, which a valid configuration does without, and node:crypto and node:v8, which
// only big runs use (both load node's streams: see emit/sha256.ts, generator/tuning.ts). In the bundles,
// scripts/build.mjs turns each `import * as` below into a require() inside its getter, which runs on first
// call; under tsc and the tests they are ordinary imports.
import * as crypto from 'node:crypto';
import * as v8 from 'node:v8';
import * as yamlDoc from './load/yaml-doc.js';
import * as validation from './schema/validate.js';

export const loadYamlDoc = (): typeof yamlDoc => yamlDoc;
export const loadValidation = (): typeof validation => validation;
export const loadCrypto = (): typeof crypto => crypto;
export const loadV8 = (): typeof v8 => v8;
