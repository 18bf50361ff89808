// The workstation's session as a value: which of five states it is in, each carrying only what that state has, the
// events that move it, and the effects a move asks for (./transition.ts decides, ./runner.ts performs). No tokens:
// they stay in the token keeper, so a session value can be shown, compared and tested freely.
import type { Session, User } from '../../common/contract.ts';
import type { SessionEventName } from '../platform-client.ts';
import type { CallbackPage } from '../sign-in/loopback-callback.ts';
import type { SignInBounds } from '../tokens/stored-sign-in.ts';

export type Message = Session['message'];

/** A person with a session: who, and its bounds (epoch ms). A lock and an unlock keep all of it. */
export interface Person extends SignInBounds {
  user: User;
}

export interface SignedOut {
  kind: 'signed_out';
  message: Message;
  /**
   * Restoring a sign-in of an earlier run from the token store. Only the run's first signed-out spell may: once
   * anyone signs in or out here, the store holds nothing of an earlier run (a sign-out or lock is removing what this
   * run stored), so it is 'done'. `attempt`: the attempt under way, the only one whose result may be taken.
   */
  restore: 'not_tried' | { attempt: number } | 'done';
  /** A sign-in whose loopback listener is being opened (the newest asked for). */
  opening: number | null;
}

export interface SigningIn {
  kind: 'signing_in';
  /** The sign-in under way: its loopback listener is open. */
  flow: number;
  /** Whose locked session this sign-in unlocks (then it must be the same person); null for a first sign-in. */
  unlocking: Person | null;
  opening: number | null;
}

export interface SignedIn extends Person {
  kind: 'signed_in';
  /** The last input (epoch ms): the idle lock counts from here. */
  lastActivity: number;
}

export interface Locked extends Person {
  kind: 'locked';
  message: Message;
  opening: number | null;
}

/**
 * Signed in at the identity provider, but the platform does not know the person yet (an external identity provider):
 * the tokens are held so that the one-time enrolment code can be sent with them, and nothing else is allowed. The
 * bounds are the sign-in's: enrolling does not extend the session.
 */
export interface Enrolling extends SignInBounds {
  kind: 'enrolling';
  /** The name the identity provider gave, if any (the platform has none yet). */
  name: string | null;
  message: Message;
  /** No sign-in opens from here (sign out first): always null, so a listener opened meanwhile is stopped. */
  opening: null;
}

export type SessionState = SignedOut | SigningIn | SignedIn | Locked | Enrolling;

export const INITIAL_STATE: SessionState = { kind: 'signed_out', message: null, restore: 'not_tried', opening: null };

/** What happens to a session. Times (epoch ms) come in the event: the rules never read a clock. */
export type SessionEvent =
  /** The workstation started: announce the session, try the token store. */
  | { type: 'started' }
  | { type: 'sign_in_requested'; ticket: number }
  | { type: 'listener_opened'; ticket: number }
  /** The provider could not be found or the listener could not open: the caller is told why. */
  | { type: 'listener_failed'; ticket: number }
  /** A sign-in's browser came back with tokens that passed the flow's checks; the platform has not been asked yet. */
  | { type: 'sign_in_returned'; flow: number; sub: string; name: string | null }
  /** The platform says who signed in. */
  | { type: 'sign_in_confirmed'; flow: number; sub: string; user: User; at: number }
  /** The platform does not know who signed in (`reason`: its words): they enrol with the code their administrator sent. */
  | { type: 'enrolment_required'; flow: number; sub: string; name: string | null; reason: string; at: number }
  /** The platform accepted the enrolment code of the person enrolling (`sub`), and answers who they are now. */
  | { type: 'enrolled'; sub: string; user: User; at: number }
  /**
   * The platform refused the person who signed in (`reason` is its error, shown to the user); `suspended`: because an
   * administrator suspended their access (an unlock then signs out too).
   */
  | { type: 'platform_refused_sign_in'; flow: number; reason: string; suspended?: boolean }
  /** The provider said no, the code could not be exchanged, or something unexpected failed. */
  | { type: 'sign_in_failed'; flow: number; reason: string }
  | { type: 'sign_in_timed_out'; flow: number; reason: string }
  | { type: 'sign_in_cancelled' }
  /**
   * Signing out; `declinedTerms`: because the person declined the terms of use, which the platform recorded (and it
   * ended the sign-in there, so there is no sign-out to report).
   */
  | { type: 'sign_out'; declinedTerms?: boolean }
  | { type: 'lock' }
  /** The deadline timer fired; input and calls ask the wall clock first (a suspended machine fires no timer). */
  | { type: 'timer_fired'; at: number }
  | { type: 'user_input'; at: number }
  | { type: 'call_started'; at: number }
  /** Renewing the access token was refused; `sameTokens`: the tokens it renewed are still the session's. */
  | { type: 'refresh_failed'; sameTokens: boolean }
  /**
   * The platform answered a call 'suspended': an administrator suspended the person (`message` says why, in the
   * platform's words). `sameTokens`: the call went with the session's own tokens.
   */
  | { type: 'suspended'; message: string; sameTokens: boolean }
  /** The identity provider is known: an attempt to restore may read the token store, if this spell still may. */
  | { type: 'restore_started'; attempt: number }
  | { type: 'restore_succeeded'; attempt: number; person: Person; at: number }
  /** Nothing was restored; `message` says why (null: there was nothing to restore, nothing to say). */
  | { type: 'restore_failed'; attempt: number; message: Message }
  | { type: 'keychain_fell_back' }
  /** The platform answered its health check; `news`: its name or mode differs from what the UI was last told. */
  | { type: 'platform_changed'; news: boolean };

