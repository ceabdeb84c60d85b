// A full file system, a read-only one, and no root privileges, on real mounts (a small tmpfs as ROOT; needs
// root to mount, skipped otherwise). After each: a diagnostic with the path, the cause in words and a hint,
// exit 2, no stack trace; ROOT either unchanged or announced as partly written; the next compile heals it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Entry, Sandbox } from './helpers.js';
import { cli, compileArgs, ensureBundle, readTree, sandbox, setConfig, treeDiff, unrecordedLinks } from './helpers.js';

const isRoot = process.getuid?.() === 0;
const sh = (cmd: string, ...args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
};

const BEFORE = {
  'containers/a.yaml': 'autostart: true\n',
  'containers/b.yaml': 'autostart: true\nresources: { memory: { max: 1G } }\n',
  'containers/gone.yaml': 'autostart: true\n',
};
const AFTER = {
  'containers/a.yaml': 'autostart: true\n',
  'containers/b.yaml': 'autostart: true\nresources: { memory: { max: 2G } }\n',
  'containers/c.yaml': 'autostart: true\n',
  'containers/d.yaml': 'environment: { X: "1" }\n',
};

let s: Sandbox;
let mounted = false;
beforeAll(ensureBundle);
beforeEach(() => {
  s = sandbox();
  if (isRoot) {
    sh('mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'machinist-fault', s.root);
    mounted = true;
  }
  setConfig(s.cfg, BEFORE);
});
afterEach(() => {
  if (mounted) spawnSync('umount', ['-l', s.root]);
  mounted = false;
  rmSync(s.base, { recursive: true, force: true });
});

const noTrace = (text: string) => expect(text).not.toMatch(/^\s+at |dist\/machinist:\d+|internal error/m);
/** The tree without the filler file. */
const tree = () => new Map([...readTree(s.root)].filter(([k]) => k !== 'filler'));

/** Leave `pages` free blocks on ROOT's file system. */
function fill(pages: number): void {
  rmSync(join(s.root, 'filler'), { force: true });
  const st = statfsSync(s.root);
  const free = Number(st.bavail) - pages;
  if (free > 0) writeFileSync(join(s.root, 'filler'), Buffer.alloc(free * Number(st.bsize), 1));
}

describe.skipIf(!isRoot)('file system faults (tmpfs as ROOT)', () => {
  it('a full disk at every point of the compile: all of it, nothing and "disk full", or part and said so', () => {
    expect(cli(compileArgs(s)).code).toBe(0);
    const before = tree();
    setConfig(s.cfg, AFTER);
    // Where a compile with plenty of room ends up.
    const reference = join(s.base, 'reference');
    mkdirSync(reference);
    expect(cli(['compile', '--config', s.cfg, '--root', reference]).code).toBe(0);
    const after = readTree(reference);
    const outcomes = new Set<string>();
    for (let pages = 0; pages <= 12; pages++) {
      const { snapshot } = restore(before);
      fill(pages);
      const r = cli(compileArgs(s));
      const now = tree();
      if (r.code === 0) {
        expect(treeDiff(now, after), `${pages} pages free`).toEqual([]);
        outcomes.add('all');
      } else {
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/error\[write-error\]: cannot write \S+: disk full \(ENOSPC\)\./);
        expect(r.stderr).toContain('hint: Free some space on the file system that holds it, then compile again.');
        noTrace(r.stderr);
        if (r.stderr.includes('Nothing was changed.')) {
          expect(treeDiff(now, snapshot), `${pages} pages free: "nothing was changed"`).toEqual([]);
          outcomes.add('none');
        } else {
          expect(r.stderr).toMatch(
            /\d+ of \d+ changes were made; the next compile completes the rest|the next compile completes the record/,
          );
          outcomes.add('part');
        }
      }
      expect(unrecordedLinks(s.root), `${pages} pages free`).toEqual([]);
      // Room again: the next compile heals.
      rmSync(join(s.root, 'filler'), { force: true });
      const heal = cli(compileArgs(s));
      expect(heal.code, heal.stderr).toBe(0);
      expect(treeDiff(tree(), after), `${pages} pages free, healed`).toEqual([]);
    }
    expect(outcomes.has('none') && outcomes.has('all')).toBe(true);
  }, 120_000);

  it('a read-only root: "read-only file system", the path, a hint, exit 2, nothing changed', () => {
    expect(cli(compileArgs(s)).code).toBe(0);
    const before = tree();
    setConfig(s.cfg, AFTER);
    sh('mount', '-o', 'remount,ro', s.root);
    const r = cli(compileArgs(s));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error\[write-error\]: cannot write \S+: read-only file system \(EROFS\)\. Nothing was changed\./,
    );
    expect(r.stderr).toContain('hint: Remount it read-write');
    noTrace(r.stderr);
    sh('mount', '-o', 'remount,rw', s.root);
    expect(treeDiff(tree(), before)).toEqual([]);
    expect(cli(compileArgs(s)).code).toBe(0);
  });

  it('without root privileges: "permission denied" and "run as root", exit 2, nothing changed', () => {
    expect(cli(compileArgs(s)).code).toBe(0);
    const before = tree();
    setConfig(s.cfg, AFTER);
    const r = cli(compileArgs(s), {}, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /error\[write-error\]: cannot write \S+: permission denied \(EACCES\)\. Nothing was changed\./,
    );
    expect(r.stderr).toContain('hint: Run as root (sudo machinist compile)');
    noTrace(r.stderr);
    expect(treeDiff(tree(), before)).toEqual([]);
  });
});

/** Put ROOT back to `before` (the filler removed). */
function restore(before: Map<string, Entry>): { snapshot: Map<string, Entry> } {
  for (const [k] of readTree(s.root)) if (!k.includes('/')) rmSync(join(s.root, k), { recursive: true, force: true });
  for (const [rel, e] of before) {
    const path = join(s.root, rel);
    if (e.type === 'dir') mkdirSync(path, { mode: e.mode });
    else if (e.type === 'symlink') spawnSync('ln', ['-s', e.target, path]);
    else writeFileSync(path, e.content, { mode: e.mode });
  }
  return { snapshot: tree() };
}
