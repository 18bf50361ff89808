// The audit table's guards on PostgreSQL, defined once: the migrations create them from these definitions and the audit
// log's check (audit/guards.ts) compares what the database holds with them. SQLite's guards are its own triggers
// (migrations 0002 and 0004); on PostgreSQL a trigger calls a function, so each guard is a plpgsql function and the
// triggers that call it. Superusers and the table's owner can still drop them: the check finds that, and the app role
// that `serve` runs as owns nothing and holds only SELECT and INSERT on the table (README). Each function runs with its
// search_path pinned to the table's schema and pg_temp last (migration 0016): pg_temp comes first otherwise, and a role
// with TEMP (every role, by default) could shadow audit_events with a temporary table the guard would then read.
import { sql, type Kysely } from 'kysely';

export interface GuardFunction {
  readonly name: string;
  /** The plpgsql body, exactly as stored in pg_proc.prosrc. */
  readonly body: string;
}

export interface GuardTrigger {
  readonly name: string;
  readonly timing: 'BEFORE';
  readonly events: readonly ('INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE')[];
  readonly level: 'ROW' | 'STATEMENT';
  readonly fn: string;
  /** The migration that makes it. */
  readonly migration: '0002' | '0004';
}

export const APPEND_ONLY_FUNCTION: GuardFunction = {
  name: 'audit_events_append_only',
  body: `
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
`,
};

export const NEXT_EVENT_ONLY_FUNCTION: GuardFunction = {
  name: 'audit_events_next_event_only',
  body: `
BEGIN
  IF NEW.seq IS DISTINCT FROM (SELECT coalesce(max(seq), 0) + 1 FROM audit_events)
     OR EXISTS (SELECT 1 FROM audit_events WHERE hash = NEW.hash) THEN
    RAISE EXCEPTION 'the audit log takes only the next event';
  END IF;
  RETURN NEW;
END;
`,
};

export const GUARD_FUNCTIONS: readonly GuardFunction[] = [APPEND_ONLY_FUNCTION, NEXT_EVENT_ONLY_FUNCTION];

export const GUARD_TRIGGERS: readonly GuardTrigger[] = [
  {
    name: 'audit_events_no_change',
    timing: 'BEFORE',
    events: ['UPDATE', 'DELETE'],
    level: 'ROW',
    fn: APPEND_ONLY_FUNCTION.name,
    migration: '0002',
  },
  {
    name: 'audit_events_no_truncate',
    timing: 'BEFORE',
    events: ['TRUNCATE'],
    level: 'STATEMENT',
    fn: APPEND_ONLY_FUNCTION.name,
    migration: '0002',
  },
  {
    name: 'audit_events_next_seq_only',
    timing: 'BEFORE',
    events: ['INSERT'],
    level: 'ROW',
    fn: NEXT_EVENT_ONLY_FUNCTION.name,
    migration: '0004',
  },
];

export async function createGuardFunction<DB>(db: Kysely<DB>, fn: GuardFunction): Promise<void> {
  // The body goes in as a dollar-quoted literal: it is a constant of this module, never input.
  await sql.raw(`CREATE OR REPLACE FUNCTION ${fn.name}() RETURNS trigger LANGUAGE plpgsql AS $guard$${fn.body}$guard$`).execute(db);
}

/** The search_path a guard function runs with: the store's schema, then pg_temp, searched last. */
export async function pinGuardSearchPath<DB>(db: Kysely<DB>, fn: GuardFunction): Promise<void> {
  const { rows } = await sql<{ statement: string }>`
    SELECT format('ALTER FUNCTION %I.%I() SET search_path = %I, pg_temp', n.nspname, ${fn.name}::text, n.nspname) AS statement
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('audit_events')`.execute(db);
  const statement = rows[0]?.statement;
  if (statement === undefined) throw new Error('There is no audit_events table to pin the guards to.');
  await sql.raw(statement).execute(db);
}

export async function createGuardTrigger<DB>(db: Kysely<DB>, trigger: GuardTrigger): Promise<void> {
  await sql
    .raw(
      `CREATE TRIGGER ${trigger.name} ${trigger.timing} ${trigger.events.join(' OR ')} ON audit_events FOR EACH ${trigger.level} EXECUTE FUNCTION ${trigger.fn}()`,
    )
    .execute(db);
}

/** What the check reads for a function's settings when they are exactly the pinned search_path (pinGuardSearchPath). */
export const PINNED_SEARCH_PATH = 'search_path pinned';

/**
 * One line per trigger, as the check compares them: when it fires, what it calls, whether it is enabled, and the
 * settings the function runs with.
 */
export function describeGuardTrigger(trigger: {
  timing: string;
  events: readonly string[];
  level: string;
  fn: string;
  language: string;
  body: string;
  enabled: boolean;
  /** PINNED_SEARCH_PATH, or the function's settings as stored (none: null). */
  settings: string | null;
}): string {
  const body = trigger.body.replaceAll(/\s+/g, ' ').trim();
  return `${trigger.timing} ${trigger.events.join(' OR ')} FOR EACH ${trigger.level} EXECUTE FUNCTION ${trigger.fn}() ${trigger.enabled ? 'ENABLED' : 'DISABLED'} SET ${trigger.settings ?? 'nothing'} LANGUAGE ${trigger.language} AS ${body}`;
}

/** What the check expects of each trigger. */
export function expectedGuardTrigger(trigger: GuardTrigger): string {
  const fn = GUARD_FUNCTIONS.find((candidate) => candidate.name === trigger.fn);
  return describeGuardTrigger({ ...trigger, language: 'plpgsql', body: fn?.body ?? '', enabled: true, settings: PINNED_SEARCH_PATH });
}
