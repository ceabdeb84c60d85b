/**
 * A loopback HTTP server a test starts and stops (fixtures/http/serve.mjs): serves files, counts the requests per
 * path (for "downloaded once" checks), and can serve a file truncated, with one byte flipped, or cut off mid-way.
 *
 * The booted e2e host has its own network namespace (bootHost's `--private-network`: only `lo`), so a server on
 * this machine's 127.0.0.1 cannot be reached from it. `startHttp({ host })` therefore starts the server *in the
 * host's network namespace* (`nsenter -t LEADER -n`): it is reachable at http://127.0.0.1:PORT from the host and
 * from every nested guest on host networking, while it still runs here, reads this machine's files (the cached
 * image, no copy) and is a child of the test process. Without `host` it listens on this machine's loopback.
 *
 * Stopping is by PID (SIGTERM, then SIGKILL); the server also exits by itself when the test process is gone.
 * Stop it before the host's teardown: it holds the host's network namespace open otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Host } from './harness.js';
import { REPO } from './install.js';

const SERVER = path.join(REPO, 'test/e2e/fixtures/http/serve.mjs');

/** A file to serve, and how to damage it. */
export interface ServedFile {
  path: string;
  /** Serve only the first N bytes (Content-Length says N: a complete but short download). */
  truncate?: number;
  /** Flip the byte at this offset (same length, wrong checksum). */
  corruptAt?: number;
  /** Announce the full length, send N bytes, then close the connection (a download that breaks off). */
  dropAfter?: number;
}

export interface HttpOptions {
  /** Serve this directory under `/` (paths outside it are 404). */
  dir?: string;
  /** URL path (e.g. '/debian-12.tar') → file; wins over dir. */
  files?: Record<string, string | ServedFile>;
  /** Listen in this booted host's network namespace instead of this machine's. */
  host?: Host;
  /** Send an ETag (and answer If-None-Match with 304). Default true. */
  etag?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Set when the response ended. */
  status?: number;
  bytes?: number;
}

export interface HttpFixture {
  readonly port: number;
  readonly pid: number;
  /** http://127.0.0.1:PORT + urlPath. */
  url(urlPath: string): string;
  /** Every request so far, in arrival order (after a sync with the server, so none is still in flight). */
  requests(): Promise<RequestRecord[]>;
  /** How many GET requests reached urlPath so far. */
  gets(urlPath: string): Promise<number>;
  /** Kill the server (by PID) and wait for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHook = false;

function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of live) if (c.pid !== undefined) tryKill(c.pid, 'SIGKILL');
  });
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true;
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(exited(child)), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function serverArgv(opts: HttpOptions): string[] {
  const files = Object.fromEntries(
    Object.entries(opts.files ?? {}).map(([u, f]) => [u, typeof f === 'string' ? { path: f } : f]),
  );
  const config = JSON.stringify({ owner: process.pid, dir: opts.dir, files, etag: opts.etag ?? true });
  const node = [process.execPath, SERVER, config];
  // -n only: nsenter execs node in place (no fork), so the PID we hold is the server's.
  return opts.host ? ['nsenter', '-t', String(opts.host.leader), '-n', '--', ...node] : node;
}

/** Start the server; resolves once it listens (bounded: 10 s). */
export async function startHttp(opts: HttpOptions = {}): Promise<HttpFixture> {
  const [cmd, ...args] = serverArgv(opts) as [string, ...string[]];
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.pid === undefined) throw new Error('the HTTP fixture did not start');
  const pid = child.pid;
  killOnExit(child);
  child.stdin!.on('error', () => {}); // EPIPE after the server exited: sync() notices exited() instead
  const records: RequestRecord[] = [];
  const open = new Map<string, RequestRecord[]>();
  const waiters = new Map<number, () => void>();
  let onListening: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (onListening = resolve));

  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as {
      listening?: number;
      synced?: number;
      request?: RequestRecord;
      done?: Required<RequestRecord>;
    };
    if (msg.listening !== undefined) onListening(msg.listening);
    if (msg.synced !== undefined) waiters.get(msg.synced)?.();
    if (msg.request) {
      const rec = { ...msg.request };
      records.push(rec);
      const key = `${rec.method} ${rec.path}`;
      open.set(key, [...(open.get(key) ?? []), rec]);
    }
    if (msg.done) {
      const rec = open.get(`${msg.done.method} ${msg.done.path}`)?.shift();
      if (rec) Object.assign(rec, { status: msg.done.status, bytes: msg.done.bytes });
    }
  });

  const port = await Promise.race([
    listening,
    new Promise<never>((_, reject) =>
      child.once('exit', (c) => reject(new Error(`HTTP fixture exited (${c}) before listening`))),
    ),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('HTTP fixture: not listening after 10 s')), 10_000).unref(),
    ),
  ]).catch(async (e: unknown) => {
    tryKill(pid, 'SIGKILL');
    throw e;
  });

  let seq = 0;
  async function sync(): Promise<void> {
    if (exited(child)) return;
    const n = ++seq;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('HTTP fixture: no answer to sync within 5 s')), 5_000);
      waiters.set(n, () => {
        clearTimeout(t);
        waiters.delete(n);
        resolve();
      });
      child.stdin!.write(`sync ${n}\n`);
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    pid,
    url: (urlPath) => `http://127.0.0.1:${port}${urlPath.startsWith('/') ? '' : '/'}${urlPath}`,
    requests: async () => {
      await sync();
      return records.map((r) => ({ ...r }));
    },
    gets: async (urlPath) => {
      await sync();
      return records.filter((r) => r.method === 'GET' && r.path === urlPath).length;
    },
    stop: () =>
      (stopping ??= (async () => {
        tryKill(pid, 'SIGTERM');
        if (!(await waitExit(child, 3_000))) {
          tryKill(pid, 'SIGKILL');
          await waitExit(child, 3_000);
        }
      })()),
  };
}
