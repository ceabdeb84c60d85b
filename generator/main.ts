// machinist-generator NORMAL EARLY LATE (systemd.generator(7)), installed in /usr/lib/systemd/system-generators.
// Runs at boot and at every `systemctl daemon-reload`: reads /etc/machinist and writes units, drop-ins and
// .wants links into NORMAL and .nspawn files into /run/systemd/nspawn. Boot rules: no network, nothing under
// /var, no other processes, a hard bound on run time, logs to /dev/kmsg and stderr.
//
// Exit status: 0 when everything that could be generated was (configuration errors become failing units and
// are logged, they are not a generator failure); 1 on an internal error or time-out, after writing what it
// could (then every container gets a failing unit naming the reason); 2 on bad arguments.
//
// Test overrides: MACHINIST_CONFIG_DIR (default /etc/machinist), MACHINIST_NSPAWN_DIR (default
// /run/systemd/nspawn), MACHINIST_KMSG (default /dev/kmsg; empty turns kernel logging off),
// MACHINIST_TIME_LIMIT_MS (default 10000).
import { Script } from 'node:vm';
import { generateFallback } from '../src/generator/fallback.js';
import { createLogger } from '../src/generator/log.js';
// Type only: the pipeline (YAML parser, schema) is loaded inside the time limit and the error handling below,
// so that even a failure while loading it ends in failing units and a logged reason, not a bare stack trace.
import type * as Run from '../src/generator/run.js';

/** systemd kills a generator after 90 s; ours gives up long before, so boot is never held up by machinist. */
const TIME_LIMIT_MS = 10_000;
/** For the failing units written after a time-out: no YAML is parsed then, so this is plenty. */
const FALLBACK_MS = 2_000;

function timeLimit(value: string | undefined): number {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : TIME_LIMIT_MS;
}

/**
 * Run synchronous work with a hard time limit. A timer cannot interrupt synchronous code, so the call goes
 * through vm with a timeout: V8's watchdog thread stops the JavaScript wherever it is (even inside a runaway
 * regular expression), and an ERR_SCRIPT_EXECUTION_TIMEOUT error is thrown here.
 */
function runBounded(work: () => void, ms: number): void {
  (globalThis as Record<string, unknown>)['__machinistWork'] = work;
  try {
    new Script('__machinistWork()', { filename: 'machinist-generator' }).runInThisContext({ timeout: ms });
  } finally {
    delete (globalThis as Record<string, unknown>)['__machinistWork'];
  }
}

function main(): number {
  const env = process.env;
  const log = createLogger({ kmsg: env['MACHINIST_KMSG'] ?? '/dev/kmsg' });
  try {
    const args = process.argv.slice(2);
    if (args.length !== 1 && args.length !== 3) {
      log.log('error', `usage: machinist-generator NORMAL [EARLY LATE] (got ${args.length} arguments)`);
      return 2;
    }
    const limit = timeLimit(env['MACHINIST_TIME_LIMIT_MS']);
    const opts = {
      configDir: env['MACHINIST_CONFIG_DIR'] || '/etc/machinist',
      normal: args[0]!,
      nspawnDir: env['MACHINIST_NSPAWN_DIR'] || '/run/systemd/nspawn',
      credstoreDir: env['MACHINIST_CREDSTORE_DIR'] || '/run/credstore',
      log,
    };
    let result: ReturnType<typeof Run.generate> | undefined;
    try {
      runBounded(() => {
        // esbuild turns this into a lazy module initialisation inside the bundle.
        const { generate } = require('../src/generator/run.js') as typeof Run;
        result = generate(opts);
      }, limit);
    } catch (e) {
      const timedOut = (e as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
      const reason = timedOut
        ? `machinist-generator gave up after ${limit / 1000} s`
        : `machinist-generator failed: ${(e as Error).message}`;
      log.log(
        'error',
        timedOut ? `${reason}; the output may be incomplete` : `internal error: ${(e as Error).stack ?? String(e)}`,
      );
      try {
        runBounded(() => generateFallback(opts, reason), FALLBACK_MS);
      } catch (e2) {
        log.log('error', `could not write failing units either: ${(e2 as Error).message}`);
      }
      return 1;
    }
    return result && result.internalErrors === 0 ? 0 : 1;
  } finally {
    log.close();
  }
}

process.exitCode = main();
