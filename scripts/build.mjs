// Bundles the CLI and the generator into single files that run on Node >= 18 with no node_modules.
// CommonJS, because the installed files have no package.json near them to say otherwise.
// The generator runs at every boot: it must not carry what only the CLI needs (commander, the diff and report
// code). Each bundle's metafile is checked for that, and written to build/ for inspection
// (e.g. `npx esbuild-visualizer` or https://esbuild.github.io/analyze/).
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
mkdirSync('build', { recursive: true });
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
  metafile: true,
};
const entries = [
  { entry: 'src/main.ts', outfile: 'dist/machinist', forbidden: [] },
  {
    entry: 'generator/main.ts',
    outfile: 'dist/machinist-generator',
    // Only the CLI uses these; any of them in the generator is a regression in boot time.
    forbidden: [/node_modules\/commander\//, /^src\/cli\.ts$/, /^src\/report\//, /^src\/schema\/json-schema\.ts$/, /^src\/index\.ts$/],
  },
];
for (const { entry, outfile, forbidden } of entries) {
  const result = await build({ ...common, entryPoints: [entry], outfile });
  chmodSync(outfile, 0o755);
  const name = outfile.replace(/^dist\//, '');
  writeFileSync(`build/${name}.meta.json`, JSON.stringify(result.metafile));
  const inputs = Object.keys(result.metafile.outputs[outfile]?.inputs ?? {});
  const bad = inputs.filter((i) => forbidden.some((re) => re.test(i)));
  if (bad.length) {
    console.error(`build: ${outfile} must not include: ${bad.join(', ')}`);
    process.exitCode = 1;
  }
}
