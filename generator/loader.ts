// The installed machinist-generator: a small loader around the generator bundle (generator/main.ts), which it
// carries in a comment at its end (the body of an empty function, put there by scripts/build.mjs) and compiles
// through vm.Script so that V8 can use a code cache: the bytecode of every function a run needs, made once on
// this machine by `machinist-generator --write-code-cache FILE` (the Debian package does that after installing
// and whenever nodejs changes; `make install` does it too). With the cache, no JavaScript is parsed or compiled
// at boot.
//
// The cache only ever makes the generator faster, never different:
//  - its first line names the build of the bundle, the Node version and the architecture; any mismatch and it
//    is not even offered to V8 (V8 itself only checks the source length, its own version and its flags);
//  - V8 rejects data it cannot use and compiles from source, exactly as without a cache;
//  - a missing or unreadable cache is the same as none.
// Default location: ../../machinist/machinist-generator.cache from this file, i.e. /usr/lib/machinist/ for
// /usr/lib/systemd/system-generators/machinist-generator (on /usr, which is mounted before generators run;
// never /var). MACHINIST_CODE_CACHE overrides it (tests, benchmark); MACHINIST_CODE_CACHE_DEBUG=1 reports on
// stderr whether it was used.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

declare const MACHINIST_BUILD_ID: string;
declare const MACHINIST_CORE_MARK: string;

/** Defined by scripts/build.mjs at the end of this file: an empty function whose body is a comment, the bundle. */
declare function machinistCore(): void;

/**
 * The bundle, from the comment in machinistCore ("*\0/" stands for "*\/" there: see scripts/build.mjs). Its
 * text comes from the function itself (Function.prototype.toString returns the function's own source, which V8
 * keeps), so the file is not read a second time: node has already read it to run it.
 */
function coreSource(): string {
  const self = String(machinistCore);
  const open = `/*${MACHINIST_CORE_MARK}${MACHINIST_BUILD_ID}\n`;
  const at = self.indexOf(open);
  const end = self.length - '*/}'.length;
  if (at < 0 || !self.endsWith('*/}')) throw new Error(`${__filename} does not carry its bundle`);
  return self.slice(at + open.length, end).replaceAll('*\0/', '*/');
}

const WRITE = '--write-code-cache';
const header = () => `machinist-generator code cache ${MACHINIST_BUILD_ID} node ${process.version} ${process.arch}\n`;
const cachePath = () => process.env['MACHINIST_CODE_CACHE'] || join(dirname(__filename), '..', '..', 'machinist', 'machinist-generator.cache');

function readCache(path: string): Buffer | undefined {
  try {
    const buf = readFileSync(path);
    const head = Buffer.from(header());
    return buf.length > head.length && buf.subarray(0, head.length).equals(head) ? buf.subarray(head.length) : undefined;
  } catch {
    return undefined;
  }
}

/** Compile and run the bundle (which runs the generator at once), with cached bytecode when there is any. */
function runCore(cachedData: Buffer | undefined): Script {
  const source = `(function (exports, require, module, __filename, __dirname) {${coreSource()}\n})`;
  const script = new Script(source, { filename: __filename, ...(cachedData ? { cachedData } : {}) });
  const fn = script.runInThisContext() as (e: object, r: NodeRequire, m: object, f: string, d: string) => void;
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, require, mod, __filename, __dirname);
  return script;
}

/** A small, valid configuration that takes the generator through its usual paths, for warming. */
const SAMPLE: Record<string, string> = {
  'machinist.yaml': 'defaults:\n  restart: on-failure\n  security:\n    no_new_privileges: true\n',
  'profiles/base.yaml': 'environment:\n  TZ: UTC\ntmpfs: [/tmp]\nresolv_conf: copy-host\n',
  'profiles/hardened.yaml': 'profiles: [base]\nsecurity:\n  private_users: pick\n  system_call_filter: ["~@debug"]\n  capabilities:\n    drop: [CAP_SYS_PTRACE]\n',
  'slices/apps.yaml': 'description: Apps\nresources:\n  cpu: { weight: 200 }\n  memory: { max: 8G }\n',
  'slices/apps-web.yaml': 'resources:\n  memory: { high: 2G }\n',
  'containers/web.yaml':
    'description: Web\nprofiles: [hardened]\nautostart: true\nhostname: web\nslice: apps-web\nafter: [db]\nnetwork:\n  mode: veth\n  ports: ["tcp:8080:80"]\nbinds:\n  - /srv/web:/srv/web:ro\n  - { source: /srv/certs, target: /etc/ssl/private, readonly: true }\nresources:\n  cpu: { weight: 100, quota: 150% }\n  memory: { high: 1G, max: 2G }\n  tasks_max: 4096\nenvironment: { APP_ENV: prod }\n',
  'containers/db.yaml': 'description: DB\nprofiles: [base]\nautostart: true\ndirectory: /srv/roots/db\nslice: apps\ndevices: [/dev/fuse]\nresources:\n  io: { weight: 500 }\n',
  'containers/job.yaml': 'boot: false\ncommand: ["/usr/bin/sleep", "infinity"]\nimage: debian-12\n',
};

/**
 * --write-code-cache FILE: run the generator once on SAMPLE in a private temp directory (nothing on the
 * system is read or written but FILE), then save the bytecode it used, atomically.
 */
function writeCodeCache(file: string | undefined): number {
  if (!file) {
    process.stderr.write(`usage: machinist-generator ${WRITE} FILE\n`);
    return 2;
  }
  // node:os only here: the generator's own runs do not load it.
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const tmp = mkdtempSync(join(tmpdir(), 'machinist-code-cache-'));
  try {
    for (const [rel, text] of Object.entries(SAMPLE)) {
      mkdirSync(dirname(join(tmp, 'config', rel)), { recursive: true });
      writeFileSync(join(tmp, 'config', rel), text);
    }
    for (const d of ['normal', 'early', 'late']) mkdirSync(join(tmp, d));
    Object.assign(process.env, { MACHINIST_CONFIG_DIR: join(tmp, 'config'), MACHINIST_NSPAWN_DIR: join(tmp, 'nspawn'), MACHINIST_KMSG: '' });
    process.argv = [process.argv[0]!, process.argv[1]!, join(tmp, 'normal'), join(tmp, 'early'), join(tmp, 'late')];
    const data = runCore(undefined).createCachedData();
    if (process.exitCode !== 0) throw new Error('the generator failed on the sample configuration');
    mkdirSync(dirname(file), { recursive: true });
    const part = `${file}.${process.pid}.tmp`;
    writeFileSync(part, Buffer.concat([Buffer.from(header()), data]), { mode: 0o644 });
    renameSync(part, file);
    return 0;
  } catch (e) {
    process.stderr.write(`machinist-generator: cannot write the code cache ${file}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === WRITE) {
  process.exitCode = writeCodeCache(process.argv[3]);
} else {
  const path = cachePath();
  const cached = readCache(path);
  const script = runCore(cached);
  if (process.env['MACHINIST_CODE_CACHE_DEBUG'] === '1') {
    process.stderr.write(`machinist-generator: code cache ${cached === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used'}: ${path}\n`);
  }
  // Done: every line was written synchronously and nothing is left to wait for, so exit now rather than let
  // node wind down its event loop first (a few milliseconds at every boot).
  process.exit();
}
