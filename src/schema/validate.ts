// zod issues → diagnostics at the YAML line that caused them, with "did you mean" for unknown keys and
// values of an enumeration.
import * as z from 'zod/mini';
import { atMost, diag } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/nearest.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { MAX_FILE_DIAGNOSTICS } from '../load/limits.js';
import { locate } from '../load/parse.js';
import type { ParsedFile, YamlPath } from '../load/parse.js';
import { schemaFor } from './files.js';
import { hintOf } from './values.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** Peel wrappers (optional, default, pipes) to the schema that does the work. */
function core(s: AnySchema): AnySchema {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const def = cur._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (def.innerType) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else break;
  }
  return cur;
}

/**
 * The schemas a YAML path may lead to (several through unions), wrappers peeled. With `key`, the last segment
 * is a mapping's key, and the result is the schema of that key (a record's key type).
 */
function schemasAt(schema: AnySchema, path: YamlPath, key = false): AnySchema[] {
  let current = [core(schema)];
  const steps = key ? path.slice(0, -1) : path;
  for (const seg of steps) {
    const next: AnySchema[] = [];
    const visit = (s: AnySchema) => {
      const def = s._zod.def as {
        type: string;
        shape?: Record<string, AnySchema>;
        element?: AnySchema;
        valueType?: AnySchema;
        options?: AnySchema[];
      };
      if (def.type === 'union') def.options?.forEach((o) => visit(core(o)));
      else if (def.type === 'object' && typeof seg === 'string' && def.shape?.[seg]) next.push(core(def.shape[seg]!));
      else if (def.type === 'array' && typeof seg === 'number' && def.element) next.push(core(def.element));
      else if (def.type === 'record' && def.valueType) next.push(core(def.valueType));
    };
    current.forEach(visit);
    current = next;
  }
  if (!key) return current;
  const keys: AnySchema[] = [];
  for (const s of current) {
    const def = s._zod.def as { type: string; keyType?: AnySchema };
    if (def.type === 'record' && def.keyType) keys.push(core(def.keyType));
  }
  return keys;
}

/** What to write instead, from the hint of the schema at the issue's path (hints.ts), if it has one. */
function hintAt(schema: AnySchema, path: YamlPath, value: unknown, key = false): string | undefined {
  const ask = (s: AnySchema): string | undefined => {
    const own = hintOf(s)?.(value);
    if (own) return own;
    // A union without a hint of its own (a string or a mapping, say): the first of its options that has one.
    const def = s._zod.def as { type: string; options?: AnySchema[] };
    if (def.type !== 'union') return undefined;
    for (const o of def.options ?? []) {
      const hint = ask(core(o));
      if (hint) return hint;
    }
    return undefined;
  };
  for (const s of schemasAt(schema, path, key)) {
    const hint = ask(s);
    if (hint) return hint;
  }
  return undefined;
}

/** The description of the field at a path (the README reference's text), if it has one. */
function descriptionAt(schema: AnySchema, path: YamlPath): string | undefined {
  for (const s of schemasAt(schema, path)) {
    for (const c of (s._zod.def as { checks?: { _zod: { def: { check: string; description?: string } } }[] }).checks ??
      []) {
      const d = c._zod.def;
      if (d.check === 'describe' && d.description) return d.description;
    }
  }
  return undefined;
}

const shapes: Record<string, string> = {
  boolean: 'Write true or false.',
  array: 'Write a list: [a, b], or one "- item" per line below the key.',
  object: 'Write a mapping: "key: value" lines indented below this key, or { key: value }.',
  record: 'Write a mapping: "key: value" lines indented below this key, or { key: value }.',
  string: 'Write a string; quote it ("…") if YAML would read it as a number, boolean or list.',
};

/** For a value of the wrong type without a hint of its own: its example from the reference, or its shape. */
function typeHint(schema: AnySchema, path: YamlPath, issue: Issue): string | undefined {
  const example = /\be\.g\. ([^;)]+?)\.?(?:[;)]|$)/.exec(descriptionAt(schema, path) ?? '')?.[1];
  if (example) return `Write a value such as ${example}.`;
  if (issue.code === 'invalid_type') return shapes[issue.expected];
  return undefined;
}

