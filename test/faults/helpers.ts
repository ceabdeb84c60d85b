// Shared by the fault-injection tests: a sandbox (config, ROOT, and a directory outside ROOT that nothing may
// touch), the CLI bundle as a process, and whole trees read and written back, temporary files included.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureBuilt } from '../generator/helpers.js';
import { walkTree } from '../helpers/tree.js';

export const bin = join(process.cwd(), 'dist/machinist');
export const TEMPLATE = '/usr/lib/systemd/system/machine@.service';
export const WANTS = 'etc/systemd/system/machines.target.wants';
export const MANIFEST = 'var/lib/machinist/manifest.json';
export const JOURNAL = 'var/lib/machinist/journal.json';

/** The bundles, built when missing (the generator tests' helper). */
export const ensureBundle = ensureBuilt;

export interface Sandbox {
  base: string;
  cfg: string;
  root: string;
  outside: string;
}

/** A fresh sandbox; every directory readable by all, like /etc (a private config makes private files). */
export function sandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'machinist-fault-'));
  chmodSync(base, 0o755);
  const s = { base, cfg: join(base, 'cfg'), root: join(base, 'root'), outside: join(base, 'outside') };
  for (const d of [s.cfg, s.root, s.outside]) mkdirSync(d, { mode: 0o755 });
  writeFileSync(join(s.outside, 'victim'), "not machinist's\n");
  symlinkSync(TEMPLATE, join(s.outside, 'victimlink'));
  return s;
}

/** Replace the config's files by `files` (relative path → text). */
export function setConfig(cfg: string, files: Record<string, string>): void {
  for (const n of readdirSync(cfg)) rmSync(join(cfg, n), { recursive: true, force: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(cfg, rel)), { recursive: true, mode: 0o755 });
    writeFileSync(join(cfg, rel), text, { mode: 0o644 });
  }
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: Record<string, string> = {}, prefix: string[] = []): Run {
  const cmd = prefix.length ? prefix[0]! : process.execPath;
  const argv = prefix.length ? [...prefix.slice(1), process.execPath, bin, ...args] : [bin, ...args];
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 30_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without waiting: for runs that overlap. */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export const compileArgs = (s: Sandbox, ...more: string[]) => ['compile', '--config', s.cfg, '--root', s.root, ...more];

export type Entry =
  { type: 'file'; content: string; mode: number } | { type: 'symlink'; target: string } | { type: 'dir'; mode: number };

/** Every entry below `dir` (directories too, hidden names too), by path relative to it. */
export function readTree(dir: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const { rel, abs, st } of walkTree(dir)) {
    if (st.isSymbolicLink()) out.set(rel, { type: 'symlink', target: readlinkSync(abs) });
    else if (st.isFile()) out.set(rel, { type: 'file', content: readFileSync(abs, 'utf8'), mode: st.mode & 0o7777 });
    else if (st.isDirectory()) out.set(rel, { type: 'dir', mode: st.mode & 0o7777 });
  }
  return out;
}

/** Make `dir` hold exactly `tree`. */
export function writeTree(dir: string, tree: Map<string, Entry>): void {
  for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
  for (const [rel, e] of tree) {
    const path = join(dir, rel);
    if (e.type === 'dir') mkdirSync(path, { mode: e.mode });
    else if (e.type === 'symlink') symlinkSync(e.target, path);
    else writeFileSync(path, e.content, { mode: e.mode });
    if (e.type !== 'symlink') chmodSync(path, e.mode);
  }
}

/** Paths whose entries differ between two trees (empty: the same). */
export function treeDiff(a: Map<string, Entry>, b: Map<string, Entry>): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()]))
    if (JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))) out.push(k);
  return out.sort();
}

/** Links recorded in the manifest and an unfinished compile's journal. */
export function recordedLinks(root: string): Set<string> {
  const out = new Set<string>();
  for (const rel of [MANIFEST, JOURNAL]) {
    try {
      const links = (JSON.parse(readFileSync(join(root, rel), 'utf8')) as { links: Record<string, string> }).links;
      for (const k of Object.keys(links)) out.add(k);
    } catch {
      // Not there.
    }
  }
  return out;
}

/** Autostart links in ROOT that no record knows, apart from the ones the admin made (`admin`). */
export function unrecordedLinks(root: string, admin: readonly string[] = []): string[] {
  const recorded = recordedLinks(root);
  let names: string[];
  try {
    names = readdirSync(join(root, WANTS));
  } catch {
    return [];
  }
  return names.filter(
    (n) => !n.startsWith('.#') && !admin.includes(n) && !recorded.has(`unit:machines.target.wants/${n}`),
  );
}
