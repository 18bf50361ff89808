// The workspaces as the core wires them: where they live (read once, at start), the native engine for 'disk'
// projects, the in-memory store for 'memory' ones, and the workspace.* handlers over them.
import process from 'node:process';
import type { Project } from '../../common/contract.ts';
import { inBackground } from '../../common/detached.ts';
import { openNativeEngine } from '../workspace/native-engine.ts';
import { workspacesRoot } from '../workspace-state/locations.ts';
import { createMemoryWorkspaces } from '../workspace-state/memory-store.ts';
import type { WorkspaceOwner } from '../workspace-state/owner.ts';
import { createWorkspaceHandlers, type WorkspaceHandlers } from './handlers.ts';
import type { OpenQuery, OpenSample } from './samples.ts';
import { localMemoryLimit } from './engine-settings.ts';
import { createWorkspaceService, type OpenEngine, type WorkspaceService } from './service.ts';

export interface CoreWorkspacesOptions {
  /** The folder of every workspace; default workspacesRoot() of the environment. */
  root?: string;
  /** Default: native DuckDB in the project's folder, with the memory limit of `env` (./engine-settings.ts). */
  openEngine?: OpenEngine;
  /** Where the settings are read from (default process.env). */
  env?: Record<string, string | undefined>;
  owner: () => WorkspaceOwner;
  projects: (signal: AbortSignal) => Promise<Project[]>;
  openSample: OpenSample;
  /** Opens a minimised query's rows at the platform as the signed-in user, as Parquet. */
  openQuery: OpenQuery;
  log: (message: string, detail?: unknown) => void;
}

export interface CoreWorkspaces {
  handlers: WorkspaceHandlers;
  /** The workspaces themselves, for other work in a project's engine (saving to and opening from its drive). */
  service: Pick<WorkspaceService, 'use'>;
  /** The session left the signed-in person (sign-out, lock, its end): their workspaces close, their files stay. */
  sessionLeft(): void;
  /** Closes every workspace and forgets the in-memory ones (the core is closing). */
  close(): Promise<void>;
}

export function createCoreWorkspaces(options: CoreWorkspacesOptions): CoreWorkspaces {
  const { log } = options;
  // Read once, at start; a misconfigured ENCLAVE_WORKSPACE_DIR is logged now and said at every use.
  let root: { path: string } | { error: unknown };
  try {
    root = { path: options.root ?? workspacesRoot() };
  } catch (error) {
    log('The workspaces folder is misconfigured.', error);
    root = { error };
  }
  // Likewise the engine's memory limit: a bad one is logged now, and refuses every 'disk' workspace with its reason.
  let memoryLimit: { bytes: number | undefined } | { error: unknown };
  try {
    memoryLimit = { bytes: localMemoryLimit(options.env ?? process.env) };
  } catch (error) {
    log('The local engine is misconfigured.', error);
    memoryLimit = { error };
  }
  const openEngine: OpenEngine =
    options.openEngine ??
    (async (folder) => {
      if ('error' in memoryLimit) throw memoryLimit.error;
      const { bytes } = memoryLimit;
      return openNativeEngine({ dir: folder.folder, ...(bytes === undefined ? {} : { memoryLimitBytes: bytes }) });
    });
  const memory = createMemoryWorkspaces();
  const workspaces = createWorkspaceService({
    root: () => {
      if ('error' in root) throw root.error;
      return root.path;
    },
    access: { owner: options.owner, projects: options.projects },
    openEngine,
    memory,
    log,
  });
  return {
    handlers: createWorkspaceHandlers({ workspaces, openSample: options.openSample, openQuery: options.openQuery, log }),
    service: workspaces,
    sessionLeft() {
      inBackground(workspaces.closeAll(), (err) => log('Closing the workspaces failed.', err));
    },
    async close() {
      await workspaces.closeAll();
      await memory.closeAll();
    },
  };
}
