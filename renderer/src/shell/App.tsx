// The workstation window: the sign-in screen until someone signs in (the suspended screen instead when an administrator
// has suspended them; the enrolment screen for someone the platform does not know yet), then the terms of use they must
// accept, then their workspace; the lock screen over it when idle. On sign-out the window's own engines (projects kept
// in memory only) are emptied and stopped; the core closes the disk workspaces and keeps them for the same person.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Session } from '../../../src/common/contract.ts';
import { bestEffort } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { createProjectEngines, type StartedEngine } from '../analysis/project-engines.ts';
import type { MyTerms } from '../../../src/common/terms.ts';
import { AcceptTermsScreen } from '../session/AcceptTermsScreen.tsx';
import { EnrolmentScreen } from '../session/EnrolmentScreen.tsx';
import { LockScreen } from '../session/LockScreen.tsx';
import { SignInScreen } from '../session/SignInScreen.tsx';
import { refusalOf } from '../session/standing.ts';
import { SuspendedScreen } from '../session/SuspendedScreen.tsx';
import { TrainingNotices } from '../session/TrainingNotices.tsx';
import { createEventOrder } from '../session/event-order.ts';
import { isLocked, workspaceUser } from '../session/state.ts';
import { useActivityReporting } from '../session/use-activity.ts';
import { useTermsOfUse, useTrainingNotices } from '../session/use-standing.ts';
import { clearedText } from './cleared-text.ts';
import { Header, type PlatformState } from './Header.tsx';
import { messageOf } from './message-of.ts';
import { ErrorMessage, Notice } from './Messages.tsx';
import { useHashScreen } from './use-hash-screen.ts';
import { Workspace } from './Workspace.tsx';

const KEYCHAIN_NOTICE_KEY = 'enclave.keychain-notice-dismissed';

function readDismissed(): boolean {
  try {
    return window.sessionStorage.getItem(KEYCHAIN_NOTICE_KEY) === '1';
  } catch {
    return false;
  }
}

/** Opens the identity provider's page: the system browser in Electron (main hands it over), a new tab otherwise. */
function openSignInPage(url: string): void {
  window.open(url, '_blank', 'noopener,noreferrer');
}

/** What the window does when a call is refused for the session's sake rather than the call's own. */
interface RefusalWatch {
  /** Signed out or locked: this window's picture of the session is stale (an event was missed). */
  stale(): void;
  /** New terms of use must be accepted first. */
  termsRequired(): void;
  /** A role's training has lapsed: the platform's message names the course. */
  trainingRequired(message: string): void;
}

/**
 * The client the workspace uses: a refusal for being signed out or locked asks the core for the session again; one
 * for the terms of use asks the platform for them (the terms screen follows); one for training is shown as a notice.
 */
function watchingRefusals(client: Client, watch: { current: RefusalWatch }): Client {
  return {
    async invoke(name, input, options) {
      try {
        return await client.invoke(name, input, options);
      } catch (err) {
        if (err instanceof EnclaveError) {
          if (err.code === 'locked' || err.code === 'unauthenticated' || err.code === 'suspended') watch.current.stale();
          if (err.code === 'terms_required') watch.current.termsRequired();
          if (err.code === 'training_required') watch.current.trainingRequired(err.message);
        }
        throw err;
      }
    },
    listen: (name, callback) => client.listen(name, callback),
  };
}

