// The project drives as the core wires them (issue 17): where their local folders and sync journals live (read once,
// at start), one sync at a time (the signed-in person's, for the project the window has open, if the project keeps its
// tables on this computer's disk), its status as `drive.changed` events, and the drive.* handlers over it. The window
// asks for the project's drive (`drive.sync`) as soon as a project is chosen, which starts its sync; the sync stops
// when the person signs out, locks or the session ends, and when the window asks for another project's drive. A
// project kept in the window ('memory') has no local folder at all.
import path from 'node:path';
import { z } from 'zod';
import type { DriveSyncView, Project } from '../../common/contract.ts';
import { bestEffort, inBackground } from '../../common/detached.ts';
import { EnclaveError, ErrorValueSchema } from '../../common/errors.ts';
import { PLATFORM_API_PREFIX } from '../../common/platform-api.ts';
import { Serial } from '../../common/serial.ts';
import type { AsUser } from '../airlock/handlers.ts';
import { notTrustedError } from '../ca-trust.ts';
import type { EventHub } from '../event-hub.ts';
import type { PlatformClient } from '../platform-client.ts';
import { driveFolder, drivesRoot, driveSyncRoot, driveSyncStateDir } from '../workspace-state/locations.ts';
import { ensurePrivateFolder, ensurePrivateRoot } from '../workspace-state/private-folders.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { createDriveHandlers, type DriveHandlers, type DriveLocal } from './handlers.ts';
import type { DriveRemote } from './remote.ts';
import { createHttpDriveRemote } from './remote-http.ts';
import type { DriveSync, DriveSyncStatus } from './sync-api.ts';
import type { DriveSyncOptions } from './sync-engine.ts';

/** What the core opens a project's sync with: the engine's own options (./sync-engine.ts), as far as the core sets them. */
export type DriveSyncStart = Pick<DriveSyncOptions, 'projectId' | 'userId' | 'person' | 'localRoot' | 'stateDir' | 'remote' | 'intervalMs'>;

export type OpenDriveSync = (options: DriveSyncStart) => Promise<DriveSync>;

export interface CoreDrivesOptions {
  client: PlatformClient;
  asUser: AsUser;
  /** The signed-in person; throws the session's refusal (locked, signed out) for anyone else. */
  person: () => { id: string; displayName: string };
  /** A current access token of the signed-in person. */
  token: () => Promise<string>;
  fetch?: typeof globalThis.fetch;
  hub: Pick<EventHub, 'emit'>;
  workspaces: Pick<WorkspaceService, 'use'>;
  openSync: OpenDriveSync;
  /** The folder of the drives' local folders (default: drivesRoot() of the environment). */
  root?: string;
  /** The folder of the sync journals (default: driveSyncRoot() of the environment). */
  stateRoot?: string;
  /** How often a running sync makes a pass on its own (the engine's default when absent). */
  intervalMs?: number;
  /** After a failed start, how long before a read of the status tries again (default 15 s). */
  retryAfterMs?: number;
  log: (message: string, detail?: unknown) => void;
  now?: () => number;
}

export interface CoreDrives {
  handlers: DriveHandlers;
  /** The session left the signed-in person (sign-out, lock, its end): the sync stops; its folder and journal stay. */
  sessionLeft(): void;
  close(): Promise<void>;
}

/** The drive of one project as this core holds it: its sync (when it runs), or why it does not. */
interface Held {
  readonly userId: string;
  readonly projectId: string;
  readonly mode: Project['localData'];
  readonly localRoot: string | null;
  readonly sync: DriveSync | null;
  readonly problem: string | null;
  /** When it failed to start (for a retry later), or null. */
  readonly failedAt: number | null;
  /** Stops hearing the sync's changes. */
  unsubscribe: () => void;
}

/** Status events at most this often while a transfer moves; the last one always goes out. */
const EVENT_INTERVAL_MS = 200;
const DEFAULT_RETRY_AFTER_MS = 15_000;

function statusView(status: DriveSyncStatus): DriveSyncView['status'] {
  return {
    projectId: status.projectId,
    localRoot: status.localRoot,
    phase: status.phase,
    reason: status.reason,
    lastSyncedAt: status.lastSyncedAt,
    transfer: status.transfer === null ? null : { ...status.transfer },
    files: status.files.map((file) => ({ path: file.path, state: file.state, detail: file.detail })),
    notices: status.notices.map((notice) => ({ ...notice, paths: [...notice.paths] })),
    pendingDeletes: status.pendingDeletes,
    localTrash: status.localTrash ?? null,
  };
}

function viewOf(held: Held): DriveSyncView {
  return {
    projectId: held.projectId,
    mode: held.mode,
    localRoot: held.localRoot,
    status: held.sync === null ? null : statusView(held.sync.status()),
    problem: held.problem,
  };
}

