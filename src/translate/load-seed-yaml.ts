// The YAML writer of cloud-init seeds (seed-yaml.ts, with the YAML library), loaded the first time a container
// has cloud_init: (src/lazy.ts).
import { lazy } from '../lazy.js';
import type * as SeedYaml from './seed-yaml.js';

export const loadSeedYaml = lazy((): typeof SeedYaml => require('./seed-yaml.js'));
