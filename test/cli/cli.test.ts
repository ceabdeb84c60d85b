// The CLI as users run it: the built bundle, a real process, its exit code and its output.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const bin = join(process.cwd(), 'dist/machinist');
let cfg: string;
let root: string;

function put(rel: string, text: string) {
  mkdirSync(dirname(join(cfg, rel)), { recursive: true });
  writeFileSync(join(cfg, rel), text);
}

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(bin)) execFileSync(process.execPath, ['scripts/build.mjs']);
});
beforeEach(() => {
  cfg = mkdtempSync(join(tmpdir(), 'machinist-cli-'));
  root = mkdtempSync(join(tmpdir(), 'machinist-cli-root-'));
  put('containers/web.yaml', 'description: Web\nautostart: true\nresources:\n  memory: { max: 1G }\n');
});
afterEach(() => {
  rmSync(cfg, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('exit codes: 0 ok, 1 config errors, 2 usage', () => {
  it('0 for a valid config', () => {
    const r = cli(['validate', '--config', cfg]);
    expect(r).toMatchObject({ code: 0, stdout: 'ok: 1 container(s), 0 slice(s)\n', stderr: '' });
  });

  it('1 for a config error, with a code frame at file:line:col and the hint', () => {
    put('containers/web.yaml', 'description: Web\nresources:\n  memroy: { max: 1G }\n');
    const r = cli(['validate', '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[unknown-key]: unknown key "memroy" in resources');
    expect(r.stderr).toContain(`  --> ${cfg}/containers/web.yaml:3:3 (resources.memroy)`);
    expect(r.stderr).toContain('3 |   memroy: { max: 1G }');
    expect(r.stderr).toMatch(/\|\s{3}\^{6}\n/);
    expect(r.stderr).toContain('= hint: did you mean "memory"?');
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('colours only when asked on a non-terminal, and never with NO_COLOR', () => {
    put('containers/web.yaml', 'boot: maybe\n');
    expect(cli(['validate', '--config', cfg], { FORCE_COLOR: '1' }).stderr).toContain('\x1b[31;1merror');
    expect(cli(['validate', '--config', cfg], { FORCE_COLOR: '1', NO_COLOR: '1' }).stderr).not.toContain('\x1b[');
  });

  it.each([
    [['compile', '--bogus']],
    [['frobnicate']],
    [['validate', '--config', '/nonexistent/machinist']],
    [['compile', '--format', 'xml', '--config', '/tmp']],
    [['explain', 'nosuch', '--config', '<cfg>']],
  ])('2 for %j', (args) => {
    const r = cli(args.map((a) => (a === '<cfg>' ? cfg : a)));
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  it('--strict turns warnings into exit 1 and writes nothing', () => {
    put('notes.txt', 'x');
    expect(cli(['validate', '--config', cfg]).code).toBe(0);
    expect(cli(['validate', '--config', cfg, '--strict']).code).toBe(1);
    const r = cli(['compile', '--config', cfg, '--root', root, '--strict']);
    expect(r.code).toBe(1);
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });
});

describe('compile', () => {
  it('--dry-run prints the plan with the new files and writes nothing', () => {
    const r = cli(['compile', '--config', cfg, '--root', root, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`create  ${root}/etc/systemd/nspawn/web.nspawn`);
    expect(r.stdout).toContain(
      `create  ${root}/etc/systemd/system/machines.target.wants/machine@web.service -> /usr/lib/systemd/system/machine@.service`,
    );
    expect(r.stdout).toContain('+MemoryMax=1G');
    expect(r.stdout).toContain('3 to create, 0 to change, 0 to remove, 0 unchanged (dry run: nothing written)');
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });

  it('writes, then reports a second run as unchanged; JSON carries the same plan', () => {
    expect(cli(['compile', '--config', cfg, '--root', root]).code).toBe(0);
    expect(readFileSync(join(root, 'etc/systemd/system/machine@web.service.d/50-machinist.conf'), 'utf8')).toContain(
      'Description=Web',
    );
    const again = cli(['compile', '--config', cfg, '--root', root, '--format', 'json']);
    const json = JSON.parse(again.stdout);
    expect(json).toMatchObject({
      ok: true,
      written: true,
      diagnostics: [],
      plan: { counts: { create: 0, change: 0, remove: 0, unchanged: 3 }, affected: [] },
    });
    put('containers/web.yaml', 'description: Web 2\nautostart: true\n');
    const changed = JSON.parse(
      cli(['compile', '--config', cfg, '--root', root, '--dry-run', '--format', 'json']).stdout,
    );
    expect(changed.plan.counts).toEqual({ create: 0, change: 1, remove: 0, unchanged: 2 });
    expect(changed.plan.affected).toEqual(['web']);
    expect(changed.plan.restart_needed).toBeNull(); // another root: whether it runs is unknown
    expect(changed.plan.actions.find((a: { op: string }) => a.op === 'change').diff).toContain(
      '-Description=Web\n+Description=Web 2',
    );
  });

  it('JSON diagnostics have code, severity, file, path, line, column and hint', () => {
    put('containers/web.yaml', 'network:\n  mode: hots\n');
    const r = cli(['compile', '--config', cfg, '--root', root, '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).diagnostics).toEqual([
      {
        code: 'invalid-value',
        severity: 'error',
        message:
          'network.mode is "hots"; expected one of: host, none, veth, bridge, zone, macvlan, ipvlan, interface, pod',
        file: `${cfg}/containers/web.yaml`,
        path: ['network', 'mode'],
        line: 2,
        column: 9,
        hint: 'did you mean "host"?',
        container: 'web',
      },
    ]);
  });
});

describe('I/O errors', () => {
  it('exit 2, a write-error with the path, the cause and a hint, and JSON that says nothing was applied', () => {
    mkdirSync(join(root, 'etc/systemd'), { recursive: true });
    writeFileSync(join(root, 'etc/systemd/nspawn'), 'a file where a directory belongs\n');
    const r = cli(['compile', '--config', cfg, '--root', root, '--format', 'json']);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: false, written: false, applied: 'none' });
    expect(json.diagnostics).toMatchObject([
      {
        code: 'write-error',
        file: join(root, 'etc/systemd/nspawn/web.nspawn'),
        message: `cannot write ${join(root, 'etc/systemd/nspawn/web.nspawn')}: ${join(root, 'etc/systemd/nspawn')} is not a directory. Nothing was changed.`,
      },
    ]);
    expect(existsSync(join(root, 'etc/systemd/system'))).toBe(false);
    expect(r.stderr).toBe('');
  });
});

describe('explain and schema', () => {
  it('shows each effective value with the file:line it came from', () => {
    put('profiles/base.yaml', 'restart: always\n');
    put('containers/web.yaml', 'profiles: [base]\nhostname: web01\n');
    const r = cli(['explain', 'web', '--config', cfg]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`restart = "always"\\s+${cfg}/profiles/base.yaml:1:10`));
    expect(r.stdout).toMatch(new RegExp(`hostname = "web01"\\s+${cfg}/containers/web.yaml:2:11`));
    expect(r.stdout).toMatch(/boot = true\s+default/);
  });

  it('prints a JSON Schema whose properties carry the documentation', () => {
    const schema = JSON.parse(cli(['schema']).stdout);
    const container = schema.$defs.container;
    expect(container.additionalProperties).toBe(false);
    expect(container.properties.autostart.description).toMatch(/machines\.target\.wants/);
    expect(Object.keys(container.properties)).toContain('resources');
  });
});

describe('restart report', () => {
  it('names the containers whose settings change, and says whether running ones need a restart', async () => {
    const { renderPlanText } = await import('../../src/report/plan.js');
    const p = { actions: [], affected: ['db', 'web'], links: {}, diagnostics: [] };
    expect(renderPlanText(p, { dryRun: true }, false)).toContain(
      'Containers whose settings change (restart them if they are running): db, web',
    );
    expect(renderPlanText(p, { dryRun: true, running: new Set(['web']) }, false)).toContain(
      'Running containers that need a restart to pick this up: web',
    );
    expect(renderPlanText(p, { dryRun: true, running: new Set() }, false)).toContain(
      'No running container would need a restart.',
    );
    expect(renderPlanText(p, { dryRun: false, running: new Set() }, false)).toContain(
      'No running container needs a restart.',
    );
  });
});

describe('images: compile shows the roots, gc removes only what no container uses', () => {
  const sha = 'c'.repeat(64);
  const id = `deb_${sha}`;
  const state = () => join(root, 'var/lib/machinist');

  it('compile names each root; gc --dry-run deletes nothing, gc deletes exactly the unused paths', () => {
    put('images/deb.yaml', `url: https://example.org/deb.tar\nsha256: ${sha}\n`);
    put('containers/web.yaml', 'image: deb\n');
    const c = cli(['compile', '--config', cfg, '--root', root]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(`Roots from images:\n  web: overlay of image deb version ${sha}`);
    for (const d of [
      `images/${id}`,
      'images/deb_local',
      `containers/web/${id}/upper`,
      'containers/web/deb_local/upper',
      `containers/old/${id}/root`,
    ]) {
      mkdirSync(join(state(), d), { recursive: true });
    }
    const dry = cli(['gc', '--config', cfg, '--root', root, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        'would remove /var/lib/machinist/images/deb_local: image deb version local, which no container uses',
        `would remove /var/lib/machinist/containers/old/${id}: root of container old on image deb version ${sha}; there is no containers/old.yaml`,
        'would remove /var/lib/machinist/containers/web/deb_local: root of container web on image deb version local, which it no longer uses',
        '3 unused path(s) would be removed (dry run: nothing deleted).',
        '',
      ].join('\n'),
    );
    expect(existsSync(join(state(), 'containers/old'))).toBe(true);
    const gc = cli(['gc', '--config', cfg, '--root', root, '--format', 'json']);
    expect(JSON.parse(gc.stdout)).toMatchObject({ ok: true, removed: true });
    expect(existsSync(join(state(), 'containers/old'))).toBe(false);
    expect(existsSync(join(state(), 'images/deb_local'))).toBe(false);
    expect(existsSync(join(state(), `containers/web/${id}/upper`))).toBe(true);
    expect(existsSync(join(state(), `images/${id}`))).toBe(true);
  });

  it('gc decides nothing from a configuration with errors', () => {
    put('containers/web.yaml', 'image: deb\nbogus: 1\n');
    mkdirSync(join(state(), 'containers/old/x_local'), { recursive: true });
    const r = cli(['gc', '--config', cfg, '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Nothing was removed: gc decides what is unused from the configuration');
    expect(existsSync(join(state(), 'containers/old/x_local'))).toBe(true);
  });
});
