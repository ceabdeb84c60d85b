/**
 * `security.system_call_filter` deny entries take effect in the guest. systemd-nspawn 252 accepts
 * `SystemCallFilter=~@debug` but does not apply it (ptrace still works while CAP_SYS_PTRACE is kept); machinist
 * writes a denied group as its system calls, and this proves the result on a booted systemd: a process of the
 * guest, started by the guest's own systemd (nsenter alone would not be under the container's seccomp filter),
 * calls a denied system call and gets EPERM, while the same call works in a container without the filter.
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
import { guestHandle } from './guest.js';
import { hostHooks } from './hooks.js';
import { REPO } from './install.js';

const E2E = process.env.MACHINIST_E2E === '1';

/** Guests boot the host's own OS on a tmpfs root (/usr from the host), started at boot. */
const guest = (extra: string) => `directory: /\nvolatile: yes\nautostart: true\n${extra}`;
const CONTAINERS: Record<string, string> = {
  'sc-open': guest(''),
  'sc-debug': guest('security: { system_call_filter: ["~@debug"] }\n'),
  'sc-several': guest('security: { system_call_filter: ["~@obsolete", "~@debug", "~kcmp"] }\n'),
};

/** strace makes ptrace() calls (PTRACE_TRACEME, PTRACE_SEIZE): it fails with EPERM when ptrace is denied. */
const PTRACE_PROBE = ['/usr/bin/strace', '-o', '/dev/null', '/bin/true'];

describe.skipIf(!E2E)('system call deny lists on a booted systemd', () => {
  let host: Host | undefined;
  let config = '';
  hostHooks(() => host, ['machine@sc-*'], 80);

  /** Runs argv as a transient service of the guest's own systemd, so it is under the guest's seccomp filter. */
  const inGuest = (machine: string, argv: string[]) =>
    host!.inMachine(machine, ['systemd-run', '--wait', '--pipe', '--quiet', '-p', 'StandardInput=null', ...argv], {
      allowFail: true,
      timeoutMs: 30_000,
    });

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'machinist-e2e-seccomp-'));
    mkdirSync(path.join(config, 'containers'));
    for (const [name, yaml] of Object.entries(CONTAINERS)) {
      writeFileSync(path.join(config, 'containers', `${name}.yaml`), yaml);
    }
    host = await bootHost({
      timeoutMs: 45_000,
      setup: (root) => {
        cpSync(path.join(REPO, 'units/machine@.service'), path.join(root, 'usr/lib/systemd/system/machine@.service'));
        const r = compile({ configDir: config, shownDir: '/etc/machinist', root });
        if (!r.written) throw new Error(`compile wrote nothing: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      },
    });
    for (const name of Object.keys(CONTAINERS)) await guestHandle(host, name).waitRunning(60_000);
  });
  afterAll(() => {
    if (config) rmSync(config, { recursive: true, force: true });
  });

  test('the .nspawn file names the system calls of a denied group, not the group', () => {
    const text = readNspawn('sc-debug');
    expect(text).not.toMatch(/@debug/);
    expect(text).toMatch(/^SystemCallFilter=~(?:\S+ )*ptrace(?: \S+)*$/m);
  });

  test('without a filter, ptrace works in the guest (the probe can succeed)', async () => {
    const r = await inGuest('sc-open', PTRACE_PROBE);
    expect(r.stderr).not.toMatch(/Operation not permitted/);
    expect(r.code).toBe(0);
  });

  test.each(['sc-debug', 'sc-several'])('with "~@debug", ptrace fails with EPERM in the guest (%s)', async (name) => {
    const r = await inGuest(name, PTRACE_PROBE);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  test('the guest under a deny list still runs other programs', async () => {
    const r = await inGuest('sc-debug', ['/bin/echo', 'alive']);
    expect(r.stdout.trim()).toBe('alive');
  });

  test('systemd-nspawn did not complain about the files', async () => {
    for (const name of Object.keys(CONTAINERS)) {
      const journal = await host!.journal(`machine@${name}.service`);
      expect(configWarnings(journal, ['.nspawn', '50-machinist.conf'])).toEqual([]);
    }
  });

  function readNspawn(name: string): string {
    return readFileSync(path.join(host!.root, 'etc/systemd/nspawn', `${name}.nspawn`), 'utf8');
  }
});
