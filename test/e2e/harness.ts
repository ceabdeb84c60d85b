/**
 * machinist end-to-end harness: a real, booted systemd to install machinist's output into.
 *
 * bootHost() lays a throw-away overlay over `/` (lower = the running system, upper/work on a private tmpfs),
 * boots it with `systemd-nspawn --boot` and hands back a Host whose `root` is the merged directory: files written
 * there are what the booted systemd sees (so `machinist compile --root host.root` installs straight into it), and
 * `run()` executes commands inside it through `nsenter`. Nested containers (machine@NAME.service) run inside that
 * host, so nothing touches the machine the tests run on.
 *
 * Cleanup is not optional: every wait is bounded, teardown() is idempotent, SIGINT/SIGTERM and process exit tear
 * live hosts down, and a small watcher process started next to systemd-nspawn cleans up if this process is killed
 * outright. Only processes this module started are ever signalled, always by PID.
 *
 * A host booted with `persistent: true` can reboot (`host.reboot()`) and keep what a machine keeps across a reboot:
 * its root's upper layer is on an ext4 file system in a file of the temp dir (disk, not RAM), its network namespace
 * is a file the harness holds (servers started in it, like the LAN a machine comes back to, are still there), and
 * its machine ID stays the same. Only what lived in the host's RAM (/run, its mounts, its processes) is gone.
 *
 * Node built-ins only. Needs root, systemd-nspawn (systemd-container), nsenter and unshare (util-linux), and for
 * persistent hosts mkfs.ext4 (e2fsprogs) and loop devices.
 * Environment: MACHINIST_E2E_TMP (parent of the temp dir, default /var/tmp), MACHINIST_E2E_DEBUG=1 (print the
 * host's console on teardown).
 *
 * Limits of this nesting, measured on the Debian 12 VM: the VM runs a hybrid cgroup layout, so inside the booted
 * host the v1 controller hierarchies are read-only and the unified one has no controllers. Resource settings
 * (MemoryMax=, CPUQuota=, TasksMax=, slices) can be checked as unit properties, not as kernel-enforced limits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import path from 'node:path';

export interface RunOptions {
  /** Kill the command (its whole process group) after this long. Default 30 s. */
  timeoutMs?: number;
  /** Return a non-zero exit code instead of throwing. */
  allowFail?: boolean;
  /** Bytes for the command's stdin. */
  input?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Host {
  /** The merged overlay directory: install files here, the booted systemd sees them as `/`. */
  readonly root: string;
  /** PID (in our PID namespace) of the booted host's systemd, i.e. the container leader. */
  readonly leader: number;
  /** PID of the systemd-nspawn process that runs the host. */
  readonly nspawnPid: number;
  /** Machine name given to the outer systemd-nspawn (also the booted host's hostname). */
  readonly name: string;
  /** Run argv inside the booted host (`nsenter -t LEADER -a -- argv…`). Throws on non-zero unless allowFail. */
  run(argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** `run(['sh', '-c', script])`. */
  sh(script: string, opts?: RunOptions): Promise<RunResult>;
  /** Run argv inside a container of the booted host (nsenter into the leader of machine NAME). */
  inMachine(machine: string, argv: string[], opts?: RunOptions): Promise<RunResult>;
  /** Leader PID of machine NAME as the booted host sees it (`machinectl show NAME -p Leader`). */
  machineLeader(machine: string): Promise<number>;
  /** Poll check() until it returns true; throw after timeoutMs naming desc and the last error. */
  waitFor(desc: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void>;
  /** The booted host's journal for one unit (short-precise, no pager). */
  journal(unit: string, opts?: { lines?: number }): Promise<string>;
  /** Write a file below root (creating directories); relPath may start with '/'. */
  writeFile(relPath: string, content: string, mode?: number): void;
  /** Create a symlink below root pointing at target (target is not resolved against root). */
  symlink(target: string, relPath: string): void;
  /** Console output of the booted host so far (systemd-nspawn's stdout/stderr), every boot. */
  bootLog(): string;
  /**
   * `systemctl reboot` inside the host (persistent hosts only): waits for systemd-nspawn to exit 133, starts it
   * again on the same root, disk and network namespace, and waits for `is-system-running` as bootHost() does.
   * Bounded by timeoutMs (default 90 s); resolves to the milliseconds it took. leader and nspawnPid change.
   */
  reboot(timeoutMs?: number): Promise<number>;
  /** Power the host off (or kill it), unmount everything, remove temp dirs. Idempotent, bounded. */
  teardown(): Promise<void>;
}

export interface BootOptions {
  /** Bound for the whole boot: mount, spawn, leader, `is-system-running`. Default 30 s. */
  timeoutMs?: number;
  /** Runs after the overlay is mounted and before systemd starts: install files that must exist at boot. */
  setup?: (root: string) => void | Promise<void>;
  /** Give the booted host its own network namespace (only `lo`). Default true, so services that the image
   * enables cannot bind ports on the machine running the tests. */
  privateNetwork?: boolean;
  /** More arguments for the outer systemd-nspawn (e.g. `--bind-ro=/:/run/lower:norbind`). */
  nspawnArgs?: string[];
  /** Parent of the temp dir. Default $MACHINIST_E2E_TMP or /var/tmp. */
  tmpParent?: string;
  /** A host that can reboot (Host.reboot()) keeping its disk, network namespace and machine ID (see the top of
   * this file). Its network namespace is private (only `lo`): privateNetwork is ignored. Default false. */
  persistent?: boolean;
  /** Paths inside a persistent host that get an empty directory of their own on its disk, bound there at every
   * boot: for what needs a real file system (an overlay's upper layer cannot be on the host's overlayfs root). */
  diskDirs?: string[];
}

const PREFIX = 'machinist-e2e-';
const CLEAN_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  SYSTEMD_PAGER: '',
  SYSTEMD_COLORS: '0',
  SYSTEMD_LOG_COLOR: '0',
  TERM: 'dumb',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// small process / mount helpers

/** Start time of a PID (field 22 of /proc/PID/stat) or undefined if it is gone. Guards against PID reuse. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // fields[0] is field 3 (state)
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function nsOf(pid: number | 'self', ns: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}

/** Decode the octal escapes findmnt/mountinfo use for spaces etc. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function isMountPoint(dir: string): boolean {
  const abs = path.resolve(dir);
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => {
    const mp = line.split(' ')[4];
    return mp !== undefined && unescapeMount(mp) === abs;
  });
}

function runSync(cmd: string, args: string[], timeoutMs = 10_000): { code: number; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: CLEAN_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status ?? 128, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** umount, retrying for a while if busy, then lazily. Returns true when dir is no longer a mount point. */
async function unmount(dir: string, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isMountPoint(dir)) {
    const r = runSync('umount', [dir]);
    if (r.code === 0) continue; // stacked mounts: loop until none is left
    if (Date.now() > deadline) {
      log(`umount ${dir} failed (${r.out}); detaching lazily`);
      runSync('umount', ['-l', dir]);
      break;
    }
    await sleep(200);
  }
  return !isMountPoint(dir);
}

function unmountSync(dir: string): void {
  for (let i = 0; i < 5 && isMountPoint(dir); i++) {
    if (runSync('umount', [dir], 5_000).code !== 0) runSync('umount', ['-l', dir], 5_000);
  }
}

/** Remove base only when nothing below it is mounted any more: never recurse into a live overlay. */
function removeBase(base: string): void {
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  const busy = info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((mp): mp is string => mp !== undefined)
    .map(unescapeMount)
    .some((mp) => mp === base || mp.startsWith(`${base}/`));
  if (busy) {
    log(`NOT removing ${base}: something below it is still mounted`);
    return;
  }
  rmSync(base, { recursive: true, force: true });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(t);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** The watcher: a detached sh that cleans up if the owning process dies without teardown (e.g. SIGKILL). */
const WATCHER = `
owner=$1 nspawn=$2 name=$3 merged=$4 tmp=$5 base=$6
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
if [ -r /proc/$nspawn/cmdline ] && tr '\\0' ' ' </proc/$nspawn/cmdline | grep -q -- "$name"; then
  kill -TERM "$nspawn" 2>/dev/null
  i=0; while [ -d /proc/$nspawn ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
  kill -KILL "$nspawn" 2>/dev/null; sleep 1
fi
umount "$merged" 2>/dev/null || umount -l "$merged" 2>/dev/null
umount "$tmp" 2>/dev/null || umount -l "$tmp" 2>/dev/null
umount "$base/netns" 2>/dev/null
if ! grep -q " $base/" /proc/self/mountinfo; then rm -rf "$base"; fi
rmdir "/run/systemd/nspawn/propagate/$name" 2>/dev/null
exit 0
`;

// ---------------------------------------------------------------------------------------------------------------
// process-wide safety net

const live = new Set<HostImpl>();
let hooksInstalled = false;

function installProcessHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(sig, () => {
      if (live.size) log(`${sig}: tearing down ${live.size} host(s)`);
      void Promise.allSettled([...live].map((h) => h.teardown())).then(() => {
        // Die of the signal itself: this listener is gone now, so the default action applies. process.exit()
        // alone is not enough in a vitest worker, which intercepts it and would linger, orphaned, after Ctrl-C.
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        setTimeout(() => process.exit(code), 1_000).unref();
      });
    });
  }
  // Last resort, synchronous: uncaught exceptions that end the process, process.exit() from anywhere.
  process.on('exit', () => {
    for (const h of live) h.teardownSync();
  });
}

