// A parsed YAML Document → the plain value machinist works on, with every problem at its node. The rules a
// value must meet here hold for every key of every file (the fast path in fast-yaml.ts gives up on anything
// they would refuse, so both paths agree):
//  - bounded cost: at most MAX_VALUES values, counting what aliases expand to, and MAX_DEPTH levels (the YAML
//    library's own guard, maxAliasCount, applies only in its toJS(), which this converter takes the place of);
//  - aliases name an anchor before them and never the collection they are in;
//  - tags: only !reset, on a list or mapping (and YAML's own !!str, !!int, …); any other tag is an error, not
//    silently a string;
//  - a plain scalar that YAML reads as a number or boolean must read back as the text written: `0022` (22),
//    `0x1F` (31), `1.50` (1.5), `True` (true), or more digits than a number holds are refused with a hint to
//    quote, because what reaches systemd would not be what the user wrote;
//  - keys are strings, unique (both places named), without control characters, and never `__proto__`.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import type { Code } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import { MAX_DEPTH, MAX_VALUES } from './limits.js';
import type { YamlPath } from './parse.js';

export interface Problem {
  code: Code;
  path: YamlPath;
  message: string;
  /** Where it is: [start, end) offsets in the text. */
  range: readonly number[] | undefined;
  hint?: string;
}

/** C0 and C1 control characters and DEL: no key of any file (a name, a path, a setting) holds one. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const YAML_TAG = 'tag:yaml.org,2002:';
/** Tags with the meaning YAML gives them; anything else is a typo or a feature machinist does not have. */
const STANDARD_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => YAML_TAG + t));
export const RESET_TAG = '!reset';
const shownTag = (tag: string) => (tag.startsWith(YAML_TAG) ? `!!${tag.slice(YAML_TAG.length)}` : tag);
const KNOWN_TAGS = [RESET_TAG, ...[...STANDARD_TAGS].map(shownTag)];

/** Thrown to stop a conversion that has gone past MAX_VALUES. */
class OverBudget {
  constructor(readonly node: Node | undefined) {}
}

/**
 * Each alias's target: the last node before it with its anchor (YAML's rule), found in one walk of the
 * document (the library's own lookup walks the whole document for every alias).
 */
function aliasTargets(doc: Document): Map<Node, Node | undefined> {
  const targets = new Map<Node, Node | undefined>();
  const anchors = new Map<string, Node>();
  const walk = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return;
    if (isAlias(node)) {
      targets.set(node, anchors.get(node.source));
      return;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node as Node);
    if (isMap(node)) {
      for (const pair of node.items) {
        walk(pair.key, depth + 1);
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
    }
  };
  walk(doc.contents, 0);
  return targets;
}

export class Converter {
  readonly resets = new Set<string>();
  readonly problems: Problem[] = [];
  private count = 0;
  private readonly targets: Map<Node, Node | undefined>;
  /** Values each aliased node stands for (its expanded size); NaN while being measured, to find a cycle. */
  private readonly sizes = new Map<Node, number>();
  private readonly reported = new Set<string>();

  constructor(
    doc: Document,
    private readonly lines: LineCounter,
    private readonly text: string,
  ) {
    this.targets = aliasTargets(doc);
  }

  private problem(code: Code, path: YamlPath, message: string, at: unknown, hint?: string) {
    const range = Array.isArray(at) ? at : ((at as Node | undefined)?.range ?? undefined);
    // A node reached through several aliases is reported once.
    const seen = `${code}\u0000${range?.[0] ?? ''}`;
    if (this.reported.has(seen)) return;
    this.reported.add(seen);
    this.problems.push({ code, path: [...path], message, range, ...(hint ? { hint } : {}) });
  }

