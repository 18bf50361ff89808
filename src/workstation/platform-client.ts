// The workstation's client of the platform HTTP API v1, derived from its declaration (src/common/platform-api.ts):
// one generic call builds the URL from the route's path, sends its body and parses the answer by the route's
// schema. Every failure becomes an EnclaveError a person can read, and every request has a deadline.
import { z } from 'zod';
import type { Catalogue, Project, RuleProfile, User } from '../common/contract.ts';
import { bestEffort } from '../common/detached.ts';
import { EnclaveError, ErrorValueSchema, HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../common/errors.ts';
import {
  PARQUET_CONTENT_TYPE,
  PLATFORM_API,
  PLATFORM_API_PREFIX,
  type ApiRoute,
  type ApiRouteId,
  type PlatformHealth,
  type RouteAnswerOf,
  type RouteCallInput,
  type RowsFormat,
  type SessionEventName,
} from '../common/platform-api.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../common/transport-protocol.ts';
import { notTrustedError } from './ca-trust.ts';

export { SESSION_EVENTS, type PlatformHealth, type PlatformIdentity, type SessionEventName } from '../common/platform-api.ts';

/** Per call: who is calling (the access token, sent as a Bearer token) and when to give up. */
export interface CallContext {
  token?: string;
  signal?: AbortSignal;
  /** For a stream of rows: the bytes received so far, and of how many (the answer's Content-Length, if any). */
  onReceived?: (bytes: number, total: number | null) => void;
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

export interface PlatformQueryRequest {
  projectId: string;
  sql: string;
  format: RowsFormat;
}

/** Rows as they arrive: read `chunks` once, to the end or until the caller stops (which ends the download). */
export interface RowsStream {
  readonly format: RowsFormat;
  /** The answer's Content-Length, or null when it gave none. */
  readonly total: number | null;
  /** Within the call's deadline and cancelled with its signal; `onReceived` hears every chunk. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface PlatformClient {
  /** The configured platform URL, as shown to the user. */
  readonly url: string;
  /** Calls any declared route; the named methods below are this with their route's input. */
  call<R extends ApiRouteId>(route: R, input: RouteCallInput<R>, context?: CallContext): Promise<RouteAnswerOf<R>>;
  health(context?: CallContext): Promise<PlatformHealth>;
  me(context?: CallContext): Promise<User>;
  projects(context?: CallContext): Promise<Project[]>;
  catalogue(projectId: string, context?: CallContext): Promise<Catalogue>;
  sample(request: SampleRequest, context?: CallContext): Promise<Uint8Array<ArrayBuffer>>;
  /** A sample in the format asked for, streamed (the core's engine loads it as it arrives). */
  sampleRows(request: SampleRequest & { format: RowsFormat }, context?: CallContext): Promise<RowsStream>;
  /** A minimised query's rows as one Arrow IPC stream (for the window's in-memory engine). */
  query(request: Omit<PlatformQueryRequest, 'format'>, context?: CallContext): Promise<Uint8Array<ArrayBuffer>>;
  /** A minimised query's rows in the format asked for, streamed (the core's engine loads them as they arrive). */
  queryRows(request: PlatformQueryRequest, context?: CallContext): Promise<RowsStream>;
  rules(context?: CallContext): Promise<RuleProfile[]>;
  /** Records a sign-in, lock, unlock (or a refused one), sign-out or session end in the platform's audit log. */
  sessionEvent(event: SessionEventName, context: CallContext): Promise<void>;
}

/**
 * Rows the platform stopped sending part-way (the connection broke, or the platform cut the stream: it does that to a
 * person an administrator suspends). Unavailable, as before; the core asks the platform once whether it was the latter.
 */
export class RowsCutShortError extends EnclaveError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'RowsCutShortError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_SAMPLE_TIMEOUT_MS = 300_000;
/** A redirect's target is named in the refusal, cut to this many characters: it comes from the other end. */
const MAX_NAMED_URL = 200;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** A redirect answer: Node's fetch hands it over as is under 'manual'; a browser's fetch makes it opaque. */
function isRedirect(response: Response): boolean {
  return response.type === 'opaqueredirect' || REDIRECT_STATUSES.has(response.status);
}

/** The codes a bare 4xx can stand for, by the one status table: those the platform itself answers with. */
const CODE_BY_CLIENT_ERROR_STATUS: ReadonlyMap<number, ErrorCode> = new Map(
  (['invalid_input', 'unauthenticated', 'forbidden', 'not_found'] as const).map((code) => [HTTP_STATUS_BY_ERROR_CODE[code], code]),
);

/**
 * HTTP status → code, for answers that carry no readable error body: those come from something between the
 * workstation and the platform (a proxy's 502 page, say), so any 5xx means the platform is unavailable, and a
 * status the platform never sends (423 locked is the workstation's own state) stays internal.
 */
function codeForStatus(status: number): ErrorCode {
  if (status === 422) return 'invalid_input';
  if (status >= 500) return 'unavailable';
  return CODE_BY_CLIENT_ERROR_STATUS.get(status) ?? 'internal';
}

/** How an answer's body is read: within the call's deadline, cancelled with it. */
interface ReadOptions {
  readonly combined: AbortSignal;
  readonly context?: CallContext;
  readonly deadlineMs: number;
}

/** The parts of a call as they travel; typed per route by RouteCallInput. */
interface CallParts {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

const FORMAT_BY_CONTENT_TYPE: ReadonlyMap<string, RowsFormat> = new Map([
  [ARROW_STREAM_CONTENT_TYPE, 'arrow'],
  [PARQUET_CONTENT_TYPE, 'parquet'],
]);

/** The body's chunks as they arrive, counted for whoever follows the download; stopping early ends the download. */
async function* bodyChunks(
  response: Response,
  onReceived: ((bytes: number, total: number | null) => void) | undefined,
): AsyncGenerator<Uint8Array> {
  if (response.body === null) return;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const total = Number.isSafeInteger(declared) && declared >= 0 ? declared : null;
  let received = 0;
  onReceived?.(0, total);
  // Node's typings leave a fetch body's chunks untyped; they are bytes.
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let finished = false;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      received += next.value.byteLength;
      onReceived?.(received, total);
      yield next.value;
    }
    finished = true;
  } finally {
    if (!finished) await bestEffort(reader.cancel());
  }
}

/** Chunks joined into one buffer. */
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    received += chunk.byteLength;
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** The whole body, counting the bytes as they arrive for whoever follows the download. */
async function readCounting(
  response: Response,
  onReceived: ((bytes: number, total: number | null) => void) | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  if (onReceived === undefined || response.body === null) return new Uint8Array(await response.arrayBuffer());
  return collect(bodyChunks(response, onReceived));
}

/** The route's path with its parameters filled in, relative to the platform URL (so a path prefix is kept). */
function pathOf(route: ApiRoute, parts: CallParts): string {
  const path = `${PLATFORM_API_PREFIX}${route.path}`.slice(1).replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = parts.params?.[name];
    if (value === undefined) throw new EnclaveError('internal', `The call to the platform is missing its ${name}.`);
    return encodeURIComponent(value);
  });
  return parts.query === undefined ? path : `${path}?${new URLSearchParams(parts.query).toString()}`;
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
  async function send(
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
    const target = new URL(path, base);
    let response: Response;
    try {
      response = await doFetch(target, {
        method: options.method ?? 'GET',
        signal: combined,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        // Never followed (see redirectError): 'manual' rather than 'error' so the refusal can name where it pointed.
        redirect: 'manual',
      });
    } catch (err) {
      throw transportError(err, { timedOut: timeout.aborted, cancelled: signal?.aborted === true, deadlineMs });
    }
    if (isRedirect(response)) {
      await bestEffort(response.body?.cancel());
      throw redirectError(response, target);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return { response, signal: combined };
  }

  /**
   * A redirect is refused, never followed: following one would carry the Bearer token and a query's body to wherever
   * it points, over plain http to any host if it says so, past the https-unless-loopback rule the URL was checked by.
   */
  function redirectError(response: Response, target: URL): EnclaveError {
    const location = response.headers.get('location');
    const where = location === null ? null : URL.parse(location, target.href);
    const named =
      where === null ? 'another address' : where.href.length > MAX_NAMED_URL ? `${where.href.slice(0, MAX_NAMED_URL)}…` : where.href;
    return new EnclaveError(
      'unavailable',
      `The platform at ${url} answered with a redirect to ${named}; Enclave does not follow redirects: set ENCLAVE_PLATFORM_URL (or the enclave command's --platform) to the platform's own address.`,
    );
  }

  function transportError(err: unknown, context: { timedOut: boolean; cancelled: boolean; deadlineMs: number }): EnclaveError {
    if (err instanceof EnclaveError) return err;
    if (context.cancelled) return new EnclaveError('cancelled', 'The request to the platform was cancelled.');
    if (context.timedOut) {
      return new EnclaveError('unavailable', `The platform at ${url} did not answer within ${Math.round(context.deadlineMs / 1000)} s.`);
    }
    // A certificate TLS refused is no network fault: it says which problem, and what fixes it.
    return notTrustedError(err, `the platform at ${url}`) ?? new EnclaveError('unavailable', `The platform at ${url} cannot be reached.`);
  }

  async function errorFromResponse(response: Response): Promise<EnclaveError> {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const parsed = z.object({ error: ErrorValueSchema }).safeParse(body);
    // The position (where in the analyst's SQL the platform found the fault) goes on, so the editor can mark it.
    if (parsed.success)
      return new EnclaveError(parsed.data.error.code, parsed.data.error.message, { position: parsed.data.error.position });
    return new EnclaveError(codeForStatus(response.status), `The platform answered with HTTP ${response.status}.`);
  }

  /** Reads a JSON answer by its schema. */
  async function readJson(schema: z.ZodType, response: Response, options: ReadOptions): Promise<unknown> {
    const signal = options.context?.signal;
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      if (options.combined.aborted)
        throw transportError(err, { timedOut: !signal?.aborted, cancelled: signal?.aborted === true, deadlineMs: options.deadlineMs });
      throw new EnclaveError('internal', 'The platform sent an answer this workstation could not read.');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new EnclaveError('internal', 'The platform sent an answer this workstation could not read.');
    return parsed.data;
  }

  /** The format of a rows answer, by its content type; anything else is refused (and its body dropped). */
  async function rowsFormat(response: Response): Promise<RowsFormat> {
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const format = FORMAT_BY_CONTENT_TYPE.get(type);
    if (format !== undefined) return format;
    await bestEffort(response.body?.cancel());
    throw new EnclaveError('internal', 'The platform sent rows in a format this workstation does not read.');
  }

  /** A body's read failed: cancelled, past its deadline, or the platform went away mid-answer. */
  function readError(err: unknown, options: ReadOptions): EnclaveError {
    const signal = options.context?.signal;
    const timedOut = options.combined.aborted && !signal?.aborted;
    const error = transportError(err, { timedOut, cancelled: signal?.aborted === true, deadlineMs: options.deadlineMs });
    return error.code === 'unavailable' && !timedOut && !(error instanceof RowsCutShortError)
      ? new RowsCutShortError(error.message)
      : error;
  }

  /** Reads a rows answer whole, body included within the deadline. */
  async function readRows(response: Response, options: ReadOptions): Promise<Uint8Array<ArrayBuffer>> {
    await rowsFormat(response);
    try {
      return await readCounting(response, options.context?.onReceived);
    } catch (err) {
      throw readError(err, options);
    }
  }

  /** Opens rows for reading as they arrive; refused unless they came in the format asked for. */
  async function openRows(options: {
    route: ApiRoute;
    parts: CallParts;
    format: RowsFormat;
    what: string;
    context: CallContext | undefined;
  }): Promise<RowsStream> {
    const { route, parts, format, what, context } = options;
    const deadlineMs = sampleTimeoutMs;
    const { response, signal: combined } = await send(pathOf(route, parts), {
      deadlineMs,
      context,
      method: route.method,
      body: parts.body,
    });
    const sent = await rowsFormat(response);
    if (sent !== format) {
      await bestEffort(response.body?.cancel());
      throw new EnclaveError('internal', `The platform sent the ${what} as ${sent}, not ${format} as asked.`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    const read: ReadOptions = { combined, context, deadlineMs };
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        yield* bodyChunks(response, context?.onReceived);
      } catch (err) {
        throw readError(err, read);
      }
    }
    return { format, total: Number.isSafeInteger(declared) && declared >= 0 ? declared : null, chunks: chunks() };
  }

  /** Opens a sample for reading as it arrives. */
  function openSample(request: SampleRequest & { format: RowsFormat }, context?: CallContext): Promise<RowsStream> {
    const { projectId, datasetId, limit, format } = request;
    // Arrow is the default, so it is not named: a platform from before Parquet samples still answers.
    const query: Record<string, string> = format === 'arrow' ? { limit: String(limit) } : { limit: String(limit), format };
    return openRows({
      route: PLATFORM_API['dataset.sample'],
      parts: { params: { projectId, datasetId }, query },
      format,
      what: 'sample',
      context,
    });
  }

  /** Opens a minimised query's rows for reading as they arrive. */
  function openQuery(request: PlatformQueryRequest, context?: CallContext): Promise<RowsStream> {
    const { projectId, sql, format } = request;
    return openRows({
      route: PLATFORM_API['project.query'],
      parts: { params: { projectId }, body: { sql, format } },
      format,
      what: 'result',
      context,
    });
  }

  async function call<R extends ApiRouteId>(id: R, input: RouteCallInput<R>, context?: CallContext): Promise<RouteAnswerOf<R>> {
    const route: ApiRoute = PLATFORM_API[id];
    const parts: CallParts = input;
    // A stream of rows takes a while, body included; everything else is small.
    const deadlineMs = route.answer === 'rows' ? sampleTimeoutMs : timeoutMs;
    const { response, signal: combined } = await send(pathOf(route, parts), {
      deadlineMs,
      context,
      method: route.method,
      body: parts.body,
    });
    let answer: unknown;
    if (route.answer === 'empty') {
      await response.body?.cancel();
      answer = undefined;
    } else if (route.answer === 'rows') {
      answer = await readRows(response, { combined, context, deadlineMs });
    } else {
      answer = await readJson(route.answer, response, { combined, context, deadlineMs });
    }
    // Parsed (or checked) above by the very declaration RouteAnswerOf<R> is inferred from.
    return answer as RouteAnswerOf<R>;
  }

  return {
    url,
    call,
    health: (context) => call('health', {}, context),
    me: (context) => call('me', {}, context),
    projects: (context) => call('projects.list', {}, context),
    catalogue: (projectId, context) => call('catalogue.get', { params: { projectId } }, context),
    rules: (context) => call('checking.rules', {}, context),
    async sessionEvent(event, context) {
      await call('session.events', { body: { event } }, context);
    },
    async sample(request, context) {
      // Arrow for the window's engine: a platform that answered anything else is refused, not passed on.
      return collect((await openSample({ ...request, format: 'arrow' }, context)).chunks);
    },
    sampleRows: (request, context) => openSample(request, context),
    async query(request, context) {
      return collect((await openQuery({ ...request, format: 'arrow' }, context)).chunks);
    },
    queryRows: (request, context) => openQuery(request, context),
  };
}