/**
 * What a transition asks the runner to do, in this order. "Arrived" tokens came with the event (a completed
 * sign-in, a restore); "forgotten" tokens are the session's, taken away by `forget_tokens` earlier in the same list.
 */
export type Effect =
  /** 'session.changed' with the session as it is now. */
  | { type: 'emit' }
  | { type: 'arm_deadline'; at: number }
  | { type: 'disarm_deadline' }
  | { type: 'open_listener'; ticket: number; unlock: boolean; loginHint: string | null }
  | { type: 'close_listener'; flow: number }
  /** Asks the platform who the person is (/me), with the arrived access token. */
  | { type: 'confirm_with_platform'; flow: number; sub: string }
  /** The arrived tokens become the session's; a new refresh token is saved in the token store. */
  | { type: 'keep_arrived' }
  /** The session's tokens are taken away and the stored sign-in is removed, at once: before any network call. */
  | { type: 'forget_tokens' }
  /**
   * Records the event in the platform's audit log, in order with earlier reports, best effort: with the forgotten or
   * the arrived tokens, or with those the session holds.
   */
  | { type: 'report'; event: SessionEventName; with: 'forgotten' | 'arrived' | 'held' }
  /** Once this list's reports are tried: revokes the forgotten refresh token. */
  | { type: 'revoke_forgotten' }
  /** The forgotten tokens go without a word to the platform or the provider; settles once the stored entry is gone. */
  | { type: 'drop_forgotten' }
  /** Once this list's reports are tried: revokes the arrived refresh token (a restore's entry goes too, if still it). */
  | { type: 'discard_arrived' }
  /** Looks for the identity provider to try the token store (one attempt at a time, none once one has run). */
  | { type: 'restore' }
  /** Reads the token store and renews the sign-in it holds (./restore.ts); the outcome comes back as an event. */
  | { type: 'renew_stored'; attempt: number }
  /** The caller's request is refused with this error. */
  | { type: 'refuse'; code: 'invalid_input' | 'cancelled'; message: string }
  | { type: 'answer_browser'; page: CallbackPage };

export interface Next {
  state: SessionState;
  effects: Effect[];
}

/** The person a state has (signed in, locked, or being unlocked), if any. */
export function personOf(state: SessionState): Person | null {
  const person = state.kind === 'signed_in' || state.kind === 'locked' ? state : state.kind === 'signing_in' ? state.unlocking : null;
  if (person === null) return null;
  const { user, sub, signedInAt, sessionEndsAt } = person;
  return { user, sub, signedInAt, sessionEndsAt };
}

/** Whose tokens a state holds, with the session's bounds: a person's, or those of someone enrolling; null: none. */
export function boundsOf(state: SessionState): SignInBounds | null {
  if (state.kind === 'enrolling') return { sub: state.sub, signedInAt: state.signedInAt, sessionEndsAt: state.sessionEndsAt };
  const person = personOf(state);
  return person === null ? null : { sub: person.sub, signedInAt: person.signedInAt, sessionEndsAt: person.sessionEndsAt };
}

/** The contract's part of a session that the session value decides (the rest is the platform's and the store's). */
export function describeState(state: SessionState): Pick<Session, 'state' | 'user' | 'sessionEndsAt' | 'message'> {
  const person = personOf(state);
  const bounds = boundsOf(state);
  const message = state.kind === 'signed_out' || state.kind === 'locked' || state.kind === 'enrolling' ? state.message : null;
  return {
    state: state.kind,
    user: person?.user ?? null,
    sessionEndsAt: bounds === null ? null : new Date(bounds.sessionEndsAt).toISOString(),
    message,
  };
}

/**
 * Why a platform call is refused in this state: locked (or being unlocked) names the person; enrolling asks for the
 * code first; otherwise not signed in.
 */
export function refusalOf(state: SessionState): { code: 'locked' | 'unauthenticated' | 'enrolment_required'; message: string } {
  if (state.kind === 'locked' || (state.kind === 'signing_in' && state.unlocking !== null)) {
    const person = personOf(state);
    const who = person ? ` as ${person.user.displayName}` : '';
    return { code: 'locked', message: `Enclave is locked. Sign in again${who} to unlock it.` };
  }
  if (state.kind === 'enrolling')
    return { code: 'enrolment_required', message: 'Enter the enrolment code your administrator sent you first, or sign out.' };
  return { code: 'unauthenticated', message: 'You are not signed in. Sign in to use Enclave.' };
}

/** When the next deadline falls (epoch ms): the idle lock or the session's end, whichever is first; null: none. */
export function deadlineOf(state: SessionState, idleLockSeconds: number): number | null {
  if (state.kind === 'signed_in') return Math.min(state.sessionEndsAt, state.lastActivity + idleLockSeconds * 1000);
  return boundsOf(state)?.sessionEndsAt ?? null;
}

/** "6 s", "15 min", "12 h": how long, in words a person reads at a glance. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round((seconds / 3600) * 10) / 10} h`;
}
