// The terms of use, before anything else: each set the person must accept (everyone's first, then their roles'), one at
// a time, with its version, the date it is in force from and what changed; "Accept" sends the exact version and sha256
// of the text shown, "Decline and sign out" records the refusal and ends the sign-in. It covers the window like the
// lock screen (the workspace, if open, stays underneath, hidden and inert), and takes the reader to its heading.
import { useEffect, useRef } from 'react';
import type { Session, User } from '../../../src/common/contract.ts';
import type { MyTerms } from '../../../src/common/terms.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { ROLE_LABELS } from './roles.ts';
import { audienceWords, dayWords } from './standing.ts';
import { TermsText } from './TermsText.tsx';
import './standing.css';

export function AcceptTermsScreen(props: {
  session: Session;
  user: User;
  /** What must be accepted, in order: the first is shown. */
  pending: readonly MyTerms[];
  /** An acceptance or a refusal that failed, in the platform's words. */
  error: string | null;
  busy: boolean;
  actions: { accept: (terms: MyTerms) => void; decline: (terms: MyTerms) => void };
}) {
  const { session, user, pending, error, busy, actions } = props;
  const terms = pending[0];
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = terms ? `${terms.current.audience}:${terms.current.version}` : '';
  // On arrival, and when the next set of terms replaces the one just accepted: the reader starts at its heading.
  useEffect(() => heading.current?.focus(), [shown]);
  if (!terms) return null;
  const { current } = terms;
  const platformName = session.platform.name ?? 'the platform';
  const textLabel = `Terms of use for ${audienceWords(current.audience)}, version ${current.version}`;
  return (
    <div className="lock-screen terms-screen" role="dialog" aria-modal="true" aria-labelledby="terms-heading" data-testid="terms-screen">
      <main className="lock-panel terms-panel">
        <p className="brand lock-brand" aria-hidden="true">
          Enclave
        </p>
        <h2 id="terms-heading" tabIndex={-1} ref={heading}>
          Accept the terms of use
        </h2>
        <p data-testid="terms-user">
          Signed in as <strong>{user.displayName}</strong> ({ROLE_LABELS[user.role]}). Before you use {platformName}, read its terms of use
          and accept them{pending.length > 1 ? ` (${pending.length} sets to accept)` : ''}.
        </p>
        <section
          aria-labelledby="terms-audience"
          data-testid="terms-pending"
          data-audience={current.audience}
          data-version={current.version}
        >
          <h3 id="terms-audience">Terms for {audienceWords(current.audience)}</h3>
          <dl className="facts" data-testid="terms-facts">
            <dt>Version</dt>
            <dd data-testid="terms-version">{current.version}</dd>
            <dt>In force from</dt>
            <dd data-testid="terms-effective">{dayWords(current.effectiveAt)}</dd>
            <dt>What changed</dt>
            <dd data-testid="terms-summary">{current.summary}</dd>
            {terms.acceptedVersion !== null ? (
              <>
                <dt>You accepted</dt>
                <dd>Version {terms.acceptedVersion}</dd>
              </>
            ) : null}
          </dl>
          {/* Scrolls on its own: focusable, so a keyboard can scroll it too. */}
          <div className="terms-scroll" role="region" aria-label={textLabel} tabIndex={0} data-testid="terms-text-region">
            <TermsText text={current.text} testId="terms-text" />
          </div>
        </section>
        <div className="message-actions">
          <button type="button" className="button" data-testid="accept-terms" disabled={busy} onClick={() => actions.accept(terms)}>
            Accept these terms
          </button>
          <button
            type="button"
            className="button warning"
            data-testid="decline-terms"
            disabled={busy}
            onClick={() => actions.decline(terms)}
          >
            Decline and sign out
          </button>
        </div>
        <p className="hint">
          Accepting records that you accepted version {current.version} exactly as shown here. Declining signs you out: the platform cannot
          be used without its terms. Nothing you saved is lost.
        </p>
        <ErrorMessage testId="terms-error" title="That did not work" text={error} />
      </main>
    </div>
  );
}
