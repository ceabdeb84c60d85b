// The SHA-256 behind machinist's edit-detection hash against node:crypto: the same digest for every input
// (a small run hashes in WebAssembly, a big one in node:crypto; each must recognise the other's files), and
// the committed WebAssembly bytes are what sha256.wat assembles to.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { expectHashes, sha256, sha256Wasm } from '../../src/hash/sha256.js';
import { seeded } from '../helpers/random.js';
// @ts-expect-error: a build script in plain JavaScript
import { assemble, moduleText } from '../../scripts/wasm.mjs';

const ref = (s: string) => createHash('sha256').update(s).digest('hex');
const root = new URL('../..', import.meta.url).pathname;

describe('sha256', () => {
  it('matches node:crypto on known vectors and on every length around the block boundaries', () => {
    expect(sha256Wasm('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Wasm('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (let n = 0; n < 300; n++) expect(sha256Wasm('x'.repeat(n)), `length ${n}`).toBe(ref('x'.repeat(n)));
  });

  it('matches node:crypto on random text, non-ASCII and lone surrogates included', () => {
    const rnd = seeded(7).int;
    const alphabet = [
      'a',
      'Z',
      '0',
      ' ',
      '\n',
      '=',
      '#',
      'é',
      'ß',
      '日',
      '\u00a0',
      '😀',
      '\ud800',
      '\udc00',
      '\u0000',
      '\uffff',
    ];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = rnd(400);
      for (let j = 0; j < n; j++) s += alphabet[rnd(alphabet.length)];
      expect(sha256Wasm(s), JSON.stringify(s)).toBe(ref(s));
    }
  });

  it('gives the same digests once a big run has switched to node:crypto', () => {
    const before = ['', 'abc', 'é\ud800x', 'x'.repeat(1000)].map(sha256);
    expectHashes(100_000);
    expect(['', 'abc', 'é\ud800x', 'x'.repeat(1000)].map(sha256)).toEqual(before);
    expect(before).toEqual(['', 'abc', 'é\ud800x', 'x'.repeat(1000)].map(ref));
  });

  it('grows its memory for inputs beyond one page, and still hashes small ones after', () => {
    const big = '日本'.repeat(40_000) + 'x'.repeat(70_001);
    expect(sha256(big)).toBe(ref(big));
    expect(sha256Wasm('abc')).toBe(ref('abc'));
  });

  const wat2wasm = spawnSync('wat2wasm', ['--version']).status === 0;
  it.skipIf(!wat2wasm)('sha256.wasm.ts holds what sha256.wat assembles to (node scripts/wasm.mjs)', () => {
    const committed = readFileSync(`${root}src/hash/wasm/sha256.wasm.ts`, 'utf8');
    expect(committed).toBe(moduleText(assemble(`${root}src/hash/wasm/sha256.wat`)));
  });
});

describe('sha256 when node:crypto cannot be loaded', () => {
  it('hashes a big run in WebAssembly (the emergency path after a time limit cut a module load off)', async () => {
    // sha256.ts loads node:crypto with require() on first use; here every such load fails.
    const proto = Module.prototype as unknown as { require: (id: string) => unknown };
    const original = proto.require;
    const failed: string[] = [];
    proto.require = function (this: unknown, id: string) {
      if (id === 'node:crypto') {
        failed.push(id);
        throw new TypeError("Cannot read properties of undefined (reading 'prototype')");
      }
      return original.call(this, id);
    };
    vi.resetModules();
    try {
      const m = await import('../../src/hash/sha256.js');
      m.expectHashes(10_000);
      expect(m.sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(failed).toEqual(['node:crypto']);
    } finally {
      proto.require = original;
      vi.resetModules();
    }
  });
});
