// What systemd reads today besides compile's own files, for emit/classify.ts: the generator's copies (a
// container that only the generator had made is not new to systemd when compile first writes it) and the
// template (what a key removed from a drop-in falls back to). Read only for the running system (ROOT /).
import { constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile } from '../fs/read.js';
import type { ClassifyOptions } from './classify.js';
import { settingsOf } from './classify.js';
import { ownership, requiredFirstLine } from './ownership.js';

/** Where the generator writes (systemd's NORMAL generator directory, /run/systemd/nspawn and /run/credstore). */
export const generatorDirs = {
  unit: 'run/systemd/generator',
  nspawn: 'run/systemd/nspawn',
  credstore: 'run/credstore',
} as const;

/** The template, as systemd finds it: /etc overrides /usr/lib. */
export const templatePaths = ['etc/systemd/system/machine@.service', 'usr/lib/systemd/system/machine@.service'];

const readOrUndefined = (path: string): string | undefined => {
  try {
    return readRegularFile(path, constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
};

/** The generator's autostart links, by path relative to its directory. */
function generatorLinks(root: string): Set<string> {
  try {
    const dir = join(root, generatorDirs.unit, 'machines.target.wants');
    return new Set(readdirSync(dir).map((n) => `machines.target.wants/${n}`));
  } catch {
    return new Set();
  }
}

export function systemBaseline(root = '/'): ClassifyOptions {
  let template: Map<string, string[]> | undefined;
  for (const p of templatePaths) {
    const text = readOrUndefined(join(root, p));
    if (text !== undefined) {
      template = settingsOf(text);
      break;
    }
  }
  return {
    // Only a file the generator wrote (its header intact) counts; anything else there is not ours to read.
    previous: (a) => {
      const text = readOrUndefined(join(root, generatorDirs[a.dir], a.rel));
      return text !== undefined && ownership(text, requiredFirstLine(a.rel)) === 'ours' ? text : undefined;
    },
    template,
    generatorLinks: generatorLinks(root),
  };
}
