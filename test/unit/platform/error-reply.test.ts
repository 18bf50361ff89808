// Every failure becomes {"error":{code,message}} with a status; nothing unexpected is ever repeated.
import { describe, expect, it } from 'vitest';
import { EnclaveError, ErrorCodeSchema } from '../../../src/common/errors.ts';
import { INTERNAL_ERROR, toErrorReply } from '../../../src/platform/http/error-reply.ts';

describe('toErrorReply', () => {
  it.each([
    ['invalid_input', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['unavailable', 503],
    ['internal', 500],
  ] as const)('answers %s with %i and the chosen message', (code, status) => {
    expect(toErrorReply(new EnclaveError(code, 'A message for people.'))).toEqual({
      status,
      body: { error: { code, message: 'A message for people.' } },
    });
  });

  it('has a status for every error code', () => {
    for (const code of ErrorCodeSchema.options) {
      expect(toErrorReply(new EnclaveError(code, 'x')).status).toBeGreaterThanOrEqual(400);
    }
  });

  it('hides the text of an unexpected error (SQL, values, paths)', () => {
    const reply = toErrorReply(new Error('Binder Error: SELECT "nhs_number" FROM patients WHERE x = 9990000018 at /srv/data'));
    expect(reply).toEqual({ status: 500, body: { error: INTERNAL_ERROR } });
  });

  it('hides the text of a framework error, keeping only its class', () => {
    const framework = Object.assign(new Error('Body is not valid JSON but found token } at 3'), { statusCode: 400 });
    expect(toErrorReply(framework)).toEqual({
      status: 400,
      body: { error: { code: 'invalid_input', message: 'The request could not be read.' } },
    });
    expect(toErrorReply(Object.assign(new Error('x'), { statusCode: 413 })).body.error.message).toBe('The request is too large.');
    expect(toErrorReply(Object.assign(new Error('secret'), { statusCode: 502 }))).toEqual({ status: 500, body: { error: INTERNAL_ERROR } });
  });

  it('treats thrown non-errors as internal', () => {
    expect(toErrorReply('a string').status).toBe(500);
    expect(toErrorReply(null).status).toBe(500);
  });
});
