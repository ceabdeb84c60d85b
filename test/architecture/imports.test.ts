// The folders of src/ are the pipeline (DESIGN.md: load -> schema -> resolve -> translate -> ini -> emit), and
// this test keeps them so: it reads every import, export-from and require() of src/**/*.ts and checks that a
// module only ever uses its own folder or a folder of an earlier layer, so there is no circle between folders
// and no stage reaches forward. ini, systemd's syntax, may use the schema's value rules; it is used by the stages
// that check values against that syntax (resolve) or build text (translate, emit), so it sits below them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(new URL('../..', import.meta.url).pathname, 'src');

/** Layers, lowest first: a folder (or a module directly in src/) may use its own folder and earlier layers. */
const LAYERS: string[][] = [
  ['order', 'lazy', 'fs', 'hash'],
  ['diagnostics'],
  ['load'],
  ['schema'],
  ['ini'],
  ['resolve'],
  ['translate'],
  ['emit'],
  ['pipeline'],
  ['generator', 'index', 'report'],
  ['operate'],
  ['cli'],
  ['main'],
];
const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? modules(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The folder a module of src/ belongs to: its first directory, or its own name for a module in src/. */
const unitOf = (file: string) => {
  const parts = relative(src, file).split('/');
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.[jt]s$/, '');
};

/** Every relative module a file uses: import/export ... from, bare import, require(). */
function usedModules(text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gm),
    ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...text.matchAll(/\brequire\('([^']+)'\)/g),
  ].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.'));
}

const edges = modules(src).flatMap((file) =>
  usedModules(readFileSync(file, 'utf8')).map((spec) => ({
    from: relative(src, file),
    to: relative(src, normalize(join(dirname(file), spec))),
    fromUnit: unitOf(file),
    toUnit: unitOf(normalize(join(dirname(file), spec))),
  })),
);

describe('src/ layers', () => {
  it('finds the imports it checks (multi-line, type-only and require() among them)', () => {
    const lines = ["import {\n  a,\n  b,\n} from './x.js';", "import type { T } from '../y.js';", "require('./z.js');"];
    const text = lines.join('\n');
    expect(usedModules(text)).toEqual(['./x.js', '../y.js', './z.js']);
    expect(edges.length).toBeGreaterThan(100);
    const lazyLoad = { from: 'schema/load-validation.ts', to: 'schema/validate.js' };
    expect(edges).toContainEqual(expect.objectContaining(lazyLoad));
  });

  it('places every folder and top-level module of src/ in a layer', () => {
    const units = new Set(modules(src).map(unitOf));
    expect([...units].filter((u) => !layerOf.has(u)).sort()).toEqual([]);
  });

  it('has every module use only its own folder and folders of earlier layers', () => {
    const wrong = edges
      .filter((e) => e.fromUnit !== e.toUnit && layerOf.get(e.toUnit)! >= layerOf.get(e.fromUnit)!)
      .map((e) => `${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });
});
