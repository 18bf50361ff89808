// The workstation's sign-in state (contract Session): signed_out → signing_in → signed_in ⇄ locked.
// The tokens live here and nowhere else: the access token in memory, the refresh token in the token store (the OS
// keychain, or memory). Every change is emitted as 'session.changed'; sign-in, lock, unlock, sign-out and the end
// of the session are reported to the platform's audit log, best effort, with the token valid at that moment.
import type { Session, User } from '../common/contract.ts';
import { EnclaveError } from '../common/errors.ts';
import type { EventHub } from './event-hub.ts';
import type { IdentityProvider, TokenSet } from './oidc.ts';
import type { CallContext, PlatformClient, PlatformHealth } from './platform-client.ts';
import { failurePage, startSignInFlow, type SignInFlow } from './sign-in-flow.ts';
import { createTokenKeeper } from './token-keeper.ts';
import type { StoredSession, TokenStore } from './token-store.ts';
import { createSessionDeadlines } from './session-deadlines.ts';
import { createSessionReports } from './session-reports.ts';
import { acceptSignIn, NO_LONGER_WANTED } from './sign-in-acceptance.ts';
import { createAuthorizedCalls } from './authorized-calls.ts';
import { createRestoreAttempts, type RestoredSignIn } from './restore-attempts.ts';

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
  const deadlines = createSessionDeadlines({
    now,
    idleLockSeconds: options.idleLockSeconds,
    current: () => ({ state, sessionEndsAt }),
    endSession: () => endSession(),
    lockIdle: () => lockNow('idle'),
    log,
  });
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

  const tokens = createTokenKeeper({
    store,
    provider,
    knownProvider: () => idp,
    recordFor: (refresh): StoredSession => ({
      version: 1,
      refreshToken: refresh,
      sub: sub ?? '',
      signedInAt: new Date(signedInAt ?? now()).toISOString(),
      sessionEndsAt: new Date(sessionEndsAt ?? now()).toISOString(),
    }),
    expectedSub: () => sub,
    now,
    log,
  });

  const { report, dropAfterReport } = createSessionReports({ client, tokens, log });

  function refusal(): EnclaveError {
    if (state === 'locked' || (state === 'signing_in' && flow?.unlock)) {
      const who = user ? ` as ${user.displayName}` : '';
      return new EnclaveError('locked', `Enclave is locked. Sign in again${who} to unlock it.`);
    }
    return new EnclaveError('unauthenticated', 'You are not signed in. Sign in to use Enclave.');
  }

  // ---- transitions ---------------------------------------------------------------------------------------------

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
    deadlines.schedule();
    changed();
  }

  /** An unlock did not happen (cancelled, failed, refused): Enclave stays locked, saying why. */
  function stayLocked(next: Message): void {
    state = 'locked';
    message = next;
    deadlines.schedule();
    changed();
  }

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
    deadlines.schedule();
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
   * A completed sign-in (or unlock) was accepted: from here to changed() nothing is awaited, the session is signed in
   * as one step. A sign-out after it is an ordinary sign-out (the keeper removes the entry again if it was still
   * being written). Resolves once the refresh token is stored.
   */
  function enterSignedIn(accepted: { sub: string; user: User; set: TokenSet }, unlock: boolean): Promise<void> {
    flow = null;
    if (!unlock) {
      signedInAt = now();
      sessionEndsAt = signedInAt + options.sessionMaxSeconds * 1000;
    }
    sub = accepted.sub;
    user = accepted.user;
    const storing = tokens.take(accepted.set);
    deadlines.touch();
    state = 'signed_in';
    message = null;
    deadlines.schedule();
    changed();
    return storing;
  }

  /** A sign-in or unlock failed (or was refused): an unlock leaves Enclave locked, a sign-in leaves it signed out. */
  function fail(text: string, unlock: boolean): void {
    flow = null;
    if (unlock) stayLocked({ kind: 'error', text });
    else signedOut({ kind: 'error', text });
  }

  /** An earlier sign-in from the token store, renewed: it becomes the session once its tokens are taken. */
  async function enterRestored(restored: RestoredSignIn): Promise<void> {
    const { saved } = restored;
    sub = saved.sub;
    user = restored.user;
    signedInAt = Date.parse(saved.signedInAt);
    sessionEndsAt = Date.parse(saved.sessionEndsAt);
    await tokens.take(restored.tokens, { previousRefresh: saved.refreshToken });
    deadlines.touch();
    state = 'signed_in';
    message = null;
    deadlines.schedule();
    changed();
  }

  const tryRestore = createRestoreAttempts({
    provider,
    store,
    client,
    now,
    closed: () => closed,
    vacant: () => state === 'signed_out' && flow === null,
    refused: signedOut,
    restored: enterRestored,
    log,
  });

  const authorized = createAuthorizedCalls({
    tokens,
    signedIn: () => state === 'signed_in',
    enforceDeadlines: () => deadlines.enforce(),
    refusal,
    invalidated: () => signedOut({ kind: 'error', text: 'Your sign-in is no longer valid (it was revoked or has expired). Sign in again.' }),
  });

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
            return await acceptSignIn({
              set,
              unlock,
              stillWanted: () => flow?.flow === started && !closed,
              lockedAs: () => ({ sub, user }),
              provider,
              client,
              report,
              fail: (text) => fail(text, unlock),
              enter: (accepted) => enterSignedIn(accepted, unlock),
              log,
            });
          } catch (err) {
            const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Sign-in failed unexpectedly.');
            if (flow?.flow !== started) return NO_LONGER_WANTED;
            fail(error.message, unlock);
            return failurePage(error);
          }
        },
        onFailure: (error) => {
          if (flow?.flow === started) fail(error.message, unlock);
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
      if (unlock) stayLocked({ kind: 'info', text: 'Unlocking was cancelled. Enclave is still locked.' });
      else signedOut({ kind: 'info', text: 'Sign-in was cancelled.' });
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
      if (deadlines.enforce()) return;
      if (state === 'signed_in') deadlines.touch();
    },
    authorized,
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
      deadlines.stop();
      stopFlow();
    },
  };
}
