// The analyst's open workspaces, in the workstation core: one per signed-in person and project, each with its state
// store (tabs, saved queries, history, layout) and, for a 'disk' project, its native engine. A workspace opens on
// first use, only for the person signed in now (issuer and `sub`, from the session) and only for a project the
// platform lists for them; it stays open while they are signed in and closes (its files stay) when the session
// leaves them: sign-out, lock, the session's end. Work in a workspace holds it open; closing it stops that work (its
// signal aborts, and the engine closes under it), waits for it to end, then closes the store.
import type { Project, RemovedLocalData } from '../../common/contract.ts';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { LocalEngine, LocalMode } from '../../common/local-engine.ts';
import { openWorkspaceStore } from '../workspace-state/disk-store.ts';
import { openWorkspaceFolder, type WorkspaceFolder } from '../workspace-state/folder.ts';
import type { MemoryWorkspaces } from '../workspace-state/memory-store.ts';
import { removeProjectData, type RemovalScope } from '../workspace-state/remove.ts';
import { ownerFolderName, parseWorkspaceKey, type WorkspaceOwner } from '../workspace-state/owner.ts';
import type { WorkspaceStore } from '../workspace-state/state-store.ts';

/** What the service needs of the session and the platform. */
export interface WorkspaceAccess {
  /** The signed-in person; throws the session's refusal (locked, unauthenticated) for anyone else. */
  owner(): WorkspaceOwner;
  /** The projects the platform lists for the signed-in person. */
  projects(signal: AbortSignal): Promise<Project[]>;
}

/** Opens a project's native engine in its folder (src/workstation/workspace/). */
export type OpenEngine = (folder: WorkspaceFolder) => Promise<LocalEngine>;

export interface WorkspaceServiceOptions {
  /** The folder of every workspace (workspacesRoot(env), read at start); throws if it is misconfigured. */
  root(): string;
  access: WorkspaceAccess;
  openEngine: OpenEngine;
  memory: MemoryWorkspaces;
  log: (message: string, detail?: unknown) => void;
}

/** A project's workspace as the work in it sees it. */
export interface OpenWorkspace {
  readonly project: Project;
  readonly mode: LocalMode;
  readonly store: WorkspaceStore;
  /** The project's native engine; a 'memory' project's tables live in the window, so this refuses. */
  engine(): LocalEngine;
  /** Something to tell the analyst once (a damaged state file kept aside), or null; taking it clears it. */
  takeNotice(): string | null;
}

export interface WorkspaceService {
  /**
   * Runs `work` in the signed-in person's workspace of a project, opening it first if needed. `verify` asks the
   * platform again whether the project is theirs (and how it keeps its tables) even when it is open already. The
   * signal `work` gets aborts when the caller cancels or the workspace closes.
   */
  use<T>(
    request: { projectId: string; signal: AbortSignal; verify?: boolean },
    work: (workspace: OpenWorkspace, signal: AbortSignal) => Promise<T>,
  ): Promise<T>;
  /**
   * Removes the signed-in person's local data of a project: closes its workspace first (stopping what runs in it)
   * and keeps it closed meanwhile. Membership is not asked: anyone may remove their own files, a past project's too.
   */
  removeLocalData(request: { projectId: string; scope: RemovalScope }): Promise<RemovedLocalData>;
  /** Closes every open workspace (sign-out, lock, the session's end); their files stay. */
  closeAll(): Promise<void>;
}

const tablesInWindow = (): EnclaveError =>
  new EnclaveError(
    'invalid_input',
    "This project keeps its tables in the window only (nothing of them on this computer's disk), so the window's own engine answers this.",
  );

interface Opened {
  /** As the platform listed it when the workspace opened (or was last verified). */
  project: Project;
  readonly store: WorkspaceStore;
  readonly engine: LocalEngine | null;
  notice: string | null;
}

/** One workspace: opening, open, or closing (then a new use waits until it is gone). */
interface Entry {
  readonly key: string;
  state: 'opening' | 'open' | 'closing';
  /** Rejects if it could not open (its callers hear why); null for a key held closed (whileClosed). */
  readonly ready: Promise<Opened | null>;
  /** Aborts the opening and the work in it when it closes. */
  readonly stop: AbortController;
  users: number;
  /** Resolves when the last user is done (once closing). */
  drained: (() => void) | null;
  /** Resolves when it is closed and forgotten. */
  gone: Promise<void> | null;
}

