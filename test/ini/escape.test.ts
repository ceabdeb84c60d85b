// Pure tables for the encoders. What systemd makes of these outputs is checked in test/oracle/.
import { describe, expect, it } from 'vitest';
import {
  EncodeError,
  nspawnEnvironment,
  nspawnPath,
  nspawnSystemCallFilter,
  nspawnText,
  nspawnToken,
  nspawnWord,
  unitEnvironment,
  unitExecArguments,
  unitText,
  unitWord,
} from '../../src/ini/escape.js';
import { syscallGroupMembers, syscallGroups, syscallNames } from '../../src/schema/syscalls.js';

type Ok = [input: string, output: string];
type Bad = [input: string, reason: RegExp];

function okTable(fn: (s: string) => string, cases: Ok[]): void {
  it.each(cases)('%j → %j', (input, output) => expect(fn(input)).toBe(output));
}
function badTable(fn: (s: string) => string, cases: Bad[]): void {
  it.each(cases)('rejects %j', (input, reason) => {
    expect(() => fn(input)).toThrow(EncodeError);
    expect(() => fn(input)).toThrow(reason);
  });
}

// Refused by every encoder: the config reader ends a line there, or the string is not Unicode.
const UNCARRIABLE: Bad[] = [
  ['a\nb', /newline/],
  ['a\rb', /carriage return/],
  ['a\0b', /NUL/],
  ['a\uD800b', /Unicode/],
  ['a\uDC00', /Unicode/],
];

describe('unitText (Description= and other literal unit text)', () => {
  okTable(unitText, [
    ['Public web front end', 'Public web front end'],
    ['50% off, %i', '50%% off, %%i'],
    ['say "hi" \'now\'', 'say "hi" \'now\''],
    ['a\\b \\x41', 'a\\b \\x41'],
    ['tab\tinside', 'tab\tinside'],
    ['#x ;y [Section] $HOME', '#x ;y [Section] $HOME'],
    ['héllo ✓', 'héllo ✓'],
    ['', ''],
  ]);
  badTable(unitText, [
    ...UNCARRIABLE,
    ['esc\x1b[0m', /U\+001B/],
    ['bell\x07', /U\+0007/],
    ['del\x7f', /U\+007F/],
    [' lead', /whitespace/],
    ['trail ', /whitespace/],
    ['trail\t', /whitespace/],
    ['ends\\', /backslash/],
  ]);
});

describe('unitWord (one word of a unit-file list)', () => {
  okTable(unitWord, [
    ['/var/lib/machines/web', '/var/lib/machines/web'],
    ['A=b=c', 'A=b=c'],
    ['--flag', '--flag'],
    ['100%', '100%%'],
    ['', '""'],
    ['a b', '"a b"'],
    [' lead and trail ', '" lead and trail "'],
    ['tab\there', '"tab\there"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["it's", '"it\'s"'],
    ['a\\b', '"a\\\\b"'],
    ['\\"', '"\\\\\\""'],
    ['ends\\', '"ends\\\\"'],
    ['$HOME %i', '"$HOME %%i"'],
    ['héllo', '"héllo"'],
    [';x', '";x"'],
    ['#x', '"#x"'],
    ['[Section]', '"[Section]"'],
  ]);
  badTable(unitWord, [...UNCARRIABLE, ['a\x01', /U\+0001/], ['\x1b', /U\+001B/]]);
});

describe('unitEnvironment', () => {
  it.each([
    ['TZ', 'UTC', 'TZ=UTC'],
    ['_X1', '', '_X1='],
    ['MACHINIST_ARGS', '--directory=/srv/my root', '"MACHINIST_ARGS=--directory=/srv/my root"'],
    ['P', '50%', 'P=50%%'],
    ['Q', 'a "b" \\c', '"Q=a \\"b\\" \\\\c"'],
  ])('%s=%j → %j', (name, value, out) => expect(unitEnvironment(name, value)).toBe(out));

  it.each(['', '1A', 'A-B', 'A B', 'A=B', 'É', '$A'])('rejects the name %j', (name) => {
    expect(() => unitEnvironment(name, 'x')).toThrow(/not a valid environment variable name/);
  });
  it('rejects a value no unit file can hold', () => {
    expect(() => unitEnvironment('A', 'x\ny')).toThrow(/newline/);
  });
});

describe('nspawnWord (one element of .nspawn Environment=/Parameters=)', () => {
  okTable(nspawnWord, [
    ['/usr/bin/python3', '/usr/bin/python3'],
    ['--flag=1', '--flag=1'],
    ['~@debug', '~@debug'],
    ['50%', '50%'],
    ['', "''"],
    ['a b', "'a b'"],
    ['\t', "'\t'"],
    ['say "hi"', `'say "hi"'`],
    ["it's", `'it'"'"'s'`],
    ["'", `"'"`],
    ["''x''", `"''"'x'"''"`],
    ['a\\', "'a\\'"],
    ['\\"', `'\\"'`],
    ['$HOME', "'$HOME'"],
    ['héllo', "'héllo'"],
    ['#x', "'#x'"],
    ['ctrl\x01\x1b', "'ctrl\x01\x1b'"],
  ]);
  badTable(nspawnWord, UNCARRIABLE);
});

