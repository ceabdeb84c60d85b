// Regenerates the README's reference section from the schemas (src/report/reference.ts).
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const dir = mkdtempSync(join(tmpdir(), 'machinist-docs-'));
try {
  const outfile = join(dir, 'reference.cjs');
  await build({
    entryPoints: ['src/report/reference.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
  });
  const { withReference } = createRequire(import.meta.url)(outfile);
  const before = readFileSync('README.md', 'utf8');
  const after = withReference(before);
  if (after !== before) writeFileSync('README.md', after);
  console.log(after === before ? 'README.md reference is up to date' : 'README.md reference regenerated');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
