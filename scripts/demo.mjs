// npm run demo: compile every example configuration with --dry-run into an empty root and show the plan.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let failed = 0;
for (const name of readdirSync('examples').sort()) {
  const root = mkdtempSync(join(tmpdir(), 'machinist-demo-'));
  console.log(`\n=== examples/${name}: machinist compile --config examples/${name}/config --root ${root} --dry-run\n`);
  const r = spawnSync(
    process.execPath,
    ['dist/machinist', 'compile', '--config', `examples/${name}/config`, '--root', root, '--dry-run'],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) failed++;
  rmSync(root, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
