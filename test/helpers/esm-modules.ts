// The test runner runs machinist's sources as ES modules, which cannot load a module synchronously on first use
// as the bundles do (src/lazy.ts): the modules the pipeline loads lazily are imported here, before every test
// file, and handed over. That the bundled generator does not load them for a valid configuration is proved on
// the bundle itself (test/generator/lazy-load.test.ts).
import { loadYamlDoc } from '../../src/load/load-yaml-doc.js';
import * as yamlDoc from '../../src/load/yaml-doc.js';
import { loadValidation } from '../../src/schema/load-validation.js';
import * as validation from '../../src/schema/validate.js';
import { loadSeedYaml } from '../../src/translate/load-seed-yaml.js';
import * as seedYaml from '../../src/translate/seed-yaml.js';

loadYamlDoc.provide(yamlDoc);
loadValidation.provide(validation);
loadSeedYaml.provide(seedYaml);
