// The result and its chart. Side by side, the chart takes the full height on the right of the editor and the result
// (as an analyst's plots pane does); stacked, it sits below the result. A splitter sizes the result against the chart
// either way. The result heading says whose result it is: after a cancel or an error, the previous query's. A result
// with rows can become an output, or be saved into the project's drive (as its chart can), each from a dialog that a
// new result closes.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { LocalEngine, LocalMode } from '../../../src/common/local-engine.ts';
import type { Layout } from '../../../src/common/workspace.ts';
import { ChartPanel } from '../analysis/ChartPanel.tsx';
import type { ChartSettings } from '../analysis/chart-plan.ts';
import type { GridView } from '../analysis/page-cache.ts';
import type { ProjectEngine } from '../analysis/project-engines.ts';
import { ResultGrid } from '../analysis/ResultGrid.tsx';
import { DriveSaveDialog } from '../drives/DriveSaveDialog.tsx';
import { folderOf, resultSubject, wholeResultNote } from '../drives/save-words.ts';
import { SaveToDrive } from '../drives/SaveToDrive.tsx';
import { OutputBuilder } from '../outputs/OutputBuilder.tsx';
import { ErrorMessage } from '../shell/Messages.tsx';
import { resultHeading, resultPhrase } from './run-status.ts';
import type { ShownResult } from './use-query-runs.ts';

/** What the result and the chart remember of each result while the window is open (a tab switch keeps them). */
export interface ResultMemory {
  views: Map<number, GridView>;
  charts: Map<number, ChartSettings>;
}

export function useResultMemory(): ResultMemory {
  return useRef<ResultMemory>({ views: new Map(), charts: new Map() }).current;
}

function hasRows(shown: ShownResult | null): shown is ShownResult & { result: { resultId: string } } {
  return shown !== null && shown.result.resultId !== null && shown.result.columns.length > 0;
}

