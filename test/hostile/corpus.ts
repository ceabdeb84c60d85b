// Hostile values for every string-valued key: what a careless admin or an attacker could put in a YAML file.
// Each must either be refused at its own line or reach systemd exactly as written (test/hostile/escape.test.ts
// with systemd's own parsers; test/e2e/escape.e2e.test.ts through a booted systemd).

/** Text of every kind: quotes, backslashes, specifiers, variables, controls, non-ASCII, edges, length. */
export const HOSTILE_TEXT: ReadonlyArray<readonly [label: string, value: string]> = [
  ['single quote', "web'2"],
  ['double quote', 'web"2'],
  ['backslash', 'web\\2'],
  ['backslash quote', `a\\'b\\"c`],
  ['C escape look-alikes', 'a\\x41\\n\\t\\s'],
  ['trailing backslash', 'ends\\'],
  ['space', 'a b'],
  ['two spaces', 'a  b'],
  ['tab', 'a\tb'],
  ['leading space', ' lead'],
  ['trailing space', 'trail '],
  ['percent specifiers', '%i %n %% 50%'],
  ['dollar variables', '$HOME ${HOME} $$'],
  ['option-like words', '--template=/srv/evil --bind=/:/x'],
  ['comment and section look-alikes', ';x #y [Service]'],
  ['equals and colons', 'a=b:c,d'],
  ['non-ASCII', 'héllo ✓ 日本 😀'],
  ['no-break space edge', '\u00a0nbsp\u00a0'],
  ['newline', 'a\nb'],
  ['newline and key', 'x\n[Service]\nExecStart=/bin/evil'],
  ['carriage return', 'a\rb'],
  ['NUL', 'a\0b'],
  ['escape character', 'a\x1b[31mred'],
  ['bell', 'a\x07b'],
  ['DEL', 'a\x7fb'],
  ['long (4 KiB)', 'x'.repeat(4096)],
  ['too long for one line (1 MiB)', 'y'.repeat(1024 * 1024)],
];

/** Hostile file names under a directory: absolute, normalised paths (the schema refuses anything else). */
export const hostilePath = (dir: string, name: string): string => `${dir}/${name}`;

/** Names for paths: HOSTILE_TEXT without what cannot be a path component ("/" is fine inside values too). */
export const HOSTILE_NAMES: ReadonlyArray<readonly [label: string, value: string]> = HOSTILE_TEXT.filter(
  ([, v]) => v.length < 256 && !v.includes('\0'),
);

/**
 * A YAML scalar for any string: plain where that is unambiguous (the YAML library reads a 1 MiB double-quoted
 * scalar about ten times slower than a plain one), else double-quoted. JSON's escapes are valid YAML; DEL, which
 * JSON leaves raw but YAML does not allow unescaped, is written as \x7f.
 */
export const yamlString = (s: string): string =>
  /^[A-Za-z0-9/][A-Za-z0-9/._-]*$/.test(s) ? s : JSON.stringify(s).replaceAll('\x7f', '\\x7f');
