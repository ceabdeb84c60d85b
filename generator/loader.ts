// The installed machinist-generator: a small loader that compiles the generator itself (generator/main.ts,
// bundled by scripts/build.mjs into machinist-generator.core.js) through vm.Script, so that V8 can use a code
// cache: the bytecode of every function a run needs, made once on this machine by `machinist-generator
// --write-code-cache FILE` (the Debian package does that after installing and whenever nodejs changes; `make
// install` does it too). With the cache, no JavaScript of the generator is parsed or compiled at boot.
//
// The bundle is a plain file: beside this loader in a build tree (dist/), and in /usr/lib/machinist/ (LIBDIR,
// ../../machinist from /usr/lib/systemd/system-generators) once installed, beside the code cache. Both are on
// /usr, which is mounted before generators run; never /var.
//
// The cache only ever makes the generator faster, never different:
//  - its first line names the build of the bundle (from the bundle's first line), the Node version and the
//    architecture; any mismatch and it is not even offered to V8 (V8 itself only checks the source length, its
//    own version and its flags);
//  - V8 rejects data it cannot use and compiles from source, exactly as without a cache;
//  - a missing or unreadable cache is the same as none.
// Default location: LIBDIR/machinist-generator.cache. MACHINIST_CODE_CACHE overrides it (tests, benchmark);
// MACHINIST_CODE_CACHE_DEBUG=1 reports on stderr whether it was used.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const CORE = 'machinist-generator.core.js';
const LIBDIR = join(dirname(__filename), '..', '..', 'machinist');
/** The bundle's first line, written by scripts/build.mjs: `// machinist-generator core BUILD_ID`. */
const CORE_MARK = /^\/\/ machinist-generator core ([0-9a-f]{16})\n/;

interface Core {
  path: string;
  text: string;
  buildId: string;
}

/**
 * The bundle: beside this file (a build tree) or else in LIBDIR (installed). ASCII, as the build checks, so
 * that UTF-8 gives the same text as any one-byte reading; and it is the fastest here (Node 20 reads and decodes
 * UTF-8 in one native call: 0.7-0.9 ms for the bundle, against 1.0-1.5 ms as latin1).
 */
function readCore(): Core {
  let last: unknown;
  for (const path of [join(dirname(__filename), CORE), join(LIBDIR, CORE)]) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      last = e;
      continue;
    }
    const mark = CORE_MARK.exec(text);
    if (!mark) throw new Error(`${path} is not a machinist-generator bundle`);
    return { path, text, buildId: mark[1]! };
  }
  throw last;
}

const WRITE = '--write-code-cache';
const header = (core: Core) =>
  `machinist-generator code cache ${core.buildId} node ${process.version} ${process.arch}\n`;
const cachePath = () => process.env['MACHINIST_CODE_CACHE'] || join(LIBDIR, 'machinist-generator.cache');

function readCache(path: string, core: Core): Buffer | undefined {
  try {
    const buf = readFileSync(path);
    const head = Buffer.from(header(core));
    return buf.length > head.length && buf.subarray(0, head.length).equals(head)
      ? buf.subarray(head.length)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Compile and run the bundle (which runs the generator at once), with cached bytecode when there is any. */
function runCore(core: Core, cachedData: Buffer | undefined): Script {
  const source = `(function (exports, require, module, __filename, __dirname) {${core.text}\n})`;
  const script = new Script(source, { filename: core.path, ...(cachedData ? { cachedData } : {}) });
  const fn = script.runInThisContext() as (e: object, r: NodeRequire, m: object, f: string, d: string) => void;
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, require, mod, core.path, dirname(core.path));
  return script;
}

/** A small, valid configuration that takes the generator through its usual paths, for warming. */
const SAMPLE: Record<string, string> = {
  'machinist.yaml': 'defaults:\n  restart: on-failure\n  security:\n    no_new_privileges: true\n',
  'profiles/base.yaml': 'environment:\n  TZ: UTC\ntmpfs: [/var/tmp]\nresolv_conf: copy-host\n',
  'profiles/hardened.yaml':
    'profiles: [base]\nsecurity:\n  private_users: pick\n  system_call_filter: ["~@debug"]\n  capabilities:\n    drop: [CAP_SYS_PTRACE]\n',
  'slices/apps.yaml': 'description: Apps\nresources:\n  cpu: { weight: 200 }\n  memory: { max: 8G }\n',
  'slices/apps-web.yaml': 'resources:\n  memory: { high: 2G }\n',
  'containers/web.yaml':
    'description: Web\nprofiles: [hardened]\nautostart: true\nhostname: web\nslice: apps-web\nafter: [db]\nnetwork:\n  mode: veth\n  ports: ["tcp:8080:80"]\nbinds:\n  - /srv/web:/srv/web:ro\n  - { source: /srv/certs, target: /etc/ssl/private, readonly: true }\nresources:\n  cpu: { weight: 100, quota: 150% }\n  memory: { high: 1G, max: 2G }\n  tasks_max: 4096\nenvironment: { APP_ENV: prod }\n',
  'containers/db.yaml':
    'description: DB\nprofiles: [base]\nautostart: true\ndirectory: /srv/roots/db\nslice: apps\ndevices: [/dev/fuse]\nresources:\n  io: { weight: 500 }\n',
  'containers/job.yaml': 'boot: false\ncommand: ["/usr/bin/sleep", "infinity"]\nimage: debian-12\n',
};

/**
 * --write-code-cache FILE: run the generator once on SAMPLE in a private temp directory (nothing on the
 * system is read or written but FILE), then save the bytecode it used, atomically.
 */
function writeCodeCache(core: Core, file: string | undefined): number {
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
    Object.assign(process.env, {
      MACHINIST_CONFIG_DIR: join(tmp, 'config'),
      MACHINIST_NSPAWN_DIR: join(tmp, 'nspawn'),
      MACHINIST_KMSG: '',
    });
    process.argv = [process.argv[0]!, process.argv[1]!, join(tmp, 'normal'), join(tmp, 'early'), join(tmp, 'late')];
    const data = runCore(core, undefined).createCachedData();
    if (process.exitCode !== 0) throw new Error('the generator failed on the sample configuration');
    mkdirSync(dirname(file), { recursive: true });
    const part = `${file}.${process.pid}.tmp`;
    writeFileSync(part, Buffer.concat([Buffer.from(header(core)), data]), { mode: 0o644 });
    renameSync(part, file);
    return 0;
  } catch (e) {
    process.stderr.write(`machinist-generator: cannot write the code cache ${file}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Run the generator (or make the code cache): 0 when done, or the exit status of a failure here. */
function main(): number | undefined {
  let core: Core;
  try {
    core = readCore();
  } catch (e) {
    process.stderr.write(`machinist-generator: cannot read its bundle ${CORE}: ${(e as Error).message}\n`);
    return 1;
  }
  if (process.argv[2] === WRITE) return writeCodeCache(core, process.argv[3]);
  const path = cachePath();
  const cached = readCache(path, core);
  const script = runCore(core, cached);
  if (process.env['MACHINIST_CODE_CACHE_DEBUG'] === '1') {
    const how = cached === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
    process.stderr.write(`machinist-generator: code cache ${how}: ${path}\n`);
  }
  return undefined;
}

const status = main();
if (status !== undefined) process.exitCode = status;
// Done: every line was written synchronously and nothing is left to wait for, so exit now rather than let node
// wind down its event loop first (a few milliseconds at every boot). The generator set the exit status.
process.exit();
