import { describe, expect, it } from 'vitest';
import { buildFrom } from '../helpers/sources.js';

const errorsOf = (yaml: string, extra: Record<string, string> = {}) =>
  buildFrom({ 'containers/web.yaml': yaml, ...extra }).diagnostics.filter((d) => d.severity === 'error');

describe('schema validation → diagnostics at the YAML position', () => {
  it('names an unknown key, its line:col and the nearest valid key', () => {
    const [d, ...rest] = errorsOf('boot: true\nresources:\n  memroy: { max: 2G }\n');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      code: 'unknown-key',
      file: '/etc/machinist/containers/web.yaml',
      path: ['resources', 'memroy'],
      pos: { line: 3, col: 3 },
      container: 'web',
    });
    expect(d!.message).toBe('unknown key "memroy" in resources');
    expect(d!.hint).toMatch(/^did you mean "memory"\?/);
  });

  it('finds the nearest key at the top level too, and lists the valid ones', () => {
    const [d] = errorsOf('autostrat: true\n');
    expect(d!.hint).toMatch(/did you mean "autostart"/);
    expect(d!.hint).toContain('Valid keys here:');
  });

  it('suggests the nearest value of an enumeration', () => {
    const [d] = errorsOf('network:\n  mode: hots\n');
    expect(d).toMatchObject({ code: 'invalid-value', pos: { line: 2, col: 9 } });
    expect(d!.message).toContain('expected one of: host, none, veth');
    expect(d!.hint).toBe('did you mean "host"?');
  });

  it('explains YAML 1.2 booleans', () => {
    const [d] = errorsOf('autostart: yes\n');
    expect(d!.message).toBe('autostart must be a boolean, not string');
    expect(d!.hint).toMatch(/true or false/);
  });

  it.each([
    ['resources: { memory: { max: 2GB } }', ['resources', 'memory', 'max']],
    ['resources: { memory: { max: -1 } }', ['resources', 'memory', 'max']],
    ['resources: { cpu: { quota: "150" } }', ['resources', 'cpu', 'quota']],
    ['resources: { cpu: { quota: 0% } }', ['resources', 'cpu', 'quota']],
    ['resources: { cpu: { weight: 0 } }', ['resources', 'cpu', 'weight']],
    ['resources: { cpu: { cpus: "0-3;7" } }', ['resources', 'cpu', 'cpus']],
    ['resources: { tasks_max: 0 }', ['resources', 'tasks_max']],
    [
      'resources: { io: { read_bandwidth_max: { /dev/sda: 10MB } } }',
      ['resources', 'io', 'read_bandwidth_max', '/dev/sda'],
    ],
    ['resources: { io: { device_weight: { sda: 100 } } }', ['resources', 'io', 'device_weight', 'sda']],
    ['network: { mode: veth, ports: ["tcp:80:70000"] }', ['network', 'ports', 0]],
    ['network: { mode: veth, ports: ["sctp:80"] }', ['network', 'ports', 0]],
    ['environment: { 1BAD: x }', ['environment', '1BAD']],
    ['environment: { OK: [1] }', ['environment', 'OK']],
    ['binds: [srv:/srv]', ['binds', 0]],
    ['binds: ["/a:/b:ro,bogus"]', ['binds', 0]],
    ['binds: ["/a/../b:/b"]', ['binds', 0]],
    ['directory: relative/root', ['directory']],
    ['directory: /srv//root', ['directory']],
    ['hostname: "-bad"', ['hostname']],
    ['hostname: under_score', ['hostname']],
    ['security: { private_users: maybe }', ['security', 'private_users']],
    ['security: { capabilities: { add: [NET_ADMIN] } }', ['security', 'capabilities', 'add', 0]],
    ['security: { system_call_filter: ["~@debug x"] }', ['security', 'system_call_filter', 0]],
    ['slice: "a--b"', ['slice']],
    ['after: ["db!"]', ['after', 0]],
    ['restart: sometimes', ['restart']],
    ['devices: [{ path: /dev/fuse, access: rwx }]', ['devices', 0, 'access']],
  ])('refuses %s at its path', (yaml, path) => {
    const errs = errorsOf(`${yaml}\n`);
    expect(errs.map((e) => e.path)).toContainEqual(path);
    expect(errs.every((e) => e.pos !== undefined)).toBe(true);
  });

  it.each([
    'resources: { memory: { max: 2G, high: 50%, swap_max: 0, min: infinity } }',
    'resources: { cpu: { quota: 250%, cpus: 3, weight: 10000 }, tasks_max: infinity }',
    'resources: { io: { write_iops_max: { /dev/nvme0n1: 2K } } }',
    'network: { mode: bridge, bridge: br0, ports: [80, "udp:53", "tcp:8080:80"] }',
    'binds: ["/srv", "/a:/b", "/a:/b:ro,norbind", { source: "/x:y", target: /y, readonly: true }]',
    'security: { private_users: "65536:65536", capabilities: { drop: [all] } }',
    'security: { private_users: no }',
    'environment: { PORT: 8080, DEBUG: false, EMPTY: "" }',
  ])('accepts %s', (yaml) => {
    expect(errorsOf(`${yaml}\n`)).toEqual([]);
  });

  it('keeps the branch of a union that fits the value: a typo in the object form of a bind', () => {
    const [d, ...rest] = errorsOf('binds:\n  - { source: /a, target: /b, readonyl: true }\n');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'unknown-key', path: ['binds', 0, 'readonyl'], pos: { line: 2, col: 31 } });
    expect(d!.hint).toMatch(/did you mean "readonly"/);
  });

  it('refuses file names that are not machine names', () => {
    const d = buildFrom({ 'containers/web_1.yaml': '' }).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['invalid-name']);
    expect(d[0]!.message).toContain('web_1');
  });

  it('validates machinist.yaml and slices with their own schemas', () => {
    const d = buildFrom({
      'machinist.yaml': 'defaults:\n  profiles: [x]\n',
      'slices/lab.yaml': 'resources: { memory: { max: 1G } }\nautostart: true\n',
    }).diagnostics;
    expect(d.map((x) => `${x.code}:${x.file}:${x.pos?.line}`)).toEqual([
      'unknown-key:/etc/machinist/machinist.yaml:2',
      'unknown-key:/etc/machinist/slices/lab.yaml:2',
    ]);
  });
});

describe('messages say what is accepted', () => {
  it.each([
    ['resources: { cpu: { weight: 0 } }', 'resources.cpu.weight must be at least 1'],
    ['network: { mode: veth, ports: [70000] }', 'network.ports.0 must be at most 65535'],
    ['binds: [5]', 'binds.0 must be a string or a mapping, not number'],
    [
      'resources: { memory: { max: 2GB } }',
      'resources.memory.max must be a size (e.g. 512M, 2G), a percentage (e.g. 50%) or "infinity"',
    ],
    ['binds: [rel:/x]', 'binds.0 "rel" must be an absolute path (start with "/")'],
    ['resources: { tasks_max: 1.5 }', 'resources.tasks_max must be a whole number or a string, not number'],
  ])('%s → %s', (yaml, message) => {
    expect(errorsOf(`${yaml}\n`).map((d) => d.message)).toEqual([message]);
  });
});
