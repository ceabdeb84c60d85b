// The completion scripts, run by the real shells: each parses its script, and for the same command lines bash,
// zsh and fish offer the same words — commands, flags, flag values, directories for --config and container names
// from the config directory the line (or MACHINIST_CONFIG_DIR) names. zsh goes through its whole completion
// system on a pseudo-terminal, bash lists readline's possible completions on one (complete.zsh drives both), fish
// answers `complete -C`.
//
// A shell that is not installed skips its tests, except when CI is set: then they fail instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { program } from '../../src/cli.js';
import { bashCompletion, fishCompletion, zshCompletion } from '../../src/report/completions.js';

const p = program();
const commands = p.commands.map((c) => c.name()).filter((n) => n !== 'help');
const compile = p.commands.find((c) => c.name() === 'compile')!;
const compileFlags = compile
  .createHelp()
  .visibleOptions(compile)
  .flatMap((o) => [o.short, o.long])
  .filter((n): n is string => Boolean(n));

// A config directory named on the line, one in MACHINIST_CONFIG_DIR, and a working directory with two folders
// and a file for --config DIR.
const base = mkdtempSync(join(tmpdir(), 'machinist-completions-'));
const touch = (rel: string) => {
  mkdirSync(join(base, rel, '..'), { recursive: true });
  writeFileSync(join(base, rel), 'description: x\n');
};
['cfg/containers/web.yaml', 'cfg/containers/db.yml', 'cfg/containers/notes.txt', 'cfg/profiles/base.yaml'].forEach(
  touch,
);
['env/containers/envbox.yaml', 'work/adir/x', 'work/bdir/x', 'work/afile'].forEach(touch);
mkdirSync(join(base, 'cfg/containers/folder.yaml'));
const home = join(base, 'home');
mkdirSync(join(home, '.ssh'), { recursive: true });
// One known host, where each shell's host completion looks: bash's $HOSTFILE, ssh's known_hosts (zsh, fish).
writeFileSync(join(base, 'hosts'), '192.0.2.1 alpha.example\n');
writeFileSync(
  join(home, '.ssh/known_hosts'),
  'alpha.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDhxc2JvZ3VzIGtleSBmb3IgYSB0ZXN0\n',
);
const env = {
  PATH: process.env['PATH'] ?? '',
  HOME: home,
  HOSTFILE: join(base, 'hosts'),
  LANG: 'C.UTF-8',
  TERM: 'dumb',
  MACHINIST_CONFIG_DIR: join(base, 'env'),
};

type Shell = 'bash' | 'zsh' | 'fish';
const here = new URL('.', import.meta.url).pathname;

