// unifiedDiff is judged by GNU diffutils: exact output of `diff -u` where the shortest diff is unique, and
// for random inputs, GNU `patch` must turn old into new with as few changed lines as `diff --minimal`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileDiff, unifiedDiff } from '../../src/emit/diff.js';

const dir = mkdtempSync(join(tmpdir(), 'machinist-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const haveGnu = spawnSync('diff', ['--version'], { encoding: 'utf8' }).stdout?.includes('GNU') ?? false;
const havePatch = spawnSync('patch', ['--version']).status === 0;

function gnuDiff(oldText: string, newText: string, context: number, extra: string[] = []): string {
  writeFileSync(join(dir, 'old'), oldText);
  writeFileSync(join(dir, 'new'), newText);
  const r = spawnSync('diff', [`-U${context}`, ...extra, '--label', 'a/f', '--label', 'b/f', 'old', 'new'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`diff failed: ${r.stderr}`);
  return r.stdout;
}

const lines = (from: number, to: number, prefix = 'line'): string => {
  let s = '';
  for (let i = from; i <= to; i++) s += `${prefix} ${i}\n`;
  return s;
};
const base = lines(1, 20);

const cases: Array<[name: string, oldText: string, newText: string, context: number]> = [
  ['equal files', base, base, 3],
  ['one line changed in the middle', base, base.replace('line 10\n', 'line ten\n'), 3],
  ['change on the first line', base, base.replace('line 1\n', 'first\n'), 3],
  ['change on the last line', base, base.replace('line 20\n', 'last\n'), 3],
  ['insert at the start', base, 'new\n' + base, 3],
  ['append at the end', base, base + 'new 1\nnew 2\n', 3],
  ['two changes far apart: two hunks', base, base.replace('line 3\n', 'x\n').replace('line 17\n', 'y\n'), 3],
  ['changes 6 lines apart share a hunk', base, base.replace('line 5\n', 'x\n').replace('line 12\n', 'y\n'), 3],
  ['changes 7 lines apart: two hunks', base, base.replace('line 5\n', 'x\n').replace('line 13\n', 'y\n'), 3],
  ['pure deletion in the middle', base, base.replace('line 8\nline 9\n', ''), 3],
  ['pure insertion in the middle', base, base.replace('line 8\n', 'line 8\nins a\nins b\n'), 3],
  ['context 0 insertion', base, base.replace('line 8\n', 'line 8\nins\n'), 0],
  ['context 0 deletion', base, base.replace('line 8\n', ''), 0],
  ['context 1 replace block', base, base.replace('line 4\nline 5\n', 'four\nfive\nfive and a half\n'), 1],
  ['creation', '', 'a\nb\nc\n', 3],
  ['creation of one line', '', 'a\n', 3],
  ['deletion', 'a\nb\nc\n', '', 3],
  ['old lacks the final newline', 'a\nb\nc', 'a\nb\nc\n', 3],
  ['new lacks the final newline', 'a\nb\nc\n', 'a\nb\nc', 3],
  ['both lack it, last line changed', 'a\nb\nc', 'a\nb\nd', 3],
  [
    'both lack it, change far before the end',
    lines(1, 12) + 'end',
    lines(1, 12).replace('line 2\n', 'two\n') + 'end',
    3,
  ],
  ['both lack it, change near the end', lines(1, 5) + 'end', lines(1, 5).replace('line 4\n', 'four\n') + 'end', 3],
  ['creation without final newline', '', 'only', 3],
  ['deletion of a file without final newline', 'only', '', 3],
  [
    'a realistic .nspawn edit',
    '# machinist\n\n[Exec]\nBoot=yes\nHostname=web01\n\n[Files]\nBind=/srv/web\n\n[Network]\nVirtualEthernet=no\n',
    '# machinist\n\n[Exec]\nBoot=yes\nHostname=web02\nEnvironment=TZ=UTC\n\n[Files]\nBind=/srv/web\n\n[Network]\nVirtualEthernet=no\n',
    3,
  ],
];

describe.skipIf(!haveGnu)('unifiedDiff matches GNU diff -u', () => {
  it.each(cases)('%s', (_name, oldText, newText, context) => {
    expect(unifiedDiff(oldText, newText, 'a/f', 'b/f', context)).toBe(gnuDiff(oldText, newText, context));
  });
});

describe('unifiedDiff basics', () => {
  it('returns an empty string for equal texts, including two empty ones', () => {
    expect(unifiedDiff('', '', 'a', 'b')).toBe('');
    expect(unifiedDiff('x\n', 'x\n', 'a', 'b')).toBe('');
  });
  it('uses the labels verbatim and defaults to 3 lines of context', () => {
    const out = unifiedDiff(base, base.replace('line 10\n', 'ten\n'), '/etc/systemd/nspawn/web.nspawn', '(new)')!;
    expect(out.split('\n').slice(0, 3)).toEqual(['--- /etc/systemd/nspawn/web.nspawn', '+++ (new)', '@@ -7,7 +7,7 @@']);
  });
  it('shows creation and deletion as whole-file hunks', () => {
    expect(unifiedDiff('', 'a\nb\n', '/dev/null', 'b/f')).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\nb\n', '', 'a/f', '/dev/null')).toBe('--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n');
  });
  it('tells a missing final newline apart from a present one', () => {
    expect(unifiedDiff('x', 'x\n', 'a', 'b')).toBe('--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n');
  });
});

// A small deterministic generator, so a failure can be reproduced from the seed.
function* random(seed: number): Generator<number> {
  let s = seed >>> 0;
  for (;;) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield s / 2 ** 32;
  }
}
function randomText(rnd: Generator<number>, maxLines: number): string {
  const pick = () => rnd.next().value as number;
  const n = Math.floor(pick() * (maxLines + 1));
  // A tiny alphabet makes many repeated lines, the hard case for a diff.
  const body = Array.from({ length: n }, () => 'abcde'[Math.floor(pick() * 5)]).join('\n');
  return n === 0 ? '' : pick() < 0.2 ? body : body + '\n';
}
function changedLines(diff: string): number {
  return diff.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l)).length;
}

