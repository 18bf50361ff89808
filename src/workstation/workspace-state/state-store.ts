// A project's workspace state over one SQLite database: editor tabs, saved queries, query history and layout.
// The disk store (a file in the project's folder) and the memory store (nothing on disk) are this same code on
// different databases, so they behave alike to the last error message.
// Every input is parsed before the database is touched; every change is one statement or one transaction, so a
// refused or failed call changes nothing. Saving a tab as the analyst types is one UPDATE.
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import type { z } from 'zod';
import { describeIssues, EnclaveError } from '../../common/errors.ts';
import {
  EditorTabSchema,
  HISTORY_LIMIT,
  HistoryEntrySchema,
  HistoryQuerySchema,
  LayoutSchema,
  MAX_SAVED_QUERIES,
  MAX_TABS,
  RunRecordSchema,
  SavedQueryChangeSchema,
  SavedQueryIdSchema,
  SavedQueryNewSchema,
  SavedQuerySchema,
  TabIdSchema,
  TabMoveSchema,
  TabSaveSchema,
  type EditorTab,
  type EditorTabs,
  type HistoryEntry,
  type HistoryPage,
  type HistoryQuery,
  type Layout,
  type RunRecord,
  type SavedQuery,
  type SavedQueryChange,
  type SavedQueryNew,
  type TabSave,
} from '../../common/workspace.ts';

export interface WorkspaceStore {
  /** 'disk': a file in the project's folder, kept between runs. 'memory': kept for the app's lifetime only. */
  readonly kind: 'disk' | 'memory';
  tabs(): Promise<EditorTabs>;
  /** Saves one tab's SQL (and title or engine if given); creates it at the right-hand end if it is new. */
  saveTab(save: TabSave): Promise<EditorTab>;
  moveTab(move: { id: string; position: number }): Promise<EditorTabs>;
  /** Closes a tab for good (its text goes); if it was active, its neighbour becomes active. */
  closeTab(id: string): Promise<EditorTabs>;
  setActiveTab(id: string | null): Promise<EditorTabs>;
  /** By name, ignoring letter case. */
  savedQueries(): Promise<SavedQuery[]>;
  /** Refused if the name is taken (whatever its letter case): a saved query is never overwritten by another. */
  saveQuery(query: SavedQueryNew): Promise<SavedQuery>;
  /** Renames a saved query, or replaces its SQL, or both. */
  changeSavedQuery(change: SavedQueryChange): Promise<SavedQuery>;
  deleteSavedQuery(id: string): Promise<void>;
  /** Records one run; the project keeps its newest HISTORY_LIMIT runs. */
  recordRun(run: RunRecord): Promise<HistoryEntry>;
  /** Newest first; `search` finds text in the SQL or the message, ignoring letter case. */
  history(query?: HistoryQuery): Promise<HistoryPage>;
  clearHistory(): Promise<{ removed: number }>;
  /** The layout last saved, or null (the window's default). */
  layout(): Promise<Layout | null>;
  saveLayout(layout: Layout): Promise<Layout>;
  close(): Promise<void>;
}

export interface StateStoreOptions {
  db: DatabaseSync;
  kind: WorkspaceStore['kind'];
  /** How many runs the history keeps (tests make it small). */
  historyLimit?: number;
  now?: () => Date;
  /** What closing this store's handle does: the disk store closes its file; the memory store keeps its database. */
  release: () => void;
}

