// What a change needs (emit/classify.ts), from real outputs: every key of the container schema is changed on
// its own, compiled, planned against the files of the configuration before, and classified. The key list comes
// from the zod schema itself, so a new key without a row here fails.
import { describe, expect, it } from 'vitest';
import { classify, settingsOf } from '../../src/emit/classify.js';
import type { ClassifyOptions, Impact } from '../../src/emit/classify.js';
import type { Snapshot } from '../../src/emit/existing.js';
import { plan } from '../../src/emit/plan.js';
import { renderOwned } from '../../src/emit/ownership.js';
import { compileTargets } from '../../src/emit/targets.js';
import { containerSchema } from '../../src/schema/container.js';
import type { Output } from '../../src/translate/output.js';
import { buildFrom } from '../helpers/sources.js';

type Files = Record<string, string>;

/** Every leaf key path of a zod (mini) object schema: nested objects are walked, anything else is a leaf. */
function leaves(schema: unknown, prefix = ''): string[] {
  let def = (schema as { _zod: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } } })._zod
    .def;
  while (def.type === 'optional') def = (def.innerType as typeof schema as { _zod: { def: typeof def } })._zod.def;
  if (def.type !== 'object') return [prefix];
  return Object.entries(def.shape!).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function outputs(files: Files): Output[] {
  const b = buildFrom(files);
  expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return b.outputs;
}

/** The output directories as the configuration `files` left them (compiled by machinist, links recorded). */
function snapshotOf(files: Files): Snapshot {
  const entries: Snapshot['entries'] = new Map();
  const links = new Map<string, string>();
  for (const o of outputs(files)) {
    const key = `${o.dir}:${o.rel}`;
    if (o.kind === 'file') entries.set(key, { type: 'file', text: renderOwned(o.doc), mode: 0o644 });
    else {
      entries.set(key, { type: 'symlink', target: o.target });
      links.set(key, o.target);
    }
  }
  return { entries, links };
}

const planOf = (before: Files, after: Files) => plan(outputs(after), snapshotOf(before), compileTargets('/r'));
const changes = (before: Files, after: Files, opts?: ClassifyOptions) => classify(planOf(before, after), opts);
const impactOf = (before: Files, after: Files, name = 'web'): Impact =>
  changes(before, after).find((c) => c.kind === 'container' && c.name === name)?.impact ?? 'none';

const BASE: Files = {
  'containers/db.yaml': '',
  'slices/s.yaml': '',
  'profiles/p.yaml': '',
  'pods/front.yaml': '',
  'cloud-init/t.yaml': 'user_data: { runcmd: [date] }\n',
  'images/base.yaml':
    'url: https://images.example.org/r.tar.xz\nsha256: 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\n',
};

