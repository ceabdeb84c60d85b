#!/usr/bin/env node
// Benchmark of machinist-generator as a whole process, the way systemd runs it: a fresh `node` per run,
// config and output on tmpfs (like /etc in the page cache and /run), compared with `node -e 0` in the same
// run. Run: npm run bench [-- --runs N] [-- --profile] [-- --baseline DIR ...]
//
// --baseline DIR compares with another build in the same interleaved run: DIR is a checkout whose bundles are
// built (e.g. `git worktree add /tmp/base COMMIT && cd /tmp/base && ln -s $PWD/node_modules . && npm run build`).
// Its generator runs with its own code cache, as installed; its "vs base" column is the median, over the rounds, of
// this build's time over its in the same round.
// Repeatable: each DIR gets its own columns, in the order given (say, a commit as it was and as patched).
//
// Configs: every examples/*/config (and test/generator/fixtures/*/config), plus generated configs of 100 and
// 1000 containers (a few profiles, nested slices, resources, binds, environment, networking, dependencies).
// Targets (issue #3): the examples within 1.25× of `node -e 0`; 1000 containers in under 0.2 s; peak RSS
// under 100 MiB. Ratios measured in one run are what to quote: these machines are shared and noisy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
const baselineDirs = args.flatMap((a, i) => (a === '--baseline' && args[i + 1] ? [args[i + 1]] : []));
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
    if (existsSync(join(c, 'containers')))
      configs.push({ label: `${base === 'examples' ? '' : 'fixture:'}${e}`, dir: c, example: true });
  }
}
configs.push({ label: '100 containers', dir: generated(100), n: 100 });
configs.push({ label: '1000 containers', dir: generated(1000), n: 1000 });

// 3. Timing: each run in a fresh output tree (at boot /run is empty), outside the measured time. Two ways
// to run the generator: "cold" (no code cache: every byte of JavaScript parsed and compiled) and "installed"
// (with the V8 code cache that `make install` and the Debian package make for the machine's node).
const out = join(work, 'out');
const cache = join(work, 'machinist-generator.cache');
function writeCodeCache(bin, file) {
  const mk = spawnSync(node, [bin, '--write-code-cache', file], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  if (mk.status !== 0) throw new Error(`${bin} --write-code-cache failed: ${mk.stderr}`);
}
writeCodeCache(generator, cache);
const baselines = baselineDirs.map((dir, i) => ({
  key: `baseline${i}`,
  bin: join(dir, 'dist/machinist-generator'),
  cache: join(work, `baseline${i}.cache`),
}));
for (const b of baselines) writeCodeCache(b.bin, b.cache);
// A clean environment, as a generator has at boot (NODE_OPTIONS or NODE_EXTRA_CA_CERTS would slow node -e 0 too).
const env = (config, cacheFile) => ({
  PATH: process.env.PATH,
  MACHINIST_CONFIG_DIR: config,
  MACHINIST_NSPAWN_DIR: join(out, 'nspawn'),
  MACHINIST_KMSG: '',
  MACHINIST_CODE_CACHE: cacheFile,
});
/** Children's CPU time so far (user + system, in clock ticks of 10 ms), from /proc/self/stat. */
function childTicks() {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return Number(f[13]) + Number(f[14]);
  } catch {
    return NaN;
  }
}
function once(argv, e) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'normal'), { recursive: true });
  const c0 = childTicks();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: e, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpu: (childTicks() - c0) * 10, stderr: r.stderr };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const outDirs = [join(out, 'normal'), join(out, 'early'), join(out, 'late')];
const genArgv = [node, generator, ...outDirs];
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
  const variants = {
    base: [baseArgv, env(c.dir, '')],
    cold: [genArgv, env(c.dir, join(work, 'no-cache'))],
    installed: [genArgv, env(c.dir, cache)],
    ...Object.fromEntries(baselines.map((b) => [b.key, [[node, b.bin, ...outDirs], env(c.dir, b.cache)]])),
  };
  const first = once(...variants.installed);
  const logLines = first.stderr.split('\n').filter(Boolean).length;
  for (let i = 0; i < WARMUP; i++) for (const v of Object.values(variants)) once(...v);
  const t = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  // Interleaved, so that a noisy neighbour hits all three alike.
  for (let i = 0; i < RUNS; i++) for (const [k, v] of Object.entries(variants)) t[k].push(once(...v));
  const files = spawnSync('find', [out, '-type', 'f', '-o', '-type', 'l'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean).length;
  const stat = (k) => ({ ms: median(t[k].map((x) => x.ms)), cpu: mean(t[k].map((x) => x.cpu)) });
  rows.push({
    ...c,
    base: stat('base'),
    cold: stat('cold'),
    installed: stat('installed'),
    // Paired: each round runs every variant back to back, so the median of the rounds' ratios cancels what
    // a noisy neighbour does to a whole round (the ratio of the two medians would not).
    baselines: baselines.map((b) => ({
      ...stat(b.key),
      vs: median(t.installed.map((x, i) => x.ms / t[b.key][i].ms)),
    })),
    rss: peakRss(...variants.installed),
    rssCold: peakRss(...variants.cold),
    baseRss: peakRss(...variants.base),
    files,
    logLines,
  });
}

