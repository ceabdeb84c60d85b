// A cloud-init document as YAML text that cloud-init reads back as exactly the value machinist read. machinist
// reads YAML 1.2; cloud-init reads YAML 1.1 (PyYAML's safe_load), where more plain scalars are typed: yes/no/on/
// off are booleans, 0644 is octal, 1:20 is sexagesimal, 2001-12-14 a date, << a merge key, = a "value". The YAML
// library's 1.1 schema quotes every string those rules would type; what is left is done here. This module needs
// the YAML library, so it is loaded on first use (load-seed-yaml.ts): a configuration without cloud_init: never
// loads it.
import { Document, visit } from 'yaml';
import { sha256 } from '../hash/sha256.js';
import { EncodeError } from '../ini/escape.js';

// Characters PyYAML's reader refuses (C1 controls, U+FFFE/U+FFFF) or reads as a line break or a byte-order mark
// (U+0085, U+2028, U+2029, U+FEFF), U+00A0, and the tab (PyYAML stops a plain scalar at one and then fails): a
// string holding one is written double-quoted, where the library escapes the C0 controls and every one of these
// is written as a \u escape below.
const RISKY = /[\u0000-\u0009\u000b-\u001f\u007f-\u00a0\u2028\u2029\ufeff\ufffe\uffff]/;
const RAW = /[\u007f-\u00a0\u2028\u2029\ufeff\ufffe\uffff]/g;
// Plain scalars YAML 1.2's core schema types (0o17, say, is a string in 1.1 only): quoted too, so that a reader of
// either version reads the same string.
const CORE =
  /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const escapeRaw = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Thrown for a value that YAML 1.1 cannot be given as it is; `at` is its path below the document. */
export class SeedValueError extends EncodeError {
  constructor(
    message: string,
    readonly at: (string | number)[],
  ) {
    super(message);
  }
}

/** 1e+21 is a float in YAML 1.2 but a string in 1.1, whose floats need a ".": such a number cannot be written. */
const exponentOnly = (v: number) => Number.isFinite(v) && /^-?\d+e/.test(String(v));

function checkNumbers(v: unknown, at: (string | number)[]): void {
  if (typeof v === 'number' && exponentOnly(v)) {
    throw new SeedValueError(`is the number ${String(v)}, which cloud-init (YAML 1.1) would read as a string`, at);
  }
  if (Array.isArray(v)) v.forEach((x, i) => checkNumbers(x, [...at, i]));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) checkNumbers(x, [...at, k]);
}

/** The YAML text of one document (a mapping), without a header. */
export function seedYaml(value: Record<string, unknown>): string {
  checkNumbers(value, []);
  const doc = new Document(value, { version: '1.1', merge: false });
  doc.directives!.yaml.explicit = false;
  visit(doc, {
    Scalar(_key, node) {
      const v = node.value;
      if (typeof v !== 'string') return;
      // The library writes << plain whatever its style says; a tag makes it a string in every reader.
      if (v === '<<') node.tag = 'tag:yaml.org,2002:str';
      else if (v === '=' || RISKY.test(v) || CORE.test(v)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 }).replace(RAW, escapeRaw);
}

/** The instance-id of a seed whose documents (instance-id aside) are `texts`: it changes exactly when they do. */
export function instanceIdOf(texts: readonly string[]): string {
  // The same SHA-256 as the ownership hashes: node:crypto would load node's streams at boot.
  return `iid-machinist-${sha256(texts.map((t) => `${t}\0`).join('')).slice(0, 32)}`;
}
