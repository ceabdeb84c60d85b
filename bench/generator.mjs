#!/usr/bin/env node
// Benchmark of machinist-generator as a whole process, the way systemd runs it: a fresh `node` per run,
// config and output on tmpfs (like /etc in the page cache and /run), compared with `node -e 0` in the same
// run. Run: npm run bench [-- --runs N] [-- --profile]
//
// Configs: every examples/*/config (and test/generator/fixtures/*/config), plus generated configs of 100 and
// 1000 containers (a few profiles, nested slices, resources, binds, environment, networking, dependencies).
// Targets (issue #3): the examples within 1.25× of `node -e 0`; 1000 containers in under 0.2 s; peak RSS
// under 100 MiB. Ratios measured in one run are what to quote: these machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfig } from './config.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const RUNS = flag('--runs', 21);
const WARMUP = 3;
const PROFILE = args.includes('--profile');
const node = process.execPath;
const generator = join(root, 'dist/machinist-generator');

// 1. Build, so the numbers are for the current source.
const b = spawnSync(node, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

// 2. Configs on tmpfs.
const shm = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';
const work = mkdtempSync(join(shm, 'machinist-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const generated = (n) => writeConfig(n, join(work, `gen-${n}`));

const configs = [];
for (const base of ['examples', 'test/generator/fixtures']) {
  const d = join(root, base);
  if (!existsSync(d)) continue;
  for (const e of readdirSync(d).sort()) {
    const c = join(d, e, 'config');
    if (existsSync(join(c, 'containers'))) configs.push({ label: `${base === 'examples' ? '' : 'fixture:'}${e}`, dir: c, example: true });
  }
}
configs.push({ label: '100 containers', dir: generated(100), n: 100 });
configs.push({ label: '1000 containers', dir: generated(1000), n: 1000 });

// 3. Timing: each run in a fresh output tree (at boot /run is empty), outside the measured time.
const out = join(work, 'out');
const env = (config) => ({ PATH: process.env.PATH, MACHINIST_CONFIG_DIR: config, MACHINIST_NSPAWN_DIR: join(out, 'nspawn'), MACHINIST_KMSG: '' });
function once(argv, e) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'normal'), { recursive: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: e, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stderr: r.stderr };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const genArgv = [node, generator, join(out, 'normal'), join(out, 'early'), join(out, 'late')];
const baseArgv = [node, '-e', '0'];

function peakRss(argv, e) {
  if (!existsSync('/usr/bin/time')) return undefined;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'normal'), { recursive: true });
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], { env: e, encoding: 'utf8' });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) ? kb / 1024 : undefined;
}

const rows = [];
for (const c of configs) {
  const e = env(c.dir);
  const first = once(genArgv, e);
  const warnings = first.stderr.split('\n').filter(Boolean).length;
  for (let i = 0; i < WARMUP; i++) {
    once(baseArgv, e);
    once(genArgv, e);
  }
  const base = [];
  const gen = [];
  // Interleaved, so that a noisy neighbour hits both alike.
  for (let i = 0; i < RUNS; i++) {
    base.push(once(baseArgv, e).ms);
    gen.push(once(genArgv, e).ms);
  }
  const files = spawnSync('find', [out, '-type', 'f', '-o', '-type', 'l'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  rows.push({ ...c, base: median(base), gen: median(gen), min: Math.min(...gen), rss: peakRss(genArgv, e), baseRss: peakRss(baseArgv, e), files, warnings });
}

// 4. Report.
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(`\nmachinist-generator, whole process, median of ${RUNS} runs (interleaved with node -e 0), output on ${shm}; node ${process.version}\n`);
console.log(`${pad('config', 22)}${lpad('outputs', 8)}${lpad('generator', 11)}${lpad('node -e 0', 11)}${lpad('ratio', 8)}${lpad('extra', 9)}${lpad('peak RSS', 11)}  target`);
let fail = 0;
for (const r of rows) {
  const ratio = r.gen / r.base;
  const checks = [];
  if (r.example) checks.push(ratio <= 1.25 ? 'PASS ≤1.25×' : 'FAIL >1.25×');
  if (r.n === 1000) checks.push(r.gen < 200 ? 'PASS <0.2 s' : 'FAIL ≥0.2 s');
  if (r.rss !== undefined) checks.push(r.rss < 100 ? 'PASS <100 MiB' : 'FAIL ≥100 MiB');
  fail += checks.filter((x) => x.startsWith('FAIL')).length;
  console.log(
    `${pad(r.label, 22)}${lpad(r.files, 8)}${lpad(`${r.gen.toFixed(1)} ms`, 11)}${lpad(`${r.base.toFixed(1)} ms`, 11)}${lpad(`${ratio.toFixed(2)}×`, 8)}${lpad(`+${(r.gen - r.base).toFixed(1)}`, 9)}${lpad(r.rss === undefined ? '?' : `${r.rss.toFixed(0)} MiB`, 11)}  ${checks.join(', ')}${r.warnings ? `  (${r.warnings} log lines)` : ''}`,
  );
}
const baseRss = rows.find((r) => r.baseRss !== undefined)?.baseRss;
if (baseRss !== undefined) console.log(`\nnode -e 0 peak RSS: ${baseRss.toFixed(0)} MiB`);
console.log(fail ? `\n${fail} target(s) missed` : '\nall targets met');

// 5. Optional: a CPU profile of the largest config, to see where the time goes.
if (PROFILE) {
  const dir = join(root, 'build/profile');
  mkdirSync(dir, { recursive: true });
  const big = configs.at(-1);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'normal'), { recursive: true });
  spawnSync(node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', ...genArgv.slice(1)], { env: env(big.dir), stdio: 'inherit' });
  console.log(`CPU profile of "${big.label}" written to ${dir} (open in Chrome DevTools → Performance)`);
}
