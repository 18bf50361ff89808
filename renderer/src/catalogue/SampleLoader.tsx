// "Open sample in local DuckDB": fetch a dataset's first N rows (minimised by the platform) as Arrow and load
// them into <dataset>_sample. Shows progress, can be cancelled, and never replaces a local table unasked.
import { useEffect, useId, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { CallProgress, Dataset } from '../../../src/common/contract.ts';
import { handledElsewhere } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine, LocalTable } from '../analysis/engine.ts';
import { sampleTableName } from '../analysis/sql.ts';
import { formatBytes, formatCount, formatDuration, formatRows } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { sampleSizes } from './sample-sizes.ts';

type LoadState =
  | { step: 'idle' }
  | { step: 'confirm'; existing: LocalTable }
  | { step: 'fetching'; started: number; table: string; rows: number; progress: CallProgress | null }
  | { step: 'loading'; started: number; table: string; bytes: number }
  | { step: 'cancelling'; started: number; table: string }
  | { step: 'done'; table: string; rows: number; ms: number; replaced: boolean }
  | { step: 'cancelled'; table: string }
  | { step: 'failed'; message: string };

export interface SampleLoaderProps {
  client: Client;
  engine: LocalEngine;
  engineReady: boolean;
  projectId: string;
  dataset: Dataset;
  localTables: LocalTable[];
  onLoaded: (table: string) => void;
  onOpenAnalysis: (table: string) => void;
}

/** The bytes received so far while the sample arrives, or null while the platform still prepares it. */
function receivedText(progress: CallProgress | null): string | null {
  if (progress === null || progress.unit !== 'bytes' || progress.done === 0) return null;
  return progress.total === null ? formatBytes(progress.done) : `${formatBytes(progress.done)} of ${formatBytes(progress.total)}`;
}

