import { describe, expect, it } from 'vitest';
import { explainRows } from '../../src/report/explain.js';
import { buildFrom } from '../helpers/sources.js';
import { renderIni } from '../../src/ini/model.js';
import { iniOf } from '../../src/translate/output.js';

const container = (b: ReturnType<typeof buildFrom>, name: string) => {
  const c = b.model.containers.find((x) => x.name === name);
  if (!c) throw new Error(`${name} not resolved: ${b.diagnostics.map((d) => d.message).join('; ')}`);
  return c;
};

describe('merge rules', () => {
  const b = buildFrom({
    'machinist.yaml': 'defaults:\n  restart: on-failure\n  environment: { TZ: UTC }\n',
    'profiles/base.yaml':
      'binds: [/srv/a:/a]\nenvironment: { LANG: C.UTF-8, TZ: Europe/Paris }\nresources: { memory: { max: 1G, high: 512M } }\n',
    'profiles/big.yaml': 'profiles: [base]\nresources: { memory: { max: 4G } }\nbinds: [/srv/b:/b, /srv/a:/a]\n',
    'containers/web.yaml': 'profiles: [big]\nbinds: [/srv/c:/c]\nrestart: always\n',
    'containers/clean.yaml': 'profiles: [big]\nbinds: !reset [/srv/only:/only]\nenvironment: !reset { ONLY: "1" }\n',
  });

  it('applies defaults, then profiles (includes first), then the container', () => {
    expect(b.diagnostics).toEqual([]);
    const web = container(b, 'web');
    expect(web.profiles).toEqual(['base', 'big']);
    expect(web.settings.restart).toBe('always');
    expect(web.settings.environment).toEqual({ TZ: 'Europe/Paris', LANG: 'C.UTF-8' });
    expect(web.settings.resources).toEqual({ memory: { max: '4G', high: '512M' } });
  });

  it('appends lists without duplicates, in layer order', () => {
    expect(container(b, 'web').settings.binds).toEqual(['/srv/a:/a', '/srv/b:/b', '/srv/c:/c']);
  });

  it('lets !reset replace a list or a mapping instead of merging', () => {
    const clean = container(b, 'clean');
    expect(clean.settings.binds).toEqual(['/srv/only:/only']);
    expect(clean.settings.environment).toEqual({ ONLY: '1' });
  });

  it('keeps the file and line every effective value came from', () => {
    const rows = Object.fromEntries(explainRows(container(b, 'web')).map((r) => [r.path, r.from]));
    expect(rows['restart']).toBe('/etc/machinist/containers/web.yaml:3:10');
    expect(rows['resources.memory.max']).toBe('/etc/machinist/profiles/big.yaml:2:29');
    expect(rows['resources.memory.high']).toBe('/etc/machinist/profiles/base.yaml:3:39');
    expect(rows['environment.TZ']).toBe('/etc/machinist/profiles/base.yaml:2:35');
    expect(rows['boot']).toBe('default');
  });

  it('names the file and line of each list item, from the profile or defaults it came from', () => {
    const rows = Object.fromEntries(explainRows(container(b, 'web')).map((r) => [r.path, r.from]));
    expect(rows['binds']).toBeUndefined();
    expect(rows['binds.0']).toBe('/etc/machinist/profiles/base.yaml:1:9');
    expect(rows['binds.1']).toBe('/etc/machinist/profiles/big.yaml:3:9');
    expect(rows['binds.2']).toBe('/etc/machinist/containers/web.yaml:2:9');
    const d = buildFrom({
      'machinist.yaml': 'defaults:\n  tmpfs: [/tmp]\n',
      'containers/c.yaml': 'tmpfs: [/var/tmp]\n',
    });
    const tmpfs = explainRows(container(d, 'c')).filter((r) => r.path.startsWith('tmpfs'));
    expect(tmpfs).toEqual([
      { path: 'tmpfs.0', value: '/tmp', from: '/etc/machinist/machinist.yaml:2:11' },
      { path: 'tmpfs.1', value: '/var/tmp', from: '/etc/machinist/containers/c.yaml:1:9' },
    ]);
  });

  it('credits a whole list to the one file all its items came from, even if a later file repeats them', () => {
    const d = buildFrom({
      'profiles/p.yaml': 'tmpfs: [/tmp]\n',
      'containers/c.yaml': 'profiles: [p]\ntmpfs: [/tmp]\n',
    });
    const rows = explainRows(container(d, 'c')).filter((r) => r.path.startsWith('tmpfs'));
    expect(rows).toEqual([{ path: 'tmpfs', value: ['/tmp'], from: '/etc/machinist/profiles/p.yaml:1:8' }]);
  });
});

