/**
 * Hostile values through a booted systemd 252: each one is refused at its YAML line, or systemd ends up with
 * exactly the value the YAML holds.
 *
 *  - `directory:` reaches systemd-nspawn through units/machine@.service, whose ExecStart= expands
 *    $MACHINIST_ARGS unbraced (split and unquoted a second time). The host's `systemd-nspawn` is found first in
 *    /usr/local/sbin, where a stand-in records the argv it gets for machines named argv-* and starts nothing;
 *    that argv must be the template's words plus `--directory=VALUE`, byte for byte.
 *  - `devices:` and `resources.io.*` device paths: `systemctl show` must list the very path.
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
import { build } from '../../src/pipeline.js';
import { sources } from '../helpers/sources.js';
import { HOSTILE_NAMES, yamlString } from '../hostile/corpus.js';
import { templateCommand } from '../oracle/examples-oracle.js';
import { bootHost, configWarnings, type Host } from './harness.js';
import { hostHooks } from './hooks.js';
import { REPO } from './install.js';

const E2E = process.env.MACHINIST_E2E === '1';
const TEMPLATE_TEXT = readFileSync(path.join(REPO, 'units/machine@.service'), 'utf8');

/** Stands in for systemd-nspawn: records the argv of machines argv-* (NUL-separated) and fails their start. */
const RECORDER = `#!/bin/sh
for a; do
  case "$a" in --machine=argv-*)
    mkdir -p /run/machinist-argv
    printf '%s\\0' "$@" > "/run/machinist-argv/\${a#--machine=}"
    exit 1;;
  esac
done
exec /usr/bin/systemd-nspawn "$@"
`;

interface Case {
  label: string;
  /** The hostile value as the YAML holds it. */
  value: string;
  machine: string;
  yaml: string;
  /** Error diagnostics of this container: a refusal. */
  errors: { line: number | undefined; message: string }[];
}

/** One container per value: `yaml(value)` puts the value on line 1 of containers/PREFIX-N.yaml. */
function cases(prefix: string, values: ReadonlyArray<readonly [string, string]>, yaml: (v: string) => string): Case[] {
  return values.map(([label, value], i) => ({
    label,
    value,
    machine: `${prefix}-${i}`,
    yaml: `${yaml(value)}\n`,
    errors: [],
  }));
}

const under = (dir: string) => HOSTILE_NAMES.map(([label, name]) => [label, `${dir}/${name}`] as const);
const DIRECTORIES = cases('argv', under('/srv/roots'), (v) => `directory: ${yamlString(v)}`);
const DEVICES = cases('da', under('/dev'), (v) => `devices: [{ path: ${yamlString(v)}, access: rw }]`);
const IO = cases('io', under('/dev'), (v) => {
  const device = yamlString(v);
  return `resources: { io: { device_weight: { ${device}: 100 }, read_bandwidth_max: { ${device}: 1M } } }`;
});
const ALL = [...DIRECTORIES, ...DEVICES, ...IO];

/** Fills in each case's refusals, from one pure build of all of them. */
function classify(): void {
  const b = build(sources(Object.fromEntries(ALL.map((c) => [`containers/${c.machine}.yaml`, c.yaml]))));
  for (const c of ALL) {
    c.errors = b.diagnostics
      .filter((d) => d.severity === 'error' && d.file?.endsWith(`/containers/${c.machine}.yaml`))
      .map((d) => ({ line: d.pos?.line, message: d.message }));
  }
}

// Pure, so done while the tests are collected: which values are refused decides which checks exist.
classify();

const accepted = (list: Case[]) => list.filter((c) => c.errors.length === 0);
const each = (list: Case[]) => list.map((c) => [c.label, c] as const);

