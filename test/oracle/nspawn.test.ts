// The .nspawn encoders, judged by systemd-nspawn itself: each table is written into one settings file, one
// throwaway container runs, and what the container really received is compared with the original strings.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nspawnEnvironment, nspawnPath, nspawnText, nspawnToken, nspawnWord } from '../../src/ini/escape.js';
import { renderIni } from '../../src/ini/render.js';
import type { IniEntry } from '../../src/ini/model.js';
import { nspawnUnavailable, nulItems, runContainer, settingsComplaints, skipNspawnOracle } from './nspawn-oracle.js';

// Values a YAML file could hand us, chosen to break naive quoting.
const HOSTILE: Array<[label: string, value: string]> = [
  ['spaces', 'hello big world'],
  ['tab', 'a\tb'],
  ['double quotes', 'say "hi" now'],
  ['single quote', "it's"],
  ['lone single quote', "'"],
  ['two single quotes', "''"],
  ['lone double quote', '"'],
  ['backslash', 'a\\b'],
  ['backslash quote', '\\"'],
  ['trailing backslash', 'ends\\'],
  ['dollar', '$HOME'],
  ['specifier', '%i 50%'],
  ['utf-8', 'héllo ✓'],
  ['equals', 'a=b=c'],
  ['empty', ''],
  ['leading and trailing spaces', '  padded  '],
  ['option-like', '--flag'],
  ['semicolon', ';x'],
  ['hash', '#x'],
  ['section-like', '[Section]'],
  ['control characters', 'bell\x07esc\x1b'],
  ['everything', `a'b"c\\d e\tf$g%h`],
];

const render = (section: string, entries: IniEntry[]): string =>
  renderIni({ comments: ['machinist oracle'], sections: [{ name: section, entries }] });

