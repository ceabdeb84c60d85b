// The record of the autostart links machinist made (a link carries no header, so nothing else tells them from
// the admin's `systemctl enable`), and the journal that keeps it true across a crash. Before a compile changes
// anything it writes journal.json: every link that may exist at any moment of the change (the old record plus
// the new links). A compile that finishes writes manifest.json and removes the journal; one that was killed
// leaves it, so the next compile still knows every link that may be there, and says the last one was cut short.
import { constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { diag } from '../diagnostics/catalogue.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { NotRegularFile, readRegularFile } from '../fs/read.js';
import { describeError } from './io-error.js';

export interface LinkRecord {
  /** Links machinist made, as `${dir}:${rel}` → target. */
  links: Map<string, string>;
  /** A journal was found: the last compile into this root stopped before it finished. */
  interrupted: boolean;
  diagnostics: Diagnostic[];
}

export const journalOf = (manifest: string): string => join(dirname(manifest), 'journal.json');

/**
 * The only keys machinist ever records: an autostart link in the unit directory. Anything else (an entry
 * edited to `unit:../../elsewhere`) is dropped with a warning, so the record can never point outside ROOT.
 */
const LINK_KEY = /^unit:machines\.target\.wants\/machine@[^/\0]+\.service$/;

export const recordText = (links: Record<string, string>, journal: boolean): string =>
  `${JSON.stringify(
    {
      about: journal
        ? 'A machinist compile began writing here and has not finished; the next compile completes it.'
        : 'Links made by machinist compile; files carry their own header.',
      links,
    },
    null,
    2,
  )}\n`;

function readOne(path: string, into: LinkRecord): boolean {
  let text: string;
  try {
    text = readRegularFile(path, constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    const why = e instanceof NotRegularFile ? 'it is not a regular file' : describeError(e).cause;
    into.diagnostics.push(unreadable(path, why));
    return true;
  }
  let links: unknown;
  try {
    links = (JSON.parse(text) as { links?: unknown }).links;
  } catch {
    into.diagnostics.push(unreadable(path, 'it is not valid JSON'));
    return true;
  }
  if (links === undefined) return true;
  if (typeof links !== 'object' || links === null || Array.isArray(links)) {
    into.diagnostics.push(unreadable(path, '"links" is not a mapping'));
    return true;
  }
  for (const [k, v] of Object.entries(links)) {
    if (LINK_KEY.test(k) && typeof v === 'string' && v !== '' && !v.includes('\0')) into.links.set(k, v);
    else {
      into.diagnostics.push(
        diag('manifest-error', `${path} records "${k}", which is no link machinist makes; the entry is ignored`, {
          file: path,
          severity: 'warning',
          hint: 'Nothing is done with it; the next compile writes the record without it.',
        }),
      );
    }
  }
  return true;
}

const unreadable = (path: string, why: string): Diagnostic =>
  diag('manifest-error', `cannot read ${path}: ${why}`, {
    file: path,
    hint:
      `Move it away (mv ${path} ${path}.bad); machinist then counts the autostart links it made earlier as yours, ` +
      'and never removes them.',
  });

/** The record and the journal of an earlier compile, if any. */
export function readRecord(manifest: string): LinkRecord {
  const r: LinkRecord = { links: new Map(), interrupted: false, diagnostics: [] };
  readOne(manifest, r);
  r.interrupted = readOne(journalOf(manifest), r);
  return r;
}
