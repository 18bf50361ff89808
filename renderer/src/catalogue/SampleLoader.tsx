// "Open sample in local DuckDB": a dataset's first N rows (minimised by the platform) into <dataset>_sample, in the
// project's local engine: streamed from the platform into the workstation core for a 'disk' project, fetched into
// this window for a 'memory' one (../analysis/project-engines.ts). Shows progress, can be cancelled, and never
// replaces a local table unasked.
import { useEffect, useId, useRef, useState } from 'react';
import type { CallProgress, Dataset } from '../../../src/common/contract.ts';
import { handledElsewhere } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import type { EngineState, ProjectEngine } from '../analysis/project-engines.ts';
import { sampleTableName } from '../analysis/sql.ts';
import { formatCount, formatDuration, formatRows } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { receivedText } from './sample-progress.ts';
import { sampleSizes } from './sample-sizes.ts';

type LoadState =
  | { step: 'idle' }
  | { step: 'confirm'; existing: LocalTable }
  | { step: 'fetching'; started: number; table: string; rows: number; progress: CallProgress | null }
  | { step: 'cancelling'; started: number; table: string }
  | { step: 'done'; table: string; rows: number; ms: number; replaced: boolean }
  | { step: 'cancelled'; table: string }
  | { step: 'failed'; message: string };

export interface SampleLoaderProps {
  projectEngine: ProjectEngine;
  dataset: Dataset;
  /** The project's local tables; null while they are read. */
  localTables: LocalTable[] | null;
  onLoaded: (table: string) => void;
  onOpenAnalysis: (table: string) => void;
}

function useEngineState(projectEngine: ProjectEngine): EngineState {
  const [state, setState] = useState<EngineState>(() => projectEngine.state());
  useEffect(() => {
    setState(projectEngine.state());
    return projectEngine.onState(setState);
  }, [projectEngine]);
  return state;
}

export function SampleLoader(props: SampleLoaderProps) {
  const { projectEngine, dataset } = props;
  const localTables = props.localTables ?? [];
  const engineReady = useEngineState(projectEngine).state === 'ready' && props.localTables !== null;
  const sizes = sampleSizes(dataset.rowCount);
  const [size, setSize] = useState<number>(sizes[0]);
  const [state, setState] = useState<LoadState>({ step: 'idle' });
  const [now, setNow] = useState(() => Date.now());
  const controller = useRef<AbortController | null>(null);
  const selectId = useId();
  const table = sampleTableName(dataset.id);
  const busy = state.step === 'fetching' || state.step === 'cancelling';

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
      // Cancel stops the load at every hop: the platform's query, the transfer, and the load into the engine, which
      // keeps no half table.
      const { rows } = await projectEngine.loadSample({
        datasetId: dataset.id,
        limit: size,
        table,
        replace,
        signal: abort.signal,
        onProgress,
      });
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
    if (state.step === 'fetching') setState({ step: 'cancelling', started: state.started, table: state.table });
    // The load answers 'cancelled' once it has stopped and dropped what it had loaded.
    abort.abort();
  };

  return (
    <div data-testid="sample-loader">
      <h3>Open a sample in local DuckDB</h3>
      <p className="hint">
        Loads rows of this dataset into the local table <code>{table}</code>, for SQL, grids and charts: each field as this project sees it
        (the “For this project” column), ordered by those values.
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
      <p className="hint" data-testid="sample-destination">
        {projectEngine.mode === 'disk'
          ? 'The sample goes straight from the platform into this project’s local tables on this computer.'
          : 'The sample is loaded into this window only: nothing of it is written to this computer’s disk.'}
      </p>

      <div role="status" aria-live="polite" data-testid="sample-status">
        {state.step === 'fetching' || state.step === 'cancelling' ? (
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
                ? `${state.progress?.stage ?? `Loading ${formatRows(state.rows)} into ${state.table}`}…`
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
