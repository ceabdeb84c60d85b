/**
 * SSH from inside a booted e2e host to a guest's sshd: a fresh ed25519 key pair per test (made in the host, on its
 * /run tmpfs, so it never touches this machine's disk), and the OpenSSH client with options for throw-away
 * guests (no known_hosts, no prompts, bounded connect).
 */
import type { Host, RunOptions, RunResult } from './harness.js';

export interface SshKey {
  /** Private key inside the host (0600). */
  readonly path: string;
  /** The `ssh-ed25519 AAAA… comment` line, without newline. */
  readonly publicKey: string;
}

export interface SshTarget {
  key: SshKey;
  port: number;
  /** Default root. */
  user?: string;
  /** Default 127.0.0.1 (a guest on the host's network). */
  address?: string;
}

/** A new key pair named `name` (also its comment) inside the host. */
export async function sshKeyPair(host: Host, name: string): Promise<SshKey> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`ssh key name ${name}: use [A-Za-z0-9._-]`);
  const dir = '/run/machinist-e2e/ssh';
  const file = `${dir}/${name}`;
  await host.run(['install', '-d', '-m', '0700', dir]);
  await host.run(['rm', '-f', file, `${file}.pub`]);
  await host.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  const pub = await host.run(['cat', `${file}.pub`]);
  return { path: file, publicKey: pub.stdout.trim() };
}

/** The ssh argv for `command` (one string, run by the remote user's shell) on target. */
export function sshArgv(t: SshTarget, command: string): string[] {
  return [
    'ssh',
    '-p',
    String(t.port),
    '-i',
    t.key.path,
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=5',
    `${t.user ?? 'root'}@${t.address ?? '127.0.0.1'}`,
    '--',
    command,
  ];
}

/** Run command over SSH from inside the host. Throws on non-zero (ssh's own failures are 255) unless allowFail. */
export function ssh(host: Host, t: SshTarget, command: string, opts?: RunOptions): Promise<RunResult> {
  return host.run(sshArgv(t, command), { timeoutMs: 20_000, ...opts });
}

/** Wait (bounded) until a login on target works, e.g. after the guest booted and sshd came up. */
export async function waitForSsh(host: Host, t: SshTarget, timeoutMs = 30_000): Promise<void> {
  let last = '';
  await host
    .waitFor(
      `ssh ${t.user ?? 'root'}@${t.address ?? '127.0.0.1'} -p ${t.port}`,
      async () => {
        const r = await ssh(host, t, 'true', { allowFail: true, timeoutMs: 10_000 });
        last = r.stderr.trim();
        if (r.code !== 0 && /Permission denied/.test(last)) throw new Error(last); // sshd is up: the key is wrong
        return r.code === 0;
      },
      timeoutMs,
    )
    .catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}${last ? `\nssh said: ${last}` : ''}`);
    });
}
