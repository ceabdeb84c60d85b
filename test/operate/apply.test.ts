// `machinist apply` against a fake systemd: the exact systemctl commands it runs for each kind of change, and
// that a second apply runs none. (test/e2e/apply.e2e.test.ts proves the same on a real systemd.)
import { chmodSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apply, stepsFor } from '../../src/operate/apply.js';
import type { Ran, Runner } from '../../src/operate/systemctl.js';
import { renderSteps } from '../../src/report/apply.js';

let cfg: string;
let root: string;
const put = (rel: string, text: string) => {
  mkdirSync(dirname(join(cfg, rel)), { recursive: true });
  writeFileSync(join(cfg, rel), text);
};

/** A systemd that runs `running` units, records every command, and fails the ones in `failing`. */
function fakeSystemd(running: Set<string>, failing = new Set<string>()) {
  const commands: string[] = [];
  const run: Runner = (cmd, args): Ran => {
    const line = [cmd, ...args].join(' ');
    if (args[0] === 'is-active')
      return {
        status: 0,
        stdout: args
          .slice(1)
          .map((u) => (running.has(u) ? 'active' : 'inactive'))
          .join('\n'),
        stderr: '',
      };
    if (args[0] === 'show')
      return {
        status: 0,
        stdout: args
          .filter((a) => !a.startsWith('-') && a !== 'show')
          .map(() => 'no')
          .join('\n'),
        stderr: '',
      };
    if (cmd === 'journalctl') return { status: 0, stdout: 'nspawn: boom\nunit failed\n', stderr: '' };
    commands.push(line);
    if (failing.has(line)) return { status: 1, stdout: '', stderr: `Job for ${args.at(-1)} failed.` };
    return { status: 0, stdout: '', stderr: '' };
  };
  return { run, commands };
}

const applyWith = (sys: ReturnType<typeof fakeSystemd>, dryRun = false) =>
  apply({ configDir: cfg, root, shownDir: '/etc/machinist', run: sys.run, baseline: {}, dryRun });

