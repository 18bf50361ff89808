// The session's rules as a table (src/workstation/session/transition.ts): every state × every event, with the next
// state and the effects in order. Then the races, as sequences of events: late and racing sign-ins, and work in
// flight (a restore, a renewal, a listener opening) that a sign-out or a lock must win over.
import { describe, expect, it } from 'vitest';
import type { User } from '../../../../src/common/contract.ts';
import type { CallbackPage } from '../../../../src/workstation/sign-in/loopback-callback.ts';
import { failurePage, NO_LONGER_WANTED, signedInPage, staysLockedPage } from '../../../../src/workstation/sign-in/pages.ts';
import type { Effect, Message, Next, Person, SessionEvent, SessionState } from '../../../../src/workstation/session/state.ts';
import { createTransition, ENROL_IN_ENCLAVE_PAGE } from '../../../../src/workstation/session/transition.ts';

const IDLE = 900;
const MAX = 12 * 3600;
const transition = createTransition({ idleLockSeconds: IDLE, sessionMaxSeconds: MAX });

const T0 = Date.parse('2026-11-27T08:00:00Z');
const END = T0 + MAX * 1000;
const LAST_INPUT = T0 + 60_000;
/** Nothing is due yet. */
const SOON = T0 + 120_000;
const IDLE_DUE = LAST_INPUT + IDLE * 1000;

const ADA: User = { id: 'demo-analyst', displayName: 'Ada Analyst', role: 'analyst' };
const ADA_SESSION: Person = { user: ADA, sub: 'demo-analyst', signedInAt: T0, sessionEndsAt: END };
const LOCK_MESSAGE: Message = { kind: 'info', text: 'Enclave is locked. Sign in again to unlock it.' };

const info = (text: string): Message => ({ kind: 'info', text });
const error = (text: string): Message => ({ kind: 'error', text });
const suspended = (text: string): Message => ({ kind: 'suspended', text });
const SUSPENDED_TEXT = 'Your access is suspended by an administrator: Investigating unusual downloads.';
/** Signed out after a sign-in, sign-out or lock: nothing of an earlier run is restored any more. */
const signedOut = (message: Message, opening: number | null = null): SessionState => ({
  kind: 'signed_out',
  message,
  restore: 'done',
  opening,
});
const locked = (message: Message, opening: number | null = null): SessionState => ({ kind: 'locked', ...ADA_SESSION, message, opening });
const enrollingFrom = (at: number, message: Message): SessionState => ({
  kind: 'enrolling',
  sub: 'ext-ada',
  name: 'Ada Analyst',
  signedInAt: at,
  sessionEndsAt: at + MAX * 1000,
  message,
  opening: null,
});
const signedInFrom = (at: number, bounds: { signedInAt: number; sessionEndsAt: number } = ADA_SESSION): SessionState => ({
  kind: 'signed_in',
  user: ADA,
  sub: 'demo-analyst',
  ...bounds,
  lastActivity: at,
});

/** The states of the table: each kind, and each with work in flight (a restore, a listener opening). */
const STATES = {
  atStart: { kind: 'signed_out', message: null, restore: 'not_tried', opening: null },
  restoring: { kind: 'signed_out', message: null, restore: { attempt: 7 }, opening: null },
  signedOut: signedOut(info('You have signed out.')),
  opening: signedOut(null, 3),
  signingIn: { kind: 'signing_in', flow: 2, unlocking: null, opening: null },
  replacing: { kind: 'signing_in', flow: 2, unlocking: null, opening: 3 },
  unlocking: { kind: 'signing_in', flow: 2, unlocking: ADA_SESSION, opening: null },
  signedIn: { kind: 'signed_in', ...ADA_SESSION, lastActivity: LAST_INPUT },
  locked: locked(LOCK_MESSAGE),
  unlockOpening: locked(LOCK_MESSAGE, 3),
  // Signed in at the identity provider as someone the platform does not know yet (sub ext-ada), entering their code.
  enrolling: {
    kind: 'enrolling',
    sub: 'ext-ada',
    name: 'Ada Analyst',
    signedInAt: T0,
    sessionEndsAt: END,
    message: { kind: 'info', text: 'You are signed in, but this platform does not know you yet.' },
    opening: null,
  },
} satisfies Record<string, SessionState>;
type StateName = keyof typeof STATES;
const STATE_NAMES = Object.keys(STATES) as StateName[];

