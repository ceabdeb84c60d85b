/**
 * `security.tier` on a real, booted systemd 252: a hardened and a strict guest boot to running with systemd as
 * PID 1; their capability bounding set lacks every capability the tier dropped and keeps every other one an
 * untiered guest has; NoNewPrivs is set; under strict one system call of each denied group is refused for a
 * process the guest's own systemd starts (nsenter alone is not under the container's filter); a reboot inside
 * comes back although CAP_SYS_BOOT is gone; an explicit capabilities.add keeps what the tier would drop.
 *
 * Runs only under vitest.e2e.config.ts (which sets MACHINIST_E2E=1); needs root and systemd-container.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// The pipeline runs from source here: hand it the modules it loads lazily, as vitest.config.ts does.
import '../helpers/esm-modules.js';
import { compile } from '../../src/index.js';
import { bootHost, configWarnings, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { REPO } from './install.js';
import { PREP_UNIT, WORLD_NSPAWN_ARGS, World } from './world.js';
import { capabilityNames } from '../../src/schema/capabilities.js';

const E2E = process.env.MACHINIST_E2E === '1';

/** Each guest boots this machine's Debian on an overlay root whose lower layer is ID-mapped to its range. */
const GUESTS: Record<string, { shift: number; yaml: string }> = {
  't-open': { shift: 0x40100000, yaml: 'security: { private_users: pick }\nnetwork: { mode: veth }\n' },
  't-hard': { shift: 0x40110000, yaml: 'security: { tier: hardened }\n' },
  't-strict': { shift: 0x40120000, yaml: 'security: { tier: strict }\n' },
  't-add': {
    shift: 0x40130000,
    yaml: 'security: { tier: strict, capabilities: { add: [CAP_SYS_PTRACE] } }\nnetwork: { mode: none }\n',
  },
};

/** Capability names in the kernel's order (bit N of CapBnd is capabilityNames[N]). */
const CAPS = capabilityNames;
const capsOf = (hex: string) => CAPS.filter((_, bit) => (BigInt(`0x${hex}`) >> BigInt(bit)) & 1n);

/**
 * One system call of each group strict denies, called with harmless arguments through perl's syscall() (x86-64
 * numbers); the probe prints errno. Unfiltered, ioperm(0, 0, 0) and modify_ldt(0, NULL, 0) succeed and
 * uselib(NULL) fails with EFAULT; refused, each fails with EPERM (1).
 */
const SYSCALL_PROBES: Record<string, string> = {
  '@cpu-emulation': 'modify_ldt 154',
  '@obsolete': 'uselib 134',
  '@raw-io': 'ioperm 173',
};
const perlProbe = (nr: number) => ['/usr/bin/perl', '-e', `syscall(${nr}, 0, 0, 0); print $! + 0`];
/** strace makes ptrace() calls: it fails with EPERM when ptrace (@debug) is denied. */
const PTRACE_PROBE = ['/usr/bin/strace', '-o', '/dev/null', '/bin/true'];

