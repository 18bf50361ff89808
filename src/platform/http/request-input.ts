// Path parameters, query and body, parsed by the schemas their route declares (src/common/platform-api.ts).
// Errors name the parameter (or the body's field) and never echo a value the client sent.
import type { z } from 'zod';
import { describeIssues, EnclaveError } from '../../common/errors.ts';

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** Parses named string parameters; the first bad one is named with what its schema's description says it must be. */
function parseNamed(schema: z.ZodObject, values: Record<string, unknown>): unknown {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const name = parsed.error.issues[0]?.path[0];
  // A plain ZodObject's shape is typed loosely (any); its entries are schemas.
  const field = typeof name === 'string' ? (schema.shape[name] as z.ZodType | undefined) : undefined;
  if (typeof name !== 'string' || field === undefined) throw new EnclaveError('invalid_input', 'The request is not valid.');
  throw new EnclaveError('invalid_input', `${name} ${field.description ?? 'is not valid.'}`);
}

/** Path parameters; undefined for a route that declares none. */
export function parseParameters(schema: z.ZodObject | undefined, params: unknown): unknown {
  return schema === undefined ? undefined : parseNamed(schema, recordOf(params));
}

/**
 * Query parameters. Names the route does not define are refused first, so a typo is an error rather than a
 * silent default. A route that declares no query ignores the query string.
 */
export function parseQuery(schema: z.ZodObject | undefined, query: unknown): unknown {
  if (schema === undefined) return undefined;
  const record = recordOf(query);
  const allowed = Object.keys(schema.shape);
  if (Object.keys(record).some((key) => !allowed.includes(key))) {
    throw new EnclaveError('invalid_input', `Unknown query parameter; this endpoint accepts only: ${allowed.join(', ')}.`);
  }
  return parseNamed(schema, record);
}

/** The JSON body; undefined for a route that declares none. */
export function parseBody(schema: z.ZodType | undefined, body: unknown): unknown {
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new EnclaveError('invalid_input', `${schema.description ?? 'The request body'} is not valid: ${describeIssues(parsed.error)}`);
}
