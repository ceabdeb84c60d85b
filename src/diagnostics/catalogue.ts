// The one catalogue of diagnostic codes. Every problem machinist reports has a code here, a one-line summary
// (for the README and `machinist codes`) and a default hint that says what to write instead.
import type { Diagnostic, Pos, Severity } from './types.js';

interface Entry {
  severity: Severity;
  summary: string;
  hint: string;
}

export const catalogue = {
  'yaml-syntax': {
    severity: 'error',
    summary: 'The file is not valid YAML.',
    hint: 'Fix the YAML at the marked position (indentation, a missing ":" or an unclosed quote or bracket).',
  },
  'duplicate-key': {
    severity: 'error',
    summary: 'A key appears twice in the same mapping.',
    hint: 'Keep one of the two; YAML would silently use only one of them.',
  },
  'unknown-tag': {
    severity: 'error',
    summary: 'A YAML tag machinist does not know; it knows !reset, on a list or mapping.',
    hint: 'Remove the tag, or write !reset on a list or mapping to replace what profiles set there.',
  },
  'ambiguous-value': {
    severity: 'error',
    summary:
      'A plain value that YAML reads as another number or boolean than the text written (0022 as 22, 1.50 as 1.5).',
    hint: 'Quote it to keep the text ("0022"), or write the number as YAML prints it (22).',
  },
  'reserved-key': {
    severity: 'error',
    summary: 'A key no setting can have: __proto__.',
    hint: 'Remove or rename the key.',
  },
  'invalid-encoding': {
    severity: 'error',
    summary: 'A file that is not valid UTF-8.',
    hint: 'Save the file as UTF-8, e.g. iconv -f LATIN1 -t UTF-8 FILE > FILE.new.',
  },
  'file-too-large': {
    severity: 'error',
    summary:
      'A file beyond the bounds of one configuration file (size, values with aliases expanded, nesting); the message says which.',
    hint: 'Split the file, or write settings shared by containers once, in a profile.',
  },
  'too-many-problems': {
    severity: 'error',
    summary: 'More problems in one file than are shown.',
    hint: 'Fix the problems shown first; the rest are often the same mistake repeated.',
  },
  'not-a-mapping': {
    severity: 'error',
    summary: 'A configuration file must be a YAML mapping of keys to values.',
    hint: 'Write "key: value" lines at the top level; an empty file is also fine.',
  },
  'unknown-key': {
    severity: 'error',
    summary: 'A key that this place does not accept.',
    hint: 'Correct the spelling or remove the key; `machinist schema` prints every accepted key.',
  },
  'invalid-value': {
    severity: 'error',
    summary: 'A value of the wrong type or outside its grammar.',
    hint: "Write a value of the form the message names; the README reference lists each key's values with examples.",
  },
  'invalid-name': {
    severity: 'error',
    summary: 'A file name that cannot become a machine, profile or slice name.',
    hint: 'Rename the file: a container as a host name (letters, digits, "-"), a profile with letters, digits, "-", "_" and ".", a slice with letters, digits, "_" and "-".',
  },
  'unencodable-value': {
    severity: 'error',
    summary: 'A value that no systemd setting can carry as written.',
    hint: 'Remove the newline or control character; a setting is always one line.',
  },
  'unknown-profile': {
    severity: 'error',
    summary: 'A profile that has no file in profiles/.',
    hint: 'Create profiles/NAME.yaml or correct the name.',
  },
  'profile-cycle': {
    severity: 'error',
    summary: 'Profiles that include each other.',
    hint: 'Remove one of the "profiles:" entries that close the cycle.',
  },
  'unknown-container': {
    severity: 'error',
    summary: 'A container named in after:/requires: that has no file in containers/.',
    hint: 'Create containers/NAME.yaml or correct the name.',
  },
  'dependency-cycle': {
    severity: 'error',
    summary: 'Containers that are ordered after each other.',
    hint: 'Remove one of the after:/requires: entries that close the cycle.',
  },
  'unknown-slice': {
    severity: 'error',
    summary: 'A slice that has no file in slices/.',
    hint: 'Create slices/NAME.yaml (an empty file is fine) or correct the name.',
  },
  'missing-sha256': {
    severity: 'error',
    summary: 'An image with a url: but no sha256: to verify the download against.',
    hint: 'Add sha256: with the 64 hex digits that `sha256sum FILE` prints for the image.',
  },
  'broken-image': {
    severity: 'error',
    summary: 'A container whose image file (images/NAME.yaml) has errors.',
    hint: 'Fix the image file; the container is not generated without its root.',
  },
  'undeclared-image': {
    severity: 'error',
    summary: 'storage: set for a container whose image has no file in images/.',
    hint: 'Create images/NAME.yaml saying where the image comes from, or remove storage:.',
  },
  'unknown-pod': {
    severity: 'error',
    summary: 'A pod named in network.pod that has no valid file in pods/.',
    hint: 'Create pods/NAME.yaml (an empty file is fine) or correct the name.',
  },
  'unknown-template': {
    severity: 'error',
    summary: 'A cloud_init.template that has no valid file in cloud-init/.',
    hint: 'Create cloud-init/NAME.yaml or correct the name.',
  },
  'conflicting-keys': {
    severity: 'error',
    summary: 'Two settings that cannot be used together.',
    hint: 'Keep one of them.',
  },
  'requires-private-network': {
    severity: 'error',
    summary: 'A setting that only works when the container has its own network.',
    hint: 'Set network.mode to veth, bridge, zone, macvlan, ipvlan or interface, or remove the setting.',
  },
  'port-clash': {
    severity: 'error',
    summary: 'A host port that another container already forwards.',
    hint: 'Forward a different host port, e.g. "tcp:8081:80", or remove one of the two forwards.',
  },
  'breaks-guest': {
    severity: 'warning',
    summary: 'Settings that systemd accepts but that break something inside the guest without an error.',
    hint: 'Change one of the settings named in the message, or keep them on purpose (--strict makes warnings errors).',
  },
  'tier-host-network': {
    severity: 'warning',
    summary: 'A security tier on a container that explicitly shares the host network: the explicit mode is kept.',
    hint: 'Remove network.mode: host so the tier gives the container its own network (a veth pair).',
  },
  'owned-key': {
    severity: 'error',
    summary: 'A pass-through key that a first-class setting already writes.',
    hint: 'Use the first-class setting instead, so profiles can merge it.',
  },
  'unsupported-file': {
    severity: 'warning',
    summary: 'A file or folder in the config directory that machinist does not read.',
    hint: 'Move it away; machinist reads machinist.yaml, profiles/, containers/, slices/, images/ and pods/.',
  },
  'foreign-file': {
    severity: 'error',
    summary: 'An output path is taken by a file machinist did not write.',
    hint: 'Move the file away, or remove the container that would write there; machinist never overwrites it.',
  },
  'edited-file': {
    severity: 'error',
    summary: 'A file machinist wrote has been edited by hand since.',
    hint: 'Move your change into a drop-in or the YAML, then delete the file so machinist can write it again.',
  },
  'overridden-file': {
    severity: 'warning',
    summary: "A file of the admin's in /etc/systemd replaces what the generator writes for a container.",
    hint: 'Move its settings into the YAML and delete the file, or keep it on purpose.',
  },
  'internal-error': {
    severity: 'error',
    summary: 'A problem inside machinist itself (a bug, or an output directory it cannot write).',
    hint: 'This is a bug in machinist or a problem writing the output; please report it with this message.',
  },
  'read-error': {
    severity: 'error',
    summary: 'A file or directory could not be read.',
    hint: 'Check that the path exists and is readable.',
  },
  'empty-config': {
    severity: 'error',
    summary: 'The config directory has no containers: compile would remove every file machinist wrote.',
    hint: 'Point --config at the folder that holds containers/ (e.g. /etc/machinist), or pass --allow-empty if removing everything is intended.',
  },
  'write-error': {
    severity: 'error',
    summary: 'An output could not be written or removed (exit 2); the message says whether anything was.',
    hint: 'Fix the cause named in the message, then compile again: the next compile completes an interrupted one.',
  },
  'manifest-error': {
    severity: 'error',
    summary: 'The record of the autostart links machinist made (ROOT/var/lib/machinist) cannot be read (exit 2).',
    hint: 'Move the file away; machinist then counts the links it made earlier as yours and never removes them.',
  },
  'busy-root': {
    severity: 'error',
    summary: 'Another machinist compile kept writing into the same root for too long (exit 2).',
    hint: 'Wait for the other compile to finish (or find it with fuser -v ROOT), then compile again.',
  },
  'invalid-root': {
    severity: 'error',
    summary: 'The --root given is no directory machinist can compile into (exit 2).',
    hint: 'Give the root directory of the target system: --root / or --root /path/to/image, an existing directory.',
  },
} satisfies Record<string, Entry>;

