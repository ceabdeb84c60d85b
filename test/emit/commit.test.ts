// compile's writer (src/emit/commit.ts) when a rename fails halfway (an I/O error after every file was staged):
// it says how much was done, keeps the journal, and the next compile completes the change and says the last
// one was cut short. And compiles into one root take turns (src/emit/lock.ts).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compile } from '../../src/index.js';

// renameSync as the writer sees it: the real one unless a test stands in for it.
const stand = vi.hoisted(() => ({ renameSync: undefined as undefined | ((from: string, to: string) => void) }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const renameSync = (from: string, to: string) => (stand.renameSync ?? real.renameSync)(from, to);
  return { ...real, default: { ...real, renameSync }, renameSync };
});

let cfg: string;
let root: string;
const put = (rel: string, text: string) => {
  mkdirSync(dirname(join(cfg, rel)), { recursive: true });
  writeFileSync(join(cfg, rel), text);
};
const run = (more: Partial<Parameters<typeof compile>[0]> = {}) =>
  compile({ configDir: cfg, root, shownDir: '/etc/machinist', ...more });
const JOURNAL = () => join(root, 'var/lib/machinist/journal.json');
/** Every name below root, hidden ones included. */
const names = () => readdirSync(root, { recursive: true }).map(String).sort();

beforeEach(() => {
  cfg = mkdtempSync(join(tmpdir(), 'machinist-commit-cfg-'));
  chmodSync(cfg, 0o755);
  root = mkdtempSync(join(tmpdir(), 'machinist-commit-root-'));
  put('containers/a.yaml', 'autostart: true\n');
  put('containers/b.yaml', 'autostart: true\n');
  stand.renameSync = undefined;
});
afterEach(() => {
  stand.renameSync = undefined;
  rmSync(cfg, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

/** Make the Nth rename from now fail with EIO. */
function failRename(n: number): void {
  let calls = 0;
  stand.renameSync = (from, to) => {
    if (++calls === n) throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
    realRename(from, to);
  };
}
let realRename: (from: string, to: string) => void;
beforeEach(async () => {
  realRename = (await vi.importActual<typeof import('node:fs')>('node:fs')).renameSync;
});

describe('a rename that fails halfway', () => {
  it('says how much was written, keeps the journal, and the next compile completes it and says so', () => {
    // Renames: the journal, then the six staged outputs in path order; the third output's fails.
    failRename(4);
    const r = run();
    expect(r.applied).toBe('part');
    expect(r.written).toBe(true);
    const d = r.diagnostics.find((x) => x.code === 'write-error')!;
    expect(d.message).toMatch(
      /^cannot write \S+: input\/output error \(EIO\)\. 2 of 6 changes were made; the next compile completes the rest\.$/,
    );
    expect(d.hint).toBe('The disk reported an error: check the kernel log (dmesg).');
    expect(existsSync(JOURNAL())).toBe(true);
    expect(names().filter((n) => n.includes('.#'))).toEqual([]);

    stand.renameSync = undefined;
    const again = run();
    expect(again.diagnostics).toEqual([]);
    expect(again.plan.interrupted).toBe(true);
    expect(again.plan.actions.filter((a) => a.op === 'create').length).toBe(4);
    expect(again.applied).toBe('all');
    expect(existsSync(JOURNAL())).toBe(false);
    expect(run().plan.interrupted).toBeUndefined();
  });

  it("when the first output's rename fails: nothing was changed, and no journal is left", () => {
    failRename(2);
    const r = run();
    expect(r.applied).toBe('none');
    expect(r.written).toBe(false);
    expect(r.diagnostics.map((x) => x.message)).toEqual([expect.stringMatching(/\(EIO\)\. 0 of 6 changes were made/)]);
    // Directories only (made while staging, left empty): no output, no temporary file, no journal.
    expect(names().filter((n) => /\.nspawn$|\.conf$|\.service$|\.json$|\.#/.test(n))).toEqual([]);
  });
});

describe('compiles into one root take turns', () => {
  /** Hold the root's lock from another process for `seconds`; resolves once it is held. */
  function holdLock(seconds: number): Promise<() => Promise<void>> {
    return new Promise((resolve) => {
      const child = spawn('flock', [root, 'sh', '-c', `echo held; sleep ${seconds}`], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const done = new Promise<void>((r) => child.on('close', () => r()));
      child.stdout.once('data', () => resolve(() => done));
    });
  }

  it('gives up after the wait with busy-root, writing nothing', async () => {
    const finished = await holdLock(3);
    const r = run({ waitSeconds: 1 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['busy-root']);
    expect(r.diagnostics[0]!.message).toBe(
      `another machinist compile has been writing into ${root} for over 1 s; nothing was changed`,
    );
    expect(r.written).toBe(false);
    expect(existsSync(join(root, 'etc'))).toBe(false);
    await finished();
  });

  it('waits for the other one, says so, then writes', async () => {
    const finished = await holdLock(1);
    let waited = false;
    const r = run({ onWait: () => (waited = true) });
    expect(waited).toBe(true);
    expect(r.diagnostics).toEqual([]);
    expect(r.applied).toBe('all');
    await finished();
  });
});

describe('diffs only when they are shown', () => {
  it('a compile without --dry-run computes none, however big the change; a dry run shows a bounded one', () => {
    // 2,500 variables: near the size limit of one file (load/limits.ts), and far past what a line diff can trace.
    const env = (v: string) =>
      `environment:\n${Array.from({ length: 2_500 }, (_, i) => `  K${i}: "${v}${i}"\n`).join('')}`;
    put('containers/a.yaml', env('x'));
    const first = run();
    expect(first.applied).toBe('all');
    expect(first.plan.actions.every((a) => a.diff === undefined)).toBe(true);
    put('containers/a.yaml', env('y'));
    const preview = run({ dryRun: true });
    const diffs = preview.plan.actions.filter((a) => a.op === 'change').map((a) => a.diff!);
    expect(diffs.length).toBe(1);
    expect(diffs[0]).toMatch(/\(file changed: \d+ lines -> \d+ lines; too different to show line by line\)\n$/);
    expect(
      run()
        .plan.actions.filter((a) => a.op === 'change')
        .map((a) => a.diff),
    ).toEqual([undefined]);
  }, 60_000);
});

describe('a config directory that is not there', () => {
  it('is refused like an empty one: compile() never prunes everything because the folder is missing', () => {
    expect(run().applied).toBe('all');
    const r = compile({ configDir: join(cfg, 'nonexistent'), root, shownDir: '/etc/machinist' });
    expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      'empty-config: /etc/machinist does not exist: is --config pointing at the right folder? Compiling it would remove all 6 files and links machinist wrote.',
    ]);
    expect(r.written).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/nspawn/a.nspawn'))).toBe(true);
  });
});
