// The YAML library's errors, worded for a person editing a configuration file: at the place to fix (the
// opening quote of a string that never closes, not the end of the file), in machinist's terms ("one document
// per file", not the library's API), and only the first few (after one, the rest are mostly its echoes).
import { visit } from 'yaml';
import type { Document, LineCounter, YAMLError } from 'yaml';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic, Pos } from '../diagnostics/types.js';
import { MAX_SYNTAX_ERRORS } from './limits.js';
import type { SourceFile } from './read.js';

function at(lines: LineCounter, offset: number, length = 1): Pos {
  const p = lines.linePos(offset);
  return { line: p.line, col: p.col, length };
}

/** Where the quoted string that runs into `end` opens: the error itself is reported where the text ended. */
function openingQuote(doc: Document, end: number): number | undefined {
  let start: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && node.range?.[1] === end) start = node.range[0];
    },
  });
  return start;
}

/** One library error as a diagnostic: code, message, hint and position. */
function worded(e: YAMLError, doc: Document, lines: LineCounter, source: SourceFile): Diagnostic {
  const base = { file: source.file, pos: at(lines, e.pos[0], Math.max(1, e.pos[1] - e.pos[0])) };
  const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (e.code === 'MULTIPLE_DOCS') {
    return diag('yaml-syntax', 'a second YAML document starts here: a configuration file is one document', {
      ...base,
      pos: at(lines, e.pos[0], 3),
      hint: 'Remove the "---" line and what follows, or move that part into a file of its own: one document per file.',
    });
  }
  if (e.code === 'MISSING_CHAR' && /quote/.test(message)) {
    const quote = message.includes("'") ? "'" : '"';
    const open = openingQuote(doc, e.pos[0]);
    if (open !== undefined) {
      return diag('yaml-syntax', `the ${quote} quote that opens here is never closed`, {
        ...base,
        pos: at(lines, open),
        hint: `Add the closing ${quote} at the end of the value: a quoted string ends with the quote it starts with.`,
      });
    }
  }
  return diag('yaml-syntax', message, base);
}

/** The diagnostics for a Document's errors, first MAX_SYNTAX_ERRORS of them, each place reported once. */
export function syntaxDiagnostics(doc: Document, lines: LineCounter, source: SourceFile): Diagnostic[] {
  // Where the parser ran out of stack depends on how deep the stack already was: one diagnostic, no position,
  // so that every run reports the same.
  if (doc.errors.some((e) => e.code === 'RESOURCE_EXHAUSTION')) {
    return [diag('file-too-large', 'the file nests collections too deeply to be parsed', { file: source.file })];
  }
  const out: Diagnostic[] = [];
  const places = new Set<number>();
  for (let i = 0; i < doc.errors.length; i++) {
    const e = doc.errors[i]!;
    if (places.has(e.pos[0])) continue; // an echo of the error just reported
    places.add(e.pos[0]);
    if (out.length === MAX_SYNTAX_ERRORS) {
      const more = doc.errors.length - i;
      const message = `and ${more} more YAML error${more === 1 ? '' : 's'} in this file, not shown`;
      const hint = 'Fix the errors above first; the later ones are often their echoes.';
      out.push(diag('yaml-syntax', message, { file: source.file, hint }));
      break;
    }
    out.push(worded(e, doc, lines, source));
  }
  return out;
}
