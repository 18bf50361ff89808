// The keyed pseudonym is HMAC-SHA-256 built from DuckDB's sha256 over BLOBs (DuckDB 1.5 has no hmac): it must equal
// node:crypto's HMAC for every value, never look like an NHS number, and differ across projects.
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymOf, pseudonymSql } from '../../../../src/platform/minimisation/pseudonym.ts';
import { isValidNhsNumber } from '../../../../src/platform/synth/nhs-number.ts';
import { openEvaluator, type Evaluator } from './duckdb-eval.ts';

let db: Evaluator;
beforeAll(async () => {
  db = await openEvaluator();
});
afterAll(() => db.close());

const V = '"v"';

/** The expected pseudonym, from node:crypto alone: 'P' and the first 20 hex digits of the HMAC, spelt 0 → B … f → T. */
function expected(value: string, key: Uint8Array): string {
  const hex = createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 20);
  return `P${[...hex].map((digit) => 'BCDFGHJKLMNPQRST'[parseInt(digit, 16)]).join('')}`;
}

const VALUES = [
  '',
  ' ',
  'a',
  '9990000018',
  '999 000 0018',
  'é',
  'Zoë Ünal',
  '日本語のテキスト',
  '🙂🧬',
  "O'Brien",
  '\\x41',
  'x'.repeat(63),
  'x'.repeat(64),
  'y'.repeat(65),
  'z'.repeat(1000),
  ...Array.from({ length: 200 }, (_, i) => `${9990000000 + i * 7919}`),
  ...Array.from({ length: 50 }, () => randomBytes(12).toString('base64')),
];

describe('the pseudonym in DuckDB SQL', () => {
  it("equals node:crypto's HMAC-SHA-256 for many values, non-ASCII and empty included", async () => {
    for (const key of [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(randomBytes(32))]) {
      const fromSql = await db.apply(pseudonymSql(V, key), VALUES, 'VARCHAR');
      const fromNode = VALUES.map((value) => expected(value, key));
      expect(fromSql).toEqual(fromNode);
      expect(fromSql).toEqual(VALUES.map((value) => pseudonymOf(value, key)));
    }
  });

  it('matches the full HMAC of an RFC 4231-style check: the inner hash is bytes, not hex', async () => {
    const key = new Uint8Array(32).fill(0x0b);
    const [value] = await db.apply(pseudonymSql(V, key), ['Hi There'], 'VARCHAR');
    expect(value).toBe(expected('Hi There', key));
  });

  it('is written P and 20 consonants, no digit at all, so it never looks like (or holds) an NHS number', async () => {
    const key = new Uint8Array(randomBytes(32));
    const numbers = Array.from({ length: 500 }, (_, i) => `${9990000000 + i * 13}`);
    const out = (await db.apply(pseudonymSql(V, key), numbers, 'VARCHAR')) as string[];
    for (const pseudonym of out) {
      expect(pseudonym).toMatch(/^P[BCDFGHJKLMNPQRST]{20}$/);
      expect(isValidNhsNumber(pseudonym)).toBe(false);
      expect(pseudonym).not.toMatch(/\d/);
    }
    expect(new Set(out).size).toBe(numbers.length);
  });

  it('gives the same value the same pseudonym within a project and a different one across projects', async () => {
    const projectA = new Uint8Array(randomBytes(32));
    const projectB = new Uint8Array(randomBytes(32));
    const values = ['9990000018', '9990000026', '9990000018'];
    const a = await db.apply(pseudonymSql(V, projectA), values, 'VARCHAR');
    const b = await db.apply(pseudonymSql(V, projectB), values, 'VARCHAR');
    expect(a[0]).toBe(a[2]);
    expect(a[0]).not.toBe(a[1]);
    expect(b[0]).not.toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
  });

  it('is not the unkeyed hash of the value (enumerable from the 999 range)', async () => {
    const [pseudonym] = (await db.apply(pseudonymSql(V, new Uint8Array(32)), ['9990000018'], 'VARCHAR')) as string[];
    const { createHash } = await import('node:crypto');
    const unkeyed = createHash('sha256').update('9990000018').digest('hex').slice(0, 20);
    expect(pseudonym).not.toBe(`P${[...unkeyed].map((digit) => 'BCDFGHJKLMNPQRST'[parseInt(digit, 16)]).join('')}`);
  });

  it('keeps NULL as NULL, and pseudonymises a BIGINT by its text', async () => {
    const key = new Uint8Array(32).fill(3);
    expect(await db.apply(pseudonymSql(V, key), [null, '12'], 'VARCHAR')).toEqual([null, pseudonymOf('12', key)]);
    expect(await db.apply(pseudonymSql(V, key), ['12', null], 'BIGINT')).toEqual([pseudonymOf('12', key), null]);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => pseudonymSql(V, new Uint8Array(16))).toThrow(/32 bytes/);
    expect(() => pseudonymOf('x', new Uint8Array(64))).toThrow(/32 bytes/);
  });
});