/** Hosts left behind by an earlier run whose owner process is gone (the watcher normally prevents this). */
function sweepStale(parent: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent).filter((e) => e.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const e of entries) {
    const base = path.join(parent, e);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(base, 'owner'), 'utf8').trim());
    } catch {
      /* no owner file: not ours to judge */
      continue;
    }
    if (Number.isInteger(owner) && existsSync(`/proc/${owner}`)) continue;
    log(`removing stale ${base} (owner ${owner} is gone)`);
    unmountSync(path.join(base, 'merged'));
    unmountSync(path.join(base, 'tmp'));
    unmountSync(path.join(base, 'netns'));
    removeBase(base);
  }
}

// ---------------------------------------------------------------------------------------------------------------

class HostImpl implements Host {
  leader = 0;
  nspawnPid = 0;
  private leaderStart: string | undefined;
  private child: ChildProcess | undefined;
  private watcher: ChildProcess | undefined;
  private tearingDown: Promise<void> | undefined;
  /** systemd-nspawn's arguments, kept for the next boot after a reboot. */
  private nspawnArgs: string[] = [];
  readonly merged: string;
  readonly tmp: string;
  readonly logPath: string;
  /** A persistent host's network namespace: a bind mount of the namespace, made by `unshare --net=FILE`. */
  readonly netnsPath: string;

