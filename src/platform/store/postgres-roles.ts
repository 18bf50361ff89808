// The two PostgreSQL roles of a production platform (README, "PostgreSQL roles"): the owner, which `enclave platform
// migrate` runs as and which alone changes the schema; and the app role, which `serve` runs as, with reads and writes on
// the platform's tables but only SELECT and INSERT on audit_events. The audit table's triggers refuse changes, but its
// owner (or a superuser) can disable or drop them: the app role owning nothing is what keeps someone who takes over a
// running platform from rewriting the log. `serve` checks it before it starts; `migrate --app-role` grants it.
import { sql, type Kysely } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const AUDIT_TABLE = 'audit_events';
/** kysely's own tables: the app role reads the migration history (serve's pending check), never writes it. */
const MIGRATION_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

interface AuditPrivileges {
  role: string;
  superuser: boolean;
  createrole: boolean;
  owns: boolean;
  may_update: boolean;
  may_delete: boolean;
  may_truncate: boolean;
  may_trigger: boolean;
  create_in_schema: boolean;
  create_in_database: boolean;
  schema: string;
}

/**
 * Refuses a role that could rewrite the audit log: a superuser, a role that may create roles (and so grant itself the
 * owner's), the table's owner (or a member of the owner role), a role holding UPDATE (on the table or on any column),
 * DELETE, TRUNCATE or TRIGGER on it, or CREATE on its schema or the database. Then refuses a role that lacks what
 * `serve` needs on the other tables. `location` names the database.
 */
export async function assertCannotRewriteAudit<DB>(db: Kysely<DB>, location: string): Promise<void> {
  const { rows } = await sql<AuditPrivileges>`
    SELECT current_user AS role,
      r.rolsuper AS superuser, r.rolcreaterole AS createrole,
      pg_has_role(current_user, c.relowner, 'MEMBER') AS owns,
      has_table_privilege(c.oid, 'UPDATE') OR has_any_column_privilege(c.oid, 'UPDATE') AS may_update,
      has_table_privilege(c.oid, 'DELETE') AS may_delete,
      has_table_privilege(c.oid, 'TRUNCATE') AS may_truncate,
      has_table_privilege(c.oid, 'TRIGGER') AS may_trigger,
      has_schema_privilege(c.relnamespace, 'CREATE') AS create_in_schema,
      has_database_privilege(current_database(), 'CREATE') AS create_in_database,
      n.nspname AS schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.rolname = current_user
    WHERE c.oid = to_regclass(${AUDIT_TABLE})`.execute(db);
  const found = rows[0];
  if (found === undefined) {
    throw new EnclaveError(
      'unavailable',
      `The metadata database at ${location} has no ${AUDIT_TABLE} table: run \`enclave platform migrate\` first.`,
    );
  }
  const powers = [
    ...(found.superuser ? ['is a superuser'] : []),
    ...(found.createrole && !found.superuser ? ['may create roles'] : []),
    ...(found.owns && !found.superuser ? [`owns ${AUDIT_TABLE}`] : []),
    ...(!found.owns && !found.superuser
      ? [
          found.may_update ? 'UPDATE' : null,
          found.may_delete ? 'DELETE' : null,
          found.may_truncate ? 'TRUNCATE' : null,
          found.may_trigger ? 'TRIGGER' : null,
        ]
          .filter((power): power is string => power !== null)
          .map((power) => `may ${power} ${AUDIT_TABLE}`)
      : []),
    ...(!found.superuser && found.create_in_schema ? [`may CREATE in the schema ${found.schema}`] : []),
    ...(!found.superuser && found.create_in_database ? ['may CREATE in the database'] : []),
  ];
  if (powers.length > 0) {
    throw new EnclaveError(
      'unavailable',
      `The database role ${found.role} ${powers.join(', ')} at ${location}, so whoever runs the platform could rewrite the audit log. Serve as the app role, which may only SELECT and INSERT on ${AUDIT_TABLE} (enclave platform migrate --app-role ROLE grants exactly that), and keep the owner for migrate.`,
    );
  }
  await assertAppRoleCanWork(db, location, found.role);
}

/** Refuses to start when the role lacks reads or writes on a table of the store (a table a later migration added). */
async function assertAppRoleCanWork<DB>(db: Kysely<DB>, location: string, role: string): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c
    WHERE c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass(${AUDIT_TABLE}))
      AND c.relkind IN ('r', 'p') AND c.relname <> ${AUDIT_TABLE}
      AND c.relname NOT IN ('kysely_migration', 'kysely_migration_lock')
      AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')
        AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE'))
    ORDER BY c.relname`.execute(db);
  if (rows.length === 0) return;
  throw new EnclaveError(
    'unavailable',
    `The database role ${role} may not read and write ${rows.map((row) => row.name).join(', ')} at ${location}, so the platform would fail as it works. Run \`enclave platform migrate --app-role ${role}\` as the owner role (it grants the app role what serve needs).`,
  );
}

/**
 * Grants the app role what `serve` needs on every table of the store's schema, and no more: reads and writes, but on
 * audit_events only SELECT and INSERT (everything else revoked, column privileges too), and on the migrations' tables
 * only SELECT. Run by the owner after migrating, so tables a migration added are covered. Answers what it granted.
 */
export async function grantAppRole<DB>(db: Kysely<DB>, role: string): Promise<string[]> {
  if (!ROLE_NAME.test(role)) throw new EnclaveError('invalid_input', 'The app role must be a lower-case name of letters, digits and _.');
  const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ${role}`.execute(db);
  if (exists.rows[0]?.n !== 1)
    throw new EnclaveError('invalid_input', `There is no database role ${role}: create it first (README, "PostgreSQL roles").`);
  const owner = await sql<{ owner: string }>`SELECT current_user AS owner`.execute(db);
  if (owner.rows[0]?.owner === role)
    throw new EnclaveError('invalid_input', 'The app role must be another role than the owner that migrates.');
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  const granted: string[] = [];
  // Names read from the catalogue are quoted: a table someone else made may be named anything.
  const id = (name: string): string => `"${name.replaceAll('"', '""')}"`;
  const schema = (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]?.schema ?? 'public';
  // One transaction: a running serve never sees the role between a REVOKE and its GRANT.
  await db.transaction().execute(async (trx) => {
    const run = async (statement: string): Promise<void> => {
      await sql.raw(statement).execute(trx);
      granted.push(statement);
    };
    await run(`GRANT USAGE ON SCHEMA ${id(schema)} TO ${role}`);
    for (const { name } of rows) {
      await run(`REVOKE ALL ON ${id(name)} FROM ${role}`);
      if (name === AUDIT_TABLE) await run(`GRANT SELECT, INSERT ON ${id(name)} TO ${role}`);
      else if (MIGRATION_TABLES.has(name)) await run(`GRANT SELECT ON ${id(name)} TO ${role}`);
      else await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${id(name)} TO ${role}`);
    }
  });
  return granted;
}
