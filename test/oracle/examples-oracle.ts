// Real systemd judges the files machinist generates for the examples. Three judges, all read-only:
//
//  1. `systemd-analyze verify` on the shipped template plus the compiled unit directory (drop-ins, slices,
//     .wants links). It exits 0 even when it complains, so its output is what counts.
//  2. systemd-nspawn's own settings parser: NAME.nspawn next to an empty directory NAME/, run with
//     `-D DIR/NAME`. nspawn parses the whole file before it looks at the root and then refuses the empty
//     directory, so every `FILE:LINE:` complaint is printed and nothing is ever started.
//  3. The same file from a trusted place (/run/systemd/nspawn) with the template's real command line and the
//     drop-in's $MACHINIST_ARGS (root directories swapped for empty temp dirs): nspawn then applies every
//     setting and checks the combination (e.g. `--read-only and --private-users-ownership=chown may not be
//     combined.`), still before it would start anything, because the root has no OS in it.
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { placeTrustedSettings, removeTrustedSettings } from './trusted-settings.js';

const run = promisify(execFile);

export const TEMPLATE_PATH = new URL('../../units/machine@.service', import.meta.url);
const UNITS_DIR = new URL('../../units/', import.meta.url);
const TIMEOUT_MS = 15_000;

function probe(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['systemd-analyze', 'systemd-nspawn']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (r.error || r.status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}

/** Why the oracles cannot run here, or undefined when they can. */
export const examplesOracleUnavailable = probe();

/** The final refusal that proves nspawn got past parsing and checking, to the (empty) root directory. */
export const ROOT_REFUSAL = /doesn't look like (?:an OS root directory|it has an OS tree)/;

// ---------------------------------------------------------------------------------------------------------
// 1. systemd-analyze verify

export interface VerifyResult {
  units: string[];
  output: string[];
  /** Output lines about our files or units. */
  complaints: string[];
}

/** Units to verify in a compiled unit directory: each drop-in's instance, each slice, machines.target if linked. */
export function unitsIn(unitDir: string): string[] {
  const names = readdirSync(unitDir);
  const units = [
    ...names.filter((n) => /^(?:machine|machinist-[a-z-]+)@.+\.service\.d$/.test(n)).map((n) => n.slice(0, -2)),
    ...names.filter((n) => /^machine-.+\.slice$/.test(n) || n.endsWith('.mount')),
    ...names.filter((n) => /^machinist-pod-.+\.(?:socket|service)$/.test(n)),
  ].sort();
  if (names.includes('machines.target.wants')) units.push('machines.target');
  return units;
}

/**
 * Copies the template and the compiled unit directory into a temp dir and verifies every unit in it.
 *
 * What is noise and what is ours: on systemd 252 verify prints nothing at all for these units. It does not
 * check that a `--directory=` root exists (only that ExecStart='s executable, systemd-nspawn, does) nor that
 * RequiresMountsFor= paths exist (mount dependencies are computed, not checked), so neither is noise to
 * filter. `--man=no` keeps it from running man(1) for the template's Documentation= (slow, and a host without
 * man pages would complain about the shipped template, not about anything machinist wrote). So every line
 * that names our directory or one of our units is a complaint, whatever it says (`Unknown key`, `ignoring`,
 * `Failed to`, `Invalid`, `is not valid`, `is not executable`, …); lines about other units (host units
 * pulled in as dependencies) are not ours and are only returned in `output`.
 */
export async function verifyUnits(
  unitDir: string,
  template = readFileSync(TEMPLATE_PATH, 'utf8'),
): Promise<VerifyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'machinist-verify-'));
  try {
    // Every shipped template (image fetch, overlay, copy), then the one under test as machine@.service. units/guest
    // holds units for guests, not for the host: test/oracle/guest-units.test.ts verifies those.
    for (const t of readdirSync(UNITS_DIR, { withFileTypes: true })) {
      if (t.isFile()) writeFileSync(join(dir, t.name), readFileSync(new URL(t.name, UNITS_DIR)));
    }
    writeFileSync(join(dir, 'machine@.service'), template);
    cpSync(unitDir, dir, { recursive: true, verbatimSymlinks: true });
    const units = unitsIn(dir);
    let output: string;
    try {
      const r = await run('systemd-analyze', ['verify', '--man=no', ...units], {
        cwd: dir,
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' },
        timeout: TIMEOUT_MS,
        encoding: 'utf8',
      });
      output = r.stdout + r.stderr;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; killed?: boolean; message: string };
      if (err.killed) throw new Error(`systemd-analyze verify timed out after ${TIMEOUT_MS} ms`, { cause: e });
      output = `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message;
    }
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    const ours = (l: string) => l.includes(dir) || units.some((u) => l.includes(u));
    return { units, output: lines, complaints: lines.filter(ours) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 2. nspawn's parser, untrusted

export interface NspawnResult {
  status: number | null;
  output: string[];
  /** Lines other than the expected ones: `FILE:LINE: …` (unknown keys, unparsable values) and the like. */
  complaints: string[];
  /** True when nspawn got as far as refusing the empty root directory. */
  reachedRoot: boolean;
}

// Expected in this set-up: settings beside the root are "not trusted", so privileged ones are ignored (after
// being parsed), and the empty root is refused.
const UNTRUSTED_NOISE = /is not trusted\.$/;

export function parseNspawn(name: string, settings: string): NspawnResult {
  const dir = mkdtempSync(join(tmpdir(), 'machinist-nspawn-'));
  try {
    const file = join(dir, `${name}.nspawn`);
    writeFileSync(file, settings);
    mkdirSync(join(dir, name));
    const r = spawnSync('systemd-nspawn', ['-D', join(dir, name), '--register=no'], {
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (r.error) throw r.error;
    const output = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    return {
      status: r.status,
      output,
      // `FILE:LINE: Unknown key …` and value errors, and anything else that is neither expected line.
      complaints: output.filter((l) => !UNTRUSTED_NOISE.test(l) && !ROOT_REFUSAL.test(l)),
      reachedRoot: output.some((l) => ROOT_REFUSAL.test(l)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 3. nspawn with the template's command line, trusted settings

/** $MACHINIST_ARGS as the drop-in sets it: the words of its `Environment="MACHINIST_ARGS=…"` line. */
export function machinistArgs(dropin: string): string[] {
  const line = dropin.split('\n').find((l) => /^Environment="?MACHINIST_ARGS=/.test(l));
  if (!line) return [];
  let v = line.slice('Environment='.length);
  if (v.startsWith('"')) {
    if (!v.endsWith('"')) throw new Error(`cannot read ${line}`);
    v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  v = v.replaceAll('%%', '%').slice('MACHINIST_ARGS='.length);
  // ExecStart= expands an unbraced $VAR into words a second time: split at whitespace, quotes group, `\x` is x
  // (systemd's own reading of it is proven in test/e2e/escape.e2e.test.ts; this only finds the words).
  const words: string[] = [];
  let word: string | undefined;
  let quote = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === '\\' && i + 1 < v.length) word = (word ?? '') + v[++i];
    else if (quote && ch === quote) quote = '';
    else if (quote) word = (word ?? '') + ch;
    else if (ch === "'" || ch === '"') [quote, word] = [ch, word ?? ''];
    else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The template's ExecStart= as words, with %i and $MACHINIST_ARGS left for the caller. */
export function templateCommand(template: string): string[] {
  const line = template.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!line) throw new Error('the template has no ExecStart=');
  return line.slice('ExecStart='.length).trim().split(/\s+/);
}

let counter = 0;

/**
 * Runs the template's command line against `settings` placed in /run/systemd/nspawn (trusted), with every
 * path argument pointed at empty temp dirs, so nspawn applies and cross-checks all settings and then refuses
 * the empty root. Any argument this does not know how to neutralise is an error, never passed through.
 */
export function checkWithTemplate(
  settings: string,
  dropin: string,
  template = readFileSync(TEMPLATE_PATH, 'utf8'),
): NspawnResult & { argv: string[] } {
  const machine = `machinist-example-${process.pid}-${++counter}`;
  const dir = mkdtempSync(join(tmpdir(), 'machinist-template-'));
  try {
    const root = join(dir, 'root');
    const tpl = join(dir, 'template');
    mkdirSync(root);
    mkdirSync(tpl);
    const extra = machinistArgs(dropin).map((a) => {
      if (a.startsWith('--directory=')) return `--directory=${root}`;
      // An existing, empty root is never populated from the template, so nothing is copied.
      if (a.startsWith('--template=')) return `--template=${tpl}`;
      // A credential the service holds (SetCredential=), read by name from its $CREDENTIALS_DIRECTORY: here
      // from a file with the value the drop-in sets, decoded as systemd does (\\ and \n are all it holds).
      const cred = /^--load-credential=([^:]+):\1$/.exec(a);
      if (cred) {
        const line = dropin.split('\n').find((l) => l.startsWith(`SetCredential=${cred[1]}:`));
        if (!line) throw new Error(`${a}: the drop-in sets no credential ${cred[1]}`);
        const value = line
          .slice(`SetCredential=${cred[1]}:`.length)
          .replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
        writeFileSync(join(dir, cred[1]!), value, { mode: 0o600 });
        return `--load-credential=${cred[1]}:${join(dir, cred[1]!)}`;
      }
      // A copied raw disk image: its settings are checked against an empty directory root instead.
      if (a.startsWith('--image=')) return `--directory=${root}`;
      throw new Error(
        `MACHINIST_ARGS word ${JSON.stringify(a)} is not known to the example oracle; teach it how to neutralise it`,
      );
    });
    if (!extra.some((a) => a.startsWith('--directory='))) extra.unshift(`--directory=${root}`);
    const [cmd, ...words] = templateCommand(template);
    const argv = words.flatMap((w) => (w === '$MACHINIST_ARGS' ? extra : [w.replaceAll('%i', machine)]));
    if (argv.some((w) => /[$%]/.test(w)))
      throw new Error(`unexpanded word in the template command line: ${argv.join(' ')}`);
    argv.push('--register=no');
    placeTrustedSettings(machine, settings);
    const r = spawnSync(cmd!, argv, { encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw r.error;
    const output = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    return {
      argv: [cmd!, ...argv],
      status: r.status,
      output,
      // Only the final refusal of the empty root is expected; everything else is about our settings.
      complaints: output.filter((l) => !ROOT_REFUSAL.test(l)),
      reachedRoot: output.some((l) => ROOT_REFUSAL.test(l)),
    };
  } finally {
    removeTrustedSettings(machine);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// SystemCallFilter= names: nspawn silently ignores a group or call it does not know (a typo such as
// "~@debgu" just protects nothing), so each one is looked up in systemd's own table.

let known: { groups: Set<string>; calls: Set<string> } | undefined;

function syscallTable(): { groups: Set<string>; calls: Set<string> } {
  if (known) return known;
  const r = spawnSync('systemd-analyze', ['syscall-filter', '--no-pager'], { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.error || r.status !== 0)
    throw new Error(`systemd-analyze syscall-filter failed: ${r.error?.message ?? r.stderr}`);
  const groups = new Set<string>();
  const calls = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const g = /^(@[a-z0-9-]+)$/.exec(line);
    if (g) groups.add(g[1]!);
    const c = /^(?:\s+|#\s+)([a-z0-9_]+)$/.exec(line);
    if (c) calls.add(c[1]!);
  }
  known = { groups, calls };
  return known;
}

/** SystemCallFilter= entries of a .nspawn file that systemd does not know. */
export function unknownSyscallFilters(settings: string): string[] {
  const { groups, calls } = syscallTable();
  return settings
    .split('\n')
    .filter((l) => l.startsWith('SystemCallFilter='))
    .flatMap((l) => l.slice('SystemCallFilter='.length).split(/\s+/).filter(Boolean))
    .filter((w) => {
      const name = w.replace(/^~/, '');
      return name.startsWith('@') ? !groups.has(name) : !calls.has(name);
    });
}
