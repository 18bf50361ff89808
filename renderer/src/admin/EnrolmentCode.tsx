// A one-time enrolment code, shown once: the platform keeps only its hash, so this is the only time anybody sees it.
// It says so, says to send it by another way than the person's username, and how long it is valid; it can be copied.
// It takes the focus when it appears, so the administrator reads it before anything else.
import { useEffect, useRef, useState } from 'react';
import { ENROLMENT_CODE_DAYS } from '../../../src/common/people.ts';
import { formatEventTime } from './audit-summary.ts';
import { formatEnrolmentCode } from './people-text.ts';

/** Copies with the clipboard API where the window may, else by selecting the field; false when neither worked. */
async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // The Electron shell denies every permission, the clipboard's included: copying the selection needs none.
    if (field === null) return false;
    field.select();
    return document.execCommand('copy');
  }
}

export function EnrolmentCode(props: { name: string; code: string; expiresAt: string; onDone: () => void }) {
  const { name, code, expiresAt, onDone } = props;
  const shown = formatEnrolmentCode(code);
  const box = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => box.current?.focus(), [code]);

  const copy = (): void => {
    copyText(shown, field.current).then(
      (done) => setCopied(done ? 'Copied.' : 'It could not be copied here: select the code and press Ctrl+C.'),
      () => setCopied('It could not be copied here: select the code and press Ctrl+C.'),
    );
  };

  return (
    <div
      className="message notice enrolment-code"
      tabIndex={-1}
      ref={box}
      aria-labelledby="enrolment-code-title"
      role="group"
      data-testid="enrolment-code"
    >
      <span className="message-title" id="enrolment-code-title">
        Enrolment code for {name}: shown once
      </span>
      <div className="enrolment-code-row">
        <label htmlFor="enrolment-code-value" className="visually-hidden">
          Enrolment code
        </label>
        <input
          id="enrolment-code-value"
          className="enrolment-code-value"
          readOnly
          value={shown}
          ref={field}
          onFocus={(event) => event.target.select()}
          data-testid="enrolment-code-value"
        />
        <button type="button" className="button secondary" onClick={copy} data-testid="enrolment-code-copy">
          Copy
        </button>
        <span role="status" className="hint" data-testid="enrolment-code-copied">
          {copied}
        </span>
      </div>
      <ul className="effect-lines">
        <li>This is the only time it is shown: the platform keeps only a fingerprint of it. Nobody can show it again.</li>
        <li>Send it to {name} out of band: by another way than their username (a phone call, a letter), never in the same message.</li>
        <li data-testid="enrolment-code-expiry">
          It works once, for {ENROLMENT_CODE_DAYS} days: until <time dateTime={expiresAt}>{formatEventTime(expiresAt)}</time>. If it is lost
          or runs out, issue a new one from their page.
        </li>
      </ul>
      <button type="button" className="link-button" onClick={onDone} data-testid="enrolment-code-done">
        I have sent it: hide the code
      </button>
    </div>
  );
}
