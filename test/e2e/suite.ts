/**
 * One e2e suite = one booted host (harness.ts) with machinist installed the way a user installs it, a set of
 * example configurations in its /etc/machinist, and the world those examples expect (world.ts). Then the
 * issue's checks, in the order a user meets them:
 *
 *   after boot        every autostart container is active, the others are not started
 *   per container     systemctl show = the compiled settings; machinectl list; inside: hostname, environment,
 *                     binds (ro/rw), network mode, security; restart/stop/start; a reboot inside comes back
 *   ordering          after:/requires: (lab)
 *   idempotence       a second daemon-reload (generator) or compile (compile) changes nothing
 *   broken YAML       a visible failed unit naming file:line (generator) / compile refuses (compile)
 *   removal           deleting a container's YAML and reloading removes its units
 *   journal           no "Unknown key", "Failed to parse", "ignoring"… about machinist's files
 *
 * Modes: "generator" installs machinist before the host boots and puts the YAML in /etc/machinist, so the
 * generator runs in that boot; "compile" boots first, installs, runs `machinist compile`, daemon-reload and
 * starts machines.target.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { Driver } from './driver.js';
import {
  buildWorld,
  cases,
  configExtras,
  hostExtras,
  pins,
  sliceCases,
  yamlOf,
  type ContainerCase,
  type Example,
  type Mode,
} from './examples.js';
import { bootHost, CONFIG_COMPLAINT, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { INSTALLED, installIntoHost, installIntoRoot, preBootMethod, REPO, runningHostMethod } from './install.js';
import { PREP_UNIT, WORLD_NSPAWN_ARGS } from './world.js';

export interface SuiteOptions {
  mode: Mode;
  examples: Example[];
  /** Put the broken container files of fixtures/broken into the configuration (generator: at boot). */
  broken?: boolean;
  /** A container whose YAML is deleted at the end (the removal check). */
  remove?: string;
}

const CONFIG = '/etc/machinist';
const BROKEN = path.join(REPO, 'test/e2e/fixtures/broken');
/** Units of host services the e2e host does not need; masked so that it boots fast and quietly. */
const MASKED_IN_HOST = [
  'postgresql.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'man-db.timer',
  'e2scrub_all.timer',
];

/** Where machinist's outputs land in each mode. */
export function outputs(mode: Mode) {
  return mode === 'generator'
    ? { nspawn: '/run/systemd/nspawn', units: '/run/systemd/generator' }
    : { nspawn: '/etc/systemd/nspawn', units: '/etc/systemd/system' };
}

const machineUnit = (name: string) => `machine@${name}.service`;

/**
 * Is this journal entry a complaint about a file machinist wrote (or the template it ships)? systemd names the
 * file and line (`…/50-machinist.conf:12: Unknown key …`), nspawn the .nspawn file; a cgroup path such as
 * /machine.slice/machine-lab.slice/… in a message about the nested cgroup layout is not about our files.
 */
export function complaintAboutOurFiles(message: string): boolean {
  return (
    CONFIG_COMPLAINT.test(message) &&
    /\.nspawn\b|50-machinist\.conf|machine@\.service:\d|machine-[\w-]+\.slice:\d|\/etc\/machinist\//.test(message)
  );
}

