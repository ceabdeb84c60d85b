// Values that systemd or the kernel would ignore, refuse or hold differently from what the YAML says are
// refused by `validate`, at their line, with a hint that says what to write. Each rule is shown twice: the
// refusal, and real systemd 252 (systemd-nspawn's parser, systemd-analyze verify, a container run) treating
// the value the way the rule says: ignoring it, failing on it, or accepting what the schema accepts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';
import { renderIni } from '../../src/ini/render.js';
import { capabilityNames } from '../../src/schema/capabilities.js';
import { buildFrom, outputText } from '../helpers/sources.js';
import { examplesOracleUnavailable, parseNspawn, verifyUnits } from '../oracle/examples-oracle.js';
import { runContainer } from '../oracle/nspawn-oracle.js';
import { iniOf } from '../../src/translate/output.js';

const skipOracle = examplesOracleUnavailable !== undefined && !process.env.CI;

const diagnosticsOf = (yaml: string, extra: Record<string, string> = {}) =>
  buildFrom({ 'containers/web.yaml': yaml, ...extra }).diagnostics;
const errorsOf = (yaml: string, extra: Record<string, string> = {}) =>
  diagnosticsOf(yaml, extra).filter((d) => d.severity === 'error');
const warningsOf = (yaml: string, extra: Record<string, string> = {}) =>
  diagnosticsOf(yaml, extra).filter((d) => d.severity === 'warning');

/** The one error of a file, which must be at `line` and `path`. */
function refusal(yaml: string, path: (string | number)[], line: number) {
  const errs = errorsOf(yaml);
  expect(errs.map((e) => [e.path, e.pos?.line])).toEqual([[path, line]]);
  return errs[0]!;
}

/** The .nspawn file of container web, rendered, for a configuration that must compile cleanly. */
function nspawnOf(yaml: string): string {
  const b = buildFrom({ 'containers/web.yaml': yaml });
  expect(b.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const o = b.outputs.find((x) => x.rel === 'web.nspawn');
  if (!o || o.kind !== 'file') throw new Error('no web.nspawn');
  return renderIni(iniOf(o.doc));
}

/** nspawn's complaints about a hand-written .nspawn file (the rule as systemd itself applies it). */
const nspawnSays = (text: string) => parseNspawn('web', text).complaints;

const temps: string[] = [];
afterAll(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

/** Compile a configuration into a fresh root; returns the root. */
function compileInto(files: Record<string, string>): { root: string; result: ReturnType<typeof compile> } {
  const base = mkdtempSync(join(tmpdir(), 'machinist-values-'));
  temps.push(base);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, 'config', rel)), { recursive: true });
    writeFileSync(join(base, 'config', rel), text);
  }
  const root = join(base, 'root');
  mkdirSync(root);
  return { root, result: compile({ configDir: join(base, 'config'), root }) };
}