describe.skipIf(!haveGnu || !havePatch)('unifiedDiff on random inputs', () => {
  const seeds = Array.from({ length: 150 }, (_, i) => i + 1);
  it.each(seeds)('seed %i: GNU patch applies it and it is as short as diff --minimal', (seed) => {
    const rnd = random(seed);
    const oldText = randomText(rnd, 30);
    const newText = randomText(rnd, 30);
    const context = seed % 4;
    const ours = unifiedDiff(oldText, newText, 'a/f', 'b/f', context)!;
    if (oldText === newText) {
      expect(ours).toBe('');
      return;
    }
    writeFileSync(join(dir, 'old'), oldText);
    writeFileSync(join(dir, 'patch.diff'), ours);
    execFileSync('patch', ['--quiet', '--force', '-o', 'out', 'old', 'patch.diff'], { cwd: dir, timeout: 10_000 });
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(newText);
    expect(changedLines(ours)).toBe(changedLines(gnuDiff(oldText, newText, context, ['--minimal'])));
  });
});

describe('diffs stay small', () => {
  const lines = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}\n`).join('');

  it('shows a created or removed file of 20,000 lines without searching (one pass)', () => {
    const big = lines(20_000, 'Environment=K');
    const t = Date.now();
    const created = fileDiff('', big, '/dev/null', 'b/f');
    expect(created.split('\n').slice(0, 3)).toEqual(['--- /dev/null', '+++ b/f', '@@ -0,0 +1,20000 @@']);
    expect(fileDiff(big, '', 'a/f', '/dev/null')).toContain('@@ -1,20000 +0,0 @@');
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('summarises a change of two big files that differ everywhere instead of diffing them', () => {
    const before = process.memoryUsage().rss;
    const out = fileDiff(lines(20_000, 'A='), lines(20_000, 'B='), 'a/f', 'b/f');
    expect(out).toBe(
      '--- a/f\n+++ b/f\n(file changed: 20000 lines -> 20000 lines; too different to show line by line)\n',
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
    expect(unifiedDiff(lines(20_000, 'A='), lines(20_000, 'B='), 'a/f', 'b/f')).toBeUndefined();
  });

  it('still diffs a big file with a small change in full', () => {
    const base = lines(20_000, 'E=');
    const out = fileDiff(base, base.replace('E=500\n', 'E=five hundred\n'), 'a/f', 'b/f');
    expect(out).toContain('-E=500\n+E=five hundred\n');
  });
});
