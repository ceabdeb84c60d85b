/**
 * The world the example configurations take for granted, built inside a booted e2e host (harness.ts) without
 * touching the examples: root directories for /var/lib/machines/NAME and `directory:` paths, the host paths the
 * binds name, the NICs the network modes name, device nodes, host users.
 *
 * Everything is done by one shell script that runs as a oneshot service early in the host's boot (Before=
 * sysinit.target, so before any machine@.service), because containers with `autostart: true` start during that
 * same boot. All mounts it makes live in the booted host's mount namespace and vanish with it.
 *
 * Roots. A booted guest needs a whole OS tree with its own /etc (oracles.md §5), so an "OS root" is an overlay
 * whose lower layer is this machine's own Debian root (bound read-only into the host by bootHost's
 * `--bind-ro=/:/run/machinist-e2e/lower:norbind`) and whose upper layer is a private tmpfs: it boots in about a
 * second and costs a few MB. Each gets a fresh /etc/machine-id and has the units masked that would make noise or
 * take ports in a shared network namespace.
 *
 * User namespaces (PrivateUsers=pick). nspawn picks the UID range from the owner of the root directory and, as
 * overlayfs cannot be ID-mapped itself, would otherwise chown the whole tree (gigabytes of copy-up). So such a
 * root gets an ID-mapped lower layer (fixtures/host/idmap-bind.pl) and an upper owned by the same range: nspawn
 * finds the tree already shifted and starts at once. Bind sources with `idmap` must be on a file system that
 * supports ID-mapped mounts (the host's own root is an overlay, which does not), so they live on tmpfs.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where the booted host sees this machine's root (read-only, not recursive). */
export const LOWER = '/run/machinist-e2e/lower';
/** bootHost() nspawnArgs that make LOWER exist. */
export const WORLD_NSPAWN_ARGS = [`--bind-ro=/:${LOWER}:norbind`];
/** Installed into the host: the script, its unit, the ID-map helper. */
export const PREP_SCRIPT = '/usr/local/lib/machinist-e2e/prepare';
export const PREP_UNIT = 'machinist-e2e-prepare.service';
const IDMAP_HELPER = '/usr/local/lib/machinist-e2e/idmap-bind';

/** Units of this machine's Debian that a guest must not start: they take ports or only slow every boot. */
const MASKED_IN_GUESTS = [
  'postgresql.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'man-db.timer',
  'dpkg-db-backup.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
  'fstrim.timer',
  'systemd-timesyncd.service',
];

/** Single-quote for sh. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface OsRootOptions {
  /** First UID/GID of the range the container will pick (PrivateUsers=pick); 0 = no user namespace. */
  shift?: number;
  /** Files (path inside the root → content) to add before the root is mounted; mode 0755 if it starts with #!. */
  files?: Record<string, string>;
  /** Directories to create in the root (e.g. mount points on a read-only root). */
  dirs?: string[];
  /** Shell lines run once the root is mounted ($R is the root), e.g. `useradd --root "$R" …`. */
  after?: string[];
}

/** An ordered list of shell steps; script() renders them. */
export class World {
  private readonly steps: string[] = [];
  private n = 0;

  /** A tmpfs at path (e.g. for bind sources that are mounted with `idmap`). */
  tmpfs(dir: string, options = 'mode=0755'): this {
    this.steps.push(`mkdir -p ${q(dir)}`, `mountpoint -q ${q(dir)} || mount -t tmpfs -o ${q(options)} tmpfs ${q(dir)}`);
    return this;
  }

  dir(dir: string, mode = '0755'): this {
    this.steps.push(`mkdir -p ${q(dir)}`, `chmod ${mode} ${q(dir)}`);
    return this;
  }

  file(file: string, content: string, mode = '0644'): this {
    this.steps.push(
      `mkdir -p ${q(path.dirname(file))}`,
      `printf '%s' ${q(content)} > ${q(file)}`,
      `chmod ${mode} ${q(file)}`,
    );
    return this;
  }

  /** A character device node (the host's /dev is nspawn's minimal one). */
  charDevice(node: string, major: number, minor: number): this {
    this.steps.push(`[ -c ${q(node)} ] || mknod -m 0666 ${q(node)} c ${major} ${minor}`);
    return this;
  }

  /** A network interface named `name`: a veth pair (peer `name`-p), or a bridge (which carries macvlans). */
  link(name: string, kind: 'veth' | 'bridge'): this {
    const add =
      kind === 'veth' ? `ip link add ${name} type veth peer name ${name}-p` : `ip link add ${name} type bridge`;
    this.steps.push(`ip link show ${name} >/dev/null 2>&1 || ${add}`, `ip link set ${name} up`);
    return this;
  }

  /** A user of the host (for BindUser=). */
  user(name: string): this {
    this.steps.push(`getent passwd ${name} >/dev/null || useradd --create-home --shell /bin/sh ${name}`);
    return this;
  }

  /** Any shell line. */
  run(line: string): this {
    this.steps.push(line);
    return this;
  }

