// The one place the session's effects happen. dispatch(event) asks the rules (./transition.ts) for the next state,
// makes it the session's at once (nothing is awaited first, so no call slips through a lock), then performs the
// effects in the order the rules gave: the token store before any network call, a report before its revocation.
// The I/O of a sign-in (opening the listener, asking the platform who signed in) comes back here as further events.
import type { User } from '../../common/contract.ts';
import { bestEffort, handledElsewhere, inBackground } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { PlatformClient } from '../platform-client.ts';
import { startSignInFlow, type SignInFlow } from '../sign-in/flow.ts';
import type { CallbackPage } from '../sign-in/loopback-callback.ts';
import type { TokenSet } from '../sign-in/oidc.ts';
import { NO_LONGER_WANTED } from '../sign-in/pages.ts';
import { afterRefusal } from '../tokens/stored-sign-in.ts';
import { accountFor, type DetachedTokens, type ProviderSource, type TokenKeeper } from '../tokens/token-keeper.ts';
import type { TokenStore } from '../tokens/token-store.ts';
import { createDeadlineTimer } from './deadline-timer.ts';
import type { SessionReports } from './reports.ts';
import { restoreSession } from './restore.ts';
import { INITIAL_STATE, type Effect, type SessionEvent, type SessionState } from './state.ts';
import type { Transition } from './transition.ts';

/** Tokens that came with an event: a completed sign-in's, or a restored sign-in's (its entry already stored). */
type Arrived = { from: 'sign_in'; tokens: TokenSet } | { from: 'restore'; tokens: TokenSet; previousRefresh: string };

/** What dispatching an event gave the caller. */
export interface Performed {
  /** The request is refused with this (the state did not change). */
  refusal: EnclaveError | null;
  /** Resolves once what the caller waits for is done: tokens stored, or dropped after their report and revoked. */
  settled: Promise<void>;
  /** The browser's page for a sign-in that came back, once it may be shown. */
  page: Promise<CallbackPage> | null;
  /** The authorization URL of a sign-in whose listener is opening (rejects if it cannot open or is no longer wanted). */
  opened: Promise<string> | null;
}

export interface SessionRunnerOptions {
  transition: Transition;
  now: () => number;
  tokens: TokenKeeper;
  reports: SessionReports;
  client: PlatformClient;
  provider: ProviderSource;
  store: TokenStore;
  signInTimeoutMs: number;
  /** Emits 'session.changed' with the session as it is now (not once closed). */
  emit(): void;
  /** Finds the identity provider for a restore, then dispatches 'restore_started' (./restore-attempts.ts). */
  restore(): Promise<void>;
  /** Whether the session manager has closed: a sign-in or restore that completes after that is not taken. */
  closed(): boolean;
  log: (message: string, detail?: unknown) => void;
}

export interface SessionRunner {
  state(): SessionState;
  dispatch(event: SessionEvent, arrived?: Arrived): Performed;
  /** Disarms the deadline and closes every sign-in listener. */
  close(): void;
}

function need(arrived: Arrived | null): Arrived {
  if (arrived === null) throw new EnclaveError('internal', 'A session effect needed tokens that did not come with its event.');
  return arrived;
}