const emit: Effect = { type: 'emit' };
const disarm: Effect = { type: 'disarm_deadline' };
const arm = (at: number): Effect => ({ type: 'arm_deadline', at });
const forget: Effect = { type: 'forget_tokens' };
const revoke: Effect = { type: 'revoke_forgotten' };
const drop: Effect = { type: 'drop_forgotten' };
const report = (
  event: 'signed_in' | 'unlocked' | 'locked' | 'signed_out' | 'session_expired' | 'unlock_refused',
  from: 'forgotten' | 'arrived' | 'held' = 'forgotten',
): Effect => ({ type: 'report', event, with: from });
const close = (flow: number): Effect => ({ type: 'close_listener', flow });
const keep: Effect = { type: 'keep_arrived' };
const discard: Effect = { type: 'discard_arrived' };
const answer = (page: CallbackPage): Effect => ({ type: 'answer_browser', page });
const refuse = (code: 'invalid_input' | 'cancelled', message: string): Effect => ({ type: 'refuse', code, message });
const restore: Effect = { type: 'restore' };
const renewStored = (attempt: number): Effect => ({ type: 'renew_stored', attempt });

/** An expectation: the next state and effects, or "nothing changes, nothing is done". */
type Expected = Next | 'unchanged';
interface Row {
  event: SessionEvent;
  /** Per state; `otherwise` covers the states not named. */
  expect: Partial<Record<StateName, Expected | ((state: SessionState) => Expected)>> & {
    otherwise?: Expected | ((state: SessionState) => Expected);
  };
}

const same =
  (effects: Effect[]) =>
  (state: SessionState): Next => ({ state, effects });
const notWanted = same([discard, answer(NO_LONGER_WANTED)]);
const withOpening =
  (ticket: number) =>
  (state: SessionState): Next => ({
    state: state.kind === 'signed_out' ? { ...state, opening: ticket, restore: 'done' } : ({ ...state, opening: ticket } as SessionState),
    effects: [
      {
        type: 'open_listener',
        ticket,
        unlock: state.kind === 'locked' || (state.kind === 'signing_in' && state.unlocking !== null),
        loginHint: state.kind === 'locked' || (state.kind === 'signing_in' && state.unlocking !== null) ? 'demo-analyst' : null,
      },
    ],
  });
const STOPPED = 'This sign-in stopped before it began: Enclave signed out or signed in meanwhile.';
const ENDED = info('Your session ended: sessions last at most 12 h. Sign in again to continue.');
const IDLE_LOCK = info('Enclave locked itself after 15 min without activity. Sign in again to unlock it.');
const REFUSED_BY_PLATFORM =
  'Signed in at the identity provider, but the platform refused you: You are signed in, but this platform has no account for you.';
const NOT_KNOWN = 'You are signed in, but this platform does not know you yet. Enter the enrolment code your administrator sent you.';
const DECLINED = 'You declined the terms of use, so Enclave signed you out. Sign in again when you are ready to accept them.';
const OTHER_PERSON = 'You signed in as someone else (Ben Analyst). Enclave stays locked: sign in as Ada Analyst, or sign out.';

/** The session's end, from each state that has one: tokens forgotten first, reported only if signed in. */
const sessionEnd: Partial<Record<StateName, Expected>> = {
  signedIn: { state: signedOut(ENDED), effects: [forget, report('session_expired'), revoke, disarm, emit] },
  locked: { state: signedOut(ENDED), effects: [forget, revoke, disarm, emit] },
  unlockOpening: { state: signedOut(ENDED), effects: [forget, revoke, disarm, emit] },
  unlocking: { state: signedOut(ENDED), effects: [forget, revoke, close(2), disarm, emit] },
  enrolling: { state: signedOut(ENDED), effects: [forget, revoke, disarm, emit] },
};
const idleLock: Expected = { state: locked(IDLE_LOCK), effects: [forget, report('locked'), revoke, arm(END), emit] };

