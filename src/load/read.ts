// The only place configuration is read from disk. Everything after this works on the texts it returns.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic, Pos } from '../diagnostics/types.js';
import { FileTooLarge, readRegularFileWith } from '../fs/read.js';
import { MAX_FILE_BYTES, sizeText } from './limits.js';
import { bytePos, firstInvalidUtf8 } from './utf8.js';

export type Kind = 'settings' | 'profile' | 'container' | 'slice' | 'image' | 'pod' | 'cloud-init';

export interface SourceFile {
  kind: Kind;
  /** Stem of the file name: the machine, profile or slice name. */
  name: string;
  /** Path relative to the config directory, e.g. containers/web.yaml. */
  rel: string;
  /** Path as shown to the user and written into headers and SourcePath=. */
  file: string;
  text: string;
  /**
   * True when others cannot read it (no read bit for others on the file, or no search bit on its folder or the
   * config directory): what is made from it must not be readable by others either.
   */
  private?: boolean;
  /** True when only its owner may read it (no read bit for group or others): a password hash must be in one. */
  ownerOnly?: boolean;
}

export interface ConfigTexts {
  files: SourceFile[];
  diagnostics: Diagnostic[];
  /** False when the config directory itself does not exist (not an error for the generator). */
  exists: boolean;
}

const folders: Record<string, Kind> = {
  profiles: 'profile',
  containers: 'container',
  slices: 'slice',
  images: 'image',
  pods: 'pod',
  'cloud-init': 'cloud-init',
};
// Folders DESIGN.md reserves for later; reported once instead of silently ignored.
const reserved = new Set(['nodes']);

function isIgnorable(name: string): boolean {
  // Editor leftovers and hidden files, as systemd ignores them in its own directories.
  return name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp') || name.startsWith('#');
}

/** The configuration directory when neither --config nor MACHINIST_CONFIG_DIR names one. */
export const DEFAULT_CONFIG_DIR = '/etc/machinist';

/** The extensions of configuration files (shell completions list container names by them too). */
export const CONFIG_EXTENSIONS = ['.yaml', '.yml'] as const;

/**
 * The one rule for which files are configuration: NAME.yaml or NAME.yml (both read, one per name). Returns NAME,
 * or undefined for any other file name. The generator's emergency path finds container files by it too.
 */
export function configStem(fileName: string): string | undefined {
  const ext = CONFIG_EXTENSIONS.find((e) => fileName.endsWith(e));
  return ext ? fileName.slice(0, -ext.length) || undefined : undefined;
}

/** Thrown for a configuration file that is not UTF-8, with where its first bad byte is. */
export class NotUtf8 extends Error {
  constructor(
    readonly pos: Pos,
    byte: number,
  ) {
    super(`is not valid UTF-8: byte 0x${byte.toString(16).padStart(2, '0')} at line ${pos.line}, column ${pos.col}`);
  }
}

/** The text of a configuration file: at most MAX_FILE_BYTES (else FileTooLarge), and UTF-8 (else NotUtf8). */
export function readConfigFile(path: string, stat?: { mode: number }): string {
  const decode = (bytes: Buffer, len: number) => {
    const bad = firstInvalidUtf8(bytes, len);
    if (bad >= 0) throw new NotUtf8(bytePos(bytes, bad), bytes[bad]!);
    return bytes.toString('utf8', 0, len);
  };
  return readRegularFileWith(path, MAX_FILE_BYTES, decode, stat);
}

/** What a reading of the config directory collects, and the stat buffer its reads share. */
interface Reading {
  files: SourceFile[];
  diagnostics: Diagnostic[];
  stat: { mode: number };
}

