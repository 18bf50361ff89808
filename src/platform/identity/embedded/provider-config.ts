// The embedded OIDC provider's configuration (oidc-provider 9). One first-party public client (the
// workstation and the CLI), authorization code + PKCE S256 with loopback redirects, the device grant, JWT
// access tokens for the platform API (resource indicator) that name their grant, refresh tokens rotated on
// every use with an absolute lifetime, and our own interaction pages (no devInteractions). A grant that ends
// (sign-out, lock, refresh-token reuse) goes on the platform's revocation list, so its access tokens stop
// working at once rather than when they expire. A person the platform refuses (suspended) has no account here, so
// none of their codes, refresh tokens or device codes can be redeemed.
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { User } from '../../../common/contract.ts';
import type { EnclaveError } from '../../../common/errors.ts';
import type { OidcArtifactStore } from '../../store/oidc-artifacts.ts';
import { revocationKey, type RevocationList } from '../../store/revocations.ts';
import { GRANT_ID_CLAIM, PLATFORM_API_AUDIENCE, WORKSTATION_CLIENT_ID, WORKSTATION_SCOPES } from '../identity-config.ts';
import { CLOCK_TOLERANCE_SECONDS } from '../oidc-authenticator.ts';
import { sqliteAdapterFactory } from './adapter.ts';
import type { ArtifactSealer } from './artifact-sealing.ts';
import { DEVICE_CODE_LIFETIME_SECONDS, DEVICE_POLL_INTERVAL_SECONDS, limitDevicePoll, type DevicePolling } from './device-polling.ts';
import type { IdentityKeys } from './keys.ts';
import { SIGNING_ALGORITHM } from './keys.ts';
import { deviceSources, logoutSources, renderError } from './provider-pages.ts';
import { IDP_MOUNT_PATH } from './pages.ts';

/** Why this person may not sign in now (an EnclaveError with code 'suspended' and a message for them), or null. */
export type AccountRefusal = (userId: string) => Promise<EnclaveError | null>;

export interface ProviderSettings {
  /** `<platform url>/oidc`. */
  readonly issuer: string;
  readonly keys: IdentityKeys;
  readonly artifacts: OidcArtifactStore;
  /** Seals the artifacts at rest (made from keys.artifactKeys; shared with whoever ends sign-ins by account). */
  readonly sealer: ArtifactSealer;
  /** Where ended grants go, so the platform refuses their access tokens. */
  readonly revocations: RevocationList;
  readonly devicePolling: DevicePolling;
  readonly lookupUser: (userId: string) => Promise<User | undefined>;
  /** Absent: nobody is refused. */
  readonly refusal?: AccountRefusal;
  readonly accessTokenTtlSeconds: number;
  readonly sessionMaxSeconds: number;
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Every authorization asks for the password, even when the browser still holds a session: a shared
 * workstation must not sign the next person in as the last one, unlocking needs a fresh sign-in, and it
 * is what makes skipping the consent screen for our own native client safe (the user always acts).
 */
function interactionPolicyRequiringPassword(): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  login?.checks.add(
    new interactionPolicy.Check('fresh_login_required', 'this platform asks for the password at every sign-in', (ctx) =>
      ctx.oidc.result?.login === undefined ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );
  // First-party client: consent is implied by signing in (loadExistingGrant below grants the scopes).
  policy.get('consent')?.checks.remove('native_client_prompt');
  return policy;
}

/** What signing in grants our own client: its OIDC scopes, and access tokens for the platform API. */
export function grantWorkstationAccess(grant: InstanceType<Provider['Grant']>): void {
  grant.addOIDCScope(WORKSTATION_SCOPES.join(' '));
  grant.addResourceScope(PLATFORM_API_AUDIENCE, '');
}

/** The grant for our own client, without a consent screen (oidc-provider's loadExistingGrant pattern). */
async function loadFirstPartyGrant(ctx: KoaContextWithOIDC) {
  const { client, session } = ctx.oidc;
  if (client === undefined || session?.accountId === undefined) return undefined;
  const { Grant } = ctx.oidc.provider;
  const existingId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const existing = existingId === undefined ? undefined : await Grant.find(existingId);
  if (existing !== undefined && existing.accountId === session.accountId) return existing;
  const grant = new Grant({ clientId: client.clientId, accountId: session.accountId });
  grantWorkstationAccess(grant);
  await grant.save();
  return grant;
}

/** Adds the polling interval to the device authorization answer (oidc-provider leaves it out; RFC 8628 §3.2). */
function announcePollInterval(provider: Provider): void {
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    const body: unknown = ctx.body;
    if (ctx.oidc?.route === 'device_authorization' && ctx.status === 200 && typeof body === 'object' && body !== null) {
      ctx.body = { ...body, interval: DEVICE_POLL_INTERVAL_SECONDS };
    }
  });
}