export function App(props: { client: Client; startWindowEngine: () => StartedEngine; nonce: string | undefined }) {
  const [session, setSession] = useState<Session | null>(null);
  const [startupError, setStartupError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [platform, setPlatform] = useState<PlatformState | null>(null);
  const [authorizationUrl, setAuthorizationUrl] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [cleared, setCleared] = useState<{ kind: 'info' | 'error'; text: string } | null>(null);
  const [keychainDismissed, setKeychainDismissed] = useState(readDismissed);
  const { requested, requestedAdmin, navigate, reset: resetScreen } = useHashScreen();
  // A session that comes as an answer never overrides a newer 'session.changed' event (../session/event-order.ts).
  const [order] = useState(createEventOrder);
  const unlessOvertaken = order.unlessOvertaken;
  const watch = useRef<RefusalWatch>({ stale: () => {}, termsRequired: () => {}, trainingRequired: () => {} });
  const client = useMemo(() => watchingRefusals(props.client, watch), [props.client]);
  const { startWindowEngine } = props;
  const engines = useMemo(
    () =>
      createProjectEngines({
        client,
        startWindowEngine,
        onRecordFailed: (err) => setActionError(messageOf(err, 'A query ran, but it could not be added to the project’s history.')),
      }),
    [client, startWindowEngine],
  );

  useEffect(
    () =>
      client.listen('session.changed', (next) => {
        order.eventArrived();
        setSession(next);
      }),
    [client, order],
  );

  useEffect(() => {
    let live = true;
    setStartupError(null);
    const take = unlessOvertaken(setSession);
    client.invoke('session.get', {}).then(
      // An event that arrived meanwhile is newer than this answer.
      (s) => live && take(s),
      (err: unknown) => live && setStartupError(messageOf(err, 'The workstation could not be reached.')),
    );
    return () => {
      live = false;
    };
  }, [client, attempt]);

  useEffect(() => client.listen('platform.status', (status) => setPlatform(status)), [client]);

  const owner = workspaceUser(session);
  const locked = isLocked(session);
  const ownerId = owner?.id ?? null;

  // The terms of use come before the workspace: it opens once nothing is left to accept, and then stays (hidden under
  // the terms screen if new terms arrive while it is open). Accepting those opens it afresh: what the platform refused
  // meanwhile is asked for again, and what was saved (tabs, layout, local tables) comes back as it was.
  const terms = useTermsOfUse(props.client, ownerId);
  const training = useTrainingNotices(props.client, { ownerId, ready: terms.gate.kind === 'clear' });
  const [opened, setOpened] = useState<{ owner: string; round: number; refused: boolean } | null>(null);
  useEffect(() => {
    if (ownerId === null) setOpened(null);
    else if (terms.gate.kind === 'clear')
      setOpened((before) =>
        before?.owner === ownerId && !before.refused ? before : { owner: ownerId, round: (before?.round ?? 0) + 1, refused: false },
      );
    // New terms while it is open: it stays, underneath, and opens afresh once they are accepted.
    else if (terms.gate.kind === 'pending') setOpened((before) => (before?.owner === ownerId ? { ...before, refused: true } : before));
  }, [ownerId, terms.gate.kind]);
  const workspaceOpen = owner !== null && opened?.owner === owner.id;
  const termsPending = terms.gate.kind === 'pending' ? terms.gate.terms : null;
  // Under the lock screen or the terms screen, the workspace is hidden and inert.
  const covered = locked || termsPending !== null;

  const { recheck } = terms;
  const { refused: trainingRefused } = training;
  watch.current = {
    stale: () => {
      // Asking again after a refusal: if that fails too, the next event or call says so.
      bestEffort(props.client.invoke('session.get', {}).then(unlessOvertaken(setSession)));
    },
    termsRequired: recheck,
    trainingRequired: trainingRefused,
  };

  // The session ended (signed out, or it ran out): nothing the user made may stay on this computer.
  const previousOwner = useRef<string | null>(null);
  useEffect(() => {
    const before = previousOwner.current;
    previousOwner.current = ownerId;
    if (before === null || before === ownerId) return;
    setAuthorizationUrl(null);
    resetScreen();
    engines.closeAll().then(
      ({ memoryTables }) => setCleared({ kind: 'info', text: clearedText(memoryTables) }),
      (err: unknown) =>
        setCleared({
          kind: 'error',
          text: messageOf(err, 'The tables kept in this window could not be cleared. Close Enclave to be sure they are gone.'),
        }),
    );
  }, [ownerId, engines, resetScreen]);

  // The grid's overlay editors live in #portal, outside the app's tree: they go under the lock too.
  useEffect(() => {
    const portal = document.getElementById('portal');
    if (!portal) return;
    portal.hidden = covered;
    portal.inert = covered;
  }, [covered]);

  useActivityReporting(client, { active: session?.state === 'signed_in', idleLockSeconds: session?.idleLockSeconds ?? 900 });

  const run = useCallback(
    (action: () => Promise<Session | void>, fallback: string) => {
      setActionError(null);
      const take = unlessOvertaken(setSession);
      action().then(
        (next) => {
          if (next) take(next);
        },
        (err: unknown) => setActionError(messageOf(err, fallback)),
      );
    },
    [unlessOvertaken],
  );

  const signIn = (): void => {
    setStarting(true);
    setCleared(null);
    run(async () => {
      try {
        const { authorizationUrl: url } = await client.invoke('session.signIn', {});
        setAuthorizationUrl(url);
        openSignInPage(url);
      } finally {
        setStarting(false);
      }
    }, 'Sign-in could not start. Try again.');
  };
  const cancel = (): void => {
    setAuthorizationUrl(null);
    run(() => client.invoke('session.cancelSignIn', {}), 'The sign-in could not be cancelled.');
  };
  const signOut = (): void => run(() => client.invoke('session.signOut', {}), 'Signing out did not complete. Try again, or close Enclave.');
  const lock = (): void => run(() => client.invoke('session.lock', {}), 'Enclave could not lock. Try again.');
  const enrol = async (code: string): Promise<void> => {
    const next = await client.invoke('session.enrol', { code });
    unlessOvertaken(setSession)(next);
  };
  // Declining is recorded on the platform, and the core signs out: the answer is the signed-out session.
  const declineTerms = (declined: MyTerms): void =>
    run(() => client.invoke('terms.decline', refusalOf(declined)), 'Declining did not complete. Try again, or sign out.');

  const dismissKeychainNotice = (): void => {
    setKeychainDismissed(true);
    try {
      window.sessionStorage.setItem(KEYCHAIN_NOTICE_KEY, '1');
    } catch {
      // Without storage the notice comes back after a reload, which is harmless.
    }
  };

  const notices = (
    <section className="notices" aria-label="Notices">
      <ErrorMessage testId="action-error" title="That did not work" text={actionError} />
      {session?.tokenStorage === 'memory' && !keychainDismissed ? (
        <Notice
          kind="notice"
          testId="keychain-notice"
          text="This computer has no keychain Enclave can use, so your sign-in is kept in memory only: you will have to sign in again each time you open Enclave."
        >
          <button type="button" className="button secondary" data-testid="dismiss-keychain-notice" onClick={dismissKeychainNotice}>
            Dismiss
          </button>
        </Notice>
      ) : null}
      {owner !== null ? <TrainingNotices notices={training} /> : null}
    </section>
  );

  if (!session) {
    return (
      <>
        <Header session={null} platform={platform} />
        <main id="main" className="sign-in" data-testid="starting">
          <ErrorMessage testId="startup-error" title="Enclave could not start" text={startupError}>
            <button type="button" className="button secondary" data-testid="retry-startup" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </ErrorMessage>
          {startupError ? null : <p className="hint">Connecting to the workstation…</p>}
        </main>
      </>
    );
  }

  if (!owner) {
    const clearedNotice = (
      <div role="status" data-testid="local-data-cleared">
        {cleared ? (
          <Notice kind={cleared.kind === 'error' ? 'notice' : 'success'} testId="local-data-cleared-text" text={cleared.text} />
        ) : null}
      </div>
    );
    // An administrator suspended the person: say so, and why, rather than offer the usual sign-in.
    const suspension = session.state === 'signed_out' && session.message?.kind === 'suspended' ? session.message.text : null;
    return (
      <>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Header session={session} platform={platform} />
        {notices}
        {suspension !== null ? (
          <SuspendedScreen session={session} message={suspension} starting={starting} onSignIn={signIn}>
            {clearedNotice}
          </SuspendedScreen>
        ) : session.state === 'enrolling' ? (
          <EnrolmentScreen session={session} enrol={enrol} signOut={signOut} />
        ) : (
          <SignInScreen session={session} authorizationUrl={authorizationUrl} starting={starting} actions={{ signIn, cancel }}>
            {clearedNotice}
          </SignInScreen>
        )}
      </>
    );
  }

  return (
    <>
      <div className="app-shell" hidden={covered} inert={covered} data-testid="app-shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Header session={session} platform={platform} account={{ user: owner, lock, signOut }} />
        {notices}
        {workspaceOpen ? (
          <Workspace
            key={`${owner.id}#${opened?.round ?? 0}`}
            client={client}
            engines={engines}
            nonce={props.nonce}
            user={owner}
            requested={requested}
            requestedAdmin={requestedAdmin}
            navigate={navigate}
          />
        ) : (
          <main id="main" className="sign-in" data-testid="terms-checking">
            <div className="progress-line" role="status">
              <progress aria-label="Checking your terms of use" />
              <span>Checking your terms of use…</span>
            </div>
          </main>
        )}
      </div>
      {termsPending !== null && !locked ? (
        <AcceptTermsScreen
          session={session}
          user={owner}
          pending={termsPending}
          error={terms.error ?? actionError}
          busy={terms.accepting}
          actions={{ accept: terms.accept, decline: declineTerms }}
        />
      ) : null}
      {locked ? (
        <LockScreen
          session={session}
          user={owner}
          authorizationUrl={authorizationUrl}
          starting={starting}
          error={actionError}
          actions={{ unlock: signIn, cancel, signOut }}
        />
      ) : null}
    </>
  );
}
