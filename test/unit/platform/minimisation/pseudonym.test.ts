// The keyed pseudonym (src/platform/minimisation/pseudonym.ts): HMAC-SHA-256 of the value under the project's key,
// computed in Node for the map the engine builds a minimised copy from. pseudonymiser(key) must equal pseudonymOf and
// node:crypto's createHmac for every value, never look like an NHS number, and differ across projects.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PROJECT_KEY_BYTES, PSEUDONYM_LETTERS, pseudonymiser, pseudonymOf } from '../../../../src/platform/minimisation/pseudonym.ts';
import { treatmentSql } from '../../../../src/platform/minimisation/treatments.ts';
import { isValidNhsNumber } from '../../../../src/platform/synth/nhs-number.ts';

/** 'P' and the first 20 hex digits of a digest, spelt 0 → B … f → T (written out here, not taken from the module). */
function spelt(hex: string): string {
  return `P${[...hex.slice(0, 20)].map((digit) => 'BCDFGHJKLMNPQRST'[parseInt(digit, 16)]).join('')}`;
}

/** The expected pseudonym, from node:crypto's HMAC alone. */
function expected(value: string, key: Uint8Array): string {
  return spelt(createHmac('sha256', key).update(value, 'utf8').digest('hex'));
}

const randomKey = (): Uint8Array => new Uint8Array(randomBytes(PROJECT_KEY_BYTES));

const VALUES = [
  '',
  ' ',
  'a',
  'null',
  '9990000018',
  '999 000 0018',
  'é',
  'e\u0301',
  'Zoë Ünal',
  '日本語のテキスト',
  '🙂🧬',
  '\u0000',
  "O'Brien",
  '\\x41',
  'x'.repeat(63),
  'x'.repeat(64),
  'y'.repeat(65),
  'z'.repeat(1000),
  ...Array.from({ length: 200 }, (_, i) => `${9990000000 + i * 7919}`),
  ...Array.from({ length: 50 }, () => randomBytes(12).toString('base64')),
];

describe('the pseudonym of a value', () => {
  it('is RFC 4231 test case 2\'s HMAC-SHA-256 (key "Jefe", zero-padded to 32 bytes), its first 20 hex digits as consonants', () => {
    // HMAC pads a short key with zeros to the hash's block, so "Jefe" and "Jefe" + 28 zero bytes are the same key.
    const key = new Uint8Array(PROJECT_KEY_BYTES);
    key.set(Buffer.from('Jefe', 'ascii'));
    const message = 'what do ya want for nothing?';
    const rfcDigest = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    expect(createHmac('sha256', key).update(message, 'utf8').digest('hex')).toBe(rfcDigest);
    // 5b dc c1 46 bf 60 75 4e 6a 04 → H P R Q Q C G J P T J B K H G S J N B G
    expect(pseudonymiser(key)(message)).toBe('PHPRQQCGJPTJBKHGSJNBG');
    expect(pseudonymOf(message, key)).toBe('PHPRQQCGJPTJBKHGSJNBG');
  });

  it("equals pseudonymOf and node:crypto's HMAC for many values, empty, long and non-ASCII included", () => {
    for (const key of [new Uint8Array(PROJECT_KEY_BYTES), new Uint8Array(PROJECT_KEY_BYTES).fill(0xff), randomKey()]) {
      const pseudonym = pseudonymiser(key);
      const fromNode = VALUES.map((value) => expected(value, key));
      expect(VALUES.map(pseudonym)).toEqual(fromNode);
      expect(VALUES.map((value) => pseudonymOf(value, key))).toEqual(fromNode);
      // Its hash states are copied for each value, never used up: the same answers a second time, in reverse order.
      expect([...VALUES].reverse().map(pseudonym)).toEqual([...fromNode].reverse());
    }
  });

  it('tells apart texts that look alike but are different bytes (é precomposed and decomposed)', () => {
    const pseudonym = pseudonymiser(randomKey());
    expect(pseudonym('é')).not.toBe(pseudonym('e\u0301'));
    expect(pseudonym('9990000018')).not.toBe(pseudonym('999 000 0018'));
  });

  it('is given values only: "" and "null" are values with pseudonyms of their own, and a NULL is refused, never spelt', () => {
    // A minimised copy keeps NULL as NULL (the engine's map holds non-null values only), so no pseudonym stands for
    // "missing" and links every person whose number is missing.
    const key = randomKey();
    const pseudonym = pseudonymiser(key);
    expect(new Set([pseudonym(''), pseudonym('null'), pseudonym('undefined')]).size).toBe(3);
    expect(() => pseudonym(null as unknown as string)).toThrow();
    expect(() => pseudonymOf(undefined as unknown as string, key)).toThrow();
  });

  it('gives the same value the same pseudonym within a project and a different one across projects', () => {
    const projectA = pseudonymiser(randomKey());
    const projectB = pseudonymiser(randomKey());
    const values = ['9990000018', '9990000026', '9990000018'];
    const a = values.map(projectA);
    const b = values.map(projectB);
    expect(a[0]).toBe(a[2]);
    expect(a[0]).not.toBe(a[1]);
    expect(b[0]).toBe(b[2]);
    expect(b[0]).not.toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    // Keys a single bit apart are different projects too.
    const key = randomKey();
    const flipped = Uint8Array.from(key, (byte, i) => (i === 31 ? byte ^ 1 : byte));
    expect(pseudonymiser(key)('9990000018')).not.toBe(pseudonymiser(flipped)('9990000018'));
  });

  it('is not the unkeyed hash of the value (enumerable from the 999 range)', () => {
    const pseudonym = pseudonymiser(new Uint8Array(PROJECT_KEY_BYTES))('9990000018');
    expect(pseudonym).not.toBe(spelt(createHash('sha256').update('9990000018').digest('hex')));
  });

  it('is written P and 20 consonants, no digit and no vowel ever: it never looks like (or holds) an NHS number or spells a word', () => {
    expect(PSEUDONYM_LETTERS).toMatch(/^[B-DF-HJ-NP-TV-Z]{16}$/);
    expect(new Set(PSEUDONYM_LETTERS).size).toBe(16);
    const pseudonym = pseudonymiser(randomKey());
    const numbers = Array.from({ length: 2000 }, (_, i) => `${9990000000 + i * 13}`);
    const out = [...numbers, ...VALUES].map(pseudonym);
    for (const written of out) {
      expect(written).toMatch(/^P[BCDFGHJKLMNPQRST]{20}$/);
      expect(written).not.toMatch(/[0-9AEIOU]/i);
      expect(isValidNhsNumber(written)).toBe(false);
    }
    expect(new Set(out).size).toBe(new Set([...numbers, ...VALUES]).size);
  });

  it("is never computed in SQL: treatmentSql refuses a pseudonym, which only the engine's map holds", () => {
    const asked = (): string => treatmentSql({ treatment: 'pseudonym' }, '"nhs_number"', { referenceDate: '2023-03-31' });
    expect(asked).toThrow(/never computed in SQL/);
    expect(asked).toThrow(expect.objectContaining({ name: 'EnclaveError', code: 'internal' }));
  });

  it('refuses a key that is not 32 bytes', () => {
    for (const length of [0, 4, 16, 31, 33, 64]) {
      expect(() => pseudonymiser(new Uint8Array(length))).toThrow(/32 bytes/);
      expect(() => pseudonymOf('x', new Uint8Array(length))).toThrow(/32 bytes/);
    }
  });
});
