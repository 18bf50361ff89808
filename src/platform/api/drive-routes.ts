// The workspace drives' routes (issue 17). The JSON ones join the v1 table (v1-routes.ts); the two that carry bytes are
// registered here by hand, in a scope that leaves the body unread for the handler to stream: PUT of an upload's chunk
// (its place in `Content-Range: bytes START-END/TOTAL`, at most UPLOAD_CHUNK_MAX_BYTES; a chunk at another offset than
// the session's is answered 409 with the session, so the client knows where to go on) and GET of a kept version's
// bytes. Both pass the API's onRequest hook like any route (Bearer token, the person's standing); the drive service
// checks membership of the project, records what is read and written, and registers the bytes in flight with the kill
// switch, which cuts the connection when it stops them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { IdSchema } from '../../common/contract.ts';
import { canonicalDrivePath, davPath, UPLOAD_CHUNK_MAX_BYTES, UploadIdSchema } from '../../common/drives.ts';
import { EnclaveError, HTTP_STATUS_BY_ERROR_CODE } from '../../common/errors.ts';
import { DRIVE_RAW_ROUTES, PLATFORM_API_PREFIX } from '../../common/platform-api.ts';
import type { DriveCaller, DriveService } from '../drives/service-api.ts';
import { cutNow } from '../drives/transfers.ts';
import { UploadOffsetMismatch } from '../drives/uploads.ts';
import { parseParameters, parseQuery } from '../http/request-input.ts';
import type { Principal } from '../identity/principal.ts';
import type { RouteHandlers } from './register-routes.ts';

export type DriveRouteId = Extract<keyof RouteHandlers, `drive.${string}`>;

const apiCaller = (principal: Principal): DriveCaller => ({ principal, via: 'api' });

export function createDriveHandlers(
  drives: DriveService,
  options: { publicUrl?: () => string | undefined } = {},
): Pick<RouteHandlers, DriveRouteId> {
  return {
    'drive.list': ({ principal }) => drives.drives(apiCaller(principal)),
    'drive.info': ({ params, principal }) => drives.info(apiCaller(principal), params.projectId),
    'drive.folder': ({ params, query, principal }) => drives.folder(apiCaller(principal), params.projectId, query.path),
    'drive.tree': ({ params, principal }) => drives.tree(apiCaller(principal), params.projectId),
    'drive.mkdir': ({ params, body, principal }) => drives.makeFolder(apiCaller(principal), params.projectId, body.path),
    'drive.move': ({ params, body, principal }) =>
      drives.move(apiCaller(principal), params.projectId, body.from, body.to, { ifMatch: body.ifMatch, overwrite: false }),
    'drive.delete': ({ params, body, principal }) =>
      drives.delete(apiCaller(principal), params.projectId, body.path, body.ifMatch, body.unchangedSince),
    async 'drive.versions'({ params, query, principal }) {
      const versions = await drives.versions(apiCaller(principal), params.projectId, query.path);
      return { path: canonicalDrivePath(query.path), versions };
    },
    'drive.restoreVersion': ({ params, body, principal }) =>
      drives.restoreVersion(apiCaller(principal), params.projectId, body.path, body.version),
    'drive.trash': ({ params, principal }) => drives.trash(apiCaller(principal), params.projectId),
    'drive.restoreTrash': ({ params, body, principal }) => drives.restoreTrash(apiCaller(principal), params.projectId, body.trashId),
    'drive.uploadStart': ({ params, body, principal }) => drives.startUpload(apiCaller(principal), params.projectId, body),
    'drive.uploadStatus': ({ params, principal }) => drives.uploadStatus(apiCaller(principal), params.projectId, params.uploadId),
    'drive.uploadCommit': ({ params, principal }) => drives.commitUpload(apiCaller(principal), params.projectId, params.uploadId),
    'drive.appPasswords': ({ params, principal }) => drives.appPasswords(apiCaller(principal), params.projectId),
    async 'drive.createAppPassword'({ params, body, principal, request }) {
      const made = await drives.createAppPassword(apiCaller(principal), params.projectId, body.label);
      // Where a standard client mounts the drive: the platform's public address when configured, else the one asked at.
      const origin = options.publicUrl?.() ?? `${request.protocol}://${request.host}`;
      return { ...made, davUrl: `${origin}${davPath(params.projectId)}` };
    },
    'drive.revokeAppPassword': ({ params, principal }) => drives.revokeAppPassword(apiCaller(principal), params.projectId, params.id),
  };
}

// ---- The byte routes ------------------------------------------------------------------------------------------------

const ProjectIdParam = IdSchema.describe('must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.');
const ChunkParams = z.object({
  projectId: ProjectIdParam,
  uploadId: UploadIdSchema.describe('must be an upload id (up- and 24 hex digits).'),
});
const VersionParams = z.object({
  projectId: ProjectIdParam,
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/)
    .transform(Number)
    .describe('must be a version number (a whole number from 1).'),
});
const VersionQuery = z.object({ path: z.string().max(4096).describe('must be the path of a file in the drive.') }).strict();

