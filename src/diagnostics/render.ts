// Diagnostics for people (a code frame with file:line:col) and for tools (JSON).
import type { Diagnostic } from './types.js';
import { sortDiagnostics } from './types.js';

export interface RenderOptions {
  color: boolean;
  /** Source text by file path, for the code frame. */
  sources?: ReadonlyMap<string, string>;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/**
 * Characters a terminal would act on or hide rather than show: C0 and C1 controls (ESC starts colour, title
 * and clipboard sequences, BEL rings), DEL, line and paragraph separators, zero-width and bidirectional
 * formatting (text that reads differently than it is), the BOM, and halves of a surrogate pair.
 */
const HIDDEN = new RegExp(
  '[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x9f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff]' +
    '|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  'g',
);
const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');

/**
 * Text from a configuration file, made safe to print: each hidden character becomes its YAML double-quoted
 * escape (\x1b, \u202e), which is also what to write in the file to mean it. A tab stays a tab.
 */
export const visible = (s: string): string =>
  s.replace(HIDDEN, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));

/** The hidden characters JSON.stringify leaves raw (it escapes C0 controls and lone surrogates itself). */
const HIDDEN_IN_JSON = /[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/**
 * JSON output of the CLI: JSON.stringify, with the hidden characters it leaves raw escaped as \u sequences
 * (they can only occur inside strings, where such an escape means the same character).
 */
export const jsonText = (value: unknown): string =>
  JSON.stringify(value, null, 2).replace(HIDDEN_IN_JSON, (c) => `\\u${hex(c, 4)}`);

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}

export function location(d: Diagnostic): string {
  if (d.file === undefined) return '';
  return d.pos ? `${d.file}:${d.pos.line}:${d.pos.col}` : d.file;
}

/** Longest line shown in a code frame; a longer one is cut around the marked place. */
const FRAME_WIDTH = 160;

/**
 * A line that may hold a password hash (or a password written there by mistake) is never shown: the place
 * (file:line:col) is enough, and a terminal's scrollback or a CI log must not keep the secret.
 */
const SECRET = 'password_hash';

function frame(d: Diagnostic, text: string, color: boolean): string[] {
  if (!d.pos || d.path?.includes(SECRET)) return [];
  const lines = text.split('\n');
  const raw = lines[d.pos.line - 1];
  if (raw === undefined || raw.includes(SECRET)) return [];
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw; // a CRLF file's line ending, not part of the line
  const blue = paint(color, '34');
  const width = String(d.pos.line).length;
  const gutter = ' '.repeat(width);
  // Columns as shown: escapes are longer than the characters they stand for.
  const show = (s: string) => visible(s).replace(/\t/g, ' ');
  const start = Math.min(Math.max(0, d.pos.col - 1), line.length);
  const before = show(line.slice(0, start));
  const span = Math.max(1, show(line.slice(start, start + d.pos.length)).length);
  let shown = before + show(line.slice(start));
  let from = 0;
  if (shown.length > FRAME_WIDTH) {
    from = Math.max(0, before.length - FRAME_WIDTH / 4);
    const more = from + FRAME_WIDTH < shown.length ? '…' : '';
    shown = `${from ? '…' : ''}${shown.slice(from, from + FRAME_WIDTH)}${more}`;
    if (from) from -= 1; // the "…"
  }
  const caretAt = before.length - from;
  const caret = ' '.repeat(caretAt) + '^'.repeat(Math.max(1, Math.min(span, shown.length - caretAt)));
  const mark = d.severity === 'error' ? paint(color, '31;1') : paint(color, '33;1');
  return [blue(`${gutter} |`), `${blue(`${d.pos.line} |`)} ${shown}`, `${blue(`${gutter} |`)} ${mark(caret)}`];
}

export function renderPretty(diags: readonly Diagnostic[], opts: RenderOptions): string {
  const out: string[] = [];
  const bold = paint(opts.color, '1');
  for (const d of sortDiagnostics([...diags])) {
    const head = d.severity === 'error' ? paint(opts.color, '31;1')('error') : paint(opts.color, '33;1')('warning');
    out.push(`${head}${bold(`[${d.code}]: ${visible(d.message)}`)}`);
    const loc = location(d);
    if (loc) out.push(`  --> ${visible(loc)}${d.path && d.path.length ? ` (${visible(d.path.join('.'))})` : ''}`);
    const text = d.file !== undefined ? opts.sources?.get(d.file) : undefined;
    if (text !== undefined) out.push(...frame(d, text, opts.color).map((l) => `  ${l}`));
    if (d.hint) out.push(`  = hint: ${visible(d.hint)}`);
    out.push('');
  }
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (diags.length)
    out.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
  return out.join('\n');
}

/** One line per diagnostic, for logs where a frame would be noise (the generator's kmsg output). */
export function renderLine(d: Diagnostic): string {
  const loc = location(d);
  return `${loc ? `${loc}: ` : ''}${d.severity}[${d.code}]: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`;
}

export function toJSON(diags: readonly Diagnostic[]): object[] {
  return sortDiagnostics([...diags]).map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file ?? null,
    path: d.path ?? null,
    line: d.pos?.line ?? null,
    column: d.pos?.col ?? null,
    hint: d.hint ?? null,
    container: d.container ?? null,
  }));
}
