// readRegularFile, the one read behind the config reader and the output snapshot: one fstat and (nearly always)
// one read per file, yet every byte of a file of any size or one that grows meanwhile, and never a block or a
// read of anything but a regular file.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotRegularFile, readRegularFile } from '../../src/fs/read.js';
import { readConfig } from '../../src/load/read.js';

// fstatSync and readSync as the reader sees them: counted, and fstat's size can be made to lie.
const spy = vi.hoisted(() => ({ reads: 0, fstats: 0, shrink: undefined as number | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const fstatSync = ((fd: number) => {
    spy.fstats++;
    const st = real.fstatSync(fd);
    if (spy.shrink !== undefined) st.size = spy.shrink;
    return st;
  }) as typeof real.fstatSync;
  const readSync = ((...a: Parameters<typeof real.readSync>) => {
    spy.reads++;
    return real.readSync(...a);
  }) as typeof real.readSync;
  return { ...real, default: { ...real, fstatSync, readSync }, fstatSync, readSync };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'machinist-readfile-'));
  Object.assign(spy, { reads: 0, fstats: 0, shrink: undefined });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Text of n bytes that differs everywhere, so that a missing or repeated chunk shows. */
const text = (n: number) =>
  Array.from({ length: Math.ceil(n / 8) }, (_, i) => `${i}`.padStart(7, '0') + '\n')
    .join('')
    .slice(0, n);

describe('readRegularFile', () => {
  it('reads a small file with one fstat and one read', () => {
    writeFileSync(join(dir, 'a.yaml'), 'boot: true\n');
    expect(readRegularFile(join(dir, 'a.yaml'))).toBe('boot: true\n');
    expect([spy.fstats, spy.reads]).toEqual([1, 1]);
  });

  it('reads files larger than its buffer, and empty ones, whole; UTF-8 included', () => {
    for (const n of [0, 1, 65535, 65536, 65537, 300_000]) {
      writeFileSync(join(dir, 'f'), text(n));
      expect(readRegularFile(join(dir, 'f')), `${n} bytes`).toBe(text(n));
    }
    writeFileSync(join(dir, 'u'), 'description: Café ☕ 日本\n');
    expect(readRegularFile(join(dir, 'u'))).toBe('description: Café ☕ 日本\n');
  });

  it('reads on past the size fstat gave, as for a file that grew after it was looked at', () => {
    for (const n of [100, 70_000, 200_000]) {
      writeFileSync(join(dir, 'g'), text(n));
      spy.shrink = 10;
      expect(readRegularFile(join(dir, 'g')), `${n} bytes`).toBe(text(n));
      spy.shrink = undefined;
    }
  });

  it('refuses what is not a regular file, without blocking on a FIFO', () => {
    mkdirSync(join(dir, 'd.yaml'));
    expect(() => readRegularFile(join(dir, 'd.yaml'))).toThrow(NotRegularFile);
    expect(spawnSync('mkfifo', [join(dir, 'p.yaml')]).status).toBe(0);
    expect(() => readRegularFile(join(dir, 'p.yaml'))).toThrow('not a regular file');
    expect(() => readRegularFile('/dev/null')).toThrow('not a regular file');
    expect(() => readRegularFile(join(dir, 'missing'))).toThrow(/ENOENT/);
  });

  it('follows a link unless told not to', () => {
    writeFileSync(join(dir, 'real.yaml'), 'x: 1\n');
    symlinkSync(join(dir, 'real.yaml'), join(dir, 'link.yaml'));
    expect(readRegularFile(join(dir, 'link.yaml'))).toBe('x: 1\n');
    expect(() => readRegularFile(join(dir, 'link.yaml'), constants.O_NOFOLLOW)).toThrow(/ELOOP/);
  });
});

describe('readConfig on top of it', () => {
  it('names the file and the reason for each that cannot be read, and reads the rest', () => {
    mkdirSync(join(dir, 'containers'));
    writeFileSync(join(dir, 'containers/web.yaml'), 'boot: true\n');
    mkdirSync(join(dir, 'containers/odd.yaml'));
    expect(spawnSync('mkfifo', [join(dir, 'containers/pipe.yaml')]).status).toBe(0);
    symlinkSync(join(dir, 'nowhere.yaml'), join(dir, 'containers/gone.yaml'));
    const r = readConfig(dir, '/etc/machinist');
    expect(r.files.map((f) => [f.file, f.text])).toEqual([['/etc/machinist/containers/web.yaml', 'boot: true\n']]);
    expect(r.diagnostics.map((d) => `${d.code} ${d.file}: ${d.message}`)).toEqual([
      expect.stringMatching(
        /^read-error \/etc\/machinist\/containers\/gone\.yaml: cannot read containers\/gone\.yaml: ENOENT/,
      ),
      'read-error /etc/machinist/containers/odd.yaml: cannot read containers/odd.yaml: not a regular file',
      'read-error /etc/machinist/containers/pipe.yaml: cannot read containers/pipe.yaml: not a regular file',
    ]);
  });
});