const CLOSED_TABS_KEPT = 1_000;

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new EnclaveError('invalid_input', `${what}: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** Names are unique per project whatever their letter case or Unicode form ("Admissions" and "admissions"). */
function nameKey(name: string): string {
  return name.normalize('NFKC').toLocaleLowerCase('en-GB');
}

/** LIKE's wildcards in the analyst's search text stand for themselves. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

type Row = Record<string, SQLOutputValue>;

function tabOf(row: Row): EditorTab {
  return EditorTabSchema.parse({
    id: row.id,
    title: row.title,
    sql: row.sql,
    engine: row.engine,
    position: row.position,
    updatedAt: row.updated_at,
  });
}

function savedQueryOf(row: Row): SavedQuery {
  return SavedQuerySchema.parse({
    id: row.id,
    name: row.name,
    sql: row.sql,
    engine: row.engine,
    savedAt: row.saved_at,
    updatedAt: row.updated_at,
  });
}

function historyEntryOf(row: Row): HistoryEntry {
  return HistoryEntrySchema.parse({
    id: row.id,
    sql: row.sql,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    rows: row.rows,
    outcome: row.outcome,
    message: row.message,
    engine: row.engine,
  });
}

/** SQLite's own words for a failure (disk full, read-only, busy) are safe to show; nothing else of it is. */
function storageError(doing: string, err: unknown): EnclaveError {
  if (err instanceof EnclaveError) return err;
  const detail = (err as { errstr?: unknown }).errstr;
  return new EnclaveError(
    'unavailable',
    `${doing} failed: this project's saved state could not be read or written${typeof detail === 'string' ? ` (${detail})` : ''}.`,
  );
}

