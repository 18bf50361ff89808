// The dialog Local analysis saves into the drive from (issue 17): a result's save or a chart's, in a panel over the
// workspace. Opened without the top layer, as the output builder is (show, not showModal: a modal would make the lock
// screen inert, and locking must hide it with the rest). Focus moves to its heading when it opens, Tab and Shift+Tab
// stay inside it, Escape or Close closes it; the caller puts focus back on the button that opened it. A control that
// goes while it works (Save becomes a progress line) leaves focus on the page's body: the keys still act on the dialog
// then (Tab comes back into it). What was saved last gets a link to its folder on the Drive screen, where the file
// shows with its sync state.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { driveHashOf } from './drive-address.ts';
import { folderOf } from './save-words.ts';
import './save-dialog.css';

/** What Tab stops at inside the dialog. */
const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

export function DriveSaveDialog(props: {
  title: string;
  testId: string;
  /** The side of the window it opens on: away from what is saved, so that stays in view. */
  side: 'left' | 'right';
  /** The path of what was saved from here last, if anything: a link to its folder on the Drive screen. */
  saved: string | null;
  onClose: () => void;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const close = useRef(props.onClose);
  close.current = props.onClose;

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.show();
    heading.current?.focus();
    const page = element.ownerDocument;
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target;
      const lost = target === page.body || target === page.documentElement;
      if (!(target instanceof Node) || (!lost && !element.contains(target))) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        close.current();
        return;
      }
      if (event.key !== 'Tab') return;
      const stops = [...element.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
        (el) => !el.hasAttribute('disabled') && el.getClientRects().length > 0,
      );
      const first = stops[0];
      const last = stops.at(-1);
      if (!first || !last) return;
      const active = page.activeElement;
      if (lost) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      } else if (event.shiftKey && (active === first || active === heading.current)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    };
    page.addEventListener('keydown', onKey);
    return () => page.removeEventListener('keydown', onKey);
  }, []);

  return (
    <dialog
      ref={dialog}
      className={props.side === 'left' ? 'drive-save-dialog at-left' : 'drive-save-dialog'}
      aria-labelledby={headingId}
      data-testid={props.testId}
    >
      <div className="drive-save-dialog-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {props.title}
        </h2>
        <button type="button" className="button secondary small" onClick={props.onClose} data-testid={`${props.testId}-close`}>
          Close
        </button>
      </div>
      <div className="drive-save-dialog-body">
        {props.children}
        {props.saved !== null ? (
          <p className="drive-save-dialog-link">
            {/* Going there closes the dialog: it was about this save. */}
            <a href={driveHashOf(folderOf(props.saved))} onClick={props.onClose} data-testid={`${props.testId}-show`}>
              Show {props.saved} on the Drive screen
            </a>
          </p>
        ) : null}
      </div>
    </dialog>
  );
}