describe.skipIf(!E2E)('hostile values on a booted systemd: refused at their line, or held by systemd exactly', () => {
  let host: Host | undefined;
  let config = '';
  hostHooks(() => host, ['machine@argv-*', 'machine@da-*', 'machine@io-*'], 60);

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'machinist-e2e-escape-'));
    mkdirSync(path.join(config, 'containers'));
    for (const c of accepted(ALL)) writeFileSync(path.join(config, 'containers', `${c.machine}.yaml`), c.yaml);
    host = await bootHost({
      timeoutMs: 45_000,
      setup: (root) => {
        cpSync(path.join(REPO, 'units/machine@.service'), path.join(root, 'usr/lib/systemd/system/machine@.service'));
        mkdirSync(path.join(root, 'usr/local/sbin'), { recursive: true });
        writeFileSync(path.join(root, 'usr/local/sbin/systemd-nspawn'), RECORDER, { mode: 0o755 });
        const r = compile({ configDir: config, shownDir: '/etc/machinist', root });
        if (!r.written) throw new Error(`compile wrote nothing: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      },
    });
  });
  afterAll(() => {
    if (config) rmSync(config, { recursive: true, force: true });
  });

  test('the corpus has values of both outcomes', () => {
    expect(accepted(DIRECTORIES).map((c) => c.label)).toEqual(
      expect.arrayContaining(['single quote', 'double quote', 'backslash', 'space']),
    );
    expect(DIRECTORIES.filter((c) => c.errors.length).map((c) => c.label)).toEqual(expect.arrayContaining(['newline']));
  });

  test.each(each(ALL.filter((c) => c.errors.length)))('refused at its line: %s', (_label, c) => {
    expect(c.errors.map((e) => e.line)).toContain(1);
  });

  describe('directory: the argv systemd-nspawn receives from machine@.service', () => {
    const recorded = new Map<string, string[]>();
    beforeAll(async () => {
      const units = accepted(DIRECTORIES).map((c) => `machine@${c.machine}.service`);
      await host!.sh(`for u in ${units.join(' ')}; do systemctl start "$u"; done; true`, { timeoutMs: 120_000 });
      for (const c of accepted(DIRECTORIES)) {
        const r = await host!.run(['cat', `/run/machinist-argv/${c.machine}`], { allowFail: true });
        if (r.code === 0) recorded.set(c.machine, r.stdout.split('\0').slice(0, -1));
      }
    });

    test.each(each(accepted(DIRECTORIES)))('%s', (_label, c) => {
      const expected = templateCommand(TEMPLATE_TEXT)
        .slice(1)
        .flatMap((w) => (w === '$MACHINIST_ARGS' ? [`--directory=${c.value}`] : [w.replaceAll('%i', c.machine)]));
      expect(recorded.get(c.machine)).toEqual(expected);
    });
  });

  /** `systemctl show -p KEY` lines of a unit, values only. */
  async function shown(unit: string, key: string): Promise<string[]> {
    const r = await host!.run(['systemctl', 'show', unit, '-p', key]);
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith(`${key}=`))
      .map((l) => l.slice(key.length + 1));
  }

  test.each(each(accepted(DEVICES)))('DeviceAllow= holds the device path: %s', async (_label, c) => {
    expect(await shown(`machine@${c.machine}.service`, 'DeviceAllow')).toContain(`${c.value} rw`);
  });

  test.each(each(accepted(IO)))('IODeviceWeight=, IOReadBandwidthMax= hold the device path: %s', async (_label, c) => {
    expect(await shown(`machine@${c.machine}.service`, 'IODeviceWeight')).toEqual([`${c.value} 100`]);
    // IO bandwidths count in powers of 1000 in systemd: 1M is 1000000 bytes per second.
    expect(await shown(`machine@${c.machine}.service`, 'IOReadBandwidthMax')).toEqual([`${c.value} 1000000`]);
  });

  test('systemd did not complain about any of our files', async () => {
    const log = (await host!.run(['journalctl', '-b', '--no-pager', '-o', 'cat'], { allowFail: true })).stdout;
    expect(configWarnings(log, ['50-machinist.conf', 'machine@.service'])).toEqual([]);
  });
});