  /** How many values `node` expands to; Infinity for an alias inside the collection it names. */
  private sizeOf(node: unknown, depth = 0): number {
    if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return 1;
    const n = node as Node;
    if (isAlias(n)) {
      const target = this.targets.get(n);
      return target ? this.sizeOf(target, depth + 1) : 1;
    }
    if (!isMap(n) && !isSeq(n)) return 1;
    const known = this.sizes.get(n);
    if (known !== undefined) return Number.isNaN(known) ? Infinity : known;
    this.sizes.set(n, NaN);
    let size = 1;
    if (isMap(n)) for (const pair of n.items) size += this.sizeOf(pair.value, depth + 1) + 1;
    else for (const item of n.items) size += this.sizeOf(item, depth + 1);
    this.sizes.set(n, size);
    return size;
  }

  private alias(node: Node, path: YamlPath, depth: number): unknown {
    const target = this.targets.get(node);
    const name = (node as unknown as { source: string }).source;
    if (!target) {
      const hint = `Write &${name} on a value above this line, or remove the alias.`;
      this.problem('yaml-syntax', path, `alias *${name} has no anchor &${name} before it`, node, hint);
      return null;
    }
    const size = this.sizeOf(target);
    if (size === Infinity) {
      const message = `alias *${name} is inside the value it names, so it never ends`;
      this.problem('yaml-syntax', path, message, node, 'Point the alias at another value, or remove it.');
      return null;
    }
    if (this.count + size > MAX_VALUES) throw new OverBudget(node);
    return this.convert(target, path, depth);
  }

  /** Where a node's tag is written: just before the node, on its line. */
  private tagRange(node: Node, written: string): readonly number[] | undefined {
    const start = node.range?.[0];
    if (start === undefined) return undefined;
    const at = this.text.lastIndexOf(written, start);
    const lineStart = this.text.lastIndexOf('\n', start - 1);
    return at > lineStart ? [at, at + written.length] : (node.range ?? undefined);
  }

  /** Records !reset; false (with a problem) for a tag machinist does not know. */
  private checkTag(node: Node, path: YamlPath): boolean {
    const tag = node.tag;
    if (tag === undefined || STANDARD_TAGS.has(tag)) return true;
    if (tag === RESET_TAG) {
      if (isMap(node) || isSeq(node)) this.resets.add(path.join('\u0000'));
      else {
        const message = `${RESET_TAG} applies to a list or mapping, not to a single value`;
        const hint = `Remove ${RESET_TAG}: a single value replaces what profiles set anyway.`;
        this.problem('unknown-tag', path, message, this.tagRange(node, tag), hint);
      }
      return true;
    }
    const near = didYouMean(shownTag(tag), KNOWN_TAGS);
    const known =
      `machinist knows ${RESET_TAG} (on a list or mapping, to replace what profiles set) ` +
      `and YAML's own ${KNOWN_TAGS.slice(1).join(', ')}.`;
    const hint = near ? `${near[0]!.toUpperCase()}${near.slice(1)} ${known}` : known;
    this.problem('unknown-tag', path, `unknown tag ${shownTag(tag)}`, this.tagRange(node, shownTag(tag)), hint);
    return false;
  }

  /** A scalar's value, refused when YAML reads its plain text as a number or boolean other than as written. */
  private scalar(node: Node & { value: unknown; source?: string; type?: string }, path: YamlPath): unknown {
    const v = node.value;
    if (typeof v === 'string' || v === null) return v;
    if (typeof v !== 'number' && typeof v !== 'boolean') {
      this.problem('invalid-value', path, 'is not a string, number, boolean or null', node);
      return null;
    }
    const text = node.source ?? String(v);
    if (String(v) !== text) {
      const what = typeof v === 'boolean' ? `the boolean ${v}` : `the number ${String(v)}`;
      const exact = typeof v === 'boolean' || Number.isSafeInteger(v) || !Number.isInteger(v);
      const number = exact ? `${String(v)} for the number` : 'a smaller number';
      const plain = typeof v === 'boolean' ? `${v} for the boolean` : number;
      const message = `${text} is read by YAML as ${what}, not as the text "${text}"`;
      this.problem('ambiguous-value', path, message, node, `Write "${text}" in quotes for the text, or ${plain}.`);
    }
    return v;
  }

