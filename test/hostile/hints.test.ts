// Every refusal of a value says what to write instead, in the user's own terms ("2GB" → "2G"), and the
// generated validator (accept.generated.ts), which decides alone when it says yes, refuses what zod refuses.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { catalogue } from '../../src/diagnostics/catalogue.js';
import { accept } from '../../src/schema/accept.generated.js';
import { containerSchema } from '../../src/schema/container.js';
import { keysAt } from '../../src/schema/validate.js';
import { buildFrom } from '../helpers/sources.js';

const errorsOf = (yaml: string) =>
  buildFrom({ 'containers/web.yaml': yaml }).diagnostics.filter((d) => d.severity === 'error');

/** The one error of a file, which must be at `line` and `path`. */
function refusal(yaml: string, path: (string | number)[], line: number) {
  const errs = errorsOf(yaml);
  expect(errs.map((e) => [e.path, e.pos?.line])).toEqual([[path, line]]);
  return errs[0]!;
}

describe('hints say what to write', () => {
  it.each([
    ['resources: { memory: { max: 2GB } }', 'Write 2G'],
    ['resources: { memory: { max: 512 MiB } }', 'Write 512M'],
    ['resources: { io: { read_bandwidth_max: { /dev/sda: 10MB } } }', 'Write 10M'],
    ['resources: { cpu: { quota: 150 } }', 'Write "150%"'],
    ['resources: { cpu: { quota: "150" } }', 'Write "150%"'],
    ['resources: { cpu: { quota: 1.5 } }', 'Write "150%" for 1.5 CPUs, or "1.5%" for 1.5% of one CPU.'],
    ['resources: { cpu: { cpus: "0-3;7" } }', 'Write "0-3,7"'],
    ['network: { mode: veth, ports: ["sctp:80"] }', '"tcp:80"'],
    ['environment: { 1BAD: x }', 'e.g. _1BAD'],
    ['binds: ["/a/../b:/b"]', 'Write "/b:/b"'],
    ['binds: ["/a:/b:ro,norbnd"]', 'Write "norbind" instead of "norbnd"'],
    ['directory: /srv//root/', 'Write "/srv/root"'],
    ['hostname: under_score', 'Write "under-score"'],
    ['slice: "a--b"', 'Write "a-b"'],
    ['security: { system_call_filter: ["~@debug @obsolete"] }', '["~@debug", "~@obsolete"]'],
    ['devices: [{ path: /dev/fuse, access: rwx }]', 'Write rw:'],
    ['restart: sometimes', 'Write one of: no, on-success'],
    ['binds: [{ target: /x }]', 'Add source:'],
  ])('%s → %s', (yaml, hint) => {
    const errs = errorsOf(`${yaml}\n`);
    expect(errs).toHaveLength(1);
    expect(errs[0]!.hint).toContain(hint);
  });

  it('an image URL is not called a host name; the hint says how to get the image', () => {
    const d = refusal('image: https://mirror.example/debian-12.tar.xz\n', ['image'], 1);
    expect(d.message).not.toMatch(/host name/);
    expect(d.message).toMatch(/image directory under \/var\/lib\/machines/);
    expect(d.hint).toMatch(/not a URL. Declare it in images\/NAME.yaml \(url: and sha256:\), then write image: NAME/);
    expect(refusal('image: /srv/roots/web\n', ['image'], 1).hint).toBe(
      'For a root directory elsewhere, write directory: /srv/roots/web instead of image:.',
    );
  });
});

describe('every refusal says what to write', () => {
  // Every key of a container file, nested ones included, with values of each wrong kind.
  const paths: string[][] = [];
  const walk = (at: string[]) => {
    for (const k of keysAt(containerSchema, at)) {
      const p = [...at, k];
      if (['nspawn', 'service'].includes(p[0]!) && p.length > 1) continue; // pass-through: checked against key lists
      paths.push(p);
      walk(p);
    }
  };
  walk([]);
  const wrong = ['[[1]]', '{ q: 1 }', '"%bad value%"', '-5', '"/a/../b"', 'yes'];
  const nest = (path: string[], value: string) =>
    path.reduceRight((inner, k) => `{ ${k}: ${inner} }`, value).slice(2, -2);

  it.each(paths.map((p) => [p.join('.'), p] as const))('%s', (_label, path) => {
    for (const value of wrong) {
      for (const d of errorsOf(`${nest(path, value)}\n`).filter((x) => x.code === 'invalid-value')) {
        expect(d.hint, `${d.message} (for ${value})`).toBeDefined();
        expect(d.hint, `${d.message} (for ${value})`).not.toBe(catalogue['invalid-value'].hint);
      }
    }
  });
});

describe('the generated validator agrees with zod on these values', () => {
  // accept.generated.ts decides alone when it says yes, so it must refuse whatever zod refuses.
  const docs = [
    'network: { mode: bridge, bridge: "br%0" }',
    'network: { mode: zone, zone: abcdefghijklm }',
    'network: { mode: zone, zone: abcdefghijkl }',
    'security: { capabilities: { drop: [CAP_NET_RAWW], add: [all] } }',
    'security: { capabilities: { ambient: [all] } }',
    `slice: ${'a'.repeat(242)}`,
    `slice: ${'a'.repeat(241)}`,
    `directory: /srv/${'a'.repeat(256)}`,
    'devices: ["/dev/dri/*", char-drm, { class: block-loop }]',
    'devices: [/srv/x]',
    'tmpfs: ["/run/x:noatime"]',
    'tmpfs: ["/run/x:size=10m,mode=0700"]',
    'bind_users: [root]',
    'bind_users: [alice]',
    'resources: { io: { device_weight: { "/dev/sd\0a": 100 } } }',
  ];
  it.each(docs)('%s', (yaml) => {
    const b = buildFrom({ 'containers/web.yaml': `${yaml}\n` });
    const zodSays = z.safeParse(containerSchema, b.files[0]!.value).success;
    expect(accept.container(b.files[0]!.value)).toBe(zodSays);
  });
});
