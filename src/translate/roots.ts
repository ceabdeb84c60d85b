// Where each container's root comes from, for `compile` and its --dry-run: the image, its version, the storage
// mode, and whether the image version changes (a fresh root; the old one kept until `gc`). Pure: the earlier
// drop-ins are read at the edge (index.ts).
import type { ContainerModel } from '../resolve/model.js';
import { containersDir, describeRoot, rootOf } from './image.js';

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
    const v: RootView = {
      container: c.name,
      image: r.image.name,
      version: r.image.version,
      storage: r.storage,
      root: r.root,
      data: r.data,
      summary: describeRoot(r),
    };
    for (const text of earlier(c.name)) {
      const before = dataDirIn(text);
      if (before !== undefined && before !== r.data) v.previous = before;
    }
    out.push(v);
  }
  return out;
}
