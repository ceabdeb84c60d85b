// The pure part of the pipeline, shared by `compile`, the generator and the tests:
// source texts → parse → validate → resolve → translate. No I/O here.
import { diag } from './diagnostics/catalogue.js';
import type { Diagnostic } from './diagnostics/types.js';
import { sortDiagnostics } from './diagnostics/types.js';
import { parseSource } from './load/parse.js';
import type { ParsedFile } from './load/parse.js';
import type { Kind, SourceFile } from './load/read.js';
import type { Model } from './resolve/model.js';
import { resolve } from './resolve/resolve.js';
import { loadValidation } from './schema/load-validation.js';
import { accept } from './schema/accept.generated.js';
import { hostnamePattern, profileNamePattern, sliceNamePattern } from './schema/rules.js';
import { markPrivate } from './emit/modes.js';
import { translate } from './translate/index.js';
import type { Output } from './translate/output.js';

export interface Build {
  model: Model;
  outputs: Output[];
  diagnostics: Diagnostic[];
  files: ParsedFile[];
}

const names: Partial<Record<Kind, { pattern: RegExp; what: string }>> = {
  container: { pattern: hostnamePattern, what: 'a machine name (a valid host name: letters, digits and "-", dot-separated, at most 64 characters)' },
  profile: { pattern: profileNamePattern, what: 'a profile name (letters, digits, "-", "_" and ".")' },
  slice: { pattern: sliceNamePattern, what: 'a slice name (letters, digits and "_", with "-" between levels)' },
};

/** The same diagnostic can be found through several containers (a broken shared profile): report it once. */
function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = [d.code, d.file, d.pos?.line, d.pos?.col, d.message].join('|');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function build(sources: readonly SourceFile[]): Build {
  const diagnostics: Diagnostic[] = [];
  const fileErrors = new Map<string, Diagnostic[]>();
  const files: ParsedFile[] = [];
  for (const source of sources) {
    const { parsed, diagnostics: parseDiags } = parseSource(source);
    const container = source.kind === 'container' ? source.name : undefined;
    const own = parseDiags.map((d) => (container ? { ...d, container } : d));
    const rule = names[source.kind];
    if (rule && !rule.pattern.test(source.name)) {
      own.push(diag('invalid-name', `"${source.name}" from ${source.rel} is not ${rule.what}`, { file: source.file, ...(container ? { container } : {}) }));
    }
    // The generated check decides; zod (loaded only then) words what is wrong with a value it refuses.
    if (parsed.value !== undefined && !parseDiags.length && !accept[source.kind](parsed.value)) own.push(...loadValidation().validateKind(parsed, container));
    diagnostics.push(...own);
    const errors = own.filter((d) => d.severity === 'error');
    if (errors.length) fileErrors.set(source.rel, errors);
    files.push(parsed);
  }
  const resolved = resolve({ files, fileErrors });
  diagnostics.push(...resolved.diagnostics);
  const translated = translate(resolved.model);
  diagnostics.push(...translated.diagnostics);
  return { model: resolved.model, outputs: markPrivate(translated.outputs, resolved.model, files), diagnostics: sortDiagnostics(dedupe(diagnostics)), files };
}
