// Pods: members join the pod's network namespace through their unit; a pod's ports become a socket on the host
// and a proxy in the pod; a member of a missing or broken pod does not start in some other network.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';
import { isPortUnit, portUnitStem, socketPort } from '../../src/translate/pod.js';
import { buildFrom, outputText } from '../helpers/sources.js';

const linesOf = (text: string, key: string) => text.split('\n').filter((l) => l.startsWith(`${key}=`));
const rels = (b: ReturnType<typeof buildFrom>) => b.outputs.map((o) => o.rel);

describe('pods', () => {
  const b = buildFrom({
    'pods/front.yaml': 'description: Front\nports: [8443, "tcp:8080:80"]\n',
    'pods/empty.yaml': '',
    'containers/a.yaml': 'network: { mode: pod, pod: front }\n',
    'containers/b.yaml': 'network: { mode: pod, pod: front }\nsecurity: { tier: strict }\n',
  });

  it('a member joins the namespace by its unit and shares nothing of the host network in nspawn', () => {
    expect(b.diagnostics).toEqual([]);
    const dropin = outputText(b, 'machine@a.service.d/50-machinist.conf');
    expect(linesOf(dropin, 'BindsTo')).toEqual(['BindsTo=machinist-pod@front.service']);
    expect(linesOf(dropin, 'After')).toEqual(['After=machinist-pod@front.service']);
    expect(linesOf(dropin, 'NetworkNamespacePath')).toEqual(['NetworkNamespacePath=/run/netns/front']);
    const nspawn = outputText(b, 'a.nspawn');
    expect(linesOf(nspawn, 'Private')).toEqual(['Private=no']);
    expect(linesOf(nspawn, 'VirtualEthernet')).toEqual(['VirtualEthernet=no']);
  });

  it('a tier keeps the pod network and, as the guest configures nothing there, drops CAP_NET_ADMIN and CAP_NET_RAW', () => {
    const c = b.model.containers.find((x) => x.name === 'b')!;
    expect(c.settings.network?.mode).toBe('pod');
    expect(c.settings.security?.capabilities?.drop).toEqual(expect.arrayContaining(['CAP_NET_ADMIN', 'CAP_NET_RAW']));
  });

  it('each published port is a host socket and a proxy in the pod; the pod wants the sockets', () => {
    expect(rels(b)).toEqual(
      expect.arrayContaining([
        'machinist-pod@front.service.d/50-machinist.conf',
        'machinist-pod-front-tcp-8443.socket',
        'machinist-pod-front-tcp-8443.service',
        'machinist-pod-front-tcp-8080.socket',
        'machinist-pod-front-tcp-8080.service',
      ]),
    );
    expect(rels(b).filter((r) => r.includes('empty'))).toEqual([]);
    const pod = outputText(b, 'machinist-pod@front.service.d/50-machinist.conf');
    expect(linesOf(pod, 'Wants')).toEqual([
      'Wants=machinist-pod-front-tcp-8443.socket',
      'Wants=machinist-pod-front-tcp-8080.socket',
    ]);
    expect(linesOf(outputText(b, 'machinist-pod-front-tcp-8080.socket'), 'ListenStream')).toEqual([
      'ListenStream=8080',
    ]);
    expect(linesOf(outputText(b, 'machinist-pod-front-tcp-8080.socket'), 'PartOf')).toEqual([
      'PartOf=machinist-pod@front.service',
    ]);
    const proxy = outputText(b, 'machinist-pod-front-tcp-8080.service');
    expect(linesOf(proxy, 'NetworkNamespacePath')).toEqual(['NetworkNamespacePath=/run/netns/front']);
    expect(linesOf(proxy, 'ExecStart')).toEqual([
      'ExecStart=/usr/lib/systemd/systemd-socket-proxyd --exit-idle-time=30s 127.0.0.1:80',
    ]);
    expect(linesOf(outputText(b, 'machinist-pod-front-tcp-8443.service'), 'ExecStart')[0]).toMatch(
      / 127\.0\.0\.1:8443$/,
    );
  });

  it('refuses a member of a missing pod, a UDP pod port, and network.pod without mode pod', () => {
    const bad = buildFrom({
      'pods/udp.yaml': 'ports: ["udp:53"]\n',
      'containers/lost.yaml': 'network: { mode: pod, pod: fornt }\n',
      'containers/u.yaml': 'network: { mode: pod, pod: udp }\n',
      'containers/v.yaml': 'network: { mode: veth, pod: udp }\n',
      'containers/w.yaml': 'network: { mode: pod }\n',
    });
    const codes = bad.diagnostics.map((d) => `${d.code} ${d.container ?? d.file?.replace(/.*\//, '')}`).sort();
    expect(codes).toEqual([
      'conflicting-keys v',
      'invalid-value udp.yaml',
      'invalid-value w',
      'unknown-pod lost',
      'unknown-pod u',
    ]);
    expect(bad.model.containers).toEqual([]);
    expect(rels(bad).filter((r) => r.startsWith('machinist-pod'))).toEqual([]);
  });
});

