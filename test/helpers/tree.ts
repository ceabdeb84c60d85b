// Walking a directory tree for the tests that compare or restore whole output trees (golden, generator, faults):
// one walk, and each suite keeps the entry shape its assertions read.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';

export interface Found {
  /** The path relative to the root, with "/" between names. */
  rel: string;
  abs: string;
  /** lstat of the entry: a symbolic link is seen as one, never followed. */
  st: Stats;
}

/**
 * Every entry below `root` (hidden names too), depth first, names sorted by code unit and a directory before
 * what it holds; a root that does not exist is an empty tree.
 */
export function walkTree(root: string): Found[] {
  const out: Found[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(root, r);
      const st = lstatSync(abs);
      out.push({ rel: r, abs, st });
      if (st.isDirectory()) walk(r);
    }
  };
  if (existsSync(root)) walk('');
  return out;
}
