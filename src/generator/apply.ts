// Writing the generator's plan, shared by the normal run and the emergency path. Loads nothing heavy.
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { Plan } from '../emit/plan.js';
import { foreignFile } from '../emit/plan.js';
import { applyAction, Taken } from '../emit/write.js';

/** A problem inside machinist itself, not in the configuration: the exit status is then non-zero. */
export const internal = (message: string, file?: string): Diagnostic =>
  diag('internal-error', message, file !== undefined ? { file } : {});

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Carry out a plan one action at a time, so that one failed write does not stop the others. New files in the
 * unit directory (systemd's NORMAL directory, emptied before every run and read only after the generator exits)
 * are written in place; the .nspawn directory, which nspawn may read at any moment, is written atomically.
 * A path that another writer took after the plan was made is left to it and reported like any foreign file.
 * There is no manifest to write: the generator's targets have none.
 */
export function applyEach(p: Plan, diags: Diagnostic[]): number {
  let failed = 0;
  const made = new Set<string>();
  const opts = { durable: false, direct: 'unit' as const };
  for (const a of p.actions) {
    if (a.op === 'unchanged') continue;
    try {
      applyAction(a, opts, made);
    } catch (e) {
      if (e instanceof Taken) {
        diags.push(foreignFile(a.path, a.container, a.kind));
        continue;
      }
      failed++;
      diags.push(internal(`cannot ${a.op === 'remove' ? 'remove' : 'write'} ${a.path}: ${errorText(e)}`, a.path));
    }
  }
  return failed;
}