  constructor(
    readonly base: string,
    readonly name: string,
    readonly persistent: boolean,
  ) {
    this.merged = path.join(base, 'merged');
    this.tmp = path.join(base, 'tmp');
    this.logPath = path.join(base, 'boot.log');
    this.netnsPath = path.join(base, 'netns');
  }

  get root(): string {
    return this.merged;
  }

  async mount(): Promise<void> {
    mkdirSync(this.merged);
    mkdirSync(this.tmp);
    // upper/work live on a file system of their own: not inside the lower layer (`/`), so overlayfs sees no
    // overlapping layers, and unmounting it frees everything at once. A private tmpfs, or for a host that reboots
    // a disk: ext4 in a sparse file next to it (loop-mounted; the loop device goes with the unmount).
    if (this.persistent) this.mountDisk();
    else {
      const t = runSync('mount', ['-t', 'tmpfs', '-o', 'mode=0700,size=4g', `${PREFIX}tmp`, this.tmp]);
      if (t.code !== 0) throw new Error(`mount tmpfs ${this.tmp}: ${t.out}`);
    }
    mkdirSync(path.join(this.tmp, 'upper'));
    mkdirSync(path.join(this.tmp, 'work'));
    const r = runSync('mount', [
      '-t',
      'overlay',
      `${PREFIX}overlay`,
      '-o',
      `lowerdir=/,upperdir=${this.tmp}/upper,workdir=${this.tmp}/work`,
      this.merged,
    ]);
    if (r.code !== 0) throw new Error(`mount overlay ${this.merged}: ${r.out}`);
    if (this.persistent) this.makeNetns();
    // A fresh identity: an empty machine-id makes systemd generate a transient one (and is not "first boot").
    rmSync(path.join(this.merged, 'etc/machine-id'), { force: true });
    writeFileSync(path.join(this.merged, 'etc/machine-id'), '');
  }

