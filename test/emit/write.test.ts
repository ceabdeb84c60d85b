// The generator's writer (src/generator/apply.ts over src/emit/write.ts): new files in systemd's NORMAL directory
// are written in place, the .nspawn directory atomically; a path taken after the plan was made is reported and
// left alone; a failed write is an internal error that does not stop the others; and what a time limit cut
// off mid-write is cleaned up before the emergency path looks again.
import { spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { readSnapshot } from '../../src/emit/existing.js';
import { ownership } from '../../src/emit/ownership.js';
import { plan } from '../../src/emit/plan.js';
import { generatorTargets } from '../../src/emit/targets.js';
import type { Targets } from '../../src/emit/targets.js';
import { applyEach } from '../../src/generator/apply.js';
import { generateFallback } from '../../src/generator/fallback.js';
import { discardUnfinished } from '../../src/emit/write.js';
import type { Output } from '../../src/translate/output.js';
import { buildFrom } from '../helpers/sources.js';

// writeFileSync as the writer sees it: the real one unless a test stands in for it.
const stand = vi.hoisted(() => ({ writeFileSync: undefined as undefined | ((...a: unknown[]) => void) }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeFileSync = (...a: unknown[]) =>
    (stand.writeFileSync ?? (real.writeFileSync as (...a: unknown[]) => void))(...a);
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

let base: string;
let targets: Targets;
let normal: string;
let nspawn: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'machinist-write-'));
  normal = join(base, 'normal');
  nspawn = join(base, 'nspawn');
  mkdirSync(normal);
  targets = generatorTargets(normal, nspawn);
  stand.writeFileSync = undefined;
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const outputsOf = (files: Record<string, string>): Output[] => buildFrom(files).outputs;
const WEB = { 'containers/web.yaml': 'autostart: true\nresources: { memory: { max: 1G } }\n' };
const TWO = { ...WEB, 'containers/db.yaml': 'autostart: true\n' };
const DROPIN = 'machine@web.service.d/50-machinist.conf';
const LINK = 'machines.target.wants/machine@web.service';

/** Plan against the directories as they are, then carry the plan out the way the generator does. */
function run(
  outputs: Output[],
  before?: () => void,
): { failed: number; diags: Diagnostic[]; plan: ReturnType<typeof plan> } {
  const p = plan(outputs, readSnapshot(targets, outputs), targets, { diffs: false });
  before?.();
  const diags: Diagnostic[] = [...p.diagnostics];
  return { failed: applyEach(p, diags), diags, plan: p };
}

/** Every name below dir, hidden ones included (temporary files start with ".#"). */
const names = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

describe('writing the generator output', () => {
  it('writes what the plan says, byte for byte, and leaves no temporary file behind', () => {
    const outputs = outputsOf(TWO);
    const r = run(outputs);
    expect(r.failed).toBe(0);
    expect(r.diags).toEqual([]);
    for (const a of r.plan.actions) {
      expect(a.op).toBe('create');
      if (a.kind === 'file') expect(readFileSync(a.path, 'utf8')).toBe(a.content);
      else expect(readlinkSync(a.path)).toBe(a.target);
    }
    expect(names(normal).filter((n) => n.includes('.#'))).toEqual([]);
    expect(names(nspawn)).toEqual(['db.nspawn', 'web.nspawn']);
    expect(statSync(join(normal, DROPIN)).mode & 0o777).toBe(0o644);
    expect(statSync(join(nspawn, 'web.nspawn')).mode & 0o777).toBe(0o644);
  });

  it('leaves an unchanged .nspawn file as it is on the next run (a daemon-reload), and writes the unit directory anew', () => {
    const outputs = outputsOf(TWO);
    run(outputs);
    const before = statSync(join(nspawn, 'web.nspawn'));
    rmSync(normal, { recursive: true });
    mkdirSync(normal);
    const r = run(outputs);
    expect(r.failed).toBe(0);
    expect(r.plan.actions.filter((a) => a.op !== 'unchanged').every((a) => a.dir === 'unit' && a.op === 'create')).toBe(
      true,
    );
    const after = statSync(join(nspawn, 'web.nspawn'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(ownership(readFileSync(join(normal, DROPIN), 'utf8'))).toBe('ours');
  });

  it('replaces its own earlier file in the unit directory (a second run without systemd emptying it)', () => {
    run(outputsOf(WEB));
    const r = run(outputsOf({ 'containers/web.yaml': 'autostart: true\nresources: { memory: { max: 2G } }\n' }));
    expect(r.failed).toBe(0);
    expect(r.plan.actions.filter((a) => a.op !== 'unchanged').map((a) => `${a.op} ${a.rel}`)).toEqual([
      `change ${DROPIN}`,
    ]);
    expect(readFileSync(join(normal, DROPIN), 'utf8')).toContain('MemoryMax=2G');
    expect(ownership(readFileSync(join(normal, DROPIN), 'utf8'))).toBe('ours');
  });

  it('never overwrites a file or link that another writer put in place after the plan was made', () => {
    const outputs = outputsOf(TWO);
    const r = run(outputs, () => {
      mkdirSync(join(normal, 'machine@web.service.d'));
      writeFileSync(join(normal, DROPIN), '[Service]\nMemoryMax=5G\n');
      mkdirSync(join(normal, 'machines.target.wants'));
      symlinkSync('/etc/elsewhere', join(normal, LINK));
    });
    expect(readFileSync(join(normal, DROPIN), 'utf8')).toBe('[Service]\nMemoryMax=5G\n');
    expect(readlinkSync(join(normal, LINK))).toBe('/etc/elsewhere');
    // Reported like a foreign file found by the plan: an error to log, not a failure of machinist.
    expect(r.failed).toBe(0);
    expect(r.diags.map((d) => `${d.code} ${d.container} ${d.file}`)).toEqual([
      `foreign-file web ${join(normal, DROPIN)}`,
      `foreign-file web ${join(normal, LINK)}`,
    ]);
    expect(r.diags[0]!.message).toBe(
      `${join(normal, DROPIN)} exists and was not written by machinist; it is left as it is`,
    );
    expect(r.diags[1]!.message).toBe(`${join(normal, LINK)} exists and was not made by machinist`);
    // Everything else was still written.
    expect(ownership(readFileSync(join(normal, 'machine@db.service.d/50-machinist.conf'), 'utf8'))).toBe('ours');
    expect(readlinkSync(join(normal, 'machines.target.wants/machine@db.service'))).toBe(
      '/usr/lib/systemd/system/machine@.service',
    );
  });

  it('looks at what is in the .nspawn directory by its listing, opening nothing that is not a regular file', () => {
    mkdirSync(nspawn);
    expect(spawnSync('mkfifo', [join(nspawn, 'web.nspawn')]).status).toBe(0);
    writeFileSync(join(base, 'elsewhere'), '[Exec]\nBoot=yes\n');
    symlinkSync(join(base, 'elsewhere'), join(nspawn, 'db.nspawn'));
    const r = run(outputsOf(TWO));
    expect(r.failed).toBe(0);
    expect(r.diags.map((d) => `${d.code} ${d.file}: ${d.message.slice(d.message.lastIndexOf(' exists'))}`)).toEqual([
      `foreign-file ${join(nspawn, 'db.nspawn')}:  exists and is not a regular file`,
      `foreign-file ${join(nspawn, 'web.nspawn')}:  exists and is not a regular file`,
    ]);
    expect(lstatSync(join(nspawn, 'web.nspawn')).isFIFO()).toBe(true);
    expect(readlinkSync(join(nspawn, 'db.nspawn'))).toBe(join(base, 'elsewhere'));
  });

  it('reports a write that fails as an internal error and still writes the rest', () => {
    const outputs = outputsOf(TWO);
    // The drop-in directory's name is taken by a file: the directory cannot be made.
    const r = run(outputs, () => writeFileSync(join(normal, 'machine@web.service.d'), 'not a directory\n'));
    expect(r.failed).toBe(1);
    expect(r.diags.map((d) => `${d.code} ${d.file}`)).toEqual([`internal-error ${join(normal, DROPIN)}`]);
    expect(r.diags[0]!.message).toMatch(new RegExp(`^cannot write ${join(normal, DROPIN).replace(/[.@]/g, '\\$&')}: `));
    expect(readFileSync(join(normal, 'machine@web.service.d'), 'utf8')).toBe('not a directory\n');
    expect(names(nspawn)).toEqual(['db.nspawn', 'web.nspawn']);
    expect(lstatSync(join(normal, LINK)).isSymbolicLink()).toBe(true);
  });

  it("removes a file it created in place when writing it fails, so that it is not left looking like someone else's", () => {
    const outputs = outputsOf(WEB);
    stand.writeFileSync = (target) => {
      if (typeof target === 'number')
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const r = run(outputs);
    expect(r.failed).toBe(2); // the drop-in (in place) and the .nspawn file (temporary file)
    expect(r.diags.map((d) => d.code)).toEqual(['internal-error', 'internal-error']);
    expect(names(normal).filter((n) => !n.startsWith('machines.target.wants'))).toEqual(['machine@web.service.d']);
    expect(names(nspawn)).toEqual([]);
  });

  /**
   * Apply a plan and stop the writer inside its first write, as V8's watchdog stops a run that is over its time
   * limit (no catch or finally runs). The writer stays stopped-in-place until stand.writeFileSync is reset.
   */
  function stopMidWrite(outputs: Output[]): void {
    stand.writeFileSync = (target) => {
      if (typeof target === 'number') for (;;);
    };
    const p = plan(outputs, readSnapshot(targets, outputs), targets, { diffs: false });
    (globalThis as Record<string, unknown>)['__writeTest'] = () => applyEach(p, []);
    expect(() => new Script('__writeTest()').runInThisContext({ timeout: 200 })).toThrow(/timed out/);
    delete (globalThis as Record<string, unknown>)['__writeTest'];
  }

  it('cleans up a write that a time limit stopped halfway before the emergency path plans again', () => {
    const outputs = outputsOf(TWO);
    stopMidWrite(outputs);
    // The drop-in exists, empty, and would look like someone else's file.
    // Actions go in path order: the first one, db's drop-in, was cut off between its creation and its text.
    expect(readFileSync(join(normal, 'machine@db.service.d/50-machinist.conf'), 'utf8')).toBe('');
    stand.writeFileSync = undefined;
    // Another plan of the same directories, after the clean-up (what the emergency path does), finds nothing
    // half-written.
    discardUnfinished();
    const r = run(outputs);
    expect(r.failed).toBe(0);
    expect(r.diags).toEqual([]);
    expect(names(nspawn)).toEqual(['db.nspawn', 'web.nspawn']);
    for (const a of r.plan.actions) if (a.kind === 'file') expect(ownership(readFileSync(a.path, 'utf8'))).toBe('ours');
  });

  it('the emergency path (generateFallback) cleans up what a time limit cut off before it writes', () => {
    const outputs = outputsOf(WEB);
    stopMidWrite(outputs);
    stand.writeFileSync = undefined;
    expect(readFileSync(join(normal, DROPIN), 'utf8')).toBe(''); // cut off between its creation and its text
    const config = join(base, 'config');
    mkdirSync(join(config, 'containers'), { recursive: true });
    writeFileSync(join(config, 'containers/web.yaml'), 'autostart: true\n');
    const lines: string[] = [];
    const failed = generateFallback(
      { configDir: config, normal, nspawnDir: nspawn, log: { log: (_l, line) => lines.push(line), close() {} } },
      'gave up',
    );
    expect({ failed, lines }).toEqual({
      failed: 0,
      lines: ['1 container(s) get a failing unit because of the error above'],
    });
    expect(readFileSync(join(normal, DROPIN), 'utf8')).toContain('ExecStartPre=/bin/false');
  });

  it('cleans up a temporary .nspawn file that a time limit cut off', () => {
    const outputs = outputsOf(WEB).filter((o) => o.dir === 'nspawn');
    stopMidWrite(outputs);
    stand.writeFileSync = undefined;
    expect(names(nspawn)).toEqual([
      expect.stringMatching(new RegExp(`^\\.#web\\.nspawn\\.machinist-${process.pid}-[0-9a-z]+$`)),
    ]);
    discardUnfinished();
    expect(names(nspawn)).toEqual([]);
  });

  it('never removes a file of someone else that took the place of an interrupted write', () => {
    const outputs = outputsOf(WEB);
    stopMidWrite(outputs);
    stand.writeFileSync = undefined;
    // Whatever was cut off first (sorted by path: the unit directory's drop-in), an admin's file is there now.
    const dropin = join(normal, DROPIN);
    rmSync(dropin, { force: true });
    writeFileSync(dropin, '[Service]\nMemoryMax=5G\n');
    discardUnfinished();
    const r = run(outputs);
    expect(readFileSync(dropin, 'utf8')).toBe('[Service]\nMemoryMax=5G\n');
    expect(r.diags.map((d) => d.code)).toEqual(['foreign-file']);
  });
});