/** key path → [YAML of web before, YAML after, what the change needs]. */
const table: Record<string, [string, string, Impact]> = {
  description: ['description: a', 'description: b', 'none'],
  profiles: ['', 'profiles: [p]', 'none'],
  image: ['', 'image: base', 'restart'],
  storage: ['image: base', 'image: base\nstorage: copy', 'restart'],
  directory: ['', 'directory: /srv/web', 'restart'],
  ephemeral: ['', 'ephemeral: true', 'restart'],
  volatile: ['', 'volatile: state', 'restart'],
  boot: ['command: [/bin/sh]', 'boot: false\ncommand: [/bin/sh]', 'restart'],
  command: ['', 'command: [/bin/sh]', 'restart'],
  working_directory: [
    'boot: false\ncommand: [/bin/sh]',
    'boot: false\ncommand: [/bin/sh]\nworking_directory: /srv',
    'restart',
  ],
  user: ['boot: false\ncommand: [/bin/sh]', 'boot: false\ncommand: [/bin/sh]\nuser: alice', 'restart'],
  autostart: ['', 'autostart: true', 'start'],
  after: ['', 'after: [db]', 'reload'],
  requires: ['', 'requires: [db]', 'reload'],
  hostname: ['', 'hostname: web01', 'restart'],
  environment: ['environment: { A: "1" }', 'environment: { A: "2" }', 'restart'],
  timezone: ['', 'timezone: off', 'restart'],
  resolv_conf: ['', 'resolv_conf: off', 'restart'],
  'network.mode': ['', 'network: { mode: none }', 'restart'],
  'network.pod': ['', 'network: { mode: pod, pod: front }', 'restart'],
  'network.bridge': ['network: { mode: bridge, bridge: br0 }', 'network: { mode: bridge, bridge: br1 }', 'restart'],
  'network.zone': ['network: { mode: zone, zone: a }', 'network: { mode: zone, zone: b }', 'restart'],
  'network.macvlan': [
    'network: { mode: macvlan, macvlan: [eth0] }',
    'network: { mode: macvlan, macvlan: [eth1] }',
    'restart',
  ],
  'network.ipvlan': [
    'network: { mode: ipvlan, ipvlan: [eth0] }',
    'network: { mode: ipvlan, ipvlan: [eth1] }',
    'restart',
  ],
  'network.interfaces': [
    'network: { mode: interface, interfaces: [eth0] }',
    'network: { mode: interface, interfaces: [eth1] }',
    'restart',
  ],
  'network.ports': ['network: { mode: veth }', 'network: { mode: veth, ports: ["tcp:80:80"] }', 'restart'],
  binds: ['', 'binds: [/srv/a]', 'restart'],
  tmpfs: ['', 'tmpfs: [/tmp]', 'restart'],
  inaccessible: ['', 'inaccessible: [/srv]', 'restart'],
  bind_users: [
    'security: { private_users: pick }',
    'security: { private_users: pick }\nbind_users: [alice]',
    'restart',
  ],
  'resources.cpu.weight': ['', 'resources: { cpu: { weight: 50 } }', 'live'],
  'resources.cpu.quota': ['', 'resources: { cpu: { quota: 50% } }', 'live'],
  'resources.cpu.cpus': ['', 'resources: { cpu: { cpus: "0-1" } }', 'live'],
  'resources.memory.min': ['', 'resources: { memory: { min: 1M } }', 'live'],
  'resources.memory.low': ['', 'resources: { memory: { low: 1M } }', 'live'],
  'resources.memory.high': ['', 'resources: { memory: { high: 1G } }', 'live'],
  'resources.memory.max': ['resources: { memory: { max: 1G } }', 'resources: { memory: { max: 2G } }', 'live'],
  'resources.memory.swap_max': ['', 'resources: { memory: { swap_max: 0 } }', 'live'],
  'resources.memory.nodes': ['', 'resources: { memory: { nodes: "0" } }', 'live'],
  'resources.tasks_max': ['', 'resources: { tasks_max: 100 }', 'live'],
  'resources.io.weight': ['', 'resources: { io: { weight: 50 } }', 'live'],
  'resources.io.device_weight': ['', 'resources: { io: { device_weight: { /dev/sda: 50 } } }', 'live'],
  'resources.io.read_bandwidth_max': ['', 'resources: { io: { read_bandwidth_max: { /dev/sda: 1M } } }', 'live'],
  'resources.io.write_bandwidth_max': ['', 'resources: { io: { write_bandwidth_max: { /dev/sda: 1M } } }', 'live'],
  'resources.io.read_iops_max': ['', 'resources: { io: { read_iops_max: { /dev/sda: 1K } } }', 'live'],
  'resources.io.write_iops_max': ['', 'resources: { io: { write_iops_max: { /dev/sda: 1K } } }', 'live'],
  slice: ['', 'slice: s', 'restart'],
  'security.private_users': ['', 'security: { private_users: pick }', 'restart'],
  'security.private_users_ownership': ['', 'security: { private_users_ownership: map }', 'restart'],
  'security.no_new_privileges': ['', 'security: { no_new_privileges: true }', 'restart'],
  'security.capabilities.add': ['', 'security: { capabilities: { add: [CAP_NET_ADMIN] } }', 'restart'],
  'security.capabilities.drop': ['', 'security: { capabilities: { drop: [CAP_NET_RAW] } }', 'restart'],
  'security.capabilities.ambient': [
    'boot: false\ncommand: [/bin/sh]',
    'boot: false\ncommand: [/bin/sh]\nsecurity: { capabilities: { ambient: [CAP_NET_RAW] } }',
    'restart',
  ],
  'security.system_call_filter': ['', 'security: { system_call_filter: ["~ptrace"] }', 'restart'],
  'security.read_only': ['', 'security: { read_only: true }', 'restart'],
  'security.tier': ['', 'security: { tier: hardened }', 'restart'],
  devices: ['', 'devices: [/dev/fuse]', 'restart'],
  users: [
    '',
    'users: { root: { ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx2 admin@laptop"] } }',
    'restart',
  ],
  // A seed is read by cloud-init at boot: any change of it needs a restart.
  'cloud_init.template': ['cloud_init: {}', 'cloud_init: { template: t }', 'restart'],
  'cloud_init.user_data': ['cloud_init: {}', 'cloud_init: { user_data: { runcmd: [date] } }', 'restart'],
  'cloud_init.meta_data': ['cloud_init: {}', 'cloud_init: { meta_data: { purpose: web } }', 'restart'],
  'cloud_init.network_config': ['cloud_init: {}', 'cloud_init: { network_config: { version: 2 } }', 'restart'],
  restart: ['', 'restart: always', 'reload'],
  on_change: ['', 'on_change: manual', 'none'],
  'nspawn.Exec': ['', 'nspawn: { Exec: { KillSignal: SIGTERM } }', 'restart'],
  'nspawn.Files': ['', 'nspawn: { Files: { Overlay: "/a:/b" } }', 'restart'],
  'nspawn.Network': [
    'network: { mode: veth }',
    'network: { mode: veth }\nnspawn: { Network: { VirtualEthernetExtra: "a:b" } }',
    'restart',
  ],
  'service.Unit': ['', 'service: { Unit: { ConditionPathExists: /srv } }', 'reload'],
  'service.Service': ['', 'service: { Service: { TimeoutStopSec: 2min } }', 'reload'],
};

