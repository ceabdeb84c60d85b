// A Diagnostic is the only way any stage reports a problem. Stages return their value plus a list of these;
// only the CLI and the generator decide how to show them and which exit code they mean.

import { byCodeUnit } from '../order.js';

export type Severity = 'error' | 'warning';

/** A position in a source file: 1-based line and column, plus the length of the span to underline. */
export interface Pos {
  line: number;
  col: number;
  length: number;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  /** Path of the source file as the user would type it (config dir joined with the relative name). */
  file?: string;
  /** YAML path inside the file, e.g. ['resources', 'memory', 'max']. */
  path?: (string | number)[];
  pos?: Pos;
  hint?: string;
  /** Machine name the problem belongs to, so one bad container never stops the others. */
  container?: string;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Stable order for output: by file, then line, then column, then code. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      byCodeUnit(a.file ?? '', b.file ?? '') ||
      (a.pos?.line ?? 0) - (b.pos?.line ?? 0) ||
      (a.pos?.col ?? 0) - (b.pos?.col ?? 0) ||
      byCodeUnit(a.code, b.code) ||
      byCodeUnit(a.message, b.message),
  );
}