function notMember(projectId: string): EnclaveError {
  // The same words for a project that does not exist: the platform never says which.
  return new EnclaveError('not_found', `There is no project "${projectId}" among yours.`);
}

const cancelled = (): EnclaveError => new EnclaveError('cancelled', 'The call was cancelled.');

/** The promise, or a cancel when the caller's signal aborts first (the work goes on for anyone else waiting). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A signal that aborts when either does, until stop() takes its listeners away again: the workspace's signal lives as
 * long as the workspace, and must not gather one listener per call made in it.
 */
function joinSignals(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  for (const source of [a, b]) {
    if (source.aborted) controller.abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  return {
    signal: controller.signal,
    stop() {
      a.removeEventListener('abort', abort);
      b.removeEventListener('abort', abort);
    },
  };
}

export function createWorkspaceService(options: WorkspaceServiceOptions): WorkspaceService {
  const { access, log } = options;
  const entries = new Map<string, Entry>();

  async function findProject(projectId: string, signal: AbortSignal): Promise<Project> {
    const project = (await access.projects(signal)).find((each) => each.id === projectId);
    if (project === undefined) throw notMember(projectId);
    return project;
  }

  async function openDisk(owner: WorkspaceOwner, project: Project): Promise<Opened> {
    const folder = await openWorkspaceFolder({ root: options.root(), owner, projectId: project.id });
    if (folder.tightened.length > 0) log(`Made private again in a workspace folder: ${folder.tightened.join(', ')}`);
    const { store, notice } = await openWorkspaceStore(folder);
    try {
      return { project, store, engine: await options.openEngine(folder), notice };
    } catch (err) {
      await bestEffort(store.close());
      throw err;
    }
  }

  async function open(request: { owner: WorkspaceOwner; projectId: string; signal: AbortSignal }): Promise<Opened> {
    // Membership first: nothing is created on disk for a project that is not the person's.
    const project = await findProject(request.projectId, request.signal);
    if (project.localData === 'memory') {
      return { project, store: await options.memory.open({ owner: request.owner, projectId: project.id }), engine: null, notice: null };
    }
    return openDisk(request.owner, project);
  }

  function start(request: { owner: WorkspaceOwner; projectId: string; key: string }): Entry {
    const stop = new AbortController();
    const ready = open({ ...request, signal: stop.signal });
    const entry: Entry = { key: request.key, state: 'opening', ready, stop, users: 0, drained: null, gone: null };
    entries.set(request.key, entry);
    ready.then(
      () => {
        if (entry.state === 'opening') entry.state = 'open';
      },
      () => {
        // Its callers hear why; the next use tries afresh.
        if (entries.get(entry.key) === entry) entries.delete(entry.key);
      },
    );
    return entry;
  }

  /**
   * Closes an entry: stops its work and closes the engine (which interrupts whatever still runs in it), waits for the
   * work to end (a cancelled run is still written to the history), then closes the store; forgets it.
   */
  function close(entry: Entry): Promise<void> {
    if (entry.gone !== null) return entry.gone;
    entry.state = 'closing';
    entry.stop.abort();
    const drained = new Promise<void>((resolve) => {
      if (entry.users === 0) resolve();
      else entry.drained = resolve;
    });
    entry.gone = (async () => {
      try {
        // One that never opened has nothing to close (its callers heard why).
        const opened = await entry.ready.then(
          (value) => value,
          () => null,
        );
        try {
          await opened?.engine?.close();
        } finally {
          await drained;
          await opened?.store.close();
        }
      } catch (err) {
        log("A project's workspace did not close cleanly.", err);
      } finally {
        if (entries.get(entry.key) === entry) entries.delete(entry.key);
      }
    })();
    return entry.gone;
  }

  function keyOf(projectId: string): { owner: WorkspaceOwner; projectId: string; key: string } {
    const parsed = parseWorkspaceKey({ owner: access.owner(), projectId });
    return { ...parsed, key: `${ownerFolderName(parsed.owner)}/${parsed.projectId}` };
  }

  /**
   * Asks the platform again: a project no longer theirs closes, one whose tables moved (disk ⇄ memory) reopens, and
   * one the platform cannot answer about stays as it is.
   */
  async function reverify(entry: Entry, opened: Opened, signal: AbortSignal): Promise<'kept' | 'reopen'> {
    let project: Project;
    try {
      project = await findProject(opened.project.id, signal);
    } catch (err) {
      if (err instanceof EnclaveError && err.code === 'not_found') await close(entry);
      // Membership was checked when it opened in this sign-in: a platform that cannot answer now does not stop
      // the analyst's local work.
      if (err instanceof EnclaveError && err.code === 'unavailable') {
        log('The platform could not confirm a project on opening it again; its workspace stays open.', err);
        return 'kept';
      }
      throw err;
    }
    if (project.localData !== opened.project.localData) {
      await close(entry);
      return 'reopen';
    }
    opened.project = project;
    return 'kept';
  }

  /** The person's open workspace of the project, opened (or re-checked) as asked, with a user counted in. */
  async function acquire(request: { projectId: string; signal: AbortSignal; verify: boolean }): Promise<{ entry: Entry; opened: Opened }> {
    for (;;) {
      if (request.signal.aborted) throw cancelled();
      // Asked on every call: a lock or sign-out since the last one refuses this one.
      const { owner, projectId, key } = keyOf(request.projectId);
      const existing = entries.get(key);
      if (existing?.state === 'closing') {
        await unlessAborted(existing.gone ?? Promise.resolve(), request.signal);
        continue;
      }
      const entry = existing ?? start({ owner, projectId, key });
      const verify = request.verify && existing?.state === 'open';
      const opened = await unlessAborted(entry.ready, request.signal);
      if (opened === null || entry.state === 'closing' || entries.get(key) !== entry) continue;
      if (verify && (await reverify(entry, opened, request.signal)) === 'reopen') continue;
      if (entry.state !== 'open') continue;
      entry.users += 1;
      return { entry, opened };
    }
  }

  function release(entry: Entry): void {
    entry.users -= 1;
    if (entry.users === 0) entry.drained?.();
  }

  /** Closes the person's workspace of the project (if open) and holds it closed while `work` runs. */
  async function whileClosed<T>(
    request: { projectId: string },
    work: (key: { root: string; owner: WorkspaceOwner; projectId: string }) => Promise<T>,
  ): Promise<T> {
    for (;;) {
      const { owner, projectId, key } = keyOf(request.projectId);
      const existing = entries.get(key);
      if (existing !== undefined) {
        await (existing.state === 'closing' ? existing.gone : close(existing));
        continue;
      }
      // Holds the key closed: a use meanwhile waits for the work to end, then opens afresh.
      let done!: () => void;
      const gone = new Promise<void>((resolve) => (done = resolve));
      const hold: Entry = {
        key,
        state: 'closing',
        ready: Promise.resolve(null),
        stop: new AbortController(),
        users: 0,
        drained: null,
        gone,
      };
      entries.set(key, hold);
      try {
        return await work({ root: options.root(), owner, projectId });
      } finally {
        entries.delete(key);
        done();
      }
    }
  }

  return {
    async use(request, work) {
      const { entry, opened } = await acquire({ ...request, verify: request.verify ?? false });
      const joined = joinSignals(request.signal, entry.stop.signal);
      try {
        const workspace: OpenWorkspace = {
          project: opened.project,
          mode: opened.project.localData,
          store: opened.store,
          engine() {
            if (opened.engine === null) throw tablesInWindow();
            return opened.engine;
          },
          takeNotice() {
            const notice = opened.notice;
            opened.notice = null;
            return notice;
          },
        };
        return await work(workspace, joined.signal);
      } finally {
        joined.stop();
        release(entry);
      }
    },

    async removeLocalData({ projectId, scope }) {
      return whileClosed({ projectId }, async ({ root, owner }) => {
        const disk = await removeProjectData({ root, owner, projectId, scope });
        // A 'memory' project's tabs, history and saved queries live in this process only.
        const memory = scope === 'everything' ? await options.memory.remove({ owner, projectId }) : { removed: false };
        const inMemory = "this project's tabs, history and saved queries, kept in memory only (never on this computer's disk)";
        let summary = disk.summary;
        if (memory.removed) summary = disk.removed.length === 0 ? `Removed ${inMemory}.` : `${disk.summary} Also removed ${inMemory}.`;
        return { removed: [...disk.removed], bytes: disk.bytes, summary };
      });
    },

    async closeAll() {
      await Promise.all([...entries.values()].map(close));
    },
  };
}
