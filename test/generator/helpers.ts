// Shared by the generator tests: run the built bundles as real processes, and read an output tree so that two
// trees can be compared path for path and byte for byte (symlinks by target).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkTree } from '../helpers/tree.js';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const cliBin = join(repo, 'dist/machinist');
export const generatorBin = join(repo, 'dist/machinist-generator');

/** Build the bundles once if a test run starts without them (npm test builds first). */
export function ensureBuilt(): void {
  if (!existsSync(cliBin) || !existsSync(generatorBin))
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repo });
}

export type Entry = { type: 'file'; text: string } | { type: 'symlink'; target: string } | { type: 'dir' };

/** Every path below dir (relative), with file contents and link targets; missing dir = empty tree. */
export function readTree(dir: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const { rel, abs, st } of walkTree(dir)) {
    if (st.isSymbolicLink()) out.set(rel, { type: 'symlink', target: readlinkSync(abs) });
    else if (st.isDirectory()) out.set(rel, { type: 'dir' });
    else out.set(rel, { type: 'file', text: readFileSync(abs, 'utf8') });
  }
  return out;
}

/** A tree as a plain sorted object, for readable assertion diffs. */
export const treeObject = (t: Map<string, Entry>) => Object.fromEntries([...t].sort(([a], [b]) => a.localeCompare(b)));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [cliBin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface GeneratorDirs {
  base: string;
  normal: string;
  early: string;
  late: string;
  nspawn: string;
  kmsg: string;
}

/** Three fresh generator directories (as systemd makes them), an .nspawn directory and a fake kmsg file. */
export function generatorDirs(prefix = 'machinist-gen-'): GeneratorDirs {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const d = {
    base,
    normal: join(base, 'normal'),
    early: join(base, 'early'),
    late: join(base, 'late'),
    nspawn: join(base, 'nspawn'),
    kmsg: join(base, 'kmsg'),
  };
  for (const x of [d.normal, d.early, d.late]) mkdirSync(x);
  writeFileSync(d.kmsg, '');
  return d;
}

/** Run the generator bundle as systemd would (argv NORMAL EARLY LATE), with the test overrides. */
export function runGenerator(
  configDir: string,
  d: GeneratorDirs,
  env: Record<string, string> = {},
  args = [d.normal, d.early, d.late],
): Run & { kmsg: string } {
  const r = spawnSync(process.execPath, [generatorBin, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'] ?? '',
      MACHINIST_CONFIG_DIR: configDir,
      MACHINIST_NSPAWN_DIR: d.nspawn,
      MACHINIST_KMSG: d.kmsg,
      ...env,
    },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, kmsg: readFileSync(d.kmsg, 'utf8') };
}

/** systemd empties the generator directories before every run; the .nspawn directory persists. */
export function resetNormal(d: GeneratorDirs): void {
  for (const x of [d.normal, d.early, d.late]) {
    rmSync(x, { recursive: true, force: true });
    mkdirSync(x);
  }
}

/** Write a config tree: { 'containers/web.yaml': '…' }. */
export function writeConfig(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}
