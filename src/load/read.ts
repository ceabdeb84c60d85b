// The only place configuration is read from disk. Everything after this works on the texts it returns.
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';

export type Kind = 'settings' | 'profile' | 'container' | 'slice';

export interface SourceFile {
  kind: Kind;
  /** Stem of the file name: the machine, profile or slice name. */
  name: string;
  /** Path relative to the config directory, e.g. containers/web.yaml. */
  rel: string;
  /** Path as shown to the user and written into headers and SourcePath=. */
  file: string;
  text: string;
}

export interface ConfigTexts {
  files: SourceFile[];
  diagnostics: Diagnostic[];
  /** False when the config directory itself does not exist (not an error for the generator). */
  exists: boolean;
}

const folders: Record<string, Kind> = { profiles: 'profile', containers: 'container', slices: 'slice' };
// Folders DESIGN.md reserves for later; reported once instead of silently ignored.
const reserved = new Set(['images', 'nodes']);

function isIgnorable(name: string): boolean {
  // Editor leftovers and hidden files, as systemd ignores them in its own directories.
  return name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp') || name.startsWith('#');
}

function yamlStem(name: string): string | undefined {
  if (name.endsWith('.yaml')) return name.slice(0, -5);
  if (name.endsWith('.yml')) return name.slice(0, -4);
  return undefined;
}

/**
 * Read every configuration file below `dir`. `shownDir` is how paths are named in diagnostics and headers
 * (the directory as it will be seen on the target system).
 */
export function readConfig(dir: string, shownDir: string = dir): ConfigTexts {
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  let top: string[];
  try {
    top = readdirSync(dir).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { files, diagnostics, exists: false };
    diagnostics.push(diag('read-error', `cannot read config directory ${dir}: ${err.message}`, { file: shownDir }));
    return { files, diagnostics, exists: true };
  }
  const read = (kind: Kind, name: string, rel: string) => {
    try {
      // O_NONBLOCK and regular files only: a FIFO or device named *.yaml would otherwise block the read forever,
      // and the boot-time generator with it (its time limit cannot interrupt a blocked system call).
      const fd = openSync(join(dir, rel), constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
        files.push({ kind, name, rel, file: join(shownDir, rel), text: readFileSync(fd, 'utf8') });
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      diagnostics.push(diag('read-error', `cannot read ${rel}: ${(e as Error).message}`, { file: join(shownDir, rel) }));
    }
  };
  for (const entry of top) {
    if (isIgnorable(entry)) continue;
    if (entry === 'machinist.yaml' || entry === 'machinist.yml') {
      read('settings', 'machinist', entry);
      continue;
    }
    const kind = folders[entry];
    if (kind === undefined) {
      const why = reserved.has(entry) ? `${entry}/ is not supported yet and is ignored` : `${entry} is not read by machinist`;
      diagnostics.push(diag('unsupported-file', why, { file: join(shownDir, entry) }));
      continue;
    }
    let names: string[];
    try {
      if (!statSync(join(dir, entry)).isDirectory()) throw new Error('not a directory');
      names = readdirSync(join(dir, entry)).sort();
    } catch (e) {
      diagnostics.push(diag('read-error', `cannot read ${entry}/: ${(e as Error).message}`, { file: join(shownDir, entry) }));
      continue;
    }
    const seen = new Map<string, string>();
    for (const n of names) {
      if (isIgnorable(n)) continue;
      const stem = yamlStem(n);
      const rel = `${entry}/${n}`;
      if (stem === undefined) {
        diagnostics.push(diag('unsupported-file', `${rel} is ignored: only .yaml files are read`, { file: join(shownDir, rel) }));
        continue;
      }
      const twin = seen.get(stem);
      if (twin !== undefined) {
        diagnostics.push(
          diag('conflicting-keys', `${rel} and ${twin} both define "${stem}"`, {
            file: join(shownDir, rel),
            hint: 'Keep one of the two files.',
          }),
        );
        continue;
      }
      seen.set(stem, rel);
      read(kind, stem, rel);
    }
  }
  return { files, diagnostics, exists: true };
}
