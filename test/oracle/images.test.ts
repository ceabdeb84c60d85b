// The units machinist writes for declared images (fetch drop-ins, overlay mount units, overlay and copy drop-ins)
// judged by systemd-analyze verify together with the shipped templates, including a local file and a local
// directory image, and a raw image copied for its container.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';
import { examplesOracleUnavailable, verifyUnits } from './examples-oracle.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const sha = 'a'.repeat(64);
const files: Record<string, string> = {
  'images/net.yaml': `url: https://example.org/a%20b/root.tar.zst?x=1&y=2\nsha256: ${sha}\n`,
  'images/file.yaml': `path: /srv/images/root.tar.gz\nsha256: ${sha}\n`,
  'images/plain.yaml': 'path: /srv/images/plain.tar\n',
  'images/tree.yaml': 'path: /srv/roots/debian\n',
  'images/disk.yaml': `url: http://example.org/disk.raw.xz\nsha256: ${sha}\n`,
  'containers/web-1.yaml': 'image: net\n',
  'containers/copy.yaml': 'image: file\nstorage: copy\n',
  'containers/plain.yaml': 'image: plain\n',
  'containers/tree.yaml': 'image: tree\n',
  'containers/disk.yaml': 'image: disk\nstorage: copy\n',
};

function compiled(): string {
  const base = mkdtempSync(join(tmpdir(), 'machinist-images-oracle-'));
  temps.push(base);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(base, 'config', rel, '..'), { recursive: true });
    writeFileSync(join(base, 'config', rel), text);
  }
  mkdirSync(join(base, 'root'));
  const r = compile({ configDir: join(base, 'config'), shownDir: '/etc/machinist', root: join(base, 'root') });
  expect(r.diagnostics).toEqual([]);
  return join(base, 'root/etc/systemd/system');
}

describe.skipIf(examplesOracleUnavailable !== undefined && !process.env.CI)(
  'systemd judges the image and root units',
  () => {
    it('verify: every fetch, overlay, copy and mount unit with the shipped templates, without a complaint', async () => {
      const v = await verifyUnits(compiled());
      expect(v.units).toEqual(
        expect.arrayContaining([
          `machinist-image@net_${sha}.service`,
          `machinist-image@file_${sha}.service`,
          'machinist-image@plain_local.service',
          'machinist-image-fs@tree_local.service',
          `machinist-image@disk_${sha}.service`,
          'machinist-overlay@web-1.service',
          'machinist-copy@copy.service',
          'machinist-copy@disk.service',
          'var-lib-machines-web\\x2d1.mount',
          'machine@web-1.service',
        ]),
      );
      expect(v.complaints, v.output.join('\n')).toEqual([]);
    });

    it('verify would catch the ordering cycle of a mount unit with its default dependencies', async () => {
      const dir = compiled();
      const mount = join(dir, 'var-lib-machines-web\\x2d1.mount');
      writeFileSync(mount, readFileSync(mount, 'utf8').replace('DefaultDependencies=no\n', ''));
      const v = await verifyUnits(dir);
      expect(v.complaints.join('\n')).toMatch(/order is cyclic|ordering cycle/);
    });
  },
);
