// The generator's log: each line to /dev/kmsg (the kernel log, which the journal picks up; the generator runs
// before journald can take stdout) as `<PRIO>machinist-generator: …`, and to stderr. A missing or unwritable
// /dev/kmsg is not an error: the line still goes to stderr.
import { closeSync, constants, openSync, writeSync } from 'node:fs';

export type Level = 'error' | 'warning' | 'info';

/** syslog priorities, as /dev/kmsg takes them in a `<N>` prefix. */
const PRIORITY: Record<Level, number> = { error: 3, warning: 4, info: 6 };
export const PREFIX = 'machinist-generator: ';
/** The kernel keeps a record up to about 1 KiB; longer lines are cut here rather than by it. */
const KMSG_MAX = 900;

export interface Logger {
  log(level: Level, line: string): void;
  close(): void;
}

export interface LoggerOptions {
  /** Path of the kernel log device; undefined or '' turns kmsg logging off (tests). */
  kmsg?: string | undefined;
  /** Where stderr lines go (default: process.stderr's fd). */
  stderrFd?: number;
  /** At most this many lines go to kmsg (the kernel may rate-limit a flood); stderr gets every line. */
  kmsgLines?: number;
}

function cut(s: string, max: number): string {
  const b = Buffer.from(s);
  if (b.length <= max) return s;
  return `${b
    .subarray(0, max - 3)
    .toString()
    .replace(/\uFFFD+$/, '')}…`;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  let fd: number | undefined;
  if (opts.kmsg) {
    try {
      // No O_CREAT: where there is no /dev/kmsg (some containers), nothing must be created in its place.
      fd = openSync(opts.kmsg, constants.O_WRONLY | constants.O_APPEND | constants.O_NOCTTY);
    } catch {
      fd = undefined;
    }
  }
  const stderrFd = opts.stderrFd ?? 2;
  const max = opts.kmsgLines ?? 50;
  let sent = 0;
  let dropped = 0;
  const write = (target: number, text: string) => {
    try {
      writeSync(target, text);
      return true;
    } catch {
      return false;
    }
  };
  return {
    log(level, line) {
      const text = line.replace(/[\r\n]+/g, ' ');
      write(stderrFd, `${PREFIX}${text}\n`);
      if (fd === undefined) return;
      if (sent >= max) {
        dropped++;
        return;
      }
      // One write() is one kernel log record.
      if (write(fd, `<${PRIORITY[level]}>${cut(`${PREFIX}${text}`, KMSG_MAX)}\n`)) sent++;
    },
    close() {
      if (fd === undefined) return;
      if (dropped) write(fd, `<4>${PREFIX}${dropped} more line(s) were logged to stderr only\n`);
      try {
        closeSync(fd);
      } catch {
        // Nothing left to do about it.
      }
      fd = undefined;
    },
  };
}
