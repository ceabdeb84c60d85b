// images/NAME.yaml through every stage: validation (at the YAML line, did-you-mean), resolution (a container's
// image, storage, what fails with a broken image), the units written, where the root comes from, and gc.
import { describe, expect, it } from 'vitest';
import { gcItems } from '../../src/emit/gc.js';
import { renderGc } from '../../src/report/gc.js';
import { renderRoots } from '../../src/report/roots.js';
import { rootViews } from '../../src/translate/roots.js';
import { explainRows } from '../../src/report/explain.js';
import { formatFromName } from '../../src/resolve/images.js';
import { buildFrom, outputText } from '../helpers/sources.js';
import { iniOf } from '../../src/translate/output.js';

const sha = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03';
const other = 'b'.repeat(64);
const image = (body: string) => ({ 'images/deb.yaml': body });
const net = `url: https://example.org/deb.tar.xz\nsha256: ${sha}\n`;
const id = `deb_${sha}`;

const messages = (files: Record<string, string>) =>
  buildFrom(files).diagnostics.map(
    (d) =>
      `${d.code} ${d.file?.replace('/etc/machinist/', '')}:${d.pos?.line ?? '-'} ${d.message}${d.hint ? ` | ${d.hint}` : ''}`,
  );

describe('images/NAME.yaml is validated like every other file', () => {
  it('accepts a URL with its sha256, a local file, a local directory', () => {
    for (const body of [
      net,
      'path: /srv/deb.tar\n',
      `path: /srv/deb.raw\nsha256: ${sha}\n`,
      'path: /srv/roots/deb\n',
      `url: http://h/x\nformat: raw\nsha256: ${sha}\n`,
    ]) {
      expect(messages(image(body)), body).toEqual([]);
    }
  });

  it('a url without sha256 is an error at the url line, with a hint how to get one', () => {
    const m = messages(image('description: x\nurl: https://example.org/deb.tar.xz\n'));
    expect(m).toEqual([
      expect.stringMatching(
        /^missing-sha256 images\/deb.yaml:2 image "deb" is downloaded from a URL without a sha256.*sha256sum/,
      ),
    ]);
  });

  it.each([
    [
      'url: ftp://example.org/deb.tar\nsha256: ' + sha,
      /invalid-value images\/deb.yaml:1 url must be an http:\/\/ or https:\/\/ URL/,
    ],
    ['url: "https://example.org/a b.tar"\nsha256: ' + sha, /invalid-value images\/deb.yaml:1 url must be an http/],
    [
      'url: https://example.org/deb.tar\nsha256: ' + sha.toUpperCase(),
      /invalid-value images\/deb.yaml:2 sha256 must be 64 lower-case hexadecimal digits/,
    ],
    ['url: https://example.org/deb.tar\nsha256: abc', /sha256 must be 64/],
    ['path: srv/deb.tar', /invalid-value images\/deb.yaml:1 path must be an absolute path/],
    ['path: "/srv/my image.tar"', /path must consist of letters, digits/],
    ['path: /srv/deb.tar\nformat: zip', /format is "zip"; expected one of: tar, raw/],
    ['urll: https://example.org/deb.tar', /unknown-key images\/deb.yaml:1 unknown key "urll".*did you mean "url"\?/],
    ['description: nothing', /invalid-value images\/deb.yaml:1 image "deb" says neither url: nor path:/],
    [
      `url: https://example.org/deb.tar\npath: /srv/deb.tar\nsha256: ${sha}`,
      /conflicting-keys images\/deb.yaml:2 url and path both/,
    ],
    [`url: https://example.org/deb\nsha256: ${sha}`, /the URL does not say whether.*Add format: tar or format: raw/],
    [
      `path: /srv/roots/deb\nsha256: ${sha}`,
      /conflicting-keys images\/deb.yaml:2 sha256 cannot be checked for a directory/,
    ],
  ])('%s', (body, expected) => {
    expect(messages(image(body)).join('\n')).toMatch(expected);
  });

  it('an image file name must be an image name', () => {
    expect(messages({ 'images/Bad_name.yaml': net }).join('\n')).toMatch(/invalid-name .*is not an image name/);
  });

  it.each([
    ['https://h/x.tar.xz', 'tar'],
    ['https://h/x.tgz', 'tar'],
    ['https://h/x.tar?sig=1', 'tar'],
    ['https://h/x.raw.xz', 'raw'],
    ['https://h/x.qcow2', 'raw'],
    ['/srv/x.img', 'raw'],
    ['/srv/x', undefined],
    ['https://h/x.tar/', undefined],
  ])('format of %s: %s', (location, format) => {
    expect(formatFromName(location)).toBe(format);
  });
});