describe('references', () => {
  it('reports an unknown profile at the container line, with the nearest name', () => {
    const b = buildFrom({
      'profiles/hardened.yaml': '',
      'containers/web.yaml': 'profiles: [hardend]\n',
      'containers/ok.yaml': '',
    });
    expect(b.diagnostics).toMatchObject([
      { code: 'unknown-profile', pos: { line: 1, col: 12 }, hint: 'did you mean "hardened"?', container: 'web' },
    ]);
    expect(b.model.failed.has('web')).toBe(true);
    expect(b.outputs.map((o) => o.rel)).toEqual(['ok.nspawn', 'machine@ok.service.d/50-machinist.conf']);
  });

  it('reports profiles that include each other, and applies a shared profile once', () => {
    const cyc = buildFrom({
      'profiles/a.yaml': 'profiles: [b]\n',
      'profiles/b.yaml': 'profiles: [a]\n',
      'containers/web.yaml': 'profiles: [a]\n',
    });
    expect(cyc.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['profile-cycle', 'profiles include each other: a → b → a'],
    ]);
    const diamond = buildFrom({
      'profiles/base.yaml': 'binds: [/x]\n',
      'profiles/l.yaml': 'profiles: [base]\n',
      'profiles/r.yaml': 'profiles: [base]\n',
      'containers/web.yaml': 'profiles: [l, r]\n',
    });
    expect(container(diamond, 'web').profiles).toEqual(['base', 'l', 'r']);
  });

  it("reports, in the same run as a profile cycle, the errors of the container's other settings", () => {
    const b = buildFrom({
      'profiles/a.yaml': 'profiles: [b]\n',
      'profiles/b.yaml': 'profiles: [a]\n',
      'containers/web.yaml': 'profiles: [a]\nafter: [dbb]\nslice: lab\n',
      'containers/db.yaml': '',
    });
    expect(b.diagnostics.map((d) => `${d.code}:${d.file}:${d.pos?.line}:${d.message}`)).toEqual([
      'unknown-container:/etc/machinist/containers/web.yaml:2:container "dbb" has no file containers/dbb.yaml',
      'unknown-slice:/etc/machinist/containers/web.yaml:3:slice "lab" has no file slices/lab.yaml',
      'profile-cycle:/etc/machinist/profiles/b.yaml:1:profiles include each other: a → b → a',
    ]);
    expect(b.model.failed.get('web')!.errors.map((d) => d.code)).toEqual([
      'profile-cycle',
      'unknown-slice',
      'unknown-container',
    ]);
    expect(b.model.containers.map((c) => c.name)).toEqual(['db']);
  });

  it('reports an unknown profile and an unknown after: target of the same container in one run', () => {
    const b = buildFrom({ 'containers/web.yaml': 'profiles: [nope]\nafter: [nobody]\n' });
    expect(b.diagnostics.map((d) => d.code)).toEqual(['unknown-profile', 'unknown-container']);
  });

  it('reports unknown containers in after:/requires: and ordering cycles, failing only those involved', () => {
    const b = buildFrom({
      'containers/a.yaml': 'after: [b]\n',
      'containers/b.yaml': 'requires: [a]\n',
      'containers/c.yaml': 'after: [dbb]\n',
      'containers/db.yaml': 'after: [db]\n',
      'containers/ok.yaml': 'after: [a]\n',
    });
    expect(b.diagnostics.map((d) => `${d.code}:${d.file}:${d.pos?.line}:${d.pos?.col}:${d.message}`)).toEqual([
      'dependency-cycle:/etc/machinist/containers/b.yaml:1:12:ordering cycle: a → b → a',
      'unknown-container:/etc/machinist/containers/c.yaml:1:9:container "dbb" has no file containers/dbb.yaml',
      'dependency-cycle:/etc/machinist/containers/db.yaml:1:9:container "db" is ordered after itself',
    ]);
    expect(b.diagnostics[1]!.hint).toBe('did you mean "db"?');
    expect([...b.model.failed.keys()].sort()).toEqual(['a', 'b', 'c', 'db']);
    expect(b.model.containers.map((c) => c.name)).toEqual(['ok']);
  });

  it('requires a slice file, and fails containers whose slice (or parent slice) is broken', () => {
    const missing = buildFrom({ 'slices/lab.yaml': '', 'containers/web.yaml': 'slice: labb\n' });
    expect(missing.diagnostics).toMatchObject([{ code: 'unknown-slice', pos: { line: 1, col: 8 } }]);
    expect(missing.diagnostics[0]!.hint).toContain('did you mean "lab"?');
    const broken = buildFrom({
      'slices/lab.yaml': 'resources: { memory: { max: lots } }\n',
      'slices/lab-db.yaml': '',
      'containers/db.yaml': 'slice: lab-db\n',
    });
    expect(broken.model.failed.get('db')!.errors.map((d) => d.message)).toEqual([
      'slice "lab" has errors, so this container is not started without its limits',
    ]);
    expect(broken.outputs.map((o) => o.rel)).toEqual(['machine-lab-db.slice']);
  });
});

