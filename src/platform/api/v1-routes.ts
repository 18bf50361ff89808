// Platform HTTP API v1. Each route names its entry in the access table (config.access); the server's
// onRequest hook has authenticated the caller and checked that entry before a handler runs. Handlers check
// project membership themselves (it depends on the path) and answer through the contract's schemas.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CatalogueSchema, ProjectSchema, RuleProfileSchema, UserSchema, type Catalogue } from '../../common/contract.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';
import { PROFILES } from '../../common/sdc/rules.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../../common/transport-protocol.ts';
import { requireProjectMember } from '../authz/access-policy.ts';
import type { DataEngine } from '../engine/data-engine.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import { assertOnlyQueryParameters, parseId, parseLimit } from '../http/request-input.ts';
import type { IdentityInfo } from '../identity/identity-config.ts';
import type { Principal } from '../identity/principal.ts';
import { availableFieldNames, isFieldAvailable } from '../minimisation/field-availability.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

export const API_V1 = '/api/v1';
export const PLATFORM_NAME = 'Enclave demo platform';

export interface V1Dependencies {
  readonly store: MetadataStore;
  readonly engine: DataEngine;
  /** 'demo': the embedded identity provider with demo accounts; 'production': an external issuer. */
  readonly mode: 'demo' | 'production';
  /** How to sign in; undefined while the embedded provider waits for the platform's address. */
  readonly identity: () => IdentityInfo | undefined;
}

/**
 * What the workstation reports about its session; recorded as `session.<event>` with the caller as actor.
 * unlock_refused comes with the token of whoever signed in at the lock screen when that was someone else than
 * the locked user: a failure, as the unlock did not happen.
 */
const SessionEventSchema = z.object({ event: z.enum(['signed_in', 'signed_out', 'locked', 'unlocked', 'unlock_refused', 'session_expired']) }).strict();

/** Events that end the presenting token at once, not when it expires. */
const ENDING_EVENTS: ReadonlySet<string> = new Set(['signed_out', 'locked']);

/**
 * What one user's workstation may report: far more than a person signs in, locks and unlocks, few enough that a
 * client cannot flood the audit log. Past it, one `audit.rate_limited` event per user and window is recorded.
 */
export const SESSION_EVENT_LIMIT = { limit: 30, windowMs: 60_000 } as const;

function principalOf(request: FastifyRequest): Principal {
  // Set by the onRequest hook for every non-public route; missing means the route was wired wrongly.
  if (request.principal === null) throw new EnclaveError('unauthenticated', 'Sign in to use the platform.');
  return request.principal;
}

function paramsOf(request: FastifyRequest): Record<string, unknown> {
  return (request.params ?? {}) as Record<string, unknown>;
}

/** Aborts when the client disconnects before the answer is sent, so the engine stops working for nobody. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller;
}

export function registerV1Routes(app: FastifyInstance, deps: V1Dependencies): void {
  const { store, engine } = deps;

  app.get(`${API_V1}/health`, { config: { access: 'health' } }, async () => {
    const identity = deps.identity();
    if (identity === undefined) throw new EnclaveError('unavailable', 'The platform is still starting its identity provider. Try again shortly.');
    return {
      status: 'ok',
      name: PLATFORM_NAME,
      mode: deps.mode,
      identity: { issuer: identity.issuer, clientId: identity.clientId, audience: identity.audience, scopes: [...identity.scopes] },
    };
  });

  app.get(`${API_V1}/me`, { config: { access: 'me' } }, async (request) => UserSchema.parse(principalOf(request).user));

  const sessionEvents = createRateLimiter(SESSION_EVENT_LIMIT);
  app.post(`${API_V1}/session-events`, { config: { access: 'session.events' } }, async (request, reply) => {
    const parsed = SessionEventSchema.safeParse(request.body);
    if (!parsed.success) throw new EnclaveError('invalid_input', `The session event is not valid: ${describeIssues(parsed.error)}`);
    const principal = principalOf(request);
    const { event } = parsed.data;
    // Ending access comes before the limit: a sign-out or a lock always takes effect, however much was reported.
    if (ENDING_EVENTS.has(event) && principal.token !== undefined) {
      await store.revocations.revoke({ keys: principal.token.revocationKeys, expiresAt: principal.token.expiresAt });
    }
    const verdict = sessionEvents.take(principal.user.id);
    if (!verdict.allowed) {
      if (verdict.firstRefusal) {
        const { limit, windowMs } = SESSION_EVENT_LIMIT;
        await store.audit.append({
          type: 'audit.rate_limited',
          actor: principal.user.id,
          outcome: 'failure',
          details: { reportedBy: 'workstation', route: 'session-events', limit, windowSeconds: windowMs / 1000 },
        });
      }
      throw new EnclaveError('rate_limited', 'Too many session events were reported from your sign-in in the last minute. Later ones are not recorded until the minute is over.');
    }
    const outcome = event === 'unlock_refused' ? 'failure' : 'success';
    // The workstation says this happened; the platform only knows that this caller said so.
    await store.audit.append({ type: `session.${event}`, actor: principal.user.id, outcome, details: { role: principal.user.role, reportedBy: 'workstation' } });
    return reply.code(204).send();
  });

  app.get(`${API_V1}/checking/rules`, { config: { access: 'checking.rules' } }, async () =>
    z.array(RuleProfileSchema).parse(Object.values(PROFILES)),
  );

  app.get(`${API_V1}/projects`, { config: { access: 'projects.list' } }, async (request) => {
    const projects = await store.listProjectsForMember(principalOf(request).user.id);
    return z.array(ProjectSchema).parse(projects);
  });

  app.get(`${API_V1}/projects/:projectId/catalogue`, { config: { access: 'catalogue.get' } }, async (request) => {
    const projectId = parseId('projectId', paramsOf(request).projectId);
    const project = await requireProjectMember({ store, principal: principalOf(request), projectId });
    const datasets = await store.listDatasets(project.datasetIds);
    const catalogue: Catalogue = {
      projectId: project.id,
      datasets: datasets.map((dataset) => ({
        id: dataset.id,
        name: dataset.name,
        description: dataset.description,
        rowCount: engine.rowCount(dataset.id),
        fields: dataset.fields.map((field) => ({
          name: field.name,
          type: field.type,
          description: field.description,
          tags: [...field.tags],
          available: isFieldAvailable({ project, field }),
        })),
      })),
    };
    return CatalogueSchema.parse(catalogue);
  });

  app.get(`${API_V1}/projects/:projectId/datasets/:datasetId/sample`, { config: { access: 'dataset.sample' } }, async (request, reply) => {
    const params = paramsOf(request);
    const projectId = parseId('projectId', params.projectId);
    const datasetId = parseId('datasetId', params.datasetId);
    const limit = parseLimit(assertOnlyQueryParameters(request.query, ['limit']).limit);
    const project = await requireProjectMember({ store, principal: principalOf(request), projectId });
    if (!project.datasetIds.includes(datasetId)) {
      throw new EnclaveError('not_found', 'This project has no such dataset.');
    }
    const [dataset] = await store.listDatasets([datasetId]);
    if (dataset === undefined) throw new EnclaveError('not_found', 'This project has no such dataset.');
    const controller = abortOnDisconnect(reply);
    const bytes = await engine.sample({
      datasetId,
      columns: availableFieldNames({ project, fields: dataset.fields }),
      orderBy: dataset.orderKey,
      limit,
      signal: controller.signal,
    });
    return reply.type(ARROW_STREAM_CONTENT_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