function messageOf(err: unknown): string {
  return err instanceof EnclaveError ? err.message : 'it could not start (see the log)';
}

async function errorOf(response: Response, what: string): Promise<EnclaveError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = z.object({ error: ErrorValueSchema }).safeParse(body);
  if (parsed.success) return new EnclaveError(parsed.data.error.code, parsed.data.error.message);
  const code = response.status === 404 ? 'not_found' : response.status >= 500 ? 'unavailable' : 'internal';
  return new EnclaveError(code, `The platform refused ${what} (HTTP ${response.status}).`);
}

export function createCoreDrives(options: CoreDrivesOptions): CoreDrives {
  const { log, client, asUser } = options;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch;
  const base = new URL(`${client.url}/`);
  // Read once, at start; a misconfigured ENCLAVE_DRIVES_DIR is logged now and said at every use.
  const folders = ((): { root: string; stateRoot: string } | { error: unknown } => {
    try {
      return { root: options.root ?? drivesRoot(), stateRoot: options.stateRoot ?? driveSyncRoot() };
    } catch (error) {
      log('The drives folder is misconfigured.', error);
      return { error };
    }
  })();
  const turns = new Serial();
  let held: Held | null = null;
  let closed = false;

  // Status events, throttled: a transfer's progress may change the status many times a second.
  let lastEmit = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  function emit(view: DriveSyncView): void {
    try {
      options.hub.emit('drive.changed', view);
    } catch (err) {
      log('A drive status could not be sent to the window.', err);
    }
  }
  function emitSoon(entry: Held): void {
    const wait = lastEmit + EVENT_INTERVAL_MS - now();
    clearTimeout(pending);
    const send = (): void => {
      if (held !== entry) return;
      lastEmit = now();
      emit(viewOf(entry));
    };
    if (wait <= 0) send();
    else pending = setTimeout(send, wait);
  }

  function remoteFor(projectId: string): DriveRemote {
    return createHttpDriveRemote({ client, baseUrl: client.url, fetch: options.fetch, token: options.token, projectId });
  }

  async function stop(): Promise<void> {
    const entry = held;
    held = null;
    clearTimeout(pending);
    if (entry === null) return;
    entry.unsubscribe();
    if (entry.sync !== null) {
      try {
        await entry.sync.close();
      } catch (err) {
        log("A project drive's sync did not close cleanly.", err);
      }
    }
  }

  async function findProject(projectId: string, signal: AbortSignal): Promise<Project> {
    const projects = await asUser((context) => client.projects(context), { signal, progress: () => {} });
    const project = projects.find((each) => each.id === projectId);
    // The same words for a project that does not exist: the platform never says which.
    if (project === undefined) throw new EnclaveError('not_found', `There is no project "${projectId}" among yours.`);
    return project;
  }

  async function start(person: { id: string; displayName: string }, project: Project): Promise<Held> {
    const common: Omit<Held, 'localRoot' | 'sync' | 'problem' | 'failedAt'> = {
      userId: person.id,
      projectId: project.id,
      mode: project.localData,
      unsubscribe: () => {},
    };
    if (project.localData === 'memory') return { ...common, localRoot: null, sync: null, problem: null, failedAt: null };
    if ('error' in folders) {
      return {
        ...common,
        localRoot: null,
        sync: null,
        problem: `its folder is misconfigured: ${messageOf(folders.error)}`,
        failedAt: now(),
      };
    }
    const localRoot = driveFolder(folders.root, project.id);
    try {
      // The drives' folder and the journals' are made private here; the project's own folder is the sync's to make
      // (on its first pass only: a folder that vanished later stops the sync rather than being made again).
      await ensurePrivateRoot(folders.root);
      const stateRoot = await ensurePrivateRoot(folders.stateRoot);
      const stateDir = driveSyncStateDir({ root: stateRoot, userId: person.id, projectId: project.id });
      await ensurePrivateFolder(path.dirname(stateDir));
      await ensurePrivateFolder(stateDir);
      const sync = await options.openSync({
        projectId: project.id,
        userId: person.id,
        person: person.displayName,
        localRoot,
        stateDir,
        remote: remoteFor(project.id),
        ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
      });
      const entry: Held = { ...common, localRoot, sync, problem: null, failedAt: null };
      entry.unsubscribe = sync.onChange(() => emitSoon(entry));
      return entry;
    } catch (err) {
      log(`The drive of ${project.id} could not start syncing.`, err);
      return { ...common, localRoot, sync: null, problem: `Its sync could not start: ${messageOf(err)}`, failedAt: now() };
    }
  }

  /** The person's drive of the project, its sync started (or kept) as it should be; any other project's stopped. */
  function ensure(projectId: string, signal: AbortSignal, retry = false): Promise<Held> {
    return turns.run(
      async () => {
        if (closed) throw new EnclaveError('cancelled', 'The workstation is closing.');
        const person = options.person();
        const entry = held;
        const same = entry !== null && entry.userId === person.id && entry.projectId === projectId;
        const due = entry?.failedAt != null && (retry || now() - entry.failedAt >= (options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS));
        if (same && !due) return entry;
        const project = await findProject(projectId, signal);
        await stop();
        const next = await start(person, project);
        if (closed) {
          held = next;
          await stop();
          throw new EnclaveError('cancelled', 'The workstation is closing.');
        }
        held = next;
        emit(viewOf(next));
        return next;
      },
      { signal, cancelled: () => new EnclaveError('cancelled', 'The call was cancelled.') },
    );
  }

  function running(entry: Held, what: string): DriveSync {
    if (entry.sync !== null) return entry.sync;
    if (entry.mode === 'memory') {
      throw new EnclaveError(
        'invalid_input',
        `This project's drive has no local folder (its tables stay in the window), so there is nothing to ${what}.`,
      );
    }
    throw new EnclaveError('unavailable', `This project's drive is not syncing: ${entry.problem ?? 'it has not started'}.`);
  }

  const local: DriveLocal = {
    async view(projectId, signal) {
      return viewOf(await ensure(projectId, signal));
    },
    async syncNow(projectId, signal) {
      const entry = await ensure(projectId, signal, true);
      await running(entry, 'sync').syncNow(signal);
      return viewOf(entry);
    },
    async resolveDeletes(projectId, answer) {
      const entry = await ensure(projectId, new AbortController().signal);
      await running(entry, 'answer').resolveDeletes(answer);
      return viewOf(entry);
    },
    async dismissNotice(projectId, noticeId, signal) {
      const entry = await ensure(projectId, signal);
      running(entry, 'dismiss').dismissNotice(noticeId);
      emit(viewOf(entry));
      return viewOf(entry);
    },
    changed(projectId) {
      const entry = held;
      if (entry?.projectId !== projectId || entry.sync === null) return;
      inBackground(entry.sync.syncNow(), (err) => log('A sync pass after a change on the platform failed.', err));
    },
  };

  /** A kept version's first bytes (the raw route `drive.versionContent`), as the signed-in person. */
  async function versionContent(request: { projectId: string; path: string; version: number; maxBytes: number; signal: AbortSignal }) {
    return asUser(
      async ({ token, signal }) => {
        const route = `${PLATFORM_API_PREFIX}/drives/${encodeURIComponent(request.projectId)}/versions/${request.version}/content`;
        const url = new URL(`${route.slice(1)}?${new URLSearchParams({ path: request.path }).toString()}`, base);
        let response: Response;
        try {
          response = await doFetch(url, { headers: { authorization: `Bearer ${token ?? ''}` }, signal, redirect: 'error' });
        } catch (err) {
          if (signal?.aborted) throw new EnclaveError('cancelled', 'The call was cancelled.');
          throw (
            notTrustedError(err, `the platform at ${client.url}`) ??
            new EnclaveError('unavailable', `The platform at ${client.url} cannot be reached.`)
          );
        }
        if (!response.ok) throw await errorOf(response, 'the version');
        const declared = Number(response.headers.get('content-length') ?? Number.NaN);
        const parts: Uint8Array[] = [];
        let received = 0;
        const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
        try {
          while (reader !== undefined && received < request.maxBytes) {
            const next = await reader.read();
            if (next.done) break;
            parts.push(next.value);
            received += next.value.byteLength;
          }
        } finally {
          await bestEffort(reader?.cancel());
        }
        const bytes = Buffer.concat(parts).subarray(0, request.maxBytes);
        return { bytes: new Uint8Array(bytes), size: Number.isSafeInteger(declared) && declared >= 0 ? declared : received };
      },
      { signal: request.signal, progress: () => {} },
    );
  }

  const handlers = createDriveHandlers({
    client,
    asUser,
    local,
    remote: remoteFor,
    versionContent,
    workspaces: options.workspaces,
  });

  return {
    handlers,
    sessionLeft() {
      const entry = held;
      inBackground(
        turns.run(async () => {
          await stop();
          if (entry !== null) {
            emit({ ...viewOf({ ...entry, sync: null }), problem: 'Sync stopped: nobody is signed in, or Enclave is locked.' });
          }
        }),
        (err) => log('Stopping a drive sync failed.', err),
      );
    },
    async close() {
      closed = true;
      await turns.run(() => stop());
    },
  };
}