describe('nspawnEnvironment', () => {
  it.each([
    ['A', 'b', 'A=b'],
    ['E', '', 'E='],
    ['GREETING', 'hello world', "'GREETING=hello world'"],
    ['Q', `it's "x"`, `'Q=it'"'"'s "x"'`],
  ])('%s=%j → %j', (name, value, out) => expect(nspawnEnvironment(name, value)).toBe(out));
  it.each(['', '9', 'A.B', 'A=B'])('rejects the name %j', (name) => {
    expect(() => nspawnEnvironment(name, 'x')).toThrow(EncodeError);
  });
});

describe('nspawnToken (lists that nspawn does not unquote)', () => {
  okTable(nspawnToken, [
    ['CAP_NET_ADMIN', 'CAP_NET_ADMIN'],
    ['~@debug', '~@debug'],
    ['@system-service', '@system-service'],
  ]);
  badTable(nspawnToken, [...UNCARRIABLE, ['', /plain word/], ['a b', /plain word/], ["'x'", /plain word/]]);
});

describe('nspawnPath (a field of Bind=/TemporaryFileSystem=)', () => {
  okTable(nspawnPath, [
    ['/srv/web', '/srv/web'],
    ['/srv/a:b', '/srv/a\\:b'],
    ['/srv/a\\b', '/srv/a\\\\b'],
    ['/srv/a\\:b', '/srv/a\\\\\\:b'],
    ['/srv/a b\tc', '/srv/a b\tc'],
    [`/srv/"q" 'q'`, `/srv/"q" 'q'`],
    ['/srv/50%/$HOME', '/srv/50%/$HOME'],
    ['/srv/a,b=c', '/srv/a,b=c'],
  ]);
  badTable(nspawnPath, [
    ...UNCARRIABLE,
    ['', /empty/],
    ['/srv/trail ', /whitespace/],
    ['/srv/trail\t', /whitespace/],
    ['/srv/ends\\', /backslash/],
  ]);
});

describe('nspawnText (a value nspawn takes literally)', () => {
  okTable(nspawnText, [
    ['web01', 'web01'],
    ['/srv/a:b\\c "d"', '/srv/a:b\\c "d"'],
    ['%i $HOME', '%i $HOME'],
  ]);
  badTable(nspawnText, [...UNCARRIABLE, [' x', /whitespace/], ['x ', /whitespace/], ['x\\', /backslash/]]);
});

describe('unitExecArguments (a variable ExecStart= expands unbraced, as $MACHINIST_ARGS)', () => {
  it.each([
    [['--directory=/srv/web'], '--directory=/srv/web'],
    [['--directory=/srv/a b', '--template=/x'], '--directory=/srv/a\\ b --template=/x'],
    [["--directory=/srv/web'2"], "--directory=/srv/web\\'2"],
    [['--directory=/srv/a"b\\c\td'], '--directory=/srv/a\\"b\\\\c\\\td'],
    [['50%', '$HOME', 'héllo'], '50% $HOME héllo'],
    [[''], "''"],
  ])('%j → %j', (words, out) => expect(unitExecArguments(words)).toBe(out));
  it('is then encoded for the unit-file parser by unitEnvironment', () => {
    expect(unitEnvironment('MACHINIST_ARGS', unitExecArguments(["--directory=/srv/web'2 %i"]))).toBe(
      `"MACHINIST_ARGS=--directory=/srv/web\\\\'2\\\\ %%i"`,
    );
  });
  it.each(['a\nb', 'a\x1b', 'a\0'])('refuses %j', (w) => expect(() => unitExecArguments([w])).toThrow(EncodeError));
});

describe('nspawnSystemCallFilter (one SystemCallFilter= entry of a .nspawn file)', () => {
  it('writes a denied group as the deny list of its system calls', () => {
    expect(nspawnSystemCallFilter('~@debug')).toBe(`~${syscallGroupMembers('@debug')!.join(' ')}`);
    expect(nspawnSystemCallFilter('~@debug')).toMatch(/^~(?:[a-z0-9_]+ )*ptrace(?: [a-z0-9_]+)*$/);
  });
  it('expands nested groups, each system call once', () => {
    const words = nspawnSystemCallFilter('~@privileged').slice(1).split(' ');
    expect(words.some((w) => w.startsWith('@'))).toBe(false);
    expect(new Set(words).size).toBe(words.length);
    for (const nested of ['@chown', '@clock', '@module', '@raw-io', '@reboot', '@swap']) {
      for (const call of syscallGroupMembers(nested)!) expect(words).toContain(call);
    }
  });
  it.each(['ptrace', '~ptrace', '@system-service', '~kcmp'])('keeps %j as it is', (e) => {
    expect(nspawnSystemCallFilter(e)).toBe(e);
  });
  it('knows every system call of every group as a name too (the table is whole)', () => {
    const calls = syscallGroups.flatMap((g) => syscallGroupMembers(g)!.filter((m) => !m.startsWith('@')));
    expect(calls.length).toBeGreaterThan(500);
    expect(calls.filter((m) => !syscallNames.has(m))).toEqual([]);
    expect(syscallNames.size).toBeGreaterThanOrEqual(new Set(calls).size);
  });
  it('leaves a group systemd does not know as it is (resolve refuses it, with a "did you mean")', () => {
    expect(nspawnSystemCallFilter('~@debgu')).toBe('~@debgu');
  });
  it.each(['~@a b', "~@'x'", '~@x\ny'])('refuses %j, which is no plain word', (e) => {
    expect(() => nspawnSystemCallFilter(e)).toThrow(EncodeError);
  });
});
