// The session's rules: transition(state, event) → the next state and the effects to perform, in order. Pure (no
// I/O, no timers, no clock: times come in the events), so every state × event is tested as a table
// (test/unit/workstation/session/transitions.test.ts). Work that outlives a state (a listener opening, a sign-in
// being confirmed, a restore) carries the ticket, flow or attempt it began with, and its result counts only while
// the state still holds that number: a sign-out, a lock or a newer sign-in wins over anything in flight.
import { boundsFrom } from '../tokens/stored-sign-in.ts';
import type { CallbackPage } from '../sign-in/loopback-callback.ts';
import { failurePage, NO_LONGER_WANTED, signedInPage, staysLockedPage } from '../sign-in/pages.ts';
import {
  boundsOf,
  deadlineOf,
  duration,
  personOf,
  type Effect,
  type Message,
  type Next,
  type SessionEvent,
  type SessionState,
  type SignedOut,
  type SigningIn,
} from './state.ts';

export interface SessionLimits {
  idleLockSeconds: number;
  sessionMaxSeconds: number;
}

export type Transition = (state: SessionState, event: SessionEvent) => Next;

const unchanged = (state: SessionState): Next => ({ state, effects: [] });

const DECLINED_TERMS = 'You declined the terms of use, so Enclave signed you out. Sign in again when you are ready to accept them.';

/** The browser's page for someone the platform does not know yet: the code is entered in Enclave, not here. */
export const ENROL_IN_ENCLAVE_PAGE: CallbackPage = {
  ok: true,
  title: 'Enter your enrolment code in Enclave',
  text: 'You are signed in, but the platform does not know you yet. Return to Enclave and enter the enrolment code your administrator sent you.',
};

/** Signed out after a sign-in, sign-out or lock: nothing of an earlier run is restored any more. */
function signedOut(message: Message, opening: number | null = null): SignedOut {
  return { kind: 'signed_out', message, restore: 'done', opening };
}

const restoring = (state: SessionState, attempt: number): state is SignedOut =>
  state.kind === 'signed_out' && state.opening === null && typeof state.restore === 'object' && state.restore.attempt === attempt;

