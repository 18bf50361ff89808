// The analyst's workspace for one project, laid out like an analyst's IDE: the schema tree (with the history and the
// saved queries beside it) on the left; editor tabs and the editor above the result and its chart; every pane
// resizable by pointer and keyboard, the sizes kept per project. Each tab runs its SQL locally or on the platform
// (a minimised query whose result becomes a local table, then shown and charted like any other). Mounted once per
// project (keyed by it), so nothing of one project's screen can show in another's.
import { useCallback, useEffect, useId, useRef, useState, type CSSProperties } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Project } from '../../../src/common/contract.ts';
import { handledElsewhere } from '../../../src/common/detached.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import type { Layout, QueryEngine } from '../../../src/common/workspace.ts';
import { tableNameProblem } from '../analysis/platform-query.ts';
import type { EngineState, ProjectEngine } from '../analysis/project-engines.ts';
import type { RunTarget } from '../analysis/statements.ts';
import { SqlEditor, type SqlEditorHandle } from '../analysis/SqlEditor.tsx';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import type { DebouncedSaver, SaveState } from './debounced-saver.ts';
import { EditorTabs } from './EditorTabs.tsx';
import { HistoryPanel } from './HistoryPanel.tsx';
import { arranged, orientationOf, sizeOf, withSize } from './layout.ts';
import { ModeIndicator } from './ModeIndicator.tsx';
import { PlatformRunBar, ReplaceTableQuestion } from './PlatformRunBar.tsx';
import { EngineChoice, PlatformLine } from './QueryTarget.tsx';
import { RemoveLocalData, type RemovalScope } from './RemoveLocalData.tsx';
import { ChartPane, ResultPane, useResultMemory } from './ResultArea.tsx';
import { RunBar } from './RunBar.tsx';
import { SavedQueries } from './SavedQueries.tsx';
import { SchemaTree } from './SchemaTree.tsx';
import { SidePanel, type SidePanelId } from './SidePanel.tsx';
import { Splitter } from './Splitter.tsx';
import { tabKey, useProjectWorkspace } from './use-project-workspace.ts';
import { useDestinations, usePlatformRelations } from './use-platform-tabs.ts';
import { useQueryRuns } from './use-query-runs.ts';
import './platform-query.css';

export interface WorkspaceScreenProps {
  client: Client;
  project: Project;
  projects: readonly Project[];
  onSwitchProject: (projectId: string) => void;
  projectEngine: ProjectEngine;
  /** The project's local tables (null while they are read), shared with the catalogue's sample loader. */
  tables: LocalTable[] | null;
  refreshTables: () => void;
  nonce: string | undefined;
  tabSaver: DebouncedSaver<string>;
  layoutSaver: DebouncedSaver<Layout>;
  saveStates: ReadonlyMap<string, SaveState>;
  /** Removes the project's local data; resolves with what to tell the analyst. */
  removeLocalData: (scope: RemovalScope) => Promise<string>;
  /** A query another screen asked to open (the catalogue's "Query it"), in a new tab once the workspace is open. */
  pendingQuery: { title: string; sql: string } | null;
  onPendingQueryTaken: () => void;
}

