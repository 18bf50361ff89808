// The workstation's sign-in state (contract Session): signed_out → signing_in → signed_in ⇄ locked.
// The tokens live here and nowhere else: the access token in memory, the refresh token in the token store (the OS
// keychain, or memory). Every change is emitted as 'session.changed'; sign-in, lock, unlock, sign-out and the end
// of the session are reported to the platform's audit log, best effort, with the token valid at that moment.
import type { Session, User } from '../common/contract.ts';
import { EnclaveError } from '../common/errors.ts';
import type { EventHub } from './event-hub.ts';
import type { IdentityProvider, TokenSet } from './oidc.ts';
import type { CallContext, PlatformClient, PlatformHealth, SessionEventName } from './platform-client.ts';
import { failurePage, startSignInFlow, type SignInFlow } from './sign-in-flow.ts';
import { restoreSession } from './session-restore.ts';
import { createTokenKeeper } from './token-keeper.ts';
import type { StoredSession, TokenStore } from './token-store.ts';
import type { CallbackPage } from './loopback-callback.ts';

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
  signOut(): Promise<Session>;
  lock(): Promise<Session>;
  activity(): void;
  /** Runs a platform call as the signed-in user: refreshes the access token when due and once on a 401. */
  authorized<T>(call: (context: CallContext) => Promise<T>): Promise<T>;
  /** Origins the renderer may send the system browser to (the identity provider's), once known. */
  browserOrigins(): readonly string[];
  /** The platform answered its health check: re-announce the session if its name or mode is news. */
  platformChanged(): void;
  /** The keychain failed and tokens now live in memory only: tell the user (once). */
  storageFellBack(): void;
  close(): void;
}

type Message = Session['message'];

const NO_LONGER_WANTED: CallbackPage = { ok: false, title: 'Sign-in no longer wanted', text: 'Enclave stopped waiting for this sign-in.' };

const MAX_TIMER_MS = 2 ** 31 - 1;

