// The generator's own rules (systemd.generator(7) and issue #3), on the built bundle unless noted: arguments
// and exit status, a missing config, what it owns and prunes in the .nspawn directory, logging, the time limit
// and its emergency path, and warnings about admin files that override its output.
import { existsSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeConfig as writeBenchConfig } from '../../bench/config.mjs';
import { resolve } from 'node:path';
import { createLogger } from '../../src/generator/log.js';
import { compile } from '../../src/index.js';
import { generate } from '../../src/generator/run.js';
import { ensureBuilt, generatorDirs, readTree, resetNormal, runGenerator, writeConfig } from './helpers.js';
import type { GeneratorDirs } from './helpers.js';

const temps: string[] = [];
const temp = (prefix: string) => {
  const t = mkdtempSync(join(tmpdir(), prefix));
  temps.push(t);
  return t;
};
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const WEB = { 'containers/web.yaml': 'description: Web\nautostart: true\n' };
const DB = { 'containers/db.yaml': 'description: DB\n' };

let cfg: string;
let d: GeneratorDirs;
beforeEach(() => {
  cfg = temp('machinist-gen-cfg-');
  d = generatorDirs();
  temps.push(d.base);
});

describe('arguments and exit status', () => {
  it('takes NORMAL EARLY LATE, exits 0 and logs nothing for a good config', () => {
    writeConfig(cfg, WEB);
    const r = runGenerator(cfg, d);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr, kmsg: r.kmsg }).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
      kmsg: '',
    });
    expect([...readTree(d.normal).keys()]).toEqual([
      'machine@web.service.d',
      'machine@web.service.d/50-machinist.conf',
      'machines.target.wants',
      'machines.target.wants/machine@web.service',
    ]);
    expect([...readTree(d.nspawn).keys()]).toEqual(['web.nspawn']);
  });

  it('exits 2 with a usage line on wrong arguments, writing nothing', () => {
    writeConfig(cfg, WEB);
    for (const args of [[], [d.normal, d.early]]) {
      const r = runGenerator(cfg, d, {}, args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^machinist-generator: usage: machinist-generator NORMAL/);
      expect(r.kmsg).toMatch(/^<3>machinist-generator: usage:/);
    }
    expect(readTree(d.normal).size + readTree(d.nspawn).size).toBe(0);
  });

  it('treats a missing config directory as nothing to do: exit 0, silent', () => {
    const r = runGenerator(join(cfg, 'missing'), d);
    expect({ code: r.code, stderr: r.stderr, kmsg: r.kmsg }).toEqual({ code: 0, stderr: '', kmsg: '' });
    expect(readTree(d.normal).size + readTree(d.nspawn).size).toBe(0);
  });
});

