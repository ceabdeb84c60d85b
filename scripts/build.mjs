// Bundles the CLI and the generator into single files that run on Node >= 18 with no node_modules.
// CommonJS, because the installed files have no package.json near them to say otherwise.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
};
const entries = [
  ['src/main.ts', 'dist/machinist'],
  ['generator/main.ts', 'dist/machinist-generator'],
];
for (const [entry, outfile] of entries) {
  await build({ ...common, entryPoints: [entry], outfile });
  chmodSync(outfile, 0o755);
}