  private mountDisk(): void {
    const disk = path.join(this.base, 'disk.img');
    writeFileSync(disk, '');
    truncateSync(disk, 8 * 1024 ** 3);
    let r = runSync('mkfs.ext4', ['-q', '-F', '-m', '0', '-L', 'machinist-e2e', disk], 60_000);
    if (r.code !== 0) throw new Error(`mkfs.ext4 ${disk}: ${r.out}`);
    r = runSync('mount', ['-o', 'loop', disk, this.tmp]);
    if (r.code !== 0) throw new Error(`mount -o loop ${disk} ${this.tmp}: ${r.out}`);
  }

  /** A network namespace that outlives each boot: `unshare --net=FILE` binds it to FILE (lo up inside). */
  private makeNetns(): void {
    writeFileSync(this.netnsPath, '');
    const r = runSync('unshare', [`--net=${this.netnsPath}`, 'ip', 'link', 'set', 'lo', 'up']);
    if (r.code !== 0) throw new Error(`unshare --net=${this.netnsPath}: ${r.out}`);
  }

  /** systemd-nspawn's arguments for this host (the same at every boot). */
  nspawnArgsFor(opts: BootOptions): string[] {
    const args = ['-D', this.merged, `--machine=${this.name}`, '--register=no', '--keep-unit', '--boot', '--quiet'];
    if (this.persistent) {
      // The same machine ID at every boot: systemd derives the transient one from nspawn's --uuid.
      args.push(`--network-namespace-path=${this.netnsPath}`, `--uuid=${randomUUID()}`);
      args.push(...(opts.diskDirs ?? []).map((p) => `--bind=${this.diskDir(p)}:${p}`));
    } else if (opts.diskDirs?.length) throw new Error('diskDirs needs persistent: true');
    else if (opts.privateNetwork ?? true) args.push('--private-network');
    return [...args, ...(opts.nspawnArgs ?? [])];
  }

