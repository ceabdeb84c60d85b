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
    const now = renderOwned(o.doc);
    // A credential (no settings) and a cloud-init seed document (YAML, NAME.cloud-init/…): compared by their lines.
    if (o.dir === 'credstore' || (o.dir === 'nspawn' && o.rel.includes('/'))) {
      // etcDir is /etc/systemd: compile's credential store is /etc/credstore.
      const path = o.dir === 'credstore' ? join(etcDir, '..', 'credstore', o.rel) : join(etcDir, 'nspawn', o.rel);
      if (contentOf(readOr(path)) !== contentOf(now)) stale.add(o.container);
      continue;
    }
    const path = join(etcDir, o.dir === 'nspawn' ? 'nspawn' : 'system', o.rel);
    if (changedKeys(settingsOf(readOr(path)), settingsOf(now)).length) stale.add(o.container);
  }
  return [...stale].sort();
}
