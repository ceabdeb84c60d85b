// `machinist gc`: which image versions and container data under /var/lib/machinist no container uses any more.
// Pure: the directory listings, the mounts and the running containers are read at the edge (index.ts, cli.ts).
// Nothing is ever deleted because a YAML file went away; only this explicit command removes data, and it says
// exactly what each path is and why it goes.
import type { Model } from '../resolve/model.js';
import { containersDir, imagesDir, rootOf } from '../translate/image.js';

export interface GcItem {
  path: string;
  /** What the path holds and why it is no longer used. */
  why: string;
  /** Set when the path is unused but still busy (mounted, or a running machine's root): then it is kept. */
  kept?: string;
}

export interface GcListing {
  /** Names in /var/lib/machinist/images. */
  images: string[];
  /** Container name → names in /var/lib/machinist/containers/NAME. */
  containers: Map<string, string[]>;
}

/** A name IMAGE_VERSION → its parts ("_" is in no image name). */
const versionOf = (id: string) => {
  const i = id.lastIndexOf('_');
  return i < 0 ? { image: id, version: '?' } : { image: id.slice(0, i), version: id.slice(i + 1) };
};

export function gcItems(model: Model, listing: GcListing, busy: (path: string) => string | undefined): GcItem[] {
  const usedImages = new Set<string>();
  const usedData = new Set<string>();
  const names = new Set(model.containers.map((c) => c.name));
  for (const c of model.containers) {
    const r = rootOf(c);
    if (!r) continue;
    usedImages.add(r.image.id);
    usedData.add(r.data);
  }
  const items: GcItem[] = [];
  const add = (path: string, why: string) => {
    const b = busy(path);
    items.push(b === undefined ? { path, why } : { path, why, kept: b });
  };
  for (const id of [...listing.images].sort()) {
    if (usedImages.has(id)) continue;
    const v = versionOf(id);
    add(`${imagesDir}/${id}`, `image ${v.image} version ${v.version}, which no container uses`);
  }
  for (const name of [...listing.containers.keys()].sort()) {
    for (const id of [...listing.containers.get(name)!].sort()) {
      const path = `${containersDir}/${name}/${id}`;
      if (usedData.has(path)) continue;
      const v = versionOf(id);
      const why = names.has(name)
        ? `root of container ${name} on image ${v.image} version ${v.version}, which it no longer uses`
        : `root of container ${name} on image ${v.image} version ${v.version}; there is no containers/${name}.yaml`;
      add(path, why);
    }
  }
  return items;
}
