// users: judged by the guest's own tools: the sysusers.extra and tmpfiles.extra that machinist sets as
// credentials are applied by the real systemd-sysusers and systemd-tmpfiles (252) to a scratch root (--root),
// which must then hold each account, its groups and each authorized_keys file byte for byte, with its modes.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderOwned } from '../../src/emit/ownership.js';
import { build } from '../../src/pipeline.js';
import { buildFrom, outputText, sources } from '../helpers/sources.js';

const toolsMissing = process.getuid?.() !== 0 || spawnSync('systemd-tmpfiles', ['--version']).status !== 0;
const skip = toolsMissing && !process.env.CI;
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A syntactically real public key of `type` with `n` body bytes (see test/stages/identity.test.ts). */
function key(type: string, comment: string, n = 32, fill = 7): string {
  const name = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return `${type} ${Buffer.concat([len, name, Buffer.alloc(n, fill)]).toString('base64')} ${comment}`;
}

/** The credentials the drop-in sets, decoded as systemd 252 decodes SetCredential= (\\ and \n). */
function credentials(yaml: string): Record<string, string> {
  const text = outputText(buildFrom({ 'containers/web.yaml': yaml }), 'machine@web.service.d/50-machinist.conf');
  const out: Record<string, string> = {};
  for (const l of text.split('\n').filter((x) => x.startsWith('SetCredential='))) {
    const v = l.slice('SetCredential='.length);
    out[v.slice(0, v.indexOf(':'))] = v
      .slice(v.indexOf(':') + 1)
      .replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
  }
  return out;
}

function apply(creds: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'machinist-identity-'));
  temps.push(root);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nadm:x:4:\n');
  writeFileSync(join(root, 'sysusers.conf'), creds['sysusers.extra']!);
  writeFileSync(join(root, 'tmpfiles.conf'), creds['tmpfiles.extra']!);
  for (const [cmd, conf] of [
    ['systemd-sysusers', 'sysusers.conf'],
    ['systemd-tmpfiles', 'tmpfiles.conf'],
  ] as const) {
    const args =
      cmd === 'systemd-tmpfiles'
        ? ['--create', `--root=${root}`, join(root, conf)]
        : [`--root=${root}`, join(root, conf)];
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    expect(`${r.stderr}`.split('\n').filter((l) => l && !/^Creating /.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  }
  return root;
}

describe.skipIf(skip)('systemd-sysusers and systemd-tmpfiles apply what users: becomes', () => {
  it('has root, systemd-sysusers and systemd-tmpfiles (required when CI is set)', () => {
    expect(toolsMissing).toBe(false);
  });

  it('creates accounts, groups, homes and authorized_keys byte for byte: comments, unicode, long and many keys', () => {
    const odd = key('ssh-ed25519', `50% %h "q" 'x' back\\slash \\n é 𝄞`);
    const rsa = key('ssh-rsa', 'rsa-4096-sized', 535);
    const many = Array.from({ length: 30 }, (_, i) => key('ssh-ed25519', `k${i}`, 32, i));
    const yaml = [
      'users:',
      `  alice: { ssh_authorized_keys: ${JSON.stringify([odd, rsa])}, groups: [adm, devs], shell: /bin/bash }`,
      `  bob: { ssh_authorized_keys: ${JSON.stringify(many)} }`,
      '  carol: { uid: 1500 }',
    ].join('\n');
    const root = apply(credentials(yaml));
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    expect(passwd).toMatch(/^alice:x:1000:1000:[^:]*:\/home\/alice:\/bin\/bash$/m);
    expect(passwd).toMatch(/^bob:x:1001:1001:[^:]*:\/home\/bob:\/bin\/sh$/m);
    expect(passwd).toMatch(/^carol:x:1500:1500:[^:]*:\/home\/carol:\/bin\/sh$/m);
    const group = readFileSync(join(root, 'etc/group'), 'utf8');
    expect(group).toMatch(/^adm:x:4:alice$/m);
    expect(group).toMatch(/^devs:x:\d+:alice$/m);
    expect(readFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8')).toBe(`${odd}\n${rsa}\n`);
    expect(readFileSync(join(root, 'home/bob/.ssh/authorized_keys'), 'utf8')).toBe(many.map((k) => `${k}\n`).join(''));
    for (const [p, mode, uid] of [
      ['home/alice', 0o700, 1000],
      ['home/alice/.ssh', 0o700, 1000],
      ['home/alice/.ssh/authorized_keys', 0o600, 1000],
      ['home/carol', 0o700, 1500],
    ] as const) {
      const st = statSync(join(root, p));
      expect([p, st.mode & 0o7777, st.uid, st.gid]).toEqual([p, mode, uid, uid]);
    }
  });
});

/** The credential store files a container from a file only its owner can read gets, as written (header included). */
function storedCredentials(yaml: string): Record<string, string> {
  const files = sources({ 'containers/web.yaml': yaml }).map((f) => ({ ...f, private: true, ownerOnly: true }));
  const out: Record<string, string> = {};
  for (const o of build(files).outputs) {
    if (o.kind === 'file' && o.dir === 'credstore') out[o.rel.slice(o.rel.indexOf('@') + 1)] = renderOwned(o.doc);
  }
  return out;
}

describe.skipIf(skip)('the credential store route, applied by the real tools and the shipped guest unit', () => {
  it('sysusers and tmpfiles skip the header; the guest unit command sets each hash byte for byte', () => {
    const sha = '$6$Qx7.pz/s$' + 'a./Z09'.repeat(14) + 'xy';
    const yes = '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7';
    const k = key('ssh-ed25519', 'alice@x');
    const creds = storedCredentials(
      `users:\n  root: { password_hash: '${sha}' }\n  alice: { password_hash: '${yes}', ssh_authorized_keys: ["${k}"] }\n`,
    );
    expect(creds['sysusers.extra']!.startsWith('# Automatically generated by machinist')).toBe(true);
    const root = apply(creds);
    writeFileSync(
      join(root, 'etc/shadow'),
      `root:*:19000:0:99999:7:::\n${readFileSync(join(root, 'etc/shadow'), 'utf8')}`,
    );
    expect(readFileSync(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8')).toBe(`${k}\n`);
    // The unit's ExecStart, run by sh as systemd would run it ($$ is a literal $), with chpasswd working on `root`.
    const unit = readFileSync(new URL('../../units/guest/machinist-passwords.service', import.meta.url), 'utf8');
    const command = /^ExecStart=\/bin\/sh -c '(.*)'$/m.exec(unit)![1]!.replace(/\$\$/g, '$');
    const dir = join(root, 'run-credentials');
    const bin = join(root, 'bin-wrapper');
    mkdirSync(dir);
    mkdirSync(bin);
    writeFileSync(join(dir, 'machinist.passwords'), creds['machinist.passwords']!);
    writeFileSync(join(bin, 'chpasswd'), `#!/bin/sh\nexec /usr/sbin/chpasswd -R ${root} "$@"\n`);
    chmodSync(join(bin, 'chpasswd'), 0o755);
    const r = spawnSync('/bin/sh', ['-c', command], {
      env: { PATH: `${bin}:/usr/bin:/bin`, CREDENTIALS_DIRECTORY: dir },
      encoding: 'utf8',
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const shadow = readFileSync(join(root, 'etc/shadow'), 'utf8');
    expect(shadow.split('\n').map((l) => l.split(':').slice(0, 2).join(':'))).toEqual(
      expect.arrayContaining([`root:${sha}`, `alice:${yes}`]),
    );
  });
});