const ROWS: Row[] = [
  { event: { type: 'started' }, expect: { atStart: same([emit, restore]), otherwise: same([emit]) } },

  // Signing in: the newest request's listener is the one that opens; a sign-out meanwhile stops it.
  {
    event: { type: 'sign_in_requested', ticket: 4 },
    expect: {
      signedIn: same([refuse('invalid_input', 'You are already signed in.')]),
      // The enrolling person's tokens would be left behind: enrol, or sign out first.
      enrolling: same([refuse('invalid_input', 'Enter your enrolment code, or sign out first.')]),
      otherwise: withOpening(4),
    },
  },
  {
    event: { type: 'listener_opened', ticket: 3 },
    expect: {
      opening: { state: { kind: 'signing_in', flow: 3, unlocking: null, opening: null }, effects: [emit] },
      replacing: { state: { kind: 'signing_in', flow: 3, unlocking: null, opening: null }, effects: [close(2), emit] },
      unlockOpening: { state: { kind: 'signing_in', flow: 3, unlocking: ADA_SESSION, opening: null }, effects: [emit] },
      otherwise: same([close(3), refuse('cancelled', STOPPED)]),
    },
  },
  {
    event: { type: 'listener_opened', ticket: 9 },
    expect: {
      opening: same([close(9), refuse('cancelled', 'A newer sign-in replaced this one.')]),
      replacing: same([close(9), refuse('cancelled', 'A newer sign-in replaced this one.')]),
      unlockOpening: same([close(9), refuse('cancelled', 'A newer sign-in replaced this one.')]),
      otherwise: same([close(9), refuse('cancelled', STOPPED)]),
    },
  },
  {
    event: { type: 'listener_failed', ticket: 3 },
    expect: {
      opening: { state: signedOut(null), effects: [] },
      replacing: { state: STATES.signingIn, effects: [] },
      unlockOpening: { state: STATES.locked, effects: [] },
      otherwise: 'unchanged',
    },
  },

  // A sign-in came back: only the flow the state holds counts; an unlock must be the same person.
  {
    event: { type: 'sign_in_returned', flow: 2, sub: 'demo-analyst', name: 'Ada Analyst' },
    expect: {
      signingIn: same([{ type: 'confirm_with_platform', flow: 2, sub: 'demo-analyst' }]),
      replacing: same([{ type: 'confirm_with_platform', flow: 2, sub: 'demo-analyst' }]),
      unlocking: same([{ type: 'confirm_with_platform', flow: 2, sub: 'demo-analyst' }]),
      otherwise: notWanted,
    },
  },
  {
    event: { type: 'sign_in_returned', flow: 2, sub: 'demo-analyst-2', name: 'Ben Analyst' },
    expect: {
      signingIn: same([{ type: 'confirm_with_platform', flow: 2, sub: 'demo-analyst-2' }]),
      replacing: same([{ type: 'confirm_with_platform', flow: 2, sub: 'demo-analyst-2' }]),
      unlocking: {
        state: locked(error(OTHER_PERSON)),
        effects: [arm(END), emit, report('unlock_refused', 'arrived'), discard, answer(staysLockedPage(OTHER_PERSON))],
      },
      otherwise: notWanted,
    },
  },
  { event: { type: 'sign_in_returned', flow: 1, sub: 'demo-analyst', name: null }, expect: { otherwise: notWanted } },
  {
    event: { type: 'sign_in_confirmed', flow: 2, sub: 'demo-analyst', user: ADA, at: SOON },
    expect: {
      signingIn: {
        state: signedInFrom(SOON, { signedInAt: SOON, sessionEndsAt: SOON + MAX * 1000 }),
        effects: [keep, arm(SOON + IDLE * 1000), emit, report('signed_in', 'arrived'), answer(signedInPage(false))],
      },
      replacing: {
        state: signedInFrom(SOON, { signedInAt: SOON, sessionEndsAt: SOON + MAX * 1000 }),
        effects: [keep, arm(SOON + IDLE * 1000), emit, report('signed_in', 'arrived'), answer(signedInPage(false))],
      },
      // An unlock keeps the session's bounds.
      unlocking: {
        state: signedInFrom(SOON),
        effects: [keep, arm(SOON + IDLE * 1000), emit, report('unlocked', 'arrived'), answer(signedInPage(true))],
      },
      otherwise: notWanted,
    },
  },
  { event: { type: 'sign_in_confirmed', flow: 1, sub: 'demo-analyst', user: ADA, at: SOON }, expect: { otherwise: notWanted } },
  {
    event: { type: 'platform_refused_sign_in', flow: 2, reason: 'You are signed in, but this platform has no account for you.' },
    expect: {
      signingIn: {
        state: signedOut(error(REFUSED_BY_PLATFORM)),
        effects: [discard, disarm, emit, answer(failurePage('You are signed in, but this platform has no account for you.'))],
      },
      replacing: {
        state: signedOut(error(REFUSED_BY_PLATFORM), 3),
        effects: [discard, disarm, emit, answer(failurePage('You are signed in, but this platform has no account for you.'))],
      },
      unlocking: {
        state: locked(error(REFUSED_BY_PLATFORM)),
        effects: [discard, arm(END), emit, answer(failurePage('You are signed in, but this platform has no account for you.'))],
      },
      otherwise: notWanted,
    },
  },
  { event: { type: 'platform_refused_sign_in', flow: 1, reason: 'No.' }, expect: { otherwise: notWanted } },
  // Someone the platform does not know yet: their tokens are kept for the enrolment, within a new session's bounds.
  {
    event: { type: 'enrolment_required', flow: 2, sub: 'ext-ada', name: 'Ada Analyst', reason: NOT_KNOWN, at: SOON },
    expect: {
      signingIn: {
        state: enrollingFrom(SOON, info(NOT_KNOWN)),
        effects: [keep, arm(SOON + MAX * 1000), emit, answer(ENROL_IN_ENCLAVE_PAGE)],
      },
      // A newer sign-in being opened is stopped when it opens (the enrolling tokens stay the session's).
      replacing: {
        state: enrollingFrom(SOON, info(NOT_KNOWN)),
        effects: [keep, arm(SOON + MAX * 1000), emit, answer(ENROL_IN_ENCLAVE_PAGE)],
      },
      // An unlock is a known person's: a platform that no longer knows them refuses it, and it stays locked.
      unlocking: {
        state: locked(error(`Signed in at the identity provider, but the platform refused you: ${NOT_KNOWN}`)),
        effects: [discard, arm(END), emit, answer(failurePage(NOT_KNOWN))],
      },
      otherwise: notWanted,
    },
  },
  {
    event: { type: 'enrolment_required', flow: 1, sub: 'ext-ada', name: null, reason: NOT_KNOWN, at: SOON },
    expect: { otherwise: notWanted },
  },
  {
    event: { type: 'enrolled', sub: 'ext-ada', user: ADA, at: SOON },
    expect: {
      enrolling: {
        state: { kind: 'signed_in', user: ADA, sub: 'ext-ada', signedInAt: T0, sessionEndsAt: END, lastActivity: SOON },
        effects: [arm(SOON + IDLE * 1000), emit, report('signed_in', 'held')],
      },
      otherwise: 'unchanged',
    },
  },
  // Someone else's enrolment (a sign-out and a new sign-in meanwhile) is not this session's.
  { event: { type: 'enrolled', sub: 'ext-ben', user: ADA, at: SOON }, expect: { otherwise: 'unchanged' } },
  // A suspended person signing in (or unlocking) is signed out, with the platform's reason.
  {
    event: { type: 'platform_refused_sign_in', flow: 2, reason: SUSPENDED_TEXT, suspended: true },
    expect: {
      signingIn: { state: signedOut(suspended(SUSPENDED_TEXT)), effects: [discard, disarm, emit, answer(failurePage(SUSPENDED_TEXT))] },
      replacing: {
        state: signedOut(suspended(SUSPENDED_TEXT), 3),
        effects: [discard, disarm, emit, answer(failurePage(SUSPENDED_TEXT))],
      },
      unlocking: { state: signedOut(suspended(SUSPENDED_TEXT)), effects: [discard, disarm, emit, answer(failurePage(SUSPENDED_TEXT))] },
      otherwise: notWanted,
    },
  },
  {
    event: { type: 'sign_in_failed', flow: 2, reason: 'Sign-in failed: the identity provider refused it ("access_denied").' },
    expect: {
      signingIn: {
        state: signedOut(error('Sign-in failed: the identity provider refused it ("access_denied").')),
        effects: [disarm, emit, answer(failurePage('Sign-in failed: the identity provider refused it ("access_denied").'))],
      },
      replacing: {
        state: signedOut(error('Sign-in failed: the identity provider refused it ("access_denied").'), 3),
        effects: [disarm, emit, answer(failurePage('Sign-in failed: the identity provider refused it ("access_denied").'))],
      },
      unlocking: {
        state: locked(error('Sign-in failed: the identity provider refused it ("access_denied").')),
        effects: [arm(END), emit, answer(failurePage('Sign-in failed: the identity provider refused it ("access_denied").'))],
      },
      otherwise: same([answer(NO_LONGER_WANTED)]),
    },
  },
  { event: { type: 'sign_in_failed', flow: 1, reason: 'Late.' }, expect: { otherwise: same([answer(NO_LONGER_WANTED)]) } },
  {
    event: { type: 'sign_in_timed_out', flow: 2, reason: 'The sign-in timed out.' },
    expect: {
      signingIn: { state: signedOut(error('The sign-in timed out.')), effects: [disarm, emit] },
      replacing: { state: signedOut(error('The sign-in timed out.'), 3), effects: [disarm, emit] },
      unlocking: { state: locked(error('The sign-in timed out.')), effects: [arm(END), emit] },
      otherwise: 'unchanged',
    },
  },
  { event: { type: 'sign_in_timed_out', flow: 1, reason: 'Late.' }, expect: { otherwise: 'unchanged' } },
  {
    event: { type: 'sign_in_cancelled' },
    expect: {
      signingIn: { state: signedOut(info('Sign-in was cancelled.')), effects: [close(2), disarm, emit] },
      replacing: { state: signedOut(info('Sign-in was cancelled.'), 3), effects: [close(2), disarm, emit] },
      unlocking: { state: locked(info('Unlocking was cancelled. Enclave is still locked.')), effects: [close(2), arm(END), emit] },
      otherwise: 'unchanged',
    },
  },

  // Signing out always signs out, from anywhere: tokens forgotten (store entry first), listener closed.
  {
    event: { type: 'sign_out' },
    expect: {
      signedIn: { state: signedOut(info('You have signed out.')), effects: [forget, report('signed_out'), revoke, disarm, emit] },
      signingIn: { state: signedOut(info('You have signed out.')), effects: [forget, revoke, close(2), disarm, emit] },
      replacing: { state: signedOut(info('You have signed out.')), effects: [forget, revoke, close(2), disarm, emit] },
      unlocking: { state: signedOut(info('You have signed out.')), effects: [forget, revoke, close(2), disarm, emit] },
      otherwise: { state: signedOut(info('You have signed out.')), effects: [forget, revoke, disarm, emit] },
    },
  },
  // Declining the terms of use: the platform recorded it and ended the sign-in there, so nothing is reported.
  {
    event: { type: 'sign_out', declinedTerms: true },
    expect: {
      signedIn: { state: signedOut(info(DECLINED)), effects: [forget, revoke, disarm, emit] },
      signingIn: { state: signedOut(info(DECLINED)), effects: [forget, revoke, close(2), disarm, emit] },
      replacing: { state: signedOut(info(DECLINED)), effects: [forget, revoke, close(2), disarm, emit] },
      unlocking: { state: signedOut(info(DECLINED)), effects: [forget, revoke, close(2), disarm, emit] },
      otherwise: { state: signedOut(info(DECLINED)), effects: [forget, revoke, disarm, emit] },
    },
  },
  {
    event: { type: 'lock' },
    expect: {
      signedIn: { state: locked(LOCK_MESSAGE), effects: [forget, report('locked'), revoke, arm(END), emit] },
      otherwise: 'unchanged',
    },
  },

  // The deadlines, by the wall clock: the timer, the first input after a suspend, a call.
  {
    event: { type: 'timer_fired', at: SOON },
    expect: {
      signedIn: same([arm(IDLE_DUE)]),
      locked: same([arm(END)]),
      unlockOpening: same([arm(END)]),
      unlocking: same([arm(END)]),
      enrolling: same([arm(END)]),
      otherwise: same([disarm]),
    },
  },
  {
    event: { type: 'timer_fired', at: IDLE_DUE },
    expect: {
      signedIn: idleLock,
      locked: same([arm(END)]),
      unlockOpening: same([arm(END)]),
      unlocking: same([arm(END)]),
      enrolling: same([arm(END)]),
      otherwise: same([disarm]),
    },
  },
  { event: { type: 'timer_fired', at: END }, expect: { ...sessionEnd, otherwise: same([disarm]) } },
  {
    event: { type: 'user_input', at: SOON },
    expect: { signedIn: { state: { ...STATES.signedIn, lastActivity: SOON }, effects: [arm(SOON + IDLE * 1000)] }, otherwise: 'unchanged' },
  },
  { event: { type: 'user_input', at: IDLE_DUE }, expect: { signedIn: idleLock, otherwise: 'unchanged' } },
  { event: { type: 'user_input', at: END }, expect: { ...sessionEnd, otherwise: 'unchanged' } },
  { event: { type: 'call_started', at: SOON }, expect: { otherwise: 'unchanged' } },
  { event: { type: 'call_started', at: IDLE_DUE }, expect: { signedIn: idleLock, otherwise: 'unchanged' } },
  { event: { type: 'call_started', at: END }, expect: { ...sessionEnd, otherwise: 'unchanged' } },

  // A renewal refused: only the session's own tokens, while signed in (or enrolling), end it.
  {
    event: { type: 'refresh_failed', sameTokens: true },
    expect: {
      signedIn: {
        state: signedOut(error('Your sign-in is no longer valid (it was revoked or has expired). Sign in again.')),
        effects: [forget, revoke, disarm, emit],
      },
      enrolling: {
        state: signedOut(error('Your sign-in is no longer valid (it was revoked or has expired). Sign in again.')),
        effects: [forget, revoke, disarm, emit],
      },
      otherwise: 'unchanged',
    },
  },
  { event: { type: 'refresh_failed', sameTokens: false }, expect: { otherwise: 'unchanged' } },

  // Suspended by an administrator: the session ends at once, tokens forgotten without a word to the platform (no
  // report, no revocation), and the platform's reason kept for the screen that says so. Only the session's own tokens.
  {
    event: { type: 'suspended', message: SUSPENDED_TEXT, sameTokens: true },
    expect: { signedIn: { state: signedOut(suspended(SUSPENDED_TEXT)), effects: [forget, drop, disarm, emit] }, otherwise: 'unchanged' },
  },
  { event: { type: 'suspended', message: SUSPENDED_TEXT, sameTokens: false }, expect: { otherwise: 'unchanged' } },

  // Restoring a sign-in of an earlier run: only in the run's first signed-out spell (after a sign-out the store is
  // being emptied, not read), and only the attempt begun in it, with no sign-in opening.
  {
    event: { type: 'restore_started', attempt: 8 },
    expect: { atStart: { state: { ...STATES.atStart, restore: { attempt: 8 } }, effects: [renewStored(8)] }, otherwise: 'unchanged' },
  },
  {
    event: { type: 'restore_succeeded', attempt: 7, person: ADA_SESSION, at: SOON },
    expect: { restoring: { state: signedInFrom(SOON), effects: [keep, arm(SOON + IDLE * 1000), emit] }, otherwise: same([discard]) },
  },
  { event: { type: 'restore_succeeded', attempt: 6, person: ADA_SESSION, at: SOON }, expect: { otherwise: same([discard]) } },
  {
    event: {
      type: 'restore_failed',
      attempt: 7,
      message: error('Your earlier sign-in could not be restored: it was revoked or has expired. Sign in again.'),
    },
    expect: {
      restoring: {
        state: signedOut(error('Your earlier sign-in could not be restored: it was revoked or has expired. Sign in again.')),
        effects: [disarm, emit],
      },
      otherwise: 'unchanged',
    },
  },
  {
    event: { type: 'restore_failed', attempt: 7, message: null },
    expect: { restoring: { state: signedOut(null), effects: [] }, otherwise: 'unchanged' },
  },
  { event: { type: 'restore_failed', attempt: 6, message: info('Your last session has ended.') }, expect: { otherwise: 'unchanged' } },

  { event: { type: 'keychain_fell_back' }, expect: { otherwise: same([emit]) } },
  { event: { type: 'platform_changed', news: true }, expect: { atStart: same([restore, emit]), otherwise: same([emit]) } },
  { event: { type: 'platform_changed', news: false }, expect: { atStart: same([restore]), otherwise: 'unchanged' } },
];

