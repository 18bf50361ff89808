// The project's query history, newest first and searchable: each run's SQL, when, rows, duration and outcome, and
// where it ran (local DuckDB or the platform). Any run opens into a new editor tab that runs where it ran. In 'disk'
// projects the core records runs itself; in 'memory' ones this window does.
import { useEffect, useId, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { MAX_HISTORY_PAGE, type HistoryEntry } from '../../../src/common/workspace.ts';
import { formatDuration, formatRows } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { formatWhen } from './when.ts';

const PAGE = 50;
const SEARCH_PAUSE_MS = 250;

const OUTCOME_LABEL: Record<HistoryEntry['outcome'], string> = { ok: 'Done', error: 'Error', cancelled: 'Cancelled' };
const ENGINE_LABEL: Record<HistoryEntry['engine'], string> = { local: 'Local', platform: 'Platform' };

export function HistoryPanel(props: {
  client: Client;
  projectId: string;
  /** Changes after every run, so the list is read again. */
  version: number;
  onOpen: (entry: HistoryEntry) => void;
}) {
  const { client, projectId, version } = props;
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [page, setPage] = useState<{ entries: HistoryEntry[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const searchId = useId();

  // Searching waits for a pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search);
      setLimit(PAGE);
    }, SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    let live = true;
    client.invoke('workspace.history', { projectId, query: { search: query, offset: 0, limit } }).then(
      (answer) => {
        if (!live) return;
        setPage(answer);
        setError(null);
      },
      (err: unknown) => live && setError(messageOf(err, 'The history could not be read.')),
    );
    return () => {
      live = false;
    };
  }, [client, projectId, query, limit, version]);

  return (
    <div className="side-panel" data-testid="history-panel">
      <div className="field compact">
        <label htmlFor={searchId}>Search the history</label>
        <input
          id={searchId}
          type="search"
          value={search}
          maxLength={1000}
          data-testid="history-search"
          onChange={(event) => setSearch(event.target.value)}
        />
      </div>
      <ErrorMessage testId="history-error" title="The history could not be read" text={error} />
      {page === null ? (
        <p className="hint">Reading the history…</p>
      ) : page.entries.length === 0 ? (
        <p className="hint" data-testid="history-empty">
          {query ? 'No run matches your search.' : 'No queries have run in this project yet.'}
        </p>
      ) : (
        <>
          <p className="hint" role="status" data-testid="history-count">
            {query ? `${page.total.toLocaleString('en-GB')} matching` : `${page.total.toLocaleString('en-GB')} in all`}, newest first
          </p>
          <ol className="history-list" aria-label="Query history, newest first">
            {page.entries.map((entry) => (
              <li key={entry.id} className={`history-entry ${entry.outcome}`} data-testid="history-entry" data-engine={entry.engine}>
                <div className="history-meta">
                  <span className="engine-badge" data-engine={entry.engine} data-testid="history-engine">
                    {ENGINE_LABEL[entry.engine]}
                  </span>
                  <time dateTime={entry.startedAt}>{formatWhen(entry.startedAt)}</time>
                  <span className={`outcome ${entry.outcome}`}>{OUTCOME_LABEL[entry.outcome]}</span>
                  {entry.rows !== null ? <span>{formatRows(entry.rows)}</span> : null}
                  <span>{formatDuration(entry.durationMs)}</span>
                </div>
                <pre className="history-sql" data-testid="history-sql">
                  {entry.sql}
                </pre>
                {entry.message ? <p className="history-message">{entry.message}</p> : null}
                <button type="button" className="link-button" data-testid="open-history" onClick={() => props.onOpen(entry)}>
                  Open in a new tab
                  <span className="visually-hidden">
                    {' '}
                    (the {entry.engine === 'platform' ? 'platform query' : 'run'} at {formatWhen(entry.startedAt)})
                  </span>
                </button>
              </li>
            ))}
          </ol>
          {page.total > page.entries.length ? (
            limit < MAX_HISTORY_PAGE ? (
              <button
                type="button"
                className="button secondary small"
                data-testid="more-history"
                onClick={() => setLimit((n) => Math.min(n + PAGE, MAX_HISTORY_PAGE))}
              >
                Show more
              </button>
            ) : (
              <p className="hint">Search to find older runs.</p>
            )
          ) : null}
        </>
      )}
    </div>
  );
}
