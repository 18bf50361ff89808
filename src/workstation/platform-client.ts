// The workstation's client of the platform HTTP API v1. Every answer is parsed before use, every failure
// becomes an EnclaveError a person can read, and every request has a deadline.
import { z } from 'zod';
import {
  CatalogueSchema,
  ProjectSchema,
  RuleProfileSchema,
  UserSchema,
  type Catalogue,
  type Project,
  type RuleProfile,
  type User,
} from '../common/contract.ts';
import { EnclaveError, ErrorValueSchema, type ErrorCode } from '../common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../common/transport-protocol.ts';

/** How the platform says its users sign in (public: the workstation reads it before anyone has signed in). */
export const PlatformIdentitySchema = z.object({
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  audience: z.string().min(1).nullable().optional(),
  scopes: z.array(z.string()).optional(),
});
export type PlatformIdentity = z.infer<typeof PlatformIdentitySchema>;

export const PlatformHealthSchema = z.object({
  status: z.literal('ok'),
  name: z.string(),
  mode: z.string(),
  // Optional: a platform from before sign-in existed, or one whose identity the workstation is told by config.
  identity: PlatformIdentitySchema.optional(),
});
export type PlatformHealth = z.infer<typeof PlatformHealthSchema>;

// unlock_refused: someone other than the locked user signed in to unlock (recorded with their token).
export const SESSION_EVENTS = ['signed_in', 'signed_out', 'locked', 'unlocked', 'session_expired', 'unlock_refused'] as const;
export type SessionEventName = (typeof SESSION_EVENTS)[number];

/** Per call: who is calling (the access token, sent as a Bearer token) and when to give up. */
export interface CallContext {
  token?: string;
  signal?: AbortSignal;
}

export interface PlatformClientOptions {
  /** e.g. http://127.0.0.1:4100 (a path prefix is kept: http://host/platform/ → http://host/platform/api/v1/…). */
  baseUrl: string;
  fetch?: typeof globalThis.fetch;
  /** Deadline for metadata requests (health, me, projects, catalogue). */
  timeoutMs?: number;
  /** Deadline for a sample, body included: a million rows take a while to stream. */
  sampleTimeoutMs?: number;
}

export interface SampleRequest {
  projectId: string;
  datasetId: string;
  limit: number;
}

export interface PlatformClient {
  /** The configured platform URL, as shown to the user. */
  readonly url: string;
  health(context?: CallContext): Promise<PlatformHealth>;
  me(context?: CallContext): Promise<User>;
  projects(context?: CallContext): Promise<Project[]>;
  catalogue(projectId: string, context?: CallContext): Promise<Catalogue>;
  sample(request: SampleRequest, context?: CallContext): Promise<Uint8Array<ArrayBuffer>>;
  rules(context?: CallContext): Promise<RuleProfile[]>;
  /** Records a sign-in, lock, unlock (or a refused one), sign-out or session end in the platform's audit log. */
  sessionEvent(event: SessionEventName, context: CallContext): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_SAMPLE_TIMEOUT_MS = 300_000;

/** HTTP status → code, for platform answers that carry no readable error body (a proxy's 502 page, say). */
function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'invalid_input';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'unavailable';
  return 'internal';
}

export function createPlatformClient(options: PlatformClientOptions): PlatformClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const sampleTimeoutMs = options.sampleTimeoutMs ?? DEFAULT_SAMPLE_TIMEOUT_MS;
  const url = options.baseUrl.replace(/\/+$/, '');
  let base: URL;
  try {
    base = new URL(`${url}/`);
  } catch {
    throw new EnclaveError('invalid_input', `The platform URL "${options.baseUrl}" is not a URL.`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new EnclaveError('invalid_input', `The platform URL must start with http:// or https://, not ${base.protocol}//.`);
  }

  /** Sends one request; resolves with a 2xx response or throws the mapped error. */
  async function request(
    path: string,
    options: { deadlineMs: number; context?: CallContext; method?: 'GET' | 'POST'; body?: unknown },
  ): Promise<{ response: Response; signal: AbortSignal }> {
    const { deadlineMs, context = {} } = options;
    const signal = context.signal;
    const timeout = AbortSignal.timeout(deadlineMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json, application/vnd.apache.arrow.stream' };
    if (context.token) headers.authorization = `Bearer ${context.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(new URL(path, base), {
        method: options.method ?? 'GET',
        signal: combined,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (err) {
      throw transportError(err, { timedOut: timeout.aborted, cancelled: signal?.aborted === true, deadlineMs });
    }
    if (!response.ok) throw await errorFromResponse(response);
    return { response, signal: combined };
  }

  function transportError(err: unknown, context: { timedOut: boolean; cancelled: boolean; deadlineMs: number }): EnclaveError {
    if (err instanceof EnclaveError) return err;
    if (context.cancelled) return new EnclaveError('cancelled', 'The request to the platform was cancelled.');
    if (context.timedOut) {
      return new EnclaveError('unavailable', `The platform at ${url} did not answer within ${Math.round(context.deadlineMs / 1000)} s.`);
    }
    return new EnclaveError('unavailable', `The platform at ${url} cannot be reached.`);
  }

  async function errorFromResponse(response: Response): Promise<EnclaveError> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const parsed = z.object({ error: ErrorValueSchema }).safeParse(body);
    if (parsed.success) return new EnclaveError(parsed.data.error.code, parsed.data.error.message);
    return new EnclaveError(codeForStatus(response.status), `The platform answered with HTTP ${response.status}.`);
  }

  async function getJson<T>(path: string, schema: z.ZodType<T>, context?: CallContext): Promise<T> {
    const signal = context?.signal;
    const { response, signal: combined } = await request(path, { deadlineMs: timeoutMs, context });
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      if (combined.aborted) throw transportError(err, { timedOut: !signal?.aborted, cancelled: signal?.aborted === true, deadlineMs: timeoutMs });
      throw new EnclaveError('internal', 'The platform sent an answer this workstation could not read.');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new EnclaveError('internal', 'The platform sent an answer this workstation could not read.');
    return parsed.data;
  }

  const segment = encodeURIComponent;

  return {
    url,
    health: (context) => getJson('api/v1/health', PlatformHealthSchema, context),
    me: (context) => getJson('api/v1/me', UserSchema, context),
    projects: (context) => getJson('api/v1/projects', z.array(ProjectSchema), context),
    catalogue: (projectId, context) => getJson(`api/v1/projects/${segment(projectId)}/catalogue`, CatalogueSchema, context),
    rules: (context) => getJson('api/v1/checking/rules', z.array(RuleProfileSchema), context),
    async sessionEvent(event, context) {
      const { response } = await request('api/v1/session-events', { deadlineMs: timeoutMs, context, method: 'POST', body: { event } });
      await response.body?.cancel();
    },
    async sample({ projectId, datasetId, limit }, context) {
      const signal = context?.signal;
      const path = `api/v1/projects/${segment(projectId)}/datasets/${segment(datasetId)}/sample?limit=${limit}`;
      const { response, signal: combined } = await request(path, { deadlineMs: sampleTimeoutMs, context });
      const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== ARROW_STREAM_CONTENT_TYPE) {
        await response.body?.cancel();
        throw new EnclaveError('internal', 'The platform sent a sample that is not an Arrow stream.');
      }
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        throw transportError(err, { timedOut: combined.aborted && !signal?.aborted, cancelled: signal?.aborted === true, deadlineMs: sampleTimeoutMs });
      }
    },
  };
}
