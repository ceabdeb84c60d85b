// `compile` (and its --dry-run) in words: where each container's root comes from and what a new image version does.
import type { RootView } from '../translate/roots.js';

export function renderRoots(roots: readonly RootView[]): string[] {
  if (!roots.length) return [];
  const out = ['Roots from images:'];
  for (const r of roots) {
    out.push(`  ${r.container}: ${r.summary}`);
    if (r.previous !== undefined) {
      const fresh = `a fresh root (${r.storage}) from version ${r.version}`;
      out.push(`    image version changes: at its next start ${r.container} boots ${fresh};`);
      out.push(`    its root on the old version stays, unused, in ${r.previous} until \`machinist gc\` removes it`);
    }
  }
  return out;
}
