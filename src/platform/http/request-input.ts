// Path and query parameters, parsed from what the client sent. Errors name the parameter, never echo its value.
import { IdSchema, SAMPLE_ROW_LIMIT } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';

export function parseId(name: string, value: unknown): string {
  const parsed = IdSchema.safeParse(value);
  if (!parsed.success) {
    throw new EnclaveError('invalid_input', `${name} must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.`);
  }
  return parsed.data;
}

/** limit: a plain decimal integer 1..SAMPLE_ROW_LIMIT, given once. No exponents, signs, spaces or fractions. */
export function parseLimit(value: unknown): number {
  const message = `limit must be a whole number from 1 to ${SAMPLE_ROW_LIMIT.toLocaleString('en-GB')}.`;
  if (typeof value !== 'string' || !/^[0-9]{1,7}$/.test(value)) throw new EnclaveError('invalid_input', message);
  const limit = Number(value);
  if (limit < 1 || limit > SAMPLE_ROW_LIMIT) throw new EnclaveError('invalid_input', message);
  return limit;
}

/** Refuses query parameters the route does not define, so a typo is an error rather than a silent default. */
export function assertOnlyQueryParameters(query: unknown, allowed: readonly string[]): Record<string, unknown> {
  const record = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      throw new EnclaveError('invalid_input', `Unknown query parameter; this endpoint accepts only: ${allowed.join(', ')}.`);
    }
  }
  return record;
}
