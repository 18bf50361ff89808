// App passwords for the drive (issue 17): standard WebDAV clients (a file manager, an office suite) sign in with the
// person's user name and a password made for this drive alone. A new one is shown once, with the WebDAV address and
// the user name, each with a Copy button (the platform keeps only its hash); the list says when each was last used;
// revoking one (after a confirmation) locks out every client that uses it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { AppPassword } from '../../../src/common/drives.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { CopyField } from './CopyField.tsx';

interface Shown {
  readonly appPassword: AppPassword;
  readonly secret: string;
  readonly davUrl: string;
}

function NewPassword(props: { shown: Shown; onDone: () => void }) {
  const { shown } = props;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [shown.secret]);
  return (
    <div
      className="message notice"
      tabIndex={-1}
      ref={box}
      role="group"
      aria-labelledby="drive-new-password-title"
      data-testid="drive-new-password"
    >
      <span className="message-title" id="drive-new-password-title">
        App password “{shown.appPassword.label}”: shown once
      </span>
      <p>
        Set up your WebDAV client with these three. This is the only time the password is shown: the platform keeps only a fingerprint of
        it.
      </p>
      <CopyField label="WebDAV address" value={shown.davUrl} testId="drive-new-password-url" />
      <CopyField label="User name" value={shown.appPassword.username} testId="drive-new-password-user" />
      <CopyField label="Password" value={shown.secret} testId="drive-new-password-secret" secret />
      <p className="hint">
        It works only over HTTPS (or on this computer), for this project’s drive only. Revoke it when the client is gone.
      </p>
      <button type="button" className="link-button" onClick={props.onDone} data-testid="drive-new-password-done">
        I have set it up: hide the password
      </button>
    </div>
  );
}

export function AppPasswords(props: { client: Client; projectId: string; shown: boolean }) {
  const { client, projectId } = props;
  const read = useCallback(() => client.invoke('drive.appPasswords', { projectId }), [client, projectId]);
  const list = useAdminRead(read, 'The app passwords could not be read.', props.shown);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Shown | null>(null);
  const [revoking, setRevoking] = useState<AppPassword | null>(null);
  const revokeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (revoking !== null) revokeButton.current?.focus();
  }, [revoking]);

  const create = (): void => {
    setBusy('create');
    setError(null);
    client
      .invoke('drive.createAppPassword', { projectId, label: label.trim() })
      .then(
        (made) => {
          setFresh(made);
          setLabel('');
          list.refresh();
        },
        (err: unknown) => setError(messageOf(err, 'No app password was made.')),
      )
      .finally(() => setBusy(null));
  };

  const revoke = (password: AppPassword): void => {
    setBusy(password.id);
    setError(null);
    client
      .invoke('drive.revokeAppPassword', { projectId, id: password.id })
      .then(
        () => {
          setRevoking(null);
          if (fresh?.appPassword.id === password.id) setFresh(null);
          list.refresh();
        },
        (err: unknown) => setError(messageOf(err, `“${password.label}” was not revoked.`)),
      )
      .finally(() => setBusy(null));
  };

  const live = list.value?.filter((password) => password.revokedAt === null) ?? [];
  const revoked = list.value?.filter((password) => password.revokedAt !== null) ?? [];
  return (
    <section className="panel" aria-labelledby="drive-passwords-title" data-testid="drive-app-passwords" data-answered={list.answered}>
      <h2 id="drive-passwords-title">App passwords for WebDAV clients</h2>
      <p className="hint">
        A file manager or office suite can open this drive over WebDAV. Make a password for each client, so you can revoke one without the
        others.
      </p>
      <ErrorMessage testId="drive-passwords-error" title="That did not work" text={list.error ?? error} />
      {fresh !== null ? <NewPassword shown={fresh} onDone={() => setFresh(null)} /> : null}
      <form
        className="drive-inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          create();
        }}
      >
        <div className="field">
          <label htmlFor="drive-password-label">What it is for</label>
          <input
            id="drive-password-label"
            value={label}
            maxLength={100}
            placeholder="e.g. LibreOffice on my desktop"
            onChange={(event) => setLabel(event.target.value)}
            data-testid="drive-password-label"
          />
        </div>
        <button type="submit" className="button small" disabled={busy !== null || label.trim() === ''} data-testid="drive-password-create">
          {busy === 'create' ? 'Making…' : 'Make an app password'}
        </button>
      </form>
      {list.value === null ? null : live.length === 0 && revoked.length === 0 ? (
        <p className="hint" data-testid="drive-passwords-none">
          You have no app passwords for this drive.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="fields" data-testid="drive-passwords-table">
            <caption className="visually-hidden">Your app passwords for this drive</caption>
            <thead>
              <tr>
                <th scope="col">For</th>
                <th scope="col">User name</th>
                <th scope="col">Made</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {[...live, ...revoked].map((password) => (
                <tr key={password.id} data-testid="drive-password" data-revoked={password.revokedAt !== null}>
                  <th scope="row">{password.label}</th>
                  <td className="mono">{password.username}</td>
                  <td>{formatEventTime(password.createdAt)}</td>
                  <td>{password.lastUsedAt === null ? 'Never' : formatEventTime(password.lastUsedAt)}</td>
                  <td>
                    {password.revokedAt !== null ? (
                      <span className="hint">Revoked {formatEventTime(password.revokedAt)}</span>
                    ) : (
                      <button
                        type="button"
                        className="link-button"
                        disabled={busy !== null}
                        onClick={() => setRevoking(password)}
                        aria-label={`Revoke ${password.label}`}
                        data-testid="drive-password-revoke"
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoking !== null ? (
        <div className="message notice" role="group" aria-labelledby="drive-revoke-title" data-testid="drive-revoke-confirm">
          <span className="message-title" id="drive-revoke-title">
            Revoke “{revoking.label}”?
          </span>
          <span className="message-text">Every client that signs in with it is refused from now on. This cannot be undone.</span>
          <div className="message-actions">
            <button
              type="button"
              ref={revokeButton}
              className="button warning small"
              disabled={busy !== null}
              onClick={() => revoke(revoking)}
              data-testid="drive-revoke-yes"
            >
              {busy === revoking.id ? 'Revoking…' : 'Revoke'}
            </button>
            <button type="button" className="button secondary small" onClick={() => setRevoking(null)} data-testid="drive-revoke-no">
              Keep it
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}
