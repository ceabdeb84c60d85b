// users.*.password_hash: which hashes are accepted (and that a refusal never repeats the value), the rule that
// a hash lives only in a file its owner alone can read, and how it travels: a 0600 file in the credential store,
// named by LoadCredential= and by name only on nspawn's command line, byte for byte.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderIni } from '../../src/ini/model.js';
import { compile } from '../../src/index.js';
import { generate } from '../../src/generator/run.js';
import { build } from '../../src/pipeline.js';
import { renderPretty } from '../../src/diagnostics/render.js';
import { explainRows } from '../../src/report/explain.js';
import { passwordHashProblem } from '../../src/schema/identity-rules.js';
import { renderPlanText } from '../../src/report/plan.js';
import { sources } from '../helpers/sources.js';
import { iniOf } from '../../src/translate/output.js';

// Real hashes of "s3cret": openssl passwd -6 / -5 (fixed salts), and libxcrypt's yescrypt and bcrypt.
const SHA512 = execFileSync('openssl', ['passwd', '-6', '-salt', 'Qx7.pz/s', 's3cret'], { encoding: 'utf8' }).trim();
const SHA256 = execFileSync('openssl', ['passwd', '-5', '-salt', 'abc', 's3cret'], { encoding: 'utf8' }).trim();
const YESCRYPT = '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7';
const BCRYPT = '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
const yamlString = (s: string) => JSON.stringify(s);

/** A config whose files only their owner may read (as load/read.ts marks a 0600 file), unless `shared`. */
function config(files: Record<string, string>, shared: readonly string[] = []) {
  return sources(files).map((f) =>
    shared.includes(f.rel) ? { ...f, private: true } : { ...f, private: true, ownerOnly: true },
  );
}

const text = (b: ReturnType<typeof build>, rel: string) => {
  const o = b.outputs.find((x) => x.rel === rel);
  if (!o || o.kind !== 'file') throw new Error(`no ${rel}: ${b.outputs.map((x) => x.rel).join(', ')}`);
  return { text: renderIni(iniOf(o.doc)), mode: o.mode, dir: o.dir };
};

describe('password_hash validation', () => {
  it.each([SHA512, SHA256, YESCRYPT, BCRYPT, '$6$rounds=5000$salt$' + 'a'.repeat(86)])('accepts %s', (h) =>
    expect(passwordHashProblem(h)).toBeUndefined(),
  );

  it.each([
    ['hunter2', /plain password is never accepted/],
    ['correct horse battery staple', /plain password/],
    ['$1$abc$0123456789abcdefghijkl', /MD5/],
    ['abJnggxhB/yWI', /plain password/], // DES
    ['$6$salt$short', /not a complete SHA-512 hash/],
    [`${SHA512} `, /not a complete SHA-512/],
    [`${SHA512}\nroot:$6$x`, /not a complete SHA-512/],
    ['$9$abc$def', /hash method \$9\$/],
    ['$my secret$', /plain password/],
  ])('refuses %j without repeating it', (value, why) => {
    const problem = passwordHashProblem(value)!;
    expect(problem).toMatch(why);
    expect(problem).not.toContain(value.slice(1, 6));
  });

  it('reports a plain password at its line, without showing the line', () => {
    const files = config({ 'containers/web.yaml': 'users:\n  root:\n    password_hash: "hunter2"\n' });
    const b = build(files);
    const [d] = b.diagnostics.filter((x) => x.severity === 'error');
    expect(d!.pos!.line).toBe(3);
    expect(d!.hint).toMatch(/mkpasswd -m yescrypt/);
    const shown = renderPretty(b.diagnostics, { color: false, sources: new Map(files.map((f) => [f.file, f.text])) });
    expect(shown).toContain('web.yaml:3:20');
    expect(shown).not.toContain('hunter2');
  });

  it('shows no code frame for another error on a line that holds a hash', () => {
    const yaml = `users:\n  root: { password_hash: '${SHA512}', ssh_authorized_keys: ["ssh-ed25519 bad"] }\n`;
    const files = config({ 'containers/web.yaml': yaml });
    const b = build(files);
    expect(b.diagnostics.filter((x) => x.severity === 'error').map((d) => d.path)).toEqual([
      ['users', 'root', 'ssh_authorized_keys', 0],
    ]);
    const shown = renderPretty(b.diagnostics, { color: false, sources: new Map(files.map((f) => [f.file, f.text])) });
    expect(shown).toContain('web.yaml:2:');
    expect(shown).not.toContain(SHA512.slice(-20));
  });
});

