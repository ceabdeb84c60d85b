// Security tiers: defaults below the container's own settings, with their origin recorded for explain, and a
// reboot that comes back where CAP_SYS_BOOT is dropped.
import { describe, expect, it } from 'vitest';
import { explainRows } from '../../src/report/explain.js';
import { hardenedDrops, strictDenials, strictDrops } from '../../src/resolve/tier.js';
import { buildFrom, outputText } from '../helpers/sources.js';

const container = (b: ReturnType<typeof buildFrom>, name: string) => {
  const c = b.model.containers.find((x) => x.name === name);
  if (!c) throw new Error(`${name} not resolved: ${b.diagnostics.map((d) => d.message).join('; ')}`);
  return c;
};
const linesOf = (text: string, key: string) => text.split('\n').filter((l) => l.startsWith(`${key}=`));

describe('security.tier', () => {
  const b = buildFrom({
    'profiles/loose.yaml': 'security: { no_new_privileges: false }\n',
    'containers/h.yaml': 'security: { tier: hardened }\n',
    'containers/s.yaml': 'security: { tier: strict }\n',
    'containers/raw.yaml':
      'security: { tier: strict, capabilities: { add: [CAP_NET_RAW, CAP_SYS_BOOT] } }\nnetwork: { mode: none }\n',
    'containers/own.yaml':
      'profiles: [loose]\nsecurity: { tier: hardened, private_users: "no", capabilities: { drop: [CAP_MKNOD] } }\n',
    'containers/hostnet.yaml': 'security: { tier: hardened }\nnetwork: { mode: host }\n',
    'containers/app.yaml': 'security: { tier: hardened }\nboot: false\ncommand: [/bin/true]\n',
  });

  it('hardened: private_users pick, no_new_privileges, a veth network, its drops (DHCP capabilities kept)', () => {
    const s = container(b, 'h').settings;
    expect(s.security?.private_users).toBe('pick');
    expect(s.security?.no_new_privileges).toBe(true);
    expect(s.network?.mode).toBe('veth');
    expect(s.security?.capabilities?.drop).toEqual(['CAP_SYS_PTRACE', 'CAP_SYS_RAWIO', 'CAP_SYS_BOOT']);
    const nspawn = outputText(b, 'h.nspawn');
    expect(linesOf(nspawn, 'PrivateUsers')).toEqual(['PrivateUsers=pick']);
    expect(linesOf(nspawn, 'NoNewPrivileges')).toEqual(['NoNewPrivileges=yes']);
    expect(linesOf(nspawn, 'VirtualEthernet')).toEqual(['VirtualEthernet=yes']);
    expect(linesOf(nspawn, 'DropCapability')).toEqual(['DropCapability=CAP_SYS_PTRACE CAP_SYS_RAWIO CAP_SYS_BOOT']);
  });

  it('strict: all 27 drops except the DHCP pair on a veth network, and the four denied groups', () => {
    const s = container(b, 's').settings;
    expect(strictDrops).toHaveLength(27);
    expect(strictDrops).not.toContain('CAP_SYS_ADMIN');
    for (const cap of hardenedDrops) expect(strictDrops).toContain(cap);
    const want = strictDrops.filter((c) => c !== 'CAP_NET_ADMIN' && c !== 'CAP_NET_RAW');
    expect(s.security?.capabilities?.drop).toEqual(want);
    expect(s.security?.system_call_filter).toEqual([...strictDenials]);
    const filter = linesOf(outputText(b, 's.nspawn'), 'SystemCallFilter');
    expect(filter).toHaveLength(4);
    // Denied groups are written as system call names, which nspawn 252 enforces.
    for (const line of filter) expect(line).toMatch(/^SystemCallFilter=~[a-z_]/);
    expect(filter.join(' ')).toContain('ptrace');
  });

  it('an explicit capabilities.add keeps what the tier drops; without an own network the DHCP pair is dropped', () => {
    const drop = container(b, 'raw').settings.security?.capabilities?.drop ?? [];
    expect(drop).not.toContain('CAP_NET_RAW');
    expect(drop).not.toContain('CAP_SYS_BOOT');
    expect(drop).toContain('CAP_NET_ADMIN');
    expect(drop).toHaveLength(25);
    expect(linesOf(outputText(b, 'raw.nspawn'), 'Capability')).toEqual(['Capability=CAP_NET_RAW CAP_SYS_BOOT']);
  });

  it('explicit settings in the container and its profiles win over the tier', () => {
    const s = container(b, 'own').settings;
    expect(s.security?.private_users).toBe('no');
    expect(s.security?.no_new_privileges).toBe(false);
    expect(s.security?.capabilities?.drop).toEqual(['CAP_MKNOD', 'CAP_SYS_PTRACE', 'CAP_SYS_RAWIO', 'CAP_SYS_BOOT']);
  });

  it('an explicit host network is kept, with a warning at its line', () => {
    const s = container(b, 'hostnet').settings;
    expect(s.network?.mode).toBe('host');
    expect(s.security?.capabilities?.drop).toEqual([...hardenedDrops]);
    const w = b.diagnostics.filter((d) => d.code === 'tier-host-network');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ severity: 'warning', container: 'hostnet', pos: { line: 2 } });
    // The tier's private_users with the host's network also breaks low ports in the guest, which is said too.
    expect(b.diagnostics.filter((d) => d.code !== 'tier-host-network').map((d) => `${d.code} ${d.container}`)).toEqual([
      'breaks-guest hostnet',
    ]);
  });

  it('a booted guest without CAP_SYS_BOOT restarts after a clean exit (its reboot); an app container does not', () => {
    expect(linesOf(outputText(b, 'machine@h.service.d/50-machinist.conf'), 'RestartForceExitStatus')).toEqual([
      'RestartForceExitStatus=0',
    ]);
    expect(linesOf(outputText(b, 'machine@raw.service.d/50-machinist.conf'), 'RestartForceExitStatus')).toEqual([]);
    expect(linesOf(outputText(b, 'machine@app.service.d/50-machinist.conf'), 'RestartForceExitStatus')).toEqual([]);
  });

  it('explain names the tier for every value it supplied, and the file for the explicit ones', () => {
    const rows = new Map(explainRows(container(b, 'own')).map((r) => [r.path, r]));
    expect(rows.get('security.private_users')?.from).toBe('/etc/machinist/containers/own.yaml:2:44');
    expect(rows.get('security.no_new_privileges')?.from).toMatch(/^\/etc\/machinist\/profiles\/loose\.yaml:/);
    expect(rows.get('network.mode')?.from).toBe('tier hardened (/etc/machinist/containers/own.yaml:2:19)');
    expect(rows.get('security.capabilities.drop.0')?.from).toMatch(/^\/etc\/machinist\/containers\/own\.yaml:/);
    expect(rows.get('security.capabilities.drop.1')).toMatchObject({
      value: 'CAP_SYS_PTRACE',
      from: 'tier hardened (/etc/machinist/containers/own.yaml:2:19)',
    });
  });
});
