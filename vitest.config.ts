import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    setupFiles: ['test/helpers/esm-modules.ts'],
    // The oracles make /run/systemd/nspawn where it is missing; this removes it again after the run.
    globalSetup: ['test/oracle/trusted-settings.ts'],
  },
});