describe('cross-setting checks, placed where the offending value was written', () => {
  it.each([
    ['image: debian\ndirectory: /srv/x\n', 'conflicting-keys', 2],
    ['boot: false\n', 'invalid-value', 1],
    ['security: { capabilities: { ambient: [CAP_NET_RAW] } }\n', 'conflicting-keys', 1],
    ['network: { mode: bridge }\n', 'invalid-value', 1],
    ['network: { mode: veth, bridge: br0 }\n', 'conflicting-keys', 1],
    ['network: { mode: macvlan, macvlan: [] }\n', 'invalid-value', 1],
    ['network: { mode: none, ports: [80] }\n', 'requires-private-network', 1],
    ['image: debian\nephemeral: true\n', 'conflicting-keys', 2],
    ['bind_users: [alice]\n', 'conflicting-keys', 1],
    ['bind_users: [alice]\nsecurity: { private_users: no }\n', 'conflicting-keys', 1],
    [
      'security: { private_users: pick, private_users_ownership: chown, read_only: true }\nnetwork: { mode: veth }\n',
      'conflicting-keys',
      1,
    ],
    [
      'volatile: state\nsecurity: { private_users: 0, private_users_ownership: chown }\nnetwork: { mode: veth }\n',
      'conflicting-keys',
      2,
    ],
    [
      'security: { private_users: pick }\nnspawn: { Exec: { OOMScoreAdjust: 500 } }\nnetwork: { mode: veth }\n',
      'conflicting-keys',
      2,
    ],
  ])('%s → %s', (yaml, code, line) => {
    const b = buildFrom({ 'containers/web.yaml': yaml });
    expect(b.diagnostics.map((d) => [d.code, d.pos?.line])).toEqual([[code, line]]);
  });

  it('refuses system call names systemd does not know, which nspawn would silently ignore', () => {
    const b = buildFrom({
      'containers/web.yaml':
        'security:\n  system_call_filter: ["~@debug", "~@debgu", "ptrace", "ptrce", "@system-service"]\n',
    });
    expect(b.diagnostics.map((d) => [d.path, d.hint])).toEqual([
      [['security', 'system_call_filter', 1], 'did you mean "@debug"?'],
      [['security', 'system_call_filter', 3], 'did you mean "ptrace"?'],
    ]);
    expect(b.diagnostics[0]!.message).toBe(
      '"@debgu" is not a system call or group systemd knows; systemd-nspawn would ignore it silently',
    );
  });

  it('points at the profile when the profile wrote the offending value', () => {
    const b = buildFrom({
      'profiles/fw.yaml': 'network:\n  ports: ["tcp:8080:80"]\n',
      'containers/web.yaml': 'profiles: [fw]\n',
    });
    expect(b.diagnostics).toMatchObject([
      {
        code: 'requires-private-network',
        file: '/etc/machinist/profiles/fw.yaml',
        pos: { line: 2, col: 3 },
        container: 'web',
      },
    ]);
    expect(b.diagnostics[0]!.hint).toMatch(/host mode/);
  });
});

