// The disclosure-control rule profiles the platform enforces, as a plain table: the output checkers' reference beside
// their queue (each request's file view says which profile its outputs were checked with).
import { useEffect, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { RuleProfile } from '../../../src/common/contract.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { describeRule, RULE_ROWS } from './rule-text.ts';

export function RuleProfiles(props: { client: Client }) {
  const { client } = props;
  const [profiles, setProfiles] = useState<RuleProfile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    client.invoke('checking.rules', {}).then(
      (rules) => live && setProfiles(rules),
      (err: unknown) => live && setError(messageOf(err, 'The rule profiles could not be loaded.')),
    );
    return () => {
      live = false;
    };
  }, [client, attempt]);

  return (
    <section className="panel" aria-labelledby="rules-heading" data-testid="rule-profiles">
      <h2 id="rules-heading">Rule profiles</h2>
      <p className="hint">
        The platform checks every output against one of these disclosure-control profiles before a checker sees it. Use them as the
        reference when you review a request.
      </p>
      <ErrorMessage testId="rules-error" title="The rule profiles could not be loaded" text={error}>
        <button type="button" className="button secondary" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </ErrorMessage>
      {profiles === null && error === null ? <p className="hint">Loading the rule profiles…</p> : null}
      {profiles !== null && profiles.length === 0 ? <p className="hint">The platform enforces no rule profiles.</p> : null}
      {profiles !== null && profiles.length > 0 ? (
        <div className="table-wrap">
          <table className="fields rules" data-testid="rules-table">
            <caption>Disclosure-control rules by profile</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                {profiles.map((profile) => (
                  <th scope="col" key={profile.profile} data-testid={`rules-profile-${profile.profile}`}>
                    Profile <code>{profile.profile}</code>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {RULE_ROWS.map((row) => (
                <tr key={row.key} data-testid={`rule-${row.key}`}>
                  <th scope="row">
                    <span className="rule-name">{row.rule}</span>
                    <span className="rule-about">{row.about}</span>
                  </th>
                  {profiles.map((profile) => (
                    <td key={profile.profile} data-testid={`rule-${row.key}-${profile.profile}`}>
                      {describeRule(profile, row.key)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
