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
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

mkdirSync('dist', { recursive: true });
mkdirSync('build', { recursive: true });

// 1. src/schema/accept.generated.ts, the validator generated from the zod schemas (written only when it
// changes, so that an unchanged schema does not touch the source tree).
await build({
  stdin: { contents: "export { acceptSource } from './src/schema/accept-codegen.ts'; export { schemaFor } from './src/schema/files.ts';", resolveDir: '.', loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', outfile: 'build/accept-codegen.mjs', logLevel: 'warning',
});
const { acceptSource, schemaFor } = await import(`${pathToFileURL('build/accept-codegen.mjs').href}?${Date.now()}`);
const acceptFile = 'src/schema/accept.generated.ts';
const acceptText = acceptSource(schemaFor);
if (!existsSync(acceptFile) || readFileSync(acceptFile, 'utf8') !== acceptText) writeFileSync(acceptFile, acceptText);
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
// src/lazy.ts: each `import * as NAME from 'PATH'` becomes a require('PATH') inside the getter that returns
// NAME. esbuild then wraps PATH's module graph in lazy initialisers, so the YAML library and the zod schemas are
// evaluated only when a file needs them (an error to word, a position to find).
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]lazy\.ts$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const imports = [...text.matchAll(/^import \* as (\w+) from '([^']+)';\n/gm)];
      for (const [line, name, path] of imports) {
        text = text.replace(line, '');
        const getter = new RegExp(`=> ${name};`);
        if (!getter.test(text)) throw new Error(`lazy-modules: no getter returns ${name} in ${args.path}`);
        text = text.replace(getter, `=> require('${path}');`);
      }
      if (!imports.length || /^import /m.test(text)) throw new Error(`lazy-modules: ${args.path} is not a list of \`import * as\` and getters`);
      return { contents: text, loader: 'ts' };
    });
  },
};

const common = {
  plugins: [lazyModules],
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
const CORE_MARK = 'machinist-generator bundle ';
const buildId = createHash('sha256').update(coreText).digest('hex').slice(0, 16);
// The bundle rides in a comment, the body of an empty function at the end of the loader: V8 skips a comment
// several times faster than it scans a string literal of the same size (about a millisecond at every boot), and
// the loader gets the text back from the function's own source, without reading the file again. "*/" would end
// the comment early, so it is written as "*\0/" (the bundle has no NUL: checked), and the loader turns it back.
// ASCII only (esbuild escapes everything else by default), so that no decoding can change it.
if (!/^[\x01-\x7f]*$/.test(coreText)) throw new Error('build: the generator bundle is not ASCII without NUL');
const coreComment = `/*${CORE_MARK}${buildId}\n${coreText.replaceAll('*/', '*\0/')}*/`;
const coreFunction = `function machinistCore(){${coreComment}}`;
await build({
  ...common,
  metafile: false,
  banner: shebang,
  footer: { js: coreFunction },
  entryPoints: ['generator/loader.ts'],
  outfile: 'dist/machinist-generator',
  define: { MACHINIST_BUILD_ID: JSON.stringify(buildId), MACHINIST_CORE_MARK: JSON.stringify(CORE_MARK) },
});
// The loader takes the comment in machinistCore: it must be this one, whole, and the function must end the file
// (with no NUL in the bundle, turning "*\0/" back into "*/" gives exactly the bundle; tests run the generator).
if (!readFileSync('dist/machinist-generator', 'utf8').trimEnd().endsWith(coreFunction)) {
  throw new Error('build: the generator bundle is not the function that ends dist/machinist-generator');
}
chmodSync('dist/machinist-generator', 0o755);