describe('pass-through keys', () => {
  it.each([
    ['nspawn: { Exec: { KillSignl: SIGTERM } }', 'unknown-key', 'did you mean "KillSignal"?'],
    [
      'nspawn: { Files: { PrivateUsersChown: yes } }',
      'owned-key',
      'Use security.private_users_ownership instead; it merges with profiles and is checked.',
    ],
    ['nspawn: { Files: { Bindd: /a } }', 'unknown-key', 'did you mean "Bind"?'],
    ['nspawn: { Exec: { Boot: no } }', 'owned-key', 'Use boot instead; it merges with profiles and is checked.'],
    [
      'nspawn: { Network: { Port: "80" } }',
      'owned-key',
      'Use network.ports instead; it merges with profiles and is checked.',
    ],
    [
      'service: { Service: { MemoryMax: 1G } }',
      'owned-key',
      'Use resources.memory.max instead; it merges with profiles and is checked.',
    ],
    ['service: { Service: { ExecStrat: /bin/true } }', 'unknown-key', 'did you mean "ExecStart"?'],
    [
      'service: { Unit: { Description: x } }',
      'owned-key',
      'Use description instead; it merges with profiles and is checked.',
    ],
    ['service: { Service: { LimitNOFILE: "1\\n[Service]" } }', 'unencodable-value', undefined],
    ['nspawn: { Exec: { KillSignal: "SIGTERM\\\\" } }', 'unencodable-value', undefined],
    ['nspawn: { Sandbox: {} }', 'unknown-key', undefined],
    // systemd strips white space around a value: refused instead of written and silently changed.
    [
      'service: { Service: { TimeoutStopSec: "2min " } }',
      'unencodable-value',
      'Remove the white space at the start and end of the value.',
    ],
    [
      'nspawn: { Exec: { KillSignal: [SIGTERM, " SIGINT"] } }',
      'unencodable-value',
      'Remove the white space at the start and end of the value.',
    ],
  ])('%s → %s', (yaml, code, hint) => {
    const b = buildFrom({ 'containers/web.yaml': `${yaml}\n` });
    expect(b.diagnostics.map((d) => d.code)).toEqual([code]);
    if (hint) expect(b.diagnostics[0]!.hint).toBe(hint);
    expect(b.diagnostics[0]!.pos?.line).toBe(1);
    expect(b.outputs).toEqual([]);
  });

  it('keeps other white space at the edges of a value, which systemd does not strip (only spaces and tabs)', () => {
    const b = buildFrom({ 'containers/web.yaml': 'service:\n  Unit: { ConditionPathExists: "/srv/a\\u00a0" }\n' });
    expect(b.diagnostics).toEqual([]);
    const text = b.outputs.map((o) => (o.kind === 'file' ? renderIni(iniOf(o.doc)) : '')).join('');
    expect(text).toContain('ConditionPathExists=/srv/a\u00a0\n');
  });

  it('writes accepted pass-through keys, a list repeating the key', () => {
    const b = buildFrom({
      'containers/web.yaml':
        'nspawn:\n  Exec: { KillSignal: SIGRTMIN+3, LimitNOFILE: 4096 }\n  Files: { Overlay: [/a:/b, /c:/d] }\nservice:\n  Service: { TimeoutStopSec: 90, OOMPolicy: stop }\n',
    });
    expect(b.diagnostics).toEqual([]);
  });
});

describe('one run reports every problem', () => {
  it('still checks references and values of a container that already has errors', () => {
    const b = buildFrom({
      'profiles/fw.yaml': 'network:\n  ports: ["tcp:8080:80"]\n',
      'containers/web.yaml': 'profiles: [fw, hardend]\nresources:\n  memroy: { max: 1G }\nafter: [dbb]\n',
      'containers/db.yaml': 'profiles: [fw]\nenvironment: { X: "a\\nb" }\n',
    });
    expect(b.diagnostics.map((d) => `${d.code} ${d.file!.replace('/etc/machinist/', '')}:${d.pos?.line}`)).toEqual([
      'unencodable-value containers/db.yaml:2',
      'unknown-profile containers/web.yaml:1',
      'unknown-key containers/web.yaml:3',
      'unknown-container containers/web.yaml:4',
      'requires-private-network profiles/fw.yaml:2',
    ]);
    expect(
      b.model.failed
        .get('db')!
        .errors.map((d) => d.code)
        .sort(),
    ).toEqual(['requires-private-network', 'unencodable-value']);
    expect(b.outputs).toEqual([]);
  });
});

describe('slice problems are not container problems', () => {
  it('refuses white space around a slice pass-through value with a diagnostic, not an internal error', () => {
    const b = buildFrom({ 'slices/s.yaml': 'unit:\n  Unit:\n    Documentation: " x"\n' });
    expect(b.diagnostics.map((d) => [d.code, d.file, d.pos?.line])).toEqual([
      ['unencodable-value', '/etc/machinist/slices/s.yaml', 3],
    ]);
    expect(b.outputs).toEqual([]);
  });

  it('reports a slice pass-through error without naming a container', () => {
    const b = buildFrom({ 'slices/lab.yaml': 'unit: { Slice: { MemoryMax: 1G, CPUAcounting: true } }\n' });
    expect(b.diagnostics.map((d) => [d.code, d.container])).toEqual([
      ['owned-key', undefined],
      ['unknown-key', undefined],
    ]);
    expect(b.diagnostics[1]!.hint).toBe('did you mean "CPUAccounting"?');
  });
});

describe('whether a failed container starts at boot (its failing unit is linked into machines.target.wants)', () => {
  it('reads autostart from the layers that merged, and counts a file that cannot be read as yes', () => {
    const b = buildFrom({
      'machinist.yaml': 'defaults:\n  autostart: true\n',
      'profiles/off.yaml': 'autostart: false\n',
      'containers/after-merge.yaml': 'slice: nope\n',
      'containers/explicit-off.yaml': 'autostart: false\nbogus: 1\n',
      'containers/profile-off.yaml': 'profiles: [off]\nbogus: 1\n',
      'containers/defaults-on.yaml': 'bogus: 1\n',
      'containers/unparsable.yaml': 'autostart: false\nbinds: [\n',
    });
    expect(b.failures.map((f) => [f.name, f.autostart])).toEqual([
      ['after-merge', true],
      ['defaults-on', true],
      ['explicit-off', false],
      ['profile-off', false],
      ['unparsable', true],
    ]);
  });
});