/** "6 s", "15 min", "12 h": how long, in words a person reads at a glance. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round((seconds / 3600) * 10) / 10} h`;
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const now = options.now ?? (() => Date.now());
  const { client, store, hub } = options;
  const log = options.log ?? (() => {});

  let state: Session['state'] = 'signed_out';
  let user: User | null = null;
  let sub: string | null = null;
  let signedInAt: number | null = null;
  let sessionEndsAt: number | null = null;
  let message: Message = null;
  let flow: { flow: SignInFlow; unlock: boolean } | null = null;
  let signInTicket = 0;
  let lastActivity = now();
  let timer: NodeJS.Timeout | undefined;
  let idp: IdentityProvider | null = null;
  let closed = false;

  function snapshot(): Session {
    const health = options.lastHealth();
    const mode = health?.mode === 'demo' || health?.mode === 'production' ? health.mode : null;
    return {
      state,
      user,
      platform: { url: client.url, name: health?.name ?? null, mode },
      issuer: idp?.settings.issuer ?? options.configuredIssuer ?? health?.identity?.issuer ?? null,
      sessionEndsAt: sessionEndsAt === null ? null : new Date(sessionEndsAt).toISOString(),
      idleLockSeconds: options.idleLockSeconds,
      tokenStorage: store.kind,
      message,
    };
  }

  function changed(): void {
    if (!closed) hub.emit('session.changed', snapshot());
  }

  async function provider(): Promise<IdentityProvider> {
    idp ??= await options.identity();
    return idp;
  }

  function record(refresh: string): StoredSession {
    return {
      version: 1,
      refreshToken: refresh,
      sub: sub ?? '',
      signedInAt: new Date(signedInAt ?? now()).toISOString(),
      sessionEndsAt: new Date(sessionEndsAt ?? now()).toISOString(),
    };
  }

  const tokens = createTokenKeeper({
    store,
    provider,
    knownProvider: () => idp,
    recordFor: record,
    expectedSub: () => sub,
    now,
    log,
  });

  // ---- timers: idle lock and the session's end -------------------------------------------------------------

  function schedule(): void {
    clearTimeout(timer);
    timer = undefined;
    if (closed || sessionEndsAt === null || state === 'signed_out') return;
    let due = sessionEndsAt;
    if (state === 'signed_in') due = Math.min(due, lastActivity + options.idleLockSeconds * 1000);
    // setTimeout takes at most 2^31-1 ms (about 24.8 days); a longer bound is re-armed when that fires.
    timer = setTimeout(tick, Math.min(MAX_TIMER_MS, Math.max(0, due - now())));
    timer.unref();
  }

  /**
   * Ends the session or locks it if either is due by the wall clock. Timers alone are not enough: after a suspend
   * they fire late (or not before the next input), so every input and every call asks this first.
   * Returns whether it did.
   */
  function enforceDeadlines(): boolean {
    if (sessionEndsAt !== null && state !== 'signed_out' && now() >= sessionEndsAt) {
      void endSession().catch((err: unknown) => log('Ending the session failed.', err));
      return true;
    }
    if (state === 'signed_in' && now() - lastActivity >= options.idleLockSeconds * 1000) {
      void lockNow('idle').catch((err: unknown) => log('Locking failed.', err));
      return true;
    }
    return false;
  }

  function tick(): void {
    timer = undefined;
    if (!enforceDeadlines()) schedule();
  }

  // ---- tokens and reports -------------------------------------------------------------------------------------

  function refusal(): EnclaveError {
    if (state === 'locked' || (state === 'signing_in' && flow?.unlock)) {
      const who = user ? ` as ${user.displayName}` : '';
      return new EnclaveError('locked', `Enclave is locked. Sign in again${who} to unlock it.`);
    }
    return new EnclaveError('unauthenticated', 'You are not signed in. Sign in to use Enclave.');
  }

  let reports: Promise<void> = Promise.resolve();
  /** Records an event on the platform, in order (a sign-out is never logged before its sign-in), best effort. */
  function report(event: SessionEventName, token: string | null): Promise<void> {
    if (token === null) return reports;
    reports = reports.then(async () => {
      try {
        await client.sessionEvent(event, { token });
      } catch (err) {
        log(`Could not record "${event}" on the platform.`, err);
      }
    });
    return reports;
  }

  /**
   * Drops the tokens at once, then reports the event with the last valid access token (renewed if it had expired),
   * then removes the stored entry and revokes the refresh token.
   */
  async function dropAfterReport(event: SessionEventName | null): Promise<void> {
    const detached = tokens.detach();
    const reported = event === null ? Promise.resolve() : detached.accessToken().then((token) => report(event, token));
    await detached.dispose(reported);
  }

  function stopFlow(): void {
    flow?.flow.cancel();
    flow = null;
  }

  function signedOut(next: Message): void {
    stopFlow();
    state = 'signed_out';
    user = null;
    sub = null;
    signedInAt = null;
    sessionEndsAt = null;
    message = next;
    schedule();
    changed();
  }

  // ---- transitions ---------------------------------------------------------------------------------------------

  async function lockNow(reason: 'idle' | 'asked'): Promise<void> {
    if (state !== 'signed_in') return;
    const idle = duration(options.idleLockSeconds);
    state = 'locked';
    message = {
      kind: 'info',
      text: reason === 'idle' ? `Enclave locked itself after ${idle} without activity. Sign in again to unlock it.` : 'Enclave is locked. Sign in again to unlock it.',
    };
    // Locked before anything is awaited: no call may slip through while the report is on its way.
    const dropping = dropAfterReport('locked');
    schedule();
    changed();
    await dropping;
  }

  async function endSession(): Promise<void> {
    if (state === 'signed_out') return;
    const wasSignedIn = state === 'signed_in';
    const dropping = dropAfterReport(wasSignedIn ? 'session_expired' : null);
    signedOut({ kind: 'info', text: `Your session ended: sessions last at most ${duration(options.sessionMaxSeconds)}. Sign in again to continue.` });
    await dropping;
  }

  /**
   * The browser came back with tokens for `started`. Every await is followed by a check that this flow is still the
   * one wanted: a sign-out or cancel meanwhile means the tokens are revoked and nothing else happens (no state, no
   * stored entry, no audit record).
   */
  async function acceptTokens(set: TokenSet, unlock: boolean, started: SignInFlow): Promise<CallbackPage> {
    const claims = set.idClaims;
    if (claims === null) throw new EnclaveError('unauthenticated', 'Sign-in failed: the identity provider sent no ID token.');
    const provider_ = await provider();
    const discard = () => (set.refreshToken ? provider_.revoke(set.refreshToken, 'refresh_token').catch(() => {}) : Promise.resolve());
    const stillWanted = () => flow?.flow === started && !closed;
    if (!stillWanted()) {
      void discard();
      return NO_LONGER_WANTED;
    }
    if (unlock && claims.sub !== sub) {
      const locked = user?.displayName ?? 'the locked user';
      flow = null;
      state = 'locked';
      message = { kind: 'error', text: `You signed in as someone else (${claims.name ?? claims.sub}). Enclave stays locked: sign in as ${locked}, or sign out.` };
      schedule();
      changed();
      // Recorded with the other person's own token (they are the actor), then their sign-in is ended.
      void report('unlock_refused', set.accessToken).then(discard);
      return { ok: false, title: 'Enclave stays locked', text: `${message.text}` };
    }
    let me: User;
    try {
      me = await client.me({ token: set.accessToken });
    } catch (err) {
      void discard();
      if (!stillWanted()) return NO_LONGER_WANTED;
      const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'The platform did not say who you are.');
      fail(new EnclaveError(error.code, `Signed in at the identity provider, but the platform refused you: ${error.message}`), unlock);
      return failurePage(error);
    }
    if (!stillWanted()) {
      void discard();
      return NO_LONGER_WANTED;
    }
    // From here to changed() nothing is awaited: the session is signed in as one step. A sign-out after it is an
    // ordinary sign-out (the keeper removes the entry again if it was still being written).
    flow = null;
    if (!unlock) {
      signedInAt = now();
      sessionEndsAt = signedInAt + options.sessionMaxSeconds * 1000;
    }
    sub = claims.sub;
    user = me;
    const storing = tokens.take(set);
    lastActivity = now();
    state = 'signed_in';
    message = null;
    schedule();
    changed();
    void report(unlock ? 'unlocked' : 'signed_in', set.accessToken);
    // A store that fails still leaves the user signed in for this run (the fallback store never throws here).
    await storing.catch((err: unknown) => log('Could not keep the sign-in in the token store.', err));
    return { ok: true, title: unlock ? 'Enclave is unlocked' : 'You are signed in', text: 'Return to Enclave: you can close this tab.' };
  }

  function fail(error: EnclaveError, unlock: boolean): void {
    flow = null;
    if (unlock) {
      state = 'locked';
      message = { kind: 'error', text: error.message };
      schedule();
      changed();
    } else {
      signedOut({ kind: 'error', text: error.message });
    }
  }

  // Whether the keychain has been consulted: if the platform was down at start, try again when it answers. One
  // attempt at a time: two would spend the same rotating refresh token twice.
  let restoreTried = false;
  let restoring: Promise<void> | null = null;
  function tryRestore(): Promise<void> {
    if (restoreTried) return Promise.resolve();
    restoring ??= restore()
      .catch((err: unknown) => log('Restoring the session failed.', err))
      .finally(() => {
        restoring = null;
      });
    return restoring;
  }

  async function restore(): Promise<void> {
    let provider_: IdentityProvider;
    try {
      provider_ = await provider();
    } catch (err) {
      log('The identity provider could not be found yet.', err);
      return;
    }
    restoreTried = true;
    const outcome = await restoreSession({ provider: provider_, store, client, now: now() });
    if (closed) return; // the stored entry holds the renewed token: the next start restores it
    if (state !== 'signed_out' || flow !== null) {
      // Someone signed in meanwhile (or is signing in): this older sign-in must not linger.
      if (outcome.kind === 'restored' && outcome.tokens.refreshToken) void provider_.revoke(outcome.tokens.refreshToken, 'refresh_token').catch(() => {});
      return;
    }
    if (outcome.kind === 'nothing') return;
    if (outcome.kind === 'refused') {
      signedOut(outcome.message);
      return;
    }
    const { saved } = outcome;
    sub = saved.sub;
    user = outcome.user;
    signedInAt = Date.parse(saved.signedInAt);
    sessionEndsAt = Date.parse(saved.sessionEndsAt);
    await tokens.take(outcome.tokens, { previousRefresh: saved.refreshToken });
    lastActivity = now();
    state = 'signed_in';
    message = null;
    schedule();
    changed();
  }

  changed();
  const ready = tryRestore();

  return {
    get: snapshot,
    ready,
    async signIn() {
      await ready;
      if (state === 'signed_in') throw new EnclaveError('invalid_input', 'You are already signed in.');
      const unlock = state === 'locked' || (state === 'signing_in' && flow?.unlock === true);
      const ticket = (signInTicket += 1);
      const provider_ = await provider();
      const started = await startSignInFlow({
        idp: provider_,
        fresh: unlock,
        ...(unlock && sub ? { loginHint: sub } : {}),
        timeoutMs: options.signInTimeoutMs,
        onTokens: async (set) => {
          try {
            return await acceptTokens(set, unlock, started);
          } catch (err) {
            const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Sign-in failed unexpectedly.');
            if (flow?.flow !== started) return NO_LONGER_WANTED;
            fail(error, unlock);
            return failurePage(error);
          }
        },
        onFailure: (error) => {
          if (flow?.flow === started) fail(error, unlock);
        },
      });
      // Two clicks on "Sign in" race: only the newest call's flow stays open.
      if (ticket !== signInTicket || closed) {
        started.cancel();
        throw new EnclaveError('cancelled', 'A newer sign-in replaced this one.');
      }
      stopFlow();
      flow = { flow: started, unlock };
      state = 'signing_in';
      if (!unlock) user = null;
      message = null;
      changed();
      return { authorizationUrl: started.authorizationUrl };
    },
    cancelSignIn() {
      if (flow === null) return snapshot();
      const unlock = flow.unlock;
      stopFlow();
      if (unlock) {
        state = 'locked';
        message = { kind: 'info', text: 'Unlocking was cancelled. Enclave is still locked.' };
        schedule();
        changed();
      } else {
        signedOut({ kind: 'info', text: 'Sign-in was cancelled.' });
      }
      return snapshot();
    },
    async signOut() {
      const dropping = dropAfterReport(state === 'signed_in' ? 'signed_out' : null);
      signedOut({ kind: 'info', text: 'You have signed out.' });
      await dropping;
      return snapshot();
    },
    async lock() {
      await lockNow('asked');
      return snapshot();
    },
    activity() {
      // A lock or the session's end that is already due comes first: the first keypress after waking must not
      // postpone it.
      if (enforceDeadlines()) return;
      if (state === 'signed_in') lastActivity = now();
    },
    async authorized(call) {
      enforceDeadlines();
      if (state !== 'signed_in') throw refusal();
      const startedIn = tokens.generation;
      let token: string;
      try {
        token = await tokens.validAccessToken();
      } catch (err) {
        throw await refreshFailed(err, startedIn);
      }
      let value;
      try {
        value = await call({ token });
      } catch (err) {
        if (!(err instanceof EnclaveError && err.code === 'unauthenticated')) throw err;
        // The platform refused the token (revoked, clock skew): renew once and try again.
        try {
          token = await tokens.refresh();
        } catch (refreshError) {
          throw await refreshFailed(refreshError, startedIn);
        }
        value = await call({ token });
      }
      // Locked or signed out while the call ran: its answer is not shown.
      if (state !== 'signed_in' || startedIn !== tokens.generation) throw refusal();
      return value;
    },
    browserOrigins: () => idp?.browserOrigins ?? [],
    storageFellBack() {
      // tokenStorage turns 'memory': the renderer tells the user once, from that field.
      changed();
    },
    platformChanged() {
      if (state === 'signed_out' && flow === null) void tryRestore();
      const shown = hub.current('session.changed')?.platform;
      const next = snapshot().platform;
      if (shown?.name !== next.name || shown?.mode !== next.mode) changed();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      stopFlow();
    },
  };

  async function refreshFailed(err: unknown, startedIn: number): Promise<EnclaveError> {
    const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Renewing the sign-in failed unexpectedly.');
    if (error.code !== 'unauthenticated') return error;
    if (startedIn === tokens.generation && state === 'signed_in') {
      signedOut({ kind: 'error', text: 'Your sign-in is no longer valid (it was revoked or has expired). Sign in again.' });
      await tokens.drop();
    }
    return refusal();
  }
}
