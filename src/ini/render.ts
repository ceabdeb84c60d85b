// Renders an IniDoc to text. This is the last line of defence, not the place where values are made safe:
// escape.ts does that and reports user errors. Anything that reaches here and would change the structure of
// the file (a newline that starts a new key, a backslash that glues the next line on, a key systemd would not
// recognise as one) is a bug in machinist, so it throws IniRenderError instead of writing a corrupt file.

import type { IniDoc } from './model.js';

/** An internal error: a translator produced a document that cannot be written safely. */
export class IniRenderError extends Error {
  override name = 'IniRenderError';
}

// Section names in systemd's files are words like Unit, Service, Exec, Files, Network, X-Something.
const SECTION_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
// Every key systemd knows is CamelCase letters and digits.
const KEY = /^[A-Za-z][A-Za-z0-9]*$/;
// \n and \r end a line in systemd's reader; \0 ends it too (read_line treats NUL as end of line).
const LINE_BREAKING = /[\n\r\0]/;
// systemd strips spaces and tabs around a value, so they would silently vanish.
const EDGE_WHITESPACE = /^[ \t]|[ \t]$/;

function describe(s: string): string {
  return JSON.stringify(s);
}

export function renderIni(doc: IniDoc): string {
  const lines: string[] = [];

  for (const text of doc.comments) {
    if (LINE_BREAKING.test(text)) {
      throw new IniRenderError(`comment ${describe(text)} contains a line break or NUL`);
    }
    // Comment lines are not subject to line continuation in systemd (measured: a `# …\` line does not
    // swallow the next line), so a trailing backslash is harmless here.
    lines.push(text === '' ? '#' : `# ${text}`);
  }

  const body: string[] = [];
  for (const section of doc.sections) {
    if (!SECTION_NAME.test(section.name)) {
      throw new IniRenderError(`invalid section name ${describe(section.name)}`);
    }
    if (section.entries.length === 0) continue;
    if (body.length > 0) body.push('');
    body.push(`[${section.name}]`);
    for (const { key, value } of section.entries) {
      if (!KEY.test(key)) {
        throw new IniRenderError(`invalid key ${describe(key)} in [${section.name}]`);
      }
      if (LINE_BREAKING.test(value)) {
        throw new IniRenderError(`value of ${key}= contains a line break or NUL: ${describe(value)}`);
      }
      if (value.endsWith('\\')) {
        throw new IniRenderError(`value of ${key}= ends with a backslash (line continuation): ${describe(value)}`);
      }
      if (EDGE_WHITESPACE.test(value)) {
        throw new IniRenderError(`value of ${key}= starts or ends with whitespace, which systemd strips: ${describe(value)}`);
      }
      body.push(`${key}=${value}`);
    }
  }

  if (lines.length > 0 && body.length > 0) lines.push('');
  lines.push(...body);
  // An empty document renders as an empty file rather than a lone newline.
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
