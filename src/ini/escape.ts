// The only place where text becomes part of a unit file or a .nspawn file.
//
// Each function takes the exact string a user asked for and returns what must be written so that systemd
// reads back that exact string, or throws EncodeError when no encoding can carry it. Every rule below was
// measured against systemd 252 (test/oracle/*.test.ts re-checks them against the real parsers):
//
// Shared by both file kinds (systemd's config reader):
//   - a line ends at \n, \r or \0, so no value can contain them;
//   - an odd run of trailing backslashes joins the next line on (renderIni refuses any trailing backslash);
//   - spaces and tabs around a value are stripped;
//   - only a line that *starts* with # or ; is a comment, so `Key=#x` and `Key=;x` are plain values.
// Unit files (drop-ins):
//   - `%` starts a specifier everywhere, including inside quotes and after unquoting: always write `%%`;
//   - DeviceAllow=, IODeviceWeight= and IO*Max= read their path as one such word (quotes and `\x` = x, no
//     C escapes), so a quoted path reaches systemd intact; a bare `\` would be lost, a bare quote drop the line;
//   - a variable that ExecStart= expands unbraced (`$MACHINIST_ARGS`) is unquoted a second time, word by word
//     (quotes and `\x` = x again, no C escapes), after the Environment= line itself was unquoted:
//     unitExecArguments() encodes for that second reading and unitEnvironment() for the first;
//   - word lists are unquoted with "…"/'…' and a backslash escapes the next character, but only some keys
//     also decode C escapes (Environment= turns `\t` into a tab, RequiresMountsFor= turns it into `t`).
//     So words use only `\\` and `\"`, which mean the same in both, and a tab is written raw inside quotes;
//   - free text (Description=) is taken literally: no quotes, no escapes, only specifiers.
// .nspawn files:
//   - no `%` specifiers and no `$` expansion;
//   - Environment= and Parameters= split on whitespace; '…' and "…" group and join within a word; a
//     backslash is an ordinary character everywhere, even inside "…" (it does not escape a quote);
//   - other lists (Capability=, DropCapability=, SystemCallFilter=) do not unquote at all: plain words only;
//   - SystemCallFilter=~@group is accepted but not applied by nspawn 252 (it removes only system calls *named*
//     in a deny list from its allow list), so a denied group is written as its system calls;
//   - Bind=, BindReadOnly=, TemporaryFileSystem= split SOURCE:DEST:OPTIONS at `:`; there `\x` means a
//     literal x (no C escapes), so `\:` embeds a colon and `\\` a backslash; quotes and spaces are literal;
//   - Inaccessible=, WorkingDirectory=, Hostname= take the value literally (no escapes at all).

import { syscallGroupMembers } from '../schema/syscalls.js';
import { STRIPPED_EDGE } from './render.js';