  /** A whole-OS root at dir: an overlay of this machine's Debian with a private tmpfs upper (see above). */
  osRoot(dir: string, opts: OsRootOptions = {}): this {
    const shift = opts.shift ?? 0;
    const id = `r${++this.n}`;
    const s = this.steps;
    s.push(`# ${dir}${shift ? ` (user namespace from ${shift})` : ''}`);
    s.push(
      `d=/run/machinist-e2e/roots/${id}`,
      'mkdir -p "$d"',
      'mount -t tmpfs -o mode=0755 tmpfs "$d"',
      'mkdir "$d/upper" "$d/work"',
    );
    s.push('u="$d/upper"', 'mkdir -p "$u/etc/systemd/system"');
    s.push(`systemd-id128 new > "$u/etc/machine-id"`, 'chmod 0444 "$u/etc/machine-id"');
    for (const unit of MASKED_IN_GUESTS) s.push(`ln -s /dev/null "$u/etc/systemd/system/${unit}"`);
    for (const d of opts.dirs ?? []) s.push(`mkdir -p "$u"${q(d)}`);
    for (const [f, content] of Object.entries(opts.files ?? {})) {
      s.push(`mkdir -p "$u"${q(path.dirname(f))}`, `printf '%s' ${q(content)} > "$u"${q(f)}`);
      s.push(`chmod ${content.startsWith('#!') ? '0755' : '0644'} "$u"${q(f)}`);
    }
    let lower = LOWER;
    if (shift) {
      s.push('mkdir "$d/lower"', `${IDMAP_HELPER} ${LOWER} "$d/lower" ${shift}`, `chown -R ${shift}:${shift} "$u"`);
      lower = '$d/lower';
    }
    s.push(`R=${q(dir)}`, 'mkdir -p "$R"');
    s.push(`mount -t overlay -o "lowerdir=${lower},upperdir=$u,workdir=$d/work" overlay "$R"`);
    s.push(...(opts.after ?? []));
    return this;
  }

  /**
   * A minimal root for an app container whose root is copied on every start (Ephemeral=yes): dash as /bin/sh,
   * the given binaries with the libraries they link, os-release, and `programs` (path → shell script). Copying
   * a whole Debian per start would take minutes.
   */
  tinyRoot(dir: string, binaries: string[], programs: Record<string, string>): this {
    const s = this.steps;
    s.push(
      `# ${dir} (minimal root)`,
      `R=${q(dir)}`,
      'mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib" "$R/usr/lib64" "$R/etc" "$R/tmp"',
    );
    s.push('for l in bin lib lib64 sbin; do [ -e "$R/$l" ] || ln -s "usr/$l" "$R/$l"; done');
    s.push('cp /usr/lib/os-release "$R/usr/lib/os-release"', 'cp /usr/bin/dash "$R/usr/bin/sh"');
    // /lib/x86_64-linux-gnu/libc.so.6 → $R/usr/lib/x86_64-linux-gnu/libc.so.6 (merged /usr: /lib is usr/lib)
    for (const bin of ['/usr/bin/dash', ...binaries]) {
      if (bin !== '/usr/bin/dash') s.push(`cp ${q(bin)} "$R"${q(bin)}`);
      s.push(
        `for f in $(ldd ${q(bin)} | grep -o '/[^ ]*'); do t="$R/usr\${f#/usr}"; mkdir -p "$(dirname "$t")"; cp -L "$f" "$t"; done`,
      );
    }
    for (const [f, content] of Object.entries(programs)) {
      s.push(`mkdir -p "$R"${q(path.dirname(f))}`, `printf '%s' ${q(content)} > "$R"${q(f)}`, `chmod 0755 "$R"${q(f)}`);
    }
    return this;
  }

  /** The script the prepare unit runs. */
  script(): string {
    return [
      '#!/bin/sh',
      '# machinist e2e: generated by test/e2e/world.ts; builds what the example configs expect of a host.',
      'set -eux',
      ...this.steps,
      'echo "machinist-e2e: world ready"',
      '',
    ].join('\n');
  }

  /**
   * Install the script, its unit (pulled in by sysinit.target) and the ID-map helper into a host root before it
   * boots (BootOptions.setup).
   */
  install(root: string): void {
    const put = (rel: string, content: string, mode = 0o644) => {
      const p = path.join(root, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content, { mode });
    };
    put(PREP_SCRIPT, this.script(), 0o755);
    put(IDMAP_HELPER, readFileSync(path.join(HERE, 'fixtures/host/idmap-bind.pl'), 'utf8'), 0o755);
    put(
      `/etc/systemd/system/${PREP_UNIT}`,
      [
        '# machinist e2e: roots, bind sources, NICs and devices for the example containers (test/e2e/world.ts)',
        '[Unit]',
        'Description=machinist e2e: prepare what the example containers expect',
        'DefaultDependencies=no',
        'After=local-fs.target',
        'Before=sysinit.target machines.target',
        '',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        `ExecStart=${PREP_SCRIPT}`,
        'TimeoutStartSec=60',
        '',
      ].join('\n'),
    );
    const wants = path.join(root, 'etc/systemd/system/sysinit.target.wants');
    mkdirSync(wants, { recursive: true });
    rmSync(path.join(wants, PREP_UNIT), { force: true });
    symlinkSync(`/etc/systemd/system/${PREP_UNIT}`, path.join(wants, PREP_UNIT));
  }
}
