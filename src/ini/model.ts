// The ordered model of a systemd unit file or .nspawn file.
//
// systemd's syntax is not INI: a key may repeat, order matters, an empty assignment (`Key=`) resets a list,
// and the same section may appear twice. So a document is a list of sections, each a list of entries, kept
// exactly in the order the translators produced them. Nothing here escapes anything: every value must already
// have been made safe by src/ini/escape.ts; renderIni() only refuses what would break the file's structure.

export interface IniEntry {
  key: string;
  /** Already encoded for the target file (see escape.ts); written verbatim after `Key=`. */
  value: string;
}

export interface IniSection {
  name: string;
  entries: IniEntry[];
}

export interface IniDoc {
  /** Header lines, without the leading `# `. An empty string renders as a bare `#`. */
  comments: string[];
  sections: IniSection[];
  /**
   * Lines after the header, written as they are, for a file that is not in ini syntax (a credential: a sysusers
   * or tmpfiles fragment, authorized_keys, `user:hash` lines); such a document has no sections.
   */
  lines?: readonly string[];
}

export { renderIni, IniRenderError } from './render.js';