/** A value that systemd cannot be made to read back unchanged. The message is a user-facing reason. */
export class EncodeError extends Error {
  override name = 'EncodeError';
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Characters that need no quoting in a word list of either file kind.
const UNIT_BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;
const NSPAWN_BARE = /^[A-Za-z0-9_@%+=:,./~^-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls except tab, and DEL: unreadable in a file and not needed by any unit setting machinist writes.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

// Fast paths. Nearly every value is a plain word or plain ASCII text, for which all the checks below pass and
// the result is the value itself; one regular expression says so, instead of half a dozen tests per value
// (the generator runs mostly cold, where every call counts). Anything else takes the full path, unchanged.
// A bare word (NSPAWN_BARE, UNIT_BARE) needs no check at all: no line break, control, surrogate, whitespace or
// backslash can be in it. Plain text is printable ASCII without `%`, whose edges are not spaces and whose
// last character is not a backslash: exactly what unitText() returns unchanged.
const UNIT_TEXT_PLAIN = /^(?:[\x21-\x24\x26-\x7e][\x20-\x24\x26-\x7e]*)?[\x21-\x24\x26-\x5b\x5d-\x7e]$/;
// Bare .nspawn words without `:`: the path fields of Bind= and friends, written unchanged by nspawnPath().
const NSPAWN_PATH_PLAIN = /^[A-Za-z0-9_@%+=,./~^-]+$/;

/** Rejects what no systemd setting of either kind can hold. */
function checkCarriable(s: string): void {
  if (s.includes('\n')) throw new EncodeError('contains a newline, which no systemd setting can hold');
  if (s.includes('\r')) throw new EncodeError('contains a carriage return, which no systemd setting can hold');
  if (s.includes('\0')) throw new EncodeError('contains a NUL character, which no systemd setting can hold');
  if (LONE_SURROGATE.test(s)) throw new EncodeError('is not valid Unicode (it contains a lone surrogate)');
}

/** Unit files: additionally refuse control characters (tab is fine). */
function checkUnitChars(s: string): void {
  checkCarriable(s);
  const m = CONTROL.exec(s);
  if (m) {
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new EncodeError(`contains the control character U+${code}, which machinist does not write into unit files`);
  }
}

/** For values written literally as a whole line value: systemd strips the edges and joins on a backslash. */
function checkLiteralEdges(s: string): void {
  if (STRIPPED_EDGE.test(s)) {
    throw new EncodeError('starts or ends with whitespace, which systemd strips');
  }
  if (s.endsWith('\\')) {
    throw new EncodeError('ends with a backslash, which systemd reads as a line continuation');
  }
}

function checkEnvName(name: string): void {
  if (!ENV_NAME.test(name)) {
    throw new EncodeError(
      `${JSON.stringify(name)} is not a valid environment variable name (letters, digits and _, not starting with a digit)`,
    );
  }
}

/**
 * The encoders without their fast paths, each checking everything: what the encoders below return for any
 * value. A fast path takes only values for which this gives the same result (test/ini/escape-fast.test.ts).
 */
export const full = {
  unitText(s: string): string {
    checkUnitChars(s);
    checkLiteralEdges(s);
    return s.replaceAll('%', '%%');
  },
  unitWord(s: string): string {
    checkUnitChars(s);
    const text = s.replaceAll('%', '%%');
    if (UNIT_BARE.test(s)) return text;
    return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  },
  nspawnWord(s: string): string {
    checkCarriable(s);
    if (NSPAWN_BARE.test(s)) return s;
    if (s === '') return "''";
    return s
      .split(/('+)/)
      .filter((part) => part !== '')
      .map((part) => (part.startsWith("'") ? `"${part}"` : `'${part}'`))
      .join('');
  },
  nspawnToken(s: string): string {
    checkCarriable(s);
    if (NSPAWN_BARE.test(s)) return s;
    throw new EncodeError('must be a plain word (letters, digits and _@%+=:,./~^-) in this systemd-nspawn setting');
  },
  nspawnPath(p: string): string {
    checkCarriable(p);
    if (p === '') throw new EncodeError('is empty');
    checkLiteralEdges(p);
    return p.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
  },
  nspawnText(s: string): string {
    checkCarriable(s);
    checkLiteralEdges(s);
    return s;
  },
};

/** The values each encoder's fast path takes (for the test that its result is the full path's). */
export const fastPathTakes: Record<keyof typeof full, RegExp> = {
  unitText: UNIT_TEXT_PLAIN,
  unitWord: UNIT_BARE,
  nspawnWord: NSPAWN_BARE,
  nspawnToken: NSPAWN_BARE,
  nspawnPath: NSPAWN_PATH_PLAIN,
  nspawnText: NSPAWN_BARE,
};

/** Free text in a unit file, e.g. Description=: taken literally by systemd except for `%` specifiers. */
export function unitText(s: string): string {
  return UNIT_TEXT_PLAIN.test(s) ? s : full.unitText(s);
}

/**
 * One word of a unit-file word list (one assignment of Environment=, one path of RequiresMountsFor=, …).
 * Bare when that is unambiguous, else double-quoted with `\\` and `\"`; `%` always doubled.
 */
export function unitWord(s: string): string {
  return UNIT_BARE.test(s) ? s.replaceAll('%', '%%') : full.unitWord(s);
}

// What the second unquoting of an unbraced `$VAR` treats specially: whitespace splits, quotes group, `\` escapes.
const EXEC_SPECIAL = /[ \t'"\\]/g;

/**
 * The value of an environment variable that ExecStart= expands as `$VAR`, so that the command receives exactly
 * `words` as separate arguments: each word's spaces, tabs, quotes and backslashes are escaped with `\` (an empty
 * word is `''`). Write the result with unitEnvironment(), which encodes it for the unit-file parser on top.
 */
export function unitExecArguments(words: readonly string[]): string {
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    checkUnitChars(word);
    out += (i ? ' ' : '') + (word === '' ? "''" : word.replace(EXEC_SPECIAL, '\\$&'));
  }
  return out;
}

/** One `Environment=` assignment in a unit file. */
export function unitEnvironment(name: string, value: string): string {
  checkEnvName(name);
  return unitWord(`${name}=${value}`);
}

/**
 * One element of a .nspawn list that is unquoted (Environment=, Parameters=). nspawn has no escape
 * character there, so: runs without `'` go inside '…', each `'` goes inside "…", and the pieces join into
 * one word. This carries every string without \n, \r and \0, the empty string included (as '').
 */
export function nspawnWord(s: string): string {
  return NSPAWN_BARE.test(s) ? s : full.nspawnWord(s);
}

/** One `Environment=` assignment in a .nspawn file. */
export function nspawnEnvironment(name: string, value: string): string {
  checkEnvName(name);
  return nspawnWord(`${name}=${value}`);
}

/**
 * One element of a .nspawn list that is NOT unquoted (Capability=, DropCapability=, SystemCallFilter=):
 * nspawn takes quotes there literally, so only plain words can be written.
 */
export function nspawnToken(s: string): string {
  return NSPAWN_BARE.test(s) ? s : full.nspawnToken(s);
}

/**
 * One path inside a colon-separated .nspawn setting (Bind=, BindReadOnly=, TemporaryFileSystem=, Overlay=):
 * `\` → `\\` and `:` → `\:`; spaces, tabs and quotes are literal there. A path may not end in whitespace or
 * a backslash: as the last field on the line, the first is stripped and the second would continue the line.
 */
export function nspawnPath(p: string): string {
  return NSPAWN_PATH_PLAIN.test(p) ? p : full.nspawnPath(p);
}

/**
 * A value written as-is in a .nspawn file (Hostname=, WorkingDirectory=, Inaccessible=, …): nspawn takes it
 * literally, so only what the config reader itself would change is refused.
 */
export function nspawnText(s: string): string {
  return NSPAWN_BARE.test(s) ? s : full.nspawnText(s);
}

/** The system calls of a @group, nested groups expanded, each once, in systemd's order; false for an unknown group. */
function syscallsOf(group: string, into: Set<string>): boolean {
  const members = syscallGroupMembers(group);
  if (!members) return false;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (m.startsWith('@')) syscallsOf(m, into);
    else into.add(m);
  }
  return true;
}

/**
 * One SystemCallFilter= entry of a .nspawn file. A deny entry of a group ("~@debug") becomes the deny list of its
 * system calls ("~lookup_dcookie perf_event_open …"): nspawn 252 applies deny entries by system call name only
 * (measured: with "~@debug" ptrace still works, with "~ptrace" it fails with EPERM). Other entries are plain words.
 */
export function nspawnSystemCallFilter(entry: string): string {
  if (!entry.startsWith('~@')) return nspawnToken(entry);
  let line = denyLines.get(entry);
  if (line === undefined) {
    const calls = new Set<string>();
    // An unknown group is written as it is: the schema's check refuses it with a "did you mean" (one rule, one
    // place).
    line = syscallsOf(nspawnToken(entry).slice(1), calls) ? `~${[...calls].join(' ')}` : entry;
    denyLines.set(entry, line);
  }
  return line;
}
/** Expanded deny entries, once per run: a profile's "~@debug" is shared by many containers. */
const denyLines = new Map<string, string>();

/**
 * One `SetCredential=ID:VALUE` of a unit file. systemd 252 decodes C escapes in VALUE and expands no `%`
 * specifiers there (only in ID), so `\` is written `\\` and a newline `\n`; other control characters, a carriage
 * return and leading whitespace (stripped by the parser) cannot be carried.
 */
export function unitCredential(id: string, value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
    throw new EncodeError(`${JSON.stringify(id)} is not a credential name machinist writes`);
  }
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(value)) {
    throw new EncodeError('contains a control character, which a credential written inline cannot carry');
  }
  if (/^[ \t]/.test(value)) throw new EncodeError('starts with whitespace, which systemd strips');
  if (LONE_SURROGATE.test(value)) throw new EncodeError('is not valid Unicode (it contains a lone surrogate)');
  return `${id}:${value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`;
}

/**
 * The most a tmpfiles.d `f` argument may hold once decoded: systemd-tmpfiles 252 expands it into PATH_MAX - 1.
 * Measured: 4095 bytes are written; 4096 fail with "Failed to substitute specifiers in argument: File name too
 * long", and then no line of that file is applied at all (every user's home would be missing).
 */
export const TMPFILES_ARGUMENT_MAX = 4095;

/**
 * The argument of a tmpfiles.d `f` line that creates a file holding `lines`, each followed by a newline:
 * systemd-tmpfiles 252 decodes C escapes in it, then expands `%` specifiers, so `%` is `%%`, `\` is `\\` and each
 * line ends in `\n`. A line with a line break or control character cannot be carried, nor more than
 * TMPFILES_ARGUMENT_MAX bytes in all (tmpfiles would skip the line, and the file would not be made).
 */
export function tmpfilesFileArgument(lines: readonly string[]): string {
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  if (bytes > TMPFILES_ARGUMENT_MAX) {
    const max = TMPFILES_ARGUMENT_MAX;
    throw new EncodeError(
      `hold ${bytes} bytes, more than the ${max} systemd-tmpfiles writes into one file from one line`,
    );
  }
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/[\x00-\x1f\x7f]/.test(line)) throw new EncodeError('contains a line break or control character');
    out += `${line.replaceAll('\\', '\\\\').replaceAll('%', '%%')}\\n`;
  }
  return out;
}
