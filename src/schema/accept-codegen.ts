// Writes the source of accept.generated.ts: for each kind of file, a plain function that answers whether zod
// would accept a value, generated from the zod schemas themselves. The generator runs at every boot; with this,
// a valid configuration is checked without building a single zod schema (building them is most of what zod
// costs at start-up) and without zod's per-value bookkeeping. zod still words every error: pipeline.ts asks it
// only when the generated check says no. test/stages/accept.test.ts proves both agree, value by value.
//
// Only what machinist's schemas use is supported; anything else stops the build with the path to it, so a new
// kind of schema cannot be checked more loosely by mistake.
import type * as z from 'zod/mini';
import { rules } from './rules.js';

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, AnySchema>;
  catchall?: AnySchema;
  innerType?: AnySchema;
  options?: AnySchema[];
  element?: AnySchema;
  keyType?: AnySchema;
  valueType?: AnySchema;
  entries?: Record<string, unknown>;
  format?: string;
  mode?: string;
}
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  value?: number;
  inclusive?: boolean;
  fn?: unknown;
}

const ruleNames = new Map<unknown, string>(Object.entries(rules).map(([name, fn]) => [fn, name]));

class Writer {
  private readonly functions = new Map<AnySchema, string>();
  private readonly bodies: string[] = [];
  private readonly byBody = new Map<string, string>();
  private readonly constants: string[] = [];
  private readonly constantNames = new Map<string, string>();

  private constant(prefix: string, code: string): string {
    let name = this.constantNames.get(code);
    if (!name) {
      name = `${prefix}${this.constantNames.size}`;
      this.constantNames.set(code, name);
      this.constants.push(`const ${name} = ${code};`);
    }
    return name;
  }

  /** The checks attached to a schema (regex, bounds, number format, named rules), as conditions on x. */
  private checks(def: Def, x: string, where: string): string[] {
    const out: string[] = [];
    if (def.type === 'number' && def.format) out.push(this.numberFormat(def.format, x, where));
    for (const c of def.checks ?? []) {
      const d = c._zod.def;
      if (d.check === 'describe') continue;
      if (d.check === 'string_format' && d.format === 'regex' && d.pattern && !d.pattern.global && !d.pattern.sticky) {
        out.push(`${this.constant('RE', String(d.pattern))}.test(${x})`);
      } else if (d.check === 'greater_than' && typeof d.value === 'number') {
        out.push(`${x} ${d.inclusive ? '>=' : '>'} ${d.value}`);
      } else if (d.check === 'less_than' && typeof d.value === 'number') {
        out.push(`${x} ${d.inclusive ? '<=' : '<'} ${d.value}`);
      } else if (d.check === 'number_format' && d.format) {
        out.push(this.numberFormat(d.format, x, where));
      } else if (d.check === 'custom' && ruleNames.has(d.fn)) {
        out.push(`R.${ruleNames.get(d.fn)}(${x})`);
      } else {
        throw new Error(
          `accept-codegen: unsupported check "${d.check}${d.format ? `:${d.format}` : ''}" at ${where} (custom checks must be a function of rules.ts)`,
        );
      }
    }
    return out;
  }

  private numberFormat(format: string, x: string, where: string): string {
    if (format === 'safeint') return `Number.isSafeInteger(${x})`;
    throw new Error(`accept-codegen: unsupported number format "${format}" at ${where}`);
  }

  /** A boolean expression: does `x` (an identifier) pass `schema`? */
  expr(schema: AnySchema, x: string, where: string): string {
    const def = schema._zod.def as unknown as Def;
    const all = (conds: string[]) => (conds.length === 1 ? conds[0]! : `(${conds.join(' && ')})`);
    switch (def.type) {
      case 'optional':
        if (def.checks?.some((c) => c._zod.def.check !== 'describe'))
          throw new Error(`accept-codegen: checks on an optional at ${where}`);
        return `(${x} === undefined || ${this.expr(def.innerType!, x, where)})`;
      case 'string':
        return all([`typeof ${x} === 'string'`, ...this.checks(def, x, where)]);
      case 'number':
        return all([`typeof ${x} === 'number'`, `Number.isFinite(${x})`, ...this.checks(def, x, where)]);
      case 'boolean':
        return all([`typeof ${x} === 'boolean'`, ...this.checks(def, x, where)]);
      case 'unknown':
        // A free-form value (a cloud-init document's contents): zod accepts anything, checks aside.
        if (def.checks?.some((c) => c._zod.def.check !== 'describe'))
          throw new Error(`accept-codegen: checks on an unknown at ${where}`);
        return 'true';
      case 'enum': {
        const values = Object.values(def.entries ?? {});
        if (!values.every((v) => typeof v === 'string')) throw new Error(`accept-codegen: non-string enum at ${where}`);
        return all([
          `${this.constant('ONE_OF', `new Set(${JSON.stringify(values)})`)}.has(${x})`,
          ...this.checks(def, x, where),
        ]);
      }
      case 'union':
        if (def.checks?.some((c) => c._zod.def.check !== 'describe'))
          throw new Error(`accept-codegen: checks on a union at ${where}`);
        return `(${def.options!.map((o, i) => this.expr(o, x, `${where}|${i}`)).join(' || ')})`;
      case 'object':
      case 'array':
      case 'record':
        return `${this.func(schema, def, where)}(${x})`;
      default:
        throw new Error(`accept-codegen: unsupported schema type "${def.type}" at ${where}`);
    }
  }

