// SHA-256 of a string's UTF-8 bytes, for the ownership hash in every generated file. The compression runs in a
// small WebAssembly module (wasm/sha256.wat): it compiles in a fraction of a millisecond, where node:crypto
// would first load its own modules and node's streams (several milliseconds at every boot), and plain
// JavaScript would run in the interpreter at first (a fraction of a millisecond per file). Same digests as
// node:crypto (test/emit/sha256.test.ts), lone surrogates included (both encode them as U+FFFD).
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

/** The SHA-256 digest of `s` (UTF-8), in hex. */
export function sha256(s: string): string {
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
  for (let i = 0; i < 8; i++) hex += view.getUint32(HASH + i * 4, true).toString(16).padStart(8, '0');
  return hex;
}