describe('interface, bridge and zone names: as the kernel and systemd-nspawn take them', () => {
  const bad = ['br%0', 'all', 'default', '1234', 'abcdefghijklmnop', '.', '..', 'a:b', 'a/b', 'bä', 'a b', 'br\u0001'];

  it.each(bad)('refuses bridge %j at its line, with a hint', (name) => {
    const d = refusal(`network:\n  mode: bridge\n  bridge: ${JSON.stringify(name)}\n`, ['network', 'bridge'], 3);
    expect(d.hint).toMatch(/ip link|15 characters/);
  });

  it.each(['macvlan', 'ipvlan', 'interfaces'])('refuses such names in network.%s too', (key) => {
    const mode = key === 'interfaces' ? 'interface' : key;
    refusal(`network:\n  mode: ${mode}\n  ${key}: [eth0, "br%0"]\n`, ['network', key, 1], 3);
  });

  it.skipIf(skipOracle)('systemd-nspawn ignores every such Bridge= (the container would use the host network)', () => {
    const complaints = nspawnSays(
      `[Network]\n${bad
        .filter((n) => !/\s/.test(n))
        .map((n) => `Bridge=${n}`)
        .join('\n')}\n`,
    );
    expect(complaints.filter((l) => l.includes('Interface name is not valid'))).toHaveLength(bad.length - 1);
  });

  it.skipIf(skipOracle)('systemd-nspawn does not start with such a name in Interface= or MACVLAN=', () => {
    for (const key of ['Interface', 'MACVLAN']) {
      const r = runContainer(`[Network]\n${key}=a%b\n`, ['/bin/true']);
      expect(r.status, key).not.toBe(0);
      expect(r.stderr, key).toContain('Failed to resolve interface "a%b"');
    }
  });

  it.skipIf(skipOracle)('systemd-nspawn takes the names the schema accepts', () => {
    for (const name of ['br0', 'abcdefghijklmno', 'a.b', 'br-lan_1', 'x@y+z']) {
      expect(nspawnSays(nspawnOf(`network: { mode: bridge, bridge: "${name}" }\n`)), name).toEqual([]);
    }
  });

  it('refuses a zone longer than 12 characters (nspawn names the interface vz-NAME) and accepts 12', () => {
    const d = refusal('network: { mode: zone, zone: abcdefghijklm }\n', ['network', 'zone'], 1);
    expect(d.message).toContain('vz-NAME');
    expect(d.hint).toContain('"abcdefghijkl"');
    expect(errorsOf('network: { mode: zone, zone: abcdefghijkl }\n')).toEqual([]);
    refusal('network: { mode: zone, zone: "a%b" }\n', ['network', 'zone'], 1);
  });

  it.skipIf(skipOracle)('systemd-nspawn agrees on zones: 12 characters are a zone, 13 or a "%" are ignored', () => {
    expect(nspawnSays(nspawnOf('network: { mode: zone, zone: abcdefghijkl }\n'))).toEqual([]);
    const complaints = nspawnSays('[Network]\nZone=abcdefghijklm\nZone=a%b\n');
    expect(complaints.filter((l) => l.includes('Invalid network zone name'))).toHaveLength(2);
  });
});

describe('capabilities: the names systemd 252 knows', () => {
  it('refuses CAP_NET_RAWW in drop: at its line and suggests CAP_NET_RAW', () => {
    const d = refusal(
      'security:\n  capabilities:\n    drop:\n      - CAP_SYS_PTRACE\n      - CAP_NET_RAWW\n',
      ['security', 'capabilities', 'drop', 1],
      5,
    );
    expect(d.message).toMatch(/not a capability systemd knows/);
    expect(d.hint).toMatch(/^Did you mean "CAP_NET_RAW"\?/);
  });

  it('suggests the CAP_ spelling for a bare or lower-case name', () => {
    expect(
      refusal('security: { capabilities: { add: [net_admin] } }\n', ['security', 'capabilities', 'add', 0], 1).hint,
    ).toMatch(/"CAP_NET_ADMIN"/);
  });

  it('accepts all in add: and drop:, but not in ambient:', () => {
    expect(errorsOf('security: { capabilities: { add: [all], drop: [all] } }\n')).toEqual([]);
    const d = refusal(
      'boot: false\ncommand: [/bin/true]\nsecurity: { capabilities: { ambient: [all] } }\n',
      ['security', 'capabilities', 'ambient', 0],
      3,
    );
    expect(d.message).toContain('AmbientCapability=all');
  });

  it.skipIf(skipOracle)('systemd-nspawn ignores an unknown name and refuses AmbientCapability=all', () => {
    expect(nspawnSays('[Exec]\nDropCapability=CAP_NET_RAWW\n')).toEqual([
      expect.stringContaining('Failed to parse capability, ignoring: CAP_NET_RAWW'),
    ]);
    const ambient = runContainer('[Exec]\nAmbientCapability=all\n', ['/bin/true']);
    expect(ambient.status).not.toBe(0);
    expect(ambient.stderr).toContain('AmbientCapability= does not support the value all.');
  });

  it.skipIf(skipOracle)('systemd-nspawn knows every name the schema accepts', () => {
    expect(capabilityNames).toHaveLength(41);
    const text = nspawnOf(`security: { capabilities: { add: [${capabilityNames.join(', ')}], drop: [all] } }\n`);
    expect(nspawnSays(text)).toEqual([]);
  });
});