  /** Objects, arrays and records get a function of their own (shared where the schema object is shared). */
  private func(schema: AnySchema, def: Def, where: string): string {
    const known = this.functions.get(schema);
    if (known) return known;
    const extra = this.checks(def, 'v', where);
    if (extra.length) throw new Error(`accept-codegen: checks on a ${def.type} at ${where}`);
    const lines: string[] = [];
    if (def.type === 'object') {
      // zod: any non-array object; each declared key is checked as v[key]; a strict object refuses other keys.
      lines.push(`if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;`);
      const keys = Object.keys(def.shape ?? {});
      const catchall = def.catchall?._zod.def.type;
      if (catchall === 'never') {
        lines.push(
          `for (const k in v) if (!${this.constant('KEYS', `new Set(${JSON.stringify(keys)})`)}.has(k)) return false;`,
        );
      } else if (catchall !== undefined) {
        throw new Error(`accept-codegen: object catchall "${catchall}" at ${where}`);
      }
      keys.forEach((k, i) => {
        lines.push(
          `const v${i} = v[${JSON.stringify(k)}];`,
          `if (!(${this.expr(def.shape![k]!, `v${i}`, `${where}.${k}`)})) return false;`,
        );
      });
    } else if (def.type === 'array') {
      lines.push(`if (!Array.isArray(v)) return false;`);
      lines.push(
        `for (let i = 0; i < v.length; i++) {`,
        `  const e = v[i];`,
        `  if (!(${this.expr(def.element!, 'e', `${where}[]`)})) return false;`,
        `}`,
      );
    } else {
      const keyDef = def.keyType!._zod.def as unknown as Def;
      if (keyDef.type !== 'string' || (def.mode !== undefined && def.mode !== 'strict'))
        throw new Error(`accept-codegen: record keys must be strings at ${where}`);
      // zod: a plain object; own enumerable keys but __proto__, each key and its value checked.
      lines.push(`if (!isPlainObject(v)) return false;`);
      lines.push(
        `for (const k of Reflect.ownKeys(v)) {`,
        `  if (k === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, k)) continue;`,
      );
      lines.push(
        `  if (!(${this.expr(def.keyType!, 'k', `${where}(key)`)})) return false;`,
        `  const e = v[k];`,
        `  if (!(${this.expr(def.valueType!, 'e', `${where}(value)`)})) return false;`,
        `}`,
      );
    }
    // Equal schemas written twice (after: and requires:, say) share one function.
    const body = `(v: any): boolean {\n${lines.map((l) => `  ${l}`).join('\n')}\n  return true;\n}`;
    let name = this.byBody.get(body);
    if (!name) {
      name = `check${this.byBody.size}`;
      this.byBody.set(body, name);
      this.bodies.push(`function ${name}${body}`);
    }
    this.functions.set(schema, name);
    return name;
  }

  source(exports: string[]): string {
    return [
      '// Generated from the zod schemas in src/schema by accept-codegen.ts (npm run build writes it; a test checks it',
      '// is current). Do not edit. Each function answers whether zod would accept a value; zod words the errors.',
      "import { isPlainObject, rules as R } from './rules.js';",
      '',
      ...this.constants,
      '',
      ...this.bodies.join('\n\n').split('\n'),
      '',
      ...exports,
      '',
    ].join('\n');
  }
}

/** The TypeScript source of accept.generated.ts for these schemas, one exported function per kind. */
export function acceptSource(schemas: Record<string, AnySchema>): string {
  const w = new Writer();
  const exports: string[] = ['export const accept = {'];
  for (const [kind, schema] of Object.entries(schemas))
    exports.push(
      `  ${/^[A-Za-z_]\w*$/.test(kind) ? kind : JSON.stringify(kind)}: (v: unknown): boolean => ${w.expr(schema, 'v', kind)},`,
    );
  exports.push('};');
  return w.source(exports);
}
