// The YAML library's side of loading: the full parse (with every error and position), the conversion of its
// Document into plain values, and finding where a path is in a file. A valid configuration on the fast path
// (fast-yaml.ts) never needs any of this, so it is loaded through src/lazy.ts, on first use.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { atMost, diag } from '../diagnostics/catalogue.js';
import type { Diagnostic, Pos } from '../diagnostics/types.js';
import { convertDocument } from './convert.js';
import { MAX_FILE_DIAGNOSTICS } from './limits.js';
import type { ParsedFile, YamlPath } from './parse.js';
import type { SourceFile } from './read.js';
import { syntaxDiagnostics } from './syntax.js';

export const fullParse = (text: string) => {
  const lines = new LineCounter();
  // uniqueKeys off: yaml's own check compares every key with every other (quadratic in a mapping's size);
  // the converter finds duplicates with a set, and names both places.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: true });
  return { doc, lines };
};

export function posOf(lines: LineCounter, range: readonly number[] | null | undefined): Pos | undefined {
  if (!range) return undefined;
  const start = lines.linePos(range[0]!);
  const end = lines.linePos(Math.max(range[0]!, range[1]!));
  const length = end.line === start.line ? Math.max(1, end.col - start.col) : 1;
  return { line: start.line, col: start.col, length };
}

/** parseSource without the fast path (also the reference the fast path is tested against). */
export function parseSourceFully(source: SourceFile): { parsed: ParsedFile; diagnostics: Diagnostic[] } {
  const { doc, lines } = fullParse(source.text);
  let diagnostics = syntaxDiagnostics(doc, lines, source);
  if (diagnostics.length) {
    return { parsed: { source, value: undefined, resets: new Set(), doc: undefined, lines }, diagnostics };
  }
  const conv = convertDocument(doc, lines, source.text);
  for (const p of conv.problems.slice(0, MAX_FILE_DIAGNOSTICS)) {
    const pos = posOf(lines, p.range);
    const hint = p.hint ? { hint: p.hint } : {};
    diagnostics.push(diag(p.code, p.message, { file: source.file, path: p.path, pos, ...hint }));
  }
  const unlisted = Math.max(0, conv.problems.length - MAX_FILE_DIAGNOSTICS);
  diagnostics = atMost(diagnostics, MAX_FILE_DIAGNOSTICS, source.file, undefined, unlisted);
  let value = conv.value;
  if (value === null || value === undefined) value = conv.problems.length ? undefined : {};
  else if (typeof value !== 'object' || Array.isArray(value)) {
    const pos = { line: 1, col: 1, length: 1 };
    const message = `${source.rel} must be a mapping of keys to values`;
    diagnostics.push(diag('not-a-mapping', message, { file: source.file, pos }));
    value = undefined;
  }
  if (diagnostics.length) value = undefined;
  return { parsed: { source, value, resets: conv.resets, doc, lines }, diagnostics };
}

/**
 * Where a YAML path is in its file. `key` points at the key of a mapping entry (for unknown keys); otherwise the
 * value. A path that does not exist resolves to its deepest existing ancestor, so a diagnostic always has a place.
 */
export function locateIn(file: ParsedFile, path: YamlPath, which: 'key' | 'value' = 'value'): Pos | undefined {
  if (!file.doc) return undefined;
  let node: unknown = file.doc.contents;
  let best: Pos | undefined = posOf(file.lines, (node as Node | null)?.range) ?? { line: 1, col: 1, length: 1 };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(file.doc as Document);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      const keyPos = posOf(file.lines, (pair.key as Node).range);
      if (last && which === 'key') return keyPos ?? best;
      node = pair.value;
      best = posOf(file.lines, (node as Node | null)?.range) ?? keyPos ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node === undefined) return best;
      best = posOf(file.lines, (node as Node).range) ?? best;
    } else {
      return best;
    }
  }
  return best;
}