describe('names and paths that systemd or the kernel cannot hold', () => {
  const long = (n: number, c = 'a') => c.repeat(n);

  it('refuses a slice name whose unit name machine-NAME.slice would pass 255 characters, in slice: and as a file', () => {
    const d = refusal(`slice: ${long(242)}\n`, ['slice'], 1);
    expect(d.message).toMatch(/at most 241/);
    const b = buildFrom({ [`slices/${long(250)}.yaml`]: '' });
    expect(b.diagnostics).toEqual([
      expect.objectContaining({ code: 'invalid-name', hint: expect.stringContaining('slices/web.yaml') }),
    ]);
  });

  it('refuses a slice with so many levels that its cgroup path passes PATH_MAX', () => {
    const name = Array.from({ length: 121 }, () => 'a').join('-');
    expect(name.length).toBeLessThanOrEqual(241);
    expect(refusal(`slice: ${name}\n`, ['slice'], 1).message).toMatch(/cgroup path/);
  });

  it.skipIf(skipOracle)('a 241-character slice compiles, and systemd takes its 255-character unit name', async () => {
    const name = long(241);
    const { root, result } = compileInto({
      [`slices/${name}.yaml`]: 'resources: { cpu: { weight: 50 } }\n',
      'containers/web.yaml': `slice: ${name}\n`,
    });
    expect(result.diagnostics).toEqual([]);
    const v = await verifyUnits(join(root, 'etc/systemd/system'));
    expect(v.units).toContain(`machine-${name}.slice`);
    expect(v.complaints).toEqual([]);
  });

  it('refuses a path component over 255 bytes (UTF-8 counted) and a path over 4095 bytes', () => {
    expect(refusal(`directory: /srv/${long(256)}\n`, ['directory'], 1).message).toMatch(/NAME_MAX/);
    expect(refusal(`directory: /srv/${long(128, 'é')}\n`, ['directory'], 1).message).toMatch(/NAME_MAX/);
    const deep = `/${Array.from({ length: 20 }, () => long(250)).join('/')}`;
    expect(refusal(`binds: ["${deep}:/x"]\n`, ['binds', 0], 1).message).toMatch(/PATH_MAX/);
    expect(errorsOf(`directory: /srv/${long(255)}\n`)).toEqual([]);
  });

  it('refuses a container file name that is not a host name, with a hint that agrees with the message', () => {
    const [d] = buildFrom({ 'containers/web_1.yaml': '' }).diagnostics;
    expect(d).toMatchObject({ code: 'invalid-name' });
    expect(d!.message).toMatch(/letters, digits and "-"/);
    expect(d!.hint).toContain('no "_"');
    expect(buildFrom({ [`containers/${long(65)}.yaml`]: '' }).diagnostics.map((x) => x.code)).toEqual(['invalid-name']);
    expect(buildFrom({ [`containers/${long(64)}.yaml`]: '' }).diagnostics).toEqual([]);
  });
});

describe.skipIf(skipOracle)('machine names as systemd-nspawn takes them', () => {
  const nspawnName = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'machinist-values-'));
    temps.push(dir);
    const r = spawnSync('systemd-nspawn', [`--machine=${name}`, '-D', dir, '--register=no'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    return r.stderr.split('\n')[0] ?? '';
  };
  it.each(['web_1', 'a'.repeat(65), 'a..b', '-a', 'a-', 'bé'])('refuses %s, and so does nspawn', (name) => {
    expect(buildFrom({ [`containers/${name}.yaml`]: '' }).diagnostics.map((d) => d.code)).toEqual(['invalid-name']);
    expect(nspawnName(name)).toBe(`Invalid machine name: ${name}`);
  });
  it.each(['web-01', 'a'.repeat(64), 'a.b', 'a--b'])('accepts %s, and so does nspawn', (name) => {
    expect(buildFrom({ [`containers/${name}.yaml`]: '' }).diagnostics).toEqual([]);
    expect(nspawnName(name)).toMatch(/doesn't look like/);
  });
});

describe('hostname: as systemd-nspawn takes Hostname=', () => {
  const bad = ['under_score', '-bad', 'a'.repeat(65), 'a..b'];
  it.each(bad)('refuses %s at its line', (name) => {
    expect(refusal(`hostname: "${name}"\n`, ['hostname'], 1).hint).toMatch(/^Write /);
  });
  it.skipIf(skipOracle)('systemd-nspawn ignores those, and takes what the schema accepts', () => {
    const complaints = nspawnSays(`[Exec]\n${bad.map((n) => `Hostname=${n}`).join('\n')}\n`);
    expect(complaints.filter((l) => l.includes('invalid hostname, ignoring'))).toHaveLength(bad.length);
    expect(nspawnSays(nspawnOf('hostname: web01.example.com\n'))).toEqual([]);
  });
});