describe.skipIf(!E2E)('security tiers on a booted systemd', () => {
  let host: Host | undefined;
  let config = '';
  hostHooks(() => host, ['machine@t-*'], 80);

  const inGuest = (machine: string, argv: string[]) =>
    host!.inMachine(machine, ['systemd-run', '--wait', '--pipe', '--quiet', '-p', 'StandardInput=null', ...argv], {
      allowFail: true,
      timeoutMs: 30_000,
    });
  const status = async (machine: string) => (await host!.inMachine(machine, ['cat', '/proc/1/status'])).stdout;
  const field = (text: string, name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(text)?.[1] ?? '';
  const nspawnFile = (name: string) =>
    readFileSync(path.join(host!.root, 'etc/systemd/nspawn', `${name}.nspawn`), 'utf8');
  const dropped = (name: string) =>
    (/^DropCapability=(.*)$/m.exec(nspawnFile(name))?.[1] ?? '').split(' ').filter(Boolean);
  async function running(machine: string, timeoutMs = 60_000): Promise<void> {
    await host!.waitFor(
      `guest ${machine} running`,
      async () => {
        const r = await host!.inMachine(machine, ['systemctl', 'is-system-running'], {
          allowFail: true,
          timeoutMs: 5_000,
        });
        return r.stdout.trim() === 'running';
      },
      timeoutMs,
    );
  }

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'machinist-e2e-tiers-'));
    mkdirSync(path.join(config, 'containers'));
    const world = new World();
    // The GPU recipe (examples/gpu) on a host without the GPU: never started at boot, refused on start.
    writeFileSync(
      path.join(config, 'containers', 't-gpu.yaml'),
      'directory: /\nvolatile: yes\ndevices: [/dev/nvidia0, /dev/dri/renderD128]\n',
    );
    for (const [name, g] of Object.entries(GUESTS)) {
      writeFileSync(path.join(config, 'containers', `${name}.yaml`), `autostart: true\n${g.yaml}`);
      world.osRoot(`/var/lib/machines/${name}`, { shift: g.shift });
    }
    host = await bootHost({
      timeoutMs: 60_000,
      nspawnArgs: WORLD_NSPAWN_ARGS,
      setup: (root) => {
        world.install(root);
        cpSync(path.join(REPO, 'units/machine@.service'), path.join(root, 'usr/lib/systemd/system/machine@.service'));
        const r = compile({ configDir: config, shownDir: '/etc/machinist', root });
        if (!r.written) throw new Error(`compile wrote nothing: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      },
    });
    await host.waitFor(
      `${PREP_UNIT} done`,
      async () =>
        (await host!.run(['systemctl', 'is-active', PREP_UNIT], { allowFail: true })).stdout.trim() === 'active',
      60_000,
    );
    for (const name of Object.keys(GUESTS)) await running(name);
  }, 240_000);
  afterAll(() => {
    if (config) rmSync(config, { recursive: true, force: true });
  });

  test.each(['t-hard', 't-strict', 't-add'])(
    '%s boots to running with systemd as PID 1 and NoNewPrivs',
    async (name) => {
      expect((await host!.inMachine(name, ['cat', '/proc/1/comm'])).stdout.trim()).toBe('systemd');
      expect((await host!.inMachine(name, ['systemctl', 'is-system-running'], { allowFail: true })).stdout.trim()).toBe(
        'running',
      );
      const st = await status(name);
      expect(field(st, 'NoNewPrivs')).toBe('1');
      expect(field(st, 'Seccomp')).toBe('2');
      expect((await host!.inMachine(name, ['cat', '/proc/self/uid_map'])).stdout).toMatch(
        new RegExp(`^\\s*0\\s+${GUESTS[name]!.shift}\\s+65536`),
      );
    },
  );

  test.each(['t-hard', 't-strict', 't-add'])(
    '%s: CapBnd lacks every dropped capability and keeps the rest',
    async (name) => {
      const baseline = capsOf(field(await status('t-open'), 'CapBnd'));
      expect(baseline).toContain('CAP_SYS_ADMIN');
      const drops = dropped(name);
      expect(drops.length).toBeGreaterThan(0);
      const caps = capsOf(field(await status(name), 'CapBnd'));
      for (const cap of drops) expect(caps, cap).not.toContain(cap);
      for (const cap of baseline) if (!drops.includes(cap)) expect(caps, cap).toContain(cap);
      expect(caps).toContain('CAP_SYS_ADMIN');
    },
  );

  test('hardened drops its four, except CAP_NET_RAW which its own (veth) network keeps for DHCP', () => {
    expect(dropped('t-hard')).toEqual(['CAP_SYS_PTRACE', 'CAP_SYS_RAWIO', 'CAP_SYS_BOOT']);
  });

  test('an explicit capabilities.add keeps what the tier drops; without an own network the DHCP pair goes', async () => {
    const caps = capsOf(field(await status('t-add'), 'CapBnd'));
    expect(caps).toContain('CAP_SYS_PTRACE');
    expect(caps).not.toContain('CAP_NET_RAW');
    expect(caps).not.toContain('CAP_NET_ADMIN');
    expect(dropped('t-add')).toHaveLength(26);
  });

  test('strict refuses one system call of each denied group for a process of the guest', async () => {
    for (const [group, probe] of Object.entries(SYSCALL_PROBES)) {
      const nr = Number(probe.split(' ')[1]);
      const r = await inGuest('t-strict', perlProbe(nr));
      expect(`${group} ${probe}: errno ${r.stdout.trim()}`).toBe(`${group} ${probe}: errno 1`);
    }
    const r = await inGuest('t-strict', PTRACE_PROBE);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
    // The probe itself runs: the guest's systemd starts processes under the filter.
    expect((await inGuest('t-strict', ['/bin/echo', 'alive'])).stdout.trim()).toBe('alive');
  });

  test.each(['t-hard', 't-strict'])('a reboot inside %s comes back (CAP_SYS_BOOT dropped)', async (name) => {
    const unit = `machine@${name}.service`;
    const show = async () => (await host!.run(['systemctl', 'show', unit, '-p', 'NRestarts', '--value'])).stdout.trim();
    const before = Number(await show());
    const leader = await host!.machineLeader(name);
    await host!.inMachine(name, ['systemctl', 'reboot'], { allowFail: true });
    await host!.waitFor(`${name} restarted`, async () => Number(await show()) > before, 30_000);
    await host!.waitFor(
      `${name} has a new leader`,
      async () => {
        const now = await host!.run(['machinectl', 'show', name, '-p', 'Leader', '--value'], { allowFail: true });
        return now.code === 0 && Number(now.stdout.trim()) > 0 && Number(now.stdout.trim()) !== leader;
      },
      30_000,
    );
    await running(name);
    expect(field(await status(name), 'NoNewPrivs')).toBe('1');
  });

  test('a container whose GPU device nodes are missing fails to start, visibly', async () => {
    const start = await host!.run(['systemctl', 'start', 'machine@t-gpu.service'], {
      allowFail: true,
      timeoutMs: 30_000,
    });
    expect(start.code).not.toBe(0);
    expect(start.stderr).toMatch(/Assertion failed/);
    const show = await host!.run([
      'systemctl',
      'show',
      'machine@t-gpu.service',
      '-p',
      'AssertResult',
      '-p',
      'ActiveState',
    ]);
    expect(show.stdout).toMatch(/AssertResult=no/);
    const journal = await host!.journal('machine@t-gpu.service');
    expect(journal).toMatch(/Starting requested but asserts failed/);
  });

  test('systemd-nspawn did not complain about the files', async () => {
    for (const name of Object.keys(GUESTS)) {
      const journal = await host!.journal(`machine@${name}.service`);
      expect(configWarnings(journal, ['.nspawn', '50-machinist.conf'])).toEqual([]);
    }
  });
});
