// A container whose YAML is broken never vanishes: the generator still writes every other container, and the
// broken one gets machine@NAME.service.d/50-machinist.conf that fails on start, printing the file:line:col and
// message of each error. Judged by systemd 252 itself: `systemd-analyze verify` has no complaint, and the
// commands `systemd --test` says it would run are run here, so what they print and their exit status are real.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOwned } from '../../src/emit/ownership.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { failureLines, oneLine, translateFailing } from '../../src/translate/failing.js';
import type { Failure } from '../../src/translate/failing.js';
import type { GeneratedFile } from '../../src/translate/output.js';
import {
  ensureBuilt,
  generatorDirs,
  readTree,
  repo,
  runCli,
  runGenerator,
  treeObject,
  writeConfig,
} from './helpers.js';
import type { GeneratorDirs } from './helpers.js';
import { dump, systemdUnavailable, verify } from './systemd.js';
import type { UnitDump } from './systemd.js';

const unavailable = systemdUnavailable();
const TEMPLATE = join(repo, 'units/machine@.service');
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Run the commands systemd would run for ExecStartPre= in order, stopping at the first failure, like systemd. */
function startPre(u: UnitDump): { output: string; code: number | null; failedAt: string[] | undefined } {
  let output = '';
  for (const argv of u.exec.get('ExecStartPre') ?? []) {
    // The template's own bookkeeping (copies of the settings under /run/machinist/started) is not part of what
    // decides a failed start, and run outside systemd its `$$` would not be expanded: skip it.
    if (argv.includes('machine-start-pre')) continue;
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
    output += r.stdout + r.stderr;
    if (r.status !== 0) return { output, code: r.status, failedAt: argv };
  }
  return { output, code: 0, failedAt: undefined };
}

const err = (message: string, file: string, line = 3, col = 5, code = 'invalid-value'): Diagnostic => ({
  code,
  severity: 'error',
  message,
  file,
  pos: { line, col, length: 1 },
});

// Messages carry user text (key names, values, file names): every one must reach the journal unchanged,
// except for what oneLine() takes out (control characters, lone surrogates, length).
const NASTY: Array<[string, string]> = [
  ['dollar', 'unknown key "$HOME" and ${HOME} and $$ and $1'],
  ['specifiers', 'value "%i %n 50% %%" is wrong'],
  ['quotes', `say "hi" and 'bye' and a lone " here`],
  ['backslashes', 'a\\b \\n \\t \\x41 \\\\ \\"'],
  ['trailing backslash', 'ends with a backslash \\'],
  ['newline and tab', 'first line\nsecond\tline\r\nthird'],
  ['control characters', 'bell\x07 escape\x1b[31m nul\x00 del\x7f'],
  ['unicode', 'héllo ✓ 😀'],
  ['lone surrogate', 'broken \uD800 half'],
  ['semicolon words', '; ;; \\; & | > < `id` $(id)'],
  ['section-like', '[Service]\nExecStart=/bin/evil'],
  ['very long', `${'x'.repeat(2000)} end`],
];

