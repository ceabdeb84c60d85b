// The unit-file encoders, judged by systemd 252 without a running PID 1, in two ways:
//  - `systemd-analyze verify` must print no complaint about our drop-ins (it exits 0 even when it does);
//  - `systemd --test --system` loads the units exactly like PID 1 would and dumps every parsed setting, so
//    the Environment=, Description= and RequiresMountsFor= values systemd ended up with can be compared with
//    the original strings. It refuses to run as root (exit 1, no message), so as root it runs as nobody via
//    setpriv, which is why the temp dir is world-readable.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitEnvironment, unitText, unitWord } from '../../src/ini/escape.js';
import { renderIni } from '../../src/ini/render.js';
import { loadUnits, unitOracleUnavailable as unavailable, type UnitDump } from './unit-oracle.js';

const TEMPLATE = readFileSync(new URL('../../units/machine@.service', import.meta.url), 'utf8');

// Values for Environment=; control characters other than tab are refused by unitWord, so not here.
const ENV: Array<[label: string, value: string]> = [
  ['spaces', 'hello big world'],
  ['tab', 'a\tb'],
  ['double quotes', 'say "hi" now'],
  ['single quote', "it's"],
  ['lone double quote', '"'],
  ['backslash', 'a\\b'],
  ['backslash quote', '\\"'],
  ['C escape look-alikes', '\\n \\t \\x41 \\s'],
  ['trailing backslash', 'ends\\'],
  ['dollar', '$HOME ${HOME}'],
  ['specifiers', '%i %n 50% %%'],
  ['utf-8', 'héllo ✓'],
  ['equals', 'a=b=c'],
  ['empty', ''],
  ['leading and trailing spaces', '  padded  '],
  ['option-like', '--directory=/srv/my root'],
  ['semicolon', ';x'],
  ['hash', '#x'],
  ['section-like', '[Section]'],
  ['everything', `a'b"c\\d e\tf$g%h`],
];

const DESCRIPTIONS = [
  'Public web front end',
  'say "hi" \'now\'',
  'a\\b \\x41 \\n',
  '$HOME %i %n 50%',
  'héllo ✓',
  'a=b=c --flag ;x #x [Section]',
  'tab\tinside',
  'ends with %',
];

const MOUNT_NAMES = [
  'sp ace',
  'tab\tx',
  `q'uote`,
  'd"q',
  'back\\slash',
  'esc\\x41',
  '%i',
  '$HOME',
  'héllo',
  ';x',
  '#x',
  'ends\\',
];

describe.skipIf(unavailable !== undefined && !process.env.CI)('systemd reads back what the unit encoders write', () => {
  let dir = '';
  const instances = [...DESCRIPTIONS.map((_, i) => `machine@d${i}.service`), 'machine@env.service'];
  let verifyOutput = '';
  let dump: UnitDump = new Map();
  let dumpLog = '';

  const write = (path: string, text: string) => {
    writeFileSync(join(dir, path), text);
    chmodSync(join(dir, path), 0o644);
  };
  const dropIn = (
    instance: string,
    sections: Array<{ name: string; entries: Array<{ key: string; value: string }> }>,
  ) => {
    mkdirSync(join(dir, `${instance}.d`), { mode: 0o755 });
    chmodSync(join(dir, `${instance}.d`), 0o755);
    write(`${instance}.d/50-t.conf`, renderIni({ comments: ['machinist oracle'], sections }));
  };

  beforeAll(() => {
    dir = mkdtempSync('/tmp/machinist-oracle-unit-');
    chmodSync(dir, 0o755);
    write('machine@.service', TEMPLATE);
    DESCRIPTIONS.forEach((d, i) =>
      dropIn(`machine@d${i}.service`, [{ name: 'Unit', entries: [{ key: 'Description', value: unitText(d) }] }]),
    );
    dropIn('machine@env.service', [
      {
        name: 'Unit',
        entries: [{ key: 'RequiresMountsFor', value: MOUNT_NAMES.map((n) => unitWord(`/srv/${n}`)).join(' ') }],
      },
      {
        name: 'Service',
        entries: [
          // One assignment per line, then all of them again as the words of a single line.
          ...ENV.map(([, value], i) => ({ key: 'Environment', value: unitEnvironment(`MT_${i}`, value) })),
          { key: 'Environment', value: ENV.map(([, value], i) => unitEnvironment(`MW_${i}`, value)).join(' ') },
        ],
      },
    ]);
    write('machinist-oracle.target', `[Unit]\nWants=${instances.join(' ')}\n`);

    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/', SYSTEMD_UNIT_PATH: `${dir}:` };
    const verify = spawnSync('systemd-analyze', ['verify', ...instances], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    verifyOutput = `${verify.stdout}${verify.stderr}`;

    ({ dump, log: dumpLog } = loadUnits(dir, 'machinist-oracle.target'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has systemd, systemd-analyze and setpriv (required when CI is set)', () => expect(unavailable).toBeUndefined());

  it('systemd-analyze verify has no complaint about our drop-ins', () => {
    const ours = verifyOutput.split('\n').filter((l) => l.includes(dir));
    expect(ours.filter((l) => /Unknown key|ignoring|Failed to|Invalid|is not valid/.test(l))).toEqual([]);
  });

  it('systemd --test loaded every instance with its drop-in, without complaints', () => {
    for (const unit of instances) {
      expect(
        dump.get(unit)?.some(([k, v]) => k === 'DropIn Path' && v === join(dir, `${unit}.d/50-t.conf`)),
        unit,
      ).toBe(true);
    }
    expect(dumpLog.split('\n').filter((l) => l.includes('50-t.conf'))).toEqual([]);
  });

  const envOf = () => (dump.get('machine@env.service') ?? []).filter(([k]) => k === 'Environment').map(([, v]) => v);

  it.each(ENV.map(([label, value], i) => [label, value, i] as const))('Environment= %s', (_label, value, i) => {
    expect(envOf()).toContain(`MT_${i}=${value}`);
    expect(envOf()).toContain(`MW_${i}=${value}`);
  });

  it('Environment= produced nothing but our assignments (no word was split)', () => {
    expect(envOf()).toHaveLength(ENV.length * 2);
  });

  it.each(DESCRIPTIONS.map((d, i) => [d, i] as const))('Description= %j', (description, i) => {
    const props = dump.get(`machine@d${i}.service`) ?? [];
    expect(props.filter(([k]) => k === 'Description').map(([, v]) => v)).toEqual([description]);
  });

  it('RequiresMountsFor= got every path exactly', () => {
    const paths = (dump.get('machine@env.service') ?? [])
      .filter(([k]) => k === 'RequiresMountsFor')
      .map(([, v]) => v.replace(/ \([a-z-]+\)$/, ''));
    expect(paths.sort()).toEqual([...MOUNT_NAMES.map((n) => `/srv/${n}`), '/var/lib/machines/env'].sort());
  });
});
