// Enrolment on the embedded provider's sign-in page (issue 18): an invited person has no password yet, so the
// sign-in form links to a form on the same interaction where they type the one-time code their administrator sent
// and choose a password. The people service spends the code and sets the password in one step (and records
// user.enrolled or user.enrolment_refused); the person is then signed in as their new account exactly as after a
// correct password (complete-sign-in.ts), so the workstation's sign-in, or the approval of a device code, goes on.
// Wrong codes go through the login throttle keyed by the client address, and count in that address's budget
// beside wrong passwords; the code is never written back into a page.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';
import type { User } from '../../../common/contract.ts';
import { EnclaveError } from '../../../common/errors.ts';
import { EnrolSchema } from '../../../common/people.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import { completeSignIn } from './complete-sign-in.ts';
import { addressKey, type LoginAdmission, type LoginThrottle } from './login-throttle.ts';
import { expiredPage, interactionPath, sendPage, stringField, uidOf } from './page-replies.ts';
import { MAX_PASSWORD_CHARS, MIN_CHOSEN_PASSWORD_CHARS } from './password-rules.ts';
import { ENROLMENT_CODE_EXAMPLE, enrolPage, IDP_MOUNT_PATH, loginPage } from './pages.ts';
import type { AccountRefusal } from './provider-config.ts';
import { ENROLMENT_ATTEMPTS, type SignInRefusals } from './sign-in-refusals.ts';

export interface EnrolmentDependencies {
  readonly provider: () => Provider | undefined;
  readonly audit: AuditLog;
  readonly throttle: LoginThrottle;
  readonly refusals: SignInRefusals;
  readonly accountRefusal?: AccountRefusal;
  /** Spends the code and sets the password (the people service's enrolWithPassword). */
  readonly enrol: (code: string, password: string) => Promise<User>;
  /** The refusal counts of closed windows: recorded now, and when the next window closes. */
  readonly refusalWindows: { recordClosed(): Promise<void>; recordWhenClosed(): void };
}

// One more than the form allows, so that a longer value is refused rather than cut to something else.
const MAX_CODE = 41;
const MAX_PASSWORD = MAX_PASSWORD_CHARS + 1;

export const NOT_A_CODE = `That is not an enrolment code: a code has 20 letters and digits, like ${ENROLMENT_CODE_EXAMPLE}. Check the code your administrator sent you.`;
export const PASSWORDS_DIFFER = 'The two passwords are not the same. Type your new password in both fields again.';

/** What the page says when the throttle refuses an enrolment: which budget, and how long to wait. */
function refusalText(refusal: Extract<LoginAdmission, { allowed: false }>): string {
  const seconds = Math.max(1, Math.ceil(refusal.waitMs / 1000));
  // The 'username' budget of an enrolment is its client address's own record (login-throttle.ts).
  if (refusal.limit === 'username') {
    return refusal.reason === 'paused'
      ? `Too many wrong enrolment codes from this computer. Wait ${seconds} seconds, then try again.`
      : 'Other enrolments from this computer are being checked right now. Wait a few seconds, then try again.';
  }
  if (refusal.limit === 'address' && refusal.reason === 'paused') {
    return `Too many wrong passwords or codes from this computer. Wait ${seconds} seconds, then try again.`;
  }
  return `The platform is checking too many sign-ins right now. Wait ${seconds} seconds, then try again.`;
}

export function registerEnrolmentRoutes(pages: FastifyInstance, deps: EnrolmentDependencies): void {
  const { audit, throttle, refusals } = deps;
  const form = (reply: FastifyReply, uid: string, shown: { status?: number; alert?: string; invalid?: 'code' | 'password' } = {}) =>
    sendPage(reply, {
      status: shown.status,
      html: enrolPage({
        action: interactionPath(uid, 'enrol'),
        signInUrl: interactionPath(uid),
        minPasswordChars: MIN_CHOSEN_PASSWORD_CHARS,
        alert: shown.alert,
        invalid: shown.invalid,
      }),
    });

  pages.get(`${IDP_MOUNT_PATH}/interaction/:uid/enrol`, { config: { access: 'idp.pages' } }, async (request, reply) => {
    const provider = deps.provider();
    if (provider === undefined) return expiredPage(reply);
    const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => null);
    if (details === null || details.uid !== uidOf(request) || details.prompt.name !== 'login') return expiredPage(reply);
    return form(reply, details.uid);
  });

  pages.post(`${IDP_MOUNT_PATH}/interaction/:uid/enrol`, { config: { access: 'idp.pages' } }, async (request, reply) => {
    const provider = deps.provider();
    if (provider === undefined) return expiredPage(reply);
    const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => null);
    if (details === null || details.uid !== uidOf(request) || details.prompt.name !== 'login') return expiredPage(reply);
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;

    // A form to correct answers 200, as a wrong password does (Chromium logs any 4xx page as a console error).
    // What can be told without looking anything up is told first, and spends neither the code nor the budget.
    const typed = EnrolSchema.safeParse({ code: stringField(request.body, 'code', MAX_CODE) });
    if (!typed.success) return form(reply, details.uid, { alert: NOT_A_CODE, invalid: 'code' });
    const password = stringField(request.body, 'password', MAX_PASSWORD);
    if (password !== stringField(request.body, 'repeat', MAX_PASSWORD)) {
      return form(reply, details.uid, { alert: PASSWORDS_DIFFER, invalid: 'password' });
    }

    await deps.refusalWindows.recordClosed();
    // The socket's address (the platform trusts no forwarding header), as for passwords.
    const admission = await throttle.beginEnrolment({ address: request.ip });
    if (!admission.allowed) {
      const address = addressKey(request.ip);
      if (refusals.take({ username: ENROLMENT_ATTEMPTS, address })) {
        await audit.append({
          type: 'user.enrolment_refused',
          actor: null,
          outcome: 'failure',
          details: {
            address,
            clientId,
            reason: admission.reason === 'paused' ? 'too_many_failures' : 'too_many_attempts',
            limit: admission.limit,
          },
        });
        deps.refusalWindows.recordWhenClosed();
      }
      return form(reply, details.uid, { status: 429, alert: refusalText(admission) });
    }
    const { attempt } = admission;
    let user: User;
    try {
      user = await deps.enrol(typed.data.code, password);
      await attempt.succeeded();
    } catch (err) {
      if (!(err instanceof EnclaveError)) throw err;
      // forbidden: the code is wrong, used or expired (a guess, counted); invalid_input: the password does not do.
      if (err.code === 'forbidden') {
        await attempt.failed();
        return form(reply, details.uid, { alert: err.message, invalid: 'code' });
      }
      if (err.code === 'invalid_input') return form(reply, details.uid, { alert: err.message, invalid: 'password' });
      throw err;
    } finally {
      await attempt.release();
    }
    return completeSignIn({
      provider,
      request,
      reply,
      userId: user.id,
      clientId,
      method: 'enrolment',
      audit,
      accountRefusal: deps.accountRefusal,
      // Enrolled (the code is spent), but not signed in now: the sign-in form says why, as it would to a password.
      refuse: (message) =>
        sendPage(reply, {
          status: 403,
          html: loginPage({
            action: interactionPath(details.uid, 'login'),
            username: user.id,
            alert: message,
            demo: true,
            enrolUrl: interactionPath(details.uid, 'enrol'),
          }),
        }),
    });
  });
}