describe.skipIf(unavailable !== undefined && !process.env['CI'])(
  'failing units, as systemd reads and runs them',
  () => {
    it('has systemd, systemd-analyze and setpriv (required when CI is set)', () => expect(unavailable).toBeUndefined());

    describe('any message survives systemd quoting', () => {
      let dir = '';
      let failures: Failure[] = [];
      let units = new Map<string, UnitDump>();
      let log = '';
      let verifyLines: string[] = [];

      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'machinist-failing-quote-'));
        temps.push(dir);
        copyFileSync(TEMPLATE, join(dir, 'machine@.service'));
        failures = NASTY.map(([, message], i) => ({
          name: `q${i}`,
          // File names are user text too.
          file: `/etc/my "odd" $dir %i/containers/q${i}.yaml`,
          errors: [
            err(message, `/etc/my "odd" $dir %i/containers/q${i}.yaml`),
            err('second error', `/etc/my "odd" $dir %i/containers/q${i}.yaml`, 7, 1, 'unknown-key'),
          ],
          autostart: false,
        }));
        for (const f of failures) {
          const [file] = translateFailing(f, '/etc/my "odd" $dir %i') as [GeneratedFile];
          mkdirSync(join(dir, `machine@${f.name}.service.d`));
          writeConfig(dir, { [file.rel]: renderOwned(file.doc) });
        }
        const names = failures.map((f) => `machine@${f.name}.service`);
        verifyLines = verify(dir, names);
        ({ units, log } = dump(dir, names));
      });

      it('systemd-analyze verify says nothing about the drop-ins', () => {
        expect(
          verifyLines.filter((l) => l.includes(dir) || /50-machinist|Unknown|ignoring|Invalid|Failed/.test(l)),
        ).toEqual([]);
      });

      it('systemd --test loads every drop-in without a complaint', () => {
        expect(log.split('\n').filter((l) => l.includes('50-machinist'))).toEqual([]);
        for (const f of failures) {
          const u = units.get(`machine@${f.name}.service`);
          expect(u?.props).toContainEqual(['DropIn Path', join(dir, `machine@${f.name}.service.d/50-machinist.conf`)]);
        }
      });

      it.each(NASTY.map(([label], i) => [label, i] as const))(
        '%s: printed exactly, then the start fails',
        (_label, i) => {
          const f = failures[i]!;
          const u = units.get(`machine@${f.name}.service`)!;
          const r = startPre(u);
          expect(r.output).toBe(`${failureLines(f, '/etc/my "odd" $dir %i').join('\n')}\n`);
          expect(r.output).toContain(
            `/etc/my "odd" $dir %i/containers/q${i}.yaml:3:5: error[invalid-value]: ${oneLine(NASTY[i]![1]).slice(0, 40)}`,
          );
          expect(r.code).toBe(1);
          expect(r.failedAt).toEqual(['/bin/false']);
          // Even if ExecStartPre= were reset by another drop-in, ExecStart= cannot start the container.
          expect(u.exec.get('ExecStart')).toEqual([['/bin/false']]);
          expect(u.props).toContainEqual([
            'Description',
            oneLine(`Container ${f.name} (not started: configuration error in ${f.file})`),
          ]);
        },
      );

      it('no line is longer than the cap, and there is one line per error plus a headline and a hint', () => {
        for (const f of failures) {
          const lines = failureLines(f);
          expect(lines).toHaveLength(2 + 2);
          for (const l of lines) expect(l.length).toBeLessThanOrEqual(400);
        }
      });
    });

    describe('a config with good and broken containers, through the generator bundle', () => {
      let cfg = '';
      let d: GeneratorDirs;
      let gen: ReturnType<typeof runGenerator>;
      let units = new Map<string, UnitDump>();
      let log = '';
      let verifyLines: string[] = [];
      let judge = '';
      let compiled = '';
      const GOOD = {
        'slices/web.yaml': 'resources:\n  memory: { max: 2G }\n',
        'containers/good.yaml':
          'description: Good one\nautostart: true\nslice: web\nresources:\n  memory: { max: 1G }\n',
      };
      const BROKEN = {
        // YAML syntax error on line 3: a mapping inside a plain scalar.
        'containers/syntax.yaml': 'description: Broken\nautostart: true\nhostname: a: b\n',
        // A misspelt key on line 2; it would not have started at boot.
        'containers/typo.yaml': 'description: Typo\nresoures:\n  memory: { max: 1G }\n',
        // A misspelt key, but autostart: true: it must show up in systemctl --failed after boot.
        'containers/typo-auto.yaml': 'autostart: true\nhostname: ok\nnetwork:\n  mdoe: veth\n',
        // autostart comes from a profile.
        'profiles/always.yaml': 'autostart: true\n',
        'containers/via-profile.yaml': 'profiles: [always]\nrestart: sometimes\n',
      };

      beforeAll(() => {
        ensureBuilt();
        cfg = mkdtempSync(join(tmpdir(), 'machinist-failing-cfg-'));
        temps.push(cfg);
        writeConfig(cfg, GOOD);
        compiled = mkdtempSync(join(tmpdir(), 'machinist-failing-root-'));
        temps.push(compiled);
        expect(runCli(['compile', '--config', cfg, '--root', compiled]).code).toBe(0);
        writeConfig(cfg, BROKEN);
        d = generatorDirs('machinist-failing-');
        temps.push(d.base);
        gen = runGenerator(cfg, d);
        judge = mkdtempSync(join(tmpdir(), 'machinist-failing-judge-'));
        temps.push(judge);
        cpSync(d.normal, judge, { recursive: true, verbatimSymlinks: true });
        copyFileSync(TEMPLATE, join(judge, 'machine@.service'));
        const names = ['good', 'syntax', 'typo', 'typo-auto', 'via-profile'].map((n) => `machine@${n}.service`);
        verifyLines = verify(judge, names);
        ({ units, log } = dump(judge, names));
      });

      it('exits 0: configuration errors are not a generator failure', () => {
        expect(gen.code).toBe(0);
      });

      it('writes the good container exactly as compile writes it (from the same directory, before it broke)', () => {
        const good = new Map(
          [...readTree(d.normal)].filter(([rel]) => /good|web/.test(rel) || rel === 'machines.target.wants'),
        );
        expect(treeObject(good)).toEqual(treeObject(readTree(join(compiled, 'etc/systemd/system'))));
        const nspawn = readTree(d.nspawn);
        expect(treeObject(nspawn)).toEqual(treeObject(readTree(join(compiled, 'etc/systemd/nspawn'))));
      });

      it('gives each broken container a failing drop-in and no .nspawn file', () => {
        const tree = treeObject(readTree(d.normal));
        for (const n of ['syntax', 'typo', 'typo-auto', 'via-profile']) {
          expect(tree[`machine@${n}.service.d/50-machinist.conf`]).toMatchObject({ type: 'file' });
          expect(readTree(d.nspawn).has(`${n}.nspawn`)).toBe(false);
        }
        expect([...readTree(d.nspawn).keys()]).toEqual(['good.nspawn']);
      });

      it('links into machines.target.wants the broken ones that would have started at boot', () => {
        const wants = [...readTree(join(d.normal, 'machines.target.wants')).keys()].sort();
        expect(wants).toEqual([
          'machine@good.service',
          'machine@syntax.service',
          'machine@typo-auto.service',
          'machine@via-profile.service',
        ]);
      });

      it('systemd-analyze verify has nothing to say about our files', () => {
        expect(
          verifyLines.filter((l) => l.includes(judge) || /50-machinist|machine-web|Unknown|ignoring|Invalid/.test(l)),
        ).toEqual([]);
        expect(log.split('\n').filter((l) => /50-machinist|machine-web\.slice/.test(l))).toEqual([]);
      });

      it.each([
        ['syntax', 3, 'yaml-syntax'],
        ['typo', 2, 'unknown-key'],
        ['typo-auto', 4, 'unknown-key'],
        ['via-profile', 2, 'invalid-value'],
      ] as const)('machine@%s.service fails on start, printing file:%i and the error', (name, line, code) => {
        const u = units.get(`machine@${name}.service`)!;
        const r = startPre(u);
        expect(r.code).toBe(1);
        expect(r.output).toMatch(
          new RegExp(`^machinist: machine@${name}\\.service is not started: ${cfg}/containers/${name}\\.yaml has`),
        );
        expect(r.output).toContain(`${cfg}/containers/${name}.yaml:${line}:`);
        expect(r.output).toContain(`error[${code}]`);
        expect(r.output).toContain(`machinist validate --config ${cfg}`);
        expect(u.props).toContainEqual([
          'Description',
          `Container ${name} (not started: configuration error in ${cfg}/containers/${name}.yaml)`,
        ]);
        expect(u.props).toContainEqual(['Source Path', `${cfg}/containers/${name}.yaml`]);
      });

      it('the good container starts normally (systemd-nspawn, no failing commands)', () => {
        const u = units.get('machine@good.service')!;
        // The template's only start-pre command records the settings the container starts from.
        expect((u.exec.get('ExecStartPre') ?? []).filter((argv) => !argv.includes('machine-start-pre'))).toEqual([]);
        expect(u.exec.get('ExecStart')?.[0]?.[0]).toMatch(/systemd-nspawn$/);
      });

      it('logs each error to kmsg as <3>machinist-generator: file:line:col: … and to stderr', () => {
        const kmsg = gen.kmsg.split('\n').filter(Boolean);
        expect(kmsg.every((l) => /^<[346]>machinist-generator: /.test(l))).toBe(true);
        expect(kmsg).toContainEqual(
          expect.stringMatching(
            new RegExp(`^<3>machinist-generator: ${cfg}/containers/syntax\\.yaml:3:\\d+: error\\[yaml-syntax\\]`),
          ),
        );
        expect(kmsg).toContainEqual(
          expect.stringMatching(
            new RegExp(
              `^<3>machinist-generator: ${cfg}/containers/typo\\.yaml:2:1: error\\[unknown-key\\]: unknown key "resoures"`,
            ),
          ),
        );
        expect(kmsg.at(-1)).toMatch(
          /^<6>machinist-generator: 4 container\(s\) with configuration errors get a failing unit: machine@syntax\.service machine@typo\.service machine@typo-auto\.service machine@via-profile\.service$/,
        );
        expect(gen.stderr.split('\n').filter(Boolean)).toEqual(kmsg.map((l) => l.replace(/^<\d>/, '')));
      });

      it('a fixed file replaces the failing unit on the next run', () => {
        writeConfig(cfg, { 'containers/typo.yaml': 'description: Typo fixed\nresources:\n  memory: { max: 1G }\n' });
        for (const x of [d.normal]) {
          rmSync(x, { recursive: true, force: true });
          mkdirSync(x);
        }
        const again = runGenerator(cfg, d);
        expect(again.code).toBe(0);
        expect(readFileSync(join(d.normal, 'machine@typo.service.d/50-machinist.conf'), 'utf8')).toContain(
          'MemoryMax=1G',
        );
        expect(readTree(d.nspawn).has('typo.nspawn')).toBe(true);
      });
    });
  },
);
