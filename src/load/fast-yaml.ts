// A fast path for the YAML that machinist configurations are made of: block mappings and sequences, one-line
// flow collections, plain and quoted one-line scalars, comments, and `!reset` on a block value or an item's
// collection (recorded in `resets` by path, as parse.ts's converter does). It produces exactly the plain value that
// `yaml` (YAML 1.2, core schema) would, or gives up (returns undefined) on anything else, and the caller
// then uses the full parser. Giving up is always allowed; a different answer never is. What makes it give up:
// tabs, CR, control characters, BOM, directives, document markers, other tags or other places for one, anchors, aliases,
// block scalars, multi-line scalars or flow collections, `?`/quoted/typed keys, duplicate keys, scalars that
// the core schema types other than as a plain decimal (0o17, 0x1f, 1e3, .inf, +1, 007, ...), deep nesting,
// and any layout it does not recognise. It also gives up on everything the full path's converter (convert.ts)
// refuses, so that the refusal is worded there: a number or boolean that does not read back as written (1.50,
// True), a `__proto__` key, more than MAX_VALUES values. test/stages/fast-yaml.test.ts compares it with `yaml`
// differentially. Its cost is linear in the text.

class GiveUp {}
const GIVE_UP = new GiveUp();
const giveUp = (): never => {
  throw GIVE_UP;
};

interface Line {
  ind: number;
  text: string;
}

/** Characters the fast path accepts at all: LF, printable ASCII, and Unicode without line or BOM oddities. */
const UNUSUAL = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
// A plain key is [A-Za-z_][A-Za-z0-9_./-]* (always a string, never typed by the core schema; checked against
// WORDS too). keyLength finds its length (0: none) by char codes: a thousand files have tens of thousands of
// keys, and a regex match allocates an array for each.
function keyLength(t: string): number {
  const c = t.charCodeAt(0);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return 0;
  let i = 1;
  for (;;) {
    const d = t.charCodeAt(i);
    // A-Z a-z 0-9 _ . / -
    if ((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 45 && d <= 57) || d === 95) i++;
    else return i;
  }
}
/** Could this key be one the core schema types (null, true, false in their spellings)? Only then test WORDS. */
const maybeWord = (key: string) => (key.length === 4 || key.length === 5) && WORDS.test(key);
const WORDS = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^-?(?:0|[1-9][0-9]{0,14})$/;
const FLOAT = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;
/** Every test of yaml's core schema tags (null, bool, int, float): a plain scalar matching one is not a string. */
const TYPED = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
const MAX_DEPTH = 48;
import { MAX_VALUES } from './limits.js';

// The path of the value being parsed (keys and indexes), for `!reset`; state of the one fastParse running.
let path: (string | number)[] = [];
let resets = new Set<string>();
let values = 0;
const counted = <T>(v: T): T => {
  if (++values > MAX_VALUES) giveUp();
  return v;
};
const RESET = /^!reset(?: +(.*))?$/;

/** `!reset` before a collection: remember the path (joined as parse.ts's pathKey) and return what follows. */
function stripReset(rest: string): string {
  if (!rest.startsWith('!')) return rest;
  const m = RESET.exec(rest);
  if (!m) giveUp();
  const after = m![1] ?? '';
  // Only on a collection: a block one on the next lines, or a flow one here.
  if (!(after === '' || after[0] === '#' || after[0] === '[' || after[0] === '{')) giveUp();
  resets.add(path.join('\u0000'));
  return after;
}

function define(obj: Record<string, unknown>, key: string, value: unknown) {
  // A duplicate key and __proto__ are refused by the full path, at their place.
  if (key === '__proto__' || Object.hasOwn(obj, key)) giveUp();
  values++; // the key, counted as the full path counts it
  obj[key] = counted(value);
}

/** The value of a plain scalar: null, a boolean, a simple decimal number or a string; anything else gives up. */
function plainValue(s: string): unknown {
  switch (s) {
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'True':
    case 'TRUE':
    case 'False':
    case 'FALSE':
      giveUp(); // a boolean, but not as written
  }
  const c = s.charCodeAt(0);
  // Only these first characters can start a number (digits, + - .): every other string is a string.
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT.test(s) || FLOAT.test(s)) {
      const n = Number(s);
      if (String(n) !== s) giveUp(); // 1.50, -0: a number, but not as written
      return n;
    }
    for (const re of TYPED) if (re.test(s)) giveUp();
  }
  return s;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  e: '\x1b',
};

function doubleQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  let q = -1;
  for (;;) {
    // The next quote, searched again only once an escape has gone past it (else many escapes before a
    // distant quote would search the line again for each one).
    if (q < j) q = s.indexOf('"', j);
    if (q < 0) giveUp(); // continues on the next line
    const b = s.indexOf('\\', j);
    if (b < 0 || b > q) return [out + s.slice(j, q), q + 1];
    out += s.slice(j, b);
    const e = s[b + 1];
    if (e === 'x' || e === 'u') {
      const n = e === 'x' ? 2 : 4;
      const hex = s.slice(b + 2, b + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) giveUp();
      const code = parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) giveUp();
      out += String.fromCharCode(code);
      j = b + 2 + n;
    } else {
      const r = e === undefined ? undefined : ESCAPES[e];
      if (r === undefined || !Object.hasOwn(ESCAPES, e!)) giveUp();
      out += r;
      j = b + 2;
    }
  }
}

function singleQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  for (;;) {
    const q = s.indexOf("'", j);
    if (q < 0) giveUp();
    out += s.slice(j, q);
    if (s[q + 1] === "'") {
      out += "'";
      j = q + 2;
      continue;
    }
    return [out, q + 1];
  }
}

/** After a value: nothing, or spaces and a comment. */
function checkEnd(s: string, j: number) {
  if (j === s.length) return;
  if (s[j] !== ' ') giveUp();
  const rest = trimStart(s.slice(j));
  if (rest !== '' && rest[0] !== '#') giveUp();
}

// Only spaces count as white space here (String#trim would also take U+00A0 and others, which YAML keeps).
const trimStart = (s: string) => {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  return i ? s.slice(i) : s;
};
const trimEnd = (s: string) => {
  let i = s.length;
  while (i > 0 && s.charCodeAt(i - 1) === 32) i--;
  return i === s.length ? s : s.slice(0, i);
};

const skipSpaces = (s: string, j: number) => {
  while (s[j] === ' ') j++;
  return j;
};

