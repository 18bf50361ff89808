// The demo platform's HTTP server: the composition root. It opens the data engine (verifying the data
// folder), the metadata store (seeding it on first start), picks the authenticator, and wires the routes.
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { EnclaveError } from '../common/errors.ts';
import { API_V1, registerV1Routes } from './api/v1-routes.ts';
import { assertMayCall, isPublicRoute, isRouteId, type RouteId } from './authz/access-policy.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from './catalogue/catalogue-file.ts';
import type { DataEngine } from './engine/data-engine.ts';
import { openDuckDbEngine } from './engine/duckdb-engine.ts';
import { toErrorReply } from './http/error-reply.ts';
import { createDemoAuthenticator, DEMO_ANALYST_ID } from './identity/demo.ts';
import type { Authenticator, Principal, UserLookup } from './identity/principal.ts';
import { checkCatalogueMatchesData } from './startup-checks.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from './store/demo-seed.ts';
import { openMetadataStore, type MetadataStore } from './store/metadata-store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's row in ROUTE_ACCESS. A route without one is refused to everybody. */
    access?: RouteId;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Host names the demo platform answers to: a web page that rebinds its own DNS name to 127.0.0.1 is refused. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

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
  /**
   * Decides who calls. Default: the demo authenticator (identity/demo.ts). Sign-in plugs its OIDC
   * authenticator in here; tests use it to call as each role.
   */
  readonly createAuthenticator?: (lookupUser: UserLookup) => Authenticator;
}

export interface PlatformServer {
  readonly app: FastifyInstance;
  /** Closes the HTTP server, then the engine, then the store. Safe to call twice. */
  close(): Promise<void>;
}

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  return lower.split(':')[0];
}

export function buildPlatformApp(options: {
  store: MetadataStore;
  engine: DataEngine;
  authenticator: Authenticator;
  logger?: boolean | PlatformLoggerOptions;
  allowedHostnames?: readonly string[];
}): FastifyInstance {
  const allowedHostnames = new Set(options.allowedHostnames ?? LOOPBACK_HOSTNAMES);
  const app = Fastify({
    logger: options.logger ?? false,
    // The API is GET-only; HEAD routes would run a sample's query for nothing.
    exposeHeadRoutes: false,
    bodyLimit: 1024,
    return503OnClosing: true,
  });
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request) => {
    if (!allowedHostnames.has(hostnameOf(request.headers.host) ?? '')) {
      throw new EnclaveError('forbidden', 'This platform answers only on its own address.');
    }
    if (request.is404) return;
    const route = request.routeOptions.config.access;
    // Deny by default: a route that forgot its access entry is closed, not open.
    if (!isRouteId(route)) throw new EnclaveError('forbidden', 'This endpoint is not open to anyone.');
    if (isPublicRoute(route)) return;
    const principal = await options.authenticator.authenticate({ headers: request.headers });
    if (principal === null) throw new EnclaveError('unauthenticated', 'Sign in to use the platform.');
    assertMayCall(principal, route);
    request.principal = principal;
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = toErrorReply(err);
    // The log (the operator's, on stderr) keeps the full error and its cause; the answer never does.
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: body.error.code }, 'request refused');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).type('application/json; charset=utf-8').send({ error: { code: 'not_found', message: 'There is no such endpoint.' } }),
  );

  registerV1Routes(app, options);
  return app;
}

async function settle(steps: Array<() => Promise<void>>): Promise<void> {
  for (const step of steps) await step().catch(() => undefined);
}

/** Opens everything and returns the app, not yet listening. Throws EnclaveError('unavailable') with a clear message if the data folder cannot be served. */
export async function createPlatformServer(options: PlatformServerOptions): Promise<PlatformServer> {
  const catalogue = await readCatalogueFile(options.cataloguePath ?? DEFAULT_CATALOGUE_PATH);
  const demo = await readDemoSeed({ demoDir: options.demoDir ?? DEFAULT_DEMO_DIR, catalogue });
  const engine = await openDuckDbEngine({ dataDir: options.dataDir });
  let store: MetadataStore | undefined;
  try {
    store = await openMetadataStore({ file: path.join(options.dataDir, 'metadata.sqlite'), seed: { demo, catalogue } });
    const storedCatalogue = await store.listDatasets();
    const used = new Set(demo.projects.flatMap((project) => project.datasetIds));
    checkCatalogueMatchesData({ catalogue: storedCatalogue, served: engine.datasets(), used });
    if (options.createAuthenticator === undefined && (await store.getUser(DEMO_ANALYST_ID)) === undefined) {
      throw new EnclaveError('unavailable', `The metadata store has no demo analyst (${DEMO_ANALYST_ID}).`);
    }
  } catch (err) {
    const opened = store;
    await settle([async () => opened?.close(), async () => engine.close()]);
    throw err;
  }
  const openedStore = store;
  const lookupUser: UserLookup = (userId) => openedStore.getUser(userId);
  const authenticator = (options.createAuthenticator ?? createDemoAuthenticator)(lookupUser);
  const app = buildPlatformApp({ store, engine, authenticator, logger: options.logger, allowedHostnames: options.allowedHostnames });
  await app.ready();
  let closing: Promise<void> | undefined;
  return {
    app,
    close() {
      closing ??= settle([() => app.close(), () => engine.close(), () => openedStore.close()]);
      return closing;
    },
  };
}

export { API_V1 };
