// Modules a valid configuration never needs: the YAML library (full parse, positions for diagnostics) and the
// zod schemas that word validation errors. At boot, the generator checks a valid configuration with neither
// loaded. In the bundles, scripts/build.mjs turns each `import * as` below into a require() inside its getter,
// which esbuild initialises on first call; under tsc and the tests they are ordinary imports.
import * as yamlDoc from './load/yaml-doc.js';
import * as validation from './schema/validate.js';

export const loadYamlDoc = (): typeof yamlDoc => yamlDoc;
export const loadValidation = (): typeof validation => validation;
