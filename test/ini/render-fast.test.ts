// renderIni builds each file as one growing string, checks each value with one regular expression and
// remembers keys it has found valid. Here it is compared with its reference, the straightforward renderer it
// replaced (kept verbatim below), on random documents made of hostile pieces: same text, or the same error.
import { describe, expect, it } from 'vitest';
import type { IniDoc } from '../../src/ini/model.js';
import { IniRenderError, renderIni } from '../../src/ini/render.js';
import { seeded } from '../helpers/random.js';

const SECTION_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
const KEY = /^[A-Za-z][A-Za-z0-9]*$/;
const LINE_BREAKING = /[\n\r\0]/;
const EDGE_WHITESPACE = /^[ \t]|[ \t]$/;
const describeText = (s: string) => JSON.stringify(s);

function reference(doc: IniDoc): string {
  const lines: string[] = [];
  for (const text of doc.comments) {
    if (LINE_BREAKING.test(text))
      throw new IniRenderError(`comment ${describeText(text)} contains a line break or NUL`);
    lines.push(text === '' ? '#' : `# ${text}`);
  }
  const body: string[] = [];
  for (const section of doc.sections) {
    if (!SECTION_NAME.test(section.name))
      throw new IniRenderError(`invalid section name ${describeText(section.name)}`);
    if (section.entries.length === 0) continue;
    if (body.length > 0) body.push('');
    body.push(`[${section.name}]`);
    for (const { key, value } of section.entries) {
      if (!KEY.test(key)) throw new IniRenderError(`invalid key ${describeText(key)} in [${section.name}]`);
      if (LINE_BREAKING.test(value))
        throw new IniRenderError(`value of ${key}= contains a line break or NUL: ${describeText(value)}`);
      if (value.endsWith('\\'))
        throw new IniRenderError(`value of ${key}= ends with a backslash (line continuation): ${describeText(value)}`);
      if (EDGE_WHITESPACE.test(value))
        throw new IniRenderError(
          `value of ${key}= starts or ends with whitespace, which systemd strips: ${describeText(value)}`,
        );
      body.push(`${key}=${value}`);
    }
  }
  if (lines.length > 0 && body.length > 0) lines.push('');
  lines.push(...body);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

const random = seeded(99);
const rnd = random.int;
const pick = random.pick;
const pieces = [
  'a',
  'Z',
  '9',
  ' ',
  '\t',
  '\n',
  '\r',
  '\0',
  '\\',
  '%',
  '"',
  '=',
  '#',
  ';',
  '[',
  ']',
  '-',
  'é',
  '\uD800',
];
const text = (max: number) =>
  Array.from({ length: rnd(max) }, () => (rnd(3) ? pick(['x', 'yz', '/srv', '0']) : pick(pieces))).join('');
const keys = ['Boot', 'Environment', 'X1', 'ExecStart', 'A=B', '1A', '', 'Exec Start', 'K\u00e9y', 'Bind'];
const names = ['Unit', 'Service', 'X-Machinist', 'Exec', '', '-X', 'My Section', 'A1'];

const outcome = (f: () => string) => {
  try {
    return `= ${f()}`;
  } catch (e) {
    if (!(e instanceof IniRenderError)) throw e;
    return `! ${e.message}`;
  }
};

describe('renderIni gives what the reference renderer gives', () => {
  it('on random documents with hostile names, keys, values and comments', () => {
    for (let n = 0; n < 20000; n++) {
      const plain = rnd(3) > 0; // most documents have nothing wrong, as machinist's own do
      const doc: IniDoc = {
        comments: Array.from({ length: rnd(4) }, () => (plain ? pick(['', 'generated', 'C:\\', 'a # b']) : text(6))),
        sections: Array.from({ length: rnd(4) }, () => ({
          name: plain ? pick(['Unit', 'Service', 'Exec']) : pick(names),
          entries: Array.from({ length: rnd(5) }, () => ({
            key: plain ? pick(['Boot', 'Environment', 'Bind']) : pick(keys),
            value: plain ? pick(['', 'yes', 'A=1', '#x ;y', '50%%', 'a b']) : text(6),
          })),
        })),
      };
      const want = outcome(() => reference(doc));
      const have = outcome(() => renderIni(doc));
      if (have !== want) expect({ doc, have }).toEqual({ doc, have: want });
    }
  });
});
