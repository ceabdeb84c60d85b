import { describe, expect, it } from 'vitest';
import { renderIni } from '../../src/ini/model.js';
import { build, withoutUnrenderable } from '../../src/pipeline.js';
import { translate } from '../../src/translate/index.js';
import { buildFrom, outputText, sources } from '../helpers/sources.js';
import { iniOf } from '../../src/translate/output.js';

const nspawnOf = (yaml: string, extra: Record<string, string> = {}) =>
  outputText(ok({ 'containers/web.yaml': yaml, ...extra }), 'web.nspawn');
const dropinOf = (yaml: string, extra: Record<string, string> = {}) =>
  outputText(ok({ 'containers/web.yaml': yaml, ...extra }), 'machine@web.service.d/50-machinist.conf');

function ok(files: Record<string, string>) {
  const b = buildFrom(files);
  expect(b.diagnostics).toEqual([]);
  return b;
}

describe('.nspawn', () => {
  it('host networking is the default, written out explicitly', () => {
    expect(nspawnOf('')).toBe('[Exec]\nBoot=yes\n[Network]\nPrivate=no\nVirtualEthernet=no');
  });

  it.each([
    ['network: { mode: none }', 'Private=yes\nVirtualEthernet=no'],
    ['network: { mode: veth, ports: ["tcp:8080:80", 443] }', 'VirtualEthernet=yes\nPort=tcp:8080:80\nPort=443'],
    ['network: { mode: bridge, bridge: br0 }', 'Bridge=br0'],
    ['network: { mode: zone, zone: lab }', 'Zone=lab'],
    ['network: { mode: macvlan, macvlan: [eth0, eth1] }', 'MACVLAN=eth0\nMACVLAN=eth1'],
    ['network: { mode: ipvlan, ipvlan: [eth0] }', 'IPVLAN=eth0'],
    ['network: { mode: interface, interfaces: [eth2] }', 'Interface=eth2'],
  ])('%s', (yaml, network) => {
    expect(nspawnOf(yaml)).toBe(`[Exec]\nBoot=yes\n[Network]\n${network}`);
  });

  it('writes an app container: Boot=no and the command, each argument one word', () => {
    const text = nspawnOf(
      'boot: false\ncommand: ["/usr/bin/python3", "-c", "print(\'hi there\')", ""]\nworking_directory: /srv/app\nuser: app\n',
    );
    expect(text).toContain(
      `Boot=no\nParameters=/usr/bin/python3 -c 'print('"'"'hi there'"'"')' ''\nProcessTwo=yes\nKillSignal=SIGRTMIN+3\nWorkingDirectory=/srv/app\nUser=app`,
    );
  });

  it('lets a KillSignal pass-through replace the app container default', () => {
    const text = nspawnOf('boot: false\ncommand: [/bin/app]\nnspawn: { Exec: { KillSignal: SIGINT } }\n');
    expect(text.match(/KillSignal=/g)).toHaveLength(1);
    expect(text).toContain('KillSignal=SIGINT');
  });

  it('makes the hostname stick in a booted guest and skips firstboot on a volatile root', () => {
    expect(nspawnOf('hostname: web01\nvolatile: yes\ncommand: [--log-level=debug]\n')).toContain(
      'Boot=yes\nParameters=systemd.hostname=web01 systemd.firstboot=off --log-level=debug\nHostname=web01',
    );
    expect(nspawnOf('hostname: web01\nboot: false\ncommand: [/bin/app]\n')).toContain(
      'Parameters=/bin/app\nProcessTwo=yes',
    );
    expect(nspawnOf('volatile: state\n')).not.toContain('Parameters=');
    // A clone of an image would otherwise boot with the image's /etc/hostname.
    expect(nspawnOf('image: debian-12\n')).toContain('Boot=yes\nParameters=systemd.hostname=web\n');
    expect(nspawnOf('image: web\n')).not.toContain('Parameters=');
  });

  it('encodes environment values so nspawn reads back exactly what was written', () => {
    const text = nspawnOf(
      'environment:\n  GREETING: hello world\n  QUOTE: say "hi"\n  PCT: 50%\n  PORT: 8080\n  DEBUG: false\n',
    );
    expect(text).toContain(
      `Environment='GREETING=hello world'\nEnvironment='QUOTE=say "hi"'\nEnvironment=PCT=50%\nEnvironment=PORT=8080\nEnvironment=DEBUG=false`,
    );
  });

  it('writes binds in both forms, read-only ones as BindReadOnly=, colons escaped', () => {
    const text = nspawnOf(
      'binds:\n  - /srv/web\n  - /srv/a:/a:ro\n  - /srv/b:/b:norbind,idmap\n  - { source: "/srv/x:y", target: /y, readonly: true, options: [norbind] }\ndevices: [/dev/fuse, { path: /dev/kvm, access: rw }]\ntmpfs: [/var/tmp, "/run/app:mode=0755,size=10M"]\ninaccessible: [/proc/kcore]\nbind_users: [alice]\nsecurity: { private_users: pick }\nnetwork: { mode: veth }\n',
    );
    expect(text).toContain(
      [
        '[Files]',
        'PrivateUsersOwnership=auto',
        'Bind=/srv/web:/srv/web',
        'BindReadOnly=/srv/a:/a',
        'Bind=/srv/b:/b:norbind,idmap',
        'BindReadOnly=/srv/x\\:y:/y:norbind',
        'Bind=/dev/fuse',
        'Bind=/dev/kvm',
        'TemporaryFileSystem=/var/tmp',
        'TemporaryFileSystem=/run/app:mode=0755,size=10M',
        'Inaccessible=/proc/kcore',
        'BindUser=alice',
      ].join('\n'),
    );
  });

  it('writes security settings', () => {
    const text = nspawnOf(
      'security:\n  private_users: pick\n  private_users_ownership: auto\n  no_new_privileges: true\n  read_only: true\n  capabilities: { add: [CAP_NET_ADMIN, CAP_SYS_TIME], drop: [CAP_SYS_PTRACE] }\n  system_call_filter: ["~@debug", "@system-service"]\nvolatile: state\nnetwork: { mode: veth }\n',
    );
    expect(text).toBe(
      '[Exec]\nBoot=yes\nPrivateUsers=pick\nNoNewPrivileges=yes\nCapability=CAP_NET_ADMIN CAP_SYS_TIME\nDropCapability=CAP_SYS_PTRACE\nSystemCallFilter=~lookup_dcookie perf_event_open pidfd_getfd ptrace rtas s390_runtime_instr sys_debug_setcontext\nSystemCallFilter=@system-service\n' +
        '[Files]\nReadOnly=yes\nVolatile=state\nPrivateUsersOwnership=auto\n[Network]\nVirtualEthernet=yes',
    );
  });

  it('appends pass-through keys to their section, booleans as yes/no', () => {
    expect(
      nspawnOf(
        'nspawn:\n  Exec: { KillSignal: SIGRTMIN+3, SuppressSync: true }\n  Network: { VirtualEthernetExtra: [a:b, c] }\n',
      ),
    ).toBe(
      '[Exec]\nBoot=yes\nKillSignal=SIGRTMIN+3\nSuppressSync=yes\n[Network]\nPrivate=no\nVirtualEthernet=no\nVirtualEthernetExtra=a:b\nVirtualEthernetExtra=c',
    );
  });
});

