// The hostile-value corpus: every string-valued key of a container file (keys.ts) × every hostile value
// (corpus.ts). Each value is either refused at its own YAML line (and its container writes nothing), or real
// systemd reads back exactly that value. All cases are compiled in one pure build, then judged in batches:
//  - unit keys: one `systemd --test` run loads every drop-in and dumps what it parsed (unit-oracle.ts);
//  - .nspawn keys: all .nspawn files joined into one, parsed once by systemd-nspawn (complaints name the line);
//    environment values and command words: one container each, run by systemd-nspawn, gives them back.
// A sentinel line after the value (Restart=always) shows that systemd read the whole drop-in.
// What systemd's second unquoting of $MACHINIST_ARGS makes of `directory:` is proven in test/e2e/escape.e2e.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { renderOwned } from '../../src/emit/ownership.js';
import { renderIni } from '../../src/ini/render.js';
import { build } from '../../src/pipeline.js';
import { jsonSchema } from '../../src/schema/json-schema.js';
import { parse } from 'yaml';
import { pyYaml } from '../helpers/pyyaml.js';
import { sources } from '../helpers/sources.js';
import { parseNspawn } from '../oracle/examples-oracle.js';
import { nulItems, nspawnUnavailable, runContainer, settingsComplaints } from '../oracle/nspawn-oracle.js';
import { dumped, loadUnits, unitOracleUnavailable, type UnitDump } from '../oracle/unit-oracle.js';
import { HOSTILE_TEXT } from './corpus.js';
import { caseYaml, HOSTILE_KEYS, type HostileKey } from './keys.js';
import { iniOf } from '../../src/translate/output.js';

const unavailable = nspawnUnavailable ?? unitOracleUnavailable;

interface Case {
  key: HostileKey;
  label: string;
  value: string;
  /** Index of the value in HOSTILE_TEXT (environment variables are named H_<index>). */
  index: number;
  machine: string;
  errors: Diagnostic[];
  nspawn?: string;
  dropin?: string;
  /** The seed document its reading names (reading kind seed). */
  seed?: string;
}

const MiB = 1024 * 1024;
const CASES: Case[] = HOSTILE_KEYS.flatMap((key, k) =>
  HOSTILE_TEXT.flatMap(([label, text], index) =>
    key.bounded && text.length >= MiB
      ? []
      : [{ key, label, value: key.value(text), index, machine: `h${k}-${index}`, errors: [] }],
  ),
);
const unitName = (c: Case) => `machine@${c.machine}.service`;
const accepted = (kind?: string) =>
  CASES.filter((c) => c.errors.length === 0 && (!kind || c.key.reading.kind === kind));
const caseName = (c: Case) => `${c.key.path} = ${c.label}`;
const named = (list: Case[]) => list.map((c) => [caseName(c), c] as const);

/**
 * Checks (case: check) that fail because validation does not yet refuse the value, each with what systemd does
 * with it. A pinned check must fail (it.fails), so a fix turns it red until its line here is removed.
 */
const PINNED: Record<string, string> = {};

const pinsInUse = new Set<string>();

/** it.each over cases, with the pinned ones expected to fail. */
function eachCase(list: Case[], title: string, check: (c: Case) => void | Promise<void>): void {
  const isPinned = (c: Case) => {
    const pinned = PINNED[`${caseName(c)}: ${title}`] !== undefined;
    if (pinned) pinsInUse.add(`${caseName(c)}: ${title}`);
    return pinned;
  };
  const open = list.filter((c) => !isPinned(c));
  const pinned = list.filter(isPinned);
  if (open.length) it.each(named(open))(`%s: ${title}`, (_n, c) => check(c));
  if (pinned.length) it.fails.each(named(pinned))(`%s (pinned defect): ${title}`, (_n, c) => check(c));
}

/** Compiles every case at once and keeps, per case, its errors or its two rendered files. */
function compileAll(): void {
  const files = Object.fromEntries(
    CASES.map((c) => [`containers/${c.machine}.yaml`, caseYaml(c.key, c.value, c.index)]),
  );
  const b = build(sources(files));
  const byMachine = new Map(CASES.map((c) => [c.machine, c]));
  for (const d of b.diagnostics) {
    const m = /\/containers\/(h\d+-\d+)\.yaml$/.exec(d.file ?? '');
    if (d.severity === 'error' && m) byMachine.get(m[1]!)!.errors.push(d);
  }
  for (const o of b.outputs) {
    const c = o.container === undefined ? undefined : byMachine.get(o.container);
    if (!c || o.kind !== 'file') continue;
    const r = c.key.reading;
    if (r.kind === 'seed' && o.rel.endsWith(`.cloud-init/${r.file}`)) c.seed = renderOwned(o.doc);
    if (o.dir === 'nspawn' && o.rel.endsWith('.nspawn')) c.nspawn = renderIni(iniOf(o.doc));
    else if (o.rel.endsWith('/50-machinist.conf')) c.dropin = renderIni(iniOf(o.doc));
  }
}

