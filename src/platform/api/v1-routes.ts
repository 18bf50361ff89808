// Platform HTTP API v1: one handler per route of the declaration (src/common/platform-api.ts), which says each
// route's path, inputs, answer and who may call it. By the time a handler runs, the server's onRequest hook has
// authenticated the caller and checked the route's roles, and the inputs are parsed; the answer is checked
// against its declared schema after. Handlers check project access themselves (it depends on the path): membership, and the project's
// data-sharing agreement in force for this member (authz/access-policy.ts, requireProjectAccess).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Catalogue } from '../../common/contract.ts';
import { inBackground } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { RowsBody, SessionEventName } from '../../common/platform-api.ts';
import { PROFILES } from '../../common/sdc/rules.ts';
import { projectsOfMember, requireProjectAccess } from '../authz/access-policy.ts';
import type { CopyAnswer } from '../engine/data-engine.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import type { Principal } from '../identity/principal.ts';
import type { OperationKind } from '../incidents/operations.ts';
import { projectFieldTreatment, projectFieldWords } from '../minimisation/project-treatments.ts';
import type { Asker } from '../query/query-service.ts';
import { createAirlockService } from '../airlock/airlock-service.ts';
import { createAdminHandlers } from './admin-routes.ts';
import { createAirlockHandlers } from './airlock-routes.ts';
import { createDriveHandlers } from './drive-routes.ts';
import { createIncidentHandlers } from './incident-routes.ts';
import { createPeopleHandlers } from './people-routes.ts';
import { registerApiRoutes, type RouteHandlers } from './register-routes.ts';
import type { V1Dependencies } from './route-dependencies.ts';
import { createStandingHandlers } from './standing-routes.ts';

export type { V1Dependencies };

export const PLATFORM_NAME = 'Enclave demo platform';

/** Events that end the presenting token at once, not when it expires. */
const ENDING_EVENTS: ReadonlySet<SessionEventName> = new Set(['signed_out', 'locked']);

/**
 * What one user's workstation may report: far more than a person signs in, locks and unlocks, few enough that a
 * client cannot flood the audit log. Past it, one `audit.rate_limited` event per user and window is recorded.
 */
export const SESSION_EVENT_LIMIT = { limit: 30, windowMs: 60_000 } as const;

/**
 * Aborts when the client disconnects before the answer is sent, so the engine stops working for nobody. Asked
 * after the membership checks, so a client that left during them has already closed: that aborts at once.
 */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  const gone = (): void => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  if (reply.raw.destroyed) gone();
  else reply.raw.once('close', gone);
  return controller;
}