function expected(row: Row, name: StateName): Next {
  const state = STATES[name];
  const rule = row.expect[name] ?? row.expect.otherwise;
  if (rule === undefined) throw new Error(`No expectation for ${row.event.type} in ${name}.`);
  const value = typeof rule === 'function' ? rule(state) : rule;
  return value === 'unchanged' ? { state, effects: [] } : value;
}

/** The event and its small fields (a person or user is named by its subject). */
const label = (event: SessionEvent) =>
  [
    event.type,
    ...Object.entries(event).flatMap(([key, value]: [string, unknown]) =>
      key === 'type'
        ? []
        : [
            `${key}=${typeof value === 'object' && value !== null ? ('sub' in value ? String(value.sub) : JSON.stringify(value)) : String(value)}`,
          ],
    ),
  ].join(' ');

describe('every state × every event', () => {
  it('covers every event type and every state', () => {
    const types = new Set(ROWS.map((row) => row.event.type));
    const all: SessionEvent['type'][] = [
      'started',
      'sign_in_requested',
      'listener_opened',
      'listener_failed',
      'sign_in_returned',
      'sign_in_confirmed',
      'enrolment_required',
      'enrolled',
      'platform_refused_sign_in',
      'sign_in_failed',
      'sign_in_timed_out',
      'sign_in_cancelled',
      'sign_out',
      'lock',
      'timer_fired',
      'user_input',
      'call_started',
      'refresh_failed',
      'suspended',
      'restore_started',
      'restore_succeeded',
      'restore_failed',
      'keychain_fell_back',
      'platform_changed',
    ];
    expect([...types].sort()).toEqual([...all].sort());
    for (const row of ROWS) for (const name of STATE_NAMES) expect(() => expected(row, name)).not.toThrow();
    expect(new Set(STATE_NAMES.map((name) => STATES[name].kind))).toEqual(
      new Set(['signed_out', 'signing_in', 'signed_in', 'locked', 'enrolling']),
    );
  });

  for (const row of ROWS) {
    describe(label(row.event), () => {
      for (const name of STATE_NAMES) {
        it(`in ${name}`, () => {
          expect(transition(STATES[name], row.event)).toEqual(expected(row, name));
        });
      }
    });
  }
});

