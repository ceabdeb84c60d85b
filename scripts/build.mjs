// Bundles the CLI and the generator into single files that run on Node >= 18 with no node_modules.
// CommonJS, because the installed files have no package.json near them to say otherwise.
//
// dist/machinist            src/main.ts
// dist/machinist-generator          generator/loader.ts, which compiles the bundle beside it with a V8 code
//                                   cache (see generator/loader.ts)
// dist/machinist-generator.core.js  generator/main.ts: the generator itself
//
// The generator runs at every boot: it must not carry what only the CLI needs (commander, the CLI's reports,
// the JSON Schema). Each bundle's metafile is checked for that, and written to build/ for inspection
// (e.g. https://esbuild.github.io/analyze/).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

mkdirSync('dist', { recursive: true });
mkdirSync('build', { recursive: true });

// 1. src/schema/accept.generated.ts, the validator generated from the zod schemas (written only when it
// changes, so that an unchanged schema does not touch the source tree).
await build({
  stdin: {
    contents:
      "export { acceptSource } from './src/schema/accept-codegen.ts'; export { schemaFor } from './src/schema/files.ts';",
    resolveDir: '.',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: 'build/accept-codegen.mjs',
  logLevel: 'warning',
});
const { acceptSource, schemaFor } = await import(`${pathToFileURL('build/accept-codegen.mjs').href}?${Date.now()}`);
const acceptFile = 'src/schema/accept.generated.ts';
const acceptText = acceptSource(schemaFor);
if (!existsSync(acceptFile) || readFileSync(acceptFile, 'utf8') !== acceptText) writeFileSync(acceptFile, acceptText);
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

// The generator: its bundle, a plain file that the loader reads and compiles with the V8 code cache
// (generator/loader.ts).
// Its first line names the build, so that a code cache made for another build is never offered to V8. ASCII
// only (esbuild escapes everything else by default): its text is the same whichever way the loader decodes it.
const coreFile = 'dist/machinist-generator.core.js';
const core = await build({ ...common, entryPoints: ['generator/main.ts'], outfile: coreFile, write: false });
check('machinist-generator', core.metafile, [
  /node_modules\/commander\//,
  /^src\/cli\.ts$/,
  /^src\/report\//,
  /^src\/schema\/json-schema\.ts$/,
  /^src\/index\.ts$/,
]);
const coreText = core.outputFiles[0].text;
if (!/^[\x00-\x7f]*$/.test(coreText)) throw new Error('build: the generator bundle is not ASCII');
const buildId = createHash('sha256').update(coreText).digest('hex').slice(0, 16);
writeFileSync(coreFile, `// machinist-generator core ${buildId}\n${coreText}`);
const loader = { entryPoints: ['generator/loader.ts'], outfile: 'dist/machinist-generator' };
await build({ ...common, ...loader, metafile: false, banner: shebang });
chmodSync('dist/machinist-generator', 0o755);