  /** A new directory on the disk for the host's path p (beside upper/ and work/, so gone with the disk). */
  private diskDir(p: string): string {
    const dir = path.join(this.tmp, 'dirs', p.replace(/^\/+/, '').replaceAll('/', '_'));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  spawnNspawn(args: string[]): void {
    this.nspawnArgs = args;
    const fd = openSync(this.logPath, 'a');
    try {
      // detached: own session, so a Ctrl-C on the terminal reaches us (and our teardown), not nspawn directly.
      this.child = spawn('systemd-nspawn', args, { stdio: ['ignore', fd, fd], detached: true, env: CLEAN_ENV });
    } finally {
      closeSync(fd);
    }
    if (this.child.pid === undefined) throw new Error('systemd-nspawn did not start');
    this.nspawnPid = this.child.pid;
    this.child.on('error', (e) => log(`systemd-nspawn: ${e.message}`));
    this.watcher = spawn(
      'sh',
      [
        '-c',
        WATCHER,
        'machinist-e2e-watcher',
        String(process.pid),
        String(this.nspawnPid),
        this.name,
        this.merged,
        this.tmp,
        this.base,
      ],
      { stdio: 'ignore', detached: true, env: CLEAN_ENV },
    );
    this.watcher.unref();
  }

  /** Wait (until deadline) for the leader, then for `is-system-running` = running or degraded; returns it. */
  async awaitBoot(deadline: number): Promise<string> {
    const left = () => Math.max(0, deadline - Date.now());
    await waitFor(
      'the booted host leader (systemd-nspawn child in a new PID namespace)',
      async () => {
        if (this.nspawnExited()) throw new Error('systemd-nspawn exited');
        const pid = this.findLeader();
        if (pid !== undefined) this.leader = pid;
        return pid !== undefined;
      },
      Math.min(10_000, left()),
    );
    let state = '';
    await waitFor(
      'systemctl is-system-running: running or degraded',
      async () => {
        if (this.nspawnExited()) throw new Error('systemd-nspawn exited');
        const r = await this.run(['systemctl', 'is-system-running'], { allowFail: true, timeoutMs: 5_000 });
        state = r.stdout.trim();
        if (state === 'maintenance' || state === 'stopping') throw new Error(`system is ${state}`);
        return state === 'running' || state === 'degraded';
      },
      left(),
    );
    if (state === 'degraded') {
      const failed = await this.run(['systemctl', '--failed', '--no-legend', '--plain'], { allowFail: true });
      log(`${this.name}: booted host is degraded; failed units:\n${failed.stdout}`);
    }
    return state;
  }

  async reboot(timeoutMs = 90_000): Promise<number> {
    if (!this.persistent) throw new Error(`host ${this.name}: reboot() needs bootHost({ persistent: true })`);
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    const child = this.child;
    await this.run(['systemctl', 'reboot', '--no-block']);
    this.leader = 0; // run() refuses until the next boot has a leader
    // The booted systemd reboots the way a container can: systemd-nspawn exits 133 and its caller starts it again.
    if (!child || !(await waitExit(child, Math.max(0, deadline - Date.now())))) {
      throw new Error(`host ${this.name}: systemd-nspawn ${this.nspawnPid} did not exit after systemctl reboot`);
    }
    if (child.exitCode !== 133) {
      throw new Error(`host ${this.name}: systemd-nspawn ended with ${child.exitCode ?? child.signalCode}, not 133`);
    }
    this.stopWatcher();
    if (this.tearingDown) throw new Error(`host ${this.name} is being torn down`);
    this.spawnNspawn(this.nspawnArgs);
    const state = await this.awaitBoot(deadline);
    log(`${this.name}: rebooted (${state}) in ${Date.now() - t0} ms, leader ${this.leader}`);
    return Date.now() - t0;
  }

  nspawnExited(): boolean {
    return !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The leader is nspawn's child that lives in another PID namespace. */
  findLeader(): number | undefined {
    const ours = nsOf('self', 'pid');
    let candidates: number[];
    try {
      candidates = readFileSync(`/proc/${this.nspawnPid}/task/${this.nspawnPid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      candidates = readdirSync('/proc')
        .filter((e) => /^\d+$/.test(e))
        .map(Number)
        .filter((p) => parentPid(p) === this.nspawnPid);
    }
    for (const pid of candidates) {
      const ns = nsOf(pid, 'pid');
      if (ns !== undefined && ns !== ours) {
        this.leaderStart = startTime(pid);
        return pid;
      }
    }
    return undefined;
  }

  bootLog(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    if (!this.leader || this.tearingDown) return Promise.reject(new Error(`host ${this.name} is not running`));
    return exec('nsenter', ['-t', String(this.leader), '-a', '--', ...argv], opts);
  }

  sh(script: string, opts?: RunOptions): Promise<RunResult> {
    return this.run(['sh', '-c', script], opts);
  }

  async machineLeader(machine: string): Promise<number> {
    const r = await this.run(['machinectl', 'show', machine, '-p', 'Leader', '--value']);
    const pid = Number(r.stdout.trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no leader for machine ${machine}: ${r.stdout}`);
    return pid;
  }

  async inMachine(machine: string, argv: string[], opts?: RunOptions): Promise<RunResult> {
    const pid = await this.machineLeader(machine);
    return this.run(['nsenter', '-t', String(pid), '-a', '--', ...argv], opts);
  }

  waitFor(desc: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    return waitFor(desc, check, timeoutMs);
  }

  async journal(unit: string, opts: { lines?: number } = {}): Promise<string> {
    const args = ['journalctl', '--no-pager', '-o', 'short-precise', '-u', unit];
    if (opts.lines) args.push('-n', String(opts.lines));
    const r = await this.run(args, { allowFail: true });
    return r.stdout + r.stderr;
  }

  private resolve(relPath: string): string {
    const p = path.join(this.merged, relPath);
    if (p !== this.merged && !p.startsWith(`${this.merged}/`)) throw new Error(`${relPath} is outside the host root`);
    return p;
  }

  writeFile(relPath: string, content: string, mode = 0o644): void {
    const p = this.resolve(relPath);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content, { mode });
  }

  symlink(target: string, relPath: string): void {
    const p = this.resolve(relPath);
    mkdirSync(path.dirname(p), { recursive: true });
    rmSync(p, { force: true });
    symlinkSync(target, p);
  }

  teardown(): Promise<void> {
    this.tearingDown ??= this.doTeardown();
    return this.tearingDown;
  }

  private async doTeardown(): Promise<void> {
    const t0 = Date.now();
    if (this.child && !this.nspawnExited()) {
      // SIGTERM makes systemd-nspawn ask the booted systemd for an orderly poweroff (SIGRTMIN+3).
      process.kill(this.nspawnPid, 'SIGTERM');
      if (!(await waitExit(this.child, 20_000))) {
        log(`${this.name}: no orderly poweroff within 20 s, killing systemd-nspawn ${this.nspawnPid}`);
        this.killHard();
        if (!(await waitExit(this.child, 5_000))) log(`${this.name}: systemd-nspawn ${this.nspawnPid} still alive`);
      }
    }
    if (process.env.MACHINIST_E2E_DEBUG) log(`${this.name}: console tail:\n${this.bootLog().slice(-3000)}`);
    await unmount(this.merged);
    await unmount(this.tmp);
    if (this.persistent) await unmount(this.netnsPath);
    removeBase(this.base);
    try {
      rmdirSync(`/run/systemd/nspawn/propagate/${this.name}`);
    } catch {
      /* absent or not empty: systemd-nspawn normally removes it itself */
    }
    this.stopWatcher();
    live.delete(this);
    log(`${this.name}: torn down in ${Date.now() - t0} ms`);
  }

  /** For the 'exit' hook: no event loop left, so kill hard and detach lazily. */
  teardownSync(): void {
    if (this.child && !this.nspawnExited()) this.killHard();
    unmountSync(this.merged);
    unmountSync(this.tmp);
    if (this.persistent) unmountSync(this.netnsPath);
    removeBase(this.base);
    this.stopWatcher();
    live.delete(this);
  }

  private killHard(): void {
    try {
      process.kill(this.nspawnPid, 'SIGKILL');
    } catch {
      /* gone */
    }
    // The leader is our grandchild; killing it ends the whole PID namespace. Only if it is still that process.
    if (this.leader && this.leaderStart !== undefined && startTime(this.leader) === this.leaderStart) {
      try {
        process.kill(this.leader, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  private stopWatcher(): void {
    const w = this.watcher;
    if (w?.pid !== undefined && w.exitCode === null && w.signalCode === null) {
      try {
        process.kill(w.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** Members of process group pgid (in our PID namespace view), the leader excluded. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === pgid) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * End a command we started in its own process group. The members inside the booted host go first, so that
 * nsenter (the group leader, outside) reaps its child and exits by itself: killing nsenter first would orphan
 * its child to *our* namespace's init, which may not reap it, and the zombie then stalls the host's shutdown.
 */
function killGroup(leader: ChildProcess): void {
  const pgid = leader.pid;
  if (pgid === undefined || leader.exitCode !== null || leader.signalCode !== null) return;
  for (const pid of groupMembers(pgid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  setTimeout(() => {
    if (leader.exitCode !== null || leader.signalCode !== null) return; // exited: the normal case
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 2_000).unref();
}

/** Run a command on the machine running the tests, bounded; kills its whole process group on timeout. */
export function exec(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    // detached = own process group: nsenter forks to enter the PID namespace, and a timeout must end both.
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: CLEAN_ENV });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const rc = code ?? 128 + (signal ? osConstants.signals[signal] : 0);
      const what = `${[cmd, ...args].join(' ')}`;
      if (timedOut) {
        reject(new Error(`timed out after ${timeoutMs} ms: ${what}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else if (rc !== 0 && !opts.allowFail) {
        reject(new Error(`exit ${rc}: ${what}\nstdout: ${stdout}\nstderr: ${stderr}`));
      } else {
        resolve({ code: rc, stdout, stderr });
      }
    });
  });
}

/** Bounded polling: check() every 200 ms (errors count as "not yet") until true or timeoutMs. */
export async function waitFor(desc: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const why =
        last instanceof Error ? ` (last error: ${last.message})` : last ? ` (last error: ${String(last)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${desc}${why}`);
    }
    await sleep(200);
  }
}

export async function bootHost(opts: BootOptions = {}): Promise<Host> {
  if (process.getuid?.() !== 0) throw new Error('machinist e2e needs root (overlay mounts, systemd-nspawn)');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const parent = opts.tmpParent ?? process.env.MACHINIST_E2E_TMP ?? '/var/tmp';
  installProcessHooks();
  sweepStale(parent);

  const t0 = Date.now();
  const base = mkdtempSync(path.join(parent, PREFIX));
  writeFileSync(path.join(base, 'owner'), `${process.pid}\n`);
  const name = `${PREFIX}${randomBytes(4).toString('hex')}`;
  const host = new HostImpl(base, name, opts.persistent ?? false);
  live.add(host);
  try {
    await host.mount();
    if (opts.setup) await opts.setup(host.root);
    host.spawnNspawn(host.nspawnArgsFor(opts));

    const state = await host.awaitBoot(deadline);
    log(`${name}: booted (${state}) in ${Date.now() - t0} ms, leader ${host.leader}, root ${host.root}`);
    return host;
  } catch (e) {
    log(
      `${name}: boot failed: ${e instanceof Error ? e.message : String(e)}\n--- console ---\n${host.bootLog().slice(-8000)}`,
    );
    if (host.leader && !host.nspawnExited()) {
      const j = await host
        .run(['journalctl', '-b', '--no-pager', '-n', '80'], { allowFail: true, timeoutMs: 5_000 })
        .catch(() => undefined);
      if (j) log(`--- journal ---\n${j.stdout}`);
    }
    await host.teardown();
    throw e;
  }
}

/** What systemd and systemd-nspawn say when they skip or reject a setting (oracles.md §1, §2). */
export const CONFIG_COMPLAINT =
  /Unknown key|Unknown section|Failed to parse|ignoring|Invalid|is not valid|not trusted/i;

/**
 * Lines of a journal (or any log) that complain about a setting in one of our files: they match CONFIG_COMPLAINT
 * and name one of `files` (file names or suffixes such as '.nspawn', '50-machinist.conf').
 * Noise such as nested nspawn's `Failed to create symlink /sys/fs/cgroup/net_cls` names no file of ours.
 */
export function configWarnings(log: string, files: string[]): string[] {
  return log.split('\n').filter((l) => CONFIG_COMPLAINT.test(l) && files.some((f) => l.includes(f)));
}

/** What to print when a test on a host fails: the journal of these units, and the machines machined knows. */
export async function failureReport(host: Host, units: string[], lines: number): Promise<string> {
  const args = ['journalctl', '--no-pager', '-o', 'short-precise', '-n', String(lines)];
  for (const u of units) args.push('-u', u);
  const j = await host.run(args, { allowFail: true });
  const ms = await host.run(['machinectl', 'list', '--no-pager'], { allowFail: true });
  return `--- journal of the e2e host (${units.join(' ')}; last ${lines} lines) ---\n${j.stdout}${j.stderr}--- machinectl list ---\n${ms.stdout}`;
}

/** Mount points of this module's overlays/tmpfs that are still present (for after-the-fact checks). */
export function leftoverMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(PREFIX))
    .map((l) => unescapeMount(l.split(' ')[4] ?? ''));
}
