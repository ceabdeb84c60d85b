// Golden trees: each examples/NAME/config compiles to exactly the tree in examples/NAME/expected/ (files byte
// for byte, symlinks by target, the link manifest included), with no diagnostics, a second compile that
// changes nothing, and output that does not depend on the order the config files were read in.
//
//   UPDATE_GOLDEN=1 npx vitest run test/golden     rewrites every expected/ tree (stale files are deleted)
//
// Review every changed expected file by eye before committing it: it is what machinist promises to write.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/emit/diff.js';
import { renderOwned } from '../../src/emit/ownership.js';
import { build, compile } from '../../src/index.js';
import type { Build } from '../../src/index.js';
import { readConfig } from '../../src/load/read.js';
import { shuffled } from '../helpers/random.js';
import { walkTree } from '../helpers/tree.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const SHOWN = '/etc/machinist';
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const examples = readdirSync(EXAMPLES)
  .filter((n) => existsSync(join(EXAMPLES, n, 'config')))
  .sort();

type Entry = { type: 'file'; content: Buffer } | { type: 'symlink'; target: string } | { type: 'other'; what: string };

/** Every file and symlink below `root`, by path relative to it. Directories only hold them. */
function readTree(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const { rel, abs, st } of walkTree(root)) {
    if (st.isDirectory()) continue;
    if (st.isSymbolicLink()) out.set(rel, { type: 'symlink', target: readlinkSync(abs) });
    else if (st.isFile()) out.set(rel, { type: 'file', content: readFileSync(abs) });
    else out.set(rel, { type: 'other', what: `mode ${st.mode.toString(8)}` });
  }
  return out;
}

const show = (e: Entry) =>
  e.type === 'file' ? `file (${e.content.length} bytes)` : e.type === 'symlink' ? `symlink -> ${e.target}` : e.what;

/** Missing, extra and different paths of `actual` against `expected`, with a diff for each changed file. */
function compareTrees(expected: Map<string, Entry>, actual: Map<string, Entry>): string[] {
  const problems: string[] = [];
  for (const [rel, want] of expected) {
    const got = actual.get(rel);
    if (!got) problems.push(`missing (expected, not written): ${rel} (${show(want)})`);
    else if (want.type === 'file' && got.type === 'file') {
      if (!want.content.equals(got.content)) {
        problems.push(
          `different: ${rel}\n${unifiedDiff(want.content.toString('utf8'), got.content.toString('utf8'), `expected/${rel}`, `actual/${rel}`)}`,
        );
      }
    } else if (want.type === 'symlink' && got.type === 'symlink') {
      if (want.target !== got.target)
        problems.push(`different: ${rel}: symlink -> ${want.target} expected, -> ${got.target} written`);
    } else problems.push(`different: ${rel}: ${show(want)} expected, ${show(got)} written`);
  }
  for (const [rel, got] of actual)
    if (!expected.has(rel)) problems.push(`extra (written, not expected): ${rel} (${show(got)})`);
  return problems;
}

function writeTree(root: string, tree: Map<string, Entry>): void {
  rmSync(root, { recursive: true, force: true });
  for (const [rel, e] of tree) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    if (e.type === 'file') writeFileSync(path, e.content);
    else if (e.type === 'symlink') symlinkSync(e.target, path);
    else throw new Error(`cannot store ${rel} (${e.what}) in a golden tree`);
  }
}

/** Everything every output says, in output order, as one string. */
function rendered(b: Build): string {
  return b.outputs
    .map((o) => `== ${o.dir}:${o.rel}\n${o.kind === 'file' ? renderOwned(o.doc) : `-> ${o.target}\n`}`)
    .join('');
}

/** mtime (ns) of every entry below root, directories included: a rewrite or a rename would show. */
function mtimes(root: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const walk = (rel: string) => {
    const st = lstatSync(join(root, rel), { bigint: true });
    out.set(rel || '.', st.mtimeNs);
    if (st.isDirectory()) for (const n of readdirSync(join(root, rel))) walk(rel ? `${rel}/${n}` : n);
  };
  walk('');
  return out;
}

describe('examples compile to their golden trees', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('has the examples, each with a README and an expected/ tree', () => {
    expect(examples).toEqual(expect.arrayContaining(['app', 'dev', 'hardened', 'lab', 'web']));
    for (const ex of readdirSync(EXAMPLES)) {
      expect(existsSync(join(EXAMPLES, ex, 'config')), `examples/${ex} has no config/`).toBe(true);
      expect(existsSync(join(EXAMPLES, ex, 'README.md')), `examples/${ex} has no README.md`).toBe(true);
      if (!UPDATE)
        expect(
          existsSync(join(EXAMPLES, ex, 'expected')),
          `examples/${ex} has no expected/ (run UPDATE_GOLDEN=1)`,
        ).toBe(true);
    }
  });

  describe.each(examples)('%s', (ex) => {
    const configDir = join(EXAMPLES, ex, 'config');
    const expectedDir = join(EXAMPLES, ex, 'expected');
    let root = '';
    const compileOnce = () => compile({ configDir, shownDir: SHOWN, root });

    it('compiles with no diagnostics to exactly the expected tree', () => {
      root = mkdtempSync(join(tmpdir(), `machinist-golden-${ex}-`));
      roots.push(root);
      const r = compileOnce();
      expect(r.diagnostics.map((d) => `${d.file}:${d.pos?.line ?? ''}: ${d.code}: ${d.message}`)).toEqual([]);
      expect(r.written).toBe(true);
      const actual = readTree(root);
      if (UPDATE) writeTree(expectedDir, actual);
      const problems = compareTrees(readTree(expectedDir), actual);
      expect(
        problems.length,
        `examples/${ex}/expected differs (UPDATE_GOLDEN=1 rewrites it):\n\n${problems.join('\n')}`,
      ).toBe(0);
    });

    it('compiles again without changing anything', () => {
      expect(root, 'the first compile did not run').not.toBe('');
      const before = mtimes(root);
      const tree = readTree(root);
      const r = compileOnce();
      expect(r.diagnostics).toEqual([]);
      expect(r.plan.actions.filter((a) => a.op !== 'unchanged').map((a) => `${a.op} ${a.rel}`)).toEqual([]);
      expect(r.plan.affected).toEqual([]);
      expect(mtimes(root)).toEqual(before);
      expect(compareTrees(tree, readTree(root))).toEqual([]);
    });

    it('writes the same bytes whatever order the config files are read in', () => {
      const { files, diagnostics } = readConfig(configDir, SHOWN);
      expect(diagnostics).toEqual([]);
      const reference = build(files);
      expect(reference.diagnostics).toEqual([]);
      const want = rendered(reference);
      const orders = [[...files].reverse(), ...[1, 2, 3, 4, 5].map((seed) => shuffled(files, seed))];
      for (const order of orders) {
        const b = build(order);
        expect(b.diagnostics).toEqual([]);
        expect(rendered(b), `read in the order ${order.map((f) => f.rel).join(', ')}`).toBe(want);
      }
    });
  });
});