/** The completion file for a shell, under the name the shell looks for (zsh: _machinist in a folder of $fpath). */
function install(shell: Shell): string {
  const dir = mkdtempSync(join(base, `${shell}-`));
  const files: Record<Shell, [string, string]> = {
    bash: ['machinist', bashCompletion(p)],
    zsh: ['_machinist', zshCompletion(p)],
    fish: ['machinist.fish', fishCompletion(p)],
  };
  const [name, text] = files[shell];
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

function run(cmd: string, args: string[], more: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: join(base, 'work'),
    env: { ...env, ...more },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error?.message ?? ''}` };
}

/**
 * What the shell offers after typing each line and TAB, in one session of the shell: per line the distinct
 * words, sorted, directories without their "/".
 */
function offered(shell: Shell, file: string, lines: string[]): string[][] {
  const fishLines = lines.map((l) => `complete -C ${JSON.stringify(l)}; echo '<<end>>'`).join('; ');
  const r =
    shell === 'fish'
      ? run('fish', ['--no-config', '-c', `source ${file}; ${fishLines}`])
      : run('zsh', ['-f', join(here, 'complete.zsh'), shell, shell === 'zsh' ? join(file, '..') : file, ...lines]);
  return answersOf(r);
}

function answersOf(r: ReturnType<typeof run>): string[][] {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const answers = r.stdout.split('<<end>>\n');
  expect(answers.pop()).toBe('');
  return answers.map((a) => {
    const words = a.split('\n').map((l) => l.split('\t')[0]!.replace(/\/$/, ''));
    return [...new Set(words.filter(Boolean))].sort();
  });
}

const sorted = (words: string[]) => [...words].sort();

/** Command line → what every shell offers for it. */
const cases: [string, string[]][] = [
  ['machinist ', sorted([...commands, 'help'])],
  ['machinist help ', sorted(commands)],
  ['machinist help status -', []],
  ['machinist st', ['status']],
  ['machinist -', ['--help', '--version', '-V', '-h']],
  ['machinist compile -', sorted(compileFlags)],
  ['machinist status --f', ['--format']],
  ['machinist apply --format ', ['json', 'text']],
  ['machinist schema --kind ', ['container', 'settings', 'slice']],
  ['machinist compile --config ', ['adir', 'bdir']],
  ['machinist completions ', ['bash', 'fish', 'zsh']],
  // Container names: the stems of containers/*.yaml and *.yml files, from MACHINIST_CONFIG_DIR or --config.
  ['machinist status ', ['envbox']],
  ['machinist status --config ../cfg ', ['db', 'web']],
  ['machinist status -c ../cfg w', ['web']],
  ['machinist status --config=../cfg ', ['db', 'web']],
  ['machinist status --format json -c ../cfg web ', ['db']],
  ['machinist explain --config ../cfg d', ['db']],
  // Hosts: from the shell's own lists (bash: $HOSTFILE; zsh and fish: ssh's known_hosts), after a user@ too.
  ['machinist status -H alp', ['alpha.example']],
  ['machinist status --host root@alp', ['root@alpha.example']],
  ['machinist status --format=j', ['--format=json']],
  ['machinist explain --format=json --config=../cfg ', ['db', 'web']],
];

/** Why a shell's completion cannot be run here: the shell, or zsh (whose zpty is bash's terminal), is missing. */
function unavailable(shell: Shell): string | undefined {
  const needs = shell === 'bash' ? ['bash', 'zsh'] : [shell];
  const missing = needs.filter((s) => run(s, ['--version']).code !== 0);
  return missing.length ? `${missing.join(' and ')} not installed` : undefined;
}

function shellTests(shell: Shell, syntax: string[]) {
  const why = unavailable(shell);
  if (why && process.env['CI']) {
    it(`${shell} completion can run (CI never skips it)`, () => {
      expect.fail(`${why}: .ci/run installs bash, zsh and fish`);
    });
  }
  describe.skipIf(why !== undefined)(`${shell} completion${why ? ` (skipped: ${why})` : ''}`, () => {
    const file = install(shell);
    const single = 'machinist explain --config ../cfg web ';
    let answers: string[][] = [];
    beforeAll(() => {
      answers = offered(shell, file, [...cases.map(([line]) => line), single]);
    }, 120_000);

    it(`${shell} parses the script`, () => {
      const r = run(shell, [...syntax, file]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    });

    it.each(cases.map(([line, expected], i) => [line, expected, i] as const))(
      `${shell}: "%s" offers %j`,
      (_line, expected, i) => {
        // bash completes (and lists) only the part of a word after "=" or "@", where COMP_WORDBREAKS splits it.
        const shown = shell === 'bash' ? expected.map((w) => w.replace(/^.*[=@]/, '')) : expected;
        expect(answers[i]).toEqual(shown);
      },
    );

    it(`${shell}: a command with one argument offers no second container`, () => {
      expect(answers).toHaveLength(cases.length + 1);
      expect(answers[cases.length]).not.toContain('db');
    });
  });
}

shellTests('bash', ['-n']);
shellTests('zsh', ['-n']);
shellTests('fish', ['--no-execute']);

// Where `make install` puts the completions, each shell finds them by its own lookup once machinist is installed:
// bash-completion's loader in XDG_DATA_DIRS' bash-completion/completions, zsh's compinit in $fpath (Debian's has
// vendor-completions), fish in XDG_DATA_DIRS' fish/vendor_completions.d for a command on PATH.
describe('completions installed by make install are found by the shells themselves', () => {
  const dest = mkdtempSync(join(base, 'dest-'));
  const share = join(dest, 'usr/share');
  const lines = ['machinist st', 'machinist status --config ../cfg '];
  const expected = [['status'], ['db', 'web']];
  const bashCompletion = '/usr/share/bash-completion/bash_completion';
  const noBashCompletion = !existsSync(bashCompletion) ? 'the bash-completion package is not installed' : undefined;
  beforeAll(() => {
    const r = spawnSync('make', ['--no-print-directory', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr'], {
      cwd: join(here, '../..'),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 120_000);

  if (noBashCompletion && process.env['CI']) {
    it('bash-completion is installed (CI never skips this)', () => expect.fail(noBashCompletion));
  }
  it.skipIf(noBashCompletion !== undefined || unavailable('bash') !== undefined)('bash, by bash-completion', () => {
    const r = run('zsh', ['-f', join(here, 'complete.zsh'), 'bash', bashCompletion, ...lines], {
      XDG_DATA_DIRS: share,
    });
    expect(answersOf(r)).toEqual(expected);
  });

  it.skipIf(unavailable('zsh') !== undefined)('zsh, by compinit from vendor-completions in $fpath', () => {
    const r = run('zsh', ['-f', join(here, 'complete.zsh'), 'zsh', join(share, 'zsh/vendor-completions'), ...lines]);
    expect(answersOf(r)).toEqual(expected);
  });

  it.skipIf(unavailable('fish') !== undefined)('fish, by its vendor_completions.d', () => {
    const fishLines = lines.map((l) => `complete -C ${JSON.stringify(l)}; echo '<<end>>'`).join('; ');
    const r = run('fish', ['-c', fishLines], { XDG_DATA_DIRS: share, PATH: `${join(dest, 'usr/bin')}:${env.PATH}` });
    expect(answersOf(r)).toEqual(expected);
  });
});