describe('control characters in map keys', () => {
  it.each(['\\0', '\\x1b', '\\t'])("refuses a device key with %s at the key's line, quoted, without a crash", (esc) => {
    const yaml = `resources:\n  io:\n    device_weight:\n      "/dev/sd${esc}a": 100\n`;
    const d = refusal(
      yaml,
      [
        'resources',
        'io',
        'device_weight',
        `/dev/sd${JSON.parse(`"${esc.replace('\\x', '\\u00').replace('\\0', '\\u0000')}"`)}a`,
      ],
      4,
    );
    expect(d.message).toMatch(
      /^key "\/dev\/sd\\(u00..|t)a" in resources\.io\.device_weight contains the control character U\+00/,
    );
  });
});

it('shows an unknown key with control characters quoted, never raw', () => {
  const [d] = errorsOf('resources:\n  "mem\\x1b[31mory": {}\n');
  // Refused while reading, before the schema looks for the key: no key with a control character goes further.
  expect(d).toMatchObject({ code: 'unencodable-value', pos: expect.objectContaining({ line: 2 }) });
  expect(d!.message).toBe('key "mem\\u001b[31mory" in resources contains the control character U+001B');
});

describe('devices: device nodes under /dev/, or classes of /proc/devices', () => {
  it.each([
    ['/srv/data', /not a device node/, /binds:/],
    ['/dev/dri/*', /wildcard/, /char-drm/],
    ['/dev/sd?', /wildcard/, /char-drm/],
    ['char-', /device class/, /char-drm/],
    ['block-a b', /characters/, /block-loop/],
  ])('refuses %s with a hint', (dev, message, hint) => {
    const d = refusal(`devices:\n  - ${JSON.stringify(dev)}\n`, ['devices', 0], 2);
    expect(d.message).toMatch(message);
    expect(d.hint).toMatch(hint);
  });

  it('allows a class in the cgroup without binding anything, as a string or { class, access }', () => {
    const b = buildFrom({
      'containers/web.yaml':
        'devices: [char-drm, /dev/fuse, { class: "char-cpu/*", access: r }, { path: /dev/net/tun, access: rw }]\n',
    });
    expect(b.diagnostics).toEqual([]);
    const dropin = outputText(b, 'machine@web.service.d/50-machinist.conf');
    expect(dropin).toContain(
      'DeviceAllow=char-drm rwm\nDeviceAllow=/dev/fuse rwm\nDeviceAllow="char-cpu/*" r\nDeviceAllow=/dev/net/tun rw',
    );
    const binds = outputText(b, 'web.nspawn')
      .split('\n')
      .filter((l) => l.startsWith('Bind'));
    expect(binds).toEqual(['Bind=/dev/fuse', 'Bind=/dev/net/tun']);
  });

  it('refuses a path in { class } and a class in { path }', () => {
    refusal('devices: [{ class: /dev/fuse }]\n', ['devices', 0, 'class'], 1);
    refusal('devices: [{ path: char-drm }]\n', ['devices', 0, 'path'], 1);
  });

  it.skipIf(skipOracle)('systemd takes DeviceAllow= for a class and refuses it for a path outside /dev/', async () => {
    const good = compileInto({ 'containers/web.yaml': 'devices: [char-drm, "char-cpu/*", block-loop, /dev/fuse]\n' });
    expect(good.result.diagnostics).toEqual([]);
    expect((await verifyUnits(join(good.root, 'etc/systemd/system'))).complaints).toEqual([]);
    // The same drop-in with a path outside /dev/, as machinist would have written it before.
    const unitDir = join(good.root, 'etc/systemd/system');
    const file = join(unitDir, 'machine@web.service.d/50-machinist.conf');
    writeFileSync(file, '[Service]\nDeviceAllow=/srv/data rwm\n');
    expect((await verifyUnits(unitDir)).complaints.join('\n')).toMatch(/Invalid device node or pattern|ignoring/);
  });
});

