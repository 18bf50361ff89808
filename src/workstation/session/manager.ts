// The workstation's sign-in state (contract Session): signed_out → signing_in → signed_in ⇄ locked (by way of
// enrolling, for someone the platform does not know yet), as a value
// (./state.ts) moved by pure rules (./transition.ts) whose effects one runner performs (./runner.ts). The tokens live
// here and nowhere else: the access token in memory, the refresh token in the token store (the OS keychain, or
// memory). Every change is emitted as 'session.changed'; sign-in, lock, unlock, sign-out and the end of the session
// are reported to the platform's audit log, best effort, with the token valid at that moment.
import type { Session, User } from '../../common/contract.ts';
import { inBackground } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { EventHub } from '../event-hub.ts';
import type { CallContext, PlatformClient, PlatformHealth } from '../platform-client.ts';
import type { IdentityProvider } from '../sign-in/oidc.ts';
import { createTokenKeeper, type ProviderSource } from '../tokens/token-keeper.ts';
import type { TokenStore } from '../tokens/token-store.ts';
import { createAuthorizedCalls } from './authorized-calls.ts';
import { createSessionReports } from './reports.ts';
import { createRestoreAttempts } from './restore-attempts.ts';
import { createSessionRunner, type Performed } from './runner.ts';
import { boundsOf, describeState, refusalOf } from './state.ts';
import { createTransition } from './transition.ts';

export interface SessionManagerOptions {
  platformUrl: string;
  hub: EventHub;
  client: PlatformClient;
  lastHealth(): PlatformHealth | undefined;
  /** The identity provider, discovered on first use (a rejected promise is retried on the next use). */
  identity(): Promise<IdentityProvider>;
  /** The issuer when it is configured (shown before discovery). */
  configuredIssuer: string | null;
  store: TokenStore;
  idleLockSeconds: number;
  sessionMaxSeconds: number;
  signInTimeoutMs: number;
  now?: () => number;
  log?: (message: string, detail?: unknown) => void;
}

export interface SessionManager {
  get(): Session;
  /** Resolves once the start-up restore (from the keychain) has been tried. */
  ready: Promise<void>;
  signIn(): Promise<{ authorizationUrl: string }>;
  cancelSignIn(): Session;
  /** `declinedTerms`: the person declined the terms of use (recorded by the platform, which ended the sign-in). */
  signOut(options?: { declinedTerms?: boolean }): Promise<Session>;
  lock(): Promise<Session>;
  activity(): void;
  /**
   * Someone the platform does not know yet (enrolling) sends their enrolment code: `send` makes the call with their
   * token and answers who the platform says they are; then they are signed in. Refused in any other state.
   */
  enrol(send: (context: CallContext) => Promise<User>): Promise<Session>;
  /** Runs a platform call as the signed-in user: refreshes the access token when due and once on a 401. */
  authorized<T>(call: (context: CallContext) => Promise<T>): Promise<T>;
  /**
   * Who is signed in, as the identity provider names them (its issuer and their `sub`): whose local workspace a call
   * may use. Throws as a platform call would be refused (locked, not signed in); a lock that is due comes first.
   */
  owner(): { issuer: string; sub: string };
  /** Origins the renderer may send the system browser to (the identity provider's), once known. */
  browserOrigins(): readonly string[];
  /** The platform answered its health check: re-announce the session if its name or mode is news. */
  platformChanged(): void;
  /** The keychain failed and tokens now live in memory only: tell the user (once). */
  storageFellBack(): void;
  close(): void;
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const now = options.now ?? (() => Date.now());
  const { client, store, hub } = options;
  const log = options.log ?? (() => {});
  let idp: IdentityProvider | null = null;
  let closed = false;
  let tickets = 0;

  const provider: ProviderSource = {
    async get() {
      idp ??= await options.identity();
      return idp;
    },
    known: () => idp,
  };

  function snapshot(): Session {
    const health = options.lastHealth();
    const mode = health?.mode === 'demo' || health?.mode === 'production' ? health.mode : null;
    const { state, user, sessionEndsAt, message } = describeState(runner.state());
    return {
      state,
      user,
      platform: { url: client.url, name: health?.name ?? null, mode },
      issuer: idp?.settings.issuer ?? options.configuredIssuer ?? health?.identity?.issuer ?? null,
      sessionEndsAt,
      idleLockSeconds: options.idleLockSeconds,
      tokenStorage: store.kind,
      message,
    };
  }

  const tokens = createTokenKeeper({ store, provider, holder: () => boundsOf(runner.state()), now, log });

  const tryRestore = createRestoreAttempts({
    provider: () => provider.get(),
    attempt: async (attempt) => {
      await runner.dispatch({ type: 'restore_started', attempt }).settled;
    },
    log,
  });

