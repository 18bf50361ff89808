// The demo platform's HTTP server: the composition root. It opens the platform's core (platform-core.ts: the data
// engine, the records, the agreements and the query service), sets up identity (the embedded OIDC provider, or an
// external issuer), and wires the routes. It serves plain HTTP (loopback) or HTTPS with a certificate it is given as
// PEM contents (reading, checking and reloading the files is the caller's: http/tls-certificates.ts, tls-reload.ts).
// When it stops it drains: answers under way finish, new requests are told it is stopping.
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { bestEffort, inBackground } from '../common/detached.ts';
import { EnclaveError } from '../common/errors.ts';
import { LOOPBACK_HOSTNAMES } from '../common/loopback.ts';
import { ALWAYS_OPEN_ROUTES, PLATFORM_ROUTES, routeAccess, routeHasOwnCredentials, type RouteId } from '../common/platform-api.ts';
import type { AgreementLoader } from './agreements/loader.ts';
import { registerDriveByteRoutes } from './api/drive-routes.ts';
import { registerV1Routes } from './api/v1-routes.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { assertMayCall, isPublicRoute, isRouteId, type AgreementsInForce } from './authz/access-policy.ts';
import type { DriveService } from './drives/service-api.ts';
import { registerWebDav } from './drives/webdav/register.ts';
import { toErrorReply } from './http/error-reply.ts';
import { secureContextOptions, type CertificatePem } from './http/tls-certificates.ts';
import { HSTS_HEADER, HSTS_VALUE, sendsHsts } from './http/tls-hsts.ts';
import { createEmbeddedIdentityProvider, type EmbeddedIdentityProvider } from './identity/embedded/embedded-idp.ts';
import { SIGNING_ALGORITHM, type IdentityKeys } from './identity/embedded/keys.ts';
import {
  ACCESS_TOKEN_TYPE,
  ANY_TOKEN_TYPE,
  DEFAULT_ACCEPTED_ALGORITHMS,
  PLATFORM_API_AUDIENCE,
  WORKSTATION_SCOPES,
  type IdentityInfo,
  type IdentityOptions,
} from './identity/identity-config.ts';
import { createOidcAuthenticator, discoveredKeys } from './identity/oidc-authenticator.ts';
import type { FieldKinds } from './minimisation/project-treatments.ts';
import type { KillSwitch } from './incidents/kill-switch.ts';
import type { OperationRegistry } from './incidents/operations.ts';
import type { PeopleService } from './people/people-service.ts';
import type { StandingService } from './people/standing.ts';
import type { Oversight } from './people/oversight.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { openPlatformCore, type PlatformDatabaseOptions } from './platform-core.ts';
import type { QueryService } from './query/query-service.ts';
import type { Authenticator, Principal, UserLookup } from './identity/principal.ts';
import type { StartupAudit } from './startup-checks.ts';
import { EMBEDDED_ISSUER, type MetadataStore } from './store/metadata-store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's id in the declaration (PLATFORM_ROUTES). A route without one is refused to everybody. */
    access?: RouteId;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** On an 'identified' route (enrolment): the subject of a valid token, whom the platform may not know yet. */
    identity: { readonly subject: string } | null;
  }
}

export interface PlatformLoggerOptions {
  readonly level?: string;
  /** Where JSON log lines go (the CLI passes stderr). */
  readonly stream?: NodeJS.WritableStream;
}

export interface PlatformServerOptions {
  readonly dataDir: string;
  /** false (default) logs nothing. */
  readonly logger?: boolean | PlatformLoggerOptions;
  readonly cataloguePath?: string | URL;
  readonly demoDir?: URL;
  readonly allowedHostnames?: readonly string[];
  /** Who the platform trusts to say who calls. Default: the embedded OIDC provider with the demo accounts. */
  readonly identity?: IdentityOptions;
  /**
   * The URL clients reach the platform at (no trailing slash), e.g. http://127.0.0.1:4100. The embedded
   * provider's issuer is `<publicUrl>/oidc`. Default: the address the server listens on, known once it listens
   * (so `--port 0` works); tests that only inject requests pass one.
   */
  readonly publicUrl?: string;
  /**
   * The token of the broken-log report to start on anyway (printed with the report), recording in the log that
   * this was done (the report, and a digest of the events before it). Without it, or when the log's report has
   * another token, a broken log stops the start with the report.
   */
  readonly acceptBrokenAuditLog?: string;
  /** Serve HTTPS with this certificate rather than plain HTTP; replaceCertificate puts a renewed one in service. */
  readonly tls?: CertificatePem;
  /** The metadata store in PostgreSQL (issue 19) rather than SQLite in the data folder. */
  readonly database?: PlatformDatabaseOptions;
}