describe('a container on a declared image', () => {
  it('overlay (default): a mount unit, the layer drop-in, the fetch drop-in; the machine needs the mount', () => {
    const b = buildFrom({ ...image(net), 'containers/web.yaml': 'image: deb\n' });
    expect(b.diagnostics).toEqual([]);
    expect(b.outputs.map((o) => o.rel)).toEqual([
      'web.nspawn',
      'machine@web.service.d/50-machinist.conf',
      `machinist-image@${id}.service.d/50-machinist.conf`,
      'machinist-overlay@web.service.d/50-machinist.conf',
      'var-lib-machines-web.mount',
    ]);
    expect(outputText(b, 'machine@web.service.d/50-machinist.conf')).toBe(
      '[Unit]\nSourcePath=/etc/machinist/containers/web.yaml\nRequires=var-lib-machines-web.mount\nAfter=var-lib-machines-web.mount',
    );
    const mount = outputText(b, 'var-lib-machines-web.mount');
    expect(mount).toContain(`Requires=machinist-overlay@web.service machinist-image@${id}.service`);
    expect(mount).toContain('PartOf=machine@web.service');
    expect(mount).toContain(
      `[Mount]\nWhat=overlay\nWhere=/var/lib/machines/web\nType=overlay\nOptions=lowerdir=/var/lib/machinist/images/${id},upperdir=/var/lib/machinist/containers/web/${id}/upper,workdir=/var/lib/machinist/containers/web/${id}/work`,
    );
    expect(outputText(b, 'machinist-overlay@web.service.d/50-machinist.conf')).toContain(
      `Environment=MACHINIST_LAYERS=/var/lib/machinist/containers/web/${id}`,
    );
    expect(outputText(b, `machinist-image@${id}.service.d/50-machinist.conf`)).toBe(
      [
        '[Unit]',
        `Description=machinist: image deb version ${sha} from https://example.org/deb.tar.xz`,
        'SourcePath=/etc/machinist/images/deb.yaml',
        'Wants=network-online.target',
        'After=network-online.target',
        '[Service]',
        'Environment=MACHINIST_FORMAT=tar',
        'Environment=MACHINIST_URL=https://example.org/deb.tar.xz',
        `Environment=MACHINIST_VERIFY=${sha}`,
      ].join('\n'),
    );
    // Named after the machine, not the image's own /etc/hostname.
    expect(outputText(b, 'web.nspawn')).toContain('Parameters=systemd.hostname=web');
  });

  it('a machine name with "-" gets systemd\'s escaped mount unit name', () => {
    const b = buildFrom({ ...image(net), 'containers/web-1.yaml': 'image: deb\n' });
    expect(b.outputs.map((o) => o.rel)).toContain('var-lib-machines-web\\x2d1.mount');
  });

  it('copy: a copy drop-in skipped once the copy exists, the root handed to nspawn', () => {
    const b = buildFrom({ ...image(net), 'containers/db.yaml': 'image: deb\nstorage: copy\n' });
    expect(b.diagnostics).toEqual([]);
    const root = `/var/lib/machinist/containers/db/${id}/root`;
    expect(outputText(b, 'machine@db.service.d/50-machinist.conf')).toContain(
      `Requires=machinist-copy@db.service\nAfter=machinist-copy@db.service\n[Service]\nEnvironment=MACHINIST_ARGS=--directory=${root}`,
    );
    const copy = outputText(b, 'machinist-copy@db.service.d/50-machinist.conf');
    expect(copy).toContain(`ConditionPathExists=!${root}\nRequires=machinist-image@${id}.service`);
    expect(copy).toContain(`Environment=MACHINIST_IMAGE=/var/lib/machinist/images/${id}`);
    expect(b.outputs.map((o) => o.rel)).not.toContain('var-lib-machines-db.mount');
  });

  it('a raw image is copied and booted with --image=; as an overlay it is refused', () => {
    const raw = { 'images/disk.yaml': `url: https://h/disk.raw\nsha256: ${sha}\n` };
    const b = buildFrom({ ...raw, 'containers/vm.yaml': 'image: disk\nstorage: copy\n' });
    expect(outputText(b, 'machine@vm.service.d/50-machinist.conf')).toContain(
      `MACHINIST_ARGS=--image=/var/lib/machinist/containers/vm/disk_${sha}/root.raw`,
    );
    expect(messages({ ...raw, 'containers/vm.yaml': 'image: disk\n' }).join('\n')).toMatch(
      /conflicting-keys containers\/vm.yaml:1 image "disk" is a raw disk image.*storage: copy/,
    );
  });

  it('local images: a file through systemd-pull (file://, verified when sha256 is given), a directory through import-fs', () => {
    const b = buildFrom({
      'images/f.yaml': 'path: /srv/f.tar.gz\n',
      'images/d.yaml': 'path: /srv/roots/d\n',
      'containers/a.yaml': 'image: f\n',
      'containers/b.yaml': 'image: d\n',
    });
    expect(b.diagnostics).toEqual([]);
    const f = outputText(b, 'machinist-image@f_local.service.d/50-machinist.conf');
    expect(f).toContain('Environment=MACHINIST_URL=file:///srv/f.tar.gz\nEnvironment=MACHINIST_VERIFY=no');
    expect(f).not.toContain('network-online');
    expect(outputText(b, 'machinist-image-fs@d_local.service.d/50-machinist.conf')).toContain(
      '[Service]\nEnvironment=MACHINIST_PATH=/srv/roots/d',
    );
    expect(outputText(b, 'var-lib-machines-b.mount')).toContain(
      'Requires=machinist-overlay@b.service machinist-image-fs@d_local.service',
    );
  });

  it('an undeclared image keeps working as before (a template under /var/lib/machines)', () => {
    const b = buildFrom({ 'containers/web.yaml': 'image: base\n' });
    expect(outputText(b, 'machine@web.service.d/50-machinist.conf')).toContain(
      'Environment="MACHINIST_ARGS=--directory=/var/lib/machines/web --template=/var/lib/machines/base"',
    );
    expect(b.outputs.filter((o) => o.rel.includes('machinist-'))).toEqual([]);
  });

  it('storage without a declared image, and an image file with errors, fail the container at its line', () => {
    expect(messages({ 'containers/web.yaml': 'image: base\nstorage: copy\n' }).join('\n')).toMatch(
      /undeclared-image containers\/web.yaml:2 storage: copy needs a declared image, but image "base" has no file images\/base.yaml/,
    );
    const b = buildFrom({
      'images/deb.yaml': 'url: https://example.org/deb.tar\n',
      'containers/web.yaml': 'image: deb\n',
      'containers/other.yaml': '',
    });
    expect(b.diagnostics.map((d) => d.code)).toEqual(['broken-image', 'missing-sha256']);
    expect([...b.model.failed.keys()]).toEqual(['web']);
    expect(b.model.containers.map((c) => c.name)).toEqual(['other']);
    expect(b.outputs.some((o) => o.rel.startsWith('machinist-image@'))).toBe(false);
  });
});