describe('what a change of each key needs', () => {
  it('has a row for every key of the container schema, and no row for a key it lacks', () => {
    expect(Object.keys(table).sort()).toEqual(leaves(containerSchema).sort());
  });

  for (const [key, [before, after, impact]] of Object.entries(table)) {
    it(`${key}: ${impact}`, () => {
      const web = (text: string) => ({ ...BASE, 'containers/web.yaml': text });
      expect(impactOf(web(before), web(after))).toBe(impact);
      // Undone, the change needs the same again (a removed autostart starts nothing: nothing to stop for it).
      expect(impactOf(web(after), web(before))).toBe(impact === 'start' ? 'none' : impact);
    });
  }

  it('pass-through [Service] keys by what systemd does with them', () => {
    const web = (svc: string) => ({ ...BASE, 'containers/web.yaml': `service: { Service: { ${svc} } }` });
    expect(impactOf(web(''), web('Environment: "A=1"'))).toBe('restart');
    expect(impactOf(web(''), web('LoadCredential: "k:/etc/k"'))).toBe('restart');
    expect(impactOf(web(''), web('MemoryAccounting: "yes"'))).toBe('live');
    expect(impactOf(web(''), web('RestartSec: 5s'))).toBe('reload');
  });
});

describe('what a plan means for each container', () => {
  const one = (web: string, extra: Files = {}) => ({ ...extra, 'containers/web.yaml': web });

  it('a Description= change restarts nothing', () => {
    const c = changes(one('description: old'), one('description: new'));
    expect(c).toEqual([
      expect.objectContaining({
        name: 'web',
        impact: 'none',
        reasons: ['drop-in: Unit.Description (no effect on a running unit)'],
      }),
    ]);
  });

  it('a deleted container is stopped, not restarted', () => {
    const c = changes({ ...one('environment: { A: "1" }'), 'containers/db.yaml': '' }, { 'containers/db.yaml': '' });
    expect(c.map((x) => [x.name, x.impact])).toEqual([['web', 'stop']]);
  });

  it('a memory limit is set live, with exactly the new value', () => {
    const c = changes(one('resources: { memory: { max: 1G } }'), one('resources: { memory: { max: 2G, high: 1G } }'));
    expect(c[0]).toMatchObject({ impact: 'live', properties: ['MemoryHigh=1G', 'MemoryMax=2G'] });
  });

  it("a removed limit falls back to the template, or else to systemd's default", () => {
    const template = settingsOf('[Service]\nTasksMax=16384\n');
    const c = classify(planOf(one('resources: { tasks_max: 10, memory: { max: 1G } }'), one('')), { template });
    expect(c[0]).toMatchObject({ impact: 'live', properties: ['MemoryMax=', 'TasksMax=16384'] });
  });

  it('a per-device limit list is reset, then set whole', () => {
    const a = 'resources: { io: { read_bandwidth_max: { /dev/sda: 1M } } }';
    const b = 'resources: { io: { read_bandwidth_max: { /dev/sda: 1M, /dev/sdb: 2M } } }';
    expect(changes(one(a), one(b))[0]!.properties).toEqual([
      'IOReadBandwidthMax=',
      'IOReadBandwidthMax=/dev/sda 1M',
      'IOReadBandwidthMax=/dev/sdb 2M',
    ]);
  });

  it('a live change together with a restart: restart, and the properties are still known', () => {
    const c = changes(
      one('resources: { memory: { max: 1G } }'),
      one('resources: { memory: { max: 2G } }\nhostname: x'),
    );
    expect(c[0]).toMatchObject({ impact: 'restart', properties: ['MemoryMax=2G'] });
  });

  it('output equal to what the generator already made needs nothing', () => {
    const after = one('autostart: true\nresources: { memory: { max: 1G } }');
    const made = new Map(
      outputs(after).flatMap((o) => (o.kind === 'file' ? [[`${o.dir}:${o.rel}`, renderOwned(o.doc)] as const] : [])),
    );
    const opts: ClassifyOptions = {
      previous: (a) => made.get(`${a.dir}:${a.rel}`),
      generatorLinks: new Set(['machines.target.wants/machine@web.service']),
    };
    const p = plan(outputs(after), { entries: new Map(), links: new Map() }, compileTargets('/r'));
    expect(p.actions.every((a) => a.op === 'create')).toBe(true);
    expect(classify(p, opts).filter((c) => c.impact !== 'none')).toEqual([]);
    // Without knowing the generator's files, every file is new: then it is a new autostart container.
    expect(classify(p).map((c) => c.impact)).toEqual(['start']);
  });

  it('a generator copy that differs is compared key by key', () => {
    const after = one('resources: { memory: { max: 2G } }');
    const made = new Map(
      outputs(one('resources: { memory: { max: 1G } }')).flatMap((o) =>
        o.kind === 'file' ? [[o.rel, renderOwned(o.doc)] as const] : [],
      ),
    );
    const p = plan(outputs(after), { entries: new Map(), links: new Map() }, compileTargets('/r'));
    expect(classify(p, { previous: (a) => made.get(a.rel) })[0]).toMatchObject({
      impact: 'live',
      properties: ['MemoryMax=2G'],
    });
  });

  it('a new container without autostart needs only a reload; a second plan needs nothing', () => {
    expect(
      changes({ 'containers/db.yaml': '' }, { 'containers/db.yaml': '', ...one('') }).map((c) => c.impact),
    ).toEqual(['reload']);
    expect(changes(one('autostart: true'), one('autostart: true'))).toEqual([]);
  });

  it('slice limits are set live on the slice', () => {
    const c = changes(
      { ...one('slice: s'), 'slices/s.yaml': 'resources: { cpu: { weight: 10 } }' },
      { ...one('slice: s'), 'slices/s.yaml': 'resources: { cpu: { weight: 20 } }' },
    );
    expect(c).toEqual([
      expect.objectContaining({ kind: 'slice', name: 's', impact: 'live', properties: ['CPUWeight=20'] }),
    ]);
  });

  it('reads settings, not text: comments, blank lines and continuations', () => {
    expect([...settingsOf('# x\n[A]\nK=1\n; y\n\nK=2\n[B]\nL=a \\\n b\n')]).toEqual([
      ['A.K', ['1', '2']],
      ['B.L', ['a   b']],
    ]);
  });
});