export interface PlatformServer {
  readonly app: FastifyInstance;
  /** Listens, and answers the address it listens on (`http://host:port`, or `https://…` with tls). */
  listen(options: { port: number; host: string }): Promise<string>;
  /** With tls: new connections get this certificate; open ones keep the one they started with. */
  replaceCertificate(pem: CertificatePem): void;
  /** How clients sign in (the health answer's identity block); undefined until the embedded provider is attached. */
  identity(): IdentityInfo | undefined;
  readonly startupAudit: StartupAudit;
  /** The data-sharing agreements in force (DIR/agreements, watched). */
  readonly agreements: AgreementLoader;
  /** The queries, samples and drive transfers running now, by person and project (what a suspension would stop). */
  readonly operations: Pick<OperationRegistry, 'running'>;
  /** Closes the HTTP server, then the engine, then the records (store and audit log). Safe to call twice. */
  close(): Promise<void>;
}

/** How often the drives' housekeeping runs (the trash past its time, expired uploads and locks). */
const DRIVE_SWEEP_MS = 10 * 60 * 1000;

const SMALLEST_BODY_LIMIT = Math.min(...Object.values(PLATFORM_ROUTES).map((route) => route.bodyLimit));

/** What a request that arrives while the platform stops is told (503, and the connection is closed). */
const STOPPING_MESSAGE = 'The platform is stopping; try again in a moment.';

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  return lower.split(':')[0];
}

