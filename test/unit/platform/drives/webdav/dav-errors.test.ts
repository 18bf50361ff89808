// How the drive service's refusals travel over WebDAV: each code becomes the status RFC 4918 wants (a failed condition
// 412, a full drive 507, a lock 423), its message kept; anything unexpected is logged and told as nothing but a failure.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { catchErrors } from 'nephele';
import { describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { EnclaveError, ErrorCodeSchema, type ErrorCode } from '../../../../../src/common/errors.ts';
import { DAV_INTERNAL_MESSAGE, davErrorAnswer, toNepheleError } from '../../../../../src/platform/drives/webdav/dav-errors.ts';
import { createDavErrorHandler } from '../../../../../src/platform/drives/webdav/error-handler.ts';
import { attachContext, type DavRequestContext } from '../../../../../src/platform/drives/webdav/request-context.ts';

function logger(): FastifyBaseLogger & { error: ReturnType<typeof vi.fn> } {
  return { error: vi.fn(), info: vi.fn(), warn: vi.fn(), debug: vi.fn() } as unknown as FastifyBaseLogger & {
    error: ReturnType<typeof vi.fn>;
  };
}

/** The status nephele answers for what the adapter throws, and what the answer says. */
async function answerFor(err: unknown): Promise<{ status: number; code: string; message: string }> {
  let seen = { status: 0, code: '', message: '' };
  await catchErrors(
    async () => {
      throw toNepheleError(err, logger());
    },
    async (status, _message, error) => {
      const answer = davErrorAnswer(status, error);
      seen = { status: answer.status, code: answer.body.error.code, message: answer.body.error.message };
    },
  )();
  return seen;
}

describe('a drive service refusal', () => {
  it.each([
    ['invalid_input', 400],
    ['not_found', 404],
    ['conflict', 412],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['suspended', 403],
    ['locked', 423],
    ['insufficient_storage', 507],
    ['unavailable', 503],
    ['rate_limited', 429],
  ] as const)('%s is answered %i with its own message', async (code: ErrorCode, status) => {
    expect(await answerFor(new EnclaveError(code, 'Said for people.'))).toEqual({
      status,
      code: expect.any(String),
      message: 'Said for people.',
    });
  });

  it('has a 4xx or 5xx answer for every error code', async () => {
    for (const code of ErrorCodeSchema.options) {
      expect((await answerFor(new EnclaveError(code, 'x'))).status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('an unexpected failure', () => {
  it('is logged, and answered 500 without its text', async () => {
    const log = logger();
    const thrown = new Error('SQLITE_BUSY: database is locked at /srv/platform/metadata.db');
    const translated = toNepheleError(thrown, log);
    expect(log.error).toHaveBeenCalledWith({ err: thrown }, expect.any(String));
    expect(davErrorAnswer(500, translated).body.error).toEqual({ code: 'internal', message: DAV_INTERNAL_MESSAGE });
    expect(davErrorAnswer(500, thrown)).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: DAV_INTERNAL_MESSAGE } },
      unexpected: true,
    });
  });

  it('but malformed XML from the client is the client\u2019s (400)', () => {
    const sax = new Error('Unexpected close tag\nLine: 0\nColumn: 31\nChar: >');
    expect(davErrorAnswer(500, sax).status).toBe(400);
  });
});

describe('the error answer itself', () => {
  it('never rejects (nephele does not always await it): a failure to answer closes the connection and is logged', async () => {
    const socket = new Socket();
    const request = new IncomingMessage(socket);
    const response = new ServerResponse(request);
    const log = logger();
    // A context whose logger works, and an adapter lookup that throws while the answer is being made.
    attachContext(request, { log, response } as unknown as DavRequestContext);
    const handler = createDavErrorHandler(() => {
      throw new Error('adapter lookup failed');
    });
    const failing = new Error('the refusal');
    const answering = handler(423, 'Locked.', request as never, response as never, failing);
    await expect(answering).resolves.toBeUndefined();
    expect(response.destroyed).toBe(true);
    expect(log.error).toHaveBeenCalledWith({ err: expect.any(Error) }, 'WebDAV: an error answer could not be written');
    // With no context at all (a wiring mistake), still no rejection.
    const bare = new IncomingMessage(new Socket());
    const bareResponse = new ServerResponse(bare);
    await expect(handler(500, 'x', bare as never, bareResponse as never, failing)).resolves.toBeUndefined();
    expect(bareResponse.destroyed).toBe(true);
    socket.destroy();
  });
});
