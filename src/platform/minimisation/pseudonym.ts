// The keyed pseudonym, computed inside DuckDB with no UDF. DuckDB 1.5 has sha256 but no hmac (checked:
// duckdb_functions() lists no hmac in @duckdb/node-api 1.5.6), so HMAC-SHA-256 (RFC 2104) is built from sha256 over
// BLOBs: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The two padded keys are constants per project, computed here and written
// into the SQL as BLOB literals; the inner hash comes back as hex and unhex turns it into bytes again. The message is
// the value's text in UTF-8, so node:crypto's createHmac('sha256', key).update(String(value)) gives the same digest.
//
// Written 'P' and the first 20 hex digits (80 bits) of the digest, each spelt as one of 16 consonants (0 → B, 1 → C, …,
// f → T): 21 letters and no digit at all. Plain hex was tried first and failed the test: one in a few hundred hex
// pseudonyms holds a run of ten digits, which a scan for NHS numbers (or a person) can take for one. With no digits and
// no vowels a pseudonym can never look like an NHS number or spell a word, and 80 bits keep collisions out of reach for
// any national population (about 1 in 10^9 for 60 million people).
//
// The SQL carries the project's padded key, so it must only run on the platform's build connection: never in a view
// definition, a query log or an error the analyst can read.
import { createHmac } from 'node:crypto';
import { EnclaveError } from '../../common/errors.ts';

const BLOCK_BYTES = 64;
export const PROJECT_KEY_BYTES = 32;
const PSEUDONYM_HEX_DIGITS = 20;
const HEX = '0123456789abcdef';
/** The letter each hex digit is written as. */
export const PSEUDONYM_LETTERS = 'BCDFGHJKLMNPQRST';

function blobLiteral(bytes: Uint8Array): string {
  return `'${Array.from(bytes, (byte) => `\\x${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('')}'::BLOB`;
}

function paddedKey(key: Uint8Array, pad: number): Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(key);
  return block.map((byte) => byte ^ pad);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== PROJECT_KEY_BYTES) {
    throw new EnclaveError('internal', `A project key must be ${PROJECT_KEY_BYTES} bytes.`);
  }
}

/** The DuckDB expression for the pseudonym of `column` (already quoted) under the project's key. NULL stays NULL. */
export function pseudonymSql(column: string, key: Uint8Array): string {
  checkKey(key);
  const inner = `unhex(sha256(${blobLiteral(paddedKey(key, 0x36))} || encode(CAST(${column} AS VARCHAR))))`;
  const digest = `sha256(${blobLiteral(paddedKey(key, 0x5c))} || ${inner})`;
  return `(CASE WHEN ${column} IS NULL THEN NULL ELSE 'P' || translate(left(${digest}, ${PSEUDONYM_HEX_DIGITS}), '${HEX}', '${PSEUDONYM_LETTERS}') END)`;
}

/** The same pseudonym computed in Node: for tests, and for a platform that must find one person's rows by value. */
export function pseudonymOf(value: string, key: Uint8Array): string {
  checkKey(key);
  const hex = createHmac('sha256', key).update(value, 'utf8').digest('hex');
  return `P${Array.from(hex.slice(0, PSEUDONYM_HEX_DIGITS), (digit) => PSEUDONYM_LETTERS.charAt(HEX.indexOf(digit))).join('')}`;
}
