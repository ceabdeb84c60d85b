// machinist's command line: flags → library call → diagnostics → exit code (0 ok, 1 config errors, or
// warnings with --strict, 2 usage, I/O or internal error). Nothing else belongs here.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import { jsonText, renderPretty, toJSON, wantColor } from './diagnostics/render.js';
import type { Diagnostic } from './diagnostics/types.js';
import { hasErrors } from './diagnostics/types.js';
import { check, compile, gc } from './index.js';
import { apply } from './operate/apply.js';
import { status } from './operate/status.js';
import { spawnRunner } from './operate/systemctl.js';
import { bashCompletion, fishCompletion, zshCompletion } from './report/completions.js';
import { manPage } from './report/man.js';
import { renderStatus, statusJSON } from './report/status.js';
import { renderSteps, stepsJSON } from './report/apply.js';
import { renderGc } from './report/gc.js';
import { explainRows, renderExplain } from './report/explain.js';
import { planJSON, renderPlanText } from './report/plan.js';
import { renderRoots } from './report/roots.js';
import { DEFAULT_CONFIG_DIR } from './load/read.js';
import { jsonSchema } from './schema/json-schema.js';
import pkg from '../package.json' with { type: 'json' };
import { unitName } from './translate/output.js';

class UsageError extends Error {}

const defaultConfig = () => process.env['MACHINIST_CONFIG_DIR'] || DEFAULT_CONFIG_DIR;

function configDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`config directory ${dir} does not exist (set --config or MACHINIST_CONFIG_DIR)`);
  return dir;
}

/** Errors about the system rather than the configuration: the root, its files, the disk (exit 2). */
const SYSTEM = new Set(['write-error', 'manifest-error', 'busy-root', 'invalid-root']);

function exitCode(diags: Diagnostic[], strict: boolean): number {
  if (diags.some((d) => d.severity === 'error' && SYSTEM.has(d.code))) return 2;
  if (hasErrors(diags)) return 1;
  return strict && diags.length ? 1 : 0;
}

function printDiagnostics(diags: Diagnostic[], sources: Map<string, string>): void {
  if (diags.length)
    process.stderr.write(`${renderPretty(diags, { color: wantColor(process.stderr, process.env), sources })}\n`);
}

/** Which of these containers systemd is running now; undefined when that cannot be known (another root). */
function runningOf(names: string[], root: string): Set<string> | undefined {
  if (resolvePath(root) !== '/' || !names.length) return undefined;
  const r = spawnSync('systemctl', ['is-active', ...names.map(unitName)], { encoding: 'utf8', timeout: 5000 });
  if (r.error || typeof r.stdout !== 'string') return undefined;
  const states = r.stdout.trim().split('\n');
  return new Set(
    names.filter((_, i) => states[i] === 'active' || states[i] === 'reloading' || states[i] === 'activating'),
  );
}

