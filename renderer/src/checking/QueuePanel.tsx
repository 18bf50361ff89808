// The output checkers' queue (issue 16): the release requests waiting for review across projects, oldest first — never
// the checker's own (the platform leaves them out, whatever roles the checker holds) — with the age of each, the
// checker's own progress and the reviews of the round. A request opens its review page; a request that has left the
// queue (released, to be revoked) opens by its id.
import { useCallback, useState, type FormEvent } from 'react';
import { REQUEST_ID_PATTERN } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import { formatCount } from '../shell/format.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { ageText, FROZEN_LABEL, oldestFirst, progressText, reviewsText, STATE_LABELS, stateTone } from './checking-words.ts';

function OpenById(props: { onOpen: (requestId: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const id = value.trim();
    if (!REQUEST_ID_PATTERN.test(id)) {
      setError('A request id is “req-” followed by 20 hexadecimal digits, as the notification or the analyst gives it.');
      return;
    }
    setError(null);
    props.onOpen(id);
  };
  return (
    <form className="open-request" aria-labelledby="open-request-heading" onSubmit={submit} data-testid="open-request-form">
      <h3 id="open-request-heading">Open a request by its id</h3>
      <p className="hint">For a request that is no longer in the queue: a released one to revoke, or one a notification names.</p>
      <div className="controls">
        <div className="field">
          <label htmlFor="open-request-id">Request id</label>
          <input
            id="open-request-id"
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            data-testid="open-request-id"
          />
        </div>
        <button type="submit" className="button secondary" data-testid="open-request">
          Open
        </button>
      </div>
      <ErrorMessage testId="open-request-error" title="That is not a request id" text={error} />
    </form>
  );
}

export function QueuePanel(props: {
  client: Client;
  onOpen: (requestId: string) => void;
  /** Whether the person is an output checker (an administrator opens a released request by id, to revoke it); null until known. */
  checker: boolean | null;
  /** Whether the queue is on the screen: it is read each time it comes back. */
  shown: boolean;
}) {
  const { client, onOpen, checker, shown } = props;
  // Read again whenever the queue comes back (a review page closed, the screen shown again), so the progress shown is
  // what the checker just did.
  const read = useCallback(() => client.invoke('airlock.queue', {}), [client]);
  const queue = useAdminRead(read, 'The queue could not be read.', checker === true && shown);
  const entries = queue.value === null ? null : oldestFirst(queue.value);

  return (
    <section className="panel" aria-labelledby="queue-heading" data-testid="checking-queue" data-answered={queue.answered}>
      <div className="panel-top">
        <h2 id="queue-heading" tabIndex={-1}>
          Requests to review
        </h2>
        <button
          type="button"
          className="button secondary"
          disabled={queue.loading || checker !== true}
          onClick={queue.refresh}
          data-testid="queue-refresh"
        >
          {queue.loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      {checker === false ? (
        <p className="hint" data-testid="queue-not-checker">
          The queue is for output checkers. As an administrator you may open a released request by its id to revoke the release.
        </p>
      ) : null}
      <p className="hint" hidden={checker === false}>
        Release requests from every project, oldest first. Your own requests are never here: an author never reviews their own outputs. Two
        checkers review each request independently; you see the other’s votes and comments once both reviews are complete. A request marked
        frozen waits: its analyst’s access is suspended, and nothing can be decided on it until that is lifted.
      </p>
      <ErrorMessage testId="queue-error" title="The queue could not be read" text={queue.error} />
      {checker !== true ? null : entries === null ? (
        queue.error === null ? (
          <p className="hint">Reading the queue…</p>
        ) : null
      ) : entries.length === 0 ? (
        <p className="hint" data-testid="queue-empty">
          Nothing waits for review.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="fields queue-table" data-testid="queue-table">
            <caption className="visually-hidden">Release requests to review, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Project</th>
                <th scope="col">State</th>
                <th scope="col">Waiting</th>
                <th scope="col">Your progress</th>
                <th scope="col">Reviews</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr
                  key={entry.id}
                  data-testid="queue-row"
                  data-request-id={entry.id}
                  data-state={entry.state}
                  data-frozen={entry.frozen === true}
                >
                  <th scope="row">
                    <button type="button" className="link-button" onClick={() => onOpen(entry.id)} data-testid="queue-open">
                      {entry.title}
                    </button>
                    <span className="queue-meta">
                      by {entry.author.name} · {formatCount(entry.outputs)} {entry.outputs === 1 ? 'output' : 'outputs'}
                      {entry.files > entry.outputs ? `, ${formatCount(entry.files - entry.outputs)} supporting` : ''}
                      {entry.round > 1 ? ` · resubmitted (round ${entry.round})` : ''}
                    </span>
                  </th>
                  <td>{entry.projectName}</td>
                  <td>
                    <span className={`badge status ${stateTone(entry.state)}`} data-testid="queue-state">
                      {STATE_LABELS[entry.state]}
                    </span>
                    {entry.frozen === true ? (
                      <span
                        className="badge status bad queue-frozen"
                        title="The analyst’s access is suspended: nothing can be decided until it is lifted"
                        data-testid="queue-frozen"
                      >
                        {FROZEN_LABEL}
                        <span className="visually-hidden">
                          : the analyst’s access is suspended, nothing can be decided until it is lifted
                        </span>
                      </span>
                    ) : null}
                  </td>
                  <td className="queue-age" data-testid="queue-age">
                    {ageText(entry.ageSeconds)}
                  </td>
                  <td data-testid="queue-progress">{progressText(entry)}</td>
                  <td data-testid="queue-reviews">{reviewsText(entry.reviewsCompleted)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <OpenById onOpen={onOpen} />
    </section>
  );
}