/** Folds events through the rules; returns the final state and each step's effects. */
function run(start: SessionState, events: SessionEvent[]): { state: SessionState; steps: Effect[][] } {
  let state = start;
  const steps: Effect[][] = [];
  for (const event of events) {
    const next = transition(state, event);
    state = next.state;
    steps.push(next.effects);
  }
  return { state, steps };
}

const confirmAda = (flow: number, at = SOON): SessionEvent => ({ type: 'sign_in_confirmed', flow, sub: 'demo-analyst', user: ADA, at });

describe('races: late and racing sign-ins', () => {
  it('two sign-ins started at once: the newer one opens, the older is refused as cancelled and its listener closed', () => {
    const { state, steps } = run(STATES.signedOut, [
      { type: 'sign_in_requested', ticket: 1 },
      { type: 'sign_in_requested', ticket: 2 },
      { type: 'listener_opened', ticket: 1 },
      { type: 'listener_opened', ticket: 2 },
    ]);

    expect(steps[2]).toEqual([close(1), refuse('cancelled', 'A newer sign-in replaced this one.')]);
    expect(state).toEqual({ kind: 'signing_in', flow: 2, unlocking: null, opening: null });
  });

  it('a second sign-in replaces the first: the first listener closes, and its late callback is not wanted', () => {
    const { state, steps } = run(STATES.signingIn, [
      { type: 'sign_in_requested', ticket: 3 },
      { type: 'listener_opened', ticket: 3 },
      confirmAda(2),
    ]);

    expect(steps[1]).toEqual([close(2), emit]);
    expect(steps[2]).toEqual([discard, answer(NO_LONGER_WANTED)]);
    expect(state.kind).toBe('signing_in');
  });

  it('a sign-out (or cancel) while the platform confirms a sign-in: the confirmation is not wanted, nothing is kept or reported', () => {
    for (const interruption of [{ type: 'sign_out' }, { type: 'sign_in_cancelled' }] as const) {
      const { state, steps } = run(STATES.signingIn, [
        { type: 'sign_in_returned', flow: 2, sub: 'demo-analyst', name: null },
        interruption,
        confirmAda(2),
      ]);

      expect(steps[2]).toEqual([discard, answer(NO_LONGER_WANTED)]);
      expect(state.kind).toBe('signed_out');
    }
  });

  it('a sign-out while an unlock is being confirmed leaves the workstation signed out, not locked or signed in', () => {
    const { state, steps } = run(STATES.unlocking, [
      { type: 'sign_in_returned', flow: 2, sub: 'demo-analyst', name: null },
      { type: 'sign_out' },
      confirmAda(2),
    ]);

    expect(steps[2]).toEqual([discard, answer(NO_LONGER_WANTED)]);
    expect(state).toEqual(signedOut(info('You have signed out.')));
  });

  it('the older flow completing while a newer listener opens: signed in, and the newer listener is closed when it opens', () => {
    const { state, steps } = run(STATES.signingIn, [
      { type: 'sign_in_requested', ticket: 3 },
      confirmAda(2),
      { type: 'listener_opened', ticket: 3 },
    ]);

    expect(steps[2]).toEqual([close(3), refuse('cancelled', STOPPED)]);
    expect(state.kind).toBe('signed_in');
  });
});

