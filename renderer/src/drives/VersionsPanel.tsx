// A file's versions (issue 17): every version the drive keeps, newest first, with who made it, when, its size and what
// made it (created, changed, restored …); one can be viewed as text (its first 64 KB) and restored after a confirmation.
// A restore is a new version with the old content: nothing is lost, the current one stays in the list.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { DriveVersionText } from '../../../src/common/contract.ts';
import type { DriveEntry, DriveVersion } from '../../../src/common/drives.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import { formatBytes } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { changeLabel } from './drive-text.ts';

export function VersionsPanel(props: {
  client: Client;
  projectId: string;
  entry: DriveEntry;
  onRestored: (entry: DriveEntry) => void;
  onClose: () => void;
}) {
  const { client, projectId, entry } = props;
  const read = useCallback(() => client.invoke('drive.versions', { projectId, path: entry.path }), [client, projectId, entry.path]);
  const versions = useAdminRead(read, 'The file’s versions could not be read.');
  const [preview, setPreview] = useState<DriveVersionText | null>(null);
  const [confirming, setConfirming] = useState<DriveVersion | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);

  useEffect(() => heading.current?.focus(), [entry.path]);
  useEffect(() => {
    if (confirming !== null) confirmButton.current?.focus();
  }, [confirming]);

  const view = (version: DriveVersion): void => {
    setError(null);
    setBusy(true);
    client
      .invoke('drive.viewVersion', { projectId, path: entry.path, version: version.version })
      .then(setPreview, (err: unknown) => setError(messageOf(err, 'That version could not be read.')))
      .finally(() => setBusy(false));
  };

  const restore = (version: DriveVersion): void => {
    setError(null);
    setBusy(true);
    client
      .invoke('drive.restoreVersion', { projectId, path: entry.path, version: version.version })
      .then(
        (restored) => {
          setConfirming(null);
          setNews(`Version ${version.version} was restored as version ${restored.version}.`);
          versions.refresh();
          props.onRestored(restored);
        },
        (err: unknown) => setError(messageOf(err, `Version ${version.version} was not restored. Nothing was changed.`)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <section
      className="panel drive-versions"
      aria-labelledby="drive-versions-title"
      data-testid="drive-versions"
      data-answered={versions.answered}
    >
      <div className="drive-panel-head">
        <h3 id="drive-versions-title" tabIndex={-1} ref={heading}>
          Versions of “{entry.name}”
        </h3>
        <button type="button" className="button secondary small" onClick={props.onClose} data-testid="drive-versions-close">
          Close<span className="visually-hidden"> the versions</span>
        </button>
      </div>
      <ErrorMessage testId="drive-versions-error" title="That did not work" text={versions.error ?? error} />
      <div role="status">{news !== null ? <Notice kind="success" testId="drive-versions-news" text={news} /> : null}</div>
      {versions.value === null ? (
        <p className="hint">Reading the versions…</p>
      ) : (
        <div className="table-wrap">
          <table className="fields" data-testid="drive-versions-table">
            <caption className="visually-hidden">Versions of {entry.name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Size</th>
                <th scope="col">Change</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {versions.value.versions.map((version) => (
                <tr key={version.version} data-testid="drive-version" data-version={version.version} data-current={version.current}>
                  <th scope="row">
                    {version.version}
                    {version.current ? <span className="badge available drive-current">current</span> : null}
                  </th>
                  <td>{formatEventTime(version.at)}</td>
                  <td>{version.by.name}</td>
                  <td>{formatBytes(version.size)}</td>
                  <td>{changeLabel(version.change)}</td>
                  <td>
                    <div className="drive-actions">
                      <button
                        type="button"
                        className="link-button"
                        disabled={busy}
                        onClick={() => view(version)}
                        aria-label={`View version ${version.version}`}
                        data-testid="drive-version-view"
                      >
                        View
                      </button>
                      {version.current ? null : (
                        <button
                          type="button"
                          className="link-button"
                          disabled={busy}
                          onClick={() => setConfirming(version)}
                          aria-label={`Restore version ${version.version}`}
                          data-testid="drive-version-restore"
                        >
                          Restore
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming !== null ? (
        <div className="message notice" role="group" aria-labelledby="drive-restore-title" data-testid="drive-restore-confirm">
          <span className="message-title" id="drive-restore-title">
            Restore version {confirming.version} of “{entry.name}”?
          </span>
          <span className="message-text">
            Its content ({formatBytes(confirming.size)}, by {confirming.by.name}, {formatEventTime(confirming.at)}) becomes a new version;
            the current one is kept among the versions. Everyone’s local copy follows.
          </span>
          <div className="message-actions">
            <button
              type="button"
              ref={confirmButton}
              className="button small"
              disabled={busy}
              onClick={() => restore(confirming)}
              data-testid="drive-restore-yes"
            >
              {busy ? 'Restoring…' : `Restore version ${confirming.version}`}
            </button>
            <button type="button" className="button secondary small" onClick={() => setConfirming(null)} data-testid="drive-restore-no">
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {preview !== null ? (
        <div className="drive-preview" data-testid="drive-version-preview">
          <h4>
            Version {preview.version}
            {preview.truncated
              ? `: its first ${formatBytes(preview.text === null ? 0 : new TextEncoder().encode(preview.text).byteLength)} of ${formatBytes(preview.size)}`
              : ''}
          </h4>
          {preview.text === null ? (
            <p className="hint">This version is not text, so it cannot be shown here. Open it as a table, or restore it.</p>
          ) : (
            // Focusable, so a keyboard can scroll it.
            <pre tabIndex={0} aria-label={`Text of version ${preview.version}`} data-testid="drive-version-text">
              {preview.text}
            </pre>
          )}
        </div>
      ) : null}
    </section>
  );
}
