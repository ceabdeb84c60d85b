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
/**
 * What systemd strips around a value as it reads a line: WHITESPACE in its string-util.h is " \t\n\r", and a
 * line has no \n or \r in it. Any other character at an edge (U+00A0, say) is kept. The one statement of this
 * rule: escape.ts and the pass-through checks refuse such values with a diagnostic, the renderer as a bug.
 */
export const STRIPPED_EDGE = /^[ \t]|[ \t]$/;
/**
 * The longest line systemd 252 reads, in bytes without its newline: its config reader (read_line() with
 * LONG_LINE_MAX, 1 MiB) gives up on a line of 1048576 bytes. Measured: a unit file then loses that line and every
 * line after it, silently; systemd-nspawn stops with "Line too long" and starts nothing.
 */
export const LINE_MAX_BYTES = 1024 * 1024 - 1;

/** Bytes of `s` in UTF-8 (a surrogate pair is 4 bytes, 2 per code unit; lone surrogates are refused earlier). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return n;
}

/** Why `Key=value` is too long for systemd to read, or undefined when it fits. The one statement of this rule. */
export function lineTooLong(key: string, value: string): string | undefined {
  // Most values are far too short to matter; only those that might be are measured in UTF-8 bytes.
  if ((key.length + 1 + value.length) * 3 <= LINE_MAX_BYTES) return undefined;
  const bytes = utf8Length(key) + 1 + utf8Length(value);
  if (bytes <= LINE_MAX_BYTES) return undefined;
  return (
    `makes the line ${key}=… ${bytes} bytes long; systemd reads at most ${LINE_MAX_BYTES} bytes per line ` +
    'and would drop it with everything after it'
  );
}

// A value must not break a line, end with a backslash (which glues the next line on) or have a stripped edge
// (it would silently vanish). One test per value finds any of these; refuseValue() works out which, in that
// order, only when it matches (for machinist's own values, never).
const UNSAFE_VALUE = new RegExp(String.raw`[\n\r\0]|\\$|` + STRIPPED_EDGE.source);

// "\nKey=" for each key already found valid. The same few dozen keys make up every file, so after its first
// use a key costs one lookup instead of a regular expression, and each line is made of two strings, the value
// and this start of its line, rather than four. Only valid keys are kept, and machinist writes only systemd's
// own keys (pass-through keys are checked against systemd's lists first), so this stays small.
const lineStarts = new Map<string, string>();

function describe(s: string): string {
  return JSON.stringify(s);
}

function refuseValue(key: string, value: string): never {
  if (LINE_BREAKING.test(value)) {
    throw new IniRenderError(`value of ${key}= contains a line break or NUL: ${describe(value)}`);
  }
  if (value.endsWith('\\')) {
    throw new IniRenderError(`value of ${key}= ends with a backslash (line continuation): ${describe(value)}`);
  }
  throw new IniRenderError(`value of ${key}= starts or ends with whitespace, which systemd strips: ${describe(value)}`);
}

/** Lines of a file that is not ini (IniDoc.lines), each ended by a newline; a line break inside one is a bug. */
function rawLines(lines: readonly string[]): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (LINE_BREAKING.test(line)) throw new IniRenderError(`line ${describe(line.slice(0, 80))} contains a line break`);
    out += `${line}\n`;
  }
  return out;
}

// Indexed loops and one growing string, not for…of and arrays of lines: the generator renders a few
// thousand small files once, mostly in V8's interpreter, where iterators and temporary arrays are not free.
// The body is built as "[Section]", "\nKey=value", …, "\n\n[Next]", … and ends with one newline.
export function renderIni(doc: IniDoc): string {
  let head = '';
  const comments = doc.comments;
  for (let i = 0; i < comments.length; i++) {
    const text = comments[i]!;
    if (LINE_BREAKING.test(text)) {
      throw new IniRenderError(`comment ${describe(text)} contains a line break or NUL`);
    }
    if (lineTooLong('#', text)) {
      throw new IniRenderError(`comment ${describe(text.slice(0, 80))}… is too long for systemd`);
    }
    // Comment lines are not subject to line continuation in systemd (measured: a `# …\` line does not
    // swallow the next line), so a trailing backslash is harmless here.
    head += text === '' ? '#\n' : `# ${text}\n`;
  }

  if (doc.lines) return head + rawLines(doc.lines);
  let body = '';
  const sections = doc.sections;
  for (let i = 0; i < sections.length; i++) {
    const { name, entries } = sections[i]!;
    if (!SECTION_NAME.test(name)) {
      throw new IniRenderError(`invalid section name ${describe(name)}`);
    }
    if (entries.length === 0) continue;
    // Sections are separated by one blank line.
    body += body === '' ? `[${name}]` : `\n\n[${name}]`;
    for (let j = 0; j < entries.length; j++) {
      const { key, value } = entries[j]!;
      let start = lineStarts.get(key);
      if (start === undefined) {
        if (!KEY.test(key)) throw new IniRenderError(`invalid key ${describe(key)} in [${name}]`);
        lineStarts.set(key, (start = `\n${key}=`));
      }
      if (UNSAFE_VALUE.test(value)) refuseValue(key, value);
      const tooLong = lineTooLong(key, value);
      if (tooLong) throw new IniRenderError(`value of ${key}= ${tooLong}`);
      body += start + value;
    }
  }

  // A blank line between the header and the first section; an empty document is an empty file.
  if (body === '') return head;
  return head === '' ? `${body}\n` : `${head}\n${body}\n`;
}