describe('where the root comes from, and a new image version', () => {
  const files = {
    ...image(net),
    'containers/web.yaml': 'image: deb\n',
    'containers/db.yaml': 'image: deb\nstorage: copy\n',
  };

  it('explain shows the image, its version (from the sha256 line) and the root', () => {
    const c = buildFrom(files).model.containers.find((x) => x.name === 'web')!;
    const rows = Object.fromEntries(explainRows(c).map((r) => [r.path, `${String(r.value)} @ ${r.from}`]));
    expect(rows['image.version']).toBe(`${sha} @ /etc/machinist/images/deb.yaml:2:9`);
    expect(rows['image.source']).toBe('https://example.org/deb.tar.xz @ /etc/machinist/images/deb.yaml:1:6');
    expect(rows['storage']).toBe('overlay @ default');
    expect(rows['root']).toMatch(
      new RegExp(
        `^overlay of image deb version ${sha} .* at /var/lib/machines/web, changes in /var/lib/machinist/containers/web/${id}/upper`,
      ),
    );
  });

  it('a changed sha256 is a new version: a fresh root for overlay and copy, the old one named until gc', () => {
    const before = buildFrom(files);
    const dropins = new Map(
      before.outputs
        .filter((o) => /^machinist-(overlay|copy)@/.test(o.rel))
        .map((o) => [
          o.container!,
          o.kind === 'file'
            ? iniOf(o.doc)
                .sections.flatMap((s) => s.entries.map((e) => `${e.key}=${e.value}`))
                .join('\n')
            : '',
        ]),
    );
    const after = buildFrom({ ...files, 'images/deb.yaml': net.replace(sha, other) });
    const views = rootViews(after.model.containers, (n) => [dropins.get(n)!]);
    expect(views.map((v) => [v.container, v.storage, v.data, v.previous])).toEqual([
      ['db', 'copy', `/var/lib/machinist/containers/db/deb_${other}`, `/var/lib/machinist/containers/db/${id}`],
      ['web', 'overlay', `/var/lib/machinist/containers/web/deb_${other}`, `/var/lib/machinist/containers/web/${id}`],
    ]);
    const text = renderRoots(views).join('\n');
    expect(text).toContain(`web boots a fresh root (overlay) from version ${other}`);
    expect(text).toContain(`stays, unused, in /var/lib/machinist/containers/web/${id} until \`machinist gc\``);
    // Unchanged: no note.
    expect(renderRoots(rootViews(before.model.containers, (n) => [dropins.get(n)!])).join('\n')).not.toContain(
      'image version changes',
    );
  });

  it('gc lists exactly the unused image versions and container data, and keeps busy ones', () => {
    const model = buildFrom(files).model;
    const listing = {
      images: [id, `deb_${other}`, 'old_local'],
      containers: new Map([
        ['web', [id, `deb_${other}`]],
        ['db', [id]],
        ['gone', [id]],
      ]),
    };
    const items = gcItems(model, listing, (p) =>
      p.endsWith('old_local') ? 'it is mounted or part of a mount' : undefined,
    );
    expect(items).toEqual([
      { path: `/var/lib/machinist/images/deb_${other}`, why: `image deb version ${other}, which no container uses` },
      {
        path: '/var/lib/machinist/images/old_local',
        why: 'image old version local, which no container uses',
        kept: 'it is mounted or part of a mount',
      },
      {
        path: `/var/lib/machinist/containers/gone/${id}`,
        why: `root of container gone on image deb version ${sha}; there is no containers/gone.yaml`,
      },
      {
        path: `/var/lib/machinist/containers/web/deb_${other}`,
        why: `root of container web on image deb version ${other}, which it no longer uses`,
      },
    ]);
    expect(renderGc(items, true)).toMatch(/^would remove \/var\/lib\/machinist\/images\/deb_b+: image deb/);
    expect(renderGc(items, true)).toMatch(/3 unused path\(s\) would be removed \(dry run: nothing deleted\)\.$/);
  });
});