/** Root directories of the machines machined knows now (only for the running system: root /). */
function machineRoots(root: string): string[] {
  if (resolvePath(root) !== '/') return [];
  const list = spawnSync('machinectl', ['list', '--no-legend', '--no-pager'], { encoding: 'utf8', timeout: 5000 });
  if (list.error || list.status !== 0) return [];
  const names = list.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n): n is string => !!n);
  return names.flatMap((n) => {
    const r = spawnSync('machinectl', ['show', n, '-p', 'RootDirectory', '--value'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    const dir = r.stdout?.trim();
    return dir ? [dir] : [];
  });
}

const formatOption = () => new Option('--format <format>', 'output format').choices(['text', 'json']).default('text');
const configOption = () =>
  new Option('-c, --config <dir>', 'config directory (default: $MACHINIST_CONFIG_DIR or /etc/machinist)');
const allowEmptyOption = () =>
  new Option(
    '--allow-empty',
    'accept a configuration without containers (compile then removes every file machinist wrote)',
  );

/** `machinist compile` */
function addCompile(p: Command): void {
  p.command('compile')
    .description('write .nspawn files, drop-ins, slices and autostart links under ROOT/etc/systemd')
    .addOption(configOption())
    .option('-r, --root <dir>', 'root of the target system', '/')
    .option('-n, --dry-run', 'write nothing; print what would change, with diffs')
    .option('--strict', 'treat warnings as errors')
    .addOption(allowEmptyOption())
    .addOption(formatOption())
    .action(
      (o: {
        config?: string;
        root: string;
        dryRun?: boolean;
        strict?: boolean;
        allowEmpty?: boolean;
        format: string;
      }) => {
        const r = compile({
          configDir: configDir(o.config ?? defaultConfig()),
          root: o.root,
          dryRun: o.dryRun === true,
          strict: o.strict === true,
          allowEmpty: o.allowEmpty === true,
          onWait: () => process.stderr.write(`machinist: another compile is writing into ${o.root}; waiting for it\n`),
        });
        const code = exitCode(r.diagnostics, o.strict === true);
        const names = r.changes.filter((c) => c.kind === 'container').map((c) => c.name);
        const running = r.applied === 'all' || o.dryRun ? runningOf(names, o.root) : undefined;
        const view = { dryRun: !r.written, running, emptyConfig: r.empty, changes: r.changes };
        if (o.format === 'json') {
          const plan = planJSON(r.plan, view);
          const out = {
            ok: code === 0,
            written: r.written,
            applied: r.applied,
            diagnostics: toJSON(r.diagnostics),
            plan,
            roots: r.roots,
          };
          process.stdout.write(`${jsonText(out)}\n`);
        } else {
          printDiagnostics(r.diagnostics, r.sources);
          if (code === 0 || o.dryRun)
            process.stdout.write(`${renderPlanText(r.plan, view, wantColor(process.stdout, process.env))}\n`);
          if (code === 0 || o.dryRun) for (const line of renderRoots(r.roots)) process.stdout.write(`${line}\n`);
          if (r.written && r.plan.actions.some((a) => a.op !== 'unchanged') && resolvePath(o.root) === '/')
            process.stdout.write('Run "systemctl daemon-reload" to load the changes.\n');
          if (!r.written && !o.dryRun) process.stderr.write('Nothing was written.\n');
          if (r.applied === 'part')
            process.stderr.write('Only part of the change was written: compile again to complete it.\n');
        }
        process.exitCode = code;
      },
    );
}

/** `machinist apply` */
function addApply(p: Command): void {
  p.command('apply')
    .description(
      'compile, daemon-reload, then do for each container exactly what its change needs (set live, restart, start, stop)',
    )
    .addOption(configOption())
    .option('-n, --dry-run', 'change nothing; print the plan and the systemctl commands apply would run')
    .option('--strict', 'treat warnings as errors')
    .addOption(allowEmptyOption())
    .addOption(formatOption())
    .action((o: { config?: string; dryRun?: boolean; strict?: boolean; allowEmpty?: boolean; format: string }) => {
      const r = apply({
        configDir: configDir(o.config ?? defaultConfig()),
        dryRun: o.dryRun === true,
        strict: o.strict === true,
        allowEmpty: o.allowEmpty === true,
        run: spawnRunner(),
        onWait: () => process.stderr.write('machinist: another compile is writing into /; waiting for it\n'),
      });
      const c = r.compiled;
      // A step systemd refused is an error like a configuration error (1); I/O and usage stay 2.
      const code = Math.max(exitCode(c.diagnostics, o.strict === true), r.ok ? 0 : 1);
      if (o.format === 'json') {
        const plan = planJSON(c.plan, { dryRun: !c.written, changes: c.changes });
        const out = {
          ok: code === 0,
          dry_run: o.dryRun === true,
          written: c.written,
          diagnostics: toJSON(c.diagnostics),
          plan,
          steps: stepsJSON(r.steps),
        };
        process.stdout.write(`${jsonText(out)}\n`);
      } else {
        printDiagnostics(c.diagnostics, c.sources);
        const color = wantColor(process.stdout, process.env);
        if (c.plan.actions.some((a) => a.op !== 'unchanged'))
          process.stdout.write(`${renderPlanText(c.plan, { dryRun: !c.written, changes: c.changes }, color)}\n\n`);
        if (!hasErrors(c.diagnostics)) process.stdout.write(`${renderSteps(r.steps, o.dryRun === true, color)}\n`);
        else process.stderr.write('Nothing was written or done.\n');
      }
      process.exitCode = code;
    });
}

/** `machinist status` */
function addStatus(p: Command): void {
  p.command('status')
    .description('show every container: what runs, its resources, and drift between the YAML, the files and what runs')
    .argument('[names...]', 'only these containers')
    .addOption(configOption())
    .option(
      '-H, --host <[user@]host>',
      'read another host over SSH (systemctl -H; repeatable); read-only',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .addOption(formatOption())
    .action((names: string[], o: { config?: string; host: string[]; format: string }) => {
      const dir = o.config ?? defaultConfig();
      // A host without a configuration still has containers to show (orphans): then nothing is compared.
      const configDir = o.host.length ? undefined : existsSync(dir) ? dir : undefined;
      const rows = status({ run: spawnRunner(30_000), configDir, hosts: o.host, names });
      if (o.format === 'json') process.stdout.write(`${jsonText(statusJSON(rows))}\n`);
      else process.stdout.write(`${renderStatus(rows, wantColor(process.stdout, process.env))}\n`);
      const unknown = names.filter((n) => !rows.some((r) => r.name === n));
      if (unknown.length)
        process.stderr.write(`machinist: no container ${unknown.join(', ')} in the YAML or running\n`);
      process.exitCode = unknown.length ? 1 : 0;
    });
}

/** `machinist validate` */
function addValidate(p: Command): void {
  p.command('validate')
    .description('check the configuration and report every problem; writes nothing')
    .addOption(configOption())
    .option('--strict', 'treat warnings as errors')
    .addOption(allowEmptyOption())
    .addOption(formatOption())
    .action((o: { config?: string; strict?: boolean; allowEmpty?: boolean; format: string }) => {
      const r = check({ configDir: configDir(o.config ?? defaultConfig()), allowEmpty: o.allowEmpty === true });
      const code = exitCode(r.diagnostics, o.strict === true);
      if (o.format === 'json')
        process.stdout.write(
          `${jsonText({ ok: code === 0, containers: r.model.containers.map((c) => c.name), diagnostics: toJSON(r.diagnostics) })}\n`,
        );
      else {
        printDiagnostics(r.diagnostics, r.sources);
        if (code === 0)
          process.stdout.write(`ok: ${r.model.containers.length} container(s), ${r.model.slices.length} slice(s)\n`);
      }
      process.exitCode = code;
    });
}

/** `machinist explain` */
function addExplain(p: Command): void {
  p.command('explain')
    .description('show every effective setting of a container and the file:line it came from')
    .argument('<name>', 'machine name')
    .addOption(configOption())
    .addOption(formatOption())
    .action((name: string, o: { config?: string; format: string }) => {
      const r = check({ configDir: configDir(o.config ?? defaultConfig()), allowEmpty: true });
      const c = r.model.containers.find((x) => x.name === name);
      if (!c) {
        const own = r.diagnostics.filter((d) => d.container === name || r.model.failed.get(name)?.errors.includes(d));
        printDiagnostics(own, r.sources);
        if (!r.model.failed.has(name))
          throw new UsageError(`no container "${name}" in ${o.config ?? defaultConfig()}/containers`);
        process.exitCode = 1;
        return;
      }
      if (o.format === 'json')
        process.stdout.write(
          `${jsonText({ name, file: c.file.source.file, profiles: c.profiles, settings: explainRows(c) })}\n`,
        );
      else process.stdout.write(`${renderExplain(c)}\n`);
    });
}

/** `machinist gc` */
function addGc(p: Command): void {
  p.command('gc')
    .description('remove image versions and container data (under /var/lib/machinist) that no container uses')
    .addOption(configOption())
    .option('-r, --root <dir>', 'root of the target system', '/')
    .option('-n, --dry-run', 'delete nothing; list what would be removed')
    .addOption(formatOption())
    .action((o: { config?: string; root: string; dryRun?: boolean; format: string }) => {
      const runningRoots = () => machineRoots(o.root);
      const r = gc({
        configDir: configDir(o.config ?? defaultConfig()),
        root: o.root,
        dryRun: o.dryRun === true,
        runningRoots,
      });
      const code = exitCode(r.diagnostics, false);
      if (o.format === 'json') {
        process.stdout.write(
          `${jsonText({ ok: code === 0, removed: r.removed, diagnostics: toJSON(r.diagnostics), items: r.items })}\n`,
        );
      } else {
        printDiagnostics(r.diagnostics, r.sources);
        if (code === 0) process.stdout.write(`${renderGc(r.items, o.dryRun === true)}\n`);
        else
          process.stderr.write(
            'Nothing was removed: gc decides what is unused from the configuration, so fix its errors first.\n',
          );
      }
      process.exitCode = code;
    });
}

/** `machinist schema` */
function addSchema(p: Command): void {
  p.command('schema')
    .description('print the JSON Schema of the configuration files (with --kind: one file kind, for an editor)')
    .addOption(
      new Option('--kind <kind>', 'the schema of one kind of file, as its top-level $ref').choices([
        'container',
        'slice',
        'settings',
      ]),
    )
    .action((o: { kind?: string }) => {
      const all = jsonSchema() as Record<string, unknown>;
      const one = o.kind ? { ...all, $ref: `#/$defs/${o.kind}` } : all;
      process.stdout.write(`${jsonText(one)}\n`);
    });
}

/** `machinist completions` */
function addCompletions(p: Command): void {
  p.command('completions')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action((shell: string) => {
      const make = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[shell as 'bash'];
      process.stdout.write(make(p));
    });
}

/** `machinist man` */
function addMan(p: Command): void {
  p.command('man')
    .description('print the man page machinist(1), made from the same definitions as --help')
    .action(() => {
      process.stdout.write(manPage(p, p.version() ?? ''));
    });
}

export function program(): Command {
  const p = new Command('machinist')
    .description('Compile YAML container definitions into systemd-nspawn settings, unit drop-ins and slices.')
    .version(pkg.version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  addCompile(p);
  addApply(p);
  addStatus(p);
  addValidate(p);
  addExplain(p);
  addGc(p);
  addSchema(p);
  addCompletions(p);
  addMan(p);
  return p;
}

export function main(argv: string[]): void {
  try {
    program().parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`machinist: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    // A bug: its message, never a stack trace (MACHINIST_DEBUG=1 shows that, for a bug report).
    const message = e instanceof Error ? e.message : String(e);
    const detail = process.env['MACHINIST_DEBUG'] ? ((e as Error).stack ?? message) : message;
    process.stderr.write(`machinist: internal error: ${detail}\n`);
    process.stderr.write('This is a bug in machinist; please report it (MACHINIST_DEBUG=1 shows where it happened).\n');
    process.exitCode = 2;
  }
}