/** A chunk's place: `bytes START-END/TOTAL`, both ends included, END below TOTAL. */
export interface ChunkRange {
  readonly start: number;
  readonly end: number;
  readonly total: number;
}

/**
 * Parses Content-Range as the upload route accepts it: plain decimal numbers only (no signs, spaces, exponents or
 * fractions), START ≤ END < TOTAL, every number a safe integer, and at most UPLOAD_CHUNK_MAX_BYTES in the chunk.
 */
export function parseChunkRange(header: string | undefined): ChunkRange {
  const match = /^bytes ([0-9]{1,16})-([0-9]{1,16})\/([0-9]{1,16})$/.exec(header ?? '');
  if (match === null) {
    throw new EnclaveError('invalid_input', 'A chunk needs a Content-Range header like "bytes 0-1048575/5242880". Nothing of it was kept.');
  }
  const [start, end, total] = [match[1], match[2], match[3]].map(Number);
  if (![start, end, total].every(Number.isSafeInteger) || start > end || end >= total) {
    throw new EnclaveError(
      'invalid_input',
      'The Content-Range is not a range of the file: its start must not pass its end, and its end must be below the total. Nothing of it was kept.',
    );
  }
  if (end - start + 1 > UPLOAD_CHUNK_MAX_BYTES) {
    throw new EnclaveError(
      'invalid_input',
      `A chunk may hold at most ${UPLOAD_CHUNK_MAX_BYTES.toLocaleString('en-GB')} bytes. Nothing of it was kept: send smaller chunks.`,
    );
  }
  return { start, end, total };
}

function principalOf(request: FastifyRequest): Principal {
  // Set by the onRequest hook for every route with roles; missing means the route was wired wrongly.
  if (request.principal === null) throw new EnclaveError('unauthenticated', 'Sign in to use the platform.');
  return request.principal;
}

/** The caller of a byte route: the kill switch stopping its transfer cuts the connection (a cut body is never whole). */
const transferCaller = (request: FastifyRequest, reply: FastifyReply): DriveCaller => ({
  principal: principalOf(request),
  via: 'api',
  cut: () => cutNow(reply.raw),
});

async function putChunk(drives: DriveService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { projectId, uploadId } = parseParameters(ChunkParams, request.params) as z.output<typeof ChunkParams>;
  const caller = transferCaller(request, reply);
  const range = parseChunkRange(request.headers['content-range']);
  const length = range.end - range.start + 1;
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) !== length) {
    throw new EnclaveError('invalid_input', "The chunk's Content-Length is not the length its Content-Range says. Nothing of it was kept.");
  }
  const session = await drives.uploadStatus(caller, projectId, uploadId);
  if (range.total !== session.size) {
    throw new EnclaveError(
      'invalid_input',
      `The Content-Range's total (${range.total.toLocaleString('en-GB')}) is not the upload's size (${session.size.toLocaleString('en-GB')}). Nothing of it was kept.`,
    );
  }
  try {
    return await drives.uploadChunk(caller, projectId, uploadId, range.start, request.raw, length);
  } catch (err) {
    if (!(err instanceof UploadOffsetMismatch)) throw err;
    // The session itself is the answer (its offset says where to go on from), with the error beside it.
    return reply
      .code(HTTP_STATUS_BY_ERROR_CODE.conflict)
      .type('application/json; charset=utf-8')
      .send({ ...err.session, error: err.toValue() });
  }
}

async function getVersion(drives: DriveService, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { projectId, version } = parseParameters(VersionParams, request.params) as z.output<typeof VersionParams>;
  const { path } = parseQuery(VersionQuery, request.query) as z.output<typeof VersionQuery>;
  const opened = await drives.readVersion(transferCaller(request, reply), projectId, path, version);
  // The version's SHA-256 is in the versions list the client read: it checks the bytes against that.
  return reply
    .type('application/octet-stream')
    .header('content-length', String(opened.length))
    .header('content-disposition', 'attachment')
    .send(opened.stream);
}

/** Registers the upload-chunk and version-content routes, their bodies left unread for their handlers to stream. */
export function registerDriveByteRoutes(app: FastifyInstance, drives: DriveService): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Whatever the type (or none): the handler reads the raw body itself, as far as the chunk's length.
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const chunk = DRIVE_RAW_ROUTES['drive.uploadChunk'];
    scope.route({
      method: chunk.method,
      url: `${PLATFORM_API_PREFIX}${chunk.path}`,
      bodyLimit: chunk.bodyLimit,
      config: { access: 'drive.uploadChunk' },
      handler: (request, reply) => putChunk(drives, request, reply),
    });
    const content = DRIVE_RAW_ROUTES['drive.versionContent'];
    scope.route({
      method: content.method,
      url: `${PLATFORM_API_PREFIX}${content.path}`,
      bodyLimit: content.bodyLimit,
      config: { access: 'drive.versionContent' },
      handler: (request, reply) => getVersion(drives, request, reply),
    });
  });
}