export type Code = keyof typeof catalogue;

export interface DiagInit {
  file?: string;
  path?: (string | number)[];
  pos?: Pos;
  hint?: string;
  container?: string;
  severity?: Severity;
}

/** Build a diagnostic from the catalogue: the code fixes severity and the default hint. */
export function diag(code: Code, message: string, init: DiagInit = {}): Diagnostic {
  const entry: Entry = catalogue[code];
  const d: Diagnostic = { code, severity: init.severity ?? entry.severity, message };
  if (init.file !== undefined) d.file = init.file;
  if (init.path !== undefined) d.path = init.path;
  if (init.pos !== undefined) d.pos = init.pos;
  d.hint = init.hint ?? entry.hint;
  if (init.container !== undefined) d.container = init.container;
  return d;
}

/** An internal-error diagnostic for something thrown (a bug): the message, then what was thrown. */
export function internalError(message: string, thrown: unknown, init: DiagInit = {}): Diagnostic {
  return diag('internal-error', `${message}: ${thrown instanceof Error ? thrown.message : String(thrown)}`, init);
}

/**
 * At most `max` of one file's diagnostics, and then one that counts the rest (and `unlisted` others never made):
 * a file with thousands of the same mistake must not cost thousands of positions to find and lines to print.
 */
export function atMost(
  diags: Diagnostic[],
  max: number,
  file: string | undefined,
  container?: string,
  unlisted = 0,
): Diagnostic[] {
  if (diags.length <= max && !unlisted) return diags;
  const more = Math.max(0, diags.length - max) + unlisted;
  const init: DiagInit = { ...(file !== undefined ? { file } : {}), ...(container !== undefined ? { container } : {}) };
  const message = `and ${more} more problem${more === 1 ? '' : 's'} in this file, not shown`;
  return [...diags.slice(0, max), diag('too-many-problems', message, init)];
}
