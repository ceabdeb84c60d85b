// Bundles the CLI and the generator into single files that run on Node >= 18 with no node_modules.
// CommonJS, because the installed files have no package.json near them to say otherwise.
//
// dist/machinist            src/main.ts
// dist/machinist-generator  generator/loader.ts, carrying the bundle of generator/main.ts as a string so that
//                           it can be compiled with a V8 code cache (see generator/loader.ts)
//
// The generator runs at every boot: it must not carry what only the CLI needs (commander, the CLI's reports,
// the JSON Schema). Each bundle's metafile is checked for that, and written to build/ for inspection
// (e.g. https://esbuild.github.io/analyze/).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
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
  logLevel: 'warning',
  metafile: true,
};
const shebang = { js: '#!/usr/bin/env node' };

function check(name, metafile, forbidden) {
  writeFileSync(`build/${name}.meta.json`, JSON.stringify(metafile));
  const inputs = Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
  const bad = inputs.filter((i) => forbidden.some((re) => re.test(i)));
  if (bad.length) {
    console.error(`build: ${name} must not include: ${bad.join(', ')}`);
    process.exitCode = 1;
  }
}

// The CLI.
const cli = await build({ ...common, banner: shebang, entryPoints: ['src/main.ts'], outfile: 'dist/machinist' });
chmodSync('dist/machinist', 0o755);
check('machinist', cli.metafile, []);

// The generator: its bundle first (in memory), then the loader that carries it.
const core = await build({ ...common, entryPoints: ['generator/main.ts'], outfile: 'build/machinist-generator.core.js', write: false });
check('machinist-generator', core.metafile, [/node_modules\/commander\//, /^src\/cli\.ts$/, /^src\/report\//, /^src\/schema\/json-schema\.ts$/, /^src\/index\.ts$/]);
const coreText = core.outputFiles[0].text;
const buildId = createHash('sha256').update(coreText).digest('hex').slice(0, 16);
await build({
  ...common,
  metafile: false,
  banner: shebang,
  entryPoints: ['generator/loader.ts'],
  outfile: 'dist/machinist-generator',
  define: { MACHINIST_CORE: JSON.stringify(coreText), MACHINIST_BUILD_ID: JSON.stringify(buildId) },
});
chmodSync('dist/machinist-generator', 0o755);