describe('the .nspawn directory: owned files only', () => {
  it('prunes the .nspawn file of a container that is gone, and all of them when the config is removed', () => {
    writeConfig(cfg, { ...WEB, ...DB });
    expect(runGenerator(cfg, d).code).toBe(0);
    expect([...readTree(d.nspawn).keys()]).toEqual(['db.nspawn', 'web.nspawn']);
    rmSync(join(cfg, 'containers/db.yaml'));
    resetNormal(d);
    expect(runGenerator(cfg, d).code).toBe(0);
    expect([...readTree(d.nspawn).keys()]).toEqual(['web.nspawn']);
    rmSync(cfg, { recursive: true });
    resetNormal(d);
    const r = runGenerator(cfg, d);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readTree(d.nspawn).size + readTree(d.normal).size).toBe(0);
  });

  it('prunes the .nspawn file of a container that broke (its failing unit stands in for it)', () => {
    writeConfig(cfg, WEB);
    runGenerator(cfg, d);
    writeConfig(cfg, { 'containers/web.yaml': 'autostart: true\nbogus: 1\n' });
    resetNormal(d);
    const r = runGenerator(cfg, d);
    expect(r.code).toBe(0);
    expect(readTree(d.nspawn).size).toBe(0);
    expect(readFileSync(join(d.normal, 'machine@web.service.d/50-machinist.conf'), 'utf8')).toContain(
      'ExecStartPre=/bin/false',
    );
  });

  it('fails only the container with a hostile value, however it is caught, and writes the others', () => {
    writeConfig(cfg, {
      ...WEB,
      ...DB,
      'containers/evil.yaml': 'resources:\n  io:\n    read_iops_max: {__proto__: "1\\n[Service]"}\n',
      'containers/nul.yaml': 'resources: {io: {device_weight: {"/dev/sd\\0a": 100}}}\n',
    });
    runGenerator(cfg, d);
    expect([...readTree(d.nspawn).keys()]).toEqual(['db.nspawn', 'web.nspawn']);
    expect(readTree(d.normal).has('machines.target.wants/machine@web.service')).toBe(true);
    for (const name of ['evil', 'nul']) {
      const unit = readFileSync(join(d.normal, `machine@${name}.service.d/50-machinist.conf`), 'utf8');
      expect(unit).toContain('ExecStartPre=/bin/false');
      expect(unit).toContain(`SourcePath=${cfg}/containers/${name}.yaml`);
    }
  });

  it('leaves a foreign file where its output would go, logs it, and still writes the rest', () => {
    writeConfig(cfg, { ...WEB, ...DB });
    mkdirSync(d.nspawn);
    writeFileSync(join(d.nspawn, 'web.nspawn'), '[Exec]\nBoot=yes\n');
    writeFileSync(join(d.nspawn, 'other.nspawn'), '[Exec]\nBoot=no\n');
    const r = runGenerator(cfg, d);
    expect(r.code).toBe(0);
    expect(readFileSync(join(d.nspawn, 'web.nspawn'), 'utf8')).toBe('[Exec]\nBoot=yes\n');
    expect(readFileSync(join(d.nspawn, 'other.nspawn'), 'utf8')).toBe('[Exec]\nBoot=no\n');
    expect(readTree(d.nspawn).has('db.nspawn')).toBe(true);
    expect(r.kmsg).toMatch(
      new RegExp(
        `^<3>machinist-generator: ${d.nspawn}/web\\.nspawn: error\\[foreign-file\\]: ${d.nspawn}/web\\.nspawn exists and was not written by machinist`,
        'm',
      ),
    );
  });

  it('leaves an edited file of a container that is gone, with a warning', () => {
    writeConfig(cfg, { ...WEB, ...DB });
    runGenerator(cfg, d);
    const db = join(d.nspawn, 'db.nspawn');
    writeFileSync(db, `${readFileSync(db, 'utf8')}# my change\n`);
    rmSync(join(cfg, 'containers/db.yaml'));
    resetNormal(d);
    const r = runGenerator(cfg, d);
    expect(r.code).toBe(0);
    expect(readFileSync(db, 'utf8')).toContain('# my change');
    expect(r.kmsg).toMatch(/^<4>machinist-generator: .*db\.nspawn: warning\[edited-file\]/m);
  });
});

