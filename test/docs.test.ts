import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../src/diagnostics/catalogue.js';
import { referenceMarkdown, withReference } from '../src/report/reference.js';
import { containerSchema } from '../src/schema/container.js';

describe('README', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('carries the reference generated from the schema (run `npm run docs` after changing a schema)', () => {
    expect(withReference(readme)).toBe(readme);
  });

  it('documents every top-level key, every nested key and every diagnostic code', () => {
    const ref = referenceMarkdown();
    for (const key of Object.keys(containerSchema.shape)) expect(ref).toContain(`| \`${key}\` |`);
    for (const key of [
      'resources.memory.swap_max',
      'resources.io.read_iops_max',
      'network.ports',
      'security.capabilities.drop',
      'binds[].readonly',
      'devices[].access',
    ]) {
      expect(ref).toContain(`| \`${key}\` |`);
    }
    for (const code of Object.keys(catalogue)) expect(ref).toContain(`| \`${code}\` |`);
    expect(ref).not.toMatch(/\| `[^`]+` \| [^|]+ \| {2}\|/); // no key without a description
  });

  it('documents the merge rules and the exit codes', () => {
    expect(readme).toMatch(/## Merge rules/);
    expect(readme).toMatch(/!reset/);
    expect(readme).toMatch(/\| 0 \|[^\n]*\n\| 1 \|[^\n]*\n\| 2 \|/);
  });
});
