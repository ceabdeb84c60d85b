// Containers that `machinist compile` wrote into /etc/systemd and whose YAML changed since: the generator leaves
// them to compile (its files there win), so without a word the change would silently not apply. Compared by
// settings (emit/classify.ts), not text: a header or comment is no change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changedKeys, contentOf, settingsOf } from '../emit/classify.js';
import { renderOwned } from '../emit/ownership.js';
import type { Output } from '../translate/output.js';

const readOr = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Compiled containers whose files in etcDir differ from what their YAML gives now, by name. */
export function staleCompiled(outputs: readonly Output[], compiled: ReadonlySet<string>, etcDir: string): string[] {
  const stale = new Set<string>();
  for (const o of outputs) {
    if (o.kind !== 'file' || !o.container || !compiled.has(o.container) || stale.has(o.container)) continue;
    if (o.dir === 'credstore') {
      // etcDir is /etc/systemd: compile's credential store is /etc/credstore.
      const text = readOr(join(etcDir, '..', 'credstore', o.rel));
      if (contentOf(text) !== contentOf(renderOwned(o.doc))) stale.add(o.container);
      continue;
    }
    const path = join(etcDir, o.dir === 'nspawn' ? 'nspawn' : 'system', o.rel);
    if (changedKeys(settingsOf(readOr(path)), settingsOf(renderOwned(o.doc))).length) stale.add(o.container);
  }
  return [...stale].sort();
}
