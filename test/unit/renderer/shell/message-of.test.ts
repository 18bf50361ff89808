// What the window says when something failed: an EnclaveError's own message, never the raw text of anything else.
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../../src/common/errors.ts';
import { messageOf } from '../../../../renderer/src/shell/message-of.ts';

describe('messageOf', () => {
  it("shows an EnclaveError's message, and the caller's fallback for anything else", () => {
    expect(messageOf(new EnclaveError('not_found', 'That project does not exist.'), 'fallback')).toBe('That project does not exist.');
    expect(messageOf(new Error('ECONNREFUSED 10.0.0.7:5432 at Socket.connect'), 'The catalogue could not be loaded.')).toBe(
      'The catalogue could not be loaded.',
    );
    expect(messageOf('a string', 'fallback')).toBe('fallback');
    expect(messageOf(undefined, 'fallback')).toBe('fallback');
  });
});