  const runner = createSessionRunner({
    transition: createTransition({ idleLockSeconds: options.idleLockSeconds, sessionMaxSeconds: options.sessionMaxSeconds }),
    now,
    tokens,
    reports: createSessionReports({ client, log }),
    client,
    provider,
    store,
    signInTimeoutMs: options.signInTimeoutMs,
    emit() {
      if (!closed) hub.emit('session.changed', snapshot());
    },
    restore: tryRestore,
    closed: () => closed,
    log,
  });

  function refusal(): EnclaveError | null {
    const state = runner.state();
    if (state.kind === 'signed_in') return null;
    const { code, message } = refusalOf(state);
    return new EnclaveError(code, message);
  }

  /** A lock or the session's end the wall clock made due runs on: nobody waits for its report. */
  function performInBackground(performed: Performed): void {
    inBackground(performed.settled, (err) => log('Locking or ending the session failed.', err));
  }

  /** A call is starting: the wall clock is asked first (a due lock or end comes before it); null if it may go on. */
  function admit(): EnclaveError | null {
    performInBackground(runner.dispatch({ type: 'call_started', at: now() }));
    return refusal();
  }

  const authorized = createAuthorizedCalls({
    tokens,
    gate: {
      admit,
      refusal,
      async refreshFailed(sameTokens) {
        await runner.dispatch({ type: 'refresh_failed', sameTokens }).settled;
      },
      async suspended(message, sameTokens) {
        await runner.dispatch({ type: 'suspended', message, sameTokens }).settled;
      },
    },
  });

  const ready = runner.dispatch({ type: 'started' }).settled;

  /** The enrolment call, with the held token; renewed once if the platform refuses it. A refused renewal ends it all. */
  async function sendEnrolment(send: (context: CallContext) => Promise<User>, startedIn: number): Promise<User> {
    const renewalRefused = async (err: unknown): Promise<never> => {
      if (err instanceof EnclaveError && err.code === 'unauthenticated')
        await runner.dispatch({ type: 'refresh_failed', sameTokens: startedIn === tokens.generation }).settled;
      throw err;
    };
    const token = await tokens.validAccessToken().catch(renewalRefused);
    try {
      return await send({ token });
    } catch (err) {
      if (!(err instanceof EnclaveError && err.code === 'unauthenticated')) throw err;
      return send({ token: await tokens.refresh().catch(renewalRefused) });
    }
  }

  async function enrol(send: (context: CallContext) => Promise<User>): Promise<Session> {
    const state = runner.state();
    if (state.kind !== 'enrolling') {
      const why =
        state.kind === 'signed_in' || state.kind === 'locked'
          ? 'You are enrolled already.'
          : 'Sign in first: the code goes with your sign-in.';
      throw new EnclaveError('invalid_input', why);
    }
    const startedIn = tokens.generation;
    const user = await sendEnrolment(send, startedIn);
    // Signed out meanwhile: the platform took the code all the same, so the next sign-in finds the person known.
    if (startedIn !== tokens.generation || runner.state() !== state)
      throw new EnclaveError('cancelled', 'The platform accepted your enrolment code, but you signed out meanwhile. Sign in again.');
    await runner.dispatch({ type: 'enrolled', sub: state.sub, user, at: now() }).settled;
    return snapshot();
  }

  return {
    get: snapshot,
    ready,
    async signIn() {
      await ready;
      tickets += 1;
      const requested = runner.dispatch({ type: 'sign_in_requested', ticket: tickets });
      if (requested.refusal !== null) throw requested.refusal;
      if (requested.opened === null) throw new EnclaveError('internal', 'The sign-in did not start.');
      return { authorizationUrl: await requested.opened };
    },
    cancelSignIn() {
      runner.dispatch({ type: 'sign_in_cancelled' });
      return snapshot();
    },
    async signOut(options = {}) {
      await runner.dispatch({ type: 'sign_out', ...(options.declinedTerms === true ? { declinedTerms: true } : {}) }).settled;
      return snapshot();
    },
    async lock() {
      await runner.dispatch({ type: 'lock' }).settled;
      return snapshot();
    },
    activity() {
      performInBackground(runner.dispatch({ type: 'user_input', at: now() }));
    },
    enrol,
    authorized,
    owner() {
      const refused = admit();
      if (refused !== null) throw refused;
      const state = runner.state();
      const issuer = idp?.settings.issuer;
      // Signed in means the provider was found: a sign-in or restore needs it.
      if (state.kind !== 'signed_in' || issuer === undefined)
        throw new EnclaveError('unauthenticated', 'You are not signed in. Sign in to use Enclave.');
      return { issuer, sub: state.sub };
    },
    browserOrigins: () => idp?.browserOrigins ?? [],
    storageFellBack() {
      runner.dispatch({ type: 'keychain_fell_back' });
    },
    platformChanged() {
      const shown = hub.current('session.changed')?.platform;
      const next = snapshot().platform;
      runner.dispatch({ type: 'platform_changed', news: shown?.name !== next.name || shown?.mode !== next.mode });
    },
    close() {
      closed = true;
      runner.close();
    },
  };
}
