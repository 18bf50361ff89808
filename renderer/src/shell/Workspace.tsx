// A signed-in user's workspace: the screens their role allows. Analysts pick a project, browse its catalogue, open
// samples into the project's local engine and analyse them in the workspace screen, and follow the project's release
// requests and released outputs on the Outputs screen (everyone who picks a project is offered it; the platform says
// who is a member); output checkers read the rule profiles; admins see both references, and their own screens: the
// agreements (and their members), the audit log, the incidents, oversight, the people, the terms of use and the
// training (with a banner over them while the kill switch holds anything in force); data managers get the agreements.
// The catalogue also shows the chosen project's agreement, read-only. The Drive screen (#/drive) shows the chosen
// project's shared drive; choosing a project starts its drive's sync in the core. The airlock's notification bell goes
// in the header, polled while signed in and read again after every airlock action made on any screen. Mounted once per
// sign-in (keyed by user). Editor text is saved as it is typed, for every project of the sign-in, and sent at once
// when the window goes away or the project changes.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { Notification } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import type { Catalogue, Project, User } from '../../../src/common/contract.ts';
import { bestEffort, handledElsewhere } from '../../../src/common/detached.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import type { Layout } from '../../../src/common/workspace.ts';
import { ADMIN_SCREEN_LABELS, adminAudienceOf, adminScreensFor, type AdminScreen } from '../admin/admin-screens.ts';
import { AgreementsScreen } from '../admin/AgreementsScreen.tsx';
import { AuditLogScreen } from '../admin/AuditLogScreen.tsx';
import { IncidentsScreen } from '../admin/IncidentsScreen.tsx';
import { OversightScreen } from '../admin/OversightScreen.tsx';
import { PeopleScreen } from '../admin/PeopleScreen.tsx';
import { RestrictionsBanner } from '../admin/RestrictionsBanner.tsx';
import { TermsScreen } from '../admin/TermsScreen.tsx';
import { TrainingScreen } from '../admin/TrainingScreen.tsx';
import { useKillSwitch } from '../admin/use-kill-switch.ts';
import { noticingAirlockActions } from '../airlock/airlock-calls.ts';
import { NOTIFICATION_SLOT_ID } from '../airlock/header-slot.ts';
import { NotificationBell } from '../airlock/NotificationBell.tsx';
import { notificationTarget } from '../airlock/notification-text.ts';
import { mayOpenOutputs, OUTPUTS_LABEL } from '../airlock/outputs-address.ts';
import { OutputsScreen } from '../airlock/OutputsScreen.tsx';
import { openOutputs, useOutputsAddress } from '../airlock/use-outputs-address.ts';
import { useNotifications } from '../airlock/use-notifications.ts';
import type { ProjectEngines } from '../analysis/project-engines.ts';
import { DatasetDetail } from '../catalogue/DatasetDetail.tsx';
import { DRIVE_LABEL, mayOpenDrive } from '../drives/drive-address.ts';
import { DriveScreen } from '../drives/DriveScreen.tsx';
import { useDriveAddress } from '../drives/use-drive-address.ts';
import { DatasetList } from '../catalogue/DatasetList.tsx';
import { ProjectAgreement } from '../catalogue/ProjectAgreement.tsx';
import { ProjectPicker } from '../catalogue/ProjectPicker.tsx';
import { SampleLoader } from '../catalogue/SampleLoader.tsx';
import { CheckingView } from '../checking/CheckingView.tsx';
import { audienceOf, mayOpen, maySample, SCREEN_LABELS, screensFor, type Screen } from '../session/roles.ts';
import { createDebouncedSaver, type SaveState } from '../workspace/debounced-saver.ts';
import { lastProject, rememberProject, type StorageLike } from '../workspace/last-project.ts';
import { removeLocalData } from '../workspace/remove-local-data.ts';
import { parseTabKey } from '../workspace/use-project-workspace.ts';
import { WorkspaceScreen } from '../workspace/WorkspaceScreen.tsx';
import { messageOf } from './message-of.ts';
import { ErrorMessage } from './Messages.tsx';
import { ScreenNav } from './ScreenNav.tsx';
import { ScreenRefused } from './ScreenRefused.tsx';

