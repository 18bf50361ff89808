// The drive's trash (issue 17): what was deleted, by whom and when, until when it is kept; each can be restored to
// where it was (for everyone, local folders included). Read when the panel is opened and after each restore.
import { useCallback, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { DriveEntry, DriveTrashEntry } from '../../../src/common/drives.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import { formatBytes } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';

function TrashList(props: { client: Client; projectId: string; onRestored: (entry: DriveEntry) => void }) {
  const { client, projectId } = props;
  const read = useCallback(() => client.invoke('drive.trash', { projectId }), [client, projectId]);
  const trash = useAdminRead(read, 'The trash could not be read.');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);

  const restore = (item: DriveTrashEntry): void => {
    setBusy(item.trashId);
    setError(null);
    setNews(null);
    client
      .invoke('drive.restoreTrash', { projectId, trashId: item.trashId })
      .then(
        (entry) => {
          setNews(`${entry.path} is back in the drive.`);
          trash.refresh();
          props.onRestored(entry);
        },
        (err: unknown) => setError(messageOf(err, `${item.path} was not restored. Nothing was changed.`)),
      )
      .finally(() => setBusy(null));
  };

  return (
    <div data-testid="drive-trash-list" data-answered={trash.answered}>
      <ErrorMessage testId="drive-trash-error" title="That did not work" text={trash.error ?? error} />
      <div role="status">{news !== null ? <Notice kind="success" testId="drive-trash-news" text={news} /> : null}</div>
      {trash.value === null ? (
        <p className="hint">Reading the trash…</p>
      ) : trash.value.length === 0 ? (
        <p className="hint" data-testid="drive-trash-empty">
          The trash is empty.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="fields" data-testid="drive-trash-table">
            <caption className="visually-hidden">Deleted files and folders</caption>
            <thead>
              <tr>
                <th scope="col">Was at</th>
                <th scope="col">Size</th>
                <th scope="col">Deleted</th>
                <th scope="col">Kept until</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {trash.value.map((item) => (
                <tr key={item.trashId} data-testid="drive-trash-entry" data-path={item.path}>
                  <th scope="row" className="mono">
                    {item.path}
                    {item.kind === 'folder' ? ' (folder)' : ''}
                  </th>
                  <td>{formatBytes(item.size)}</td>
                  <td>
                    {formatEventTime(item.deletedAt)}
                    <span className="request-meta">by {item.deletedBy.name}</span>
                  </td>
                  <td>{formatEventTime(item.purgeAt)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      disabled={busy !== null}
                      onClick={() => restore(item)}
                      aria-label={`Restore ${item.path}`}
                      data-testid="drive-trash-restore"
                    >
                      {busy === item.trashId ? 'Restoring…' : 'Restore'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function TrashPanel(props: { client: Client; projectId: string; onRestored: (entry: DriveEntry) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="panel" aria-labelledby="drive-trash-title" data-testid="drive-trash">
      <div className="drive-panel-head">
        <h2 id="drive-trash-title">Trash</h2>
        <button
          type="button"
          className="button secondary small"
          aria-expanded={open}
          aria-controls="drive-trash-body"
          onClick={() => setOpen((now) => !now)}
          data-testid="drive-trash-toggle"
        >
          {open ? 'Hide the trash' : 'Show the trash'}
        </button>
      </div>
      <div id="drive-trash-body" hidden={!open}>
        {open ? <TrashList client={props.client} projectId={props.projectId} onRestored={props.onRestored} /> : null}
      </div>
    </section>
  );
}
