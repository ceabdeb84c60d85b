// The vitest hooks every e2e suite on a booted host needs (harness.ts itself uses Node built-ins only): tear the
// host down afterwards and check that no mount of ours is left, and print the host's journal for a failed test.
import { afterAll, beforeEach, expect } from 'vitest';
import { failureReport, leftoverMounts, type Host } from './harness.js';

/** `host()` is the suite's host once booted (undefined if booting failed); `units`/`lines`: what to report. */
export function hostHooks(host: () => Host | undefined, units: string[], lines: number): void {
  afterAll(async () => {
    await host()?.teardown();
    expect(leftoverMounts()).toEqual([]);
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      const h = host();
      if (h) console.error(await failureReport(h, units, lines));
    });
  });
}
