// The end of every way into the embedded provider's sign-in (a correct password, or an enrolment that just set
// one): the platform's refusal check (suspended), the audit event, and the login handed back to oidc-provider,
// which continues to the workstation's loopback redirect or to the approval of a device code.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AccountRefusal } from './provider-config.ts';

export interface SignInCompletion {
  readonly provider: Provider;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** The account whose sign-in is complete. */
  readonly userId: string;
  readonly clientId: string | null;
  /** How the person showed who they are: their password, or an enrolment code and the password they just chose. */
  readonly method: 'password' | 'enrolment';
  readonly audit: AuditLog;
  /** Absent: nobody is refused. */
  readonly accountRefusal?: AccountRefusal;
  /** Shows the page again, saying why this person may not sign in now. */
  readonly refuse: (message: string) => FastifyReply;
}

export async function completeSignIn(options: SignInCompletion): Promise<FastifyReply> {
  const { provider, request, reply, userId, clientId, audit } = options;
  // Only once the person has shown who they are, so the refusal tells a guesser nothing about the account.
  const refused = options.accountRefusal === undefined ? null : await options.accountRefusal(userId);
  if (refused !== null) {
    await audit.append({
      type: 'auth.sign_in',
      actor: null,
      outcome: 'failure',
      details: { username: userId, clientId, reason: refused.code },
    });
    return options.refuse(refused.message);
  }
  await audit.append({
    type: 'auth.sign_in',
    actor: userId,
    outcome: 'success',
    details: { username: userId, clientId, method: options.method },
  });
  const redirectTo = await provider.interactionResult(
    request.raw,
    reply.raw,
    // remember: false keeps the browser's session cookie to this browser run; every sign-in asks again anyway.
    { login: { accountId: userId, amr: ['pwd'], remember: false } },
    { mergeWithLastSubmission: false },
  );
  return reply.redirect(redirectTo, 303);
}