describe('tmpfs options and bind_users', () => {
  it.each([
    ['/run/x:bogus', /unknown tmpfs option "bogus"/, /Options:/],
    ['/run/x:size=10MB', /size=10MB/, /Write size=10m\./],
    ['/run/x:size=lots', /size=lots/, /size= takes/],
    ['/run/x:mode=rwx', /mode=/, /octal/],
    ['/run/x:', /empty option list/, /mode=0755/],
    ['/run/x:nosiud', /nosiud/, /Did you mean "nosuid"/],
    ['/run/x:dev', /"dev"/, /Options:/],
    ['/run/x:noatime', /ignores/, /nostrictatime/],
  ])('refuses tmpfs %s at its line with a hint', (entry, message, hint) => {
    const d = refusal(`tmpfs:\n  - "${entry}"\n`, ['tmpfs', 0], 2);
    expect(d.message).toMatch(message);
    expect(d.hint).toMatch(hint);
  });

  const goodOptions =
    '/run/x:size=10m,nr_inodes=1k,mode=0700,uid=0,gid=0,huge=never,mpol=default,inode64,noexec,nosuid,nodiratime,lazytime,ro';

  it.skipIf(skipOracle)(
    'systemd-nspawn mounts the options the schema accepts, and fails the start on an unknown one',
    () => {
      const text = nspawnOf(
        `boot: false\ncommand: [/bin/sh, -c, 'grep " /run/x " /proc/self/mounts']\ntmpfs: ["${goodOptions}"]\n`,
      );
      const ok = runContainer(text);
      expect(ok.status).toBe(0);
      expect(ok.stdout.toString()).toBe(
        'tmpfs /run/x tmpfs ro,lazytime,nosuid,nodev,noexec,nodiratime,size=10240k,nr_inodes=1024,mode=700,inode64 0 0\n',
      );
      const ignored = runContainer('[Files]\nTemporaryFileSystem=/run/x:noatime\n', [
        '/bin/sh',
        '-c',
        'grep " /run/x " /proc/self/mounts',
      ]);
      expect(ignored.stdout.toString()).toBe('tmpfs /run/x tmpfs rw,nodev 0 0\n');
      const bad = runContainer('[Files]\nTemporaryFileSystem=/run/x:bogus\n', ['/bin/true']);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/Failed to mount tmpfs .*Invalid argument/);
    },
  );

  it.each(['root', 'nobody', 'a.b', '1000', '-x', 'x$', 'a'.repeat(32)])(
    'refuses bind_users %j at its line',
    (user) => {
      const d = refusal(
        `security: { private_users: pick }\nnetwork: { mode: veth }\nbind_users:\n  - "${user}"\n`,
        ['bind_users', 0],
        4,
      );
      expect(d.hint).toMatch(/Remove "root"|Remove "nobody"|user name as \/etc\/passwd/);
    },
  );

  it.skipIf(skipOracle)('systemd-nspawn ignores invalid user names and refuses to start with root or nobody', () => {
    const complaints = nspawnSays(
      '[Files]\nBindUser=a.b\nBindUser=1000\nBindUser=x$\nBindUser=' + 'a'.repeat(32) + '\n',
    );
    expect(complaints.filter((l) => l.includes('not valid, ignoring'))).toHaveLength(4);
    const base = '[Exec]\nPrivateUsers=pick\n[Files]\nPrivateUsersOwnership=off\n';
    expect(runContainer(`${base}BindUser=root\n`, ['/bin/true']).stderr).toContain("Mapping 'root' user not supported");
    expect(runContainer(`${base}BindUser=nobody\n`, ['/bin/true']).stderr).toContain(
      "Mapping 'nobody' user not supported",
    );
  });
});

describe('one host port, one container', () => {
  const files = {
    'containers/a.yaml': 'network:\n  mode: veth\n  ports: ["tcp:8080:80", "udp:53"]\n',
    'containers/b.yaml': 'network:\n  mode: veth\n  ports:\n    - 9000\n    - "8080:8000"\n    - "tcp:53"\n',
  };

  it('refuses the second forward of a host port at its line, naming the first, and fails only that container', () => {
    const b = buildFrom(files);
    expect(b.diagnostics).toEqual([
      expect.objectContaining({
        code: 'port-clash',
        container: 'b',
        file: '/etc/machinist/containers/b.yaml',
        path: ['network', 'ports', 1],
        pos: expect.objectContaining({ line: 5 }),
        message: 'host port tcp:8080 is already forwarded by container "a" (/etc/machinist/containers/a.yaml:3)',
      }),
    ]);
    expect(b.outputs.map((o) => o.rel)).toContain('a.nspawn');
    expect(b.outputs.map((o) => o.rel)).not.toContain('b.nspawn');
  });

  it('finds a forward repeated within one container, and one inherited from a profile', () => {
    const d = errorsOf('network: { mode: veth, ports: [80, "tcp:80:8080"] }\n');
    expect(d.map((x) => [x.code, x.path])).toEqual([['port-clash', ['network', 'ports', 1]]]);
    const b = buildFrom({
      'profiles/p.yaml': 'network:\n  ports: [443]\n',
      'containers/c.yaml': 'profiles: [p]\nnetwork: { mode: veth }\n',
      'containers/d.yaml': 'profiles: [p]\nnetwork: { mode: veth }\n',
    });
    expect(b.diagnostics.map((x) => [x.code, x.container, x.file])).toEqual([
      ['port-clash', 'd', '/etc/machinist/profiles/p.yaml'],
    ]);
  });
});

