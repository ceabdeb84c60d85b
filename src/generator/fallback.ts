// The generator's emergency path, after a time-out or an internal error (even one while loading machinist's
// own modules): without parsing any YAML, every container file gets a failing unit that names the reason, and
// this machinist's .nspawn files are removed, so that no container starts with stale or partial settings and
// none of them vanishes silently. Loads nothing heavy: no schema, no YAML parser.
import { readdirSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { renderLine } from '../diagnostics/render.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { readSnapshot } from '../emit/existing.js';
import { plan } from '../emit/plan.js';
import { generatorTargets } from '../emit/targets.js';
import { configStem } from '../load/read.js';
import { discardUnfinished } from '../emit/write.js';
import { translateFailing } from '../translate/failing.js';
import type { Failure } from '../translate/failing.js';
import { applyEach, internal } from './apply.js';
import type { Logger } from './log.js';

/**
 * Names usable as machine@NAME.service here. Deliberately not the schema's host-name rule (that would load the
 * schema, which may be what failed): a stricter subset of it, letters, digits, "-" and ".".
 */
const SAFE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$/;

export interface FallbackOptions {
  configDir: string;
  normal: string;
  nspawnDir: string;
  credstoreDir?: string;
  log: Logger;
}

/** Returns the number of writes that failed. */
export function generateFallback(opts: FallbackOptions, reason: string): number {
  const shownDir = resolvePath(opts.configDir);
  const targets = generatorTargets(opts.normal, opts.nspawnDir, opts.credstoreDir);
  // Machine name → its file, by the reader's rule for file names (the first of NAME.yaml and NAME.yml).
  const files = new Map<string, string>();
  try {
    for (const entry of readdirSync(join(opts.configDir, 'containers')).sort()) {
      const name = configStem(entry);
      if (name !== undefined && SAFE_NAME.test(name) && !name.includes('..') && !files.has(name))
        files.set(name, entry);
    }
  } catch {
    files.clear();
  }
  const failures: Failure[] = [...files.keys()].sort().map((name) => {
    const file = join(shownDir, 'containers', files.get(name)!);
    return { name, file, errors: [internal(reason, file)], autostart: true };
  });
  const outputs = failures.flatMap((f) => translateFailing(f, shownDir));
  const diags: Diagnostic[] = [];
  // A write the time limit cut off is ours, half-written; left there it would count as someone else's file.
  discardUnfinished();
  const p = plan(outputs, readSnapshot(targets, outputs), targets, { diffs: false });
  const failed = applyEach(p, diags);
  for (const d of diags) opts.log.log(d.severity, renderLine(d));
  if (failures.length)
    opts.log.log('info', `${failures.length} container(s) get a failing unit because of the error above`);
  return failed;
}