export function ResultPane(props: {
  engine: LocalEngine;
  shown: ShownResult | null;
  showingPrevious: boolean;
  /** The last run's error (DuckDB's words), shown above the previous result if there is one. */
  error: string | null;
  layout: Layout;
  onArrangement: (arrangement: Layout['arrangement']) => void;
  clipboardCellLimit: number;
  memory: ResultMemory;
  /** A question before the next run (replace a table?), asked above the result. */
  question?: ReactNode;
  /** Where outputs go (the project, through the client): with it, a result with rows offers "Make an output". */
  outputs?: { client: Client; projectId: string };
  /** The project's drive (through the client) and its engine: with it, a result with rows offers "Save to drive". */
  drive?: { client: Client; projectId: string; projectEngine: ProjectEngine };
  /** The tab the result is shown in: what the save calls it, and the name its file is offered. */
  tabTitle?: string;
}) {
  const { engine, shown, showingPrevious, layout, memory, drive } = props;
  const result = shown?.result ?? null;
  const [building, setBuilding] = useState(false);
  const [saving, setSaving] = useState(false);
  /** The folder the save offers (the last save's), and the path of the last save from here. */
  const [driveFolder, setDriveFolder] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const makeOutput = useRef<HTMLButtonElement>(null);
  const saveToDrive = useRef<HTMLButtonElement>(null);
  const seq = shown?.seq ?? null;
  // A new result closes the builder and the save: they were about the one before.
  useEffect(() => {
    setBuilding(false);
    setSaving(false);
  }, [seq]);
  const closeBuilder = (): void => {
    setBuilding(false);
    requestAnimationFrame(() => makeOutput.current?.focus());
  };
  const closeSave = (): void => {
    setSaving(false);
    requestAnimationFrame(() => saveToDrive.current?.focus());
  };
  const subject = resultSubject({ title: shown?.title, tabTitle: props.tabTitle });
  return (
    <section className="result-pane" id="ide-result-pane" aria-labelledby="result-heading">
      <div className="pane-head">
        <h2 id="result-heading" className={showingPrevious ? 'previous' : undefined} data-testid="result-heading">
          {result ? resultHeading(result, showingPrevious, shown?.title) : 'Result'}
        </h2>
        <span className="pane-actions">
          {props.outputs && hasRows(shown) ? (
            <button
              type="button"
              className="link-button"
              ref={makeOutput}
              aria-expanded={building}
              data-testid="make-output"
              onClick={() => {
                setSaving(false);
                setBuilding(true);
              }}
            >
              Make an output
            </button>
          ) : null}
          {drive && hasRows(shown) ? (
            <button
              type="button"
              className="link-button"
              ref={saveToDrive}
              aria-expanded={saving}
              data-testid="result-save-to-drive"
              onClick={() => {
                setBuilding(false);
                // The last save's folder is offered again (read here: changing it under a save's news would clear it).
                if (saved !== null) setDriveFolder(folderOf(saved));
                setSaved(null);
                setSaving(true);
              }}
            >
              Save to drive
            </button>
          ) : null}
          <button
            type="button"
            className="link-button"
            data-testid="toggle-arrangement"
            onClick={() => props.onArrangement(layout.arrangement === 'side-by-side' ? 'stacked' : 'side-by-side')}
          >
            {layout.arrangement === 'side-by-side' ? 'Chart below the result' : 'Chart beside the result'}
          </button>
        </span>
      </div>
      {building && props.outputs && hasRows(shown) ? (
        <OutputBuilder
          // Its own key among the pane's children (the grid is keyed by the result's number too).
          key={`output-builder-${shown.seq}`}
          client={props.outputs.client}
          projectId={props.outputs.projectId}
          engine={engine}
          result={shown.result}
          sql={shown.sql}
          onClose={closeBuilder}
        />
      ) : null}
      {saving && drive && hasRows(shown) ? (
        <DriveSaveDialog
          key={`drive-save-${shown.seq}`}
          title={`Save ${subject.label} to the drive`}
          testId="result-drive-save"
          side="right"
          saved={saved}
          onClose={closeSave}
        >
          <p className="hint" data-testid="result-drive-save-note">
            {wholeResultNote(shown.result.rowCount, memory.views.get(shown.seq))}
          </p>
          <SaveToDrive
            client={drive.client}
            projectId={drive.projectId}
            projectEngine={drive.projectEngine}
            tables={null}
            folder={driveFolder}
            result={{ resultId: shown.result.resultId, label: subject.label, name: subject.name }}
            bare
            onSaved={setSaved}
          />
        </DriveSaveDialog>
      ) : null}
      <div role="alert" className="result-question">
        {props.question ?? null}
      </div>
      {/* Scrolls when DuckDB's message is long: focusable, so the keyboard can scroll it too. */}
      <div
        className="result-error"
        tabIndex={props.error ? 0 : undefined}
        aria-label={props.error ? 'Why the query did not run' : undefined}
      >
        <ErrorMessage testId="query-error" title="The query did not run" text={props.error} preformatted />
      </div>
      {result === null ? (
        <p className="hint pane-padding">
          Run a query to see its result here: <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs the statement at the cursor (or the selection),{' '}
          <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>Enter</kbd> runs everything, <kbd>Esc</kbd> cancels, and <kbd>Tab</kbd> leaves the editor.
        </p>
      ) : hasRows(shown) ? (
        <ResultGrid
          key={shown.seq}
          engine={engine}
          result={shown.result}
          clipboardCellLimit={props.clipboardCellLimit}
          view={memory.views.get(shown.seq)}
          onViewChange={(view) => memory.views.set(shown.seq, view)}
          fill
        />
      ) : (
        <p className="pane-padding" data-testid="statement-outcome">
          {resultPhrase(result)}.
        </p>
      )}
    </section>
  );
}

export function ChartPane(props: {
  engine: LocalEngine;
  shown: ShownResult | null;
  memory: ResultMemory;
  /** The project's drive (through the client) and where its local data lives: with it, a drawn chart can be saved there. */
  drive?: { client: Client; projectId: string; mode: LocalMode };
}) {
  const { engine, shown, memory } = props;
  return (
    <div className="chart-pane" id="ide-chart-pane">
      {hasRows(shown) ? (
        <ChartPanel
          key={shown.seq}
          engine={engine}
          result={shown.result}
          sql={shown.sql}
          settings={memory.charts.get(shown.seq) ?? null}
          onSettingsChange={(settings) => memory.charts.set(shown.seq, settings)}
          drive={props.drive}
          fill
        />
      ) : (
        <section className="chart-empty" aria-labelledby="chart-empty-heading">
          <h2 id="chart-empty-heading">Chart</h2>
          <p className="hint">A chart of the result appears here once a query has returned rows.</p>
        </section>
      )}
    </div>
  );
}