describe('races: enrolment', () => {
  it('a newer sign-in opening while the platform says the person must enrol is stopped when it opens: no tokens are left behind', () => {
    const { state, steps } = run(STATES.signingIn, [
      { type: 'sign_in_requested', ticket: 3 },
      { type: 'enrolment_required', flow: 2, sub: 'ext-ada', name: null, reason: NOT_KNOWN, at: SOON },
      { type: 'listener_opened', ticket: 3 },
    ]);

    expect(steps[2]).toEqual([close(3), refuse('cancelled', STOPPED)]);
    expect(state.kind).toBe('enrolling');
  });

  it('an enrolment answered after a sign-out and a new sign-in does not sign the new person in as the old', () => {
    const { state, steps } = run(STATES.enrolling, [
      { type: 'sign_out' },
      { type: 'sign_in_requested', ticket: 5 },
      { type: 'listener_opened', ticket: 5 },
      { type: 'enrolment_required', flow: 5, sub: 'ext-ben', name: null, reason: NOT_KNOWN, at: SOON },
      { type: 'enrolled', sub: 'ext-ada', user: ADA, at: SOON },
    ]);

    expect(steps.at(-1)).toEqual([]);
    expect(state).toMatchObject({ kind: 'enrolling', sub: 'ext-ben' });
  });
});