/** This window's sessionStorage, or null where the browser refuses it. */
function windowSession(): StorageLike | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** A pause this long in typing saves the tab (the "saved as you type"). */
export const TAB_SAVE_DELAY_MS = 400;
const LAYOUT_SAVE_DELAY_MS = 800;

export function Workspace(props: {
  client: Client;
  engines: ProjectEngines;
  nonce: string | undefined;
  user: User;
  /** The screen the address asks for (null: the role's first). */
  requested: Screen | null;
  /** The administration screen the address asks for, or null. */
  requestedAdmin?: AdminScreen | null;
  navigate: (screen: Screen) => void;
}) {
  const { engines, user } = props;
  const screens = screensFor(user.role);
  const home = screens[0];
  const screen = props.requested ?? home;
  const adminScreens = adminScreensFor(user.role);
  const adminScreen = props.requestedAdmin ?? null;
  const adminAllowed = adminScreen !== null && adminScreens.includes(adminScreen);
  // The Outputs screen (#/outputs) takes the place of the role's screens while it is asked for, as administration does.
  const outputsAddress = useOutputsAddress();
  const outputsOffered = mayOpenOutputs(user.role);
  const outputsAsked = adminScreen === null && outputsAddress !== null;
  const outputsShown = outputsAsked && outputsOffered;
  // The Drive screen (#/drive, issue 17) likewise, for the same roles.
  const driveAddress = useDriveAddress();
  const driveOffered = mayOpenDrive(user.role);
  const driveAsked = adminScreen === null && !outputsAsked && driveAddress !== null;
  const driveShown = driveAsked && driveOffered;
  // An administration screen takes the place of the role's screens while it is asked for.
  const allowed = adminScreen === null && !outputsAsked && !driveAsked && mayOpen(user.role, screen);
  const withCatalogue = screens.includes('catalogue');

  // The notification bell hears every airlock action made through this client, on whichever screen.
  const notifications = useNotifications(props.client);
  const client = useMemo(() => noticingAirlockActions(props.client, notifications.refresh), [props.client, notifications.refresh]);
  const [bellSlot, setBellSlot] = useState<HTMLElement | null>(null);
  useEffect(() => setBellSlot(document.getElementById(NOTIFICATION_SLOT_ID)), []);

  const [projects, setProjects] = useState<Project[] | null>(null);
  const [projectsError, setProjectsError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [projectId, setProjectId] = useState<string | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [catalogueLoading, setCatalogueLoading] = useState(false);
  const [catalogueError, setCatalogueError] = useState<string | null>(null);
  const [datasetId, setDatasetId] = useState<string | null>(null);
  const [tables, setTables] = useState<{ projectId: string; tables: LocalTable[] } | null>(null);
  const [tablesError, setTablesError] = useState<string | null>(null);
  const [saveStates, setSaveStates] = useState<ReadonlyMap<string, SaveState>>(new Map());
  /** The catalogue shows the project's agreement rather than a dataset. */
  const [showAgreement, setShowAgreement] = useState(false);
  /** Administration screens opened in this sign-in: kept (hidden) after, so their filter and place survive a visit elsewhere. */
  const [openedAdmin, setOpenedAdmin] = useState<ReadonlySet<AdminScreen>>(new Set());

  // One saver per sign-in: a tab whose save failed keeps retrying after a project switch, so nothing is lost.
  const [tabSaver] = useState(() =>
    createDebouncedSaver<string>({
      delayMs: TAB_SAVE_DELAY_MS,
      save: (key, sql) => {
        const { projectId: project, tabId } = parseTabKey(key);
        return client.invoke('workspace.saveTab', { projectId: project, tab: { id: tabId, sql } });
      },
      describe: (err) => messageOf(err, 'The workstation did not save it.'),
      onState: (key, state) => setSaveStates((current) => new Map(current).set(key, state)),
    }),
  );
  const [layoutSaver] = useState(() =>
    createDebouncedSaver<Layout>({
      delayMs: LAYOUT_SAVE_DELAY_MS,
      save: (project, layout) => client.invoke('workspace.saveLayout', { projectId: project, layout }),
    }),
  );

  // Reloading or closing the window: what is typed goes now (the pause may not come).
  useEffect(() => {
    const flush = (): void => {
      tabSaver.flushNow();
      layoutSaver.flushNow();
    };
    window.addEventListener('beforeunload', flush);
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('beforeunload', flush);
      window.removeEventListener('pagehide', flush);
      // Signed out or locked out: send what is left (the core refuses it if the session has gone).
      flush();
    };
  }, [tabSaver, layoutSaver]);

  // Projects are the platform's answer for this user: asked after sign-in, never before.
  useEffect(() => {
    if (!withCatalogue) return;
    let live = true;
    setProjectsError(null);
    client.invoke('projects.list', {}).then(
      (p) => {
        if (!live) return;
        setProjects(p);
        // After a reload, the project this window had; with one project, that one. Never over a project the person
        // has chosen since: the list is asked again (e.g. once their standing is known), and an answer arriving after
        // their click took them back to the remembered project.
        const remembered = lastProject(user.id, windowSession());
        const chosen = p.find((project) => project.id === remembered) ?? (p.length === 1 ? p[0] : null);
        if (chosen) setProjectId((current) => current ?? chosen.id);
      },
      (err: unknown) => live && setProjectsError(messageOf(err, 'Your projects could not be loaded.')),
    );
    return () => {
      live = false;
    };
  }, [client, withCatalogue, attempt, user.id]);

  const project = projects?.find((p) => p.id === projectId) ?? null;

  // Choosing a project opens its drive: the core starts syncing its local folder (and stops any other project's). What
  // went wrong is for the Drive screen to say, which asks again when it is shown.
  useEffect(() => {
    if (projectId !== null && driveOffered) bestEffort(client.invoke('drive.sync', { projectId }));
  }, [client, projectId, driveOffered]);
  const projectEngine = useMemo(() => (project ? engines.forProject(project) : null), [engines, project]);

  // Only the latest read of the tables is shown: an earlier one answered late (the project opened before, whose
  // workspace took longer to open) would otherwise leave the project now chosen without its tables for good.
  const tablesRead = useRef(0);
  const refreshTables = useCallback(() => {
    if (!projectEngine) return;
    const id = projectEngine.projectId;
    const read = ++tablesRead.current;
    projectEngine.engine.tables().then(
      (list) => {
        if (read !== tablesRead.current) return;
        setTables({ projectId: id, tables: list });
        setTablesError(null);
      },
      (err: unknown) => {
        if (read === tablesRead.current) setTablesError(messageOf(err, "This project's local tables could not be read."));
      },
    );
  }, [projectEngine]);

  useEffect(() => {
    setTables(null);
    setTablesError(null);
    refreshTables();
  }, [refreshTables]);

  const projectTables = tables !== null && tables.projectId === projectId ? tables.tables : null;

  useEffect(() => {
    if (!projectId) return;
    let live = true;
    setCatalogue(null);
    setDatasetId(null);
    setShowAgreement(false);
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

  /** Switching project: the previous project's editor text and layout are saved first. */
  const switchProject = (id: string): void => {
    if (id === projectId) return;
    const switching = Promise.all([tabSaver.flush(), layoutSaver.flush()]).then(() => {
      rememberProject(user.id, id, windowSession());
      setProjectId(id);
    });
    // The flushes never reject: a failed save shows in its tab, and its text is kept to be saved again.
    handledElsewhere(switching);
  };

  const dataset = catalogue?.datasets.find((d) => d.id === datasetId) ?? null;
  const { navigate } = props;
  const [pendingQuery, setPendingQuery] = useState<{ title: string; sql: string } | null>(null);
  /** The request a checker's notification opened on the checking screen. */
  const [checkingRequest, setCheckingRequest] = useState<{ requestId: string; at: number } | null>(null);

  /** A notification opens its request: the author's page on the Outputs screen, or the checkers' screen. */
  const openNotification = (notification: Notification): void => {
    if (notificationTarget(notification) === 'checking') {
      if (!mayOpen(user.role, 'checking')) return;
      setCheckingRequest({ requestId: notification.requestId, at: Date.now() });
      navigate('checking');
      return;
    }
    if (projects?.some((p) => p.id === notification.projectId)) switchProject(notification.projectId);
    openOutputs(notification.requestId);
  };

  const openAnalysis = (table: string): void => {
    setPendingQuery({ title: table, sql: `SELECT * FROM ${table}` });
    navigate('analysis');
  };

  const shown = (key: Screen): boolean => allowed && screen === key;
  const ide = shown('analysis') && project !== null;
  const adminShown = (key: AdminScreen): boolean => adminAllowed && adminScreen === key;
  const mountedAdmin = (key: AdminScreen): boolean => adminShown(key) || openedAdmin.has(key);
  const withSidebar = withCatalogue && !ide && adminScreen === null;

  useEffect(() => {
    if (adminAllowed && adminScreen !== null)
      setOpenedAdmin((opened) => (opened.has(adminScreen) ? opened : new Set(opened).add(adminScreen)));
  }, [adminAllowed, adminScreen]);

  // The kill switch's overview, read whenever an administration screen is shown to an administrator (a data manager's
  // agreements screen has no banner): the incidents screen and the banner.
  const isAdmin = user.role === 'admin';
  const killSwitch = useKillSwitch(client, adminAllowed && isAdmin ? adminScreen : null);

  return (
    <div
      className={withSidebar ? 'layout' : ide ? 'layout single ide-layout' : 'layout single'}
      data-testid="workspace"
      data-role={user.role}
    >
      {withSidebar ? (
        <aside className="sidebar" aria-label="Project and datasets">
          <ProjectPicker projects={projects} selectedId={projectId} onSelect={switchProject} />
          <DatasetList
            catalogue={catalogue}
            loading={catalogueLoading}
            selectedId={datasetId}
            onSelect={(id) => {
              setDatasetId(id);
              setShowAgreement(false);
              navigate('catalogue');
            }}
            agreementSelected={showAgreement}
            onSelectAgreement={() => {
              setShowAgreement(true);
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
        <ErrorMessage testId="catalogue-error" title="The catalogue could not be loaded" text={catalogueError} />
        <ErrorMessage testId="tables-error" title="The local tables could not be read" text={tablesError} />
        <ScreenNav
          screens={screens}
          current={adminScreen === null && !outputsAsked && !driveAsked ? screen : null}
          outputs={outputsOffered ? { current: outputsShown } : undefined}
          drive={driveOffered ? { current: driveShown } : undefined}
          adminScreens={adminScreens}
          currentAdmin={adminAllowed ? adminScreen : null}
        />
        {outputsAsked && !outputsOffered ? (
          <ScreenRefused label={OUTPUTS_LABEL} audience={audienceOf('catalogue')} role={user.role} home={home} />
        ) : null}
        {driveAsked && !driveOffered ? (
          <ScreenRefused label={DRIVE_LABEL} audience={audienceOf('catalogue')} role={user.role} home={home} />
        ) : null}
        {adminScreen === null && !outputsAsked && !driveAsked && !allowed ? (
          <ScreenRefused label={SCREEN_LABELS[screen]} audience={audienceOf(screen)} role={user.role} home={home} />
        ) : null}
        {adminScreen !== null && !adminAllowed ? (
          <ScreenRefused label={ADMIN_SCREEN_LABELS[adminScreen]} audience={adminAudienceOf(adminScreen)} role={user.role} home={home} />
        ) : null}
        {mayOpen(user.role, 'catalogue') ? (
          <div hidden={!shown('catalogue')} data-testid="panel-catalogue">
            {showAgreement && project ? (
              <ProjectAgreement key={project.id} client={client} projectId={project.id} />
            ) : dataset && project && projectEngine ? (
              <DatasetDetail dataset={dataset}>
                {maySample(user.role) ? (
                  <SampleLoader
                    key={project.id}
                    projectEngine={projectEngine}
                    dataset={dataset}
                    localTables={projectTables}
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
          <div hidden={!shown('analysis')} className="analysis-panel" data-testid="panel-analysis">
            {project && projectEngine && projects ? (
              <WorkspaceScreen
                key={project.id}
                client={client}
                project={project}
                projects={projects}
                onSwitchProject={switchProject}
                projectEngine={projectEngine}
                tables={projectTables}
                refreshTables={refreshTables}
                nonce={props.nonce}
                tabSaver={tabSaver}
                layoutSaver={layoutSaver}
                saveStates={saveStates}
                removeLocalData={(scope) => removeLocalData({ client, projectEngine, scope })}
                pendingQuery={shown('analysis') ? pendingQuery : null}
                onPendingQueryTaken={() => setPendingQuery(null)}
              />
            ) : (
              <section className="panel" aria-label="Local analysis">
                <p className="hint">Choose a project in the list of projects to open its workspace.</p>
              </section>
            )}
          </div>
        ) : null}
        {driveOffered ? (
          <div hidden={!driveShown} data-testid="panel-drive">
            <DriveScreen
              client={client}
              project={project}
              address={driveAddress ?? { folder: '' }}
              shown={driveShown}
              projectEngine={projectEngine}
              tables={projectTables}
              refreshTables={refreshTables}
              onOpenAnalysis={mayOpen(user.role, 'analysis') ? openAnalysis : undefined}
            />
          </div>
        ) : null}
        {outputsOffered ? (
          <div hidden={!outputsShown} data-testid="panel-outputs">
            <OutputsScreen
              client={client}
              project={project}
              address={outputsAddress ?? { requestId: null }}
              shown={outputsShown}
              onOpenRequest={(requestId) => openOutputs(requestId)}
            />
          </div>
        ) : null}
        {mayOpen(user.role, 'checking') ? (
          <div hidden={!shown('checking')} data-testid="panel-checking">
            <CheckingView client={client} shown={shown('checking')} openRequest={checkingRequest} />
          </div>
        ) : null}
        {adminAllowed && isAdmin ? (
          <RestrictionsBanner active={killSwitch.overview?.active ?? []} onIncidentsScreen={adminScreen === 'incidents'} />
        ) : null}
        {mountedAdmin('agreements') ? (
          <div hidden={!adminShown('agreements')} data-testid="panel-admin-agreements">
            <AgreementsScreen client={client} me={user} />
          </div>
        ) : null}
        {mountedAdmin('audit') ? (
          <div hidden={!adminShown('audit')} data-testid="panel-admin-audit">
            <AuditLogScreen client={client} />
          </div>
        ) : null}
        {mountedAdmin('incidents') ? (
          <div hidden={!adminShown('incidents')} data-testid="panel-admin-incidents">
            <IncidentsScreen client={client} killSwitch={killSwitch} />
          </div>
        ) : null}
        {mountedAdmin('oversight') ? (
          <div hidden={!adminShown('oversight')} data-testid="panel-admin-oversight">
            <OversightScreen client={client} shown={adminShown('oversight')} />
          </div>
        ) : null}
        {mountedAdmin('people') ? (
          <div hidden={!adminShown('people')} data-testid="panel-admin-people">
            <PeopleScreen client={client} me={user.id} shown={adminShown('people')} />
          </div>
        ) : null}
        {mountedAdmin('terms') ? (
          <div hidden={!adminShown('terms')} data-testid="panel-admin-terms">
            <TermsScreen client={client} shown={adminShown('terms')} />
          </div>
        ) : null}
        {mountedAdmin('training') ? (
          <div hidden={!adminShown('training')} data-testid="panel-admin-training">
            <TrainingScreen client={client} shown={adminShown('training')} />
          </div>
        ) : null}
      </main>
      {bellSlot ? createPortal(<NotificationBell notifications={notifications} onOpen={openNotification} />, bellSlot) : null}
    </div>
  );
}