describe('service drop-in', () => {
  it('orders and pulls in other containers; requires: also binds failure', () => {
    const text = dropinOf('after: [db, cache]\nrequires: [auth]\n', {
      'containers/db.yaml': '',
      'containers/cache.yaml': '',
      'containers/auth.yaml': '',
    });
    expect(text).toBe(
      '[Unit]\nSourcePath=/etc/machinist/containers/web.yaml\nRequires=machine@auth.service\nWants=machine@db.service\nWants=machine@cache.service\nAfter=machine@auth.service\nAfter=machine@db.service\nAfter=machine@cache.service',
    );
  });

  it('hands another root to the template through $MACHINIST_ARGS, and waits for its mount', () => {
    expect(dropinOf('directory: /srv/roots/web\n')).toContain(
      'RequiresMountsFor=/srv/roots/web\n[Service]\nEnvironment=MACHINIST_ARGS=--directory=/srv/roots/web',
    );
    expect(dropinOf('image: debian-12\n')).toContain(
      'Environment="MACHINIST_ARGS=--directory=/var/lib/machines/web --template=/var/lib/machines/debian-12"',
    );
    expect(dropinOf('image: web\n')).not.toContain('MACHINIST_ARGS');
  });

  it('writes cgroup settings as systemd spells them (no %% in settings without specifiers)', () => {
    const text = dropinOf(
      'slice: lab\nresources:\n  cpu: { weight: 200, quota: 150%, cpus: "0-3" }\n  memory: { min: 64M, low: 128M, high: 50%, max: 2G, swap_max: 0, nodes: 0 }\n  tasks_max: 4096\n  io: { weight: 300, device_weight: { /dev/sda: 50 }, read_bandwidth_max: { /dev/sda: 10M }, write_iops_max: { /dev/sdb: 2K } }\ndevices: [/dev/fuse]\nrestart: on-failure\n',
      { 'slices/lab.yaml': '' },
    );
    expect(text).toContain(
      [
        '[Service]',
        'Slice=machine-lab.slice',
        'CPUWeight=200',
        'CPUQuota=150%',
        'AllowedCPUs=0-3',
        'MemoryMin=64M',
        'MemoryLow=128M',
        'MemoryHigh=50%',
        'MemoryMax=2G',
        'MemorySwapMax=0',
        'AllowedMemoryNodes=0',
        'TasksMax=4096',
        'IOWeight=300',
        'IODeviceWeight=/dev/sda 50',
        'IOReadBandwidthMax=/dev/sda 10M',
        'IOWriteIOPSMax=/dev/sdb 2K',
        'DeviceAllow=/dev/fuse rwm',
        'Restart=on-failure',
      ].join('\n'),
    );
  });

  it('escapes specifiers in free text but passes raw unit syntax through', () => {
    const text = dropinOf(
      'description: "100% busy (%i)"\nservice:\n  Service: { TimeoutStopSec: 2min, ExecStartPre: ["/bin/echo %i"] }\n',
    );
    expect(text).toContain('Description=100%% busy (%%i)');
    expect(text).toContain('TimeoutStopSec=2min\nExecStartPre=/bin/echo %i');
  });
});

