// A signed-in user's workspace: the screens their role allows. Analysts pick a project, browse its catalogue,
// open samples locally and analyse them; output checkers read the rule profiles; admins see both references.
// Mounted once per sign-in (keyed by user): its state, like local DuckDB's tables, never outlives the session.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Catalogue, Project, User } from '../../../src/common/contract.ts';
import { bestEffort } from '../../../src/common/detached.ts';
import { AnalysisView } from '../analysis/AnalysisView.tsx';
import type { EngineStatus, LocalEngine, LocalTable } from '../analysis/engine.ts';
import type { SqlEditorHandle } from '../analysis/SqlEditor.tsx';
import { DatasetDetail } from '../catalogue/DatasetDetail.tsx';
import { DatasetList } from '../catalogue/DatasetList.tsx';
import { ProjectPicker } from '../catalogue/ProjectPicker.tsx';
import { SampleLoader } from '../catalogue/SampleLoader.tsx';
import { CheckingView } from '../checking/CheckingView.tsx';
import { mayOpen, maySample, screensFor, type Screen } from '../session/roles.ts';
import { messageOf } from './message-of.ts';
import { ErrorMessage } from './Messages.tsx';
import { ScreenNav } from './ScreenNav.tsx';
import { ScreenRefused } from './ScreenRefused.tsx';

export function Workspace(props: {
  client: Client;
  engine: LocalEngine;
  engineStatus: EngineStatus;
  nonce: string | undefined;
  user: User;
  /** The screen the address asks for (null: the role's first). */
  requested: Screen | null;
  navigate: (screen: Screen) => void;
}) {
  const { client, engine, engineStatus, user } = props;
  const screens = screensFor(user.role);
  const home = screens[0];
  const screen = props.requested ?? home;
  const allowed = mayOpen(user.role, screen);
  const withCatalogue = screens.includes('catalogue');

  const [projects, setProjects] = useState<Project[] | null>(null);
  const [projectsError, setProjectsError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [projectId, setProjectId] = useState<string | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [catalogueLoading, setCatalogueLoading] = useState(false);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const [datasetId, setDatasetId] = useState<string | null>(null);
  const [tables, setTables] = useState<LocalTable[]>([]);
  const editor = useRef<SqlEditorHandle | null>(null);
  const [pendingSql, setPendingSql] = useState<string | null>(null);

  // Projects are the platform's answer for this user: asked after sign-in, never before.
  useEffect(() => {
    if (!withCatalogue) return;
    let live = true;
    setProjectsError(null);
    client.invoke('projects.list', {}).then(
      (p) => {
        if (!live) return;
        setProjects(p);
        if (p.length === 1) setProjectId(p[0].id);
      },
      (err: unknown) => live && setProjectsError(messageOf(err, 'Your projects could not be loaded.')),
    );
    return () => {
      live = false;
    };
  }, [client, withCatalogue, attempt]);

  const refreshTables = useCallback(() => {
    // An engine that fails says so in its status.
    bestEffort(engine.listTables().then(setTables));
  }, [engine]);

  useEffect(() => {
    bestEffort(engine.ready.then(refreshTables));
  }, [engine, refreshTables]);

  useEffect(() => {
    if (!projectId) return;
    let live = true;
    setCatalogue(null);
    setDatasetId(null);
    setCatalogueError(null);
    setCatalogueLoading(true);
    client
      .invoke('catalogue.get', { projectId })
      .then(
        (c) => {
          if (!live) return;
          setCatalogue(c);
          setDatasetId(c.datasets[0]?.id ?? null);
        },
        (err: unknown) => live && setCatalogueError(messageOf(err, 'The catalogue could not be loaded.')),
      )
      .finally(() => live && setCatalogueLoading(false));
    return () => {
      live = false;
    };
  }, [client, projectId]);

  const dataset = catalogue?.datasets.find((d) => d.id === datasetId) ?? null;
  const engineReady = engineStatus.state === 'ready';
  const { navigate } = props;

  const openAnalysis = (table: string): void => {
    setPendingSql(`SELECT * FROM ${table}`);
    navigate('analysis');
  };

  // After the analysis panel is shown (a hidden editor cannot take focus), put the suggested query in it.
  useEffect(() => {
    if (screen !== 'analysis' || pendingSql === null) return;
    editor.current?.setText(pendingSql);
    editor.current?.focus();
    setPendingSql(null);
  }, [screen, pendingSql]);

  const shown = (key: Screen): boolean => allowed && screen === key;

  return (
    <div className={withCatalogue ? 'layout' : 'layout single'} data-testid="workspace" data-role={user.role}>
      {withCatalogue ? (
        <aside className="sidebar" aria-label="Project and datasets">
          <ProjectPicker projects={projects} selectedId={projectId} onSelect={setProjectId} />
          <DatasetList
            catalogue={catalogue}
            loading={catalogueLoading}
            selectedId={datasetId}
            onSelect={(id) => {
              setDatasetId(id);
              navigate('catalogue');
            }}
          />
        </aside>
      ) : null}
      <main id="main" className="content" tabIndex={-1}>
        <ErrorMessage testId="projects-error" title="Your projects could not be loaded" text={projectsError}>
          <button type="button" className="button secondary" data-testid="retry-projects" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </ErrorMessage>
        <ErrorMessage
          testId="engine-error"
          title="Local DuckDB is not running"
          text={engineStatus.state === 'failed' ? engineStatus.message : null}
        >
          <button type="button" className="button secondary" data-testid="reload-window" onClick={() => window.location.reload()}>
            Reload the window
          </button>
        </ErrorMessage>
        <ErrorMessage testId="catalogue-error" title="The catalogue could not be loaded" text={catalogueError} />
        <ScreenNav screens={screens} current={screen} />
        {!allowed ? <ScreenRefused screen={screen} role={user.role} home={home} /> : null}
        {mayOpen(user.role, 'catalogue') ? (
          <div hidden={!shown('catalogue')} data-testid="panel-catalogue">
            {dataset && projectId ? (
              <DatasetDetail dataset={dataset}>
                {maySample(user.role) ? (
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
                ) : (
                  <p className="hint" data-testid="no-samples">
                    Samples are for the project&apos;s analysts: the platform does not give them to your role.
                  </p>
                )}
              </DatasetDetail>
            ) : (
              <section className="panel" aria-label="Catalogue">
                <p className="hint">{projectId ? 'Choose a dataset to see its fields.' : 'Choose a project to see its catalogue.'}</p>
              </section>
            )}
          </div>
        ) : null}
        {mayOpen(user.role, 'analysis') ? (
          <div hidden={!shown('analysis')} data-testid="panel-analysis">
            <AnalysisView
              engine={engine}
              engineReady={engineReady}
              nonce={props.nonce}
              tables={tables}
              onTablesChanged={refreshTables}
              editor={editor}
            />
          </div>
        ) : null}
        {mayOpen(user.role, 'checking') ? (
          <div hidden={!shown('checking')} data-testid="panel-checking">
            <CheckingView client={client} />
          </div>
        ) : null}
      </main>
    </div>
  );
}