  /** The string key of a mapping entry, or undefined (with a problem) when it cannot be one. */
  private key(key: unknown, path: YamlPath): string | undefined {
    if (!isScalar(key) || key.tag !== undefined) {
      this.problem('invalid-value', path, 'keys must be plain words', key ?? undefined);
      return undefined;
    }
    const k = this.scalar(key as Node & { value: unknown }, path);
    this.count++;
    if (typeof k !== 'string' && typeof k !== 'number') {
      this.problem('invalid-value', path, 'keys must be plain words', key);
      return undefined;
    }
    const name = String(k);
    const control = CONTROL.exec(name);
    if (control) {
      const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      const where = path.length ? path.join('.') : 'the top level';
      const message = `key ${JSON.stringify(name)} in ${where} contains the control character U+${code}`;
      const hint = 'Keys are names, paths and settings: remove the character.';
      this.problem('unencodable-value', [...path, name], message, key, hint);
      return undefined;
    }
    if (name === '__proto__') {
      this.problem('reserved-key', [...path, name], 'the key "__proto__" cannot be used', key);
      return undefined;
    }
    if (name === '<<') {
      const hint = 'Put the shared settings in a profile (profiles/NAME.yaml) and list it under profiles:.';
      this.problem('unknown-key', [...path, name], 'YAML merge keys (<<) are not supported', key, hint);
      return undefined;
    }
    return name;
  }

  convert(node: unknown, path: YamlPath, depth = 0): unknown {
    if (++this.count > MAX_VALUES) throw new OverBudget(node as Node);
    if (depth > MAX_DEPTH) {
      this.problem('file-too-large', path, `values are nested more than ${MAX_DEPTH} levels deep`, node);
      return null;
    }
    if (isAlias(node)) return this.alias(node, path, depth);
    if (!node || typeof node !== 'object') return node ?? null;
    if (!this.checkTag(node as Node, path)) return null;
    if (isScalar(node)) return this.scalar(node as Node & { value: unknown }, path);
    if (isSeq(node)) return node.items.map((item, i) => this.convert(item, [...path, i], depth + 1));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = this.key(pair.key, path);
        if (key === undefined) continue;
        const first = seen.get(key);
        if (first) {
          const at = first.range ? this.lines.linePos(first.range[0]) : undefined;
          const where = at ? ` (first at line ${at.line}, column ${at.col})` : '';
          this.problem('duplicate-key', [...path, key], `key "${key}" is given twice${where}`, pair.key);
          continue;
        }
        seen.set(key, pair.key as Node);
        out[key] = this.convert(pair.value, [...path, key], depth + 1);
      }
      return out;
    }
    return null;
  }

  /** The whole document's value; undefined (with a problem) when it is beyond the bounds. */
  run(doc: Document): unknown {
    try {
      return this.convert(doc.contents, []);
    } catch (e) {
      if (!(e instanceof OverBudget)) throw e;
      if (isAlias(e.node)) {
        const message = `aliases expand the file to more than ${MAX_VALUES} values here`;
        const hint = 'Use aliases for small shared values: nested aliases multiply (each level repeats all below it).';
        this.problem('file-too-large', [], message, e.node, hint);
      } else {
        const hint = 'Split it, or write settings shared by containers once, in a profile.';
        this.problem('file-too-large', [], `the file holds more than ${MAX_VALUES} values`, e.node, hint);
      }
      return undefined;
    }
  }
}

export function convertDocument(
  doc: Document,
  lines: LineCounter,
  text: string,
): { value: unknown; resets: Set<string>; problems: Problem[] } {
  const conv = new Converter(doc, lines, text);
  const value = conv.run(doc);
  return { value, resets: conv.resets, problems: conv.problems };
}
