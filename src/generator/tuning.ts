// V8 tuning for big runs. A generator run is short and cold: each container's code runs once per container
// and then never again. With V8's default tiering budget, code that runs a few hundred times is sent to the
// optimising compiler, whose work (and the deoptimisations that follow) is mostly wasted before the run ends:
// at 1000 containers about a third of the CPU time. A budget 15 times the default keeps such code in the
// interpreter and baseline compiler, where it finishes soonest; code that really runs long is still optimised.
// And nearly everything a run allocates stays alive until its end (texts, models, outputs), so each young-
// generation collection copies most of what it finds: letting the young generation grow 8-fold instead of 2-fold
// after each one saves about half of them (peak memory stays the same: measured at 1000 containers).
//
// Set at run time, for big configurations only, after the generator's own code has been compiled: V8 accepts a
// code cache only under the flags it was made with (loader.ts makes it with the defaults), and node:v8 loads
// node's stream modules, which a small run does not need. Called before the generator's time limit starts: a
// module load cut off halfway leaves node's module cache broken for everything that loads it later.
// Node warns that flags changed at run time may do nothing or worse; these two are plain numbers V8 reads
// afresh each time it uses them (a function's budget when it is reset, the growth factor when the young
// generation grows), which is why they take effect, and nothing is built on their earlier values. Measured: at
// 1000 containers, 13% less wall time and a third less CPU; at 10,000, 9% more wall time (more code would
// have paid for its optimisation there), which is the trade taken.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectHashes } from '../emit/sha256.js';
import { loadV8 } from '../lazy.js';

/** From this many container files on (fewer: the default budget is as good, and loading node:v8 costs more). */
export const BIG_RUN = 200;
const FLAGS = '--interrupt-budget=1000000 --semi-space-growth-factor=8';

/** Tune V8 for a big run: when containers/ has BIG_RUN entries or more (counted, not read: a cheap estimate). */
export function tuneForSize(configDir: string): boolean {
  let n = 0;
  try {
    n = readdirSync(join(configDir, 'containers')).length;
  } catch {
    return false;
  }
  if (n < BIG_RUN) return false;
  // Node's own modules come with a code cache that, too, only fits the default flags: node:crypto (hashes for
  // two files or so per container, see sha256.ts) is loaded first, while it still does (5 ms rather than 12).
  expectHashes(2 * n);
  loadV8().setFlagsFromString(FLAGS);
  return true;
}
