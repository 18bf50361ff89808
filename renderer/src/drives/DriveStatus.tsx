// The head of the Drive screen (issue 17): how full the drive is (a meter, with the numbers), where its local folder is
// on this computer (with a Copy button) or that it has none (a project kept in the window), and how its sync stands:
// the phase, a transfer's bytes, the reason when it is paused or stopped, a paused delete waiting for the person's
// "apply" or "restore", and the notices (conflict copies named), each dismissable.
import { useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { DriveSyncNotice, DriveSyncView } from '../../../src/common/contract.ts';
import type { DriveInfo } from '../../../src/common/drives.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { CopyField } from './CopyField.tsx';
import { phaseText, quotaText, transferText } from './drive-text.ts';

export function QuotaBar(props: { info: DriveInfo | null }) {
  const { info } = props;
  if (info === null) return null;
  const text = quotaText(info);
  return (
    <div className="drive-quota" data-testid="drive-quota">
      <span className="drive-quota-label" id="drive-quota-label">
        Space
      </span>
      <meter
        aria-labelledby="drive-quota-label"
        aria-valuetext={text}
        min={0}
        max={info.quotaBytes}
        low={info.quotaBytes * 0.8}
        high={info.quotaBytes * 0.95}
        optimum={0}
        value={info.usedBytes}
        data-testid="drive-quota-meter"
      />
      <span data-testid="drive-quota-text">{text}</span>
      <span className="hint">
        {formatCount(info.files)} {info.files === 1 ? 'file' : 'files'}; {info.keepVersions} earlier versions of each kept; the trash keeps
        a deleted file {info.trashDays} days.
      </span>
    </div>
  );
}

function NoticeLine(props: { notice: DriveSyncNotice; onDismiss: () => void; busy: boolean }) {
  const { notice } = props;
  return (
    <li className={`drive-notice ${notice.kind}`} data-testid="drive-notice" data-kind={notice.kind}>
      <span className="drive-notice-text">
        <strong>{formatEventTime(notice.at)}:</strong> {notice.message}
        {notice.paths.length > 0 ? (
          <span className="drive-notice-paths">
            {notice.paths.map((path) => (
              <span key={path} className="mono">
                {path}
              </span>
            ))}
          </span>
        ) : null}
      </span>
      <button type="button" className="link-button" disabled={props.busy} onClick={props.onDismiss} data-testid="drive-notice-dismiss">
        Dismiss<span className="visually-hidden"> this notice</span>
      </button>
    </li>
  );
}

export function SyncPanel(props: { client: Client; projectId: string; view: DriveSyncView | null; onView: (view: DriveSyncView) => void }) {
  const { client, projectId, view, onView } = props;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = (what: string, call: () => Promise<DriveSyncView>, fallback: string): void => {
    setBusy(what);
    setError(null);
    call()
      .then(onView, (err: unknown) => setError(messageOf(err, fallback)))
      .finally(() => setBusy(null));
  };

  if (view === null) return <p className="hint">Reading where the drive’s sync stands…</p>;
  if (view.mode === 'memory') {
    return (
      <div className="drive-sync" data-testid="drive-sync" data-mode="memory">
        <p data-testid="drive-no-folder">
          <strong>No folder on this computer.</strong> This project keeps its data in this window only (nothing of it on this
          computer&apos;s disk), so its drive is not synced to a local folder. You can still browse it, see and restore versions, save
          results to it (they are uploaded straight to the platform) and open its CSV and Arrow files in this window.
        </p>
      </div>
    );
  }
  const status = view.status;
  return (
    <div className="drive-sync" data-testid="drive-sync" data-mode="disk" data-phase={status?.phase ?? 'none'}>
      {view.localRoot !== null ? <CopyField label="Local folder" value={view.localRoot} testId="drive-local-folder" /> : null}
      {status?.localTrash ? (
        <p className="hint" data-testid="drive-local-trash">
          Files removed from this folder because someone deleted them in the drive are kept for 30 days in <code>{status.localTrash}</code>{' '}
          (and in the drive&apos;s trash).
        </p>
      ) : null}
      <ErrorMessage testId="drive-sync-error" title="That did not work" text={error} />
      {status === null ? (
        <p className="message notice" data-testid="drive-sync-problem">
          <span className="message-title">Not syncing</span>
          <span className="message-text">{view.problem ?? 'The sync has not started.'}</span>
        </p>
      ) : (
        <>
          <div className={status.reason ? 'drive-sync-line with-reason' : 'drive-sync-line'}>
            <span className={`status-dot ${status.phase}`} aria-hidden="true" />
            <span className="drive-sync-phase" data-testid="drive-sync-phase">
              {phaseText(status)}
            </span>
            {status.lastSyncedAt !== null ? (
              <span className="hint" data-testid="drive-last-synced">
                Last synced {formatEventTime(status.lastSyncedAt)}
              </span>
            ) : null}
            <button
              type="button"
              className="button secondary small"
              disabled={busy !== null}
              onClick={() => act('sync', () => client.invoke('drive.syncNow', { projectId }), 'The sync did not run.')}
              data-testid="drive-sync-now"
            >
              {busy === 'sync' ? 'Syncing…' : 'Sync now'}
            </button>
          </div>
          {status.transfer !== null ? (
            <div className="progress-line" data-testid="drive-transfer">
              <progress
                aria-label={transferText(status.transfer)}
                value={Math.min(status.transfer.done, status.transfer.total)}
                max={Math.max(status.transfer.total, 1)}
              />
              <span>{transferText(status.transfer)}</span>
            </div>
          ) : null}
          {status.pendingDeletes > 0 ? (
            <div className="message notice" role="group" aria-labelledby="drive-paused-title" data-testid="drive-paused-delete">
              <span className="message-title" id="drive-paused-title">
                Sync paused: {formatCount(status.pendingDeletes)} {status.pendingDeletes === 1 ? 'file was' : 'files were'} deleted in the
                local folder
              </span>
              <span className="message-text">
                That is more than usual at once, so nothing was deleted in the drive yet. Apply the deletions to the drive (the files go to
                its trash), or restore the files in the local folder from the drive.
              </span>
              <div className="message-actions">
                <button
                  type="button"
                  className="button warning small"
                  disabled={busy !== null}
                  onClick={() =>
                    act(
                      'apply',
                      () => client.invoke('drive.resolveDeletes', { projectId, answer: 'apply' }),
                      'The deletions were not applied.',
                    )
                  }
                  data-testid="drive-apply-deletes"
                >
                  Apply the deletions
                </button>
                <button
                  type="button"
                  className="button small"
                  disabled={busy !== null}
                  onClick={() =>
                    act(
                      'restore',
                      () => client.invoke('drive.resolveDeletes', { projectId, answer: 'restore' }),
                      'The files were not restored.',
                    )
                  }
                  data-testid="drive-restore-deletes"
                >
                  Restore the files
                </button>
              </div>
            </div>
          ) : null}
          {status.notices.length > 0 ? (
            <ul className="drive-notices" aria-label="Sync notices" data-testid="drive-notices">
              {status.notices.map((notice) => (
                <NoticeLine
                  key={notice.id}
                  notice={notice}
                  busy={busy !== null}
                  onDismiss={() =>
                    act(
                      `dismiss:${notice.id}`,
                      () => client.invoke('drive.dismissNotice', { projectId, noticeId: notice.id }),
                      'The notice could not be dismissed.',
                    )
                  }
                />
              ))}
            </ul>
          ) : null}
        </>
      )}
    </div>
  );
}