export function createProvider(settings: ProviderSettings): Provider {
  const { accessTokenTtlSeconds, sessionMaxSeconds } = settings;
  const configuration: Configuration = {
    adapter: sqliteAdapterFactory({
      store: settings.artifacts,
      sealer: settings.sealer,
      // Until the last access token the grant could have been given has expired, with the platform's clock
      // tolerance (+1 for the second the token's exp is rounded to).
      onGrantEnded: (grantId) =>
        settings.revocations.revoke({
          keys: [revocationKey.grant(grantId)],
          expiresAt: epochSeconds() + accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS + 1,
        }),
      onDeviceCodeFound: (found) => limitDevicePoll(settings.devicePolling, found),
    }),
    jwks: { keys: settings.keys.signing },
    cookies: {
      keys: [...settings.keys.cookieKeys],
      names: { session: 'enclave_idp_session', interaction: 'enclave_idp_interaction', resume: 'enclave_idp_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    clients: [
      {
        client_id: WORKSTATION_CLIENT_ID,
        client_name: 'Enclave workstation',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        // Any port on the loopback address (RFC 8252 §7.3): oidc-provider ignores the port for native clients.
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        scope: WORKSTATION_SCOPES.join(' '),
        id_token_signed_response_alg: SIGNING_ALGORITHM,
        require_auth_time: true,
      },
    ],
    responseTypes: ['code'],
    // The registered URI has no port (any loopback port is accepted), so it can never be a default target.
    allowOmittingSingleRegisteredRedirectUri: false,
    scopes: [...WORKSTATION_SCOPES],
    claims: { openid: ['sub'], profile: ['name'] },
    // The ID token carries the name even though an access token is issued (the workstation shows it at once).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    clientBasedCORS: () => false,
    // oidc-provider asks this before it redeems an authorization code, a refresh token or a device code (an account
    // it does not find is invalid_grant), and for a browser session's account (not found: sign in again). So a
    // refused person gets no token from anything issued before the refusal.
    async findAccount(_ctx, sub) {
      const user = await settings.lookupUser(sub);
      if (user === undefined) return undefined;
      if (settings.refusal !== undefined && (await settings.refusal(user.id)) !== null) return undefined;
      return { accountId: user.id, claims: async () => ({ sub: user.id, name: user.displayName }) };
    },
    interactions: {
      policy: interactionPolicyRequiringPassword(),
      url: (_ctx, interaction) => `${IDP_MOUNT_PATH}/interaction/${interaction.uid}`,
    },
    loadExistingGrant: loadFirstPartyGrant,
    // OIDC Core drops offline_access unless prompt=consent is sent (oidc-provider does so). Our first-party
    // client gets its refresh token without that dance (Core §11 allows other conditions), and the token
    // outlives the browser session: it is bounded by its own absolute lifetime instead (ttl.RefreshToken).
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || client.clientId === WORKSTATION_CLIENT_ID),
    expiresWithSession: async (ctx, code) => !(code.scopes.has('offline_access') || ctx.oidc.client?.clientId === WORKSTATION_CLIENT_ID),
    rotateRefreshToken: true,
    // Every revocation destroys the grant, so a grant id on the revocation list never gets a new token.
    revokeGrantPolicy: () => true,
    // The grant id in every access token: what the platform's revocation list refuses a whole sign-in by.
    extraTokenClaims: async (_ctx, token) =>
      token.kind === 'AccessToken' && token.grantId !== undefined ? { [GRANT_ID_CLAIM]: token.grantId } : undefined,
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      IdToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      DeviceCode: DEVICE_CODE_LIFETIME_SECONDS,
      Interaction: 600,
      Grant: sessionMaxSeconds,
      Session: sessionMaxSeconds,
      // Absolute: counted from the first refresh token of the sign-in (iiat), kept through every rotation.
      RefreshToken: (_ctx, token) => Math.max(1, (token.iiat ?? epochSeconds()) + sessionMaxSeconds - epochSeconds()),
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      revocation: {
        enabled: true,
        // A client revokes only its own tokens. Ours is public (no client authentication), so another client's
        // token is quietly not revoked (RFC 7009 §2.2 lets the server refuse) rather than answered with an error.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true, ...logoutSources },
      deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****', ...deviceSources },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => PLATFORM_API_AUDIENCE,
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          if (resourceIndicator !== PLATFORM_API_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: '',
            audience: PLATFORM_API_AUDIENCE,
            accessTokenTTL: accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALGORITHM } },
          };
        },
      },
    },
    renderError,
  };
  const provider = new Provider(settings.issuer, configuration);
  announcePollInterval(provider);
  return provider;
}
