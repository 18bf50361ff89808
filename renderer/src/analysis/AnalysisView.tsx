// Local analysis: the tables in local DuckDB, the SQL editor, the result grid and the chart.
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { Table } from 'apache-arrow';
import { handledElsewhere } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { formatCount, formatDuration, formatRows, largeResultNotice } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { ChartPanel } from './ChartPanel.tsx';
import { resultBytes, resultColumns, type ResultColumn } from './column-kind.ts';
import type { LocalEngine, LocalTable } from './engine.ts';
import { ResultGrid } from './ResultGrid.tsx';
import { SqlEditor, type SqlEditorHandle } from './SqlEditor.tsx';

interface Result {
  /** Each result gets a fresh grid (a new table must not inherit the old one's scroll position). */
  id: number;
  table: Table;
  columns: ResultColumn[];
  sql: string;
  ms: number;
  bytes: number;
}

export function AnalysisView(props: {
  engine: LocalEngine;
  engineReady: boolean;
  nonce: string | undefined;
  tables: LocalTable[];
  onTablesChanged: () => void;
  editor: RefObject<SqlEditorHandle | null>;
}) {
  const { engine, engineReady, tables } = props;
  const [running, setRunning] = useState(false);
  const [started, setStarted] = useState(0);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const resultSeq = useRef(0);

  const run = async (): Promise<void> => {
    if (controller.current) return; // one query at a time; Cancel stops the running one
    const sql = props.editor.current?.getText() ?? '';
    if (sql.trim().length === 0) {
      setError('Write a query first, for example: SELECT * FROM patients_sample');
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setRunning(true);
    setStarted(performance.now());
    setError(null);
    setInfo(null);
    const t0 = performance.now();
    try {
      const table = await engine.query(sql, { signal: abort.signal });
      resultSeq.current += 1;
      setResult({
        id: resultSeq.current,
        table,
        columns: resultColumns(table),
        sql,
        ms: performance.now() - t0,
        bytes: resultBytes(table),
      });
    } catch (err) {
      if (err instanceof EnclaveError && err.code === 'cancelled') setInfo('The query was cancelled.');
      else setError(messageOf(err, 'Local DuckDB could not run that query.'));
    } finally {
      controller.current = null;
      setRunning(false);
      // A query may have created or dropped tables.
      props.onTablesChanged();
    }
  };

  const cancel = (): void => controller.current?.abort();
  const notice = result ? largeResultNotice(result.table.numRows, result.bytes) : null;

  return (
    <>
      <section className="panel" aria-labelledby="sql-heading" data-testid="analysis-view">
        <h2 id="sql-heading">Local SQL</h2>
        <p className="hint" id="sql-hint">
          Queries run in DuckDB inside this window, on the samples you opened. Run with <kbd>Ctrl</kbd>+<kbd>Enter</kbd> (<kbd>⌘</kbd>+
          <kbd>Enter</kbd> on a Mac); <kbd>Tab</kbd> leaves the editor.
        </p>
        <h3>Local tables</h3>
        {tables.length === 0 ? (
          <p className="hint" data-testid="no-local-tables">
            No tables yet. Open a dataset in the catalogue and choose “Open sample in local DuckDB”.
          </p>
        ) : (
          <ul className="local-tables" data-testid="local-tables">
            {tables.map((t) => (
              <li key={t.name} className="local-table" data-testid={`local-table-${t.name}`}>
                <code>{t.name}</code>
                <span className="hint">
                  {formatRows(t.rows)}, {formatCount(t.columns)} columns
                </span>
                <button
                  type="button"
                  className="link-button"
                  data-testid={`query-table-${t.name}`}
                  onClick={() => {
                    props.editor.current?.setText(`SELECT * FROM ${t.name}`);
                    props.editor.current?.focus();
                  }}
                >
                  Query<span className="visually-hidden"> {t.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <SqlEditor ref={props.editor} nonce={props.nonce} initialText="" describedBy="sql-hint" onRun={() => handledElsewhere(run())} />
        <div className="editor-actions">
          <button
            type="button"
            className="button"
            data-testid="run-query"
            disabled={running || !engineReady}
            onClick={() => handledElsewhere(run())}
          >
            Run
          </button>
          <button type="button" className="button secondary" data-testid="cancel-query" disabled={!running} onClick={cancel}>
            Cancel
          </button>
          <span role="status" className="result-summary" data-testid="query-status">
            {!engineReady ? (
              'Local DuckDB is starting…'
            ) : running ? (
              <RunningFor since={started} />
            ) : (
              (info ??
              (error
                ? result
                  ? 'The result below is from the previous query.'
                  : ''
                : result
                  ? `${formatRows(result.table.numRows)} in ${formatDuration(result.ms)}.`
                  : ''))
            )}
          </span>
        </div>
        <ErrorMessage testId="query-error" title="The query did not run" text={error} preformatted />
        {notice && !error ? <Notice kind="notice" testId="large-result" text={notice} /> : null}
      </section>
      {result ? (
        <>
          <section className="panel" aria-labelledby="result-heading">
            <h2 id="result-heading">Result</h2>
            <p className="hint">
              {formatRows(result.table.numRows)}, {formatCount(result.columns.length)} columns. Use the arrow keys in the grid;{' '}
              <kbd>Ctrl</kbd>+<kbd>C</kbd> copies the selection.
            </p>
            {result.columns.length > 0 ? (
              <ResultGrid key={result.id} table={result.table} columns={result.columns} />
            ) : (
              <p>The statement returned no columns.</p>
            )}
          </section>
          {result.columns.length > 0 ? <ChartPanel result={result} engine={engine} /> : null}
        </>
      ) : null}
    </>
  );
}

function RunningFor(props: { since: number }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 500);
    return () => clearInterval(timer);
  }, []);
  // Announced once as "Running…"; the ticking seconds stay out of the live region's churn.
  return (
    <span>
      Running… <span aria-hidden="true">{formatDuration(now - props.since)}</span>
    </span>
  );
}
