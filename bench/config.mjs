// A realistic machinist configuration of N containers, for the benchmark: a few profiles that include each
// other, nested slices, resources, binds, environment, networking and dependencies.
// Standalone: node bench/config.mjs N DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeConfig(n, dir) {
  const w = (rel, text) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  w('machinist.yaml', 'defaults:\n  restart: on-failure\n  security:\n    no_new_privileges: true\n  timezone: auto\n');
  w('profiles/base.yaml', 'environment:\n  TZ: UTC\n  LANG: C.UTF-8\ntmpfs: [/var/tmp]\nresolv_conf: copy-host\n');
  w(
    'profiles/hardened.yaml',
    'profiles: [base]\nsecurity:\n  private_users: pick\n  system_call_filter: ["~@debug", "~@obsolete", "~@mount"]\n  capabilities:\n    drop: [CAP_SYS_PTRACE, CAP_SYS_MODULE]\n',
  );
  w(
    'profiles/web.yaml',
    'profiles: [hardened]\nnetwork:\n  mode: veth\nresources:\n  memory: { high: 768M, max: 1G }\n  tasks_max: 2048\n',
  );
  w(
    'profiles/db.yaml',
    'profiles: [base]\nresources:\n  memory: { max: 4G, swap_max: 0 }\n  io: { weight: 500 }\nbinds:\n  - { source: /srv/backup, target: /backup, readonly: true }\n',
  );
  w('slices/tier.yaml', 'description: All tiers\nresources:\n  cpu: { weight: 500 }\n');
  w('slices/tier-web.yaml', 'resources:\n  memory: { max: 64G }\n');
  w('slices/tier-db.yaml', 'resources:\n  memory: { max: 128G }\n  io: { weight: 800 }\n');
  w('slices/batch.yaml', 'resources:\n  cpu: { weight: 20, quota: 400% }\n');
  for (let i = 0; i < n; i++) {
    const name = `c${String(i).padStart(4, '0')}`;
    const kind = i % 4;
    const lines = [`description: Container ${i} of ${n}`];
    // Each web container forwards host ports of its own: one host port reaches one container only.
    if (kind === 0)
      lines.push(
        'profiles: [web]',
        'slice: tier-web',
        'autostart: true',
        `hostname: web-${i}`,
        'network:',
        `  ports: ["tcp:${10000 + i}:80", "tcp:${40000 + i}:443"]`,
        'binds:',
        `  - /srv/www/${name}:/srv/www`,
        `  - /srv/shared:/srv/shared:ro`,
      );
    if (kind === 1)
      lines.push(
        'profiles: [db]',
        'slice: tier-db',
        'autostart: true',
        'directory: /srv/roots/' + name,
        'resources:',
        '  cpu: { weight: 300, cpus: "0-3" }',
      );
    if (kind === 2)
      lines.push(
        'profiles: [hardened]',
        'slice: batch',
        'boot: false',
        'command: ["/usr/bin/python3", "-m", "worker", "--id", "' + i + '"]',
        'working_directory: /srv/app',
        'image: debian-12',
        'network:',
        '  mode: veth',
      );
    if (kind === 3)
      lines.push(
        'profiles: [base]',
        'network:',
        '  mode: bridge',
        '  bridge: br0',
        'devices: [/dev/fuse]',
        'security:',
        '  capabilities:',
        '    add: [CAP_NET_ADMIN]',
      );
    lines.push('environment:', `  APP_ID: "${i}"`, `  APP_ENV: ${i % 3 ? 'prod' : 'staging'}`);
    if (i >= 4 && kind === 0) lines.push(`after: [c${String(i - 3).padStart(4, '0')}]`);
    w(`containers/${name}.yaml`, `${lines.join('\n')}\n`);
  }
  return dir;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [n, dir] = process.argv.slice(2);
  if (!n || !dir) {
    console.error('usage: node bench/config.mjs N DIR');
    process.exit(2);
  }
  writeConfig(Number(n), dir);
}