describe('races: a sign-out or a lock wins over work in flight', () => {
  it('a restore begun before a sign-in, a lock and a sign-out does not bring the earlier sign-in back', () => {
    const { state, steps } = run(STATES.atStart, [
      { type: 'restore_started', attempt: 1 },
      { type: 'sign_in_requested', ticket: 1 },
      { type: 'listener_opened', ticket: 1 },
      confirmAda(1),
      { type: 'lock' },
      { type: 'sign_out' },
      { type: 'platform_changed', news: false },
      { type: 'restore_succeeded', attempt: 1, person: ADA_SESSION, at: SOON },
    ]);

    expect(steps.at(-1)).toEqual([discard]);
    expect(state).toEqual(signedOut(info('You have signed out.')));
  });

  it('the platform answering while a sign-out is still removing the stored sign-in starts no restore: nothing is read', () => {
    const { state, steps } = run(STATES.signedIn, [
      { type: 'sign_out' },
      { type: 'platform_changed', news: true },
      { type: 'restore_started', attempt: 1 },
    ]);

    expect(steps[0]).toEqual([forget, report('signed_out'), revoke, disarm, emit]);
    expect(steps[1]).toEqual([emit]);
    expect(steps[2]).toEqual([]);
    expect(state).toEqual(signedOut(info('You have signed out.')));
  });

  it('a restore that completes right after a sign-out from the signed-out state is not taken either', () => {
    const { state, steps } = run(STATES.restoring, [
      { type: 'sign_out' },
      { type: 'restore_succeeded', attempt: 7, person: ADA_SESSION, at: SOON },
    ]);

    expect(steps[1]).toEqual([discard]);
    expect(state.kind).toBe('signed_out');
  });

  it('a restore that completes while a sign-in is opening is not taken: the person asked to sign in', () => {
    const { state, steps } = run(STATES.restoring, [
      { type: 'sign_in_requested', ticket: 1 },
      { type: 'restore_succeeded', attempt: 7, person: ADA_SESSION, at: SOON },
    ]);

    expect(steps[1]).toEqual([discard]);
    expect(state).toEqual(signedOut(null, 1));
  });

  it("a sign-out while an unlock's listener is opening stops it: the listener closes, Enclave stays signed out", () => {
    const { state, steps } = run(STATES.locked, [
      { type: 'sign_in_requested', ticket: 5 },
      { type: 'sign_out' },
      { type: 'listener_opened', ticket: 5 },
    ]);

    expect(steps[2]).toEqual([close(5), refuse('cancelled', STOPPED)]);
    expect(state).toEqual(signedOut(info('You have signed out.')));
  });

  it("a renewal refused after a lock or a sign-out changes nothing (those tokens are no longer the session's)", () => {
    for (const first of [{ type: 'lock' }, { type: 'sign_out' }] as const) {
      const before = transition(STATES.signedIn, first).state;

      expect(transition(before, { type: 'refresh_failed', sameTokens: false })).toEqual({ state: before, effects: [] });
      expect(transition(before, { type: 'refresh_failed', sameTokens: true })).toEqual({ state: before, effects: [] });
    }
  });

  it('a lock forgets the tokens (the stored entry removed) before it reports, and announces the lock at once', () => {
    const { effects } = transition(STATES.signedIn, { type: 'lock' });

    const order = effects.map((effect) => effect.type);
    expect(order.indexOf('forget_tokens')).toBe(0);
    expect(order.indexOf('forget_tokens')).toBeLessThan(order.indexOf('report'));
    expect(order).toContain('emit');
  });
});
