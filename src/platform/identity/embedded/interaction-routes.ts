// The sign-in pages of the embedded identity provider, as Fastify routes beside the mounted provider:
// GET shows the form (or, for the consent step of our own client, grants and moves on); POST checks the
// password, records the attempt in the audit log, and hands the result back to oidc-provider. Attempts the
// throttle refuses are recorded once per username and address per window, then counted (sign-in-refusals.ts).
// A person the platform refuses (suspended) is told why after a correct password, and not signed in: the same
// form serves the browser sign-in and the approval of a device code, so neither goes through. When the platform
// passes `enrol`, the form also offers an invited person enrolment with their one-time code (enrolment-routes.ts).
import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import { IdSchema, type User } from '../../../common/contract.ts';
import { inBackground } from '../../../common/detached.ts';
import { IDENTITY_PROVIDER_ROUTES } from '../../../common/platform-api.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { MetadataStore } from '../../store/metadata-store.ts';
import { verifyPassword } from '../passwords.ts';
import { completeSignIn } from './complete-sign-in.ts';
import { registerEnrolmentRoutes } from './enrolment-routes.ts';
import { addressKey, type LoginAdmission, type LoginThrottle } from './login-throttle.ts';
import { expiredPage, interactionPath, sendPage, stringField, uidOf } from './page-replies.ts';
import { ICON_PATH, ICON_SVG, IDP_MOUNT_PATH, loginPage, STYLESHEET, STYLESHEET_PATH, WRONG_CREDENTIALS } from './pages.ts';
import { grantWorkstationAccess, type AccountRefusal } from './provider-config.ts';
import { REFUSAL_WINDOW_MS, type SignInRefusals } from './sign-in-refusals.ts';

export interface InteractionDependencies {
  readonly provider: () => Provider | undefined;
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  readonly throttle: LoginThrottle;
  /** Which refused attempts are recorded one by one, and the counts of the others. */
  readonly refusals: SignInRefusals;
  /** Why a person whose password is right may still not sign in (suspended); absent: nobody is refused. */
  readonly accountRefusal?: AccountRefusal;
  /** Enrolment of an invited person with their one-time code and a new password; absent: not offered. */
  readonly enrol?: (code: string, password: string) => Promise<User>;
  /** The clock the refusal windows are kept by. */
  readonly now: () => number;
}

const MAX_USERNAME = 64;
const MAX_PASSWORD = 128;
/** What the audit log says for a username that is not one of our accounts (it may be a mistyped password). */
export const UNKNOWN_USERNAME = '(unknown username)';

/** What the page says when the throttle refuses a sign-in (login-throttle.ts): which budget, and how long to wait. */
function refusalText(refusal: Extract<LoginAdmission, { allowed: false }>): string {
  const seconds = Math.max(1, Math.ceil(refusal.waitMs / 1000));
  if (refusal.limit === 'username') {
    return refusal.reason === 'paused'
      ? `Too many wrong passwords for this username. Wait ${seconds} seconds, then try again.`
      : 'Other sign-ins for this username are being checked right now. Wait a few seconds, then try again.';
  }
  if (refusal.limit === 'address' && refusal.reason === 'paused') {
    return `Too many wrong passwords from this computer. Wait ${seconds} seconds, then try again.`;
  }
  return `The platform is checking too many sign-ins right now. Wait ${seconds} seconds, then try again.`;
}

async function grantFirstParty(provider: Provider, details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
  const grant = details.grantId === undefined ? new provider.Grant({ accountId, clientId }) : await provider.Grant.find(details.grantId);
  if (grant === undefined) throw new Error('the interaction names a grant that no longer exists');
  grantWorkstationAccess(grant);
  return grant.save();
}

