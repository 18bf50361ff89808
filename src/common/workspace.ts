// What a project's workspace restores: editor tabs, saved queries, query history and the layout. Pure zod, no I/O:
// the workstation's store (src/workstation/workspace-state/) keeps them and the contract serves them as they are.
import { z } from 'zod';

/** Which engine a piece of SQL is for: the local engine, or the platform's query service (the queries issue). */
export const QueryEngineSchema = z.enum(['local', 'platform']);
export type QueryEngine = z.infer<typeof QueryEngineSchema>;

/** Long enough for any hand-written or generated analysis; a tab past it is refused, never cut. */
export const MAX_SQL_CHARS = 1_000_000;
export const MAX_TABS = 100;
export const MAX_SAVED_QUERIES = 2_000;
/** History keeps the newest runs of a project and forgets the oldest past this. */
export const HISTORY_LIMIT = 5_000;
export const MAX_HISTORY_PAGE = 500;

const NO_CONTROL = /^[^\p{Cc}]*$/u;

export const SqlTextSchema = z.string().max(MAX_SQL_CHARS, `must be at most ${MAX_SQL_CHARS.toLocaleString('en-GB')} characters`);

/** Tab ids are made by the window (so typing in a new tab is saved before any answer comes back). */
export const TabIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, "-" or "_"');

const TitleSchema = z.string().trim().min(1).max(120).regex(NO_CONTROL, 'must have no control characters');

export const EditorTabSchema = z.object({
  id: TabIdSchema,
  title: z.string(),
  sql: z.string(),
  engine: QueryEngineSchema,
  /** 0, 1, 2 … from the left. */
  position: z.number().int().nonnegative(),
  /** ISO 8601: when its text last changed. */
  updatedAt: z.string(),
});
export type EditorTab = z.infer<typeof EditorTabSchema>;

export const EditorTabsSchema = z.object({ tabs: z.array(EditorTabSchema), activeTabId: TabIdSchema.nullable() });
export type EditorTabs = z.infer<typeof EditorTabsSchema>;

/**
 * Saving a tab as the analyst types: its SQL, and the title and engine when they change. A tab that does not exist
 * yet is created at the right-hand end (title "Query N" and engine 'local' unless given).
 */
export const TabSaveSchema = z
  .object({ id: TabIdSchema, sql: SqlTextSchema, title: TitleSchema.optional(), engine: QueryEngineSchema.optional() })
  .strict();
export type TabSave = z.input<typeof TabSaveSchema>;

export const TabMoveSchema = z.object({ id: TabIdSchema, position: z.number().int().nonnegative() }).strict();

export const SavedQueryIdSchema = z.uuid();

/** A saved query's name: what the analyst sees in the list; unique in a project, whatever the letter case. */
export const SavedQueryNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(120, 'must be at most 120 characters')
  .regex(NO_CONTROL, 'must have no control characters');

export const SavedQuerySchema = z.object({
  id: SavedQueryIdSchema,
  name: z.string(),
  sql: z.string(),
  engine: QueryEngineSchema,
  /** ISO 8601: when it was first saved, and when its SQL or name last changed. */
  savedAt: z.string(),
  updatedAt: z.string(),
});
export type SavedQuery = z.infer<typeof SavedQuerySchema>;

export const SavedQueryNewSchema = z
  .object({ name: SavedQueryNameSchema, sql: SqlTextSchema, engine: QueryEngineSchema.default('local') })
  .strict();
export type SavedQueryNew = z.input<typeof SavedQueryNewSchema>;

export const SavedQueryChangeSchema = z
  .object({ id: SavedQueryIdSchema, name: SavedQueryNameSchema.optional(), sql: SqlTextSchema.optional() })
  .strict()
  .refine((change) => change.name !== undefined || change.sql !== undefined, 'give a new name, new SQL, or both');
export type SavedQueryChange = z.input<typeof SavedQueryChangeSchema>;

export const RunOutcomeSchema = z.enum(['ok', 'error', 'cancelled']);
export type RunOutcome = z.infer<typeof RunOutcomeSchema>;

/** One run as the history records it. */
export const RunRecordSchema = z
  .object({
    sql: SqlTextSchema.min(1, 'must not be empty'),
    /** ISO 8601 with its offset, e.g. 2026-12-03T10:15:00.000Z. */
    startedAt: z.iso.datetime({ offset: true }),
    durationMs: z.number().nonnegative().max(1e10),
    /** Rows the run gave or touched; null when it gave none (an error, a cancel, a DROP). */
    rows: z.number().int().nonnegative().nullable(),
    outcome: RunOutcomeSchema,
    /** What the analyst was told: "Created admissions (1,204 rows)", the error's message, "Cancelled". */
    message: z.string().max(10_000).default(''),
    engine: QueryEngineSchema,
  })
  .strict();
export type RunRecord = z.input<typeof RunRecordSchema>;

export const HistoryEntrySchema = z.object({
  id: z.number().int().positive(),
  sql: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  rows: z.number().int().nullable(),
  outcome: RunOutcomeSchema,
  message: z.string(),
  engine: QueryEngineSchema,
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistoryQuerySchema = z
  .object({
    /** Text to find in the SQL or the message, any letter case; empty or absent: every run. */
    search: z.string().max(1_000).default(''),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(MAX_HISTORY_PAGE).default(100),
  })
  .strict();
export type HistoryQuery = z.input<typeof HistoryQuerySchema>;

export const HistoryPageSchema = z.object({
  /** Newest first (by start time). */
  entries: z.array(HistoryEntrySchema),
  /** How many runs match the search in all. */
  total: z.number().int().nonnegative(),
});
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

/** The panes as the analyst left them. The window owns the meaning of the sizes; the store only checks their shape. */
export const LayoutSchema = z
  .object({
    /** Result grid and chart beside each other, or one above the other. */
    arrangement: z.enum(['side-by-side', 'stacked']),
    /** Relative sizes of the panes, in the window's order. */
    sizes: z.array(z.number().positive().max(100_000)).min(1).max(8),
    schemaTreeOpen: z.boolean(),
  })
  .strict();
export type Layout = z.infer<typeof LayoutSchema>;
