// The Drive screen (#/drive, issue 17) for the members of the chosen project: its shared drive as the platform holds
// it (a folder at a time, with versions, trash and app passwords), its local folder on this computer and how the sync
// stands, and the two ways between the drive and the project's local engine (save a local table to it, open a file of
// it as a table). The folder, the drive's use and the sync are read when the screen is shown, after every change made
// here, and when a sync pass ends (`drive.changed`), so a file written into the local folder shows up as synced.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { DriveSyncView, Project } from '../../../src/common/contract.ts';
import type { DriveEntry } from '../../../src/common/drives.ts';
import type { LocalTable } from '../../../src/common/local-engine.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import type { ProjectEngine } from '../analysis/project-engines.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { AppPasswords } from './AppPasswords.tsx';
import type { DriveAddress } from './drive-address.ts';
import { QuotaBar, SyncPanel } from './DriveStatus.tsx';
import { DeleteConfirm, OpenAsTable, openedText, RenameForm } from './EntryActions.tsx';
import { Breadcrumbs, FolderListing, NewFolder, type EntryAction } from './FolderListing.tsx';
import { SaveToDrive } from './SaveToDrive.tsx';
import { TrashPanel } from './TrashPanel.tsx';
import { VersionsPanel } from './VersionsPanel.tsx';
import './drive.css';

/** The sync's view of the project's drive: asked for when shown, then kept up to date by `drive.changed`. */
function useDriveSync(client: Client, projectId: string, shown: boolean) {
  const [view, setView] = useState<DriveSyncView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () =>
      client.listen('drive.changed', (next) => {
        if (next.projectId === projectId) setView(next);
      }),
    [client, projectId],
  );
  useEffect(() => {
    if (!shown) return;
    let live = true;
    client.invoke('drive.sync', { projectId }).then(
      (next) => {
        if (!live) return;
        setView(next);
        setError(null);
      },
      (err: unknown) => live && setError(messageOf(err, 'Where the drive’s sync stands could not be read.')),
    );
    return () => {
      live = false;
    };
  }, [client, projectId, shown]);
  return { view, setView, error };
}

