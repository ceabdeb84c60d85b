/**
 * Compile mode on a booted systemd: the host boots, machinist is installed into it (the .deb when one is built,
 * else make install), the example YAML goes to /etc/machinist, then `machinist compile`, `systemctl
 * daemon-reload`, `systemctl start machines.target`: the same checks as generator mode.
 * Runs only under vitest.e2e.config.ts; needs root and systemd-container (see README.md here).
 */
import { defineSuite } from './suite.js';

defineSuite('compile mode: web, app, dev, edge, hardened', {
  mode: 'compile',
  examples: ['web', 'app', 'dev', 'edge', 'hardened'],
  broken: true,
  remove: 'resolver',
});

defineSuite('compile mode: lab', { mode: 'compile', examples: ['lab'] });