export function createSessionRunner(options: SessionRunnerOptions): SessionRunner {
  const { transition, now, tokens, reports, provider, log } = options;
  let state: SessionState = INITIAL_STATE;
  /** Open sign-in listeners by flow number (the state holds only the number). */
  const flows = new Map<number, SignInFlow>();
  const timer = createDeadlineTimer({
    now,
    fired: (at) => inBackground(dispatch({ type: 'timer_fired', at }).settled, (err) => log('Locking or ending the session failed.', err)),
  });

  function dispatch(event: SessionEvent, arrived?: Arrived): Performed {
    const next = transition(state, event);
    state = next.state;
    return perform(next.effects, arrived ?? null);
  }

  function perform(effects: readonly Effect[], arrived: Arrived | null): Performed {
    let refusal: EnclaveError | null = null;
    let page: Promise<CallbackPage> | null = null;
    let opened: Promise<string> | null = null;
    let forgotten: DetachedTokens | null = null;
    // This list's reports: a revocation or a discard waits for them (the report needs the token still valid).
    let reported: Promise<void> = Promise.resolve();
    const waits: Promise<void>[] = [];
    for (const effect of effects) {
      switch (effect.type) {
        case 'emit':
          options.emit();
          break;
        case 'arm_deadline':
          timer.arm(effect.at);
          break;
        case 'disarm_deadline':
          timer.disarm();
          break;
        case 'open_listener':
          opened = openListener(effect);
          break;
        case 'close_listener':
          flows.get(effect.flow)?.cancel();
          flows.delete(effect.flow);
          break;
        case 'confirm_with_platform':
          page = confirm({ flow: effect.flow, sub: effect.sub, arrived: need(arrived) });
          break;
        case 'keep_arrived':
          waits.push(keep(need(arrived)));
          break;
        case 'forget_tokens':
          forgotten = tokens.detach();
          break;
        case 'report': {
          const { event } = effect;
          if (effect.with === 'arrived') reported = reports.report(event, need(arrived).tokens.accessToken);
          else if (effect.with === 'held') reported = heldToken().then((token) => reports.report(event, token));
          else if (forgotten !== null) reported = forgotten.accessToken().then((token) => reports.report(event, token));
          break;
        }
        case 'revoke_forgotten':
          if (forgotten !== null) waits.push(forgotten.dispose(reported));
          break;
        case 'drop_forgotten':
          if (forgotten !== null) waits.push(removeStored());
          break;
        case 'discard_arrived':
          inBackground(discard(need(arrived), reported), (err) => log('Could not revoke a sign-in that was not kept.', err));
          break;
        case 'restore':
          waits.push(options.restore());
          break;
        case 'renew_stored':
          waits.push(renewStored(effect.attempt));
          break;
        case 'refuse':
          refusal = new EnclaveError(effect.code, effect.message);
          break;
        case 'answer_browser': {
          const shown = effect.page;
          page = Promise.all(waits).then(() => shown);
          break;
        }
      }
    }
    return { refusal, page, opened, settled: Promise.all(waits).then(() => undefined) };
  }

  /** The session's access token for a report (renewed if due), or null if it cannot be had: a report is best effort. */
  function heldToken(): Promise<string | null> {
    return tokens.validAccessToken().catch(() => null);
  }

  /** A store that fails still leaves the user signed in for this run (the fallback store never throws here). */
  function keep(arrived: Arrived): Promise<void> {
    const taking =
      arrived.from === 'restore' ? tokens.take(arrived.tokens, { previousRefresh: arrived.previousRefresh }) : tokens.take(arrived.tokens);
    return taking.catch((err: unknown) => log('Could not keep the sign-in in the token store.', err));
  }

  /** Waits until the stored sign-in is gone (the keeper began removing it when it let the tokens go; removing is idempotent). */
  async function removeStored(): Promise<void> {
    const idp = provider.known();
    if (idp === null) return;
    await options.store.remove(accountFor(idp)).catch((err: unknown) => log('Could not remove the stored sign-in.', err));
  }

  /** Ends tokens nobody keeps at the provider, once `after` (their report) is done; a restore's entry goes too. */
  async function discard(arrived: Arrived, after: Promise<void>): Promise<void> {
    await after;
    const refresh = arrived.tokens.refreshToken;
    if (!refresh) return;
    const idp = await provider.get();
    await bestEffort(idp.revoke(refresh, 'refresh_token'));
    if (arrived.from !== 'restore') return;
    // The restore saved the renewed token: remove the entry, but only while it still holds it (a newer one stays).
    const account = accountFor(idp);
    const next = afterRefusal({ refused: refresh, reread: await options.store.load(account).catch(() => null), retried: true });
    if ('removeEntry' in next && next.removeEntry) await options.store.remove(account);
  }

  /** One restore: the token store's sign-in renewed (./restore.ts), then the rules decide whether it is taken. */
  async function renewStored(attempt: number): Promise<void> {
    const found = await provider.get();
    const outcome = await restoreSession({ provider: found, store: options.store, client: options.client, now: now() });
    if (options.closed()) return; // the stored entry holds the renewed token: the next start restores it
    if (outcome.kind !== 'restored') {
      dispatch({ type: 'restore_failed', attempt, message: outcome.kind === 'refused' ? outcome.message : null });
      return;
    }
    const { saved, user } = outcome;
    const person = { user, sub: saved.sub, signedInAt: Date.parse(saved.signedInAt), sessionEndsAt: Date.parse(saved.sessionEndsAt) };
    await dispatch(
      { type: 'restore_succeeded', attempt, person, at: now() },
      { from: 'restore', tokens: outcome.tokens, previousRefresh: saved.refreshToken },
    ).settled;
  }

  function noLongerWanted(arrived: Arrived): Promise<CallbackPage> {
    return (
      perform([{ type: 'discard_arrived' }, { type: 'answer_browser', page: NO_LONGER_WANTED }], arrived).page ??
      Promise.resolve(NO_LONGER_WANTED)
    );
  }

  async function openListener(effect: Extract<Effect, { type: 'open_listener' }>): Promise<string> {
    const { ticket, unlock, loginHint } = effect;
    let started: SignInFlow;
    try {
      started = await startSignInFlow({
        idp: await provider.get(),
        fresh: unlock,
        ...(loginHint !== null ? { loginHint } : {}),
        timeoutMs: options.signInTimeoutMs,
        onTokens: (set) => returned(ticket, set),
        onFailure: (error, cause) => {
          dispatch({ type: cause === 'timed_out' ? 'sign_in_timed_out' : 'sign_in_failed', flow: ticket, reason: error.message });
        },
      });
    } catch (err) {
      dispatch({ type: 'listener_failed', ticket });
      throw err;
    }
    flows.set(ticket, started);
    handledElsewhere(started.closed.then(() => flows.delete(ticket)));
    if (options.closed()) {
      started.cancel();
      throw new EnclaveError('cancelled', 'A newer sign-in replaced this one.');
    }
    const result = dispatch({ type: 'listener_opened', ticket });
    if (result.refusal !== null) throw result.refusal;
    return started.authorizationUrl;
  }

  /** The browser came back with tokens (onTokens): the rules say whether they are still wanted and whose they are. */
  async function returned(flow: number, set: TokenSet): Promise<CallbackPage> {
    try {
      const claims = set.idClaims;
      if (claims === null) throw new EnclaveError('unauthenticated', 'Sign-in failed: the identity provider sent no ID token.');
      await provider.get();
      const arrived: Arrived = { from: 'sign_in', tokens: set };
      if (options.closed()) return await noLongerWanted(arrived);
      return await (dispatch({ type: 'sign_in_returned', flow, sub: claims.sub, name: claims.name ?? null }, arrived).page ??
        noLongerWanted(arrived));
    } catch (err) {
      const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Sign-in failed unexpectedly.');
      return (await dispatch({ type: 'sign_in_failed', flow, reason: error.message }).page) ?? NO_LONGER_WANTED;
    }
  }

  /** Asks the platform who signed in; the rules take it from there (a sign-out meanwhile wins). */
  async function confirm(pending: { flow: number; sub: string; arrived: Arrived }): Promise<CallbackPage> {
    const { flow, sub, arrived } = pending;
    let user: User;
    try {
      user = await options.client.me({ token: arrived.tokens.accessToken });
    } catch (err) {
      if (options.closed()) return noLongerWanted(arrived);
      const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'The platform did not say who you are.');
      if (error.code === 'enrolment_required') {
        const name = arrived.tokens.idClaims?.name ?? null;
        const enrol = { type: 'enrolment_required', flow, sub, name, reason: error.message, at: now() } as const;
        return (await dispatch(enrol, arrived).page) ?? NO_LONGER_WANTED;
      }
      const refused = { type: 'platform_refused_sign_in', flow, reason: error.message, suspended: error.code === 'suspended' } as const;
      return (await dispatch(refused, arrived).page) ?? NO_LONGER_WANTED;
    }
    if (options.closed()) return noLongerWanted(arrived);
    return (await dispatch({ type: 'sign_in_confirmed', flow, sub, user, at: now() }, arrived).page) ?? NO_LONGER_WANTED;
  }

  return {
    state: () => state,
    dispatch,
    close() {
      timer.stop();
      for (const flow of flows.values()) flow.cancel();
      flows.clear();
    },
  };
}
