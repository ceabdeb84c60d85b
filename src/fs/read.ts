// Reading a regular file whole, safely and in few system calls: shared by the configuration reader (load/) and
// the output snapshot and writer (emit/), which read what they may overwrite.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Thrown for a path that is there but is no regular file (a directory, FIFO, device or socket). */
export class NotRegularFile extends Error {
  constructor() {
    super('not a regular file');
  }
}

/** One buffer for every read of a run: a file's text is decoded out of it, so it is never handed out. */
let shared = Buffer.allocUnsafe(64 * 1024);

/** Thrown for a file longer than the reader was allowed to read; `size` is what was seen of it. */
export class FileTooLarge extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`is ${size} bytes, more than ${limit}`);
  }
}

/**
 * The bytes of a regular file, into `shared`, in four system calls: open, fstat, one read, close (readFileSync
 * adds a read that only sees the end, and on older Node a second fstat); returns their number. O_NONBLOCK, and
 * regular files only: a FIFO or device named *.yaml would otherwise block the read forever, and the boot-time
 * generator with it (its time limit cannot interrupt a blocked system call). `flags` adds open flags (O_NOFOLLOW
 * for output files); `stat` receives the file's mode (whether others may read it, or what a file to be replaced
 * has). A file of more than `maxBytes` throws FileTooLarge, without being read further.
 *
 * The read asks for more than fstat's size: one that comes back short has met the end of the file (for a
 * regular file, read returns less than asked only there), so no second read is needed to see it. A file that
 * grew after fstat fills the buffer instead; it is then read on, in a bigger buffer, until a read comes back short.
 */
function readBytes(path: string, flags: number, maxBytes: number, stat?: { mode: number }): number {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | flags);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFile();
    if (stat) stat.mode = st.mode;
    if (st.size > maxBytes) throw new FileTooLarge(st.size, maxBytes);
    if (shared.length <= st.size) shared = Buffer.allocUnsafe(Math.max(st.size + 1, shared.length * 2));
    let len = 0;
    for (;;) {
      const n = readSync(fd, shared, len, shared.length - len, null);
      len += n;
      if (len > maxBytes) throw new FileTooLarge(len, maxBytes);
      if (n === 0 || len < shared.length) break;
      const bigger = Buffer.allocUnsafe(shared.length * 2);
      shared.copy(bigger, 0, 0, len);
      shared = bigger;
    }
    return len;
  } finally {
    closeSync(fd);
  }
}

/** The text of a regular file (see readBytes), decoded as UTF-8. */
export function readRegularFile(path: string, flags = 0, stat?: { mode: number }): string {
  const len = readBytes(path, flags, Infinity, stat); // first: it may replace `shared`
  return shared.toString('utf8', 0, len);
}

/**
 * A regular file of at most `maxBytes` (see readBytes), handed to `decode` as a buffer and a length; the buffer
 * is reused by the next read, so `decode` must not keep it.
 */
export function readRegularFileWith<T>(
  path: string,
  maxBytes: number,
  decode: (bytes: Buffer, length: number) => T,
  stat?: { mode: number },
): T {
  const len = readBytes(path, 0, maxBytes, stat);
  return decode(shared, len);
}
