// The man page machinist(1), made from the same commander definition as --help (and the completions), so a new
// command or flag reaches it at once. `make install` writes it at install time.
import type { Command } from 'commander';
import { cliModel } from './completions.js';

const roff = (s: string) =>
  s
    .replace(/\\/g, '\\e')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/-/g, '\\-');

/** machinist(1): the commands and flags --help shows, with exit status, files and environment. */
export function manPage(p: Command, version: string): string {
  const out = [`.TH MACHINIST 1 "" "machinist ${version}" "User Commands"`, '.SH NAME'];
  out.push(`machinist \\- ${roff(p.description())}`);
  out.push('.SH SYNOPSIS');
  const cmds = cliModel(p).cmds.filter((c) => c.name !== 'help');
  for (const c of cmds) out.push(`.B machinist ${c.name}`, roff(c.usage), '.br');
  out.push('.SH COMMANDS');
  for (const c of cmds) {
    out.push(`.SS ${c.name}`, roff(c.help));
    for (const f of c.flags.filter((x) => x.long !== '--help')) {
      const values = Array.isArray(f.values) ? ` ${roff(f.values.join('|'))}` : '';
      out.push('.TP', `.B ${roff([f.short, f.long].filter(Boolean).join(', '))}${values}`, roff(f.help));
    }
  }
  out.push(
    '.SH EXIT STATUS',
    '.TP',
    '.B 0',
    'success (warnings may have been printed)',
    '.TP',
    '.B 1',
    roff(
      'configuration errors, or warnings with --strict; for apply also a step systemd refused; for status an unknown NAME',
    ),
    '.TP',
    '.B 2',
    roff('usage error, an I/O error writing the output, or an internal error'),
    '.SH ENVIRONMENT',
    '.TP',
    '.B MACHINIST_CONFIG_DIR',
    roff('the config directory (default /etc/machinist)'),
    '.TP',
    '.B NO_COLOR',
    'no colour, even on a terminal',
    '.SH FILES',
    '.TP',
    '.I /etc/machinist/',
    roff('machinist.yaml, containers/, profiles/, slices/'),
    '.TP',
    '.I /usr/share/machinist/schema/',
    roff('JSON Schemas for editors (yaml-language-server)'),
    '.SH SEE ALSO',
    roff('systemd-nspawn(1), systemd.nspawn(5), machinectl(1), systemctl(1), /usr/share/doc/machinist/README.md'),
  );
  return `${out.join('\n')}\n`;
}
