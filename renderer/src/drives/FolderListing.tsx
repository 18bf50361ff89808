// One folder of a project's drive (issue 17): breadcrumbs back up to the drive's root, a new folder, and the entries
// (folders first) with their size, who changed them last and when, where each file stands with this computer's folder,
// and who holds a lock on it; each with its actions (versions, open as a local table, rename or move, delete). A
// folder's name is a link (#/drive/<path>), so Back and Forward walk the folders.
import { useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { DriveSyncView } from '../../../src/common/contract.ts';
import type { DriveEntry } from '../../../src/common/drives.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { formatBytes } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { driveHashOf } from './drive-address.ts';
import { breadcrumbs, childPath, fileSyncState, opensAsTable, SYNC_STATE_LABELS } from './drive-text.ts';

/** What a person asked to do with an entry: each opens its own form below the listing. */
export type EntryAction = 'versions' | 'open' | 'rename' | 'delete';

/** A folder's mark beside its name (drawn, not an emoji: not every desktop has a font for one). */
function FolderIcon() {
  return (
    <svg className="drive-folder-icon" viewBox="0 0 16 14" width="16" height="14" aria-hidden="true" focusable="false">
      <path
        d="M1 2.5A1.5 1.5 0 0 1 2.5 1h3.6l1.6 1.8h5.8A1.5 1.5 0 0 1 15 4.3v7.2a1.5 1.5 0 0 1-1.5 1.5h-11A1.5 1.5 0 0 1 1 11.5z"
        fill="currentColor"
      />
    </svg>
  );
}

export function Breadcrumbs(props: { folder: string }) {
  const crumbs = breadcrumbs(props.folder);
  return (
    <nav aria-labelledby="drive-crumbs-label" className="drive-crumbs" data-testid="drive-crumbs">
      <span className="drive-crumbs-label" id="drive-crumbs-label">
        Folder:
      </span>
      <ol>
        {crumbs.map((crumb, i) => (
          <li key={crumb.path}>
            {i === crumbs.length - 1 ? <span aria-current="page">{crumb.name}</span> : <a href={driveHashOf(crumb.path)}>{crumb.name}</a>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function NewFolder(props: { client: Client; projectId: string; folder: string; onMade: (entry: DriveEntry) => void }) {
  const { client, projectId, folder } = props;
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) field.current?.focus();
  }, [open]);

  if (!open) {
    return (
      <button type="button" className="button secondary small" onClick={() => setOpen(true)} data-testid="drive-new-folder">
        New folder
      </button>
    );
  }
  const submit = (): void => {
    setBusy(true);
    setError(null);
    client
      .invoke('drive.mkdir', { projectId, path: childPath(folder, name.trim()) })
      .then(
        (entry) => {
          setOpen(false);
          setName('');
          props.onMade(entry);
        },
        (err: unknown) => setError(messageOf(err, 'The folder was not made.')),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form
      className="drive-inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      data-testid="drive-new-folder-form"
    >
      <div className="field">
        <label htmlFor="drive-new-folder-name">New folder’s name</label>
        <input
          id="drive-new-folder-name"
          ref={field}
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          data-testid="drive-new-folder-name"
        />
      </div>
      <button type="submit" className="button small" disabled={busy || name.trim() === ''} data-testid="drive-new-folder-make">
        {busy ? 'Making…' : 'Make folder'}
      </button>
      <button type="button" className="button secondary small" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorMessage testId="drive-new-folder-error" title="The folder was not made" text={error} />
    </form>
  );
}

function SyncCell(props: { view: DriveSyncView | null; entry: DriveEntry }) {
  const { view, entry } = props;
  if (entry.kind === 'folder') return null;
  if (view?.mode === 'memory') return <span className="hint">Not on this computer</span>;
  const state = fileSyncState(view, entry.path);
  if (state === null) return <span className="hint">Unknown (not syncing)</span>;
  return (
    <span className={`sync-state ${state.state}`} data-testid="drive-entry-sync" data-state={state.state} title={state.detail ?? undefined}>
      {SYNC_STATE_LABELS[state.state]}
      {state.detail !== null ? <span className="visually-hidden">: {state.detail}</span> : null}
    </span>
  );
}

export function FolderListing(props: {
  entries: readonly DriveEntry[] | null;
  view: DriveSyncView | null;
  selected: { path: string; action: EntryAction } | null;
  onAction: (entry: DriveEntry, action: EntryAction) => void;
}) {
  const { entries, view } = props;
  if (entries === null) return <p className="hint">Reading the folder…</p>;
  if (entries.length === 0) {
    return (
      <p className="hint" data-testid="drive-empty">
        This folder is empty.
      </p>
    );
  }
  /** An entry's action: its visible word, and a name that says which entry (the visible word first, as it is seen). */
  const button = (entry: DriveEntry, action: EntryAction, [visible, name]: readonly [string, string]) => (
    <button
      type="button"
      className="link-button"
      aria-label={name}
      aria-pressed={props.selected?.path === entry.path && props.selected.action === action}
      onClick={() => props.onAction(entry, action)}
      data-testid={`drive-entry-${action}`}
    >
      {visible}
    </button>
  );
  return (
    <div className="table-wrap">
      <table className="fields drive-table" data-testid="drive-listing">
        <caption className="visually-hidden">The folder’s files and folders</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Size</th>
            <th scope="col">Modified</th>
            <th scope="col">On this computer</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.path} data-testid="drive-entry" data-path={entry.path} data-kind={entry.kind}>
              <th scope="row" className="drive-name">
                {entry.kind === 'folder' ? (
                  <a href={driveHashOf(entry.path)} className="drive-folder-link" data-testid="drive-entry-folder">
                    <FolderIcon />
                    {entry.name}
                    <span className="visually-hidden"> (folder)</span>
                  </a>
                ) : (
                  <span data-testid="drive-entry-name">{entry.name}</span>
                )}
                {entry.lockedBy !== null ? (
                  <span className="badge drive-lock" data-testid="drive-entry-lock">
                    Locked by {entry.lockedBy.name}
                  </span>
                ) : null}
              </th>
              <td className="drive-size">{entry.kind === 'folder' ? '—' : formatBytes(entry.size)}</td>
              <td className="drive-modified">
                {formatEventTime(entry.modifiedAt)}
                <span className="request-meta">by {entry.modifiedBy.name}</span>
              </td>
              <td>
                <SyncCell view={view} entry={entry} />
              </td>
              <td>
                <div className="drive-actions">
                  {entry.kind === 'file' ? button(entry, 'versions', ['Versions', `Versions of ${entry.name}`]) : null}
                  {entry.kind === 'file' && opensAsTable(entry.name)
                    ? button(entry, 'open', ['Open as table', `Open as table: ${entry.name}`])
                    : null}
                  {button(entry, 'rename', ['Rename or move', `Rename or move ${entry.name}`])}
                  {button(entry, 'delete', ['Delete', `Delete ${entry.name}`])}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
