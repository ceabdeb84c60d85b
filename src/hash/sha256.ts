// SHA-256 of a string's UTF-8 bytes, for the ownership hash in every generated file. Measured in fresh
// processes, as the generator runs at every boot: SHA-256 in plain JavaScript runs in the interpreter at first,
// most of a millisecond per file; node:crypto first loads its own modules and node's streams (about 5 ms), then
// takes ~2 µs a file; a small WebAssembly module (wasm/sha256.wat) starts in about 1 ms and takes ~14 µs a file
// (unoptimised at first). So a run of a few hundred files or fewer hashes in WebAssembly, a bigger one in
// node:crypto. Both give the same digests (test/hash/sha256.test.ts), lone surrogates included (U+FFFD).
import { SHA256_WASM } from './wasm/sha256.wasm.js';

interface Sha256Exports {
  memory: WebAssembly.Memory;
  digest(blocks: number): void;
}

/** Where the module keeps the hash words and where the message goes (see sha256.wat). */
const HASH = 256;
const INPUT = 1024;
const PAGE = 65536;

let wasm: Sha256Exports | undefined;
const utf8 = new TextEncoder();

function instance(): Sha256Exports {
  const bytes = Buffer.from(SHA256_WASM, 'base64');
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Sha256Exports;
}

/** Runs that hash more files than this use node:crypto (see the top of this file). */
const WASM_MAX = 256;
let native: ((s: string) => string) | undefined;

/** Say how many files are about to be hashed, so that a big run uses node:crypto from the start. */
export function expectHashes(n: number): void {
  if (n > WASM_MAX) native ??= loadNative();
}

function loadNative(): ((s: string) => string) | undefined {
  let crypto: typeof import('node:crypto');
  try {
    // Loaded here, on first use: node:crypto loads node's streams, which a small run does without.
    crypto = require('node:crypto');
  } catch {
    // Only after the generator's time limit stopped an earlier load of node's modules halfway: its emergency
    // path must still write the failing units, so it hashes in WebAssembly.
    return undefined;
  }
  // crypto.hash (Node >= 20.12) is one call; createHash builds a stream-like object per file.
  return typeof crypto.hash === 'function'
    ? (t) => crypto.hash('sha256', t, 'hex')
    : (t) => crypto.createHash('sha256').update(t).digest('hex');
}

/** The SHA-256 digest of `s` (UTF-8), in hex. */
export function sha256(s: string): string {
  return native ? native(s) : sha256Wasm(s);
}

/** sha256 through the WebAssembly module (exported for the test against node:crypto). */
export function sha256Wasm(s: string): string {
  const w = (wasm ??= instance());
  // Room for the worst case: 3 bytes per UTF-16 unit, the 0x80 byte, the 8-byte length, a block of rounding.
  const need = INPUT + s.length * 3 + 72;
  if (w.memory.buffer.byteLength < need) w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / PAGE));
  const mem = new Uint8Array(w.memory.buffer);
  const n = utf8.encodeInto(s, mem.subarray(INPUT)).written;
  const blocks = ((n + 8) >>> 6) + 1;
  const end = INPUT + blocks * 64;
  mem.fill(0, INPUT + n, end);
  mem[INPUT + n] = 0x80;
  const view = new DataView(w.memory.buffer);
  view.setUint32(end - 8, Math.floor(n / 0x20000000)); // the length in bits, big-endian, as two words
  view.setUint32(end - 4, (n * 8) >>> 0);
  w.digest(blocks);
  let hex = '';
  for (let i = 0; i < 8; i++)
    hex += view
      .getUint32(HASH + i * 4, true)
      .toString(16)
      .padStart(8, '0');
  return hex;
}