export function defineSuite(title: string, opts: SuiteOptions): void {
  const E2E = process.env.MACHINIST_E2E === '1';
  const { mode, examples } = opts;
  const all = cases(examples);
  const out = outputs(mode);
  const brokenNames = opts.broken ? ['broken', 'garbled', 'typo'] : [];

  describe.skipIf(!E2E)(title, () => {
    let host: Host;
    let d: Driver;
    let installedBy = '';

    /** Copy the examples' configurations (and the broken fixtures) into a root's /etc/machinist. */
    function putConfig(root: string): void {
      for (const e of examples)
        cpSync(path.join(REPO, 'examples', e, 'config'), path.join(root, CONFIG), { recursive: true });
      for (const [rel, content] of Object.entries(configExtras(examples)))
        writeFileSync(path.join(root, CONFIG, rel), content);
      if (opts.broken && mode === 'generator') cpSync(BROKEN, path.join(root, CONFIG), { recursive: true });
    }

    beforeAll(async () => {
      const world = buildWorld(examples);
      const method = mode === 'generator' ? preBootMethod() : runningHostMethod();
      host = await bootHost({
        timeoutMs: 90_000,
        nspawnArgs: WORLD_NSPAWN_ARGS,
        setup: async (root) => {
          world.install(root);
          for (const u of MASKED_IN_HOST) {
            rmSync(path.join(root, 'etc/systemd/system', u), { force: true });
            symlinkSync('/dev/null', path.join(root, 'etc/systemd/system', u));
          }
          for (const [rel, content] of Object.entries(hostExtras(examples))) {
            mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
            writeFileSync(path.join(root, rel), content);
          }
          if (mode === 'generator') {
            // Installed and configured before the first boot: the generator runs in that boot.
            installedBy = await installIntoRoot(root, method === 'deb' ? 'make' : method);
            putConfig(root);
          }
        },
      });
      d = new Driver(host);
      const prep = await d.state(PREP_UNIT);
      if (prep !== 'active') throw new Error(`${PREP_UNIT} is ${prep}:\n${await host.journal(PREP_UNIT)}`);
      if (mode === 'compile') {
        installedBy = await installIntoHost(host, method);
        putConfig(host.root);
        const r = await host.run(['machinist', 'compile'], { timeoutMs: 60_000 });
        process.stderr.write(`[e2e] machinist compile:\n${r.stdout}${r.stderr}`);
        await d.systemctl('daemon-reload');
        await d.systemctl('start', 'machines.target');
      }
      process.stderr.write(`[e2e] ${title}: machinist installed by: ${installedBy.split('\n')[0]}\n`);
    });

    hostHooks(() => host, ['machine@*', 'machines.target', 'machine-*.slice'], 200);

    test('machinist is installed and its output is where systemd reads it', async () => {
      for (const p of [INSTALLED.cli, INSTALLED.generator])
        expect((await host.run(['test', '-x', p], { allowFail: true })).code, p).toBe(0);
      expect((await host.run(['test', '-f', INSTALLED.template], { allowFail: true })).code, INSTALLED.template).toBe(
        0,
      );
      expect((await host.run(['machinist', '--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      for (const c of all) {
        expect(
          (await host.run(['test', '-f', `${out.nspawn}/${c.name}.nspawn`], { allowFail: true })).code,
          `${c.name}.nspawn`,
        ).toBe(0);
        expect(
          (
            await host.run(['test', '-f', `${out.units}/${machineUnit(c.name)}.d/50-machinist.conf`], {
              allowFail: true,
            })
          ).code,
          `${c.name} drop-in`,
        ).toBe(0);
      }
    });

    test(
      mode === 'generator'
        ? 'after boot: every autostart container is active, the others are not started'
        : 'after compile, daemon-reload and start machines.target: every autostart container is active, the others are not started',
      async () => {
        const wants = await machinesWants();
        for (const c of all) {
          const unit = machineUnit(c.name);
          if (c.blocked) {
            expect(await d.state(unit), unit).not.toBe('active');
          } else if (c.autostart) {
            expect(await d.state(unit), unit).toBe('active');
            expect(wants, unit).toContain(unit);
          } else {
            expect(await d.state(unit), unit).toBe('inactive');
            expect(wants, unit).not.toContain(unit);
          }
        }
      },
    );

    // First, while the timestamps are still those of the start above: the order in which they started.
    if (examples.includes('lab')) labTests();

    for (const c of all) containerTests(c);

    for (const s of sliceCases(examples)) {
      test(`slice ${s.unit}: systemctl show reports the compiled settings`, async () => {
        const p = await d.show(s.unit, 'ActiveState', 'SourcePath', ...Object.keys(s.props));
        expect(p).toEqual({
          ActiveState: 'active',
          SourcePath: `${CONFIG}/slices/${s.unit.replace(/^machine-|\.slice$/g, '')}.yaml`,
          ...s.props,
        });
      });
    }

    for (const p of pins(examples)) {
      test(p.title, async () => {
        await p.run(d);
      });
    }

    test(
      mode === 'generator'
        ? 'a second daemon-reload changes nothing'
        : 'a second compile and daemon-reload change nothing',
      async () => {
        const running = all.filter((c) => c.kind !== 'job' && !c.blocked).map((c) => machineUnit(c.name));
        const pids = async () => Promise.all(running.map(async (u) => `${u}=${(await d.show(u, 'MainPID')).MainPID}`));
        const snapshot = async () => {
          const stat = await host.sh(
            `find ${out.nspawn} ${out.units} \\( -name '*.nspawn' -o -path '*machine*' \\) -printf '%p %y %T@ %l\\n' 2>/dev/null | LC_ALL=C sort`,
          );
          return { nspawn: await d.tree(out.nspawn), units: await d.tree(out.units), stat: stat.stdout };
        };
        const before = await snapshot();
        const pidsBefore = await pids();
        expect(Object.keys(before.nspawn).length).toBeGreaterThan(0);
        if (mode === 'compile') {
          const dry = JSON.parse(
            (await host.run(['machinist', 'compile', '--dry-run', '--format', 'json'])).stdout,
          ) as { plan: { counts: Record<string, number> } };
          expect(dry.plan.counts).toMatchObject({ create: 0, change: 0, remove: 0 });
          const r = await host.run(['machinist', 'compile']);
          expect(r.stdout).toMatch(/0 to create, 0 to change, 0 to remove/);
        }
        await d.systemctl('daemon-reload');
        const after = await snapshot();
        expect(after.nspawn).toEqual(before.nspawn);
        expect(after.units).toEqual(before.units);
        // compile: not even rewritten (modification times kept); the generator writes into fresh directories
        if (mode === 'compile') expect(after.stat).toBe(before.stat);
        expect(await pids()).toEqual(pidsBefore);
        for (const u of running) expect((await d.show(u, 'NeedDaemonReload')).NeedDaemonReload, u).toBe('no');
      },
    );

    if (opts.broken) brokenTests();
    if (opts.remove) removalTest(opts.remove);

    test('the journal has no complaint about machinist files (Unknown key, Failed to parse, ignoring…)', async () => {
      const entries = await d.journalEntries();
      const brokenUnits = new Set(brokenNames.map(machineUnit));
      const complaints = entries
        .filter((e) => !brokenUnits.has(String(e._SYSTEMD_UNIT ?? '')) && !brokenUnits.has(String(e.UNIT ?? '')))
        .map(
          (e) =>
            `${String(e.SYSLOG_IDENTIFIER ?? '')}: ${typeof e.MESSAGE === 'string' ? e.MESSAGE : JSON.stringify(e.MESSAGE)}`,
        )
        .filter(complaintAboutOurFiles);
      expect(entries.length).toBeGreaterThan(100); // the journal is really there
      expect(complaints).toEqual([]);
    });

    // -------------------------------------------------------------------------------------------------------

    /** What machines.target pulls in (not list-dependencies: that also lists every loaded PartOf= unit). */
    async function machinesWants(): Promise<string[]> {
      return (await d.show('machines.target', 'Wants')).Wants.split(' ').filter(Boolean);
    }

    /** Bring a container to its running state (autostart ones already are). */
    /**
     * Clear the start rate limit (5 starts in 10 s) of the containers of c's example: these tests restart units
     * far faster than an admin would, and a restart that Requires= carries over to a dependent counts for it too.
     */
    async function freshStartLimits(c: ContainerCase): Promise<void> {
      const siblings = all.filter((x) => x.example === c.example && !x.blocked).map((x) => machineUnit(x.name));
      // A unit not loaded now (a job that ran and ended) makes systemctl exit 1 after resetting the others.
      await d.systemctlMayFail('reset-failed', ...siblings);
    }

    async function ensureRunning(c: ContainerCase): Promise<void> {
      const unit = machineUnit(c.name);
      if ((await d.state(unit)) !== 'active') await d.systemctl('start', unit);
      if (c.kind === 'os') await d.guestRunning(c.name);
    }

    function containerTests(c: ContainerCase): void {
      const unit = machineUnit(c.name);
      describe(`${c.example}: ${unit}`, () => {
        test('systemctl show reports the compiled settings', async () => {
          const p = await d.show(unit, 'Description', 'SourcePath', 'FragmentPath', 'DropInPaths');
          expect(p.Description).toBe(yamlOf(c.example, c.source ?? c.name).description);
          expect(p.SourcePath).toBe(`${CONFIG}/containers/${c.name}.yaml`);
          // Debian's /lib is a link to usr/lib, and systemd names the path it found first
          expect(p.FragmentPath.replace(/^\/lib\//, '/usr/lib/')).toBe(INSTALLED.template);
          expect(p.DropInPaths.split(' ')).toContain(`${out.units}/${unit}.d/50-machinist.conf`);
          expect(await d.show(unit, ...Object.keys(c.props))).toEqual(c.props);
          const lists = await d.showAll(unit, Object.keys(c.contains ?? {}));
          for (const [key, want] of Object.entries(c.contains ?? {})) {
            const have = key === 'DeviceAllow' ? (lists[key] ?? []) : (lists[key] ?? []).flatMap((v) => v.split(' '));
            for (const w of want) expect(have, key).toContain(w);
          }
        });

        if (c.blocked) {
          const { reason, pin } = c.blocked;
          test(`BLOCKED: ${reason}`, async () => {
            await pin(d);
          });
          return;
        }
        if (c.kind === 'job') {
          jobTests(c);
          return;
        }

        test('machinectl list shows it', async () => {
          await ensureRunning(c);
          expect(await d.machines()).toContain(c.name);
          const m = await d.show(unit, 'ActiveState', 'SubState');
          expect(m).toEqual({ ActiveState: 'active', SubState: 'running' });
        });

        if (c.inside) {
          const inside = c.inside;
          test('inside: what the YAML configures', async () => {
            await ensureRunning(c);
            await inside(d);
          });
        }

        test('systemctl restart, stop and start', async () => {
          await freshStartLimits(c);
          await ensureRunning(c);
          const before = (await d.show(unit, 'MainPID')).MainPID;
          await d.systemctl('restart', unit);
          const after = await d.show(unit, 'MainPID', 'ActiveState');
          expect(after.ActiveState).toBe('active');
          expect(after.MainPID).not.toBe(before);
          if (c.kind === 'os') await d.guestRunning(c.name);
          await d.settle(); // containers that require this one were restarted with it
          await d.systemctl('stop', unit);
          // an orderly shutdown, not a kill: inactive, not failed
          expect(await d.show(unit, 'ActiveState', 'Result')).toEqual(
            c.stopped ?? { ActiveState: 'inactive', Result: 'success' },
          );
          expect(await d.machines()).not.toContain(c.name);
          await d.systemctl('start', unit);
          expect(await d.state(unit)).toBe('active');
          await ensureRunning(c);
          await d.settle();
        });

        if (c.kind === 'os') {
          test('a reboot inside the container brings it back', async () => {
            await freshStartLimits(c);
            await ensureRunning(c);
            const before = await d.show(unit, 'MainPID', 'NRestarts');
            const leader = await d.leader(c.name);
            // what `systemctl reboot` does, minus its calls to logind (which a read-only guest may lack)
            await d.guest(c.name, [
              'systemctl',
              'start',
              '--no-block',
              '--job-mode=replace-irreversibly',
              'reboot.target',
            ]);
            await host.waitFor(
              `${unit} back after a reboot inside`,
              async () => {
                const now = await d.show(unit, 'ActiveState', 'NRestarts');
                return now.ActiveState === 'active' && Number(now.NRestarts) === Number(before.NRestarts) + 1;
              },
              60_000,
            );
            await host.waitFor(`a new leader for ${c.name}`, async () => (await d.leader(c.name)) !== leader, 15_000);
            await d.guestRunning(c.name);
            await d.settle();
            if (c.inside) await c.inside(d); // the same settings after the reboot
          });
        }
      });
    }

    function jobTests(c: ContainerCase): void {
      const unit = machineUnit(c.name);
      test('systemctl start runs it to completion; machinectl list shows it meanwhile; Ephemeral=yes discards its writes', async () => {
        const cursor = await d.cursor();
        await d.systemctl('start', unit);
        expect(await d.machines()).toContain(c.name);
        const root = (await d.run(['machinectl', 'show', c.name, '-p', 'RootDirectory', '--value'])).stdout.trim();
        expect(root).toMatch(new RegExp(`^/var/lib/machines/\\.#machine\\.${c.name}`)); // a throw-away copy
        await d.waitState(unit, 'inactive', 20_000);
        expect(await d.show(unit, 'Result', 'ExecMainStatus')).toEqual({ Result: 'success', ExecMainStatus: '0' });
        const log = await d.journalSince(unit, cursor);
        const y = yamlOf(c.example, c.name);
        expect(log).toContain(`clamscan-e2e: args: ${(y.command as string[]).slice(1).join(' ')}`);
        expect(log).toContain('clamscan-e2e: file /scan/alice'); // the read-only bind of /var/mail
        // network mode none: loopback only
        expect([...log.matchAll(/clamscan-e2e: netdev (\S+)/g)].map((m) => m[1])).toEqual(['lo']);
        expect(log).toContain('clamscan-e2e: done');
        expect(
          (await d.run(['test', '-e', `/var/lib/machines/${c.name}/clamscan-e2e-marker`], { allowFail: true })).code,
        ).not.toBe(0);
        expect(await d.machines()).not.toContain(c.name);
      });

      test('systemctl restart and stop while it runs', async () => {
        await d.systemctl('start', unit);
        const before = (await d.show(unit, 'MainPID')).MainPID;
        await d.systemctl('restart', unit);
        const after = await d.show(unit, 'MainPID', 'ActiveState');
        expect(after.ActiveState).toBe('active');
        expect(after.MainPID).not.toBe(before);
        await d.systemctl('stop', unit);
        expect(await d.show(unit, 'ActiveState', 'Result')).toEqual({ ActiveState: 'inactive', Result: 'success' });
      });
    }

    function labTests(): void {
      const ts = async (unit: string) => {
        const p = await d.show(unit, 'InactiveExitTimestampMonotonic', 'ActiveEnterTimestampMonotonic');
        return { started: Number(p.InactiveExitTimestampMonotonic), active: Number(p.ActiveEnterTimestampMonotonic) };
      };
      /** after: a must have become active (NotifyReady=yes: guest booted) before b began to start. */
      async function expectOrder(): Promise<void> {
        const [pg, redis, api, www] = await Promise.all(['pg', 'redis', 'api', 'www'].map((n) => ts(machineUnit(n))));
        expect(api!.started).toBeGreaterThanOrEqual(pg!.active);
        expect(api!.started).toBeGreaterThanOrEqual(redis!.active);
        expect(www!.started).toBeGreaterThanOrEqual(api!.active);
      }

      test('lab: after:/requires: order the start (api after pg and redis, www after api)', async () => {
        await expectOrder();
      });

      test('lab: starting www alone pulls in api, pg and redis, in order; stopping pg stops api (requires:)', async () => {
        const lab = ['www', 'api', 'redis', 'pg'].map(machineUnit);
        await d.systemctl('reset-failed', ...lab);
        await d.systemctl('stop', ...lab);
        for (const u of lab) expect(await d.state(u), u).toBe('inactive');
        await d.systemctl('start', machineUnit('www'));
        for (const u of lab) expect(await d.state(u), u).toBe('active');
        await expectOrder();
        await d.settle();
        await d.systemctl('stop', machineUnit('pg'));
        expect(await d.state(machineUnit('api'))).toBe('inactive'); // Requires=: stopped with pg
        expect(await d.state(machineUnit('redis'))).toBe('active');
        expect(await d.state(machineUnit('www'))).toBe('active'); // Wants= only
        await d.systemctl('start', machineUnit('api'));
        for (const u of lab) expect(await d.state(u), u).toBe('active');
        for (const n of ['www', 'api', 'redis', 'pg']) await d.guestRunning(n);
      });
    }

    function brokenTests(): void {
      const file = (n: string) => path.join(BROKEN, 'containers', `${n}.yaml`);
      /** line:col of the first occurrence of needle in a fixture file */
      const at = (n: string, needle: string) => {
        const lines = readFileSync(file(n), 'utf8').split('\n');
        const i = lines.findIndex((l) => l.includes(needle));
        return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`;
      };

      if (mode === 'generator') {
        test('broken YAML: a visible failed unit that names file and line; the others are unaffected', async () => {
          const wants = await machinesWants();
          // autostart: true with an error, and a file that cannot be parsed at all: started at boot, and failed
          for (const n of ['broken', 'garbled']) {
            expect(wants, n).toContain(machineUnit(n));
            expect(await d.state(machineUnit(n)), n).toBe('failed');
          }
          // autostart: false: there, but not started
          expect(wants).not.toContain(machineUnit('typo'));
          expect(await d.state(machineUnit('typo'))).toBe('inactive');
          const status = (await d.systemctlMayFail('status', '--no-pager', '-l', '-n', '20', machineUnit('broken')))
            .stdout;
          expect(status).toContain(`${CONFIG}/containers/broken.yaml:${at('broken', 'memroy')}`);
          expect(status).toContain('memroy');
          const garbled = (await d.systemctlMayFail('status', '--no-pager', '-l', '-n', '20', machineUnit('garbled')))
            .stdout;
          expect(garbled).toContain(`${CONFIG}/containers/garbled.yaml`);
          for (const n of brokenNames)
            expect((await host.run(['test', '-e', `${out.nspawn}/${n}.nspawn`], { allowFail: true })).code, n).not.toBe(
              0,
            );
          // starting by hand fails, and says why
          const cursor = await d.cursor();
          const r = await d.systemctlMayFail('start', machineUnit('typo'));
          expect(r.code).not.toBe(0);
          expect(await d.state(machineUnit('typo'))).toBe('failed');
          expect(await d.journalSince(machineUnit('typo'), cursor)).toContain(
            `${CONFIG}/containers/typo.yaml:${at('typo', 'maybe')}`,
          );
          for (const c of all.filter((x) => x.autostart && !x.blocked))
            expect(await d.state(machineUnit(c.name)), c.name).toBe('active');
        });
      } else {
        test('broken YAML: compile refuses with file and line, and writes nothing', async () => {
          const before = { nspawn: await d.tree(out.nspawn), units: await d.tree(out.units) };
          cpSync(BROKEN, path.join(host.root, CONFIG), { recursive: true });
          try {
            const r = await host.run(['machinist', 'compile'], { allowFail: true });
            expect(r.code).toBe(1);
            expect(r.stdout + r.stderr).toContain(`${CONFIG}/containers/broken.yaml:${at('broken', 'memroy')}`);
            expect(r.stdout + r.stderr).toContain(`${CONFIG}/containers/typo.yaml:${at('typo', 'maybe')}`);
            expect(r.stdout + r.stderr).toContain(`${CONFIG}/containers/garbled.yaml`);
            expect({ nspawn: await d.tree(out.nspawn), units: await d.tree(out.units) }).toEqual(before);
          } finally {
            for (const n of brokenNames)
              rmSync(path.join(host.root, CONFIG, 'containers', `${n}.yaml`), { force: true });
          }
        });
      }
    }

    function removalTest(name: string): void {
      test(`removing containers/${name}.yaml and reloading removes its units`, async () => {
        const unit = machineUnit(name);
        await d.systemctl('stop', unit);
        rmSync(path.join(host.root, CONFIG, 'containers', `${name}.yaml`));
        if (mode === 'compile') {
          const r = await host.run(['machinist', 'compile']);
          expect(r.stdout).toMatch(/remove/);
        }
        await d.systemctl('daemon-reload');
        for (const p of [
          `${out.nspawn}/${name}.nspawn`,
          `${out.units}/${unit}.d/50-machinist.conf`,
          `${out.units}/machines.target.wants/${unit}`,
        ]) {
          expect((await host.run(['test', '-e', p], { allowFail: true })).code, p).not.toBe(0);
        }
        // only the bare template is left
        const p = await d.show(unit, 'Description', 'DropInPaths', 'UnitFileState');
        expect(p.Description).toBe(`Container ${name}`);
        expect(p.DropInPaths).toBe('');
        expect(p.UnitFileState).not.toMatch(/enabled|generated/);
        expect(await machinesWants()).not.toContain(unit);
        // the others carry on
        for (const c of all.filter((x) => x.autostart && !x.blocked && x.name !== name))
          expect(await d.state(machineUnit(c.name)), c.name).toBe('active');
      });
    }
  });
}