describe('slices and autostart', () => {
  it('names slices by hierarchy; a slice with no settings is still a unit of its own', () => {
    const b = ok({
      'slices/lab.yaml':
        'description: Lab\nresources: { memory: { max: 8G } }\nunit: { Slice: { CPUAccounting: true } }\n',
      'slices/lab-db.yaml': '',
    });
    expect(outputText(b, 'machine-lab.slice')).toBe(
      '[Unit]\nDescription=Lab\nSourcePath=/etc/machinist/slices/lab.yaml\n[Slice]\nMemoryMax=8G\nCPUAccounting=yes',
    );
    expect(outputText(b, 'machine-lab-db.slice')).toBe('[Unit]\nSourcePath=/etc/machinist/slices/lab-db.yaml');
  });

  it('links autostart containers into machines.target.wants, to the shipped template', () => {
    const b = ok({ 'containers/web.yaml': 'autostart: true\n', 'containers/db.yaml': 'autostart: false\n' });
    expect(b.outputs.filter((o) => o.kind === 'symlink')).toEqual([
      {
        kind: 'symlink',
        dir: 'unit',
        rel: 'machines.target.wants/machine@web.service',
        target: '/usr/lib/systemd/system/machine@.service',
        container: 'web',
      },
    ]);
  });
});

