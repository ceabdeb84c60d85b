// The YAML library's side of loading: the full parse (with every error and position), the conversion of its
// Document into plain values, and finding where a path is in a file. A valid configuration on the fast path
// (fast-yaml.ts) never needs any of this, so it is loaded through src/lazy.ts, on first use.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic, Pos } from '../diagnostics/types.js';
import { pathKey } from './parse.js';
import type { ParsedFile, YamlPath } from './parse.js';
import type { SourceFile } from './read.js';

export const fullParse = (text: string) => {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  return { doc, lines };
};

function posOf(lines: LineCounter, range: readonly number[] | null | undefined): Pos | undefined {
  if (!range) return undefined;
  const start = lines.linePos(range[0]!);
  const end = lines.linePos(Math.max(range[0]!, range[1]!));
  const length = end.line === start.line ? Math.max(1, end.col - start.col) : 1;
  return { line: start.line, col: start.col, length };
}

class Converter {
  readonly resets = new Set<string>();
  readonly problems: { path: YamlPath; message: string; node: Node }[] = [];
  constructor(private readonly doc: Document) {}

  convert(node: unknown, path: YamlPath, depth = 0): unknown {
    if (depth > 64) {
      this.problems.push({ path, message: 'nesting is too deep', node: node as Node });
      return null;
    }
    if (isAlias(node)) return this.convert(node.resolve(this.doc), path, depth + 1);
    if (node && typeof node === 'object' && 'tag' in node && (node as { tag?: string }).tag === '!reset') {
      this.resets.add(pathKey(path));
    }
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item, i) => this.convert(item, [...path, i], depth + 1));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof k !== 'string' && typeof k !== 'number') {
          this.problems.push({ path, message: 'keys must be plain words', node: pair.key as Node });
          continue;
        }
        const key = String(k);
        // A key named __proto__ would otherwise change the object's prototype.
        Object.defineProperty(out, key, {
          value: this.convert(pair.value, [...path, key], depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node ?? null;
  }
}

/** parseSource without the fast path (also the reference the fast path is tested against). */
export function parseSourceFully(source: SourceFile): { parsed: ParsedFile; diagnostics: Diagnostic[] } {
  const { doc, lines } = fullParse(source.text);
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    const code = e.code === 'DUPLICATE_KEY' ? 'duplicate-key' : 'yaml-syntax';
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    diagnostics.push(diag(code, message, { file: source.file, pos: posOf(lines, e.pos) }));
  }
  if (diagnostics.length) {
    return { parsed: { source, value: undefined, resets: new Set(), doc: undefined, lines }, diagnostics };
  }
  const conv = new Converter(doc);
  let value = conv.convert(doc.contents, []);
  for (const p of conv.problems) {
    diagnostics.push(diag('invalid-value', p.message, { file: source.file, path: p.path, pos: posOf(lines, p.node?.range) }));
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    diagnostics.push(diag('not-a-mapping', `${source.rel} must be a mapping of keys to values`, { file: source.file, pos: { line: 1, col: 1, length: 1 } }));
    value = undefined;
  }
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
    if (isAlias(node)) node = node.resolve(file.doc);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
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
