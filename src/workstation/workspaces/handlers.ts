// The contract's workspace.* methods, served by the workspace service: each names its project, runs in the signed-in
// person's workspace of it (opened on first use), and is cancelled by its call's signal or by the workspace closing.
import { detachedCall, type CallContext, type Handlers } from '../../common/dispatch.ts';
import type { MethodName } from '../../common/contract.ts';
import { loadQuery } from './platform-queries.ts';
import type { OpenQuery, OpenSample } from './samples.ts';
import { loadSample } from './samples.ts';
import { runAndRecord } from './runs.ts';
import type { OpenWorkspace, WorkspaceService } from './service.ts';

type WorkspaceMethod = Extract<MethodName, `workspace.${string}`>;
export type WorkspaceHandlers = Pick<Handlers, WorkspaceMethod>;

export interface WorkspaceHandlerOptions {
  workspaces: WorkspaceService;
  /** The platform's sample as a stream, as the signed-in user. */
  openSample: OpenSample;
  /** A minimised query's rows as a stream, as the signed-in user. */
  openQuery: OpenQuery;
  log: (message: string, detail?: unknown) => void;
  now?: () => Date;
}

/** The bytes over a plain ArrayBuffer, as every transport sends them (a shared buffer is copied). */
function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

export function createWorkspaceHandlers(options: WorkspaceHandlerOptions): WorkspaceHandlers {
  const { workspaces, log } = options;

  /** Runs `work` in the call's project's workspace, with the call's signal (and the workspace's closing). */
  function inWorkspace<T>(
    request: { projectId: string; call: CallContext | undefined; verify?: boolean },
    work: (workspace: OpenWorkspace, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const call = request.call ?? detachedCall();
    return workspaces.use({ projectId: request.projectId, signal: call.signal, verify: request.verify }, work);
  }

  return {
    // Opening is when the window switches to the project: the platform is asked again whether it is the person's.
    'workspace.open': ({ projectId }, call) =>
      inWorkspace({ projectId, call, verify: true }, async (workspace) => {
        const { store, mode } = workspace;
        const [tabs, saved, layout] = [await store.tabs(), await store.savedQueries(), await store.layout()];
        const tables = mode === 'disk' ? await workspace.engine().tables() : [];
        return { projectId, mode, tabs, saved, layout, tables, notice: workspace.takeNotice() };
      }),
    'workspace.saveTab': ({ projectId, tab }, call) => inWorkspace({ projectId, call }, ({ store }) => store.saveTab(tab)),
    'workspace.moveTab': ({ projectId, move }, call) => inWorkspace({ projectId, call }, ({ store }) => store.moveTab(move)),
    'workspace.closeTab': ({ projectId, tabId }, call) => inWorkspace({ projectId, call }, ({ store }) => store.closeTab(tabId)),
    'workspace.activateTab': ({ projectId, tabId }, call) => inWorkspace({ projectId, call }, ({ store }) => store.setActiveTab(tabId)),
    'workspace.saveQuery': ({ projectId, query }, call) => inWorkspace({ projectId, call }, ({ store }) => store.saveQuery(query)),
    'workspace.changeQuery': ({ projectId, change }, call) =>
      inWorkspace({ projectId, call }, ({ store }) => store.changeSavedQuery(change)),
    'workspace.deleteQuery': ({ projectId, id }, call) =>
      inWorkspace({ projectId, call }, async ({ store }) => {
        await store.deleteSavedQuery(id);
        return null;
      }),
    'workspace.history': ({ projectId, query }, call) => inWorkspace({ projectId, call }, ({ store }) => store.history(query)),
    'workspace.recordRun': ({ projectId, run }, call) => inWorkspace({ projectId, call }, ({ store }) => store.recordRun(run)),
    'workspace.saveLayout': ({ projectId, layout }, call) => inWorkspace({ projectId, call }, ({ store }) => store.saveLayout(layout)),
    'workspace.tables': ({ projectId }, call) => inWorkspace({ projectId, call }, (workspace) => workspace.engine().tables()),
    'workspace.run': ({ projectId, sql, record }, call) =>
      inWorkspace({ projectId, call }, (workspace, signal) =>
        // A run the window makes for itself (a chart's query) is not the analyst's: the history does not show it.
        record === false
          ? workspace.engine().run({ sql, signal })
          : runAndRecord({ engine: workspace.engine(), store: workspace.store, sql, signal, now: options.now, log }),
      ),
    'workspace.page': ({ projectId, page }, call) =>
      inWorkspace({ projectId, call }, async (workspace, signal) => plainBytes(await workspace.engine().page({ ...page, signal }))),
    'workspace.summarise': ({ projectId, resultId, column, filters }, call) =>
      inWorkspace({ projectId, call }, (workspace, signal) => workspace.engine().summarise({ resultId, column, filters, signal })),
    'workspace.release': ({ projectId, resultId }, call) =>
      inWorkspace({ projectId, call }, async (workspace) => {
        await workspace.engine().release(resultId);
        return null;
      }),
    'workspace.drop': ({ projectId, table }, call) =>
      inWorkspace({ projectId, call }, async (workspace) => {
        await workspace.engine().drop(table);
        return null;
      }),
    'workspace.loadSample': ({ projectId, datasetId, limit, table, replace }, call = detachedCall()) =>
      inWorkspace({ projectId, call }, (workspace, signal) =>
        loadSample({
          engine: workspace.engine(),
          open: options.openSample,
          sample: { projectId, datasetId, limit, table, replace },
          call,
          signal,
        }),
      ),
    // A 'memory' project's engine is the window's: engine() refuses before the platform is asked or the history written.
    'workspace.loadQuery': ({ projectId, sql, table, replace }, call = detachedCall()) =>
      inWorkspace({ projectId, call }, (workspace, signal) =>
        loadQuery({
          engine: workspace.engine(),
          store: workspace.store,
          open: options.openQuery,
          query: { projectId, sql, table, replace },
          call,
          signal,
          now: options.now,
          log,
        }),
      ),
    'workspace.removeLocalData': ({ projectId, scope }) => workspaces.removeLocalData({ projectId, scope }),
  };
}
