// "Remove this project's local data": a confirmation that names the project and what will go (its local tables, or
// everything: tables, editor tabs, history and saved queries), then what was removed, as the core lists it. A modal
// <dialog> keeps focus inside until the analyst decides; Escape keeps everything.
import { useEffect, useId, useRef, useState } from 'react';
import { handledElsewhere } from '../../../src/common/detached.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';

export type RemovalScope = 'tables' | 'everything';

export function RemoveLocalData(props: {
  projectName: string;
  mode: 'disk' | 'memory';
  /** Removes, and resolves with the summary to show. */
  remove: (scope: RemovalScope) => Promise<string>;
  onRemoved: (scope: RemovalScope, summary: string) => void;
  disabled: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [scope, setScope] = useState<RemovalScope>('tables');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const name = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const close = (): void => {
    setOpen(false);
    setError(null);
    opener.current?.focus();
  };

  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const summary = await props.remove(scope);
      setOpen(false);
      props.onRemoved(scope, summary);
      opener.current?.focus();
    } catch (err) {
      setError(messageOf(err, "The project's local data could not be removed."));
    } finally {
      setBusy(false);
    }
  };

  const where = props.mode === 'disk' ? 'from this computer' : 'from this window';
  return (
    <>
      <button
        type="button"
        className="button secondary small"
        ref={opener}
        disabled={props.disabled}
        data-testid="remove-local-data"
        onClick={() => {
          setScope('tables');
          setOpen(true);
        }}
      >
        Remove local data…
      </button>
      <dialog
        ref={dialog}
        className="confirm-dialog"
        aria-labelledby={titleId}
        data-testid="remove-local-data-dialog"
        onCancel={(event) => {
          event.preventDefault();
          if (!busy) close();
        }}
      >
        {open ? (
          <form
            method="dialog"
            onSubmit={(event) => {
              event.preventDefault();
              handledElsewhere(confirm());
            }}
          >
            <h2 id={titleId}>Remove the local data of “{props.projectName}”?</h2>
            <fieldset>
              <legend>What to remove {where}</legend>
              <label className="choice-radio">
                <input
                  type="radio"
                  name={name}
                  checked={scope === 'tables'}
                  onChange={() => setScope('tables')}
                  data-testid="remove-scope-tables"
                />
                <span>
                  <strong>Its local tables only.</strong> Editor tabs, query history and saved queries stay.
                </span>
              </label>
              <label className="choice-radio">
                <input
                  type="radio"
                  name={name}
                  checked={scope === 'everything'}
                  onChange={() => setScope('everything')}
                  data-testid="remove-scope-everything"
                />
                <span>
                  <strong>Everything:</strong> local tables, editor tabs, query history and saved queries.
                </span>
              </label>
            </fieldset>
            <p>This cannot be undone. The platform&apos;s data is not touched: you can open samples again from the catalogue.</p>
            <ErrorMessage testId="remove-local-data-error" title="Nothing was removed" text={error} />
            <div className="dialog-actions">
              <button type="submit" className="button warning" disabled={busy} data-testid="confirm-remove-local-data">
                {busy ? 'Removing…' : scope === 'tables' ? 'Remove the local tables' : 'Remove everything'}
              </button>
              <button type="button" className="button secondary" disabled={busy} data-testid="cancel-remove-local-data" onClick={close}>
                Keep it all
              </button>
            </div>
          </form>
        ) : null}
      </dialog>
    </>
  );
}
