// Failing units: what the generator writes for a container whose configuration has errors, so that it never
// just vanishes. The container's unit (the shipped template plus this drop-in) exists and fails on start,
// and `systemctl status machine@NAME` names the file, line and message of each error.
//
// The drop-in machine@NAME.service.d/50-machinist.conf takes the place of the container's usual one:
//   [Unit]     Description= says the container is not started because of a configuration error, SourcePath=
//   [Service]  one ExecStartPre=:/bin/echo "…" per error line (printed to the journal, and shown with its whole
//              command line by `systemctl status` even without journal access), then ExecStartPre=/bin/false,
//              which fails the start before ExecStart= runs. ExecStart= is also replaced by /bin/false, so
//              the container cannot start even if some later drop-in resets ExecStartPre=. Restart=no.
// The ":" prefix turns off $VAR expansion; unitWord() doubles "%" and quotes, so any message is carried as is.
// Each line is also cleaned of control characters and capped in length here, so encoding cannot fail.
// This module loads nothing heavy (no schema, no YAML): the generator's emergency path uses it too.
import type { Diagnostic } from '../diagnostics/types.js';
import { sortDiagnostics } from '../diagnostics/types.js';
import { renderLine } from '../diagnostics/render.js';
import { unitText, unitWord } from '../ini/escape.js';
import type { IniDoc } from '../ini/model.js';
import type { Output } from './output.js';
import { header, PRIVATE_MODE, templatePath, unitName } from './output.js';

/** A container that could not be compiled. */
export interface Failure {
  /** Machine name (the file stem). */
  name: string;
  /** Source file as shown to the user (e.g. /etc/machinist/containers/web.yaml). */
  file: string;
  errors: Diagnostic[];
  /** Whether the container would have been started at boot (machines.target.wants). */
  autostart: boolean;
  /** Made from a file others cannot read: its messages may quote values of that file, so the unit is 0600. */
  private?: boolean;
}

/** Errors shown per unit; the rest are counted. */
const MAX_ERRORS = 5;
/** Characters per line; keeps `systemctl status` readable and each line within a journal/kmsg record. */
const MAX_LINE = 400;

/** One line of plain text: control characters and lone surrogates become spaces, edges trimmed, length capped. */
export function oneLine(s: string, max = MAX_LINE): string {
  let t = s
    .replace(/[\x00-\x1f\x7f]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (t.length > max) t = `${t.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
  // A trailing backslash would continue the line (Description= takes text literally).
  return t.replace(/\\+$/, (m) => m.replace(/\\/g, '/')) || '-';
}

/** The lines a failing unit prints: a headline, the errors (file:line:col: error[code]: message), and what to do. */
export function failureLines(f: Failure, configDir?: string): string[] {
  const errors = sortDiagnostics(f.errors.filter((d) => d.severity === 'error'));
  const shown = errors.slice(0, MAX_ERRORS).map((d) => oneLine(renderLine(d)));
  const lines = [
    oneLine(
      `machinist: ${unitName(f.name)} is not started: ${f.file} has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}:`,
    ),
    ...shown,
  ];
  if (errors.length > MAX_ERRORS) lines.push(oneLine(`machinist: … and ${errors.length - MAX_ERRORS} more`));
  const validate = configDir ? `machinist validate --config ${configDir}` : 'machinist validate';
  lines.push(oneLine(`machinist: fix the file, check it with "${validate}", then run "systemctl daemon-reload".`));
  return lines;
}

/** The drop-in that makes machine@NAME.service fail on start, and its autostart link. */
export function translateFailing(f: Failure, configDir?: string): Output[] {
  const d: IniDoc = {
    comments: header(f.file, 'configuration error: this container is not started'),
    sections: [
      {
        name: 'Unit',
        entries: [
          {
            key: 'Description',
            value: unitText(oneLine(`Container ${f.name} (not started: configuration error in ${f.file})`)),
          },
          { key: 'SourcePath', value: unitText(oneLine(f.file)) },
        ],
      },
      {
        name: 'Service',
        entries: [
          ...failureLines(f, configDir).map((line) => ({ key: 'ExecStartPre', value: `:/bin/echo ${unitWord(line)}` })),
          { key: 'ExecStartPre', value: '/bin/false' },
          { key: 'ExecStart', value: '' },
          { key: 'ExecStart', value: '/bin/false' },
          { key: 'Restart', value: 'no' },
        ],
      },
    ],
  };
  const rel = `${unitName(f.name)}.d/50-machinist.conf`;
  const out: Output[] = [
    { kind: 'file', dir: 'unit', rel, doc: d, container: f.name, ...(f.private ? { mode: PRIVATE_MODE } : {}) },
  ];
  if (f.autostart)
    out.push({
      kind: 'symlink',
      dir: 'unit',
      rel: `machines.target.wants/${unitName(f.name)}`,
      target: templatePath,
      container: f.name,
    });
  return out;
}
