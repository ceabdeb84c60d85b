// `compile --dry-run` says per container what its change needs (emit/classify.ts), in text and JSON, through
// the built bundle: a Description= change needs nothing, a deleted container a stop, not a restart.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const bundle = join(new URL('../..', import.meta.url).pathname, 'dist/machinist');
let cfg: string;
let root: string;
const put = (rel: string, text: string) => {
  mkdirSync(dirname(join(cfg, rel)), { recursive: true });
  writeFileSync(join(cfg, rel), text);
};
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bundle, ...args, '--config', cfg, '--root', root], { encoding: 'utf8' });

beforeEach(() => {
  cfg = mkdtempSync(join(tmpdir(), 'machinist-cfg-'));
  root = mkdtempSync(join(tmpdir(), 'machinist-root-'));
  put('containers/web.yaml', 'description: old\n');
  put('containers/db.yaml', 'resources: { memory: { max: 1G } }\n');
  put('containers/old.yaml', '');
  expect(cli('compile').status).toBe(0);
});
afterEach(() => {
  rmSync(cfg, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('compile --dry-run: what each change needs', () => {
  it('nothing for a description, live for a limit, stop for a deleted container', () => {
    put('containers/web.yaml', 'description: new\n');
    put('containers/db.yaml', 'resources: { memory: { max: 2G } }\n');
    unlinkSync(join(cfg, 'containers/old.yaml'));
    const text = cli('compile', '--dry-run');
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    const at = lines.indexOf('What each change needs:');
    expect(lines.slice(at + 1).filter((l) => /^ {2}\S/.test(l))).toEqual([
      '  db   set live (systemctl set-property --runtime), no restart: MemoryMax=2G',
      '  old  stop (its YAML is gone)',
      '  web  nothing (no setting a running unit uses changed)',
    ]);
    expect(text.stdout).not.toMatch(/restart them|need a restart/);
    const json = JSON.parse(cli('compile', '--dry-run', '--format', 'json').stdout);
    expect(json.plan.changes.map((c: { name: string; impact: string }) => [c.name, c.impact])).toEqual([
      ['db', 'live'],
      ['old', 'stop'],
      ['web', 'none'],
    ]);
  });
});

describe('compile --dry-run: what a pod or an image version change needs of its containers', () => {
  it('a new image version restarts its overlay and copy containers, naming the root units that change', () => {
    const image = (sha: string) => `url: https://images.example.org/r.tar\nsha256: ${sha}\n`;
    put('images/base.yaml', image('a'.repeat(64)));
    put('containers/ov.yaml', 'image: base\n');
    put('containers/cp.yaml', 'image: base\nstorage: copy\n');
    expect(cli('compile').status).toBe(0);
    put('images/base.yaml', image('b'.repeat(64)));
    const text = cli('compile', '--dry-run');
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    const at = lines.indexOf('What each change needs:');
    const changes = lines.slice(at + 1, lines.indexOf('Roots from images:'));
    expect(changes.filter((l) => /^ {2}\S/.test(l))).toEqual(['  cp  restart', '  ov  restart']);
    expect(lines).toContain('        var-lib-machines-ov.mount: Mount.Options');
    expect(lines).toContain('        machinist-copy@cp.service.d/50-machinist.conf: Service.Environment');
    expect(lines).toContain(
      `        image base version ${'b'.repeat(64)}: machinist-image@base_${'b'.repeat(64)}.service.d/50-machinist.conf: new`,
    );
  });

  it('a new published port restarts the pod, and its members with it, with the pod files and keys as reasons', () => {
    put('pods/front.yaml', '');
    put('containers/app.yaml', 'network: { mode: pod, pod: front }\n');
    expect(cli('compile').status).toBe(0);
    put('pods/front.yaml', 'ports: ["tcp:8080:80"]\n');
    const text = cli('compile', '--dry-run');
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    const at = lines.indexOf('What each change needs:');
    expect(lines.slice(at + 1)).toEqual([
      '  pod front  restart (its members with it: app)',
      '               machinist-pod-front-tcp-8080.service: new',
      '               machinist-pod-front-tcp-8080.socket: new',
      '               machinist-pod@front.service.d/50-machinist.conf: Unit.Wants',
      '',
    ]);
    const json = JSON.parse(cli('compile', '--dry-run', '--format', 'json').stdout);
    expect(json.plan.changes).toEqual([expect.objectContaining({ kind: 'pod', name: 'front', members: ['app'] })]);
  });
});