/** Read one file into `r`: private when others cannot read it or cannot enter a folder above it (`shut`). */
function readInto(r: Reading, kind: Kind, name: string, rel: string, path: string, file: string, shut: boolean) {
  try {
    const text = readConfigFile(path, r.stat);
    const closed = shut || (r.stat.mode & 0o004) === 0;
    const f: SourceFile = closed ? { kind, name, rel, file, text, private: true } : { kind, name, rel, file, text };
    if ((r.stat.mode & 0o044) === 0) f.ownerOnly = true;
    r.files.push(f);
  } catch (e) {
    if (e instanceof FileTooLarge) {
      const message = `${rel} is ${e.size} bytes; a configuration file may hold at most ${sizeText(MAX_FILE_BYTES)}`;
      r.diagnostics.push(diag('file-too-large', message, { file }));
    } else if (e instanceof NotUtf8) {
      r.diagnostics.push(diag('invalid-encoding', `${rel} ${e.message}`, { file, pos: e.pos }));
    } else r.diagnostics.push(diag('read-error', `cannot read ${rel}: ${(e as Error).message}`, { file }));
  }
}

/** Read the YAML files of one folder (profiles/, containers/, …) of the config directory into `r`. */
function readFolder(r: Reading, kind: Kind, entry: string, dir: string, shownDir: string, closed: boolean) {
  // Both joined once: a name from readdir has no slash and is not "." or "..", so appending "/name" to a
  // joined folder is what join would return, for a thousand files without a thousand joins.
  const folder = join(dir, entry);
  const shownFolder = join(shownDir, entry);
  let names: string[];
  let shut = closed;
  try {
    const st = statSync(folder);
    if (!st.isDirectory()) throw new Error('not a directory');
    shut ||= (st.mode & 0o001) === 0;
    names = readdirSync(folder).sort();
  } catch (e) {
    r.diagnostics.push(diag('read-error', `cannot read ${entry}/: ${(e as Error).message}`, { file: shownFolder }));
    return;
  }
  const seen = new Map<string, string>();
  for (const n of names) {
    if (isIgnorable(n)) continue;
    const stem = configStem(n);
    const rel = `${entry}/${n}`;
    const file = `${shownFolder}/${n}`;
    if (stem === undefined) {
      r.diagnostics.push(diag('unsupported-file', `${rel} is ignored: only .yaml and .yml files are read`, { file }));
      continue;
    }
    const twin = seen.get(stem);
    if (twin !== undefined) {
      const message = `${rel} and ${twin} both define "${stem}"`;
      r.diagnostics.push(diag('conflicting-keys', message, { file, hint: 'Keep one of the two files.' }));
      continue;
    }
    seen.set(stem, rel);
    readInto(r, kind, stem, rel, `${folder}/${n}`, file, shut);
  }
}

/**
 * Read every configuration file below `dir`. `shownDir` is how paths are named in diagnostics and headers
 * (the directory as it will be seen on the target system).
 */
export function readConfig(dir: string, shownDir: string = dir): ConfigTexts {
  const r: Reading = { files: [], diagnostics: [], stat: { mode: 0 } };
  let top: string[];
  // Others may not enter the directory: nothing below it is theirs to read.
  let closed: boolean;
  try {
    closed = (statSync(dir).mode & 0o001) === 0;
    top = readdirSync(dir).sort();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { files: r.files, diagnostics: r.diagnostics, exists: false };
    r.diagnostics.push(diag('read-error', `cannot read config directory ${dir}: ${err.message}`, { file: shownDir }));
    return { files: r.files, diagnostics: r.diagnostics, exists: true };
  }
  for (const entry of top) {
    if (isIgnorable(entry)) continue;
    if (configStem(entry) === 'machinist') {
      const twin = r.files.find((f) => f.kind === 'settings');
      if (twin) {
        const message = `${entry} and ${twin.rel} are both the settings file`;
        const hint = 'Keep one of the two files.';
        r.diagnostics.push(diag('conflicting-keys', message, { file: join(shownDir, entry), hint }));
      } else readInto(r, 'settings', 'machinist', entry, join(dir, entry), join(shownDir, entry), closed);
      continue;
    }
    const kind = folders[entry];
    if (kind === undefined) {
      const why = reserved.has(entry)
        ? `${entry}/ is not supported yet and is ignored`
        : `${entry} is not read by machinist`;
      r.diagnostics.push(diag('unsupported-file', why, { file: join(shownDir, entry) }));
      continue;
    }
    readFolder(r, kind, entry, dir, shownDir, closed);
  }
  return { files: r.files, diagnostics: r.diagnostics, exists: true };
}