// 4. Report.
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(
  `\nmachinist-generator, whole process: median wall time of ${RUNS} runs, interleaved with node -e 0; mean CPU (user+sys)`,
);
console.log(
  `in brackets. Config and output on ${shm}; node ${process.version}; ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} load average.`,
);
console.log('cold: no code cache. installed: with the code cache that make install / the Debian package create.');
for (const [i, b] of baselines.entries())
  console.log(`baseline ${i + 1}: ${b.bin}, installed likewise; vs base: median of each round's installed / its time.`);
console.log('');
const baseHead = baselines
  .map((_, i) => `${lpad(`baseline ${i + 1}`, 18)}${lpad('ratio', 7)}${lpad('vs base', 9)}`)
  .join('');
console.log(
  `${pad('config', 18)}${lpad('outputs', 8)}${lpad('node -e 0', 18)}${lpad('cold', 18)}${lpad('ratio', 7)}` +
    `${lpad('installed', 18)}${lpad('ratio', 7)}${baseHead}${lpad('peak RSS', 10)}  targets (installed)`,
);
let fail = 0;
for (const r of rows) {
  const cold = r.cold.ms / r.base.ms;
  const inst = r.installed.ms / r.base.ms;
  const checks = [];
  if (r.example) checks.push(inst <= 1.25 ? 'PASS ≤1.25×' : 'FAIL >1.25×');
  if (r.n === 1000) checks.push(r.installed.ms < 200 ? 'PASS <0.2 s' : 'FAIL ≥0.2 s');
  if (r.rss !== undefined) checks.push(r.rss < 100 ? 'PASS <100 MiB' : 'FAIL ≥100 MiB');
  fail += checks.filter((x) => x.startsWith('FAIL')).length;
  const cell = (x) => `${ms(x.ms)} [${x.cpu.toFixed(0)}]`;
  const vsBase = r.baselines
    .map(
      (x) =>
        `${lpad(cell(x), 18)}${lpad(`${(x.ms / r.base.ms).toFixed(2)}×`, 7)}` +
        `${lpad(`${((x.vs - 1) * 100).toFixed(1)}%`, 9)}`,
    )
    .join('');
  const rss = lpad(r.rss === undefined ? '?' : `${r.rss.toFixed(0)} MiB`, 10);
  console.log(
    `${pad(r.label, 18)}${lpad(r.files, 8)}${lpad(cell(r.base), 18)}${lpad(cell(r.cold), 18)}${lpad(`${cold.toFixed(2)}×`, 7)}` +
      `${lpad(cell(r.installed), 18)}${lpad(`${inst.toFixed(2)}×`, 7)}${vsBase}${rss}` +
      `  ${checks.join(', ')}${r.logLines ? `  (${r.logLines} log lines)` : ''}`,
  );
}
const baseRss = rows.find((r) => r.baseRss !== undefined)?.baseRss;
if (baseRss !== undefined)
  console.log(
    `\npeak RSS of node -e 0: ${baseRss.toFixed(0)} MiB; of the generator without code cache on the largest config: ${rows.at(-1).rssCold?.toFixed(0)} MiB`,
  );
console.log(fail ? `\n${fail} target(s) missed` : '\nall targets met');

// 5. Optional: a CPU profile of the largest config, to see where the time goes.
if (PROFILE) {
  const dir = join(root, 'build/profile');
  mkdirSync(dir, { recursive: true });
  const big = configs.at(-1);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'normal'), { recursive: true });
  spawnSync(node, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', ...genArgv.slice(1)], {
    env: env(big.dir, join(work, 'no-cache')),
    stdio: 'inherit',
  });
  console.log(`CPU profile of "${big.label}" written to ${dir} (open in Chrome DevTools → Performance)`);
}
