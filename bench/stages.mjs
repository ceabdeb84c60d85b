#!/usr/bin/env node
// In-process timing of the generator's stages on a generated config of N containers (default 1000): the
// first (cold) run and the median of a few warm runs. Bundles the current source with esbuild first.
// Run: node bench/stages.mjs [N] [--runs R]
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeConfig } from './config.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 1000);
const ri = args.indexOf('--runs');
const RUNS = ri < 0 ? 5 : Number(args[ri + 1]);
const out = join(root, 'build/bench-stages.mjs');
await build({
  stdin: {
    contents: `
      export { readConfig } from './src/load/read.js';
      export { parseSource } from './src/load/parse.js';
      export { build } from './src/pipeline.js';
      export { resolve } from './src/resolve/resolve.js';
      export { translate } from './src/translate/index.js';
      export { accept } from './src/schema/accept.generated.js';
      export { generate } from './src/generator/run.js';
      export { readSnapshot } from './src/emit/existing.js';
      export { plan } from './src/emit/plan.js';
      export { generatorTargets } from './src/emit/targets.js';
    `,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: out,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
const m = await import(pathToFileURL(out).href);
const shm = '/dev/shm';
const work = mkdtempSync(join(shm, 'machinist-stages-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const dir = join(work, 'config');
writeConfig(n, dir);
const t = () => performance.now();
const rows = [];
for (let r = 0; r <= RUNS; r++) {
  const row = {};
  let t0 = t();
  const texts = m.readConfig(dir, dir);
  row.read = t() - t0;
  t0 = t();
  const files = texts.files.map((f) => m.parseSource(f).parsed);
  row.parse = t() - t0;
  t0 = t();
  // What the pipeline runs on a valid file: the checker generated from the schemas (zod only words errors).
  for (const f of files) if (!m.accept[f.source.kind](f.value)) throw new Error(`${f.source.rel} is not valid`);
  row.validate = t() - t0;
  t0 = t();
  const resolved = m.resolve({ files, fileErrors: new Map() });
  row.resolve = t() - t0;
  t0 = t();
  m.translate(resolved.model);
  row.translate = t() - t0;
  t0 = t();
  const b = m.build(texts.files);
  row.build = t() - t0;
  const o = join(work, `out${r}`);
  mkdirSync(join(o, 'normal'), { recursive: true });
  t0 = t();
  m.generate({
    configDir: dir,
    normal: join(o, 'normal'),
    nspawnDir: join(o, 'nspawn'),
    etcDir: join(work, 'etc'),
    log: { log() {}, close() {} },
  });
  row.generate = t() - t0;
  row['gen-build'] = row.generate - row.build;
  if (!b.outputs.length) throw new Error('no outputs');
  rows.push(row);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `${n} containers; load ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (const k of Object.keys(rows[0]))
  console.log(
    `${k.padEnd(10)} cold ${rows[0][k].toFixed(1).padStart(7)} ms   warm median ${med(rows.slice(1).map((r) => r[k]))
      .toFixed(1)
      .padStart(7)} ms`,
  );