describe('port clashes across containers and pods', () => {
  it("a pod's port that a container already forwards is an error at the pod's line; its members do not start", () => {
    const b = buildFrom({
      'pods/front.yaml': 'ports:\n  - tcp:8080:80\n  - tcp:9090:90\n',
      'containers/web.yaml': 'network: { mode: veth, ports: ["tcp:8080:80"] }\n',
      'containers/m.yaml': 'network: { mode: pod, pod: front }\n',
    });
    const clash = b.diagnostics.filter((d) => d.code === 'port-clash');
    expect(clash).toHaveLength(1);
    expect(clash[0]).toMatchObject({ file: '/etc/machinist/pods/front.yaml', pos: { line: 2 } });
    expect(clash[0]!.message).toMatch(/container "web"/);
    expect(b.model.containers.map((c) => c.name)).toEqual(['web']);
    expect(b.outputs.map((o) => o.rel).filter((r) => r.startsWith('machinist-pod'))).toEqual([]);
  });
});

describe('compile prunes what a pod no longer has', () => {
  it("a removed port's socket and proxy go, and a removed pod's drop-in; a file someone edited stays", () => {
    const cfg = mkdtempSync(join(tmpdir(), 'machinist-cfg-'));
    const root = mkdtempSync(join(tmpdir(), 'machinist-root-'));
    try {
      const put = (rel: string, text: string) => {
        mkdirSync(dirname(join(cfg, rel)), { recursive: true });
        writeFileSync(join(cfg, rel), text);
      };
      const unitDir = join(root, 'etc/systemd/system');
      const there = (rel: string) => existsSync(join(unitDir, rel));
      put('pods/front.yaml', 'ports: ["tcp:8080:80", "tcp:9090:90"]\n');
      put('containers/m.yaml', 'network: { mode: pod, pod: front }\n');
      expect(compile({ configDir: cfg, root }).diagnostics).toEqual([]);
      const port = (p: number) => [`machinist-pod-front-tcp-${p}.socket`, `machinist-pod-front-tcp-${p}.service`];
      expect([...port(8080), ...port(9090)].map(there)).toEqual([true, true, true, true]);
      put('pods/front.yaml', 'ports: ["tcp:8080:80"]\n');
      const r = compile({ configDir: cfg, root });
      expect(
        r.plan.actions
          .filter((a) => a.op === 'remove')
          .map((a) => a.rel)
          .sort(),
      ).toEqual(port(9090).sort());
      expect([...port(8080), ...port(9090)].map(there)).toEqual([true, true, false, false]);
      // A hand-edited port unit is the admin's now: never removed.
      writeFileSync(join(unitDir, port(8080)[0]!), '# Automatically generated by machinist\n# my edit\n');
      rmSync(join(cfg, 'pods/front.yaml'));
      put('containers/m.yaml', '');
      compile({ configDir: cfg, root });
      expect([there('machinist-pod@front.service.d/50-machinist.conf'), ...port(8080).map(there)]).toEqual([
        false,
        true,
        false,
      ]);
    } finally {
      rmSync(cfg, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("a port's unit names read back", () => {
  it('gives the port of a pod\'s own socket only, also for a pod whose name has "-tcp-" in it', () => {
    const unit = `${portUnitStem('a-tcp-5', 80)}.socket`;
    expect(socketPort('a-tcp-5', unit)).toBe(80);
    expect(socketPort('a', unit)).toBeUndefined();
    expect(socketPort('a-tcp-5', `${portUnitStem('a-tcp-5', 80)}.service`)).toBeUndefined();
    expect([unit, `${portUnitStem('x', 1)}.service`].map(isPortUnit)).toEqual([true, true]);
    expect(
      ['machinist-pod@x.service', 'machinist-pod-x-tcp-0.socket', 'machinist-pod-x-tcp-8.mount'].map(isPortUnit),
    ).toEqual([false, false, false]);
  });
});