describe('containers that cannot be read still fail visibly', () => {
  it('a container file that cannot be read gets a failing unit, linked for boot', () => {
    writeConfig(cfg, WEB);
    mkdirSync(join(cfg, 'containers/odd.yaml'));
    const r = runGenerator(cfg, d);
    expect(r.code).toBe(0);
    expect(readFileSync(join(d.normal, 'machine@odd.service.d/50-machinist.conf'), 'utf8')).toMatch(
      /ExecStartPre=:\/bin\/echo ".*containers\/odd\.yaml: error\[read-error\]: cannot read containers\/odd\.yaml/,
    );
    expect(readTree(d.normal).has('machines.target.wants/machine@odd.service')).toBe(true);
    expect(readTree(d.nspawn).has('web.nspawn')).toBe(true);
  });

  it('a FIFO named like a container file neither blocks the generator nor vanishes', () => {
    writeConfig(cfg, WEB);
    expect(spawnSync('mkfifo', [join(cfg, 'containers/pipe.yaml')]).status).toBe(0);
    const r = runGenerator(cfg, d, { MACHINIST_TIME_LIMIT_MS: '5000' });
    expect(r.code).toBe(0);
    expect(r.kmsg).toMatch(
      /^<3>machinist-generator: .*containers\/pipe\.yaml: error\[read-error\]: cannot read containers\/pipe\.yaml: not a regular file/m,
    );
    expect(readTree(d.normal).has('machine@pipe.service.d/50-machinist.conf')).toBe(true);
    expect(readTree(d.nspawn).has('web.nspawn')).toBe(true);
  });

  it('a file name that is no machine name is logged; no unit can carry it', () => {
    writeConfig(cfg, { ...WEB, 'containers/bad_name.yaml': 'description: x\n' });
    const r = runGenerator(cfg, d);
    expect(r.code).toBe(0);
    expect(r.kmsg).toMatch(/^<3>machinist-generator: .*bad_name\.yaml: error\[invalid-name\]/m);
    expect(r.kmsg).toMatch(
      /^<4>machinist-generator: .*warning\[invalid-name\]: "bad_name" is not a valid machine name, so no unit/m,
    );
    expect([...readTree(d.normal).keys()].some((k) => k.includes('bad_name'))).toBe(false);
  });
});

describe('the time limit', () => {
  it('gives up after MACHINIST_TIME_LIMIT_MS, exits 1, and gives every container a failing unit naming the reason', () => {
    writeBenchConfig(300, cfg);
    const r = runGenerator(cfg, d, { MACHINIST_TIME_LIMIT_MS: '5' });
    expect(r.code).toBe(1);
    expect(r.kmsg).toMatch(
      /^<3>machinist-generator: machinist-generator gave up after 0\.005 s; the output may be incomplete$/m,
    );
    const conf = readFileSync(join(d.normal, 'machine@c0042.service.d/50-machinist.conf'), 'utf8');
    expect(conf).toContain('error[internal-error]: machinist-generator gave up after 0.005 s');
    expect(conf).toContain('ExecStartPre=/bin/false');
    expect(readTree(d.nspawn).size).toBe(0);
    expect([...readTree(join(d.normal, 'machines.target.wants')).keys()]).toHaveLength(300);
  });

  it('finishes the same config well within the default limit', () => {
    writeBenchConfig(300, cfg);
    const r = runGenerator(cfg, d);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect([...readTree(d.nspawn).keys()]).toHaveLength(300);
  });
});