/** The object schemas a YAML path may lead to (several through unions), to list the keys valid there. */
function objectsAt(schema: AnySchema, path: YamlPath): AnySchema[] {
  const current = schemasAt(schema, path);
  const objects: AnySchema[] = [];
  const collect = (s: AnySchema) => {
    const def = s._zod.def as { type: string; options?: AnySchema[] };
    if (def.type === 'union') def.options?.forEach((o) => collect(core(o)));
    else if (def.type === 'object') objects.push(s);
  };
  current.forEach(collect);
  return objects;
}

export function keysAt(schema: AnySchema, path: YamlPath): string[] {
  const keys = new Set<string>();
  for (const o of objectsAt(schema, path))
    for (const k of Object.keys((o._zod.def as unknown as { shape: object }).shape)) keys.add(k);
  return [...keys].sort();
}

function valueAt(root: unknown, path: YamlPath): unknown {
  let v = root;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

const kindOf = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'mapping' : typeof v;

/** From a failed union, keep the branch that matches the value's type: its issues are the useful ones. */
function pickBranch(branches: Issue[][]): Issue[] {
  const typed = branches.filter((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  const pool = typed.length ? typed : branches;
  return [...pool].sort((a, b) => a.length - b.length)[0] ?? [];
}

function flatten(issues: readonly Issue[], prefix: YamlPath = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as YamlPath)];
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const branch = pickBranch(issue.errors as Issue[][]);
      if (branch.length && !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0)) {
        out.push(...flatten(branch, path));
        continue;
      }
    }
    if (issue.code === 'invalid_key' && issue.issues.length) {
      // Kept an invalid_key (reported at the key), worded by the key schema's own issue.
      out.push({ ...issue, message: (issue.issues[0] as Issue).message, path } as Issue);
      continue;
    }
    out.push({ ...issue, path } as Issue);
  }
  return out;
}

const tidy = (m: string) =>
  m
    .replace(/^Invalid input: /, '')
    .replace(/^Invalid option: /, '')
    .replace(/^Invalid string: /, '');

const typeName = (t: string) =>
  ({
    record: 'a mapping',
    object: 'a mapping',
    array: 'a list',
    int: 'a whole number',
    number: 'a number',
    string: 'a string',
    boolean: 'a boolean',
  })[t] ?? `a ${t}`;

/**
 * The sentence after "PATH …" for an issue. zod/mini ships no message catalogue (that is what keeps it small),
 * so the codes machinist's schemas can raise are worded here; custom checks bring their own message.
 */
