// The workstation's client of the platform HTTP API v1. Every answer is parsed before use, every failure
// becomes an EnclaveError a person can read, and every request has a deadline.
import { z } from 'zod';
import { CatalogueSchema, ProjectSchema, UserSchema, type Catalogue, type Project, type User } from '../common/contract.ts';
import { EnclaveError, ErrorValueSchema, type ErrorCode } from '../common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../common/transport-protocol.ts';

export const PlatformHealthSchema = z.object({ status: z.literal('ok'), name: z.string(), mode: z.string() });
export type PlatformHealth = z.infer<typeof PlatformHealthSchema>;

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
  health(signal?: AbortSignal): Promise<PlatformHealth>;
  me(signal?: AbortSignal): Promise<User>;
  projects(signal?: AbortSignal): Promise<Project[]>;
  catalogue(projectId: string, signal?: AbortSignal): Promise<Catalogue>;
  sample(request: SampleRequest, signal?: AbortSignal): Promise<Uint8Array<ArrayBuffer>>;
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
  async function request(path: string, deadlineMs: number, signal?: AbortSignal): Promise<{ response: Response; signal: AbortSignal }> {
    const timeout = AbortSignal.timeout(deadlineMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await doFetch(new URL(path, base), { signal: combined, headers: { accept: 'application/json, application/vnd.apache.arrow.stream' } });
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

  async function getJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const { response, signal: combined } = await request(path, timeoutMs, signal);
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
    health: (signal) => getJson('api/v1/health', PlatformHealthSchema, signal),
    me: (signal) => getJson('api/v1/me', UserSchema, signal),
    projects: (signal) => getJson('api/v1/projects', z.array(ProjectSchema), signal),
    catalogue: (projectId, signal) => getJson(`api/v1/projects/${segment(projectId)}/catalogue`, CatalogueSchema, signal),
    async sample({ projectId, datasetId, limit }, signal) {
      const path = `api/v1/projects/${segment(projectId)}/datasets/${segment(datasetId)}/sample?limit=${limit}`;
      const { response, signal: combined } = await request(path, sampleTimeoutMs, signal);
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
