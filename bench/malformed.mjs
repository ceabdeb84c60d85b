// What one malformed file can cost: every file of the malformed corpus (test/hostile/corpus.mjs), next to a
// good container, through `machinist validate` (the built bundle, one process per run), against a config whose
// only file is trivial. Prints wall time and peak memory (max RSS) per file as ratios to the trivial file, the
// worst case, and exits 1 if any file is beyond the bounds below (so a regression that makes one file's cost
// grow without bound shows here). Run with `npm run bench:malformed`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { malformedCorpus, trivialFile } from '../test/hostile/corpus.mjs';

const cli = fileURLToPath(new URL('../dist/machinist', import.meta.url));
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
/** Bounds, as ratios to the trivial file: generous for a loaded machine, far below what unbounded input costs. */
const MAX_TIME_RATIO = 40;
const MAX_MEMORY_RATIO = 4;

// Runs the CLI bundle inside this small host so that its own time and peak memory can be read at exit.
const host = `
const started = process.hrtime.bigint();
process.on('exit', () => {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  require('fs').writeSync(3, JSON.stringify({ ms, rssKiB: process.resourceUsage().maxRSS }));
});
const args = ['validate', '--format', 'json', '--config', process.env.BENCH_CONFIG];
process.argv = [process.argv[0], ${JSON.stringify(cli)}, ...args];
require(${JSON.stringify(cli)});
`;

function measureOnce(configDir) {
  const r = spawnSync(process.execPath, ['-e', host], {
    env: { ...process.env, BENCH_CONFIG: configDir },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  const out = r.output[3]?.toString() ?? '';
  if (!out) throw new Error(`validate did not finish (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return { ...JSON.parse(out), status: r.status };
}

/** The median time and the largest peak memory of RUNS runs. */
function measure(configDir) {
  const runs = Array.from({ length: RUNS }, () => measureOnce(configDir));
  const times = runs.map((r) => r.ms).sort((a, b) => a - b);
  const rssKiB = Math.max(...runs.map((r) => r.rssKiB));
  return { ms: times[Math.floor(times.length / 2)], rssKiB, status: runs[0].status };
}

const base = mkdtempSync(join(tmpdir(), 'machinist-bench-malformed-'));
try {
  const configFor = (file, withGood) => {
    const dir = join(base, file.name);
    mkdirSync(join(dir, 'containers'), { recursive: true });
    writeFileSync(join(dir, 'containers', 'bad.yaml'), file.bytes);
    if (withGood) writeFileSync(join(dir, 'containers', 'good.yaml'), 'description: Good\nautostart: true\n');
    return dir;
  };
  const trivial = measure(configFor(trivialFile, true));
  const mib = (kib) => (kib / 1024).toFixed(1);
  console.log(
    `trivial file: ${trivial.ms.toFixed(0)} ms, ${mib(trivial.rssKiB)} MiB (median of ${RUNS} runs; ratios are to this)`,
  );
  console.log('file                            bytes   time  ratio  memory ratio  exit');
  let worstTime = { ratio: 0 };
  let worstMemory = { ratio: 0 };
  let beyond = 0;
  for (const file of malformedCorpus()) {
    const m = measure(configFor(file, true));
    const t = m.ms / trivial.ms;
    const r = m.rssKiB / trivial.rssKiB;
    if (t > worstTime.ratio) worstTime = { ratio: t, name: file.name, ms: m.ms };
    if (r > worstMemory.ratio) worstMemory = { ratio: r, name: file.name, kib: m.rssKiB };
    const over = t > MAX_TIME_RATIO || r > MAX_MEMORY_RATIO;
    if (over) beyond++;
    const cells = [
      file.name.padEnd(30),
      String(file.bytes.length).padStart(6),
      `${m.ms.toFixed(0).padStart(5)}ms`,
      `${t.toFixed(1).padStart(5)}x`,
      `${mib(m.rssKiB).padStart(5)}M`,
      `${r.toFixed(2).padStart(5)}x `,
      `${m.status}${over ? '  BEYOND BOUNDS' : ''}`,
    ];
    console.log(cells.join(' '));
  }
  const { name: slow, ms, ratio: tr } = worstTime;
  const { name: big, kib, ratio: mr } = worstMemory;
  console.log(
    `worst time:   ${slow}: ${ms.toFixed(0)} ms, ${tr.toFixed(1)}x the trivial file (bound ${MAX_TIME_RATIO}x)`,
  );
  console.log(`worst memory: ${big}: ${mib(kib)} MiB, ${mr.toFixed(2)}x the trivial file (bound ${MAX_MEMORY_RATIO}x)`);
  if (beyond) {
    console.log(`${beyond} file(s) beyond the bounds`);
    process.exitCode = 1;
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