/** A plain scalar inside a flow collection: no indicators at all, to stay well inside what yaml agrees on. */
const FLOW_PLAIN = /[^,[\]{}#:'"&*!|>%@`?\s-][^,[\]{}#:'"]*/y;
const FLOW_PLAIN_DASH = /-[^,[\]{}#:'"\s][^,[\]{}#:'"]*/y;
/** A plain key (see keyLength), matched where a flow mapping's key starts (sticky: no substring per key). */
const FLOW_KEY = /[A-Za-z_][A-Za-z0-9_./-]*/y;

function stickyAt(re: RegExp, s: string, j: number): string | undefined {
  re.lastIndex = j;
  return re.exec(s)?.[0];
}

function flowItem(s: string, j: number, depth: number): [unknown, number] {
  const c = s[j];
  if (c === '"') return doubleQuoted(s, j);
  if (c === "'") return singleQuoted(s, j);
  if (c === '[' || c === '{') return flow(s, j, depth + 1);
  const m = stickyAt(FLOW_PLAIN, s, j) ?? stickyAt(FLOW_PLAIN_DASH, s, j);
  if (m === undefined) giveUp();
  return [plainValue(trimEnd(m!)), j + m!.length];
}

/** A flow sequence or mapping that closes on the same line. */
function flow(s: string, i: number, depth: number): [unknown, number] {
  if (depth > MAX_DEPTH) giveUp();
  const seq = s[i] === '[';
  const close = seq ? ']' : '}';
  const arr: unknown[] = [];
  const obj: Record<string, unknown> = {};
  let j = skipSpaces(s, i + 1);
  if (s[j] === close) return [seq ? arr : obj, j + 1];
  for (;;) {
    if (seq) {
      const [v, n] = flowItem(s, j, depth);
      arr.push(counted(v));
      j = n;
    } else {
      const key = stickyAt(FLOW_KEY, s, j);
      if (key === undefined || maybeWord(key) || s[j + key.length] !== ':' || s[j + key.length + 1] !== ' ') giveUp();
      j = skipSpaces(s, j + key!.length + 1);
      if (s[j] === ',' || s[j] === close || s[j] === '#') giveUp();
      const [v, n] = flowItem(s, j, depth);
      define(obj, key!, v);
      j = n;
    }
    j = skipSpaces(s, j);
    if (s[j] === close) return [seq ? arr : obj, j + 1];
    if (s[j] !== ',') giveUp();
    j = skipSpaces(s, j + 1);
    if (s[j] === close || s[j] === ',') giveUp(); // a trailing or empty entry: leave it to yaml
  }
}

/** A value that starts on this line and ends on it, in block context. */
function inline(s: string, depth: number): unknown {
  const c = s[0]!;
  let v: unknown;
  let n: number;
  if (c === '"') [v, n] = doubleQuoted(s, 0);
  else if (c === "'") [v, n] = singleQuoted(s, 0);
  else if (c === '[' || c === '{') [v, n] = flow(s, 0, depth);
  else {
    if ('&*!|>%@`?:,]}#'.includes(c)) giveUp();
    if (c === '-' && (s.length === 1 || s[1] === ' ')) giveUp();
    const h = s.indexOf(' #');
    const raw = trimEnd(h < 0 ? s : s.slice(0, h));
    if (raw.includes(': ') || raw.endsWith(':') || /[[\]{}]/.test(raw)) giveUp();
    return plainValue(raw);
  }
  checkEnd(s, n);
  return v;
}

const isItem = (t: string) => t === '-' || t.startsWith('- ');
const isEmptyValue = (rest: string) => rest === '' || rest[0] === '#';

function block(L: Line[], i: number, ind: number, depth: number): [unknown, number] {
  if (depth > MAX_DEPTH) giveUp();
  return isItem(L[i]!.text) ? seq(L, i, ind, depth) : map(L, i, ind, depth);
}

function map(L: Line[], i: number, ind: number, depth: number): [unknown, number] {
  const obj: Record<string, unknown> = {};
  while (i < L.length && L[i]!.ind === ind) {
    const t = L[i]!.text;
    const n = keyLength(t);
    if (n === 0 || n > 512 || t.charCodeAt(n) !== 58 /* : */ || (n + 1 < t.length && t.charCodeAt(n + 1) !== 32))
      giveUp();
    const key = t.slice(0, n);
    if (maybeWord(key)) giveUp();
    path.push(key);
    let v0 = n + 1;
    while (t.charCodeAt(v0) === 32) v0++;
    const raw = v0 === t.length ? '' : t.slice(v0);
    const rest = stripReset(raw);
    let v: unknown;
    if (isEmptyValue(rest)) {
      const next = L[i + 1];
      if (next && next.ind > ind) [v, i] = block(L, i + 1, next.ind, depth + 1);
      else if (next && next.ind === ind && isItem(next.text)) [v, i] = seq(L, i + 1, ind, depth + 1);
      else {
        if (rest !== raw) giveUp(); // !reset on nothing
        v = null;
        i++;
      }
    } else {
      v = inline(rest, depth + 1);
      i++;
      if (i < L.length && L[i]!.ind > ind) giveUp(); // a multi-line scalar, or an error
    }
    path.pop();
    define(obj, key, v);
  }
  if (i < L.length && L[i]!.ind > ind) giveUp();
  return [obj, i];
}

function seq(L: Line[], i: number, ind: number, depth: number): [unknown, number] {
  const arr: unknown[] = [];
  while (i < L.length && L[i]!.ind === ind && isItem(L[i]!.text)) {
    const t = L[i]!.text;
    path.push(arr.length);
    const raw = trimStart(t.slice(1));
    const rest = stripReset(raw);
    let v: unknown;
    if (isEmptyValue(rest)) {
      const next = L[i + 1];
      if (next && next.ind > ind) [v, i] = block(L, i + 1, next.ind, depth + 1);
      else {
        if (rest !== raw) giveUp(); // !reset on nothing
        v = null;
        i++;
      }
    } else if (isItem(rest)) {
      giveUp();
    } else {
      const n = rest === raw ? keyLength(rest) : 0; // "- !reset key: v" tags the key: leave it to yaml
      if (n > 0 && rest.charCodeAt(n) === 58 /* : */ && (n + 1 === rest.length || rest.charCodeAt(n + 1) === 32)) {
        // "- key: value": a mapping whose keys line up with this first one.
        const col = ind + t.length - rest.length;
        L[i] = { ind: col, text: rest };
        [v, i] = map(L, i, col, depth + 1);
      } else {
        v = inline(rest, depth + 1);
        i++;
        if (i < L.length && L[i]!.ind > ind) giveUp();
      }
    }
    path.pop();
    arr.push(counted(v));
  }
  if (i < L.length && L[i]!.ind > ind) giveUp();
  return [arr, i];
}

/**
 * The plain value of a YAML text, as `yaml` (core schema) would give it, when the text is in the simple subset
 * and its top level is a mapping (or it is empty: null). undefined: not in the subset, use the full parser.
 */
export function fastParse(text: string): { value: unknown; resets: Set<string> } | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const L: Line[] = [];
  let start = 0;
  // Lines by index into the text: one slice per line that has content, none for blank or comment lines.
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const first = text.charCodeAt(start);
    // "---", "..." or "%" at the start of a line: a document marker or a directive.
    if (first === 37 || ((first === 45 || first === 46) && text.startsWith(first === 45 ? '---' : '...', start)))
      return undefined;
    let p = start;
    while (text.charCodeAt(p) === 32) p++;
    let q = end;
    while (q > p && text.charCodeAt(q - 1) === 32) q--;
    const blank = p === end || text.charCodeAt(p) === 35; // only spaces, or a comment
    if (!blank) L.push({ ind: p - start, text: text.slice(p, q) });
    start = end + 1;
  }
  if (!L.length) return { value: null, resets: new Set() };
  if (isItem(L[0]!.text)) return undefined;
  path = [];
  resets = new Set();
  values = 1; // the top-level mapping
  try {
    const [value, next] = map(L, 0, L[0]!.ind, 0);
    return next === L.length ? { value, resets } : undefined;
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}
