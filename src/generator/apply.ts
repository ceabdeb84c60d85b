// Writing the generator's plan, shared by the normal run and the emergency path. Loads nothing heavy.
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { Plan } from '../emit/plan.js';
import type { Targets } from '../emit/targets.js';
import { apply } from '../emit/write.js';

/** A problem inside machinist itself, not in the configuration: the exit status is then non-zero. */
export const internal = (message: string, file?: string): Diagnostic => diag('internal-error', message, file !== undefined ? { file } : {});

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Carry out a plan one action at a time, so that one failed write does not stop the others. */
export function applyEach(p: Plan, targets: Targets, diags: Diagnostic[]): number {
  let failed = 0;
  const madeDirs = new Set<string>();
  for (const a of p.actions) {
    if (a.op === 'unchanged') continue;
    try {
      apply({ ...p, actions: [a] }, targets, { durable: false, madeDirs });
    } catch (e) {
      failed++;
      diags.push(internal(`cannot ${a.op === 'remove' ? 'remove' : 'write'} ${a.path}: ${errorText(e)}`, a.path));
    }
  }
  return failed;
}