describe.skipIf(skipNspawnOracle)('systemd-nspawn reads back what the encoders write', () => {
  it('has root and systemd-nspawn (required when CI is set)', () => {
    expect(nspawnUnavailable).toBeUndefined();
  });

  describe('Environment= (nspawnEnvironment), one assignment per line', () => {
    let env = new Map<string, string>();
    let stderr = '';
    beforeAll(() => {
      const entries = HOSTILE.map(([, value], i) => ({
        key: 'Environment',
        value: nspawnEnvironment(`MT_${i}`, value),
      }));
      const r = runContainer(render('Exec', entries), ['/usr/bin/env', '-0']);
      stderr = r.stderr;
      env = new Map(
        nulItems(r.stdout).map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]),
      );
    });
    it('nspawn does not complain about the file', () => expect(settingsComplaints(stderr)).toEqual([]));
    it.each(HOSTILE.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
      expect(env.get(`MT_${i}`)).toBe(value);
    });
    it('no stray variables appeared (nothing was split into two words)', () => {
      expect(
        [...env.keys()].filter(
          (k) => !/^(MT_\d+|PATH|container|container_[a-z_]+|TERM|HOME|USER|LOGNAME|LANG|NOTIFY_SOCKET)$/.test(k),
        ),
      ).toEqual([]);
    });
  });

  describe('Environment= with all assignments as words of one line', () => {
    it('carries every hostile value', () => {
      const words = HOSTILE.map(([, value], i) => nspawnEnvironment(`MW_${i}`, value)).join(' ');
      const r = runContainer(render('Exec', [{ key: 'Environment', value: words }]), ['/usr/bin/env', '-0']);
      const got = nulItems(r.stdout).filter((item) => item.startsWith('MW_'));
      expect(got).toEqual(HOSTILE.map(([, value], i) => `MW_${i}=${value}`));
    });
  });

  describe('Parameters= (nspawnWord): the exact argv of the container command', () => {
    let argv: string[] = [];
    beforeAll(() => {
      // Parameters= only takes effect when the file also sets Boot= (or ProcessTwo=); Boot=no does.
      const words = ['/usr/bin/printf', '%s\\0', ...HOSTILE.map(([, value]) => value)].map(nspawnWord).join(' ');
      const r = runContainer(
        render('Exec', [
          { key: 'Boot', value: 'no' },
          { key: 'Parameters', value: words },
        ]),
      );
      argv = nulItems(r.stdout);
    });
    it('got exactly one argument per word', () => expect(argv).toHaveLength(HOSTILE.length));
    it.each(HOSTILE.map(([label, value], i) => [label, value, i] as const))('%s', (_label, value, i) => {
      expect(argv[i]).toBe(value);
    });
  });

  describe('Bind=, BindReadOnly=, TemporaryFileSystem= (nspawnPath) with hostile directory names', () => {
    // Names a directory can have (no '/', no NUL, no trailing whitespace or backslash: nspawnPath refuses those).
    const NAMES = [
      'sp ace',
      'co:lon',
      'two::colons',
      'back\\slash',
      'bs-colon\\:x',
      'esc\\x41',
      `q'uote`,
      'd"q',
      'tab\tx',
      '%i',
      '$HOME',
      'héllo',
      'a=b=c',
      '--flag',
      ';x',
      '#x',
      '[Section]',
      'comma,x',
      ' lead',
    ];
    let host = '';
    let seen = new Map<string, string>();
    let stderr = '';
    beforeAll(() => {
      host = mkdtempSync('/tmp/machinist-oracle-bind-');
      chmodSync(host, 0o755);
      NAMES.forEach((name, i) => {
        mkdirSync(join(host, 'src', name), { recursive: true });
        writeFileSync(join(host, 'src', name, 'marker'), `bind ${i}`);
        mkdirSync(join(host, 'tmpfs', name), { recursive: true });
        writeFileSync(join(host, 'tmpfs', name, 'marker'), `hidden ${i}`);
      });
      const entries: IniEntry[] = NAMES.map((name, i) => ({
        key: i % 2 ? 'BindReadOnly' : 'Bind',
        value: `${nspawnPath(join(host, 'src', name))}:${nspawnPath(`/mnt/bind/${name}`)}`,
      }));
      // The whole tmpfs tree goes in first, then a tmpfs (with options, so the path is not the last field)
      // over each hostile name: nspawn mounts in order of destination, parents first.
      entries.push({ key: 'Bind', value: `${nspawnPath(join(host, 'tmpfs'))}:/mnt/tmpfs` });
      for (const name of NAMES)
        entries.push({ key: 'TemporaryFileSystem', value: `${nspawnPath(`/mnt/tmpfs/${name}`)}:mode=0701` });
      // Inside: for every directory, its path, then its marker (or the tmpfs mode where the marker is hidden).
      const script =
        'for d in /mnt/bind/* /mnt/tmpfs/*; do printf "%s\\0" "$d"; ' +
        'if [ -e "$d/marker" ]; then cat "$d/marker"; else printf "mode %s" "$(stat -c %a "$d")"; fi; printf "\\0"; done';
      const r = runContainer(render('Files', entries), ['/bin/sh', '-c', script]);
      stderr = r.stderr;
      const items = nulItems(r.stdout);
      seen = new Map();
      for (let i = 0; i + 1 < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
    });
    afterAll(() => {
      if (host) rmSync(host, { recursive: true, force: true });
    });

    it('nspawn accepted every line', () => expect(settingsComplaints(stderr)).toEqual([]));
    it.each(NAMES.map((name, i) => [name, i] as const))('bind of %j landed at its own name', (name, i) => {
      expect(seen.get(`/mnt/bind/${name}`)).toBe(`bind ${i}`);
    });
    it.each(NAMES)('tmpfs with options covers %j', (name) => {
      expect(seen.get(`/mnt/tmpfs/${name}`)).toBe('mode 701');
    });
    it('no mount landed anywhere else', () => {
      expect(seen.size).toBe(NAMES.length * 2);
    });
  });

  describe('DropCapability= (nspawnToken): a list nspawn does not unquote', () => {
    const CAP_SYS_PTRACE = 19n;
    const boundingSet = (out: Buffer): bigint => {
      const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(out.toString('utf8'));
      return BigInt(`0x${line?.[1] ?? '0'}`);
    };
    const run = (value: string) =>
      runContainer(render('Exec', [{ key: 'DropCapability', value }]), ['/bin/grep', 'CapBnd', '/proc/self/status']);

    it('a plain word is applied', () => {
      const r = run(nspawnToken('CAP_SYS_PTRACE'));
      expect(settingsComplaints(r.stderr)).toEqual([]);
      expect((boundingSet(r.stdout) >> CAP_SYS_PTRACE) & 1n).toBe(0n);
    });
    it('a quoted word is not unquoted (why nspawnWord must not be used here)', () => {
      const r = run("'CAP_SYS_PTRACE'");
      expect(settingsComplaints(r.stderr).join('\n')).toMatch(/Failed to parse capability/);
      expect((boundingSet(r.stdout) >> CAP_SYS_PTRACE) & 1n).toBe(1n);
    });
  });

  describe('WorkingDirectory= (nspawnText): taken literally', () => {
    const NAMES = ['sp ace', 'co:lon', 'back\\slash', `q'uote "dq"`, '%i $HOME', 'héllo', ';x #x [S]', 'tab\tx'];
    let host = '';
    beforeAll(() => {
      host = mkdtempSync('/tmp/machinist-oracle-wd-');
      chmodSync(host, 0o755);
      for (const name of NAMES) mkdirSync(join(host, name));
    });
    afterAll(() => {
      if (host) rmSync(host, { recursive: true, force: true });
    });
    it.each(NAMES)('%j', (name) => {
      const settings = renderIni({
        comments: [],
        sections: [
          { name: 'Exec', entries: [{ key: 'WorkingDirectory', value: nspawnText(`/mnt/wd/${name}`) }] },
          { name: 'Files', entries: [{ key: 'BindReadOnly', value: `${nspawnPath(host)}:/mnt/wd` }] },
        ],
      });
      const r = runContainer(settings, ['/bin/sh', '-c', 'printf "%s\\0" "$PWD"']);
      expect(settingsComplaints(r.stderr)).toEqual([]);
      expect(nulItems(r.stdout)).toEqual([`/mnt/wd/${name}`]);
    });
  });
});