function describeIssue(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${typeName(issue.expected)}, not ${kindOf(value)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.inclusive === false ? ' (exclusive)' : ''}`;
    case 'invalid_union': {
      const expected = [
        ...new Set(
          issue.errors
            .flat()
            .filter((i) => i.code === 'invalid_type' && i.path.length === 0)
            .map((i) => typeName((i as { expected: string }).expected)),
        ),
      ];
      return expected.length ? `must be ${expected.join(' or ')}, not ${kindOf(value)}` : `is not valid here`;
    }
    default:
      return `${tidy(issue.message)}`;
  }
}

// A key with a control character or a quote is shown JSON-quoted, so nothing reaches a terminal raw.
const segment = (k: string | number) =>
  typeof k === 'string' && /[^\x20-\x7e]|["\\]/.test(k) ? JSON.stringify(k) : String(k);
const where = (path: YamlPath) => (path.length ? path.map(segment).join('.') : 'the top level');

/** The file, schema and container an issue is worded for. */
interface Wording {
  file: ParsedFile;
  schema: AnySchema;
  base: { file: string; container: string | undefined };
}

/** One diagnostic per unknown key of an issue, at most `room` of them. */
function unknownKeys(w: Wording, issue: z.core.$ZodIssueUnrecognizedKeys, room: number): Diagnostic[] {
  const path = issue.path as YamlPath;
  const valid = keysAt(w.schema, path);
  return issue.keys.slice(0, room).map((key) => {
    const near = didYouMean(key, valid);
    const shown = /[^\x20-\x7e]/.test(key) ? JSON.stringify(key) : `"${key}"`;
    return diag('unknown-key', `unknown key ${shown} in ${where(path)}`, {
      ...w.base,
      path: [...path, key],
      pos: locate(w.file, [...path, key], 'key'),
      hint: near ? `${near} Valid keys here: ${valid.join(', ')}.` : `Valid keys here: ${valid.join(', ')}.`,
    });
  });
}

/** The diagnostic for an issue with a value (or a key that is not valid, or a required key that is missing). */
function valueIssue(w: Wording, issue: Issue): Diagnostic {
  const { file, schema, base } = w;
  const path = issue.path as YamlPath;
  if (issue.code === 'invalid_key') {
    // The key is shown JSON-quoted: it may hold control characters that must not reach a terminal raw.
    const key = String(path[path.length - 1]);
    const hint = hintAt(schema, path, key, true);
    const message = `key ${JSON.stringify(key)} in ${where(path.slice(0, -1))} ${tidy(issue.message)}`;
    return diag('invalid-value', message, { ...base, path, pos: locate(file, path, 'key'), ...(hint ? { hint } : {}) });
  }
  const value = valueAt(file.value, path);
  if (issue.code === 'invalid_type' && value === undefined && path.length) {
    // A required key that is missing: its mapping is where to add it.
    const parent = path.slice(0, -1);
    const key = String(path[path.length - 1]);
    const pos = locate(file, parent, parent.length ? 'key' : 'value');
    const hint = `Add ${key}: (${typeName(issue.expected)}).`;
    return diag('invalid-value', `${where(parent)} needs the key "${key}"`, { ...base, path: parent, pos, hint });
  }
  const custom = issue.code === 'custom' || issue.code === 'invalid_format';
  let message = `${where(path)} ${custom ? tidy(issue.message) : describeIssue(issue, value)}`;
  let hint = hintAt(schema, path, value);
  if (issue.code === 'invalid_type' && issue.expected === 'boolean' && typeof value === 'string') {
    hint = 'Write true or false (YAML 1.2: yes/no/on/off are strings).';
  }
  // YAML reads a plain 10 or true as a number or boolean; in quotes it is the text (unless the setting's own
  // hint already says what to write, e.g. "150%" for a CPU quota).
  if (issue.code === 'invalid_type' && issue.expected === 'string' && typeof value !== 'string') {
    if (typeof value === 'number' || typeof value === 'boolean') hint ??= `Write it in quotes: "${String(value)}".`;
  }
  if (issue.code === 'invalid_value') {
    const options = issue.values.map(String);
    message = `${where(path)} is "${String(value)}"; expected one of: ${options.join(', ')}`;
    const near = typeof value === 'string' ? didYouMean(value, options) : undefined;
    hint = near ?? `Write one of: ${options.join(', ')}.`;
  }
  hint ??= typeHint(schema, path, issue);
  return diag('invalid-value', message, { ...base, path, pos: locate(file, path), ...(hint ? { hint } : {}) });
}

/** Validate one parsed file against its schema; every issue becomes a diagnostic at its YAML position. */
export function validateFile(file: ParsedFile, schema: AnySchema, container?: string): Diagnostic[] {
  const result = z.safeParse(schema, file.value);
  if (result.success) return [];
  const w: Wording = { file, schema, base: { file: file.source.file, container } };
  const out: Diagnostic[] = [];
  // Only the first MAX_FILE_DIAGNOSTICS are worded and located (finding a position is the costly part).
  let more = 0;
  for (const issue of flatten(result.error.issues)) {
    const count = issue.code === 'unrecognized_keys' ? issue.keys.length : 1;
    const room = MAX_FILE_DIAGNOSTICS - out.length;
    if (room < count) more += count - Math.max(room, 0);
    if (room <= 0) continue;
    if (issue.code === 'unrecognized_keys') out.push(...unknownKeys(w, issue, room));
    else out.push(valueIssue(w, issue));
  }
  return atMost(out, MAX_FILE_DIAGNOSTICS, file.source.file, container, more);
}

/** validateFile with the schema of the file's kind. */
export const validateKind = (file: ParsedFile, container?: string): Diagnostic[] =>
  validateFile(file, schemaFor[file.source.kind], container);
