// YAML text → plain value, keeping the Document so that positions can be found when (and only when) a
// diagnostic or `explain` needs one. Most files take the fast path (fast-yaml.ts), which gives the same value
// without building a Document; the Document is then made the first time a position is asked for. Everything
// that needs the YAML library is in yaml-doc.ts, loaded on first use (load-yaml-doc.ts).
import type { Document, LineCounter } from 'yaml';
import type { Diagnostic, Pos } from '../diagnostics/types.js';
import { loadYamlDoc } from './load-yaml-doc.js';
import { fastParse } from './fast-yaml.js';
import type { SourceFile } from './read.js';

export type YamlPath = (string | number)[];

export interface ParsedFile {
  source: SourceFile;
  /** Plain JS value of the document; undefined when the file could not be parsed. */
  value: unknown;
  /** Paths (joined with pathKey) of collections tagged `!reset`: a later layer replaces instead of merging. */
  resets: Set<string>;
  /** The full parse, for positions: on the fast path made on first access. */
  doc: Document | undefined;
  lines: LineCounter;
}

/**
 * A file parsed on the fast path: its Document and line table are made only if something needs a position.
 * A class, not an object literal with getters: V8 keeps such literals in slow dictionary mode, and every
 * `.value` or `.source` of a thousand files would be a hash lookup.
 */
class LazyFile implements ParsedFile {
  #full: { doc: Document; lines: LineCounter } | undefined;
  constructor(
    readonly source: SourceFile,
    readonly value: unknown,
    readonly resets: Set<string>,
  ) {}
  get doc(): Document {
    return (this.#full ??= loadYamlDoc().fullParse(this.source.text)).doc;
  }
  get lines(): LineCounter {
    return (this.#full ??= loadYamlDoc().fullParse(this.source.text)).lines;
  }
}

export const pathKey = (p: YamlPath): string => p.join('\u0000');

export function parseSource(source: SourceFile): { parsed: ParsedFile; diagnostics: Diagnostic[] } {
  // The fast path only takes texts that parse without errors, whose top level is a mapping (or empty), with no
  // tag but !reset on a collection, and nothing the full parse's converter (convert.ts) would object to: the
  // same value and resets, no diagnostics.
  const fast = fastParse(source.text);
  if (fast) return { parsed: new LazyFile(source, fast.value ?? {}, fast.resets), diagnostics: [] };
  return loadYamlDoc().parseSourceFully(source);
}

/** parseSource without the fast path (also the reference the fast path is tested against). */
export const parseSourceFully = (source: SourceFile): { parsed: ParsedFile; diagnostics: Diagnostic[] } =>
  loadYamlDoc().parseSourceFully(source);

/**
 * Where a YAML path is in its file. `key` points at the key of a mapping entry (for unknown keys); otherwise the
 * value. A path that does not exist resolves to its deepest existing ancestor, so a diagnostic always has a place.
 */
export const locate = (file: ParsedFile, path: YamlPath, which: 'key' | 'value' = 'value'): Pos | undefined =>
  loadYamlDoc().locateIn(file, path, which);