// Pure, so done while the tests are collected: which cases are refused decides which checks exist.
compileAll();

/** One `systemd --test` over every accepted container's drop-in. */
function loadDropins(): { dump: UnitDump; log: string } {
  const dir = mkdtempSync('/tmp/machinist-hostile-units-');
  try {
    chmodSync(dir, 0o755);
    const template = new URL('../../units/machine@.service', import.meta.url);
    writeFileSync(join(dir, 'machine@.service'), readFileSync(template));
    const withDropin = accepted().filter((c) => c.dropin !== undefined);
    for (const c of withDropin) {
      mkdirSync(join(dir, `${unitName(c)}.d`), { mode: 0o755 });
      writeFileSync(join(dir, `${unitName(c)}.d/50-machinist.conf`), c.dropin!, { mode: 0o644 });
    }
    const wants = withDropin.map((c) => `Wants=${unitName(c)}\n`).join('');
    writeFileSync(join(dir, 'machinist-hostile.target'), `[Unit]\n${wants}`);
    chmodSync(join(dir, 'machine@.service'), 0o644);
    chmodSync(join(dir, 'machinist-hostile.target'), 0o644);
    return loadUnits(dir, 'machinist-hostile.target');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every accepted .nspawn file joined into one, parsed by systemd-nspawn once: complaints by case. */
function parseAllNspawn(): { complaints: Map<string, string[]>; output: string[] } {
  const owner: Case[] = [];
  let text = '';
  for (const c of accepted().filter((x) => x.nspawn !== undefined)) {
    for (const _line of c.nspawn!.split('\n')) owner.push(c);
    text += `${c.nspawn!}\n`;
  }
  const r = parseNspawn('machinist-hostile', text);
  const complaints = new Map<string, string[]>();
  // Joining files puts one case's Boot=no after another's ProcessTwo=yes; nspawn says so, about the join.
  for (const line of r.complaints.filter((l) => !/Conflicting Boot= or ProcessTwo= setting found/.test(l))) {
    const m = /\.nspawn:(\d+): /.exec(line);
    const c = m ? owner[Number(m[1]) - 1] : undefined;
    const key = c?.machine ?? '(whole file)';
    complaints.set(key, [...(complaints.get(key) ?? []), line]);
  }
  return { complaints, output: r.output };
}

/** `Key=` lines of a rendered file. */
const linesOf = (file: string | undefined, key: string) =>
  (file ?? '')
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

const skip = unavailable !== undefined && !process.env.CI;

describe.skipIf(skip)('hostile values: refused at their line, or read back exactly by systemd', () => {
  let units: { dump: UnitDump; log: string } = { dump: new Map(), log: '' };
  let parsed: { complaints: Map<string, string[]>; output: string[] } = { complaints: new Map(), output: [] };
  let env = new Map<string, string>();
  let argv: string[] = [];
  let argvExpected: string[] = [];

  beforeAll(() => {
    units = loadDropins();
    parsed = parseAllNspawn();

    const envLines = accepted('env').flatMap((c) => linesOf(c.nspawn, 'Environment').map((v) => `Environment=${v}`));
    const r = runContainer(`[Exec]\n${envLines.join('\n')}\n`, ['/usr/bin/env', '-0']);
    const split = (item: string): [string, string] => {
      const eq = item.indexOf('=');
      return [item.slice(0, eq), item.slice(eq + 1)];
    };
    env = new Map(nulItems(r.stdout).map(split));

    // Each command case is `command: [VALUE]`: its Parameters= value is VALUE's encoding, one word.
    const words = accepted('argv').map((c) => linesOf(c.nspawn, 'Parameters')[0] ?? '');
    argvExpected = accepted('argv').map((c) => c.value);
    const run = runContainer(`[Exec]\nBoot=no\nParameters=/usr/bin/printf '%s\\0' ${words.join(' ')}\n`);
    argv = nulItems(run.stdout);
  }, 120_000);

  it('has root, systemd and systemd-nspawn (required when CI is set)', () => expect(unavailable).toBeUndefined());

  it('pins only checks that exist (a value now refused leaves its pin unused: remove it)', () => {
    expect(Object.keys(PINNED).filter((k) => !pinsInUse.has(k))).toEqual([]);
  });

  it('covers every string-valued key of the container schema', () => {
    const covered = new Set(HOSTILE_KEYS.map((k) => k.path.replace(/ \(.*\)$/, '')));
    expect(
      stringKeys()
        .filter((p) => !covered.has(p))
        .join(' '),
    ).toBe('');
  });

  it('has cases of both outcomes for the keys that carry text', () => {
    const description = CASES.filter((c) => c.key.path === 'description');
    expect(description.filter((c) => c.errors.length === 0).map((c) => c.label)).toEqual(
      expect.arrayContaining(['single quote', 'backslash', 'percent specifiers', 'dollar variables', 'non-ASCII']),
    );
    expect(description.filter((c) => c.errors.length > 0).map((c) => c.label)).toEqual(
      expect.arrayContaining(['newline', 'NUL', 'too long for one line (1 MiB)']),
    );
  });

  eachCase(
    CASES.filter((c) => c.errors.length > 0),
    'refused at line 1, nothing written',
    (c) => {
      expect(c.errors.map((d) => d.pos?.line)).toContain(1);
      expect(c.nspawn).toBeUndefined();
      expect(c.dropin).toBeUndefined();
    },
  );

  eachCase(
    accepted().filter((c) => c.dropin !== undefined),
    'systemd read the whole drop-in',
    (c) => {
      const restart = c.key.path === 'restart' ? c.value : 'always';
      expect(dumped(units.dump, unitName(c), 'Restart')).toEqual([restart]);
    },
  );

  eachCase(accepted('unit'), 'what systemd holds is the value', (c) => {
    const r = c.key.reading as Extract<HostileKey['reading'], { kind: 'unit' }>;
    const held = dumped(units.dump, unitName(c), r.dumpKey);
    if (r.dumpKey.startsWith('IO')) {
      expect(held.map((h) => h.slice(0, h.lastIndexOf(' ')))).toEqual([c.value]);
    } else {
      expect(held).toContain(r.expect(c.value));
    }
  });

  eachCase(accepted('env'), 'the container gets the variable exactly', (c) => {
    expect(env.get(`H_${c.index}`)).toBe(c.value);
  });

  it('command words: the container gets each as one argument, exactly', () => {
    expect(argv).toEqual(argvExpected);
  });

  it('systemd-nspawn read the joined .nspawn files to the end', () => {
    expect(parsed.complaints.get('(whole file)') ?? []).toEqual([]);
    expect(parsed.output.join('\n')).not.toMatch(/Line too long/);
  });

  eachCase(
    accepted().filter((c) => c.nspawn !== undefined && c.key.reading.kind !== 'raw'),
    'systemd-nspawn has no complaint about its lines',
    (c) => expect((parsed.complaints.get(c.machine) ?? []).join('\n')).toBe(''),
  );

  eachCase(accepted('raw'), 'a pass-through value stays one line, as written', (c) => {
    const r = c.key.reading as Extract<HostileKey['reading'], { kind: 'raw' }>;
    expect(linesOf(r.file === 'unit' ? c.dropin : c.nspawn, r.key)).toEqual([c.value]);
  });

  describe('cloud-init seeds', () => {
    const cases = accepted('seed');
    // One PyYAML run reads every seed; without it, the YAML library reads them as YAML 1.1, as cloud-init does.
    const read = pyYaml(cases.map((c) => c.seed ?? '')) ?? cases.map((c) => parse(c.seed ?? '', { version: '1.1' }));
    const byMachine = new Map(cases.map((c, i) => [c.machine, read[i]]));
    eachCase(cases, "cloud-init's YAML reader gets the key and its value exactly", (c) => {
      expect((byMachine.get(c.machine) as Record<string, unknown>)[c.value]).toBe(c.value);
    });
  });

  it('no line of the run containers was refused', () => {
    expect(settingsComplaints(parsed.output.join('\n')).filter((l) => /Line too long/.test(l))).toEqual([]);
  });
});

/** YAML paths of string-valued keys in the container schema (JSON Schema), as HOSTILE_KEYS names them. */
function stringKeys(): string[] {
  const out: string[] = [];
  const walk = (s: Record<string, unknown>, path: string): void => {
    const types = [s, ...((s['anyOf'] as Record<string, unknown>[] | undefined) ?? [])];
    if (types.some((t) => t['type'] === 'string' || Array.isArray(t['enum']))) out.push(path);
    for (const t of types) {
      const props = t['properties'] as Record<string, Record<string, unknown>> | undefined;
      if (props) for (const [k, v] of Object.entries(props)) walk(v, path ? `${path}.${k}` : k);
      const items = t['items'] as Record<string, unknown> | undefined;
      if (items) walk(items, `${path}[]`);
      const extra = t['additionalProperties'] as Record<string, unknown> | boolean | undefined;
      if (extra && typeof extra === 'object') walk(extra, `${path}.*`);
      const keys = t['propertyNames'] as Record<string, unknown> | undefined;
      if (keys && (keys['type'] === 'string' || keys['pattern'] !== undefined)) out.push(`${path}.*`);
    }
  };
  const container = (jsonSchema() as { $defs: { container: Record<string, unknown> } }).$defs.container;
  walk(container, '');
  return [...new Set(out)].sort();
}
