// The output builder (issue 16), opened from a local result: the analyst chooses what the output shows, sees the
// table as it would be published with the disclosure-control report beside it (the platform's own check, so the
// preview is what will be enforced), applies the suggested mitigation with one click, and adds the output to a
// release request. A panel over the workspace, opened without the top layer so that locking hides it with the rest.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { LocalEngine, RunResult } from '../../../src/common/local-engine.ts';
import type { CellKey } from '../../../src/common/output-check.ts';
import { resultColumnsOf } from '../analysis/column-kind.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { AddToRequest } from './AddToRequest.tsx';
import { BuilderChoices } from './BuilderChoices.tsx';
import { initialState, kindsFor, titleOf, type BuilderState } from './builder-model.ts';
import { CheckReport } from './CheckReport.tsx';
import { PublishedPreview } from './PublishedPreview.tsx';
import { toggleHidden } from './published-grid.ts';
import { useOutputPreview } from './use-output-preview.ts';
import './outputs.css';

/** What Tab stops at inside the builder. */
const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

export interface OutputBuilderProps {
  client: Client;
  projectId: string;
  /** The engine the result lives in; the builder's own query runs there too. */
  engine: LocalEngine;
  result: RunResult & { resultId: string };
  /** The SQL whose last statement produced the result. */
  sql: string;
  onClose: () => void;
}

export function OutputBuilder(props: OutputBuilderProps) {
  const { client, projectId, engine, result } = props;
  const columns = useMemo(() => resultColumnsOf(result.columns), [result.columns]);
  const kinds = useMemo(() => kindsFor(columns), [columns]);
  const [state, setState] = useState<BuilderState>(() => initialState(columns));
  const [hidden, setHidden] = useState<CellKey[]>([]);
  const [adding, setAdding] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const preview = useOutputPreview({
    client,
    projectId,
    engine,
    resultId: result.resultId,
    resultSql: props.sql,
    columns,
    state,
    hidden,
  });

  // Opened without the top layer (show, not showModal: a modal would make the lock screen inert), focus on its
  // heading. Tab and Shift+Tab stay inside it, so focus never lands on the workspace it covers; Escape closes it.
  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.show();
    heading.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.target instanceof Node) || !element.contains(event.target)) return;
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
      const active = element.ownerDocument.activeElement;
      if (event.shiftKey && (active === first || active === heading.current)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    };
    element.addEventListener('keydown', onKey);
    return () => element.removeEventListener('keydown', onKey);
  }, []);

  const change = (next: BuilderState): void => {
    // The analyst's hidden cells belong to the table they were chosen in: a new table starts without them.
    const tableChanged =
      JSON.stringify({ ...next, title: '', mitigation: null, ratePer: null }) !==
      JSON.stringify({ ...state, title: '', mitigation: null, ratePer: null });
    if (tableChanged) setHidden([]);
    setAdding(false);
    setState(next);
  };

  const { rows, document: made, check, current, shown } = preview;
  const working = rows.status === 'building' || check.status === 'checking';
  return (
    <dialog ref={dialog} className="output-builder" aria-labelledby={headingId} data-testid="output-builder">
      <div className="builder-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          Make an output
        </h2>
        <p className="hint builder-source">
          From the result of <code>{props.sql.trim().split('\n').at(-1)?.slice(0, 120)}</code>
        </p>
        <button type="button" className="button secondary" data-testid="close-output-builder" onClick={props.onClose}>
          Close
        </button>
      </div>
      <div className="builder-body">
        <BuilderChoices columns={columns} kinds={kinds} state={state} onChange={change} />
        <section className="builder-preview" aria-labelledby={`${headingId}-preview`} aria-busy={working}>
          <h3 id={`${headingId}-preview`}>As it would be published</h3>
          <p role="status" className="hint builder-progress" data-testid="output-progress">
            {rows.status === 'building'
              ? 'Making the table in local DuckDB…'
              : check.status === 'checking'
                ? 'Checking it against the disclosure-control rules…'
                : ''}
          </p>
          {rows.status === 'incomplete' ? (
            <p className="hint" data-testid="output-incomplete">
              {rows.message}
            </p>
          ) : null}
          <ErrorMessage
            testId="output-build-error"
            title="The table could not be made"
            text={rows.status === 'failed' ? rows.message : null}
          />
          <ErrorMessage
            testId="output-document-error"
            title="The output cannot be made"
            text={made !== null && !made.ok ? made.message : null}
          />
          <ErrorMessage
            testId="output-check-error"
            title="The output could not be checked"
            text={check.status === 'failed' ? check.message : null}
          />
          {shown ? (
            <div
              className={current ? 'builder-result' : 'builder-result stale'}
              data-testid="output-preview"
              data-current={current !== null}
            >
              <CheckReport check={shown.check} title={titleOf(state)} onApply={(mitigation) => change({ ...state, mitigation })} />
              <PublishedPreview
                published={shown.published}
                check={shown.check}
                hiddenByYou={hidden}
                onToggleHidden={(key) => {
                  setAdding(false);
                  setHidden((now) => toggleHidden(now, key));
                }}
              />
              {shown.published.notes.length > 0 ? (
                <ul className="published-notes" aria-label="Notes published with it">
                  {shown.published.notes.map((note) => (
                    <li key={note}>{note}</li>
                  ))}
                </ul>
              ) : null}
              {adding && current ? (
                <AddToRequest
                  client={client}
                  projectId={projectId}
                  document={current.document}
                  check={current.check}
                  onClose={props.onClose}
                />
              ) : (
                <div className="builder-actions">
                  <button
                    type="button"
                    className="button"
                    data-testid="start-add-to-request"
                    disabled={current === null}
                    onClick={() => setAdding(true)}
                  >
                    Add to release request…
                  </button>
                </div>
              )}
            </div>
          ) : null}
        </section>
      </div>
    </dialog>
  );
}