describe('a password hash only in a file its owner alone can read', () => {
  it('refuses it in a file others or the group can read, at its line, with chmod 600', () => {
    for (const shared of [true, false]) {
      const files = sources({
        'containers/web.yaml': 'profiles: [pw]\n',
        'profiles/pw.yaml': `users:\n  root:\n    password_hash: ${yamlString(SHA512)}\n`,
      });
      // shared: readable by others (not private); else readable by the group only (private, not owner-only).
      if (!shared) files[1]!.private = true;
      const [d, ...rest] = build(files).diagnostics.filter((x) => x.severity === 'error');
      expect(rest).toEqual([]);
      expect(d!.file).toBe('/etc/machinist/profiles/pw.yaml');
      expect(d!.pos!.line).toBe(3);
      expect(d!.hint).toBe(
        'chmod 600 /etc/machinist/profiles/pw.yaml, or move password_hash into a profile that is 0600.',
      );
    }
  });

  it('puts the hashes in a 0600 credential store file, byte for byte; units carry only names', () => {
    const b = build(
      config({
        'containers/web.yaml': [
          'users:',
          `  root: { password_hash: '${SHA512}' }`,
          `  alice: { password_hash: '${YESCRYPT}', shell: /bin/bash }`,
          `  bob: { password_hash: "${BCRYPT}" }`,
          '',
        ].join('\n'),
      }),
    );
    expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const cred = text(b, 'machinist-web@machinist.passwords');
    expect(cred.dir).toBe('credstore');
    expect(cred.mode).toBe(0o600);
    const lines = cred.text.split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toEqual([`root:${SHA512}`, `alice:${YESCRYPT}`, `bob:${BCRYPT}`, '']);
    const dropin = text(b, 'machine@web.service.d/50-machinist.conf');
    expect(dropin.text).toContain('LoadCredential=machinist.passwords:machinist-web@machinist.passwords\n');
    expect(dropin.text).toContain('LoadCredential=sysusers.extra:machinist-web@sysusers.extra\n');
    expect(dropin.text).toContain('--load-credential=machinist.passwords:machinist.passwords ');
    expect(dropin.text).not.toContain('SetCredential');
    const nspawn = text(b, 'web.nspawn');
    expect(nspawn.text).toContain(
      'BindReadOnly=/usr/lib/machinist/guest/machinist-passwords.service:/run/systemd/system/machinist-passwords.service\n',
    );
    for (const o of b.outputs) {
      if (o.kind !== 'file' || o.rel.endsWith('@machinist.passwords')) continue;
      for (const h of [SHA512, YESCRYPT, BCRYPT]) expect(renderIni(iniOf(o.doc))).not.toContain(h.slice(-20));
    }
  });

  it('sends every credential of a container from a private file through the store (keys too)', () => {
    const k = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILfRbUy5OX2Npp+zfkl0zPsTlQHtl30irl6YKjqFWqJm root@x';
    const b = build(config({ 'containers/web.yaml': `users:\n  root: { ssh_authorized_keys: [${yamlString(k)}] }\n` }));
    expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(text(b, 'machinist-web@ssh.authorized_keys.root').text.endsWith(`\n${k}\n`)).toBe(true);
    expect(text(b, 'machine@web.service.d/50-machinist.conf').text).not.toContain('ssh-ed25519');
    // No password_hash: no guest unit bound.
    expect(text(b, 'web.nspawn').text).not.toContain('machinist-passwords');
  });

  it('explain names where a hash is, never the hash', () => {
    const b = build(config({ 'containers/web.yaml': `users:\n  root: { password_hash: '${SHA512}' }\n` }));
    const rows = explainRows(b.model.containers[0]!);
    expect(rows.find((r) => r.path === 'users.root.password_hash')).toMatchObject({ value: '(hidden)' });
    expect(JSON.stringify(rows)).not.toContain(SHA512);
  });
});

