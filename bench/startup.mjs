#!/usr/bin/env node
// Where a small generator run's own time goes, timed inside fresh processes without a profiler (the CPU profiler
// inflates these short phases two- to threefold): reading the bundle and its code cache, V8 loading the bytecode
// from the cache (new Script), and running the generator (module set-up and the work). Medians of interleaved
// runs, per build; a build is a dist/ directory (this one, or another checkout's). Bundles are not rebuilt.
// Run: node bench/startup.mjs [--runs N] [--config DIR] [DIST ...]   (default: examples/dev/config, ./dist)
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

const root = new URL('..', import.meta.url).pathname;
const CHILD = '--child';

/** In the child: what generator/loader.ts does (read, compile with the cache, run), timed; reported on fd 3. */
function child([core, cache, ...dirs]) {
  const now = () => process.hrtime.bigint();
  const t0 = now();
  const text = readFileSync(core, 'utf8');
  const buf = readFileSync(cache);
  const t1 = now();
  const cachedData = buf.subarray(buf.indexOf(10) + 1); // after the cache's header line
  const source = `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
  const script = new Script(source, { filename: core, cachedData });
  const t2 = now();
  const ms = (a, b) => Number(b - a) / 1e6;
  const exit = process.exit;
  process.exit = (code) => {
    const row = { read: ms(t0, t1), script: ms(t1, t2), run: ms(t2, now()), rejected: script.cachedDataRejected };
    writeSync(3, `${JSON.stringify(row)}\n`);
    exit(code);
  };
  process.argv = [process.argv[0], core, ...dirs];
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(core), mod, core, dirname(core));
  process.exit();
}

function parent(args) {
  const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const runs = Number(opt('--runs', 41));
  const config = opt('--config', join(root, 'examples/dev/config'));
  const dists = args.filter((a, i) => !a.startsWith('--') && !['--runs', '--config'].includes(args[i - 1]));
  if (!dists.length) dists.push(join(root, 'dist'));
  const work = mkdtempSync('/dev/shm/machinist-startup-');
  try {
    const builds = dists.map((d, i) => {
      const dist = resolve(d);
      const cache = join(work, `${i}.cache`);
      const mk = spawnSync(process.execPath, [join(dist, 'machinist-generator'), '--write-code-cache', cache]);
      if (mk.status !== 0) throw new Error(`${dist}: --write-code-cache failed: ${mk.stderr}`);
      return { dist, core: join(dist, 'machinist-generator.core.js'), cache, rows: [] };
    });
    const out = join(work, 'out');
    const env = { PATH: process.env.PATH, MACHINIST_CONFIG_DIR: config, MACHINIST_NSPAWN_DIR: join(out, 'nspawn') };
    for (let i = 0; i < runs + 2; i++) {
      for (const b of builds) {
        rmSync(out, { recursive: true, force: true });
        mkdirSync(join(out, 'normal'), { recursive: true });
        const report = join(work, 'row');
        const fd = openSync(report, 'w');
        const dirs = ['normal', 'early', 'late'].map((d) => join(out, d));
        const argv = [new URL(import.meta.url).pathname, CHILD, b.core, b.cache, ...dirs];
        const r = spawnSync(process.execPath, argv, {
          stdio: ['ignore', 'ignore', 'pipe', fd],
          env: { ...env, MACHINIST_KMSG: '' },
        });
        closeSync(fd);
        if (r.status !== 0) throw new Error(`${b.dist}: the generator failed: ${r.stderr}`);
        if (i >= 2) b.rows.push(JSON.parse(readFileSync(report, 'utf8'))); // the first two warm the page cache
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    console.log(`${config}: median ms of ${runs} fresh processes per build`);
    for (const b of builds) {
      const cols = ['read', 'script', 'run'].map((k) => `${k} ${median(b.rows.map((r) => r[k])).toFixed(2)}`);
      const rejected = b.rows.some((r) => r.rejected) ? '  (code cache rejected)' : '';
      console.log(`${cols.join('  ')}  ${b.dist}${rejected}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === CHILD) child(process.argv.slice(3));
else parent(process.argv.slice(2));
