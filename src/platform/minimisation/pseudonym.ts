// The keyed pseudonym: HMAC-SHA-256 (RFC 2104) of the value's text in UTF-8 under the project's key, computed in Node.
// The engine fills a temporary map (domain, value) → pseudonym with it while it builds a project's minimised copy and
// joins the copy's columns to that map (engine/copy-build.ts), so the key never reaches SQL, the copy or a message the
// analyst can read. NULL is never pseudonymised: the map holds non-null values only and the join leaves NULL as NULL.
//
// Written 'P' and the first 20 hex digits (80 bits) of the digest, each spelt as one of 16 consonants (0 → B, 1 → C, …,
// f → T): 21 letters and no digit at all. Plain hex was tried first and failed the test: one in a few hundred hex
// pseudonyms holds a run of ten digits, which a scan for NHS numbers (or a person) can take for one. With no digits and
// no vowels a pseudonym can never look like an NHS number or spell a word, and 80 bits keep collisions out of reach for
// any national population (about 1 in 10^9 for 60 million people).
import { createHash, createHmac } from 'node:crypto';
import { EnclaveError } from '../../common/errors.ts';

const BLOCK_BYTES = 64;
export const PROJECT_KEY_BYTES = 32;
const PSEUDONYM_HEX_DIGITS = 20;
const HEX = '0123456789abcdef';
/** The letter each hex digit is written as. */
export const PSEUDONYM_LETTERS = 'BCDFGHJKLMNPQRST';

/** The key zero-padded to SHA-256's block and XORed with ipad (0x36) or opad (0x5c): HMAC is H((K⊕opad) ‖ H((K⊕ipad) ‖ m)). */
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

/** The pseudonym of a value under the key: 'P' and the digest's first 20 hex digits, each as a consonant. */
function written(hex: string): string {
  let letters = 'P';
  for (let i = 0; i < PSEUDONYM_HEX_DIGITS; i += 1) letters += PSEUDONYM_LETTERS.charAt(HEX.indexOf(hex.charAt(i)));
  return letters;
}

/** The pseudonym of one value: for tests, and for a platform that must find one person's rows by value. */
export function pseudonymOf(value: string, key: Uint8Array): string {
  checkKey(key);
  return written(createHmac('sha256', key).update(value, 'utf8').digest('hex'));
}

/**
 * The pseudonym function of one key, for many values (a minimised copy pseudonymises every person and record): the
 * same HMAC-SHA-256 as pseudonymOf, with the padded key's hash states computed once and copied for each value, which
 * measured about five times faster here than a new HMAC object per value (1.9 µs against 9.2 µs).
 */
export function pseudonymiser(key: Uint8Array): (value: string) => string {
  checkKey(key);
  const inner = createHash('sha256').update(paddedKey(key, 0x36));
  const outer = createHash('sha256').update(paddedKey(key, 0x5c));
  return (value) => written(outer.copy().update(inner.copy().update(value, 'utf8').digest()).digest('hex'));
}