export function createTransition(limits: SessionLimits): Transition {
  const info = (text: string): Message => ({ kind: 'info', text });
  const error = (text: string): Message => ({ kind: 'error', text });

  /** Re-arms the one deadline timer for the state (or disarms it when the state has no deadline). */
  function deadline(state: SessionState): Effect {
    const at = deadlineOf(state, limits.idleLockSeconds);
    return at === null ? { type: 'disarm_deadline' } : { type: 'arm_deadline', at };
  }

  /**
   * The session's tokens go: taken away and the stored entry removed first, then (signed in only) the event is
   * reported with them, then the refresh token is revoked. A sign-in under way stops.
   */
  function endWith(state: SessionState, next: SessionState, report: 'signed_out' | 'session_expired' | 'locked' | null): Next {
    const effects: Effect[] = [{ type: 'forget_tokens' }];
    if (report !== null && state.kind === 'signed_in') effects.push({ type: 'report', event: report, with: 'forgotten' });
    effects.push({ type: 'revoke_forgotten' });
    if (state.kind === 'signing_in') effects.push({ type: 'close_listener', flow: state.flow });
    effects.push(deadline(next), { type: 'emit' });
    return { state: next, effects };
  }

  function lock(state: SessionState, text: string): Next {
    if (state.kind !== 'signed_in') return unchanged(state);
    const { user, sub, signedInAt, sessionEndsAt } = state;
    return endWith(state, { kind: 'locked', user, sub, signedInAt, sessionEndsAt, message: info(text), opening: null }, 'locked');
  }

  /** The wall clock says the session's end or the idle lock is due (or neither: null). */
  function enforceDeadlines(state: SessionState, at: number): Next | null {
    const bounds = boundsOf(state);
    if (bounds !== null && at >= bounds.sessionEndsAt) {
      const ended = info(`Your session ended: sessions last at most ${duration(limits.sessionMaxSeconds)}. Sign in again to continue.`);
      return endWith(state, signedOut(ended), 'session_expired');
    }
    if (state.kind === 'signed_in' && at - state.lastActivity >= limits.idleLockSeconds * 1000) {
      return lock(state, `Enclave locked itself after ${duration(limits.idleLockSeconds)} without activity. Sign in again to unlock it.`);
    }
    return null;
  }

  /**
   * An administrator suspended the person: the session ends at once and its tokens are forgotten (the stored entry
   * too), with no report and no revocation: the platform refuses the person anyway and has ended their sign-ins.
   */
  function suspendedBy(state: SessionState, text: string): Next {
    if (state.kind !== 'signed_in') return unchanged(state);
    const next = signedOut({ kind: 'suspended', text });
    return { state: next, effects: [{ type: 'forget_tokens' }, { type: 'drop_forgotten' }, deadline(next), { type: 'emit' }] };
  }

  /** Moves to `next`, which holds no tokens: its deadline armed, and announced. */
  const settle = (next: SessionState): Next => ({ state: next, effects: [deadline(next), { type: 'emit' }] });

  /** A sign-in or unlock ended without signing anyone in: an unlock stays locked, a sign-in signs out. */
  function failed(state: SigningIn, message: Message): Next {
    return settle(
      state.unlocking ? { ...state.unlocking, kind: 'locked', message, opening: state.opening } : signedOut(message, state.opening),
    );
  }

  const isFlow = (state: SessionState, flow: number): state is SigningIn => state.kind === 'signing_in' && state.flow === flow;

  /** Tokens came back for a sign-in nobody waits for any more: they are revoked, nothing else happens. */
  const notWanted = (state: SessionState): Next => ({
    state,
    effects: [{ type: 'discard_arrived' }, { type: 'answer_browser', page: NO_LONGER_WANTED }],
  });

  function signIn(state: SessionState, ticket: number): Next {
    if (state.kind === 'signed_in')
      return { state, effects: [{ type: 'refuse', code: 'invalid_input', message: 'You are already signed in.' }] };
    // Its tokens would be left behind: enrol, or sign out and then sign in as someone else.
    if (state.kind === 'enrolling')
      return { state, effects: [{ type: 'refuse', code: 'invalid_input', message: 'Enter your enrolment code, or sign out first.' }] };
    const person = personOf(state);
    // Someone asked to sign in: a restore under way is not taken any more.
    const opening: SessionState =
      state.kind === 'signed_out' ? { ...state, opening: ticket, restore: 'done' } : { ...state, opening: ticket };
    return { state: opening, effects: [{ type: 'open_listener', ticket, unlock: person !== null, loginHint: person?.sub ?? null }] };
  }

  function opened(state: SessionState, ticket: number): Next {
    if (state.kind === 'signed_in' || state.opening !== ticket) {
      const replaced = state.kind !== 'signed_in' && state.opening !== null;
      const message = replaced
        ? 'A newer sign-in replaced this one.'
        : 'This sign-in stopped before it began: Enclave signed out or signed in meanwhile.';
      return {
        state,
        effects: [
          { type: 'close_listener', flow: ticket },
          { type: 'refuse', code: 'cancelled', message },
        ],
      };
    }
    const next: SessionState = { kind: 'signing_in', flow: ticket, unlocking: personOf(state), opening: null };
    const effects: Effect[] = state.kind === 'signing_in' ? [{ type: 'close_listener', flow: state.flow }] : [];
    return { state: next, effects: [...effects, { type: 'emit' }] };
  }

  function returned(state: SessionState, event: Extract<SessionEvent, { type: 'sign_in_returned' }>): Next {
    if (!isFlow(state, event.flow)) return notWanted(state);
    const locked = state.unlocking;
    if (locked === null || event.sub === locked.sub)
      return { state, effects: [{ type: 'confirm_with_platform', flow: event.flow, sub: event.sub }] };
    const text = `You signed in as someone else (${event.name ?? event.sub}). Enclave stays locked: sign in as ${locked.user.displayName}, or sign out.`;
    const next: SessionState = { ...locked, kind: 'locked', message: error(text), opening: state.opening };
    // Recorded with the other person's own token (they are the actor), then their sign-in is ended.
    return {
      state: next,
      effects: [
        deadline(next),
        { type: 'emit' },
        { type: 'report', event: 'unlock_refused', with: 'arrived' },
        { type: 'discard_arrived' },
        { type: 'answer_browser', page: staysLockedPage(text) },
      ],
    };
  }

  function confirmed(state: SessionState, event: Extract<SessionEvent, { type: 'sign_in_confirmed' }>): Next {
    if (!isFlow(state, event.flow)) return notWanted(state);
    const unlock = state.unlocking !== null;
    const bounds = state.unlocking ?? boundsFrom(event.at, limits.sessionMaxSeconds);
    const next: SessionState = {
      kind: 'signed_in',
      user: event.user,
      sub: event.sub,
      signedInAt: bounds.signedInAt,
      sessionEndsAt: bounds.sessionEndsAt,
      lastActivity: event.at,
    };
    return {
      state: next,
      effects: [
        { type: 'keep_arrived' },
        deadline(next),
        { type: 'emit' },
        { type: 'report', event: unlock ? 'unlocked' : 'signed_in', with: 'arrived' },
        { type: 'answer_browser', page: signedInPage(unlock) },
      ],
    };
  }

  /**
   * Signed in at the identity provider as someone the platform does not know: their tokens are kept (with the bounds of
   * a new session) for the one call they may make, the enrolment. An unlock is a known person's: it fails as a refusal.
   */
  function enrolmentRequired(state: SessionState, event: Extract<SessionEvent, { type: 'enrolment_required' }>): Next {
    if (!isFlow(state, event.flow)) return notWanted(state);
    if (state.unlocking !== null) {
      const next = failed(state, error(`Signed in at the identity provider, but the platform refused you: ${event.reason}`));
      return {
        state: next.state,
        effects: [{ type: 'discard_arrived' }, ...next.effects, { type: 'answer_browser', page: failurePage(event.reason) }],
      };
    }
    const { signedInAt, sessionEndsAt } = boundsFrom(event.at, limits.sessionMaxSeconds);
    const next: SessionState = {
      kind: 'enrolling',
      sub: event.sub,
      name: event.name,
      signedInAt,
      sessionEndsAt,
      message: info(event.reason),
      opening: null,
    };
    return {
      state: next,
      effects: [{ type: 'keep_arrived' }, deadline(next), { type: 'emit' }, { type: 'answer_browser', page: ENROL_IN_ENCLAVE_PAGE }],
    };
  }

  /** The platform took the code: the person is signed in, within the bounds the sign-in began. */
  function enrolled(state: SessionState, event: Extract<SessionEvent, { type: 'enrolled' }>): Next {
    if (state.kind !== 'enrolling' || state.sub !== event.sub) return unchanged(state);
    const { sub, signedInAt, sessionEndsAt } = state;
    const next: SessionState = { kind: 'signed_in', user: event.user, sub, signedInAt, sessionEndsAt, lastActivity: event.at };
    return { state: next, effects: [deadline(next), { type: 'emit' }, { type: 'report', event: 'signed_in', with: 'held' }] };
  }

  function restored(state: SessionState, event: Extract<SessionEvent, { type: 'restore_succeeded' }>): Next {
    // Only the attempt begun in this very signed-out spell: a sign-in, sign-out or lock since then wins.
    if (!restoring(state, event.attempt)) return { state, effects: [{ type: 'discard_arrived' }] };
    const { user, sub, signedInAt, sessionEndsAt } = event.person;
    const next: SessionState = { kind: 'signed_in', user, sub, signedInAt, sessionEndsAt, lastActivity: event.at };
    return { state: next, effects: [{ type: 'keep_arrived' }, deadline(next), { type: 'emit' }] };
  }

  return function transition(state, event) {
    switch (event.type) {
      case 'started':
        return {
          state,
          effects:
            state.kind === 'signed_out' && state.restore === 'not_tried' ? [{ type: 'emit' }, { type: 'restore' }] : [{ type: 'emit' }],
        };
      case 'sign_in_requested':
        return signIn(state, event.ticket);
      case 'listener_opened':
        return opened(state, event.ticket);
      case 'listener_failed':
        return state.kind !== 'signed_in' && state.opening === event.ticket
          ? { state: { ...state, opening: null }, effects: [] }
          : unchanged(state);
      case 'sign_in_returned':
        return returned(state, event);
      case 'sign_in_confirmed':
        return confirmed(state, event);
      case 'enrolment_required':
        return enrolmentRequired(state, event);
      case 'enrolled':
        return enrolled(state, event);
      case 'platform_refused_sign_in': {
        if (!isFlow(state, event.flow)) return notWanted(state);
        // Suspended: not even an unlock stays locked (the lock screen would keep a workspace the person may not use).
        const next =
          event.suspended === true
            ? settle(signedOut({ kind: 'suspended', text: event.reason }, state.opening))
            : failed(state, error(`Signed in at the identity provider, but the platform refused you: ${event.reason}`));
        return {
          state: next.state,
          effects: [{ type: 'discard_arrived' }, ...next.effects, { type: 'answer_browser', page: failurePage(event.reason) }],
        };
      }
      case 'sign_in_failed': {
        if (!isFlow(state, event.flow)) return { state, effects: [{ type: 'answer_browser', page: NO_LONGER_WANTED }] };
        const next = failed(state, error(event.reason));
        return { state: next.state, effects: [...next.effects, { type: 'answer_browser', page: failurePage(event.reason) }] };
      }
      case 'sign_in_timed_out':
        return isFlow(state, event.flow) ? failed(state, error(event.reason)) : unchanged(state);
      case 'sign_in_cancelled': {
        if (state.kind !== 'signing_in') return unchanged(state);
        const next = failed(state, info(state.unlocking ? 'Unlocking was cancelled. Enclave is still locked.' : 'Sign-in was cancelled.'));
        return { state: next.state, effects: [{ type: 'close_listener', flow: state.flow }, ...next.effects] };
      }
      case 'sign_out':
        return event.declinedTerms === true
          ? endWith(state, signedOut(info(DECLINED_TERMS)), null)
          : endWith(state, signedOut(info('You have signed out.')), 'signed_out');
      case 'lock':
        return lock(state, 'Enclave is locked. Sign in again to unlock it.');
      case 'timer_fired':
        return enforceDeadlines(state, event.at) ?? { state, effects: [deadline(state)] };
      case 'user_input': {
        // A lock or the session's end that is already due comes first: the first keypress after waking must not
        // postpone it.
        const enforced = enforceDeadlines(state, event.at);
        if (enforced !== null || state.kind !== 'signed_in') return enforced ?? unchanged(state);
        const next: SessionState = { ...state, lastActivity: event.at };
        return { state: next, effects: [deadline(next)] };
      }
      case 'call_started':
        return enforceDeadlines(state, event.at) ?? unchanged(state);
      case 'refresh_failed':
        if ((state.kind !== 'signed_in' && state.kind !== 'enrolling') || !event.sameTokens) return unchanged(state);
        return endWith(state, signedOut(error('Your sign-in is no longer valid (it was revoked or has expired). Sign in again.')), null);
      case 'suspended':
        return event.sameTokens ? suspendedBy(state, event.message) : unchanged(state);
      case 'restore_started':
        if (state.kind !== 'signed_out' || state.restore !== 'not_tried' || state.opening !== null) return unchanged(state);
        return { state: { ...state, restore: { attempt: event.attempt } }, effects: [{ type: 'renew_stored', attempt: event.attempt }] };
      case 'restore_succeeded':
        return restored(state, event);
      case 'restore_failed': {
        if (!restoring(state, event.attempt)) return unchanged(state);
        if (event.message === null) return { state: { ...state, restore: 'done' }, effects: [] };
        const next = signedOut(event.message);
        return { state: next, effects: [deadline(next), { type: 'emit' }] };
      }
      case 'keychain_fell_back':
        // tokenStorage turns 'memory': the renderer tells the user once, from that field.
        return { state, effects: [{ type: 'emit' }] };
      case 'platform_changed': {
        // The identity provider may be found now: try the store, if this spell still may.
        const effects: Effect[] = state.kind === 'signed_out' && state.restore === 'not_tried' ? [{ type: 'restore' }] : [];
        if (event.news) effects.push({ type: 'emit' });
        return { state, effects };
      }
    }
  };
}
