// The administrators' people screen (issue 18, #/admin/people): everybody the platform knows, with their roles and where
// they stand (status, terms of use, training, last sign-in: each in words, not colour alone); the changes waiting for a
// second administrator; and registering a person. A person's name opens their page (#/admin/people/<id>), which takes
// the list's place until "All people" (or Back). People are never deleted: someone who left is disabled.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { PersonChangeResult } from '../../../src/common/people.ts';
import { formatCount } from '../shell/format.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { personFromHash, personHashOf } from './admin-screens.ts';
import { ChangeAnswer, PendingChanges } from './PendingChanges.tsx';
import { PersonPage } from './PersonPage.tsx';
import {
  lastSignInInWords,
  rolesInWords,
  STATUS_BADGES,
  STATUS_LABELS,
  TERMS_BADGES,
  TERMS_LABELS,
  TRAINING_BADGES,
  TRAINING_LABELS,
} from './people-text.ts';
import { RegisterPersonForm } from './RegisterPersonForm.tsx';
import { useAdminRead } from './use-admin-read.ts';
import './admin.css';
import './incidents.css';
import './people.css';

/** The person the address names, kept in step with Back/Forward and typed addresses. */
function usePersonFromHash(): string | null {
  const [userId, setUserId] = useState(() => personFromHash(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setUserId(personFromHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return userId;
}

export function PeopleScreen(props: { client: Client; me: string; shown: boolean }) {
  const { client, me, shown } = props;
  const read = useCallback(() => client.invoke('admin.people', {}), [client]);
  const overview = useAdminRead(read, 'The people could not be read.', shown);
  const hashPerson = usePersonFromHash();
  // The address names a person only while this screen is shown (a hidden screen keeps its list).
  const userId = shown ? hashPerson : null;
  const [decided, setDecided] = useState<PersonChangeResult | null>(null);
  const people = overview.value?.people ?? [];
  const names = useMemo(() => new Map(people.map((person) => [person.id, person.displayName])), [people]);
  const counts = ['invited', 'active', 'suspended', 'disabled'] as const;

  return (
    <div className="people-screen" aria-busy={overview.loading} data-testid="people-screen" data-answered={overview.answered}>
      {userId !== null ? (
        <PersonPage key={userId} client={client} userId={userId} me={me} names={names} onChanged={overview.refresh} />
      ) : null}
      <div hidden={userId !== null}>
        <section className="panel" aria-labelledby="people-heading" data-testid="people-list">
          <div className="panel-top">
            <h2 id="people-heading">People</h2>
            <button
              type="button"
              className="button secondary"
              disabled={overview.loading}
              onClick={overview.refresh}
              data-testid="people-refresh"
            >
              {overview.loading ? 'Reading…' : 'Read again'}
            </button>
          </div>
          <p className="hint">
            Everybody who may use the platform, and everybody who has left: people are never deleted, so their history stays readable. Open
            a person to change their roles or status, with a reason the audit log keeps.
          </p>
          <ErrorMessage testId="people-error" title="The people could not be read" text={overview.error} />
          {overview.value === null ? (
            overview.error === null ? (
              <p className="hint">Reading the people…</p>
            ) : null
          ) : (
            <>
              <p className="hint" data-testid="people-counts">
                {formatCount(people.length)} {people.length === 1 ? 'person' : 'people'}:{' '}
                {counts
                  .map((status) => ({ status, n: people.filter((person) => person.status === status).length }))
                  .filter((entry) => entry.n > 0)
                  .map((entry) => `${formatCount(entry.n)} ${STATUS_LABELS[entry.status].toLowerCase()}`)
                  .join(', ')}
                .
              </p>
              <div className="table-wrap">
                <table className="fields people-table" data-testid="people-table">
                  <caption className="visually-hidden">People</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Username</th>
                      <th scope="col">Roles</th>
                      <th scope="col">Status</th>
                      <th scope="col">Terms of use</th>
                      <th scope="col">Training</th>
                      <th scope="col">Last sign-in</th>
                    </tr>
                  </thead>
                  <tbody>
                    {people.map((person) => (
                      <tr key={person.id} data-testid="person-row" data-user-id={person.id} data-status={person.status}>
                        <th scope="row">
                          <a href={personHashOf(person.id)} data-testid="person-link">
                            {person.displayName}
                          </a>
                          {person.id === me ? <span className="hint"> (you)</span> : null}
                        </th>
                        <td>
                          <code>{person.id}</code>
                        </td>
                        <td data-testid="person-row-roles">{rolesInWords(person.roles)}</td>
                        <td>
                          <span className={`badge status ${STATUS_BADGES[person.status]}`} data-testid="person-row-status">
                            {STATUS_LABELS[person.status]}
                          </span>
                        </td>
                        <td>
                          <span className={`badge status ${TERMS_BADGES[person.terms]}`} data-testid="person-row-terms">
                            {TERMS_LABELS[person.terms]}
                          </span>
                        </td>
                        <td>
                          <span className={`badge status ${TRAINING_BADGES[person.training]}`} data-testid="person-row-training">
                            {TRAINING_LABELS[person.training]}
                          </span>
                        </td>
                        <td className="audit-time">{lastSignInInWords(person.lastSignInAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
        {overview.value !== null && (overview.value.pending.length > 0 || decided !== null) ? (
          <section className="panel" aria-labelledby="pending-heading" data-testid="pending-panel">
            <h2 id="pending-heading">Waiting for a second administrator</h2>
            <div role="status">{decided ? <ChangeAnswer result={decided} testId="pending-decision" /> : null}</div>
            {overview.value.pending.length === 0 ? <p className="hint">Nothing waits now.</p> : null}
            <PendingChanges
              client={client}
              pending={overview.value.pending}
              names={names}
              me={me}
              onDecided={(result) => {
                setDecided(result);
                overview.refresh();
              }}
            />
          </section>
        ) : null}
        <RegisterPersonForm client={client} onRegistered={overview.refresh} />
      </div>
    </div>
  );
}
