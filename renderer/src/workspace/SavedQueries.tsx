// The project's saved queries: save the current tab under a name (with where it runs), open one into a new tab that
// runs there too, rename, delete. A name that is taken (whatever its letter case) is refused by the store and said so
// here; replacing that query's SQL is offered as its own, explicit action, so nothing saved is ever overwritten
// silently.
import { useId, useState } from 'react';
import { handledElsewhere } from '../../../src/common/detached.ts';
import type { SavedQuery } from '../../../src/common/workspace.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { formatWhen } from './when.ts';

export interface SavedQueryActions {
  save: (name: string) => Promise<SavedQuery>;
  /** Replaces a saved query's SQL with the current tab's. */
  replaceSql: (id: string) => Promise<SavedQuery>;
  rename: (id: string, name: string) => Promise<SavedQuery>;
  remove: (id: string) => Promise<void>;
  open: (query: SavedQuery) => void;
}

/** The store's rule for "the same name": letter case and Unicode form do not count. */
function sameName(a: string, b: string): boolean {
  const key = (name: string): string => name.trim().normalize('NFKC').toLocaleLowerCase('en-GB');
  return key(a) === key(b);
}

type Pending = { kind: 'rename'; id: string; name: string } | { kind: 'delete'; id: string } | null;

export function SavedQueries(props: { saved: readonly SavedQuery[]; currentTitle: string | null; actions: SavedQueryActions }) {
  const { saved, actions } = props;
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [clash, setClash] = useState<SavedQuery | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const nameId = useId();

  const attempt = async (work: () => Promise<string>, onError?: (err: unknown) => void): Promise<void> => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await work());
    } catch (err) {
      setError(messageOf(err, 'That did not work. Try again.'));
      onError?.(err);
    } finally {
      setBusy(false);
    }
  };

  const save = (): void => {
    const wanted = name.trim() || props.currentTitle || '';
    setClash(null);
    handledElsewhere(
      attempt(
        async () => {
          const query = await actions.save(wanted);
          setName('');
          return `Saved “${query.name}”.`;
        },
        () => setClash(saved.find((query) => sameName(query.name, wanted)) ?? null),
      ),
    );
  };

  return (
    <div className="side-panel" data-testid="saved-queries">
      <form
        className="save-query"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <div className="field compact">
          <label htmlFor={nameId}>Save the current tab as</label>
          <input
            id={nameId}
            value={name}
            maxLength={200}
            placeholder={props.currentTitle ?? ''}
            data-testid="saved-query-name"
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <button type="submit" className="button small" disabled={busy || props.currentTitle === null} data-testid="save-query">
          Save query
        </button>
      </form>
      <ErrorMessage testId="saved-query-error" title="Not saved" text={error}>
        {clash ? (
          <button
            type="button"
            className="button warning small"
            data-testid="replace-saved-query"
            onClick={() => {
              const target = clash;
              setClash(null);
              handledElsewhere(attempt(async () => `Replaced the SQL of “${(await actions.replaceSql(target.id)).name}”.`));
            }}
          >
            Replace the SQL of “{clash.name}”
          </button>
        ) : null}
      </ErrorMessage>
      <div role="status">{done ? <Notice kind="success" testId="saved-query-done" text={done} /> : null}</div>
      {saved.length === 0 ? (
        <p className="hint" data-testid="no-saved-queries">
          No saved queries in this project yet.
        </p>
      ) : (
        <ul className="saved-list" aria-label="Saved queries">
          {saved.map((query) => (
            <li key={query.id} className="saved-query" data-testid="saved-query">
              {pending?.kind === 'rename' && pending.id === query.id ? (
                <form
                  className="inline-form"
                  onSubmit={(event) => {
                    event.preventDefault();
                    const wanted = pending.name;
                    handledElsewhere(
                      attempt(async () => {
                        const renamed = await actions.rename(query.id, wanted);
                        setPending(null);
                        return `Renamed to “${renamed.name}”.`;
                      }),
                    );
                  }}
                >
                  <input
                    aria-label={`New name for ${query.name}`}
                    value={pending.name}
                    maxLength={200}
                    autoFocus
                    data-testid="rename-saved-query-input"
                    onChange={(event) => setPending({ kind: 'rename', id: query.id, name: event.target.value })}
                  />
                  <button type="submit" className="button small" disabled={busy} data-testid="confirm-rename-saved-query">
                    Rename
                  </button>
                  <button type="button" className="button secondary small" onClick={() => setPending(null)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <span className="saved-name" data-testid="saved-query-title">
                  {query.name}
                </span>
              )}
              <span className="hint saved-when">
                {query.engine === 'platform' ? (
                  <span className="engine-badge" data-engine="platform" data-testid="saved-query-engine">
                    Platform
                  </span>
                ) : null}
                Changed {formatWhen(query.updatedAt)}
              </span>
              {pending?.kind === 'delete' && pending.id === query.id ? (
                <div className="inline-confirm" role="group" aria-label={`Delete ${query.name}?`}>
                  <span>Delete “{query.name}” for good?</span>
                  <button
                    type="button"
                    className="button warning small"
                    disabled={busy}
                    data-testid="confirm-delete-saved-query"
                    onClick={() =>
                      handledElsewhere(
                        attempt(async () => {
                          await actions.remove(query.id);
                          setPending(null);
                          return `Deleted “${query.name}”.`;
                        }),
                      )
                    }
                  >
                    Delete
                  </button>
                  <button type="button" className="button secondary small" onClick={() => setPending(null)}>
                    Keep it
                  </button>
                </div>
              ) : (
                <div className="saved-actions">
                  <button type="button" className="link-button" data-testid="open-saved-query" onClick={() => actions.open(query)}>
                    Open<span className="visually-hidden"> {query.name}</span>
                  </button>
                  <button
                    type="button"
                    className="link-button"
                    data-testid="rename-saved-query"
                    onClick={() => setPending({ kind: 'rename', id: query.id, name: query.name })}
                  >
                    Rename<span className="visually-hidden"> {query.name}</span>
                  </button>
                  <button
                    type="button"
                    className="link-button"
                    data-testid="delete-saved-query"
                    onClick={() => setPending({ kind: 'delete', id: query.id })}
                  >
                    Delete<span className="visually-hidden"> {query.name}</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
