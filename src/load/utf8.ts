// Where bytes stop being UTF-8. Decoding would silently turn each bad byte into U+FFFD, a value the user never
// wrote; the reader refuses the file instead, at the line and column of the first bad byte.
import type { Pos } from '../diagnostics/types.js';

/** Length of the UTF-8 sequence starting at `i` when it is valid (RFC 3629: no overlong forms, no surrogates). */
function sequenceAt(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > end) return 0;
  if (b[i + 1]! < lo || b[i + 1]! > hi) return 0;
  for (let k = 2; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  return n;
}

/** Offset of the first byte of `b[0, end)` that is not valid UTF-8, or -1. */
export function firstInvalidUtf8(b: Uint8Array, end: number): number {
  let i = 0;
  while (i < end) {
    // ASCII runs, the common case, one byte at a time without a call.
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const n = sequenceAt(b, i, end);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/** Line and column (in UTF-16 units, as positions elsewhere) of byte `offset`, all bytes before it valid. */
export function bytePos(b: Buffer, offset: number): Pos {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: b.toString('utf8', start, offset).length + 1, length: 1 };
}