beforeEach(() => {
  cfg = mkdtempSync(join(tmpdir(), 'machinist-cfg-'));
  chmodSync(cfg, 0o755);
  root = mkdtempSync(join(tmpdir(), 'machinist-root-'));
  put('containers/web.yaml', 'resources: { memory: { max: 1G } }\n');
  put('containers/app.yaml', 'environment: { A: "1" }\n');
  put('containers/man.yaml', 'on_change: manual\nenvironment: { A: "1" }\n');
  put('containers/old.yaml', '');
});
afterEach(() => {
  rmSync(cfg, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

const ALL = new Set(['machine@web.service', 'machine@app.service', 'machine@man.service', 'machine@old.service']);

describe('apply', () => {
  it('does exactly what each change needs, and nothing the second time', () => {
    applyWith(fakeSystemd(ALL));
    put('containers/web.yaml', 'description: Web\nresources: { memory: { max: 2G } }\n');
    put('containers/app.yaml', 'environment: { A: "2" }\n');
    put('containers/man.yaml', 'on_change: manual\nenvironment: { A: "2" }\n');
    unlinkSync(join(cfg, 'containers/old.yaml'));
    put('containers/new.yaml', 'autostart: true\n');
    const sys = fakeSystemd(ALL);
    const r = applyWith(sys);
    expect(r.ok).toBe(true);
    expect(sys.commands).toEqual([
      'systemctl daemon-reload',
      'systemctl restart machine@app.service',
      'systemctl start machine@new.service',
      'systemctl stop machine@old.service',
      'systemctl set-property --runtime machine@web.service MemoryMax=2G',
    ]);
    expect(r.steps.find((s) => s.verb === 'pending')).toMatchObject({ unit: 'machine@man.service', result: 'pending' });
    const again = fakeSystemd(new Set([...ALL, 'machine@new.service']));
    expect(applyWith(again).steps).toEqual([]);
    expect(again.commands).toEqual([]);
  });

  it('never sets a property without --runtime', () => {
    put('containers/web.yaml', 'resources: { memory: { max: 2G }, cpu: { weight: 10 } }\n');
    const steps = stepsFor(
      [
        {
          name: 'web',
          kind: 'container',
          impact: 'live',
          reasons: [],
          properties: ['MemoryMax=2G', 'CPUWeight=10'],
          autostartAdded: false,
        },
      ],
      new Map([['machine@web.service', 'active']]),
      new Set(),
    );
    expect(steps.map((s) => s.command.join(' '))).toEqual([
      'systemctl set-property --runtime machine@web.service MemoryMax=2G CPUWeight=10',
    ]);
  });

  it('changes nothing that does not run: a stopped container is neither restarted nor set live', () => {
    applyWith(fakeSystemd(new Set()));
    put('containers/web.yaml', 'resources: { memory: { max: 2G } }\n');
    put('containers/app.yaml', 'environment: { A: "2" }\n');
    const sys = fakeSystemd(new Set());
    applyWith(sys);
    expect(sys.commands).toEqual(['systemctl daemon-reload']);
  });

  it('a dry run runs nothing and says what it would run', () => {
    applyWith(fakeSystemd(ALL));
    put('containers/app.yaml', 'environment: { A: "2" }\n');
    const sys = fakeSystemd(ALL);
    const r = applyWith(sys, true);
    expect(sys.commands).toEqual([]);
    expect(r.steps.map((s) => [s.command.join(' '), s.result])).toEqual([
      ['systemctl daemon-reload', 'planned'],
      ['systemctl restart machine@app.service', 'planned'],
    ]);
    expect(renderSteps(r.steps, true, false)).toMatch(/^systemctl daemon-reload\s+would run/);
  });

  it("a failed action is an error with the unit's last journal lines", () => {
    applyWith(fakeSystemd(ALL));
    put('containers/app.yaml', 'environment: { A: "2" }\n');
    const sys = fakeSystemd(ALL, new Set(['systemctl restart machine@app.service']));
    const r = applyWith(sys);
    expect(r.ok).toBe(false);
    const failed = r.steps.find((s) => s.result === 'failed')!;
    expect(failed.error).toEqual(['Job for machine@app.service failed.', '  nspawn: boom', '  unit failed']);
    expect(renderSteps(r.steps, false, false)).toContain('FAILED');
  });

  it('a configuration error does nothing at all', () => {
    applyWith(fakeSystemd(ALL));
    put('containers/app.yaml', 'environmnt: { A: "2" }\n');
    const sys = fakeSystemd(ALL);
    const r = applyWith(sys);
    expect(r.ok).toBe(false);
    expect(r.steps).toEqual([]);
    expect(sys.commands).toEqual([]);
  });
});

describe('apply: a changed pod', () => {
  const POD_UNIT = 'machinist-pod@front.service';
  const members = ['machine@pa.service', 'machine@pb.service'];
  beforeEach(() => {
    put('pods/front.yaml', '');
    put('containers/pa.yaml', 'network: { mode: pod, pod: front }\n');
    put('containers/pb.yaml', 'network: { mode: pod, pod: front }\nenvironment: { A: "1" }\n');
    applyWith(fakeSystemd(new Set()));
  });

  it('restarts the running pod, and so its members, each only once', () => {
    put('pods/front.yaml', 'ports: ["tcp:8080:80"]\n');
    put('containers/pb.yaml', 'network: { mode: pod, pod: front }\nenvironment: { A: "2" }\n');
    const sys = fakeSystemd(new Set([POD_UNIT, ...members]));
    expect(applyWith(sys).ok).toBe(true);
    expect(sys.commands).toEqual(['systemctl daemon-reload', `systemctl restart ${POD_UNIT}`]);
  });

  it('stops the socket and proxy of a port no longer published, which nothing else would stop', () => {
    put('pods/front.yaml', 'ports: ["tcp:8080:80", "tcp:9090:90"]\n');
    applyWith(fakeSystemd(new Set()));
    put('pods/front.yaml', 'ports: ["tcp:8080:80"]\n');
    const old = ['machinist-pod-front-tcp-9090.socket', 'machinist-pod-front-tcp-9090.service'];
    const sys = fakeSystemd(new Set([POD_UNIT, ...members, old[0]!, 'machinist-pod-front-tcp-8080.socket']));
    expect(applyWith(sys).ok).toBe(true);
    expect(sys.commands).toEqual([
      'systemctl daemon-reload',
      `systemctl stop ${old[0]}`,
      `systemctl restart ${POD_UNIT}`,
    ]);
  });

  it('leaves a pod that does not run alone: its new units start with it', () => {
    put('pods/front.yaml', 'ports: ["tcp:8080:80"]\n');
    const sys = fakeSystemd(new Set());
    applyWith(sys);
    expect(sys.commands).toEqual(['systemctl daemon-reload']);
  });

  it('a member with on_change: manual holds the pod restart as pending', () => {
    put('containers/pa.yaml', 'network: { mode: pod, pod: front }\non_change: manual\n');
    applyWith(fakeSystemd(new Set()));
    put('pods/front.yaml', 'ports: ["tcp:8080:80"]\n');
    const sys = fakeSystemd(new Set([POD_UNIT, ...members]));
    const r = applyWith(sys);
    expect(sys.commands).toEqual(['systemctl daemon-reload']);
    expect(r.steps.at(-1)).toMatchObject({ verb: 'pending', unit: POD_UNIT, result: 'pending' });
    expect(r.steps.at(-1)!.why).toMatch(/^on_change: manual \(pa\); .*its members pa, pb restart with it$/);
  });
});
