// A value a person copies (the drive's local folder, an app password, its WebDAV address): shown read-only, with a
// Copy button that says whether it worked. The clipboard API where the window may, else the field's selection.
import { useId, useRef, useState } from 'react';

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

export function CopyField(props: { label: string; value: string; testId: string; secret?: boolean }) {
  const { label, value, testId } = props;
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [said, setSaid] = useState<string | null>(null);
  const copy = (): void => {
    const failed = `It could not be copied here: select the ${label.toLowerCase()} and press Ctrl+C.`;
    copyText(value, field.current).then(
      (done) => setSaid(done ? 'Copied.' : failed),
      () => setSaid(failed),
    );
  };
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field-row">
        <input
          id={id}
          ref={field}
          readOnly
          value={value}
          className={props.secret ? 'mono secret' : 'mono'}
          onFocus={(event) => event.target.select()}
          data-testid={testId}
        />
        <button type="button" className="button secondary small" onClick={copy} data-testid={`${testId}-copy`}>
          Copy<span className="visually-hidden"> the {label.toLowerCase()}</span>
        </button>
        <span role="status" className="hint" data-testid={`${testId}-copied`}>
          {said}
        </span>
      </div>
    </div>
  );
}
