// Diagnostics for people (a code frame with file:line:col) and for tools (JSON).
import type { Diagnostic } from './types.js';
import { sortDiagnostics } from './types.js';

export interface RenderOptions {
  color: boolean;
  /** Source text by file path, for the code frame. */
  sources?: ReadonlyMap<string, string>;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

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

function frame(d: Diagnostic, text: string, color: boolean): string[] {
  if (!d.pos) return [];
  const lines = text.split('\n');
  const line = lines[d.pos.line - 1];
  if (line === undefined) return [];
  const blue = paint(color, '34');
  const width = String(d.pos.line).length;
  const gutter = ' '.repeat(width);
  const shown = line.replace(/\t/g, ' ');
  const caret = ' '.repeat(Math.max(0, d.pos.col - 1)) + '^'.repeat(Math.max(1, Math.min(d.pos.length, shown.length - d.pos.col + 1)));
  const mark = d.severity === 'error' ? paint(color, '31;1') : paint(color, '33;1');
  return [blue(`${gutter} |`), `${blue(`${d.pos.line} |`)} ${shown}`, `${blue(`${gutter} |`)} ${mark(caret)}`];
}

export function renderPretty(diags: readonly Diagnostic[], opts: RenderOptions): string {
  const out: string[] = [];
  const bold = paint(opts.color, '1');
  for (const d of sortDiagnostics([...diags])) {
    const head = d.severity === 'error' ? paint(opts.color, '31;1')('error') : paint(opts.color, '33;1')('warning');
    out.push(`${head}${bold(`[${d.code}]: ${d.message}`)}`);
    const loc = location(d);
    if (loc) out.push(`  --> ${loc}${d.path && d.path.length ? ` (${d.path.join('.')})` : ''}`);
    const text = d.file !== undefined ? opts.sources?.get(d.file) : undefined;
    if (text !== undefined) out.push(...frame(d, text, opts.color).map((l) => `  ${l}`));
    if (d.hint) out.push(`  = hint: ${d.hint}`);
    out.push('');
  }
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  if (diags.length) out.push(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
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
