// Workspaces of projects whose local mode is 'memory' ("nothing on this computer's disk"): the same store on an
// in-memory SQLite database, kept for the app's lifetime (switching project or signing out and back in finds the
// tabs again) and written nowhere: no file is opened, and SQLite's temporary tables and sorts stay in memory too.
import { DatabaseSync } from 'node:sqlite';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { ownerFolderName, parseWorkspaceKey } from './owner.ts';
import { prepareStateDatabase } from './state-schema.ts';
import { createStateStore, type WorkspaceStore } from './state-store.ts';

export interface MemoryWorkspaces {
  /** The signed-in person's store for a project, as they left it earlier in this run (or empty). */
  open(options: { owner: unknown; projectId: unknown }): Promise<WorkspaceStore>;
  /** Forgets a project's tabs, history, saved queries and layout; says whether there was anything. */
  remove(options: { owner: unknown; projectId: unknown }): Promise<{ removed: boolean }>;
  /** Forgets everything (the app is quitting). */
  closeAll(): Promise<void>;
}

export function createMemoryWorkspaces(options: { historyLimit?: number; now?: () => Date } = {}): MemoryWorkspaces {
  const databases = new Map<string, DatabaseSync>();
  /** Open handles by workspace: a workspace in use is not removed under its window. */
  const handles = new Map<string, Set<WorkspaceStore>>();

  const keyOf = (input: { owner: unknown; projectId: unknown }) => {
    const parsed = parseWorkspaceKey(input);
    return { ...parsed, key: `${ownerFolderName(parsed.owner)}/${parsed.projectId}` };
  };

  return {
    open: async (input) => {
      const { owner, projectId, key } = keyOf(input);
      let db = databases.get(key);
      if (db === undefined) {
        db = new DatabaseSync(':memory:', { defensive: true });
        db.exec('PRAGMA temp_store = MEMORY; PRAGMA trusted_schema = OFF;');
        prepareStateDatabase(db, { owner, projectId });
        databases.set(key, db);
      }
      const store = createStateStore({
        db,
        kind: 'memory',
        historyLimit: options.historyLimit,
        now: options.now,
        // The database outlives the handle: closing the workspace is not forgetting it.
        release: () => handles.get(key)?.delete(store),
      });
      handles.set(key, (handles.get(key) ?? new Set()).add(store));
      return store;
    },

    remove: async (input) => {
      const { key } = keyOf(input);
      const db = databases.get(key);
      if (db === undefined) return { removed: false };
      if ((handles.get(key)?.size ?? 0) > 0) {
        throw new EnclaveError('unavailable', "Close this project's workspace before removing its local data; nothing was removed.");
      }
      databases.delete(key);
      db.close();
      return { removed: true };
    },

    closeAll: async () => {
      const open = [...handles.values()].flatMap((set) => [...set]);
      await Promise.all(open.map((handle) => bestEffort(handle.close())));
      handles.clear();
      for (const db of databases.values()) db.close();
      databases.clear();
    },
  };
}