export function registerInteractionRoutes(app: FastifyInstance, deps: InteractionDependencies): void {
  const { store, audit, throttle, refusals } = deps;
  const action = (uid: string): string => interactionPath(uid, 'login');
  const enrolUrl = (uid: string): string | undefined => (deps.enrol === undefined ? undefined : interactionPath(uid, 'enrol'));

  /** Records how many attempts each closed window refused beyond the first (which was recorded when it came). */
  async function recordClosedWindows(): Promise<void> {
    for (const count of refusals.closed()) {
      await audit.append({
        type: 'auth.sign_in_refusals',
        actor: null,
        outcome: 'failure',
        details: {
          username: count.username,
          address: count.address,
          refused: count.refused,
          since: new Date(count.since).toISOString(),
          windowSeconds: REFUSAL_WINDOW_MS / 1000,
        },
      });
    }
  }

  // Also when no further attempt comes: a timer at the earliest window's end, which never keeps the process up.
  let closing: NodeJS.Timeout | undefined;
  function recordWhenWindowsClose(): void {
    const at = refusals.nextClose();
    if (closing !== undefined || at === null) return;
    closing = setTimeout(
      () => {
        closing = undefined;
        inBackground(recordClosedWindows().then(recordWhenWindowsClose), (err) =>
          app.log.error({ err }, 'the count of refused sign-ins could not be recorded in the audit log'),
        );
      },
      Math.max(1000, at - deps.now()),
    ).unref();
  }
  app.addHook('onClose', async () => clearTimeout(closing));

  app.register(async (pages) => {
    // The pages' declared body limit is the sign-in form's; other bodies keep the platform's smallest limit.
    const { bodyLimit } = IDENTITY_PROVIDER_ROUTES['idp.pages'];
    pages.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    pages.get(STYLESHEET_PATH, { config: { access: 'idp.pages' } }, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').send(STYLESHEET),
    );

    // Also at /favicon.ico, for the one page oidc-provider writes itself (the auto-submitted end-of-session form).
    for (const url of [ICON_PATH, '/favicon.ico']) {
      pages.get(url, { config: { access: 'idp.pages' } }, async (_request, reply) => reply.type('image/svg+xml').send(ICON_SVG));
    }

    pages.get(`${IDP_MOUNT_PATH}/interaction/:uid`, { config: { access: 'idp.pages' } }, async (request, reply) => {
      const provider = deps.provider();
      if (provider === undefined) return expiredPage(reply);
      const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => null);
      if (details === null || details.uid !== uidOf(request)) return expiredPage(reply);
      if (details.prompt.name === 'consent') {
        // Our own client: signing in is the consent (see provider-config.ts); no screen.
        const grantId = await grantFirstParty(provider, details);
        const redirectTo = await provider.interactionResult(
          request.raw,
          reply.raw,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        return reply.redirect(redirectTo, 303);
      }
      if (details.prompt.name !== 'login') return expiredPage(reply);
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, MAX_USERNAME) : undefined;
      return sendPage(reply, {
        html: loginPage({ action: action(details.uid), username: hint, demo: true, enrolUrl: enrolUrl(details.uid) }),
      });
    });

    pages.post(`${IDP_MOUNT_PATH}/interaction/:uid/login`, { config: { access: 'idp.pages' } }, async (request, reply) => {
      const provider = deps.provider();
      if (provider === undefined) return expiredPage(reply);
      const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => null);
      if (details === null || details.uid !== uidOf(request) || details.prompt.name !== 'login') return expiredPage(reply);
      const username = stringField(request.body, 'username', MAX_USERNAME).trim();
      const password = stringField(request.body, 'password', MAX_PASSWORD);
      const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : null;
      const again = (alert: string, status: number) =>
        sendPage(reply, {
          status,
          html: loginPage({ action: action(details.uid), username, alert, demo: true, enrolUrl: enrolUrl(details.uid) }),
        });

      const user = IdSchema.safeParse(username).success ? await store.getUser(username) : undefined;
      // People type passwords into the username field; only a name that is one of our accounts is kept.
      const audited = user === undefined ? UNKNOWN_USERNAME : user.id;
      await recordClosedWindows();

      // The socket's address (the platform trusts no forwarding header): the per-client budget is counted by it.
      const admission = await throttle.begin({ username, address: request.ip });
      if (!admission.allowed) {
        const address = addressKey(request.ip);
        if (refusals.take({ username: audited, address })) {
          const reason = admission.reason === 'paused' ? 'too_many_failures' : 'too_many_attempts';
          await audit.append({
            type: 'auth.sign_in',
            actor: null,
            outcome: 'failure',
            details: { username: audited, address, clientId, reason, limit: admission.limit },
          });
          recordWhenWindowsClose();
        }
        return again(refusalText(admission), 429);
      }
      const { attempt } = admission;
      try {
        // verifyPassword runs scrypt even for an unknown user, so the answer takes as long either way.
        const matches = await verifyPassword(password, user === undefined ? undefined : await store.getPasswordHash(user.id));
        if (user === undefined || !matches) {
          await attempt.failed();
          await audit.append({
            type: 'auth.sign_in',
            actor: null,
            outcome: 'failure',
            details: { username: audited, clientId, reason: 'wrong_credentials' },
          });
          return again(WRONG_CREDENTIALS, 200);
        }
        await attempt.succeeded();
      } finally {
        await attempt.release();
      }
      return completeSignIn({
        provider,
        request,
        reply,
        userId: user.id,
        clientId,
        method: 'password',
        audit,
        accountRefusal: deps.accountRefusal,
        refuse: (message) => again(message, 403),
      });
    });

    if (deps.enrol !== undefined) {
      registerEnrolmentRoutes(pages, {
        provider: deps.provider,
        audit,
        throttle,
        refusals,
        accountRefusal: deps.accountRefusal,
        enrol: deps.enrol,
        refusalWindows: { recordClosed: recordClosedWindows, recordWhenClosed: recordWhenWindowsClose },
      });
    }
  });
}
