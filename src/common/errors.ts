// Errors are values the UI can show: a code, a message a person understands, and nothing secret.
import { z } from 'zod';

export const ErrorCodeSchema = z.enum([
  'invalid_input',
  'unknown_method',
  'not_found',
  'forbidden',
  /** The thing changed since the caller looked (a stale version), or its state does not allow the call: nothing was changed. */
  'conflict',
  'unauthenticated',
  /** The workstation is locked: only a fresh sign-in as the same user opens it again. */
  'locked',
  /** Too many requests of one kind from one user in a short time: try again later. */
  'rate_limited',
  /** The caller's access (or the project's) is suspended by an administrator during an incident. */
  'suspended',
  /** Nothing may leave the environment now: egress is frozen (for this project, or everywhere). */
  'egress_frozen',
  /** Signed in at the identity provider, but unknown to the platform: the person enrols with their one-time code. */
  'enrolment_required',
  /** The person has not accepted the current terms of use of a role they hold (or everyone's). */
  'terms_required',
  /** The role this call needs has no valid training on record for the person. */
  'training_required',
  /** Not enough space left in a drive (its quota): nothing was written. */
  'insufficient_storage',
  'unavailable',
  'cancelled',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** The HTTP status each error code travels with, on the platform's API and the browser shell's alike. */
export const HTTP_STATUS_BY_ERROR_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  locked: 423,
  rate_limited: 429,
  suspended: 403,
  egress_frozen: 403,
  enrolment_required: 403,
  terms_required: 403,
  training_required: 403,
  unknown_method: 404,
  // The caller went away or the work was stopped ("client closed request"); it must not look like a success.
  cancelled: 499,
  internal: 500,
  unavailable: 503,
  insufficient_storage: 507,
};

export const ErrorValueSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** For an error in the analyst's own SQL: the character offset (from 0) where the engine found it. */
  position: z.number().int().nonnegative().optional(),
});
export type ErrorValue = z.infer<typeof ErrorValueSchema>;

export class EnclaveError extends Error {
  readonly code: ErrorCode;
  /** Where in the analyst's SQL the error is (a character offset), when the engine says. */
  readonly position: number | undefined;
  constructor(code: ErrorCode, message: string, detail: { position?: number } = {}) {
    super(message);
    this.name = 'EnclaveError';
    this.code = code;
    this.position = detail.position;
  }
  toValue(): ErrorValue {
    return this.position === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, position: this.position };
  }
}

/** Turns anything thrown into a showable value; unknown errors never leak their text. */
export function toErrorValue(err: unknown): ErrorValue {
  if (err instanceof EnclaveError) return err.toValue();
  return { code: 'internal', message: 'Something went wrong inside the workstation. The details are in its log.' };
}

export function fromErrorValue(value: unknown): EnclaveError {
  const parsed = ErrorValueSchema.safeParse(value);
  if (parsed.success) return new EnclaveError(parsed.data.code, parsed.data.message, { position: parsed.data.position });
  return new EnclaveError('internal', 'The workstation sent an answer this window could not read.');
}

/** Names the field at fault in a schema failure, without echoing the value. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(input)'}: ${issue.message}`).join('; ');
}
