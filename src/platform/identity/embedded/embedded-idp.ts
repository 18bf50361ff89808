// The embedded identity provider, as the platform composes it: keys from the data folder, oidc-provider
// mounted under /oidc on the platform's own Fastify server, our sign-in pages beside it. The issuer is the
// URL the platform really answers on, so the provider is built when that is known (attach), which with
// `--port 0` is only after the server listens. During an incident the kill switch ends all of a person's sign-ins
// here (endSignInsOf), and a refused (suspended) person can neither sign in nor redeem anything issued before.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type Provider from 'oidc-provider';
import type { User } from '../../../common/contract.ts';
import { EnclaveError } from '../../../common/errors.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { MetadataStore } from '../../store/metadata-store.ts';
import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_SESSION_MAX_SECONDS,
  PLATFORM_API_AUDIENCE,
  WORKSTATION_CLIENT_ID,
  WORKSTATION_SCOPES,
  type IdentityInfo,
} from '../identity-config.ts';
import { createArtifactSealer } from './artifact-sealing.ts';
import { createDevicePolling } from './device-polling.ts';
import { registerInteractionRoutes } from './interaction-routes.ts';
import { loadIdentityKeys, type IdentityKeys } from './keys.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { IDP_MOUNT_PATH, PAGE_CSP } from './pages.ts';
import { createProvider, type AccountRefusal } from './provider-config.ts';
import { createSignInRefusals } from './sign-in-refusals.ts';

export interface EmbeddedIdentityProvider {
  /** Builds the provider for the platform's base URL (e.g. http://127.0.0.1:4100). Only the first call counts. */
  attach(platformUrl: string, log?: FastifyBaseLogger): void;
  /** `<platform url>/oidc`, once attached. */
  issuer(): string | undefined;
  info(): IdentityInfo | undefined;
  /** The provider's public signing keys: the platform verifies access tokens against these. */
  readonly verificationKeys: JWTVerifyGetKey;
  /** Adds the protocol endpoints and the sign-in pages to the platform's app (before it is ready). */
  register(app: FastifyInstance): void;
  /**
   * Ends every sign-in of the account: destroys its browser sessions, grants, sign-ins under way, authorization codes,
   * refresh tokens and approved device codes; answers how many artifacts went. Access tokens already issued are
   * not artifacts (they are JWTs): the platform refuses them by the person's tokens_valid_after.
   */
  endSignInsOf(userId: string): Promise<number>;
}

export interface EmbeddedIdentityProviderOptions {
  readonly dataDir: string;
  /** The keys every instance shares (--identity-keys-dir); without them, this platform's own in DIR/identity. */
  readonly keys?: IdentityKeys;
  readonly store: MetadataStore;
  /** Where the sign-in pages record each attempt. */
  readonly audit: AuditLog;
  readonly accessTokenTtlSeconds?: number;
  readonly sessionMaxSeconds?: number;
  /** Why a person may not sign in now (suspended), asked after a correct password and before anything is redeemed. */
  readonly refusal?: AccountRefusal;
  /**
   * Enrolment of an invited person at this provider: spends their one-time code and sets the password they chose
   * (the people service's enrolWithPassword). Absent: the sign-in page offers no enrolment.
   */
  readonly enrol?: (code: string, password: string) => Promise<User>;
  /** The clock of the limits (device polling, the login throttle); tests pass a fake one. */
  readonly now?: () => number;
}

function positiveSeconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new EnclaveError('invalid_input', `${name} must be a whole number of seconds above 0.`);
  return value;
}

type MountedRequest = IncomingMessage & { originalUrl?: string };

export async function createEmbeddedIdentityProvider(options: EmbeddedIdentityProviderOptions): Promise<EmbeddedIdentityProvider> {
  const accessTokenTtlSeconds = positiveSeconds('accessTokenTtlSeconds', options.accessTokenTtlSeconds, DEFAULT_ACCESS_TOKEN_TTL_SECONDS);
  const sessionMaxSeconds = positiveSeconds('sessionMaxSeconds', options.sessionMaxSeconds, DEFAULT_SESSION_MAX_SECONDS);
  const keys: IdentityKeys = options.keys ?? (await loadIdentityKeys(options.dataDir));
  const sealer = createArtifactSealer(keys.artifactKeys);
  const now = options.now ?? Date.now;
  // Budgets in the store (every instance spends the same ones), keyed by a hash under the identity keys the instances
  // share: the table never holds a typed username (often a password typed in the wrong field) or an address.
  const throttle = createLoginThrottle({
    records: options.store.loginThrottle,
    now,
    keyOf: (name) => createHmac('sha256', keys.artifactKeys.index).update(`login-throttle\u0000${name}`, 'utf8').digest('base64url'),
  });
  const refusals = createSignInRefusals({ now });
  const devicePolling = createDevicePolling({ now: options.now });
  let provider: Provider | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;

  return {
    attach(platformUrl, log) {
      if (provider !== undefined) return;
      const issuer = `${platformUrl.replace(/\/+$/, '')}${IDP_MOUNT_PATH}`;
      provider = createProvider({
        issuer,
        keys,
        artifacts: options.store.oidcArtifacts,
        sealer,
        revocations: options.store.revocations,
        devicePolling,
        lookupUser: (userId) => options.store.getUser(userId),
        refusal: options.refusal,
        accessTokenTtlSeconds,
        sessionMaxSeconds,
      });
      // The provider answers protocol errors itself; its own failures go to the platform's log, not the answer.
      provider.on('server_error', (_ctx, err) => log?.error({ err }, 'identity provider failed'));
      handle = provider.callback();
    },
    issuer: () => provider?.issuer,
    info: () =>
      provider === undefined
        ? undefined
        : { issuer: provider.issuer, clientId: WORKSTATION_CLIENT_ID, audience: PLATFORM_API_AUDIENCE, scopes: WORKSTATION_SCOPES },
    verificationKeys: createLocalJWKSet(keys.verification),
    // Straight from the store (the artifacts need not be opened): works before attach, and for a provider never attached.
    endSignInsOf: (userId) => options.store.oidcArtifacts.destroyByAccount(sealer.lookupKey('account', userId)),
    register(app) {
      registerInteractionRoutes(app, {
        provider: () => provider,
        store: options.store,
        audit: options.audit,
        throttle,
        refusals,
        accountRefusal: options.refusal,
        enrol: options.enrol,
        now,
      });
      app.register(async (protocol) => {
        // The provider reads its own request bodies (form posts to /token, /device/auth, /token/revocation),
        // up to its own limit (the declared bodyLimit of idp.protocol): the platform's JSON-only parsers and
        // their small limit must not consume or refuse them.
        protocol.removeAllContentTypeParsers();
        protocol.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
        protocol.route({
          method: ['GET', 'POST'],
          url: `${IDP_MOUNT_PATH}/*`,
          config: { access: 'idp.protocol' },
          async handler(request, reply) {
            if (handle === undefined) throw new EnclaveError('unavailable', 'The identity provider is still starting. Try again shortly.');
            reply.hijack();
            const req = request.raw as MountedRequest;
            const res = reply.raw;
            res.setHeader('content-security-policy', PAGE_CSP);
            res.setHeader('x-content-type-options', 'nosniff');
            res.setHeader('referrer-policy', 'no-referrer');
            res.setHeader('cache-control', 'no-store');
            // As oidc-provider's mounting guide does for frameworks without a mount helper.
            const url = req.url ?? IDP_MOUNT_PATH;
            req.originalUrl = url;
            req.url = url.slice(IDP_MOUNT_PATH.length) || '/';
            await handle(req, res);
          },
        });
      });
    },
  };
}