describe('hostile values never reach a file', () => {
  it.each([
    ['environment: { X: "a\\n[Service]\\nExecStart=/bin/evil" }', ['environment', 'X']],
    ['description: "web\\n[Service]\\nExecStart=/bin/evil"', ['description']],
    ['description: "trailing\\\\"', ['description']],
    ['description: "bell\\u0007"', ['description']],
    ['command: ["/bin/sh", "-c", "a\\rb"]', ['command', 2]],
    // Control characters in a path are refused by the schema already (invalid-value).
    ['directory: "/srv/bell\\u0007"', ['directory'], 'invalid-value'],
    ['binds: [{ source: "/srv/a ", target: /a }]', ['binds', 0, 'source']],
    [
      'resources: { io: { weight: 10, read_bandwidth_max: { "/dev/\\e": 1M } } }',
      ['resources', 'io', 'read_bandwidth_max', '/dev/\x1b'],
    ],
    // Elements of lists and mappings: the path ends with the index or key of the bad one.
    ['environment: { A: ok, B: "x\\ny" }', ['environment', 'B']],
    ['tmpfs: [/var/tmp, "/run "]', ['tmpfs', 1]],
    ['inaccessible: [/proc/kcore, "/b "]', ['inaccessible', 1]],
    ['devices: [/dev/fuse, "/dev/a\\u0007"]', ['devices', 1], 'invalid-value'],
    ['nspawn: { Exec: { Personality: " x86" } }', ['nspawn', 'Exec', 'Personality']],
    ['nspawn: { Exec: { Personality: [x86, " x86"] } }', ['nspawn', 'Exec', 'Personality', 1]],
  ] as [string, (string | number)[], string?][])(
    '%s is an error at its line, and the container writes nothing',
    (yaml, path, code = 'unencodable-value') => {
      const b = buildFrom({ 'containers/web.yaml': `${yaml}\n`, 'containers/ok.yaml': '' });
      expect(b.diagnostics.map((d) => [d.code, d.path])).toEqual([[code, path]]);
      expect(b.diagnostics[0]!.pos?.line).toBe(1);
      expect(b.outputs.map((o) => o.rel)).toEqual(['ok.nspawn', 'machine@ok.service.d/50-machinist.conf']);
      expect(b.model.failed.has('web')).toBe(true);
    },
  );
});

describe('determinism', () => {
  it('gives byte-identical output whatever order the files are read in', () => {
    const files = {
      'machinist.yaml': 'defaults: { environment: { TZ: UTC } }\n',
      'profiles/base.yaml': 'binds: [/srv/a]\n',
      'slices/lab.yaml': '',
      'containers/b.yaml': 'profiles: [base]\nslice: lab\nautostart: true\nafter: [a]\n',
      'containers/a.yaml': 'profiles: [base]\n',
    };
    const render = (b: ReturnType<typeof build>) =>
      b.outputs.map((o) => `${o.rel}\n${o.kind === 'file' ? renderIni(iniOf(o.doc)) : o.target}`).join('\n');
    const forward = render(build(sources(files)));
    expect(render(build(sources(files).reverse()))).toBe(forward);
    expect(forward).toContain('machine-lab.slice');
  });

  it('orders outputs by directory, then path, also where that is not the order of the names', () => {
    // "a" < "a-b" < "a.b" as names, but "a-b.nspawn" < "a.b.nspawn" < "a.nspawn" as paths ("-" < "." < "n").
    const b = buildFrom({
      'slices/a.yaml': '',
      'containers/a.yaml': 'autostart: true\n',
      'containers/a-b.yaml': 'slice: a\n',
      'containers/a.b.yaml': 'autostart: true\n',
    });
    expect(b.diagnostics).toEqual([]);
    const keys = b.outputs.map((o) => `${o.dir}/${o.rel}`);
    expect(keys).toEqual([
      'nspawn/a-b.nspawn',
      'nspawn/a.b.nspawn',
      'nspawn/a.nspawn',
      'unit/machine-a.slice',
      'unit/machine@a-b.service.d/50-machinist.conf',
      'unit/machine@a.b.service.d/50-machinist.conf',
      'unit/machine@a.service.d/50-machinist.conf',
      'unit/machines.target.wants/machine@a.b.service',
      'unit/machines.target.wants/machine@a.service',
    ]);
  });
});

describe('a slice with an unwritable value', () => {
  it('is not written, and the containers relying on its limits fail with it', () => {
    const b = buildFrom({
      'slices/lab.yaml': 'description: "Lab\\nExecStart=/bin/evil"\nresources: { memory: { max: 4G } }\n',
      'slices/lab-db.yaml': '',
      'containers/db.yaml': 'slice: lab-db\n',
      'containers/web.yaml': '',
    });
    expect(b.diagnostics.map((d) => `${d.code} ${d.file!.replace('/etc/machinist/', '')}:${d.pos?.line}`)).toEqual([
      'unencodable-value slices/lab.yaml:1',
    ]);
    expect(b.diagnostics[0]!.container).toBeUndefined();
    expect(b.model.failed.get('db')!.errors.map((d) => d.message)).toEqual([
      'slice "lab" has errors, so this container is not started without its limits',
    ]);
    expect(b.outputs.map((o) => o.rel)).toEqual([
      'web.nspawn',
      'machine-lab-db.slice',
      'machine@web.service.d/50-machinist.conf',
    ]);
  });
});