describe('what a change of an image version or a pod needs of the containers that run with it', () => {
  const SHA1 = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03';
  const SHA2 = 'b'.repeat(64);
  const image = (url: string, sha: string) => `url: https://images.example.org/${url}\nsha256: ${sha}\n`;
  /** web (overlay) and db (copy) on image base; app and api in pod front; solo in neither. */
  const world = (img: string, pod: string): Files => ({
    'images/base.yaml': img,
    'pods/front.yaml': pod,
    'containers/web.yaml': 'image: base',
    'containers/db.yaml': 'image: base\nstorage: copy',
    'containers/app.yaml': 'network: { mode: pod, pod: front }',
    'containers/api.yaml': 'network: { mode: pod, pod: front }',
    'containers/solo.yaml': '',
  });
  const IMG = image('r.tar', SHA1);
  /** what changes → [world before, world after, container or pod → impact (others: not in the plan)]. */
  const rows: Record<string, [Files, Files, Record<string, Impact>]> = {
    'a new sha256 (a new image version): a fresh root at the next start': [
      world(IMG, ''),
      world(image('r.tar', SHA2), ''),
      { db: 'restart', web: 'restart' },
    ],
    'another URL for the same version: it is not fetched again': [
      world(IMG, ''),
      world(image('mirror/r.tar', SHA1), ''),
      { db: 'reload', web: 'reload' },
    ],
    'a published port of the pod': [world(IMG, ''), world(IMG, 'ports: ["tcp:8080:80"]'), { 'pod front': 'restart' }],
    'the pod port a host port goes to': [
      world(IMG, 'ports: ["tcp:8080:80"]'),
      world(IMG, 'ports: ["tcp:8080:81"]'),
      { 'pod front': 'restart' },
    ],
    "the pod's description": [world(IMG, 'description: a'), world(IMG, 'description: b'), { 'pod front': 'none' }],
  };
  const impacts = (before: Files, after: Files) =>
    Object.fromEntries(
      changes(before, after).map((c) => [c.kind === 'container' ? c.name : `${c.kind} ${c.name}`, c.impact]),
    );

  for (const [what, [before, after, expected]] of Object.entries(rows)) {
    it(`${what}: ${JSON.stringify(expected)}`, () => {
      expect(impacts(before, after)).toEqual(expected);
      expect(impacts(after, before)).toEqual(expected);
    });
  }

  it('names the shared file and key, and the root mount of an overlay container', () => {
    const version = changes(world(IMG, ''), world(image('r.tar', SHA2), ''));
    const web = version.find((c) => c.name === 'web')!;
    expect(web.reasons).toContain('var-lib-machines-web.mount: Mount.Options');
    expect(web.reasons).toContain(
      `image base version ${SHA2}: machinist-image@base_${SHA2}.service.d/50-machinist.conf: new`,
    );
    const url = changes(world(IMG, ''), world(image('mirror/r.tar', SHA1), ''));
    expect(url.find((c) => c.name === 'db')!.reasons).toEqual([
      `image base version ${SHA1}: machinist-image@base_${SHA1}.service.d/50-machinist.conf: Service.Environment`,
      `image base version ${SHA1}: machinist-image@base_${SHA1}.service.d/50-machinist.conf: Unit.Description (no effect on a running unit)`,
    ]);
    const port = changes(world(IMG, ''), world(IMG, 'ports: ["tcp:8080:80"]'));
    expect(port).toEqual([
      {
        kind: 'pod',
        name: 'front',
        members: ['api', 'app'],
        impact: 'restart',
        reasons: [
          'machinist-pod-front-tcp-8080.service: new',
          'machinist-pod-front-tcp-8080.socket: new',
          'machinist-pod@front.service.d/50-machinist.conf: Unit.Wants',
        ],
        properties: [],
        autostartAdded: false,
      },
    ]);
    const moved = changes(world(IMG, 'ports: ["tcp:8080:80"]'), world(IMG, 'ports: ["tcp:8080:81"]'));
    expect(moved[0]!.reasons).toEqual([
      'machinist-pod-front-tcp-8080.service: Service.ExecStart',
      'machinist-pod-front-tcp-8080.service: Unit.Description (no effect on a running unit)',
      'machinist-pod-front-tcp-8080.socket: Unit.Description (no effect on a running unit)',
    ]);
  });

  it('a new member of an unchanged pod is new, the pod unchanged; a new pod is new', () => {
    const before = world(IMG, 'ports: ["tcp:8080:80"]');
    const after = { ...before, 'containers/new.yaml': 'network: { mode: pod, pod: front }' };
    expect(impacts(before, after)).toEqual({ new: 'reload' });
    const pod = {
      ...before,
      'pods/back.yaml': 'ports: ["tcp:9090:90"]',
      'containers/b.yaml': 'network: { mode: pod, pod: back }',
    };
    expect(impacts(before, pod)).toEqual({ b: 'reload', 'pod back': 'reload' });
  });
});
