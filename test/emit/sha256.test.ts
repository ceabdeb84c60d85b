// The JavaScript SHA-256 behind machinist's edit-detection hash against node:crypto: the same digest for every
// input, so files written by either (a run of a few files hashes in JavaScript, a bigger one in node:crypto)
// are recognised by both. sha256Native is node:crypto as machinist calls it (crypto.hash where Node has it).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Js, sha256Native } from '../../src/emit/ownership.js';

const ref = (s: string) => createHash('sha256').update(s).digest('hex');

describe('sha256Js', () => {
  it('matches node:crypto on known vectors and block boundaries', () => {
    expect(sha256Js('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Js('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (let n = 0; n < 300; n++) expect(sha256Js('x'.repeat(n)), `length ${n}`).toBe(ref('x'.repeat(n)));
  });

  it('matches node:crypto on random text, non-ASCII and lone surrogates included', () => {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    const alphabet = ['a', 'Z', '0', ' ', '\n', '=', '#', 'é', 'ß', '日', '\u00a0', '😀', '\ud800', '\udc00', '\u0000', '\uffff'];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = rnd(400);
      for (let j = 0; j < n; j++) s += alphabet[rnd(alphabet.length)];
      expect(sha256Js(s), JSON.stringify(s)).toBe(ref(s));
      expect(sha256Native(s), JSON.stringify(s)).toBe(ref(s));
    }
  });
});
