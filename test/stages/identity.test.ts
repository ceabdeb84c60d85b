// users: → credentials in the drop-in: validation of names and keys (each refusal at its line), and every
// rendering and escaping path of ssh.authorized_keys.root, sysusers.extra and tmpfiles.extra.
import { describe, expect, it } from 'vitest';
import { TMPFILES_ARGUMENT_MAX, tmpfilesFileArgument, unitCredential } from '../../src/ini/escape.js';
import { sshKeyProblem } from '../../src/schema/identity-rules.js';
import { buildFrom, outputText } from '../helpers/sources.js';

/** A syntactically real public key: an SSH string naming `type`, then `n` bytes; base64 as in a .pub file. */
function key(type: string, comment?: string, n = 32, fill = 7): string {
  const name = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  const blob = Buffer.concat([len, name, Buffer.alloc(n, fill)]);
  return `${type} ${blob.toString('base64')}${comment === undefined ? '' : ` ${comment}`}`;
}

const dropin = (yaml: string) =>
  outputText(buildFrom({ 'containers/web.yaml': yaml }), 'machine@web.service.d/50-machinist.conf');
const credentials = (yaml: string) =>
  Object.fromEntries(
    dropin(yaml)
      .split('\n')
      .filter((l) => l.startsWith('SetCredential='))
      .map((l) => {
        const v = l.slice('SetCredential='.length);
        return [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
      }),
  );
const errors = (yaml: string) =>
  buildFrom({ 'containers/web.yaml': yaml }).diagnostics.filter((d) => d.severity === 'error');

/** What systemd 252 makes of a SetCredential= value: C escapes decoded (\\ and \n are all machinist writes). */
const unescape = (s: string) => s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
/** What systemd-tmpfiles makes of an `f` argument: C escapes, then `%%` → `%`. */
const tmpfilesDecode = (s: string) => unescape(s).replace(/%%/g, '%');

const yamlString = (s: string) => JSON.stringify(s);

describe('ssh key validation', () => {
  it.each([
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'sk-ssh-ed25519@openssh.com',
    'sk-ecdsa-sha2-nistp256@openssh.com',
    'ssh-rsa',
  ])('accepts a %s key, with and without a comment', (type) => {
    expect(sshKeyProblem(key(type))).toBeUndefined();
    expect(sshKeyProblem(key(type, 'alice@laptop (work) é ✓'))).toBeUndefined();
  });

  it.each([
    [key('ssh-dss'), /key type "ssh-dss"/],
    [`ssh-ed25519 ${key('ssh-rsa').split(' ')[1]}`, /says "ssh-ed25519" but its key body is a "ssh-rsa" key/],
    ['ssh-ed25519 AAAA$$$$', /not base64/],
    ['ssh-ed25519 AAAAC3Nz', /not an SSH key/],
    ['ssh-ed25519 AAAAC3N', /not base64/],
    ['ssh-ed25519 AAAAAAAA', /not an SSH key/],
    ['ssh-ed25519', /has no key/],
    [`command="/bin/sh" ${key('ssh-ed25519')}`, /options/],
    [`no-pty,from="10.0.0.1" ${key('ssh-ed25519')}`, /options/],
    [`restrict ${key('ssh-ed25519')}`, /options/],
    [`${key('ssh-ed25519')}\n${key('ssh-ed25519')}`, /line break/],
    [`${key('ssh-ed25519', 'a')} `, /whitespace/],
    [key('ssh-ed25519').replace(' ', '  '), /two spaces|has no key/],
    [key('ssh-ed25519', 'a\tb'), /control/],
  ])('refuses %j', (line, why) => {
    expect(sshKeyProblem(line)).toMatch(why);
  });

  it('reports a bad key at its own line, with what to write instead', () => {
    const yaml = `users:\n  alice:\n    ssh_authorized_keys:\n      - ${yamlString(key('ssh-ed25519'))}\n      - "ssh-ed25519 no!pe"\n`;
    const [d, ...rest] = errors(yaml);
    expect(rest).toEqual([]);
    expect(d!.code).toBe('invalid-value');
    expect(d!.pos!.line).toBe(5);
    expect(d!.message).toMatch(/users\.alice\.ssh_authorized_keys\.1 has a key body that is not base64/);
    expect(d!.hint).toMatch(/\.pub file/);
  });

  it.each(['Alice Smith', '1alice', 'al:ice', 'a'.repeat(32), 'ä'])('refuses the user name %j', (name) => {
    const [d] = errors(`users:\n  ${yamlString(name)}: {}\n`);
    expect(d!.code).toBe('invalid-value');
    expect(d!.pos!.line).toBe(2);
  });

  it('refuses unknown keys per user, a relative shell and a uid below 1000', () => {
    expect(errors('users:\n  alice: { password: x }\n')[0]!.code).toBe('unknown-key');
    expect(errors('users:\n  alice: { shell: bash }\n')[0]!.message).toMatch(/absolute path/);
    expect(errors('users:\n  alice: { uid: 999 }\n')[0]!.message).toMatch(/at least 1000/);
  });
});

describe('credentials in the drop-in', () => {
  it('gives root its keys through ssh.authorized_keys.root, each line ending in a newline', () => {
    const k1 = key('ssh-ed25519', 'root@a');
    const k2 = key('ecdsa-sha2-nistp256');
    const text = dropin(`users:\n  root: { ssh_authorized_keys: [${yamlString(k1)}, ${yamlString(k2)}] }\n`);
    expect(text).toContain(
      'Environment=MACHINIST_ARGS=--load-credential=ssh.authorized_keys.root:ssh.authorized_keys.root\n',
    );
    expect(text).toContain(`SetCredential=ssh.authorized_keys.root:${k1}\\n${k2}\\n`);
    expect(text).not.toContain('sysusers.extra');
  });

  it('creates other users with sysusers.extra and tmpfiles.extra, uids in name order, groups, shells', () => {
    const k = key('ssh-ed25519', 'bob@x');
    const c = credentials(
      `users:\n  carol: { uid: 1001 }\n  bob: { ssh_authorized_keys: [${yamlString(k)}], groups: [sudo, adm], shell: /bin/bash }\n  alice: {}\n`,
    );
    expect(unescape(c['sysusers.extra']!)).toBe(
      [
        'u alice 1000 - /home/alice /bin/sh',
        'u bob 1002 - /home/bob /bin/bash',
        'm bob sudo',
        'm bob adm',
        'u carol 1001 - /home/carol /bin/sh',
        '',
      ].join('\n'),
    );
    expect(unescape(c['tmpfiles.extra']!)).toBe(
      [
        'd /home/alice 0700 alice alice -',
        'd /home/bob 0700 bob bob -',
        'd /home/bob/.ssh 0700 bob bob -',
        `f /home/bob/.ssh/authorized_keys 0600 bob bob - ${k}\\n`,
        'd /home/carol 0700 carol carol -',
        '',
      ].join('\n'),
    );
    expect(dropin('users:\n  alice: {}\n')).toContain(
      'MACHINIST_ARGS=--load-credential=sysusers.extra:sysusers.extra --load-credential=tmpfiles.extra:tmpfiles.extra"',
    );
  });

  it('carries comments with %, backslashes, quotes and unicode byte for byte to authorized_keys', () => {
    const comment = `50% "q" 'x' back\\slash \\n é 𝄞 %h`;
    const k = key('ssh-ed25519', comment);
    const c = credentials(
      `users:\n  root: { ssh_authorized_keys: [${yamlString(k)}] }\n  alice: { ssh_authorized_keys: [${yamlString(k)}] }\n`,
    );
    expect(unescape(c['ssh.authorized_keys.root']!)).toBe(`${k}\n`);
    const line = unescape(c['tmpfiles.extra']!)
      .split('\n')
      .find((l) => l.startsWith('f '))!;
    const argument = line.split(' ').slice(6).join(' ');
    expect(tmpfilesDecode(argument)).toBe(`${k}\n`);
  });

  it('carries long and many keys; refuses what systemd-tmpfiles cannot write from one line', () => {
    const rsa = key('ssh-rsa', 'big', 535); // the size of an RSA 4096 key
    const many = Array.from({ length: 40 }, (_, i) => key('ssh-ed25519', `k${i}`, 32, i));
    const c = credentials(
      `users:\n  root: { ssh_authorized_keys: ${JSON.stringify([rsa, ...many])} }\n  alice: { ssh_authorized_keys: ${JSON.stringify([rsa, ...many.slice(0, 20)])} }\n`,
    );
    expect(unescape(c['ssh.authorized_keys.root']!)).toBe([rsa, ...many, ''].join('\n'));
    const f = unescape(c['tmpfiles.extra']!)
      .split('\n')
      .find((l) => l.startsWith('f '))!;
    expect(tmpfilesDecode(f.split(' ').slice(6).join(' '))).toBe([rsa, ...many.slice(0, 20), ''].join('\n'));
    const tooMany = Array.from({ length: 6 }, (_, i) => key('ssh-rsa', `r${i}`, 535, i));
    const [d] = errors(`users:\n  alice:\n    ssh_authorized_keys: ${JSON.stringify(tooMany)}\n`);
    expect(d!.code).toBe('unencodable-value');
    expect(d!.pos!.line).toBe(3);
    expect(d!.hint).toMatch(/fewer or shorter keys/);
  });

  it('keeps the root directory arguments and adds the credentials to them', () => {
    const text = dropin(
      `directory: /srv/my root\nusers:\n  root: { ssh_authorized_keys: [${yamlString(key('ssh-ed25519'))}] }\n`,
    );
    expect(text).toContain(
      'Environment="MACHINIST_ARGS=--directory=/srv/my\\\\ root --load-credential=ssh.authorized_keys.root:ssh.authorized_keys.root"',
    );
  });

  it('refuses settings root cannot have, a shared uid, and users on a container that does not boot', () => {
    expect(errors('users:\n  root: { shell: /bin/zsh, groups: [adm] }\n').map((d) => d.message)).toEqual([
      expect.stringMatching(/users\.root\.shell cannot be set/),
      expect.stringMatching(/users\.root\.groups cannot be set/),
    ]);
    expect(errors('users:\n  a: { uid: 1005 }\n  b: { uid: 1005 }\n')[0]!.message).toMatch(
      /uid 1005 is also the uid of a/,
    );
    expect(errors('boot: false\ncommand: [/bin/true]\nusers:\n  a: {}\n')[0]!.code).toBe('conflicting-keys');
  });

  it('writes nothing for a container without users', () => {
    expect(dropin('')).not.toMatch(/Credential|MACHINIST_ARGS/);
  });
});

describe('encoders', () => {
  it('unitCredential escapes backslashes and newlines only, and refuses what it cannot carry', () => {
    expect(unitCredential('a.b', 'x\\y\nz %i "q"')).toBe('a.b:x\\\\y\\nz %i "q"');
    expect(() => unitCredential('a.b', ' lead')).toThrow(/whitespace/);
    expect(() => unitCredential('a.b', 'x\ry')).toThrow(/control/);
    expect(() => unitCredential('a/b', 'x')).toThrow(/credential name/);
  });

  it('tmpfilesFileArgument doubles % and \\, ends each line in \\n, and stops at the tmpfiles limit', () => {
    expect(tmpfilesFileArgument(['a%b\\c', 'd'])).toBe('a%%b\\\\c\\nd\\n');
    expect(tmpfilesFileArgument(['x'.repeat(TMPFILES_ARGUMENT_MAX - 1)])).toHaveLength(TMPFILES_ARGUMENT_MAX + 1);
    expect(() => tmpfilesFileArgument(['x'.repeat(TMPFILES_ARGUMENT_MAX)])).toThrow(/4096 bytes/);
    expect(() => tmpfilesFileArgument(['a\nb'])).toThrow(/line break/);
  });
});
