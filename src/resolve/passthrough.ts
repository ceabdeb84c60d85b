// The `nspawn:`, `service:` and slice `unit:` escape hatches: raw systemd keys, checked against the key lists
// systemd 252 itself accepts, and refused where a first-class setting already writes the key (so that
// profiles can merge it and there is one way to say each thing).
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { STRIPPED_EDGE } from '../ini/render.js';
import {
  nspawnExecKeys,
  nspawnFilesKeys,
  nspawnNetworkKeys,
  resourceControlKeys,
  serviceKeys,
  unitKeys,
} from '../schema/systemd-keys.js';
import { diagAt } from './model.js';
import type { Owner } from './model.js';
import {
  dropinService,
  dropinUnit,
  nspawnExec,
  nspawnFiles,
  nspawnNetwork,
  sliceBody,
  sliceUnit,
} from './setting-keys.js';
import type { KeySource, KeyTable } from './setting-keys.js';

export const passthroughKeys: Record<string, Record<string, readonly string[]>> = {
  nspawn: { Exec: nspawnExecKeys, Files: nspawnFilesKeys, Network: nspawnNetworkKeys },
  service: { Unit: unitKeys, Service: [...new Set([...serviceKeys, ...resourceControlKeys])] },
  unit: { Unit: unitKeys, Slice: resourceControlKeys },
};

/** The keys of `tables` that a first-class setting writes, as "Section.Key" → how that setting is named. */
function ownedBy(tables: readonly KeyTable[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tables) {
    for (const [key, source] of Object.entries<KeySource>(t.keys)) {
      if (source.owned) out[`${t.section}.${key}`] = source.shown;
    }
  }
  return out;
}

/** Keys a first-class setting writes, and which setting to use instead: from the translators' tables. */
export const ownedKeys: Record<string, Record<string, string>> = {
  nspawn: ownedBy([nspawnExec, nspawnFiles, nspawnNetwork]),
  service: ownedBy([dropinUnit, dropinService]),
  unit: ownedBy([sliceUnit, sliceBody]),
};

/** Check one pass-through block (`nspawn`, `service` or `unit`) of merged settings. */
export function checkPassthrough(
  field: 'nspawn' | 'service' | 'unit',
  block: Record<string, Record<string, unknown> | undefined> | undefined,
  owner: Owner,
): Diagnostic[] {
  if (!block) return [];
  const out: Diagnostic[] = [];
  const sections = passthroughKeys[field]!;
  for (const [section, entries] of Object.entries(block)) {
    const valid = sections[section];
    if (!valid) continue; // the schema already refused an unknown section
    for (const [key, value] of Object.entries(entries ?? {})) {
      const path = [field, section, key];
      if (!valid.includes(key)) {
        const near = didYouMean(key, valid);
        out.push(
          diagAt(
            owner,
            'unknown-key',
            `systemd 252 has no key "${key}" in [${section}]`,
            path,
            { hint: near ?? `See the [${section}] keys in the README's pass-through section.` },
            'key',
          ),
        );
        continue;
      }
      const by = ownedKeys[field]![`${section}.${key}`];
      if (by) {
        out.push(
          diagAt(
            owner,
            'owned-key',
            `${section}.${key} is written by machinist from "${by}"`,
            path,
            { hint: `Use ${by} instead; it merges with profiles and is checked.` },
            'key',
          ),
        );
        continue;
      }
      checkValues(owner, section, key, value, path, out);
    }
  }
  return out;
}

/** A pass-through value (or each of a list) must reach systemd as written: one line, kept whole, not trimmed. */
function checkValues(owner: Owner, section: string, key: string, value: unknown, path: string[], out: Diagnostic[]) {
  const values = Array.isArray(value) ? value : [value];
  values.forEach((v, i) => {
    const text = String(v);
    const refuse = (why: string, init?: { hint: string }) =>
      out.push(
        diagAt(
          owner,
          'unencodable-value',
          `${section}.${key} ${why}`,
          Array.isArray(value) ? [...path, i] : path,
          init,
        ),
      );
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) refuse('contains a newline or control character');
    else if (text.endsWith('\\')) refuse('ends with a backslash, which would join the next line');
    // systemd strips spaces and tabs around a value, so it would not be the value written here.
    else if (STRIPPED_EDGE.test(text))
      refuse('starts or ends with white space, which systemd strips', {
        hint: 'Remove the white space at the start and end of the value.',
      });
  });
}

/** A pass-through value as systemd reads it: booleans as yes/no. */
export function passValue(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
}