export function WorkspaceScreen(props: WorkspaceScreenProps) {
  const { client, project, projectEngine, tables, tabSaver, layoutSaver } = props;
  const { engine } = projectEngine;
  const editor = useRef<SqlEditorHandle | null>(null);
  const texts = useRef(new Map<string, string>());
  const body = useRef<HTMLDivElement>(null);
  const work = useRef<HTMLDivElement>(null);
  const main = useRef<HTMLDivElement>(null);
  const results = useRef<HTMLDivElement>(null);
  const memory = useResultMemory();
  const [side, setSide] = useState<SidePanelId>('tables');
  const [historyVersion, setHistoryVersion] = useState(0);
  const [removed, setRemoved] = useState<string | null>(null);
  const [engineState, setEngineState] = useState<EngineState>(() => projectEngine.state());

  useEffect(() => {
    setEngineState(projectEngine.state());
    return projectEngine.onState(setEngineState);
  }, [projectEngine]);

  // A tab's latest text: as typed in this window, or as the saver still holds it, or as the core last kept it.
  const keptTabs = useRef<readonly { id: string; sql: string }[]>([]);
  const textOf = useCallback(
    (tabId: string): string =>
      texts.current.get(tabId) ??
      tabSaver.unsaved(tabKey(project.id, tabId)) ??
      keptTabs.current.find((tab) => tab.id === tabId)?.sql ??
      '',
    [project.id, tabSaver],
  );
  const workspace = useProjectWorkspace({ client, projectId: project.id, tabSaver, layoutSaver, textOf });
  const { refreshTables } = props;
  const runs = useQueryRuns({
    engine: projectEngine.analystEngine,
    viewEngine: engine,
    loadQuery: (request) => projectEngine.loadQuery(request),
    onFinished: () => {
      refreshTables();
      setHistoryVersion((n) => n + 1);
    },
  });

  keptTabs.current = workspace.tabs;
  const activeTabId = workspace.activeTabId;
  const activeTab = workspace.tabs.find((tab) => tab.id === activeTabId) ?? null;
  const tabRun = activeTabId === null ? null : runs.runOf(activeTabId);
  const layout = workspace.layout;
  const engineReady = engineState.state === 'ready';
  const activeEngine: QueryEngine = activeTab?.engine ?? 'local';
  const relations = usePlatformRelations(client, project.id);
  const destinations = useDestinations({ tables, tabs: workspace.tabs, activeTabId, activeEngine });
  const [replaceQuestion, setReplaceQuestion] = useState<{ tabId: string; target: RunTarget; table: string; rows: number } | null>(null);
  const tableInput = useRef<HTMLInputElement>(null);
  const problemId = useId();
  const destination = activeTabId === null ? '' : destinations.of(activeTabId);
  const destinationProblem = tableNameProblem(destination);

  // The texts the editor starts each tab from: what the saver still holds beats what the core last kept.
  const editorTabs = workspace.tabs.map((tab) => ({ id: tab.id, sql: tabSaver.unsaved(tabKey(project.id, tab.id)) ?? tab.sql }));
  const editorTabsKey = editorTabs.map((tab) => tab.id).join('|');
  // The ids decide: a tab's text is read only when the tab is first shown.
  const stableTabs = useMemoById(editorTabs, editorTabsKey);

  // The error of the tab's last run, marked where it points (or cleared).
  const errorAt = tabRun?.errorAt ?? null;
  useEffect(() => {
    editor.current?.markError(errorAt);
  }, [errorAt, activeTabId]);

  const run = (scope: 'statement' | 'all'): void => {
    if (activeTabId === null || !engineReady || runs.running !== null) return;
    const target = editor.current?.runTarget(scope) ?? null;
    setReplaceQuestion(null);
    if (activeEngine === 'platform' && target !== null) {
      if (destinationProblem !== null) {
        tableInput.current?.focus();
        return;
      }
      // Replacing a local table is asked first; the core refuses it unasked all the same.
      const existing = tables?.find((table) => table.name === destination);
      if (existing) {
        setReplaceQuestion({ tabId: activeTabId, target, table: destination, rows: existing.rows });
        return;
      }
      handledElsewhere(runs.run({ tabId: activeTabId, target, platform: { table: destination, replace: false } }));
      return;
    }
    handledElsewhere(runs.run({ tabId: activeTabId, target }));
  };

  const replaceAndRun = (): void => {
    const question = replaceQuestion;
    setReplaceQuestion(null);
    if (question === null) return;
    handledElsewhere(runs.run({ tabId: question.tabId, target: question.target, platform: { table: question.table, replace: true } }));
  };

  const openInNewTab = (title: string, sql: string, engine: QueryEngine = 'local'): void => {
    handledElsewhere(
      workspace.newTab({ title, sql, engine }).then((id) => {
        if (id !== null) requestAnimationFrame(() => editor.current?.focus());
      }),
    );
  };

  const { pendingQuery, onPendingQueryTaken } = props;
  const opened = workspace.open.kind === 'open';
  useEffect(() => {
    if (!opened || pendingQuery === null) return;
    onPendingQueryTaken();
    openInNewTab(pendingQuery.title, pendingQuery.sql);
    // openInNewTab is this render's; the request is what decides.
  }, [opened, pendingQuery]);

  const setLayout = (next: Layout, commit: boolean): void => {
    workspace.setLayout(next);
    if (commit) handledElsewhere(layoutSaver.flush(project.id));
  };

  if (workspace.open.kind === 'failed') {
    return (
      <ErrorMessage testId="workspace-error" title="This project's workspace could not be opened" text={workspace.open.message}>
        <button type="button" className="button secondary" data-testid="retry-workspace" onClick={workspace.reopen}>
          Try again
        </button>
      </ErrorMessage>
    );
  }

  const showingPrevious =
    tabRun !== null && (tabRun.outcome.kind === 'cancelled' || tabRun.outcome.kind === 'failed') && tabRun.shown !== null;
  const schemaSize = sizeOf(layout, 'schema');
  const shown = tabRun?.shown ?? null;
  const stacked = layout.arrangement === 'stacked';
  const chartDrive = { client, projectId: project.id, mode: projectEngine.mode };
  // Beside the editor and the result (the whole height), or below the result: the same splitter, turned.
  const resultSplitter = (
    <Splitter
      splitter="result"
      orientation={orientationOf('result', layout.arrangement)}
      value={sizeOf(layout, 'result')}
      controls={stacked ? 'ide-result-pane' : 'ide-main'}
      label="Resize the result and the chart"
      container={() => (stacked ? results.current : work.current)}
      onChange={(value) => setLayout(withSize(layout, 'result', value), false)}
      onCommit={() => setLayout(layout, true)}
    />
  );
  return (
    <section
      className="ide"
      aria-label={`Local analysis of ${project.name}`}
      data-testid="analysis-view"
      data-project={project.id}
      data-clipboard-cell-limit={project.clipboardCellLimit}
    >
      <div className="ide-bar">
        <div className="field inline">
          <label htmlFor="ide-project">Project</label>
          <select
            id="ide-project"
            value={project.id}
            data-testid="project-switch"
            onChange={(event) => props.onSwitchProject(event.target.value)}
          >
            {props.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <ModeIndicator mode={projectEngine.mode} engine={engineState} />
        <button
          type="button"
          className="link-button"
          aria-expanded={layout.schemaTreeOpen}
          aria-controls="ide-side"
          data-testid="toggle-schema"
          onClick={() => setLayout({ ...layout, schemaTreeOpen: !layout.schemaTreeOpen }, true)}
        >
          {layout.schemaTreeOpen ? 'Hide side pane' : 'Show side pane'}
        </button>
        <RemoveLocalData
          projectName={project.name}
          mode={projectEngine.mode}
          disabled={workspace.open.kind !== 'open' || runs.running !== null}
          remove={props.removeLocalData}
          onRemoved={(scope, summary) => {
            setRemoved(summary);
            refreshTables();
            setHistoryVersion((n) => n + 1);
            if (scope === 'everything') workspace.reopen();
          }}
        />
      </div>
      <div className="ide-notices">
        {workspace.notice ? (
          <Notice kind="notice" testId="workspace-notice" text={workspace.notice}>
            <button type="button" className="link-button" onClick={workspace.dismissNotice}>
              Dismiss
            </button>
          </Notice>
        ) : null}
        <ErrorMessage testId="workspace-problem" title="That did not work" text={workspace.problem} />
        <div role="status" data-testid="local-data-removed">
          {removed ? (
            <Notice kind="success" testId="local-data-removed-text" text={removed}>
              <button type="button" className="link-button" onClick={() => setRemoved(null)}>
                Dismiss
              </button>
            </Notice>
          ) : null}
        </div>
      </div>
      <div
        className={layout.schemaTreeOpen ? 'ide-body' : 'ide-body no-side'}
        ref={body}
        style={{ '--schema': `${schemaSize}%`, '--editor': `${sizeOf(layout, 'editor')}%` } as CSSProperties}
      >
        {layout.schemaTreeOpen ? (
          <>
            <aside className="ide-side" id="ide-side" aria-label="Tables, history and saved queries">
              <SidePanel current={side} onChoose={setSide}>
                {side === 'tables' ? (
                  <SchemaTree
                    tables={tables}
                    onInsert={(text, focusEditor) => {
                      editor.current?.insertAtCursor(text);
                      if (focusEditor) editor.current?.focus();
                    }}
                  />
                ) : side === 'history' ? (
                  <HistoryPanel
                    client={client}
                    projectId={project.id}
                    version={historyVersion}
                    onOpen={(entry) => openInNewTab('From history', entry.sql, entry.engine)}
                  />
                ) : (
                  <SavedQueries
                    saved={workspace.saved}
                    currentTitle={activeTab?.title ?? null}
                    actions={{
                      save: (name) => workspace.saveQuery(name, activeTabId === null ? '' : textOf(activeTabId), activeEngine),
                      replaceSql: (id) => workspace.changeQuery({ id, sql: activeTabId === null ? '' : textOf(activeTabId) }),
                      rename: (id, name) => workspace.changeQuery({ id, name }),
                      remove: (id) => workspace.deleteQuery(id),
                      open: (query) => openInNewTab(query.name, query.sql, query.engine),
                    }}
                  />
                )}
              </SidePanel>
            </aside>
            <Splitter
              splitter="schema"
              orientation="vertical"
              value={schemaSize}
              controls="ide-side"
              label="Resize the side pane"
              container={() => body.current}
              onChange={(value) => setLayout(withSize(layout, 'schema', value), false)}
              onCommit={() => setLayout(layout, true)}
            />
          </>
        ) : null}
        <div
          className="ide-work"
          data-arrangement={layout.arrangement}
          ref={work}
          style={{ '--result': `${sizeOf(layout, 'result')}%` } as CSSProperties}
        >
          <div className="ide-main" id="ide-main" ref={main}>
            <section className="ide-editor" id="ide-editor" aria-label="SQL editor" data-engine={activeEngine}>
              <EditorTabs
                tabs={workspace.tabs}
                activeTabId={activeTabId}
                saveState={activeTabId === null ? undefined : props.saveStates.get(tabKey(project.id, activeTabId))}
                onActivate={workspace.activate}
                onNew={() => openInNewTab('', '')}
                onClose={(id) => {
                  runs.forget(id);
                  texts.current.delete(id);
                  workspace.close(id);
                }}
                hasText={(id) => textOf(id).trim().length > 0}
                onRename={workspace.rename}
                onMove={workspace.move}
              >
                {activeTab ? (
                  <EngineChoice
                    engine={activeEngine}
                    disabled={runs.running?.tabId === activeTab.id}
                    onChange={(next) => {
                      setReplaceQuestion(null);
                      handledElsewhere(workspace.setEngine(activeTab.id, next));
                    }}
                  />
                ) : null}
              </EditorTabs>
              {activeEngine === 'platform' && activeTabId !== null ? (
                <PlatformLine
                  projectName={project.name}
                  table={destination}
                  tableProblem={destinationProblem}
                  problemId={problemId}
                  busy={runs.running !== null}
                  onTableChange={(name) => {
                    setReplaceQuestion(null);
                    destinations.set(activeTabId, name);
                  }}
                  tableInput={tableInput}
                />
              ) : null}
              <div className="editor-host">
                <SqlEditor
                  ref={editor}
                  nonce={props.nonce}
                  tabs={stableTabs}
                  activeTabId={workspace.open.kind === 'open' ? activeTabId : null}
                  schema={activeEngine === 'platform' ? relations.tables : (tables ?? [])}
                  placeholder={activeEngine === 'platform' ? relations.placeholder : undefined}
                  label={activeTab ? `SQL of ${activeTab.title}${activeEngine === 'platform' ? ' (platform query)' : ''}` : 'SQL editor'}
                  describedBy="run-hint"
                  onChange={(tabId, text) => {
                    texts.current.set(tabId, text);
                    tabSaver.change(tabKey(project.id, tabId), text);
                  }}
                  onBlur={(tabId) => handledElsewhere(tabSaver.flush(tabKey(project.id, tabId)))}
                  onRun={run}
                  onCancel={runs.cancel}
                />
              </div>
              {activeEngine === 'platform' && activeTabId !== null ? (
                <PlatformRunBar
                  engineReady={engineReady}
                  running={runs.running}
                  outcome={tabRun?.outcome ?? { kind: 'none' }}
                  showingPrevious={showingPrevious}
                  table={destination}
                  tableProblem={destinationProblem}
                  problemId={problemId}
                  onRun={() => run('statement')}
                  onCancel={() => runs.cancel()}
                />
              ) : (
                <RunBar
                  engineReady={engineReady}
                  running={runs.running !== null}
                  runningSince={runs.running?.since ?? null}
                  outcome={tabRun?.outcome ?? { kind: 'none' }}
                  showingPrevious={showingPrevious}
                  onRun={run}
                  onCancel={() => runs.cancel()}
                />
              )}
            </section>
            <Splitter
              splitter="editor"
              orientation="horizontal"
              value={sizeOf(layout, 'editor')}
              controls="ide-editor"
              label="Resize the editor and the result"
              container={() => main.current}
              onChange={(value) => setLayout(withSize(layout, 'editor', value), false)}
              onCommit={() => setLayout(layout, true)}
            />
            <div className="ide-results" ref={results}>
              <ResultPane
                engine={engine}
                shown={shown}
                showingPrevious={showingPrevious}
                error={tabRun?.outcome.kind === 'failed' ? tabRun.outcome.message : null}
                layout={layout}
                onArrangement={(arrangement) => setLayout(arranged(layout, arrangement), true)}
                clipboardCellLimit={project.clipboardCellLimit}
                outputs={{ client, projectId: project.id }}
                drive={{ client, projectId: project.id, projectEngine }}
                tabTitle={activeTab?.title}
                memory={memory}
                question={
                  replaceQuestion !== null && replaceQuestion.tabId === activeTabId ? (
                    <ReplaceTableQuestion
                      question={replaceQuestion}
                      onReplace={replaceAndRun}
                      onKeep={() => {
                        setReplaceQuestion(null);
                        tableInput.current?.focus();
                      }}
                    />
                  ) : null
                }
              />
              {stacked ? resultSplitter : null}
              {stacked ? <ChartPane engine={engine} shown={shown} memory={memory} drive={chartDrive} /> : null}
            </div>
          </div>
          {stacked ? null : resultSplitter}
          {stacked ? null : <ChartPane engine={engine} shown={shown} memory={memory} drive={chartDrive} />}
        </div>
      </div>
    </section>
  );
}

/** The same array object while the ids are the same, so the editor is not told of changes that are not there. */
function useMemoById<T>(value: T, key: string): T {
  const kept = useRef<{ key: string; value: T } | null>(null);
  if (kept.current === null || kept.current.key !== key) kept.current = { key, value };
  return kept.current.value;
}
