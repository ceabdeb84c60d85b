// Small files and small functions (the project's rule of craft): no file in src/ over 400 lines and no function
// over 60, generated code aside. Functions are found by the TypeScript parser, so arrow functions and methods
// count too; a function's lines include those of the functions inside it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = new URL('../..', import.meta.url).pathname;
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.generated.ts') ? [p] : [];
  });
}

/** Every function-like node with a body that spans more than `max` lines, as FILE:LINE NAME (N lines). */
function longFunctions(file: string, text: string, max: number): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const last = sf.getLineAndCharacterOfPosition(n.end).line;
      const name = n.name ? n.name.getText(sf) : '(anonymous)';
      if (last - first + 1 > max) out.push(`${relative(repo, file)}:${first + 1} ${name} (${last - first + 1} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('sizes in src/ and generator/', () => {
  const files = [...sources(join(repo, 'src')), ...sources(join(repo, 'generator'))];

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => [relative(repo, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8'), MAX_FUNCTION_LINES))).toEqual([]);
  });

  it('would find a long function', () => {
    const body = Array.from({ length: 61 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    expect(longFunctions(join(repo, 'x.ts'), `function big() {\n${body}\n}\n`, MAX_FUNCTION_LINES)).toEqual([
      'x.ts:1 big (63 lines)',
    ]);
  });
});