describe("translate is pure, and one container's exception fails only that container", () => {
  const b = ok({ 'containers/a.yaml': 'hostname: a1\nautostart: true\n', 'containers/b.yaml': 'autostart: true\n' });
  const bad = {
    ...b.model.containers[0]!,
    settings: {
      ...b.model.containers[0]!.settings,
      hostname: {
        toString: () => {
          throw new Error('boom');
        },
      },
    },
  };
  const model = {
    containers: [bad, b.model.containers[1]!] as typeof b.model.containers,
    slices: [],
    images: [],
    failed: new Map(),
  };

  it('fails the container whose translation throws, with an internal error naming its file; writes the other', () => {
    const t = translate(model as typeof b.model);
    expect(t.outputs.map((o) => o.rel)).toEqual([
      'b.nspawn',
      'machine@b.service.d/50-machinist.conf',
      'machines.target.wants/machine@b.service',
    ]);
    const f = t.failed.get('a')!;
    expect(f.errors).toMatchObject([
      { code: 'internal-error', file: '/etc/machinist/containers/a.yaml', container: 'a' },
    ]);
    expect(f.errors[0]!.message).toBe('translating container "a" failed: boom');
    expect(f.autostart).toBe(true);
    expect(t.diagnostics).toEqual(f.errors);
  });

  it('does not change the model, also where a slice cannot be written and its container fails with it', () => {
    const good = ok({ 'containers/web.yaml': 'slice: lab\n', 'slices/lab.yaml': 'description: Lab\n' });
    const lab = good.model.slices[0]!;
    const m = {
      ...good.model,
      slices: [{ ...lab, settings: { description: 'a\u0001b' } }],
      failed: new Map(model.failed),
    };
    const before = { containers: [...m.containers], failed: [...m.failed], slices: [...m.slices] };
    const t = translate(m);
    expect([...t.brokenSlices]).toEqual(['lab']);
    expect(t.failed.get('web')!.errors.map((d) => d.code)).toEqual(['unknown-slice']);
    expect({ containers: [...m.containers], failed: [...m.failed], slices: [...m.slices] }).toEqual(before);
    translate(model as typeof b.model);
    expect(model.failed.size).toBe(0);
    expect(model.containers.map((c) => c.name)).toEqual(['a', 'b']);
  });
});

describe('a file that does not render', () => {
  it('fails its container alone, with an internal error naming its file', () => {
    const b = ok({ 'containers/a.yaml': 'autostart: true\n', 'containers/b.yaml': 'autostart: true\n' });
    expect(withoutUnrenderable(b)).toBeUndefined();
    const outputs = b.outputs.map((o) =>
      o.kind === 'file' && o.rel === 'a.nspawn'
        ? { ...o, doc: { ...iniOf(o.doc), sections: [{ name: 'Exec', entries: [{ key: 'Boot', value: 'x\ny' }] }] } }
        : o,
    );
    const r = withoutUnrenderable({ ...b, outputs })!;
    expect(r.outputs.map((o) => o.rel)).toEqual([
      'b.nspawn',
      'machine@b.service.d/50-machinist.conf',
      'machines.target.wants/machine@b.service',
    ]);
    expect(r.model.containers.map((c) => c.name)).toEqual(['b']);
    expect(r.failures.map((f) => [f.name, f.file, f.autostart, f.errors.map((d) => d.code)])).toEqual([
      ['a', '/etc/machinist/containers/a.yaml', true, ['internal-error']],
    ]);
    expect(r.diagnostics).toMatchObject([
      { code: 'internal-error', file: '/etc/machinist/containers/a.yaml', container: 'a' },
    ]);
  });
});