describe('compile: the credential store file', () => {
  let base: string;
  let cfg: string;
  let root: string;
  const yaml = (hash: string, alice = true) =>
    `users:\n  root: { password_hash: '${hash}' }\n${alice ? `  alice: { password_hash: '${hash}' }\n` : ''}`;
  const write = (body: string) => {
    writeFileSync(join(cfg, 'containers/web.yaml'), body);
    chmodSync(join(cfg, 'containers/web.yaml'), 0o600);
  };
  const run = (dryRun = false) =>
    compile({ configDir: cfg, root, shownDir: '/etc/machinist', dryRun, diffs: true, allowEmpty: true });
  const cred = () => join(root, 'etc/credstore/machinist-web@machinist.passwords');

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'machinist-pw-'));
    cfg = join(base, 'cfg');
    root = join(base, 'root');
    mkdirSync(join(cfg, 'containers'), { recursive: true });
    mkdirSync(root);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('is 0600 in a 0700 directory; a dry run and a change show no hash; a removed user shrinks it', () => {
    write(yaml(SHA512));
    const dry = run(true);
    const shown = renderPlanText(dry.plan, { dryRun: true }, false);
    expect(shown).toContain('+root:(hidden)');
    expect(shown).not.toContain(SHA512.slice(-20));
    expect(dry.written).toBe(false);

    expect(run().applied).toBe('all');
    expect(statSync(join(root, 'etc/credstore')).mode & 0o777).toBe(0o700);
    expect(statSync(cred()).mode & 0o777).toBe(0o600);
    expect(readFileSync(cred(), 'utf8')).toContain(`\nroot:${SHA512}\nalice:${SHA512}\n`);

    write(yaml(SHA256));
    const changed = run(true);
    const diff = changed.plan.actions.find((a) => a.path === cred())!.diff!;
    expect(diff).toContain('password hashes changed (not shown)');
    expect(diff).not.toContain(SHA256.slice(-20));
    expect(changed.changes.find((c) => c.name === 'web')?.impact).toBe('restart');

    write(yaml(SHA256, false));
    run();
    expect(readFileSync(cred(), 'utf8')).not.toContain('alice');
  });

  it('is removed with the container, and a hand-edited one is left alone', () => {
    write(yaml(SHA512));
    run();
    writeFileSync(cred(), `${readFileSync(cred(), 'utf8')}root:$6$edited\n`);
    write(yaml(SHA256));
    const r = run();
    expect(r.diagnostics.map((d) => d.code)).toContain('edited-file');
    expect(readFileSync(cred(), 'utf8')).toContain('root:$6$edited');

    rmSync(cred());
    run();
    rmSync(join(cfg, 'containers/web.yaml'));
    const gone = run();
    expect(gone.plan.actions.filter((a) => a.op === 'remove').map((a) => a.rel)).toContain(
      'machinist-web@machinist.passwords',
    );
    expect(() => statSync(cred())).toThrow();
  });
});

describe('generator: the credential store under /run', () => {
  it('writes 0600 files in a 0700 directory it makes, and removes them with the container', () => {
    const base = mkdtempSync(join(tmpdir(), 'machinist-pw-gen-'));
    try {
      const cfg = join(base, 'cfg');
      mkdirSync(join(cfg, 'containers'), { recursive: true });
      const file = join(cfg, 'containers/web.yaml');
      writeFileSync(file, `users:\n  root: { password_hash: '${SHA512}' }\n`, { mode: 0o600 });
      const store = join(base, 'run/credstore');
      const opts = {
        configDir: cfg,
        normal: join(base, 'normal'),
        nspawnDir: join(base, 'nspawn'),
        credstoreDir: store,
        etcDir: join(base, 'etc'),
        log: { log: () => {}, close() {} },
      };
      generate(opts);
      expect(statSync(store).mode & 0o777).toBe(0o700);
      const cred = join(store, 'machinist-web@machinist.passwords');
      expect(statSync(cred).mode & 0o777).toBe(0o600);
      expect(readFileSync(cred, 'utf8')).toContain(`\nroot:${SHA512}\n`);
      rmSync(file);
      rmSync(opts.normal, { recursive: true }); // systemd empties it before every run
      generate(opts);
      expect(() => statSync(cred)).toThrow();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