export function SampleLoader(props: SampleLoaderProps) {
  const { client, engine, engineReady, projectId, dataset, localTables } = props;
  const sizes = sampleSizes(dataset.rowCount);
  const [size, setSize] = useState<number>(sizes[0]);
  const [state, setState] = useState<LoadState>({ step: 'idle' });
  const [now, setNow] = useState(() => Date.now());
  const controller = useRef<AbortController | null>(null);
  const selectId = useId();
  const table = sampleTableName(dataset.id);
  const busy = state.step === 'fetching' || state.step === 'loading' || state.step === 'cancelling';

  // A new dataset starts from a clean slate (and the old one's size may not fit), unless a load is still
  // running: that one carries on and keeps reporting under its own table's name.
  const busyRef = useRef(false);
  busyRef.current = busy;
  useEffect(() => {
    if (busyRef.current) return;
    setState({ step: 'idle' });
    setSize(sampleSizes(dataset.rowCount)[0]);
  }, [dataset.id, dataset.rowCount]);

  // Ticks the elapsed time while loading.
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [busy]);

  // Leaving the page mid-load abandons it.
  useEffect(() => () => controller.current?.abort(), []);

  const start = (replace: boolean): void => {
    const existing = localTables.find((t) => t.name === table);
    if (existing && !replace) {
      setState({ step: 'confirm', existing });
      return;
    }
    handledElsewhere(load(replace));
  };

  const load = async (replace: boolean): Promise<void> => {
    const abort = new AbortController();
    controller.current = abort;
    const started = Date.now();
    setNow(started);
    setState({ step: 'fetching', started, table, rows: size, progress: null });
    // Only this load's own fetch may move the bar: a later load (another dataset) has its own.
    const onProgress = (progress: CallProgress): void =>
      setState((current) => (controller.current === abort && current.step === 'fetching' ? { ...current, progress } : current));
    try {
      // Cancel aborts the call at every hop: the workstation's request to the platform, and the platform's query.
      const bytes = await client.invoke(
        'dataset.sample',
        { projectId, datasetId: dataset.id, limit: size },
        { signal: abort.signal, onProgress },
      );
      if (abort.signal.aborted) return;
      setState({ step: 'loading', started, table, bytes: bytes.byteLength });
      const { rows } = await engine.loadArrow(table, bytes, { replace, signal: abort.signal });
      if (controller.current !== abort) return;
      setState({ step: 'done', table, rows, ms: Date.now() - started, replaced: replace });
      props.onLoaded(table);
    } catch (err) {
      if (controller.current !== abort) return;
      if (err instanceof EnclaveError && err.code === 'cancelled') {
        setState({ step: 'cancelled', table });
      } else {
        setState({ step: 'failed', message: messageOf(err, 'The sample could not be loaded.') });
      }
    } finally {
      if (controller.current === abort) controller.current = null;
    }
  };

  const cancel = (): void => {
    const abort = controller.current;
    if (!abort) return;
    abort.abort();
    if (state.step === 'fetching') {
      // Nothing has reached DuckDB yet, and the call stops at every hop: the cancel is complete now.
      controller.current = null;
      setState({ step: 'cancelled', table: state.table });
    } else if (state.step === 'loading') {
      // DuckDB finishes the chunk it is on; the engine then drops the half-loaded copy and reports back.
      setState({ step: 'cancelling', started: state.started, table: state.table });
    }
  };

  return (
    <div data-testid="sample-loader">
      <h3>Open a sample in local DuckDB</h3>
      <p className="hint">
        Loads the first rows of this dataset, with only the fields available to this project, into the table <code>{table}</code> on this
        computer, for local SQL, grids and charts.
      </p>
      <div className="controls">
        <div className="field">
          <label htmlFor={selectId}>Rows</label>
          <select
            id={selectId}
            value={size}
            disabled={busy}
            data-testid="sample-size"
            onChange={(event) => setSize(Number(event.target.value))}
          >
            {sizes.map((n) => (
              <option key={n} value={n}>
                {n === dataset.rowCount ? `All ${formatCount(n)}` : formatCount(n)}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button" disabled={busy || !engineReady} data-testid="open-sample" onClick={() => start(false)}>
          Open sample in local DuckDB
        </button>
        {busy ? (
          <button
            type="button"
            className="button secondary"
            data-testid="cancel-sample"
            disabled={state.step === 'cancelling'}
            onClick={cancel}
          >
            Cancel
          </button>
        ) : null}
      </div>
      {!engineReady ? <p className="hint">Local DuckDB is still starting; you can open a sample when it is ready.</p> : null}

      <div role="status" aria-live="polite" data-testid="sample-status">
        {state.step === 'fetching' || state.step === 'loading' || state.step === 'cancelling' ? (
          <div className="progress-line">
            {state.step === 'fetching' && state.progress?.total ? (
              <progress
                aria-label={`Fetching ${state.table}`}
                value={Math.min(state.progress.done, state.progress.total)}
                max={state.progress.total}
                data-testid="sample-progress"
              />
            ) : (
              <progress aria-label={`Loading ${state.table}`} data-testid="sample-progress" />
            )}
            <span>
              {state.step === 'fetching'
                ? `Fetching ${formatRows(state.rows)} for ${state.table} from the platform…`
                : state.step === 'loading'
                  ? `Loading ${formatBytes(state.bytes)} into ${state.table}…`
                  : `Cancelling the load of ${state.table}…`}{' '}
              {/* Counts change ten times a second: shown, and in the bar, but not read out each time. */}
              {state.step === 'fetching' && receivedText(state.progress) !== null ? (
                <span aria-hidden="true" data-testid="sample-received">
                  {receivedText(state.progress)},{' '}
                </span>
              ) : null}
              <span aria-hidden="true">{formatDuration(now - state.started)}</span>
            </span>
          </div>
        ) : null}
        {state.step === 'done' ? (
          <Notice
            kind="success"
            testId="sample-loaded"
            text={`${state.replaced ? 'Replaced' : 'Loaded'} ${state.table}: ${formatRows(state.rows)} in ${formatDuration(state.ms)}.`}
          >
            <button type="button" className="link-button" data-testid="go-to-analysis" onClick={() => props.onOpenAnalysis(state.table)}>
              Query {state.table} in local analysis
            </button>
          </Notice>
        ) : null}
        {state.step === 'cancelled' ? (
          <Notice
            testId="sample-cancelled"
            text={`Cancelled. Nothing was loaded${localTables.some((t) => t.name === state.table) ? `; ${state.table} is unchanged` : ''}.`}
          />
        ) : null}
      </div>

      <div role="alert">
        {state.step === 'confirm' ? (
          <Notice
            kind="notice"
            testId="replace-confirm"
            text={`A local table ${table} already exists (${formatRows(state.existing.rows)}). Replace it with a new sample of ${formatRows(size)}? Any changes you made to it will be lost.`}
          >
            <button type="button" className="button warning" data-testid="replace-sample" onClick={() => handledElsewhere(load(true))}>
              Replace {table}
            </button>
            <button type="button" className="button secondary" data-testid="keep-sample" onClick={() => setState({ step: 'idle' })}>
              Keep the existing table
            </button>
          </Notice>
        ) : null}
      </div>
      <ErrorMessage testId="sample-error" title="The sample was not loaded" text={state.step === 'failed' ? state.message : null} />
    </div>
  );
}