function ProjectDrive(props: {
  client: Client;
  project: Project;
  folder: string;
  shown: boolean;
  projectEngine: ProjectEngine | null;
  tables: readonly LocalTable[] | null;
  refreshTables: () => void;
  /** Opens a table in local analysis (absent for a role without that screen). */
  onOpenAnalysis?: (table: string) => void;
}) {
  const { client, project, folder, shown, onOpenAnalysis } = props;
  const projectId = project.id;
  const sync = useDriveSync(client, projectId, shown);
  const readFolder = useCallback(() => client.invoke('drive.folder', { projectId, path: folder }), [client, projectId, folder]);
  const listing = useAdminRead(readFolder, 'The folder could not be read.', shown);
  const readInfo = useCallback(() => client.invoke('drive.info', { projectId }), [client, projectId]);
  const info = useAdminRead(readInfo, 'The drive could not be read.', shown);
  const [selected, setSelected] = useState<{ entry: DriveEntry; action: EntryAction } | null>(null);
  const [news, setNews] = useState<{ text: string; table?: string } | null>(null);
  const refreshListing = listing.refresh;
  const refreshInfo = info.refresh;

  const refresh = useCallback(() => {
    refreshListing();
    refreshInfo();
  }, [refreshListing, refreshInfo]);

  // A pass that ended (a file uploaded from the local folder, or one downloaded) shows in the listing.
  const lastPass = sync.view?.status?.lastSyncedAt ?? null;
  const seenPass = useRef(lastPass);
  useEffect(() => {
    if (lastPass === seenPass.current) return;
    seenPass.current = lastPass;
    if (shown) refresh();
  }, [lastPass, shown, refresh]);

  // Another folder: what was selected in the last one is closed, and what was said about it goes.
  useEffect(() => {
    setSelected(null);
    setNews(null);
  }, [folder]);

  const done = (text: string): void => {
    setSelected(null);
    setNews({ text });
    refresh();
  };

  const entries = listing.value?.entries ?? null;
  const choose = (entry: DriveEntry, action: EntryAction): void => {
    setNews(null);
    setSelected((current) => (current?.entry.path === entry.path && current.action === action ? null : { entry, action }));
  };

  return (
    <div className="drive-screen" data-testid="drive-screen" data-project-id={projectId} aria-busy={listing.loading}>
      <section className="panel drive-head" aria-labelledby="drive-heading">
        <div className="drive-panel-head">
          <h2 id="drive-heading">Drive of {project.name}</h2>
          <button type="button" className="button secondary small" disabled={listing.loading} onClick={refresh} data-testid="drive-refresh">
            {listing.loading ? 'Reading…' : 'Read again'}
          </button>
        </div>
        <ErrorMessage testId="drive-info-error" title="The drive could not be read" text={info.error} />
        <QuotaBar info={info.value} />
        <ErrorMessage testId="drive-sync-read-error" title="The sync could not be read" text={sync.error} />
        <SyncPanel client={client} projectId={projectId} view={sync.view} onView={sync.setView} />
      </section>

      <section className="panel drive-files" aria-labelledby="drive-files-title" data-testid="drive-files" data-answered={listing.answered}>
        <div className="drive-panel-head">
          <h2 id="drive-files-title">Files</h2>
          <NewFolder client={client} projectId={projectId} folder={folder} onMade={(entry) => done(`Made the folder ${entry.path}.`)} />
        </div>
        <Breadcrumbs folder={folder} />
        <ErrorMessage testId="drive-folder-error" title="The folder could not be read" text={listing.error} />
        <div role="status">
          {news !== null ? (
            <Notice kind="success" testId="drive-news" text={news.text}>
              {news.table !== undefined && onOpenAnalysis !== undefined ? (
                <button
                  type="button"
                  className="button secondary small"
                  onClick={() => onOpenAnalysis(news.table ?? '')}
                  data-testid="drive-news-analyse"
                >
                  Open {news.table} in local analysis
                </button>
              ) : null}
            </Notice>
          ) : null}
        </div>
        <FolderListing
          entries={entries}
          view={sync.view}
          selected={selected === null ? null : { path: selected.entry.path, action: selected.action }}
          onAction={choose}
        />
      </section>

      {selected?.action === 'versions' ? (
        <VersionsPanel
          key={selected.entry.path}
          client={client}
          projectId={projectId}
          entry={selected.entry}
          onRestored={() => refresh()}
          onClose={() => setSelected(null)}
        />
      ) : null}
      {selected?.action === 'rename' ? (
        <RenameForm
          key={selected.entry.path}
          client={client}
          projectId={projectId}
          entry={selected.entry}
          onDone={(moved) => done(`Moved ${selected.entry.path} to ${moved.path}.`)}
          onCancel={() => setSelected(null)}
        />
      ) : null}
      {selected?.action === 'delete' ? (
        <DeleteConfirm
          key={selected.entry.path}
          client={client}
          projectId={projectId}
          entry={selected.entry}
          trashDays={info.value?.trashDays ?? null}
          onDone={() => done(`${selected.entry.path} went to the trash.`)}
          onCancel={() => setSelected(null)}
        />
      ) : null}
      {selected?.action === 'open' ? (
        <OpenAsTable
          key={selected.entry.path}
          client={client}
          projectId={projectId}
          entry={selected.entry}
          projectEngine={props.projectEngine}
          tables={props.tables}
          onOpened={(table, rows) => {
            setSelected(null);
            setNews({ text: openedText(table, rows), table });
            props.refreshTables();
          }}
          onCancel={() => setSelected(null)}
        />
      ) : null}

      <SaveToDrive
        client={client}
        projectId={projectId}
        projectEngine={props.projectEngine}
        tables={props.tables}
        folder={folder}
        onSaved={() => refresh()}
      />
      <TrashPanel client={client} projectId={projectId} onRestored={(entry) => done(`${entry.path} is back in the drive.`)} />
      <AppPasswords client={client} projectId={projectId} shown={shown} />
    </div>
  );
}

export function DriveScreen(props: {
  client: Client;
  /** The project chosen in the sidebar (null: none yet). */
  project: Project | null;
  address: DriveAddress;
  /** Whether the screen is shown (its reads are made again each time it is). */
  shown: boolean;
  projectEngine: ProjectEngine | null;
  tables: readonly LocalTable[] | null;
  refreshTables: () => void;
  onOpenAnalysis?: (table: string) => void;
}) {
  const { project } = props;
  if (project === null) {
    return (
      <section className="panel" aria-label="Drive">
        <p className="hint">Choose a project to see its drive.</p>
      </section>
    );
  }
  return (
    <ProjectDrive
      key={project.id}
      client={props.client}
      project={project}
      folder={props.address.folder}
      shown={props.shown}
      projectEngine={props.projectEngine}
      tables={props.tables}
      refreshTables={props.refreshTables}
      onOpenAnalysis={props.onOpenAnalysis}
    />
  );
}
