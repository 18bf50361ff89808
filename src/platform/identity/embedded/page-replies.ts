// How the sign-in pages answer: an HTML page under the pages' CSP, the "sign-in expired" page, the interaction's
// paths, and the few reads of a request the forms need (the interaction's id, a form field of bounded length).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IDP_MOUNT_PATH, messagePage, PAGE_CSP } from './pages.ts';

/** The interaction's page (the sign-in form), or one of its steps: where the forms post, and the enrolment form. */
export function interactionPath(uid: string, step?: 'login' | 'enrol'): string {
  const page = `${IDP_MOUNT_PATH}/interaction/${encodeURIComponent(uid)}`;
  return step === undefined ? page : `${page}/${step}`;
}

export function sendPage(reply: FastifyReply, options: { status?: number; html: string }): FastifyReply {
  return reply
    .code(options.status ?? 200)
    .header('content-security-policy', PAGE_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(options.html);
}

export function expiredPage(reply: FastifyReply): FastifyReply {
  return sendPage(reply, {
    status: 400,
    html: messagePage({
      title: 'Sign-in expired',
      heading: 'This sign-in has expired',
      text: 'The sign-in page was open too long, or was already used. Go back to Enclave and start signing in again.',
      alert: true,
    }),
  });
}

/** The interaction id in the route's path (:uid). */
export function uidOf(request: FastifyRequest): string {
  const uid = (request.params as { uid?: unknown }).uid;
  return typeof uid === 'string' ? uid : '';
}

/** A field of the posted form, at most `max` characters; '' when absent. */
export function stringField(body: unknown, name: string, max: number): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value.slice(0, max) : '';
}
