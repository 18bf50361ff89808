// What a person does with one entry of the drive (issue 17), each in a small form below the listing that takes the
// focus when it opens: rename or move it (only if it is still as they saw it: its ETag goes with the move), delete it
// (to the drive's trash, after a confirmation), or open a CSV, Parquet or Arrow file as a local table (into the core's
// engine, or this window's for a project kept in the window), with progress and a Cancel.
import { useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { CallProgress } from '../../../src/common/contract.ts';
import { parentDrivePath, type DriveEntry } from '../../../src/common/drives.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import type { ProjectEngine } from '../analysis/project-engines.ts';
import { formatRows } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { CallProgressLine } from './CallProgressLine.tsx';
import { tableNameFor } from './drive-text.ts';
import { windowLoadable } from './window-files.ts';

/** Focus on the form's first control when it opens: the person reads what they are about to do. */
function useFocusOnOpen<T extends HTMLElement>(key: string) {
  const first = useRef<T>(null);
  useEffect(() => first.current?.focus(), [key]);
  return first;
}

export function RenameForm(props: {
  client: Client;
  projectId: string;
  entry: DriveEntry;
  onDone: (entry: DriveEntry) => void;
  onCancel: () => void;
}) {
  const { client, projectId, entry } = props;
  const [to, setTo] = useState(entry.path);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useFocusOnOpen<HTMLInputElement>(entry.path);
  const submit = (): void => {
    setBusy(true);
    setError(null);
    client
      .invoke('drive.move', { projectId, from: entry.path, to: to.trim(), ifMatch: entry.etag })
      .then(props.onDone, (err: unknown) => setError(messageOf(err, `“${entry.name}” was not moved. Nothing was changed.`)))
      .finally(() => setBusy(false));
  };
  return (
    <form
      className="panel drive-action"
      aria-labelledby="drive-rename-title"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      data-testid="drive-rename-form"
    >
      <h3 id="drive-rename-title">Rename or move “{entry.name}”</h3>
      <p className="hint">
        Its new path in the drive: a new name, or folders and a name (“results/2026/{entry.name}”). Everyone’s local folder follows.
      </p>
      <div className="field">
        <label htmlFor="drive-rename-to">New path</label>
        <input id="drive-rename-to" ref={field} value={to} onChange={(event) => setTo(event.target.value)} data-testid="drive-rename-to" />
      </div>
      <ErrorMessage testId="drive-rename-error" title="Nothing was moved" text={error} />
      <div className="dialog-actions">
        <button
          type="submit"
          className="button small"
          disabled={busy || to.trim() === '' || to.trim() === entry.path}
          data-testid="drive-rename-save"
        >
          {busy ? 'Moving…' : entry.kind === 'folder' ? 'Move folder' : 'Move file'}
        </button>
        <button type="button" className="button secondary small" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function DeleteConfirm(props: {
  client: Client;
  projectId: string;
  entry: DriveEntry;
  trashDays: number | null;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { client, projectId, entry } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = useFocusOnOpen<HTMLButtonElement>(entry.path);
  const confirm = (): void => {
    setBusy(true);
    setError(null);
    client
      .invoke('drive.delete', { projectId, path: entry.path, ifMatch: entry.etag })
      .then(props.onDone, (err: unknown) => setError(messageOf(err, `“${entry.name}” was not deleted.`)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="panel drive-action" role="group" aria-labelledby="drive-delete-title" data-testid="drive-delete-confirm">
      <h3 id="drive-delete-title">
        Delete {entry.kind === 'folder' ? 'the folder' : ''} “{entry.name}”?
      </h3>
      <p>
        It goes to the drive’s trash{entry.kind === 'folder' ? ' with everything in it' : ''}, for everyone in the project
        {props.trashDays === null ? '' : `, for ${props.trashDays} days`}; it can be restored from there. Everyone’s local copy goes too.
      </p>
      <ErrorMessage testId="drive-delete-error" title="Nothing was deleted" text={error} />
      <div className="dialog-actions">
        <button type="button" ref={first} className="button warning small" disabled={busy} onClick={confirm} data-testid="drive-delete-yes">
          {busy ? 'Deleting…' : 'Delete'}
        </button>
        <button type="button" className="button secondary small" onClick={props.onCancel} data-testid="drive-delete-no">
          Keep it
        </button>
      </div>
    </div>
  );
}

export function OpenAsTable(props: {
  client: Client;
  projectId: string;
  entry: DriveEntry;
  projectEngine: ProjectEngine | null;
  tables: readonly LocalTable[] | null;
  onOpened: (table: string, rows: number) => void;
  onCancel: () => void;
}) {
  const { client, projectId, entry, projectEngine } = props;
  const [table, setTable] = useState(() => tableNameFor(entry.name));
  const [replace, setReplace] = useState(false);
  const [progress, setProgress] = useState<CallProgress | null>(null);
  const [running, setRunning] = useState<AbortController | null>(null);
  const [error, setError] = useState<string | null>(null);
  const field = useFocusOnOpen<HTMLInputElement>(entry.path);
  const exists = props.tables?.some((each) => each.name === table) ?? false;

  const open = async (signal: AbortSignal): Promise<{ table: string; rows: number }> => {
    const onProgress = (next: CallProgress): void => setProgress(next);
    if (projectEngine?.mode === 'memory') {
      const bytes = await client.invoke('drive.download', { projectId, path: entry.path }, { signal, onProgress });
      const stream = windowLoadable(entry.name, bytes);
      setProgress({ done: 0, total: null, unit: 'rows', stage: 'Loading into the local table' });
      return projectEngine.engine.load({
        table,
        format: 'arrow',
        chunks: (async function* () {
          yield stream;
        })(),
        replace,
        signal,
        onProgress: ({ rows }) => {
          if (rows !== undefined) setProgress({ done: rows, total: null, unit: 'rows', stage: 'Loading into the local table' });
        },
      });
    }
    return client.invoke('drive.openFile', { projectId, path: entry.path, table, replace }, { signal, onProgress });
  };

  const submit = (): void => {
    const controller = new AbortController();
    setRunning(controller);
    setError(null);
    setProgress(null);
    open(controller.signal)
      .then(
        (opened) => props.onOpened(opened.table, opened.rows),
        (err: unknown) => setError(messageOf(err, `“${entry.name}” could not be opened. Nothing was changed.`)),
      )
      .finally(() => setRunning(null));
  };

  return (
    <form
      className="panel drive-action"
      aria-labelledby="drive-open-title"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      data-testid="drive-open-form"
    >
      <h3 id="drive-open-title">Open “{entry.name}” as a local table</h3>
      <p className="hint">
        {projectEngine?.mode === 'memory'
          ? 'It is read into this window’s engine (nothing is written to this computer’s disk).'
          : 'The drive’s current version is read into the project’s local engine, all or nothing.'}{' '}
        From {parentDrivePath(entry.path) === '' ? 'the drive’s top folder' : parentDrivePath(entry.path)}.
      </p>
      <div className="controls">
        <div className="field">
          <label htmlFor="drive-open-table">Table name</label>
          <input
            id="drive-open-table"
            ref={field}
            value={table}
            onChange={(event) => setTable(event.target.value)}
            pattern="[a-z_][a-z0-9_]*"
            maxLength={63}
            aria-describedby="drive-open-table-hint"
            data-testid="drive-open-table"
          />
          <span className="hint" id="drive-open-table-hint">
            Lower-case letters, digits and “_”.
          </span>
        </div>
        <label className="choice-radio">
          <input
            type="checkbox"
            checked={replace}
            onChange={(event) => setReplace(event.target.checked)}
            data-testid="drive-open-replace"
          />
          <span>Replace a table of that name{exists ? ' (there is one)' : ''}</span>
        </label>
      </div>
      <ErrorMessage testId="drive-open-error" title="Nothing was opened" text={error} />
      {running !== null ? (
        <CallProgressLine
          label={`Opening ${entry.name}`}
          progress={progress}
          onCancel={() => running.abort()}
          testId="drive-open-progress"
        />
      ) : (
        <div className="dialog-actions">
          <button type="submit" className="button small" disabled={table === '' || (exists && !replace)} data-testid="drive-open-go">
            Open as table
          </button>
          <button type="button" className="button secondary small" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      )}
    </form>
  );
}

/** What an open said: the table and its rows. */
export function openedText(table: string, rows: number): string {
  return `Opened as the local table ${table} (${formatRows(rows)}).`;
}
