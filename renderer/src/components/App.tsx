// The workstation window: pick a project, browse its catalogue, open samples locally, analyse them.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Catalogue, Project, Session } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { EngineStatus, LocalEngine, LocalTable } from '../analysis/engine.ts';
import { AnalysisView } from './AnalysisView.tsx';
import { DatasetDetail } from './DatasetDetail.tsx';
import { DatasetList } from './DatasetList.tsx';
import { Header, type PlatformState } from './Header.tsx';
import { ErrorMessage } from './Messages.tsx';
import { ProjectPicker } from './ProjectPicker.tsx';
import { SampleLoader } from './SampleLoader.tsx';
import type { SqlEditorHandle } from './SqlEditor.tsx';
import { TabPanel, Tabs } from './Tabs.tsx';

type View = 'catalogue' | 'analysis';

const messageOf = (err: unknown, fallback: string): string => (err instanceof EnclaveError ? err.message : fallback);

export function App(props: { client: Client; engine: LocalEngine; nonce: string | undefined }) {
  const { client, engine } = props;
  const [session, setSession] = useState<Session | null>(null);
  const [platform, setPlatform] = useState<PlatformState | null>(null);
  const [projects, setProjects] = useState<Project[] | null>(null);
  const [startupError, setStartupError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [projectId, setProjectId] = useState<string | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [catalogueLoading, setCatalogueLoading] = useState(false);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const [datasetId, setDatasetId] = useState<string | null>(null);
  const [engineStatus, setEngineStatus] = useState<EngineStatus>(() => engine.status());
  const [tables, setTables] = useState<LocalTable[]>([]);
  const [view, setView] = useState<View>('catalogue');
  const editor = useRef<SqlEditorHandle | null>(null);
  const [pendingSql, setPendingSql] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setStartupError(null);
    Promise.all([client.invoke('session.get', {}), client.invoke('projects.list', {})]).then(
      ([s, p]) => {
        if (!live) return;
        setSession(s);
        setProjects(p);
        if (p.length === 1) setProjectId(p[0].id);
      },
      (err: unknown) => live && setStartupError(messageOf(err, 'The workstation could not be reached.')),
    );
    return () => {
      live = false;
    };
  }, [client, attempt]);

  useEffect(() => client.listen('platform.status', (status) => setPlatform(status)), [client]);

  const refreshTables = useCallback(() => {
    engine.listTables().then(setTables, () => {});
  }, [engine]);

  useEffect(() => {
    const stop = engine.onStatus(setEngineStatus);
    setEngineStatus(engine.status());
    engine.ready.then(refreshTables, () => {});
    return stop;
  }, [engine, refreshTables]);

  useEffect(() => {
    if (!projectId) return;
    let live = true;
    setCatalogue(null);
    setDatasetId(null);
    setCatalogueError(null);
    setCatalogueLoading(true);
    client.invoke('catalogue.get', { projectId }).then(
      (c) => {
        if (!live) return;
        setCatalogue(c);
        setDatasetId(c.datasets[0]?.id ?? null);
      },
      (err: unknown) => live && setCatalogueError(messageOf(err, 'The catalogue could not be loaded.')),
    ).finally(() => live && setCatalogueLoading(false));
    return () => {
      live = false;
    };
  }, [client, projectId]);

  const dataset = catalogue?.datasets.find((d) => d.id === datasetId) ?? null;
  const engineReady = engineStatus.state === 'ready';

  const openAnalysis = (table: string): void => {
    setPendingSql(`SELECT * FROM ${table}`);
    setView('analysis');
  };

  // After the analysis panel is shown (a hidden editor cannot take focus), put the suggested query in it.
  useEffect(() => {
    if (view !== 'analysis' || pendingSql === null) return;
    editor.current?.setText(pendingSql);
    editor.current?.focus();
    setPendingSql(null);
  }, [view, pendingSql]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header session={session} platform={platform} engine={engineStatus} />
      <div className="layout">
        <aside className="sidebar" aria-label="Project and datasets">
          <ProjectPicker projects={projects} selectedId={projectId} onSelect={setProjectId} />
          <DatasetList
            catalogue={catalogue}
            loading={catalogueLoading}
            selectedId={datasetId}
            onSelect={(id) => {
              setDatasetId(id);
              setView('catalogue');
            }}
          />
        </aside>
        <main id="main" className="content" tabIndex={-1}>
          <ErrorMessage testId="startup-error" title="Enclave could not start" text={startupError}>
            <button type="button" className="button secondary" data-testid="retry-startup" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </ErrorMessage>
          <ErrorMessage testId="engine-error" title="Local DuckDB is not running" text={engineStatus.state === 'failed' ? engineStatus.message : null}>
            <button type="button" className="button secondary" data-testid="reload-window" onClick={() => window.location.reload()}>
              Reload the window
            </button>
          </ErrorMessage>
          <ErrorMessage testId="catalogue-error" title="The catalogue could not be loaded" text={catalogueError} />
          <Tabs
            label="Workspace"
            idPrefix="workspace"
            selected={view}
            onSelect={setView}
            tabs={[
              { key: 'catalogue', label: 'Catalogue' },
              { key: 'analysis', label: 'Local analysis' },
            ]}
          />
          <TabPanel idPrefix="workspace" tabKey="catalogue" selected={view === 'catalogue'}>
            {dataset && projectId ? (
              <DatasetDetail dataset={dataset}>
                <SampleLoader
                  client={client}
                  engine={engine}
                  engineReady={engineReady}
                  projectId={projectId}
                  dataset={dataset}
                  localTables={tables}
                  onLoaded={refreshTables}
                  onOpenAnalysis={openAnalysis}
                />
              </DatasetDetail>
            ) : (
              <section className="panel" aria-label="Catalogue">
                <p className="hint">{projectId ? 'Choose a dataset to see its fields.' : 'Choose a project to see its catalogue.'}</p>
              </section>
            )}
          </TabPanel>
          <TabPanel idPrefix="workspace" tabKey="analysis" selected={view === 'analysis'}>
            <AnalysisView
              engine={engine}
              engineReady={engineReady}
              nonce={props.nonce}
              tables={tables}
              onTablesChanged={refreshTables}
              editor={editor}
            />
          </TabPanel>
        </main>
      </div>
    </>
  );
}
