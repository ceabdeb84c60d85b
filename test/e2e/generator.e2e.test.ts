/**
 * Generator mode on a booted systemd: machinist installed (make install) and the example YAML put into
 * /etc/machinist before the host boots, so machinist-generator runs in that boot and at every daemon-reload.
 * Two hosts, because examples/lab's machinist.yaml sets defaults for every container of its host.
 * Runs only under vitest.e2e.config.ts; needs root and systemd-container (see README.md here).
 */
import { defineSuite } from './suite.js';

defineSuite('generator mode: web, app, dev, edge, hardened + broken YAML', {
  mode: 'generator',
  examples: ['web', 'app', 'dev', 'edge', 'hardened'],
  broken: true,
  remove: 'resolver',
});

defineSuite('generator mode: lab', { mode: 'generator', examples: ['lab'] });
