// End-to-end tests on a real, booted systemd (test/e2e/harness.ts). Needs root and systemd-container.
// Run: npx vitest run -c vitest.e2e.config.ts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    // One booted host per suite (describe), files one after another: each host is a full systemd with nested
    // containers, and this VM has two CPUs. The whole run takes about 2.5 minutes.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    // The e2e files skip themselves unless this is set, so a plain `vitest run` elsewhere never boots hosts.
    env: { MACHINIST_E2E: '1' },
  },
});
