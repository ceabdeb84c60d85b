// The zod schemas and the wording of their errors (validate.ts), loaded the first time a file fails the checker
// generated from them (accept.generated.ts), which is all a valid configuration needs (src/lazy.ts).
import { lazy } from '../lazy.js';
import type * as Validate from './validate.js';

export const loadValidation = lazy((): typeof Validate => require('./validate.js'));