/** The handler of every declared route. */
export function createV1Handlers(deps: V1Dependencies): RouteHandlers {
  const { store, audit, agreements, fieldKinds, queries, killSwitch, operations } = deps;
  const now = deps.now ?? (() => new Date());
  /**
   * The project and its agreement for this caller, or the refusal; a refused read of data (a query, a sample, the
   * catalogue) is an audit event too, with what was asked, so an attempt on a project is on record even when the
   * query service never sees it.
   */
  async function accessOf(
    principal: Principal,
    projectId: string,
    attempt: { type: 'query.run' | 'sample.read' | 'catalogue.read'; details?: Record<string, unknown> },
  ) {
    try {
      const access = await requireProjectAccess({ store, agreements, principal, projectId, now: now() });
      const suspended = await killSwitch.projectRefusal(access.project);
      if (suspended !== null) throw suspended;
      return access;
    } catch (err) {
      const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'The project could not be checked.');
      await audit.append({
        type: attempt.type,
        actor: principal.user.id,
        outcome: 'failure',
        details: { role: principal.user.role, via: 'api', projectId, ...attempt.details, code: error.code, reason: error.message },
      });
      throw err;
    }
  }
  const sessionEvents = createRateLimiter(SESSION_EVENT_LIMIT);
  const asker = (principal: Principal): Asker => ({ userId: principal.user.id, role: principal.user.role, via: 'api' });

  /**
   * Registers the call's work with the kill switch's registry until the answer is sent or the client goes away: a
   * suspension stops it wherever it is. While the engine is still computing, the work is aborted and the call answers
   * the kill switch's refusal (the caller learns why); once the answer streams, the connection is cut, so the client
   * never takes a cut answer for a whole one.
   */
  function registerOperation(call: {
    kind: OperationKind;
    principal: Principal;
    projectId: string;
    reply: FastifyReply;
    controller: AbortController;
  }): void {
    const { kind, principal, projectId, reply, controller } = call;
    const handle = operations.start({ kind, userId: principal.user.id, projectId }, (reason) => {
      controller.abort(reason);
      if (reply.raw.headersSent) reply.raw.destroy();
    });
    if (reply.raw.destroyed) handle.end();
    else reply.raw.once('close', () => handle.end());
  }

  /** The kill switch's refusal, when it is what stopped this call's work (a client that went away aborts with none). */
  function stoppedBy(controller: AbortController): EnclaveError | undefined {
    const reason: unknown = controller.signal.reason;
    return controller.signal.aborted && reason instanceof EnclaveError ? reason : undefined;
  }

  /** The rows of a query or sample, or the kill switch's refusal when it stopped the work before they were sent. */
  async function answerOf(controller: AbortController, work: Promise<CopyAnswer>): Promise<CopyAnswer> {
    let answer: CopyAnswer;
    try {
      answer = await work;
    } catch (err) {
      throw stoppedBy(controller) ?? err;
    }
    const stopped = stoppedBy(controller);
    if (stopped !== undefined) {
      await answer.dispose();
      throw stopped;
    }
    return answer;
  }

  /** Sends a whole answer file; however the answer ends (sent, or the client gone before or during it), it is closed. */
  async function rowsAnswer(reply: FastifyReply, answer: CopyAnswer): Promise<RowsBody> {
    if (reply.raw.writableFinished || reply.raw.destroyed) await answer.dispose();
    else reply.raw.once('close', () => inBackground(answer.dispose(), (err) => reply.log.warn({ err }, 'An answer file did not close.')));
    return { format: answer.format, bytes: answer.bytes, chunks: answer.chunks };
  }

  return {
    ...createAdminHandlers(deps),
    ...createIncidentHandlers(deps),
    ...createPeopleHandlers(deps),
    ...createStandingHandlers(deps),
    // One airlock per platform: its disclosure-control checks share one LP solver, made on first use.
    ...createAirlockHandlers(createAirlockService(deps)),
    ...createDriveHandlers(deps.drives, deps.publicUrl === undefined ? {} : { publicUrl: deps.publicUrl }),
    async health() {
      const identity = deps.identity();
      if (identity === undefined)
        throw new EnclaveError('unavailable', 'The platform is still starting its identity provider. Try again shortly.');
      return {
        status: 'ok',
        name: PLATFORM_NAME,
        mode: deps.mode,
        identity: { issuer: identity.issuer, clientId: identity.clientId, audience: identity.audience, scopes: [...identity.scopes] },
      };
    },

    me: async ({ principal }) => principal.user,

    async 'session.events'({ body, principal }) {
      const { event } = body;
      // Ending access comes before the limit: a sign-out or a lock always takes effect, however much was reported.
      if (ENDING_EVENTS.has(event) && principal.token !== undefined) {
        await store.revocations.revoke({ keys: principal.token.revocationKeys, expiresAt: principal.token.expiresAt });
      }
      const verdict = sessionEvents.take(principal.user.id);
      if (!verdict.allowed) {
        if (verdict.firstRefusal) {
          const { limit, windowMs } = SESSION_EVENT_LIMIT;
          await audit.append({
            type: 'audit.rate_limited',
            actor: principal.user.id,
            outcome: 'failure',
            details: { reportedBy: 'workstation', route: 'session-events', limit, windowSeconds: windowMs / 1000 },
          });
        }
        throw new EnclaveError(
          'rate_limited',
          'Too many session events were reported from your sign-in in the last minute. Later ones are not recorded until the minute is over.',
        );
      }
      const outcome = event === 'unlock_refused' ? 'failure' : 'success';
      // The workstation says this happened; the platform only knows that this caller said so.
      await audit.append({
        type: `session.${event}`,
        actor: principal.user.id,
        outcome,
        details: { role: principal.user.role, reportedBy: 'workstation' },
      });
    },

    'checking.rules': async () => Object.values(PROFILES),

    'projects.list': async ({ principal }) => projectsOfMember({ store, agreements, userId: principal.user.id }),

    async 'catalogue.get'({ params, principal }) {
      const access = await accessOf(principal, params.projectId, { type: 'catalogue.read' });
      const { project, agreement } = access;
      const datasets = await store.listDatasets(project.datasetIds);
      // Row counts as the project sees them: its minimised copy's (row conditions and the opt-out applied).
      const copy = await queries.copyFor(agreement);
      const seen = new Map(copy.relations.map((relation) => [relation.id, relation.rowCount]));
      const catalogue: Catalogue = {
        projectId: project.id,
        datasets: datasets.map((dataset) => ({
          id: dataset.id,
          name: dataset.name,
          description: dataset.description,
          rowCount: seen.get(dataset.id) ?? 0,
          fields: dataset.fields.map((field) => {
            const treatment = projectFieldTreatment({ agreement: agreement.agreement, datasetId: dataset.id, field, kinds: fieldKinds });
            return {
              name: field.name,
              type: field.type,
              description: field.description,
              tags: [...field.tags],
              available: treatment.treatment !== 'drop',
              treatment: projectFieldWords({ agreement: agreement.agreement, field, treatment }),
            };
          }),
        })),
      };
      await audit.append({
        type: 'catalogue.read',
        actor: principal.user.id,
        outcome: 'success',
        details: { role: principal.user.role, projectId: project.id, agreementVersion: agreement.version },
      });
      return catalogue;
    },

    async 'dataset.sample'({ params, query, principal, reply }) {
      const { projectId, datasetId } = params;
      const access = await accessOf(principal, projectId, {
        type: 'sample.read',
        details: { datasetId, limit: query.limit, format: query.format },
      });
      if (!access.project.datasetIds.includes(datasetId) || !access.agreement.agreement.datasets.includes(datasetId)) {
        throw new EnclaveError('not_found', 'This project has no such dataset.');
      }
      // Read from the project's minimised copy, like any query: each field as the agreement treats it, dropped ones
      // absent, the agreement's rows only, ordered by treated values.
      const controller = abortOnDisconnect(reply);
      registerOperation({ kind: 'sample', principal, projectId, reply, controller });
      const answer = await answerOf(
        controller,
        queries.sample({
          ...access,
          asker: asker(principal),
          datasetId,
          limit: query.limit,
          format: query.format,
          signal: controller.signal,
        }),
      );
      return rowsAnswer(reply, answer);
    },

    async 'project.query'({ params, body, principal, reply }) {
      const access = await accessOf(principal, params.projectId, { type: 'query.run', details: { sql: body.sql, format: body.format } });
      const controller = abortOnDisconnect(reply);
      registerOperation({ kind: 'query', principal, projectId: params.projectId, reply, controller });
      const answer = await answerOf(
        controller,
        queries.query({ ...access, asker: asker(principal), sql: body.sql, format: body.format, signal: controller.signal }),
      );
      return rowsAnswer(reply, answer);
    },
  };
}

export function registerV1Routes(app: FastifyInstance, deps: V1Dependencies): void {
  registerApiRoutes(app, createV1Handlers(deps));
}
