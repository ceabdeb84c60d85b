// The pure part of the pipeline, shared by `compile`, the generator and the tests:
// source texts → parse → validate → resolve → translate. No I/O here.
import { diag } from './diagnostics/catalogue.js';
import type { Diagnostic } from './diagnostics/types.js';
import { sortDiagnostics } from './diagnostics/types.js';
import { parseSource } from './load/parse.js';
import type { ParsedFile } from './load/parse.js';
import type { SourceFile } from './load/read.js';
import { resolve } from './resolve/resolve.js';
import { loadValidation } from './schema/load-validation.js';
import { accept } from './schema/accept.generated.js';
import { markPrivate } from './emit/modes.js';
import { fileNameProblem } from './schema/names.js';
import { translate } from './translate/index.js';
import type { TranslateOptions } from './translate/index.js';
import { fold, unreadableContainers, unrenderableContainers } from './translate/fold.js';
import type { Folded } from './translate/fold.js';

export interface Build extends Folded {
  diagnostics: Diagnostic[];
  files: ParsedFile[];
}

/** Errors of reading the config directory, which fail the containers whose files they are about. */
export interface ReadErrors {
  diagnostics: readonly Diagnostic[];
  /** The config directory as its files are named in diagnostics. */
  shownDir: string;
}

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

/** `opts`: where the outputs live as the running system sees them (default: where compile writes). */
export function build(sources: readonly SourceFile[], read?: ReadErrors, opts?: TranslateOptions): Build {
  const diagnostics: Diagnostic[] = [];
  const fileErrors = new Map<string, Diagnostic[]>();
  const files: ParsedFile[] = [];
  for (const source of sources) {
    const { parsed, diagnostics: parseDiags } = parseSource(source);
    const container = source.kind === 'container' ? source.name : undefined;
    const own = parseDiags.map((d) => (container ? { ...d, container } : d));
    const badName = fileNameProblem(source.kind, source.name);
    if (badName) {
      own.push(
        diag('invalid-name', `"${source.name}" from ${source.rel} ${badName.message}`, {
          file: source.file,
          hint: badName.hint,
          ...(container ? { container } : {}),
        }),
      );
    }
    // The generated check decides; zod (loaded only then) words what is wrong with a value it refuses.
    if (parsed.value !== undefined && !parseDiags.length && !accept[source.kind](parsed.value))
      own.push(...loadValidation().validateKind(parsed, container));
    diagnostics.push(...own);
    const errors = own.filter((d) => d.severity === 'error');
    if (errors.length) fileErrors.set(source.rel, errors);
    files.push(parsed);
  }
  const resolved = resolve({ files, fileErrors });
  diagnostics.push(...resolved.diagnostics);
  const translated = translate(resolved.model, opts);
  diagnostics.push(...translated.diagnostics);
  const folded = fold(resolved.model, translated, read && unreadableContainers(read.diagnostics, read.shownDir));
  markPrivate(folded.outputs, folded.model, files);
  return { ...folded, diagnostics: sortDiagnostics(dedupe(diagnostics)), files };
}

/**
 * The build with each container whose files cannot be rendered failed alone, or undefined if all render.
 * For after a renderer's error: one bad value must not stop every container.
 */
export function withoutUnrenderable(b: Build): Build | undefined {
  const bad = unrenderableContainers(b);
  if (!bad.size) return undefined;
  const folded = fold(b.model, { outputs: b.outputs, failed: new Map(), brokenSlices: new Set() }, bad);
  return { ...folded, diagnostics: sortDiagnostics([...b.diagnostics, ...[...bad.values()].flat()]), files: b.files };
}