describe('warnings for settings that break the guest without a word', () => {
  it('dropping CAP_NET_RAW or CAP_NET_ADMIN with a private network (booted guest)', () => {
    const w = warningsOf(
      'network: { mode: veth }\nsecurity:\n  capabilities:\n    drop: [CAP_SYS_PTRACE, CAP_NET_RAW]\n',
    );
    expect(w).toEqual([
      expect.objectContaining({
        code: 'breaks-guest',
        path: ['security', 'capabilities', 'drop', 1],
        pos: expect.objectContaining({ line: 4 }),
      }),
    ]);
    expect(w[0]!.hint).toMatch(/Keep CAP_NET_RAW/);
    expect(
      warningsOf('network: { mode: bridge, bridge: br0 }\nsecurity: { capabilities: { drop: [all] } }\n').map(
        (d) => d.code,
      ),
    ).toEqual(['breaks-guest']);
    expect(warningsOf('security: { capabilities: { drop: [CAP_NET_RAW] } }\n')).toEqual([]);
    expect(
      warningsOf(
        'boot: false\ncommand: [/bin/app]\nnetwork: { mode: veth }\nsecurity: { capabilities: { drop: [CAP_NET_RAW] } }\n',
      ),
    ).toEqual([]);
  });

  it('user namespaces with host networking', () => {
    const w = warningsOf('security:\n  private_users: pick\n');
    expect(w).toEqual([
      expect.objectContaining({
        code: 'breaks-guest',
        path: ['security', 'private_users'],
        pos: expect.objectContaining({ line: 2 }),
      }),
    ]);
    expect(w[0]!.message).toMatch(/below 1024/);
    expect(warningsOf('network: { mode: veth }\nsecurity: { private_users: pick }\n')).toEqual([]);
  });

  it('tmpfs /tmp stacked on the one nspawn mounts, unless it keeps mode 1777', () => {
    const w = warningsOf('tmpfs:\n  - /run/cache\n  - /tmp\n');
    expect(w).toEqual([
      expect.objectContaining({ code: 'breaks-guest', path: ['tmpfs', 1], pos: expect.objectContaining({ line: 3 }) }),
    ]);
    expect(w[0]!.hint).toContain('/tmp:mode=1777,size=1G');
    expect(warningsOf('tmpfs: ["/tmp:mode=0700"]\n').map((d) => d.code)).toEqual(['breaks-guest']);
    expect(warningsOf('tmpfs: ["/tmp:size=1G", "/tmp:mode=1777,size=1G"]\n')).toEqual([]);
  });

  it.skipIf(skipOracle)('as measured: root in a user namespace on the host network cannot bind port 81', () => {
    const probe = ['/usr/bin/python3', '-c', "import socket; socket.socket().bind(('127.0.0.1', 81)); print('bound')"];
    const own = '[Exec]\nPrivateUsers=pick\n[Files]\nPrivateUsersOwnership=off\n';
    const host = runContainer(`${own}[Network]\nPrivate=no\nVirtualEthernet=no\n`, probe);
    expect(host.stderr).toMatch(/PermissionError/);
    expect(runContainer(`${own}[Network]\nPrivate=yes\n`, probe).stdout.toString()).toBe('bound\n');
  });

  it.skipIf(skipOracle)('as measured: tmpfs /tmp without options leaves /tmp with mode 0755', () => {
    const text = nspawnOf('boot: false\ncommand: [/usr/bin/stat, -c, "%a", /tmp]\ntmpfs: [/tmp]\n');
    const r = runContainer(text);
    expect(r.stdout.toString()).toBe('755\n');
    expect(runContainer('', ['/usr/bin/stat', '-c', '%a', '/tmp']).stdout.toString()).toBe('1777\n');
  });
});
