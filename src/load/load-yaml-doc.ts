// The full YAML parse (yaml-doc.ts, with the YAML library), loaded the first time a file needs it: a file the
// fast path (fast-yaml.ts) does not take, or a position for a diagnostic or `machinist explain` (src/lazy.ts).
import { lazy } from '../lazy.js';
import type * as YamlDoc from './yaml-doc.js';

export const loadYamlDoc = lazy((): typeof YamlDoc => require('./yaml-doc.js'));
