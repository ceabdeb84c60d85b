// Where each container's root comes from, for `compile` (and its --dry-run) and `explain`: the image, its version,
// the storage mode, and what a change of image version does (a fresh root; the old one kept until `gc`).
import type { ContainerModel } from '../resolve/model.js';
import { containersDir, describeRoot, rootOf } from '../translate/image.js';

export interface RootView {
  container: string;
  image: string;
  version: string;
  storage: 'overlay' | 'copy';
  /** What systemd-nspawn boots. */
  root: string;
  /** The container's data for this image version. */
  data: string;
  summary: string;
  /** The data directory of the image version the container used before, when that changes. */
  previous?: string;
}

/** The data directory named by a root drop-in written earlier (its MACHINIST_LAYERS=), if any. */
export function dataDirIn(text: string): string | undefined {
  const m = new RegExp(`MACHINIST_LAYERS=(${containersDir}/[^\\s"/]+/[^\\s"/]+)`).exec(text);
  return m?.[1];
}

/**
 * The roots of the containers that have a declared image. `earlier(name)` gives the texts of the root drop-ins
 * written for that container before (read at the edge), from which a change of image version is seen.
 */
export function rootViews(containers: readonly ContainerModel[], earlier: (name: string) => string[]): RootView[] {
  const out: RootView[] = [];
  for (const c of containers) {
    const r = rootOf(c);
    if (!r) continue;
    const v: RootView = { container: c.name, image: r.image.name, version: r.image.version, storage: r.storage, root: r.root, data: r.data, summary: describeRoot(r) };
    for (const text of earlier(c.name)) {
      const before = dataDirIn(text);
      if (before !== undefined && before !== r.data) v.previous = before;
    }
    out.push(v);
  }
  return out;
}

export function renderRoots(roots: readonly RootView[]): string[] {
  if (!roots.length) return [];
  const out = ['Roots from images:'];
  for (const r of roots) {
    out.push(`  ${r.container}: ${r.summary}`);
    if (r.previous !== undefined) {
      out.push(`    image version changes: at its next start ${r.container} boots a fresh root (${r.storage}) from version ${r.version};`);
      out.push(`    its root on the old version stays, unused, in ${r.previous} until \`machinist gc\` removes it`);
    }
  }
  return out;
}