describe('logging', () => {
  it('writes <PRIO>machinist-generator: lines to kmsg and plain lines to stderr, one record per write', () => {
    const kmsg = join(temp('machinist-kmsg-'), 'kmsg');
    writeFileSync(kmsg, '');
    const err = join(temp('machinist-stderr-'), 'err');
    writeFileSync(err, '');
    const fd = openSync(err, 'a');
    const log = createLogger({ kmsg, stderrFd: fd });
    log.log('error', 'e\nwith a newline');
    log.log('warning', 'w');
    log.log('info', 'x'.repeat(2000));
    log.close();
    closeSync(fd);
    const lines = readFileSync(kmsg, 'utf8').split('\n');
    expect(lines.slice(0, 2)).toEqual(['<3>machinist-generator: e with a newline', '<4>machinist-generator: w']);
    expect(lines[2]).toMatch(/^<6>machinist-generator: x+…$/);
    expect(Buffer.byteLength(lines[2]!)).toBeLessThanOrEqual(903);
    expect(readFileSync(err, 'utf8')).toBe(
      `machinist-generator: e with a newline\nmachinist-generator: w\nmachinist-generator: ${'x'.repeat(2000)}\n`,
    );
  });

  it('never creates a kmsg file where there is none, and still logs to stderr', () => {
    const dir = temp('machinist-nokmsg-');
    writeConfig(cfg, { 'containers/web.yaml': 'bogus: 1\n' });
    const r = runGenerator(cfg, d, { MACHINIST_KMSG: join(dir, 'kmsg') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/error\[unknown-key\]/);
    expect(readTree(dir).size).toBe(0);
  });

  it('caps the lines sent to kmsg and says how many went to stderr only', () => {
    const kmsg = join(temp('machinist-kmsg-'), 'kmsg');
    writeFileSync(kmsg, '');
    const log = createLogger({ kmsg, kmsgLines: 3, stderrFd: -1 });
    for (let i = 0; i < 10; i++) log.log('warning', `line ${i}`);
    log.close();
    expect(readFileSync(kmsg, 'utf8').split('\n').filter(Boolean)).toEqual([
      '<4>machinist-generator: line 0',
      '<4>machinist-generator: line 1',
      '<4>machinist-generator: line 2',
      '<4>machinist-generator: 7 more line(s) were logged to stderr only',
    ]);
  });
});

describe('admin files that override the generated ones (library call)', () => {
  /** /etc/systemd as `machinist compile` leaves it for db (from this config directory). */
  const compiledEtc = () => {
    writeConfig(cfg, DB);
    const root = temp('machinist-root-');
    compile({ configDir: cfg, root, shownDir: resolve(cfg) });
    return join(root, 'etc/systemd');
  };
  const run = (etc: string) => {
    const lines: string[] = [];
    const r = generate({
      configDir: cfg,
      normal: d.normal,
      nspawnDir: d.nspawn,
      etcDir: etc,
      log: { log: (level, line) => lines.push(`${level}: ${line}`), close: () => {} },
    });
    return { r, lines };
  };

  it('warns when a hand-written file in /etc/systemd replaces what it generates', () => {
    writeConfig(cfg, { ...WEB, ...DB });
    const etc = temp('machinist-etc-');
    writeConfig(etc, {
      'nspawn/web.nspawn': '[Exec]\nBoot=yes\n',
      'system/machine@db.service.d/50-machinist.conf': '[Unit]\n',
    });
    const { r, lines } = run(etc);
    expect(r.internalErrors).toBe(0);
    expect(lines).toEqual([
      `warning: ${etc}/nspawn/web.nspawn: warning[overridden-file]: ${etc}/nspawn/web.nspawn replaces what the generator writes for container "web" (hint: Move its settings into the YAML and delete the file, or keep it on purpose.)`,
      `warning: ${etc}/system/machine@db.service.d/50-machinist.conf: warning[overridden-file]: ${etc}/system/machine@db.service.d/50-machinist.conf replaces what the generator writes for container "db" (hint: Move its settings into the YAML and delete the file, or keep it on purpose.)`,
    ]);
    expect(r.containers.sort()).toEqual(['db', 'web']);
  });

  it('leaves containers that machinist compile wrote into /etc to it, quietly, instead of warning at every boot', () => {
    const etc = compiledEtc();
    writeConfig(cfg, { ...WEB, ...DB });
    const { r, lines } = run(etc);
    expect(lines).toEqual([`info: left to "machinist compile", whose files in ${etc} take precedence: db`]);
    expect(r.containers).toEqual(['web']);
    expect(existsSync(join(d.nspawn, 'db.nspawn'))).toBe(false);
    expect(existsSync(join(d.normal, 'machine@db.service.d'))).toBe(false);
    expect(existsSync(join(d.nspawn, 'web.nspawn'))).toBe(true);
  });

  it('says when the YAML of a compiled container changed since compile wrote it', () => {
    const etc = compiledEtc();
    writeConfig(cfg, { ...WEB, 'containers/db.yaml': 'description: DB\nenvironment: { A: "1" }\n' });
    expect(run(etc).lines).toEqual([
      `info: left to "machinist compile", whose files in ${etc} take precedence: db`,
      `warning: the YAML changed since "machinist compile" wrote ${etc} for: db; run "machinist apply" to use it`,
    ]);
    // A comment or the header is no change.
    writeConfig(cfg, { ...WEB, 'containers/db.yaml': '# a note\ndescription: DB\n' });
    expect(run(etc).lines).toHaveLength(1);
  });
});
