// The core's airlock methods: each calls its platform route as the signed-in user (the same id, its input split back
// into the route's path parameters and body), so the platform decides and its refusals come back as it said them; and
// the export gates (./export-gate.ts for one released output, ./export-package.ts for a release package), the only way out.
import type { CallContext, Handlers } from '../../common/dispatch.ts';
import type { MethodName } from '../../common/contract.ts';
import type { CallContext as PlatformCallContext, PlatformClient } from '../platform-client.ts';
import type { SaveExport } from './export-file.ts';
import { exportReleased } from './export-gate.ts';
import { exportPackage } from './export-package.ts';

export type AirlockMethod = Extract<MethodName, `airlock.${string}`>;
export type AirlockHandlers = Pick<Handlers, AirlockMethod>;

/** A platform call as the signed-in user (refused when nobody is), cancelled with the caller's call. */
export type AsUser = <T>(call: (context: PlatformCallContext) => Promise<T>, caller?: CallContext) => Promise<T>;

export interface AirlockDependencies {
  client: Pick<PlatformClient, 'call' | 'projects'>;
  asUser: AsUser;
  /** Where a checked export goes: the shell's save dialog, or a one-time download. */
  saveExport: SaveExport;
}

export function createAirlockHandlers({ client, asUser, saveExport }: AirlockDependencies): AirlockHandlers {
  return {
    'airlock.rules': ({ projectId }, call) => asUser((context) => client.call('airlock.rules', { params: { projectId } }, context), call),
    'airlock.check': ({ projectId, document }, call) =>
      asUser((context) => client.call('airlock.check', { params: { projectId }, body: { document } }, context), call),
    'airlock.requests': ({ projectId }, call) =>
      asUser((context) => client.call('airlock.requests', { params: { projectId } }, context), call),
    'airlock.create': ({ projectId, title, context: requestContext }, call) =>
      asUser(
        (context) => client.call('airlock.create', { params: { projectId }, body: { title, context: requestContext } }, context),
        call,
      ),
    'airlock.request': ({ requestId }, call) =>
      asUser((context) => client.call('airlock.request', { params: { requestId } }, context), call),
    'airlock.context': ({ requestId, expectedVersion, title, context: requestContext }, call) =>
      asUser(
        (context) =>
          client.call('airlock.context', { params: { requestId }, body: { expectedVersion, title, context: requestContext } }, context),
        call,
      ),
    'airlock.putFile': (input, call) => {
      const { requestId, expectedVersion, name } = input;
      const body =
        'output' in input
          ? { expectedVersion, name, output: input.output, exception: input.exception }
          : { expectedVersion, name, supporting: input.supporting };
      return asUser((context) => client.call('airlock.putFile', { params: { requestId }, body }, context), call);
    },
    'airlock.withdrawFile': ({ requestId, fileId, expectedVersion }, call) =>
      asUser((context) => client.call('airlock.withdrawFile', { params: { requestId, fileId }, body: { expectedVersion } }, context), call),
    'airlock.file': ({ requestId, fileId }, call) =>
      asUser((context) => client.call('airlock.file', { params: { requestId, fileId } }, context), call),
    'airlock.submit': ({ requestId, expectedVersion }, call) =>
      asUser((context) => client.call('airlock.submit', { params: { requestId }, body: { expectedVersion } }, context), call),
    'airlock.withdraw': ({ requestId, expectedVersion, reason }, call) =>
      asUser((context) => client.call('airlock.withdraw', { params: { requestId }, body: { expectedVersion, reason } }, context), call),
    'airlock.queue': (_input, call) => asUser((context) => client.call('airlock.queue', {}, context), call),
    'airlock.vote': ({ requestId, fileId, expectedVersion, vote, disagreement }, call) =>
      asUser(
        (context) => client.call('airlock.vote', { params: { requestId, fileId }, body: { expectedVersion, vote, disagreement } }, context),
        call,
      ),
    'airlock.comment': ({ requestId, fileId, cell, visibility, text }, call) =>
      asUser(
        (context) => client.call('airlock.comment', { params: { requestId }, body: { fileId, cell, visibility, text } }, context),
        call,
      ),
    'airlock.completeReview': ({ requestId, expectedVersion }, call) =>
      asUser((context) => client.call('airlock.completeReview', { params: { requestId }, body: { expectedVersion } }, context), call),
    'airlock.return': ({ requestId, expectedVersion }, call) =>
      asUser((context) => client.call('airlock.return', { params: { requestId }, body: { expectedVersion } }, context), call),
    'airlock.reject': ({ requestId, expectedVersion, reason }, call) =>
      asUser((context) => client.call('airlock.reject', { params: { requestId }, body: { expectedVersion, reason } }, context), call),
    'airlock.release': ({ requestId, expectedVersion }, call) =>
      asUser((context) => client.call('airlock.release', { params: { requestId }, body: { expectedVersion } }, context), call),
    'airlock.revoke': ({ requestId, expectedVersion, reason }, call) =>
      asUser((context) => client.call('airlock.revoke', { params: { requestId }, body: { expectedVersion, reason } }, context), call),
    'airlock.released': ({ projectId }, call) =>
      asUser((context) => client.call('airlock.released', { params: { projectId } }, context), call),
    'airlock.releasedFile': ({ projectId, fileId }, call) =>
      asUser((context) => client.call('airlock.releasedFile', { params: { projectId, fileId } }, context), call),
    'airlock.package': ({ requestId }, call) =>
      asUser((context) => client.call('airlock.package', { params: { requestId } }, context), call),
    'airlock.notifications': (_input, call) => asUser((context) => client.call('airlock.notifications', {}, context), call),
    'airlock.readNotifications': ({ upTo }, call) =>
      asUser((context) => client.call('airlock.readNotifications', { body: { upTo } }, context), call),
    'airlock.export': (request, call) => {
      const signal = call?.signal ?? new AbortController().signal;
      if (request.format === 'package') {
        return exportPackage(
          request,
          {
            egress: (projectId) => asUser((context) => client.call('project.egress', { params: { projectId } }, context), call),
            releasePackage: (requestId) => asUser((context) => client.call('airlock.package', { params: { requestId } }, context), call),
            ledger: (projectId) => asUser((context) => client.call('airlock.released', { params: { projectId } }, context), call),
            saveExport,
          },
          signal,
        );
      }
      return exportReleased(
        request,
        {
          egress: (projectId) => asUser((context) => client.call('project.egress', { params: { projectId } }, context), call),
          releasedFile: (params) => asUser((context) => client.call('airlock.releasedFile', { params }, context), call),
          projectName: async (projectId) => {
            const projects = await asUser((context) => client.projects(context), call);
            return projects.find((project) => project.id === projectId)?.name ?? null;
          },
          saveExport,
        },
        signal,
      );
    },
  };
}