export function buildPlatformApp(options: {
  store: MetadataStore;
  audit: AuditLog;
  authenticator: Authenticator;
  /** The data-sharing agreements in force; every project-scoped route refuses a project without one. */
  agreements: AgreementsInForce;
  fieldKinds: FieldKinds;
  queries: QueryService;
  killSwitch: KillSwitch;
  operations: OperationRegistry;
  people: PeopleService;
  standing: StandingService;
  oversight: Oversight;
  /** The projects' workspace drives: the JSON routes, the byte routes and WebDAV. */
  drives: DriveService;
  mode?: 'demo' | 'production';
  identity?: () => IdentityInfo | undefined;
  /** The platform's address for clients (no trailing slash), for the WebDAV address an app password is shown with. */
  publicUrl?: () => string | undefined;
  /** The embedded identity provider's routes, when it runs. */
  embeddedIdp?: EmbeddedIdentityProvider;
  logger?: boolean | PlatformLoggerOptions;
  allowedHostnames?: readonly string[];
  /** Serve HTTPS with this certificate (PEM contents); without it, plain HTTP. */
  tls?: CertificatePem;
}): FastifyInstance {
  // Host names the platform answers to: a web page that rebinds its own DNS name to 127.0.0.1 is refused.
  const allowedHostnames = new Set(options.allowedHostnames ?? LOOPBACK_HOSTNAMES);
  const settings = {
    logger: options.logger ?? false,
    // No HEAD routes: one would run a sample's query for nothing.
    exposeHeadRoutes: false,
    // Each route reads bodies up to the limit its declaration gives it. This one is for bodies no row covers
    // (one sent to a path no route has, answered 404; JSON sent to the sign-in pages, which read forms): no more
    // than the smallest declared limit.
    bodyLimit: SMALLEST_BODY_LIMIT,
    // Fastify's own 503 while closing has its own body ({"error":"Service Unavailable",…}), not the API's error
    // shape: the onRequest hook below answers instead. Idle keep-alive connections are closed when the server
    // closes; a busy one is closed after its answer (Connection: close, onSend below).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  } satisfies FastifyServerOptions;
  // An https.Server is an http.Server to every route and hook (same requests, same replies); only its TLS methods
  // differ, and those are reached through TlsServer (replaceCertificate).
  const app =
    options.tls === undefined
      ? Fastify(settings)
      : (Fastify({ ...settings, https: secureContextOptions(options.tls) }) as unknown as FastifyInstance);
  // Set once close() begins (preClose): from then on new requests are refused, and answers under way close their connection.
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('identity', null);
  // Attempts by a suspended person are recorded, at most once a minute each, so a client that keeps trying cannot flood
  // the log.
  const refusalsRecorded = createRateLimiter({ limit: 1, windowMs: 60_000 });

  /**
   * What every route but the public ones asks of a caller the platform knows, after authenticating them: not suspended
   * nor disabled, their sign-ins not ended since the token was issued, a role the route admits, and (but on the few
   * routes that lead there) the current terms accepted and the route's roles trained. Throws the refusal.
   */
  async function admit(principal: Principal, route: RouteId): Promise<void> {
    // A suspended or disabled person is refused every route, from the first call after it, whatever their role.
    const barred = await options.people.refusalFor(principal.user.id);
    if (barred !== null) {
      if (refusalsRecorded.take(principal.user.id).allowed) {
        await options.audit.append({
          type: 'access.refused',
          actor: principal.user.id,
          outcome: 'failure',
          details: { route, code: barred.code, reason: barred.message, recordedAtMost: 'once a minute per person' },
        });
      }
      throw barred;
    }
    // Asked after the suspension, so a suspended person's token (ended too) says why rather than "sign in again". An
    // app password is not a sign-in: the drive service refuses one made before the person's sign-ins were ended.
    if (principal.authenticatedBy === 'oidc') {
      const validAfter = await options.store.tokensValidAfter(principal.user.id);
      const issuedAt = principal.token?.issuedAt ?? null;
      if (validAfter !== null && (issuedAt === null || issuedAt <= validAfter)) {
        throw new EnclaveError('unauthenticated', 'Your sign-in was ended by an administrator. Sign in again.');
      }
    }
    assertMayCall(principal, route);
    // The current terms accepted, and the route's roles trained, before anything but the few routes that lead there.
    if (!ALWAYS_OPEN_ROUTES.has(route)) {
      const access = routeAccess(route);
      const unready = await options.standing.refusalFor(principal.user, Array.isArray(access) ? access : null);
      if (unready !== null) throw unready;
    }
  }

  app.addHook('onRequest', async (request, reply) => {
    const hostname = hostnameOf(request.headers.host) ?? '';
    if (!allowedHostnames.has(hostname)) {
      throw new EnclaveError('forbidden', 'This platform answers only on its own address.');
    }
    // On the raw answer, so the identity provider's own answers (which bypass onSend) carry it too.
    if (sendsHsts({ protocol: request.protocol, hostname })) reply.raw.setHeader(HSTS_HEADER, HSTS_VALUE);
    // Fastify marks the answer Connection: close once closing; a load balancer sends this request elsewhere.
    if (stopping) throw new EnclaveError('unavailable', STOPPING_MESSAGE);
    if (request.is404) return;
    const route = request.routeOptions.config.access;
    // Deny by default: a route that forgot its access entry is closed, not open.
    if (!isRouteId(route)) throw new EnclaveError('forbidden', 'This endpoint is not open to anyone.');
    if (isPublicRoute(route)) return;
    // WebDAV authenticates its callers itself (Bearer, or Basic with an app password), then admits them as below.
    if (routeHasOwnCredentials(route)) return;
    const identified = routeAccess(route) === 'identified';
    let principal: Principal | null;
    try {
      principal = await options.authenticator.authenticate({ headers: request.headers });
    } catch (err) {
      // Enrolment is for a valid token whose person the platform does not know yet: that is who it admits.
      if (!(identified && err instanceof EnclaveError && err.code === 'enrolment_required')) throw err;
      principal = null;
    }
    if (principal === null) {
      const identity = identified ? ((await options.authenticator.identify?.({ headers: request.headers })) ?? null) : null;
      if (identity === null) throw new EnclaveError('unauthenticated', 'You are not signed in. Sign in to use the platform.');
      request.identity = identity;
      return;
    }
    await admit(principal, route);
    request.principal = principal;
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    // An answer finishing while the platform stops frees its connection, rather than holding it until the grace ends.
    if (stopping) reply.header('connection', 'close');
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = toErrorReply(err);
    // RFC 6750: a refused bearer token says so, so OAuth clients know to refresh or sign in again.
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="enclave", error="invalid_token"');
    // The log (the operator's, on stderr) keeps the full error and its cause; the answer never does.
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.error.code }, 'request refused');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((_request, reply) => {
    const { status, body } = toErrorReply(new EnclaveError('not_found', 'There is no such endpoint.'));
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });

  registerV1Routes(app, {
    store: options.store,
    audit: options.audit,
    agreements: options.agreements,
    fieldKinds: options.fieldKinds,
    queries: options.queries,
    killSwitch: options.killSwitch,
    operations: options.operations,
    people: options.people,
    standing: options.standing,
    oversight: options.oversight,
    drives: options.drives,
    mode: options.mode ?? 'demo',
    identity: options.identity ?? (() => undefined),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
  });
  registerDriveByteRoutes(app, options.drives);
  registerWebDav(app, {
    drives: options.drives,
    async bearer(headers) {
      const principal = await options.authenticator.authenticate({ headers });
      if (principal === null) throw new EnclaveError('unauthenticated', 'You are not signed in. Sign in to use the platform.');
      await admit(principal, 'drive.dav');
      return principal;
    },
    admit: (principal) => admit(principal, 'drive.dav'),
  });
  options.embeddedIdp?.register(app);
  return app;
}

function urlOf(address: AddressInfo, scheme: 'http' | 'https'): string {
  return `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

interface IdentitySetup {
  readonly authenticator: Authenticator;
  readonly mode: 'demo' | 'production';
  readonly identity: () => IdentityInfo | undefined;
  readonly embeddedIdp?: EmbeddedIdentityProvider;
}

async function setUpIdentity(options: {
  config: IdentityOptions;
  dataDir: string;
  keys?: IdentityKeys;
  store: MetadataStore;
  audit: AuditLog;
  people: PeopleService;
}): Promise<IdentitySetup> {
  // The token's `sub` names the person at this identity provider; their record (and roles) is the platform's own.
  const issuerKey = options.config.kind === 'external' ? options.config.issuer : EMBEDDED_ISSUER;
  const lookupUser: UserLookup = (subject) => options.store.findUserBySubject(subject, issuerKey);
  const { config } = options;
  if (config.kind === 'external') {
    const info: IdentityInfo = {
      issuer: config.issuer,
      clientId: config.clientId,
      audience: config.audience,
      scopes: config.scopes ?? WORKSTATION_SCOPES,
    };
    return {
      mode: 'production',
      identity: () => info,
      authenticator: createOidcAuthenticator({
        issuer: () => config.issuer,
        audience: config.audience,
        keys: discoveredKeys(config.issuer),
        algorithms: config.algorithms ?? DEFAULT_ACCEPTED_ALGORITHMS,
        ...(config.tokenType === ANY_TOKEN_TYPE ? {} : { tokenType: config.tokenType ?? ACCESS_TOKEN_TYPE }),
        lookupUser,
        revocations: options.store.revocations,
      }),
    };
  }
  const embeddedIdp = await createEmbeddedIdentityProvider({
    dataDir: options.dataDir,
    ...(options.keys === undefined ? {} : { keys: options.keys }),
    store: options.store,
    audit: options.audit,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    sessionMaxSeconds: config.sessionMaxSeconds,
    refusal: (userId) => options.people.refusalFor(userId),
    enrol: (code, password) => options.people.enrolWithPassword(code, password),
  });
  return {
    mode: 'demo',
    identity: () => embeddedIdp.info(),
    embeddedIdp,
    authenticator: createOidcAuthenticator({
      issuer: () => embeddedIdp.issuer(),
      audience: PLATFORM_API_AUDIENCE,
      // Same process: the provider's public keys directly, rather than fetching its JWKS over HTTP.
      keys: async () => embeddedIdp.verificationKeys,
      algorithms: [SIGNING_ALGORITHM],
      tokenType: ACCESS_TOKEN_TYPE,
      lookupUser,
      revocations: options.store.revocations,
    }),
  };
}

/**
 * How long answers under way may take to finish when the platform stops. A connection that is busy when the server
 * closes (an answer still streaming, or only just sent while its file is cleaned up) is not among the idle ones
 * closed at once, and afterwards would stay open as long as the client keeps it alive; past this it is cut.
 */
const CLOSE_GRACE_MS = 3_000;

async function closeApp(app: FastifyInstance): Promise<void> {
  const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}

async function settle(steps: Array<() => Promise<void>>): Promise<void> {
  for (const step of steps) await bestEffort(step());
}

/** Opens everything and returns the app, not yet listening. Throws EnclaveError('unavailable') with a clear message if the data folder cannot be served. */
export async function createPlatformServer(options: PlatformServerOptions): Promise<PlatformServer> {
  // Known once identity is set up, after the core (whose kill switch ends sign-ins through it).
  const embedded: { current?: EmbeddedIdentityProvider } = {};
  const core = await openPlatformCore({
    dataDir: options.dataDir,
    // An external identity provider is production: the demo's people, projects and agreements are never loaded.
    mode: options.identity?.kind === 'external' ? 'production' : 'demo',
    signIns: () => embedded.current,
    issuer: options.identity?.kind === 'external' ? options.identity.issuer : EMBEDDED_ISSUER,
    ...(options.cataloguePath === undefined ? {} : { cataloguePath: options.cataloguePath }),
    ...(options.demoDir === undefined ? {} : { demoDir: options.demoDir }),
    ...(options.acceptBrokenAuditLog === undefined ? {} : { acceptBrokenAuditLog: options.acceptBrokenAuditLog }),
    ...(options.database === undefined ? {} : { database: options.database }),
    drivesAtStart: true,
  });
  let setup: IdentitySetup;
  try {
    setup = await setUpIdentity({
      config: options.identity ?? { kind: 'embedded' },
      dataDir: options.dataDir,
      ...(core.identityKeys === undefined ? {} : { keys: core.identityKeys }),
      store: core.store,
      audit: core.audit,
      people: core.people,
    });
  } catch (err) {
    await core.close();
    throw err;
  }
  const { embeddedIdp } = setup;
  embedded.current = embeddedIdp;
  const app = buildPlatformApp({
    store: core.store,
    audit: core.audit,
    agreements: core.agreements,
    fieldKinds: core.fieldKinds,
    queries: core.queries,
    killSwitch: core.killSwitch,
    operations: core.operations,
    people: core.people,
    standing: core.standing,
    oversight: core.oversight,
    drives: core.drives,
    publicUrl: () => options.publicUrl,
    ...setup,
    logger: options.logger,
    allowedHostnames: options.allowedHostnames,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  const scheme = options.tls === undefined ? 'http' : 'https';
  // The projects' minimised copies are prepared now, in the background, so a first query need not wait for one.
  core.queries.prepare(core.agreements.all());
  if (embeddedIdp !== undefined) {
    if (options.publicUrl !== undefined) embeddedIdp.attach(options.publicUrl, app.log);
    // Synchronous on purpose: Fastify runs it in the same tick as listen() resolves, so the provider exists
    // before whoever awaited listen() can announce the URL.
    else
      app.addHook('onListen', function attachOnListen(done) {
        embeddedIdp.attach(urlOf(app.server.address() as AddressInfo, scheme), app.log);
        done();
      });
  }
  await app.ready();
  // Restrictions put in place elsewhere (the break-glass command, another instance) stop this process's work too.
  const stopWatching = core.killSwitch.watch();
  // The drives' housekeeping: the trash past its time, expired uploads and locks.
  const sweeper = setInterval(() => {
    inBackground(core.drives.sweep(), (err) => app.log.warn({ err }, "The drives' housekeeping failed; it runs again later."));
  }, DRIVE_SWEEP_MS);
  sweeper.unref();
  const stopSweeping = async (): Promise<void> => clearInterval(sweeper);
  let closing: Promise<void> | undefined;
  return {
    app,
    async listen({ port, host }) {
      await app.listen({ port, host });
      return urlOf(app.server.address() as AddressInfo, scheme);
    },
    replaceCertificate(pem) {
      const server: unknown = app.server;
      if (options.tls === undefined || !(server instanceof TlsServer)) {
        throw new EnclaveError('internal', 'This platform serves plain HTTP: it has no certificate to replace.');
      }
      server.setSecureContext(secureContextOptions(pem));
    },
    identity: setup.identity,
    startupAudit: core.startupAudit,
    agreements: core.agreements,
    operations: core.operations,
    close() {
      closing ??= settle([stopSweeping, stopWatching, () => closeApp(app), () => core.close()]);
      return closing;
    },
  };
}