export function createStateStore(options: StateStoreOptions): WorkspaceStore {
  const { db, kind } = options;
  const historyLimit = options.historyLimit ?? HISTORY_LIMIT;
  const now = (): string => (options.now ?? (() => new Date()))().toISOString();
  let closed = false;

  const statements = {
    tabs: db.prepare('SELECT * FROM tabs ORDER BY position'),
    updateTab: db.prepare(`UPDATE tabs SET sql = $sql, title = coalesce($title, title), engine = coalesce($engine, engine),
      updated_at = $now WHERE id = $id RETURNING *`),
    insertTab: db.prepare(`INSERT INTO tabs (id, title, sql, engine, position, updated_at)
      VALUES ($id, $title, $sql, $engine, (SELECT coalesce(max(position) + 1, 0) FROM tabs), $now) RETURNING *`),
    tabCount: db.prepare('SELECT count(*) AS n FROM tabs'),
    wasClosed: db.prepare('SELECT 1 AS closed FROM closed_tabs WHERE id = ?'),
    meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
  };

  function guarded<T>(doing: string, work: () => T): T {
    if (closed) throw new EnclaveError('unavailable', `${doing} failed: this project's workspace has been closed.`);
    try {
      return work();
    } catch (err) {
      throw storageError(doing, err);
    }
  }

  /** Several statements as one: all of them, or none. IMMEDIATE: another process waits rather than fails. */
  function transaction<T>(doing: string, work: () => T): T {
    return guarded(doing, () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = work();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  function metaValue(key: string): string | null {
    const row = statements.meta.get(key);
    return typeof row?.value === 'string' ? row.value : null;
  }

  function readTabs(): EditorTabs {
    const tabs = statements.tabs.all().map(tabOf);
    const active = metaValue('active_tab');
    return { tabs, activeTabId: active !== null && tabs.some((tab) => tab.id === active) ? active : null };
  }

  function renumber(ids: readonly string[]): void {
    const set = db.prepare('UPDATE tabs SET position = ? WHERE id = ?');
    ids.forEach((id, position) => set.run(position, id));
  }

  function savedQueryById(id: string): SavedQuery {
    const row = db.prepare('SELECT * FROM saved_queries WHERE id = ?').get(id);
    if (row === undefined) throw new EnclaveError('not_found', 'That saved query no longer exists.');
    return savedQueryOf(row);
  }

  function nameTaken(name: string, exceptId: string | null): boolean {
    const row = db.prepare('SELECT id FROM saved_queries WHERE name_key = ?').get(nameKey(name));
    return row !== undefined && row.id !== exceptId;
  }

  const taken = (name: string): EnclaveError =>
    new EnclaveError('invalid_input', `A saved query named "${name}" already exists in this project. Choose another name.`);

  return {
    kind,

    tabs: async () => guarded('Reading the editor tabs', readTabs),

    saveTab: async (save) => {
      const input = parse(TabSaveSchema, save, 'The tab cannot be saved');
      const stamp = now();
      const params = { id: input.id, sql: input.sql, title: input.title ?? null, engine: input.engine ?? null, now: stamp };
      // The common case, on every pause in typing: the tab exists, one UPDATE.
      const updated = guarded('Saving the tab', () => statements.updateTab.get(params));
      if (updated !== undefined) return tabOf(updated);
      return transaction('Saving the tab', () => {
        if (statements.wasClosed.get(input.id) !== undefined) {
          throw new EnclaveError('not_found', 'That tab has been closed, so its text is no longer saved.');
        }
        const count = Number(statements.tabCount.get()?.n ?? 0);
        if (count >= MAX_TABS) {
          throw new EnclaveError('invalid_input', `A project can have at most ${MAX_TABS} editor tabs open. Close one and try again.`);
        }
        const row = statements.insertTab.get({ ...params, title: input.title ?? `Query ${count + 1}`, engine: input.engine ?? 'local' });
        return tabOf(row as Row);
      });
    },

    moveTab: async (move) => {
      const input = parse(TabMoveSchema, move, 'The tab cannot be moved');
      return transaction('Moving the tab', () => {
        const ids = readTabs().tabs.map((tab) => tab.id);
        const from = ids.indexOf(input.id);
        if (from < 0) throw new EnclaveError('not_found', 'That tab is not open.');
        ids.splice(from, 1);
        ids.splice(Math.min(input.position, ids.length), 0, input.id);
        renumber(ids);
        return readTabs();
      });
    },

    closeTab: async (id) => {
      const tabId = parse(TabIdSchema, id, 'The tab cannot be closed');
      return transaction('Closing the tab', () => {
        const before = readTabs();
        const index = before.tabs.findIndex((tab) => tab.id === tabId);
        if (index < 0) throw new EnclaveError('not_found', 'That tab is not open.');
        db.prepare('DELETE FROM tabs WHERE id = ?').run(tabId);
        db.prepare(
          'INSERT INTO closed_tabs (id, closed_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET closed_at = excluded.closed_at',
        ).run(tabId, now());
        db.prepare('DELETE FROM closed_tabs WHERE id NOT IN (SELECT id FROM closed_tabs ORDER BY closed_at DESC LIMIT ?)').run(
          CLOSED_TABS_KEPT,
        );
        const rest = before.tabs.filter((tab) => tab.id !== tabId).map((tab) => tab.id);
        renumber(rest);
        if (before.activeTabId === tabId) {
          const neighbour = rest[Math.min(index, rest.length - 1)];
          if (neighbour === undefined) statements.deleteMeta.run('active_tab');
          else statements.setMeta.run('active_tab', neighbour);
        }
        return readTabs();
      });
    },

    setActiveTab: async (id) => {
      const tabId = id === null ? null : parse(TabIdSchema, id, 'The tab cannot be made active');
      return transaction('Choosing the active tab', () => {
        if (tabId === null) statements.deleteMeta.run('active_tab');
        else if (!readTabs().tabs.some((tab) => tab.id === tabId)) throw new EnclaveError('not_found', 'That tab is not open.');
        else statements.setMeta.run('active_tab', tabId);
        return readTabs();
      });
    },

    savedQueries: async () =>
      guarded('Reading the saved queries', () => db.prepare('SELECT * FROM saved_queries ORDER BY name_key, id').all().map(savedQueryOf)),

    saveQuery: async (query) => {
      const input = parse(SavedQueryNewSchema, query, 'The query cannot be saved');
      return transaction('Saving the query', () => {
        if (nameTaken(input.name, null)) throw taken(input.name);
        const count = Number(db.prepare('SELECT count(*) AS n FROM saved_queries').get()?.n ?? 0);
        if (count >= MAX_SAVED_QUERIES) {
          throw new EnclaveError(
            'invalid_input',
            `A project can keep at most ${MAX_SAVED_QUERIES} saved queries. Delete some and try again.`,
          );
        }
        const stamp = now();
        const row = db
          .prepare(
            `INSERT INTO saved_queries (id, name, name_key, sql, engine, saved_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          )
          .get(randomUUID(), input.name, nameKey(input.name), input.sql, input.engine, stamp, stamp);
        return savedQueryOf(row as Row);
      });
    },

    changeSavedQuery: async (change) => {
      const input = parse(SavedQueryChangeSchema, change, 'The saved query cannot be changed');
      return transaction('Changing the saved query', () => {
        const current = savedQueryById(input.id);
        const name = input.name ?? current.name;
        if (input.name !== undefined && nameTaken(input.name, input.id)) throw taken(input.name);
        const row = db
          .prepare('UPDATE saved_queries SET name = ?, name_key = ?, sql = ?, updated_at = ? WHERE id = ? RETURNING *')
          .get(name, nameKey(name), input.sql ?? current.sql, now(), input.id);
        return savedQueryOf(row as Row);
      });
    },

    deleteSavedQuery: async (id) => {
      const queryId = parse(SavedQueryIdSchema, id, 'The saved query cannot be deleted');
      guarded('Deleting the saved query', () => {
        const { changes } = db.prepare('DELETE FROM saved_queries WHERE id = ?').run(queryId);
        if (Number(changes) === 0) throw new EnclaveError('not_found', 'That saved query no longer exists.');
      });
    },

    recordRun: async (run) => {
      const input = parse(RunRecordSchema, run, 'The run cannot be added to the history');
      // One time zone in the file, so that newest-first is the order of the text.
      const startedAt = new Date(input.startedAt).toISOString();
      return transaction('Adding the run to the history', () => {
        const row = db
          .prepare(
            `INSERT INTO history (sql, started_at, duration_ms, rows, outcome, message, engine)
            VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          )
          .get(input.sql, startedAt, input.durationMs, input.rows, input.outcome, input.message, input.engine);
        db.prepare('DELETE FROM history WHERE id IN (SELECT id FROM history ORDER BY started_at DESC, id DESC LIMIT -1 OFFSET ?)').run(
          historyLimit,
        );
        return historyEntryOf(row as Row);
      });
    },

    history: async (query = {}) => {
      const input = parse(HistoryQuerySchema, query, 'The history cannot be searched');
      return guarded('Reading the history', () => {
        const filter = input.search === '' ? '' : "WHERE sql LIKE $pattern ESCAPE '\\' OR message LIKE $pattern ESCAPE '\\'";
        const params: Record<string, string> = input.search === '' ? {} : { pattern: likePattern(input.search) };
        const entries = db
          .prepare(`SELECT * FROM history ${filter} ORDER BY started_at DESC, id DESC LIMIT $limit OFFSET $offset`)
          .all({ ...params, limit: input.limit, offset: input.offset })
          .map(historyEntryOf);
        const total = Number(db.prepare(`SELECT count(*) AS n FROM history ${filter}`).get(params)?.n ?? 0);
        return { entries, total };
      });
    },

    clearHistory: async () => guarded('Clearing the history', () => ({ removed: Number(db.prepare('DELETE FROM history').run().changes) })),

    layout: async () =>
      guarded('Reading the layout', () => {
        const raw = metaValue('layout');
        if (raw === null) return null;
        // A layout an older window saved in another shape is no loss: the window starts from its default.
        try {
          const parsed = LayoutSchema.safeParse(JSON.parse(raw));
          return parsed.success ? parsed.data : null;
        } catch {
          return null;
        }
      }),

    saveLayout: async (layout) => {
      const input = parse(LayoutSchema, layout, 'The layout cannot be saved');
      guarded('Saving the layout', () => statements.setMeta.run('layout', JSON.stringify(input)));
      return input;
    },

    close: async () => {
      if (closed) return;
      closed = true;
      options.release();
    },
  };
}
