// The platform's two PostgreSQL roles (issue 19 B.3), with real processes on the run's cluster: `enclave platform
// migrate` as the owner brings the schema up to date and seeds it under one lock (run twice at once, one seeds) and
// grants the app role its privileges; as the app role, UPDATE, DELETE, TRUNCATE and DISABLE TRIGGER on audit_events all
// fail; `serve` starts as the app role, changing no schema, and refuses to start as the owner, on a database a migration
// is pending on, with a password in its arguments, or as a role that may TRIGGER on audit_events, create roles, create
// in the schema or the database, or lacks writes on another table. A temporary audit_events does not fool the
// next-event guard (its search_path is pinned). A broken log is accepted as the app role with no DDL; when the guards
// were changed, serve refuses and names migrate, which puts them back. Passwords reach the processes only through 0600
// files.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePrivate } from '../../support/private-tree.ts';
import { postgresCluster, superuserClient, tcpUrl } from '../../support/postgres.ts';
import { createKeyFolder } from '../../../src/platform/key-rotation.ts';
import { migrationProvider } from '../../../src/platform/store/migrations.ts';
import { createPlatformFixture, type PlatformFixture } from './fixture.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));
const cluster = postgresCluster();

interface Run {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

function runEnclave(args: string[]): Run {
  const child = spawn(process.execPath, [ENCLAVE, ...args], { cwd: path.dirname(ENCLAVE), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function listening(run: Run): Promise<string> {
  while (!run.stdout().includes('\n')) {
    const outcome = await Promise.race([once(run.child.stdout!, 'data').then(() => 'data'), run.exited.then(() => 'exit')]);
    if (outcome === 'exit') throw new Error(`serve exited early: ${run.stderr()}`);
  }
  return (JSON.parse(run.stdout().split('\n')[0]) as { url: string }).url;
}

/** Every column of every table, and every trigger: what a DDL statement would change. */
async function schemaOf(db: pg.Client): Promise<unknown[]> {
  const columns = await db.query<Record<string, string>>(
    "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
  );
  const triggers = await db.query<Record<string, string>>('SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1');
  return [...columns.rows, ...triggers.rows];
}

/** The newest migration's name, as kysely records it. */
async function lastMigration(): Promise<string> {
  return (
    Object.keys(await migrationProvider.getMigrations())
      .sort()
      .at(-1) ?? ''
  );
}

describe.skipIf(cluster === null)('the owner and the app role on PostgreSQL', () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `enclave_roles_${suffix}`;
  const owner = `enclave_owner_${suffix}`;
  const app = `enclave_app_${suffix}`;
  const passwords = { owner: `owner-${randomBytes(9).toString('hex')}`, app: `app-${randomBytes(9).toString('hex')}` };
  let folder: string;
  let fixture: PlatformFixture;
  const passwordFile = (role: 'owner' | 'app'): string => path.join(folder, `${role}.password`);
  const url = (role: 'owner' | 'app', db = database): string => tcpUrl(cluster!, db, role === 'owner' ? owner : app);
  const as = (role: 'owner' | 'app', db = database) => ['--database-url', url(role, db), '--database-password-file', passwordFile(role)];
  /** What serve is given: the database and the instances' shared keys. */
  const served = (role: 'owner' | 'app', db = database) => [...as(role, db), '--identity-keys-dir', path.join(folder, 'keys')];

  async function client(role: 'owner' | 'app'): Promise<pg.Client> {
    const connection = new pg.Client({
      host: '127.0.0.1',
      port: cluster!.port,
      database,
      user: role === 'owner' ? owner : app,
      password: passwords[role],
    });
    await connection.connect();
    return connection;
  }

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'enclave-roles-'));
    for (const role of ['owner', 'app'] as const) await writeFile(passwordFile(role), `${passwords[role]}\n`, { mode: 0o600 });
    await createKeyFolder(path.join(folder, 'keys'));
    const admin = await superuserClient(cluster!);
    try {
      await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${passwords.owner}'`);
      await admin.query(`CREATE ROLE ${app} LOGIN PASSWORD '${passwords.app}'`);
      await admin.query(`CREATE DATABASE ${database} OWNER ${owner}`);
    } finally {
      await admin.end();
    }
    fixture = await createPlatformFixture();
    await makePrivate(fixture.dataDir);
  });

  afterAll(async () => {
    const admin = await superuserClient(cluster!);
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${database}_empty WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${app}`);
      await admin.query(`DROP ROLE IF EXISTS ${owner}`);
    } finally {
      await admin.end();
    }
    await fixture?.cleanup();
    await rm(folder, { recursive: true, force: true });
  });

  it('migrates and seeds as the owner under one lock: of two runs at once, exactly one seeds', async () => {
    const runs = [0, 1].map(() => runEnclave(['platform', 'migrate', ...as('owner'), '--app-role', app, '--demo']));
    const codes = await Promise.all(runs.map((run) => run.exited));
    expect(codes, runs.map((run) => run.stderr()).join('\n')).toEqual([0, 0]);
    const said = runs.map((run) => run.stdout());
    expect(said.filter((out) => out.includes('schema up to date; seeded'))).toHaveLength(1);
    expect(said.filter((out) => out.includes('already seeded, nothing written'))).toHaveLength(1);
    for (const out of said) expect(out).toContain(`granted ${app} what serve needs`);
    for (const out of [...said, ...runs.map((run) => run.stderr())]) expect(out).not.toContain(passwords.owner);
    const check = await client('owner');
    try {
      expect(Number((await check.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]?.n)).toBeGreaterThan(0);
      expect((await check.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')).rows.at(-1)?.name).toBe(
        await lastMigration(),
      );
    } finally {
      await check.end();
    }
  });

  it('as the app role, UPDATE, DELETE, TRUNCATE and DISABLE TRIGGER on audit_events fail; reading and the next event work', async () => {
    const db = await client('app');
    try {
      // What it may do there (an event written here would break the chain: serve's own appends show INSERT below).
      const may = await db.query<{ select: boolean; insert: boolean }>(
        "SELECT has_table_privilege('audit_events', 'SELECT') AS select, has_table_privilege('audit_events', 'INSERT') AS insert",
      );
      expect(may.rows[0]).toEqual({ select: true, insert: true });
      await expect(db.query("UPDATE audit_events SET actor = 'nobody'")).rejects.toThrow(/permission denied/);
      await expect(db.query('DELETE FROM audit_events')).rejects.toThrow(/permission denied/);
      await expect(db.query('TRUNCATE audit_events')).rejects.toThrow(/permission denied/);
      await expect(db.query('ALTER TABLE audit_events DISABLE TRIGGER ALL')).rejects.toThrow(/must be owner/);
      await expect(db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change')).rejects.toThrow(/must be owner/);
      await expect(db.query('DROP TRIGGER audit_events_no_change ON audit_events')).rejects.toThrow(/must be owner/);
      await expect(
        db.query('CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$'),
      ).rejects.toThrow(/must be owner|permission denied/);
      await expect(db.query("DELETE FROM kysely_migration WHERE name = '0014_consumed_at'")).rejects.toThrow(/permission denied/);
      await expect(db.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
      // Its ordinary work: reads and writes on the other tables.
      await db.query("UPDATE users SET display_name = display_name WHERE id = 'demo-analyst'");
    } finally {
      await db.end();
    }
  });

  it('serves as the app role, changing no schema, and stops cleanly', async () => {
    const before = await client('owner');
    const schemaBefore = await schemaOf(before).finally(() => before.end());
    const run = runEnclave([
      'platform',
      'serve',
      '--data-dir',
      fixture.dataDir,
      '--port',
      '0',
      ...served('app'),
      '--database-pool-size',
      '4',
    ]);
    try {
      const base = await listening(run);
      const health = await fetch(`${base}/api/v1/health`);
      expect(health.status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    expect(run.stderr()).not.toContain(passwords.app);
    const check = await client('owner');
    try {
      // It appended (the agreements and the demo drives it set up at start), as the app role.
      expect((await check.query('SELECT type FROM audit_events')).rowCount).toBeGreaterThan(0);
      expect(await schemaOf(check)).toEqual(schemaBefore);
    } finally {
      await check.end();
    }
  });

  it('refuses to serve as the owner, which could rewrite the audit log', async () => {
    const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0', ...served('owner')]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`The database role ${owner} owns audit_events`);
    expect(run.stderr()).toContain('could rewrite the audit log');
    expect(run.stdout()).toBe('');
  });

  it('refuses to serve a database a migration is pending on, and changes nothing there', async () => {
    const admin = await superuserClient(cluster!);
    try {
      await admin.query(`CREATE DATABASE ${database}_empty OWNER ${owner}`);
    } finally {
      await admin.end();
    }
    const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0', ...served('app', `${database}_empty`)]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(
      new RegExp(`is not up to date \\(pending: 0001_initial, .*${await lastMigration()}\\)\\. Run \`enclave platform migrate\``),
    );
    const empty = await superuserClient(cluster!, `${database}_empty`);
    try {
      expect((await empty.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).rows).toEqual([]);
    } finally {
      await empty.end();
    }
  });

  it('refuses a password in its arguments, and a password file others can read', async () => {
    const inUrl = runEnclave([
      'platform',
      'serve',
      '--data-dir',
      fixture.dataDir,
      '--database-url',
      url('app').replace(`${app}@`, `${app}:${passwords.app}@`),
    ]);
    expect(await inUrl.exited).toBe(2);
    expect(inUrl.stderr()).toContain('The database URL holds a password');
    expect(inUrl.stderr()).not.toContain(passwords.app);
    const open = path.join(folder, 'open.password');
    await writeFile(open, passwords.app, { mode: 0o644 });
    const readable = runEnclave(['platform', 'migrate', '--database-url', url('app'), '--database-password-file', open]);
    expect(await readable.exited).toBe(2);
    expect(readable.stderr()).toContain(`The database password file ${open} can be read by other users`);
    const require = runEnclave(['platform', 'migrate', '--database-url', `${url('owner')}?sslmode=require`]);
    expect(await require.exited).toBe(2);
    expect(require.stderr()).toContain('sslmode=require does not check the server');
  });

  /** Starts serve as the app role; answers its first line's URL, or null with what it said when it exited. */
  async function serveAsApp(extra: string[] = []): Promise<{ run: Run; url: string | null }> {
    const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0', ...served('app'), ...extra]);
    try {
      return { run, url: await listening(run) };
    } catch {
      await run.exited;
      return { run, url: null };
    }
  }

  async function stop(run: Run): Promise<void> {
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }

  /** As the owner, what only an owner can do: rewrites event `seq` under disabled triggers. */
  async function rewriteEvent(seq: number): Promise<void> {
    const db = await client('owner');
    try {
      await db.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
      await db.query("UPDATE audit_events SET actor = 'someone-else' WHERE seq = $1", [seq]);
      await db.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change');
    } finally {
      await db.end();
    }
  }

  async function acceptances(): Promise<number> {
    const db = await client('owner');
    try {
      return (await db.query("SELECT seq FROM audit_events WHERE type = 'audit.broken_log_accepted'")).rowCount ?? 0;
    } finally {
      await db.end();
    }
  }

  const tokenIn = (stderr: string): string => /add --accept-broken-audit-log=([0-9a-f]{16}) /.exec(stderr)?.[1] ?? '';

  it('as the app role, a temporary audit_events does not fool the next-event guard: it reads the real table', async () => {
    const forge = `INSERT INTO public.audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash)
      VALUES ($1, '2026-01-01T00:00:00Z', 'forged', null, 'success', '{}', $2, $3)`;
    const db = await client('app');
    const owner = await client('owner');
    try {
      const last = Number((await db.query<{ n: string }>('SELECT max(seq) AS n FROM public.audit_events')).rows[0]?.n);
      expect(last).toBeGreaterThan(0);
      // pg_temp comes first in a default search_path: a temporary audit_events whose max(seq) leaves a gap.
      await db.query('CREATE TEMP TABLE audit_events (seq bigint, hash text)');
      await db.query('INSERT INTO pg_temp.audit_events VALUES ($1, $2)', [last + 99, 'x']);
      const values = [last + 100, '0'.repeat(64), 'f'.repeat(64)];
      // What the pinned search_path prevents: unpinned, the guard reads the temporary table and lets the gap in.
      await owner.query('ALTER FUNCTION audit_events_next_event_only() RESET search_path');
      await db.query('BEGIN');
      expect((await db.query(forge, values)).rowCount).toBe(1);
      await db.query('ROLLBACK');
      // Migrate puts the pinning back, like any other change to the guards.
      const migrate = runEnclave(['platform', 'migrate', ...as('owner')]);
      expect(await migrate.exited, migrate.stderr()).toBe(0);
      expect(migrate.stdout()).toContain('restored audit_events_next_seq_only');
      await expect(db.query(forge, values)).rejects.toThrow(/takes only the next event/);
      const settings = await db.query<{ name: string; config: string[] }>(
        "SELECT proname AS name, proconfig AS config FROM pg_proc WHERE proname LIKE 'audit_events_%' ORDER BY proname",
      );
      expect(settings.rows).toEqual([
        { name: 'audit_events_append_only', config: ['search_path=public, pg_temp'] },
        { name: 'audit_events_next_event_only', config: ['search_path=public, pg_temp'] },
      ]);
    } finally {
      await db.end();
      await owner.end();
    }
  });

  it('refuses to serve as a role that may TRIGGER on audit_events, create roles, or create in the schema', async () => {
    const admin = await superuserClient(cluster!, database);
    try {
      for (const [grant, revoke, said] of [
        [`GRANT TRIGGER ON audit_events TO ${app}`, `REVOKE TRIGGER ON audit_events FROM ${app}`, 'may TRIGGER audit_events'],
        [`ALTER ROLE ${app} CREATEROLE`, `ALTER ROLE ${app} NOCREATEROLE`, 'may create roles'],
        [`GRANT CREATE ON SCHEMA public TO ${app}`, `REVOKE CREATE ON SCHEMA public FROM ${app}`, 'may CREATE in the schema public'],
        [
          `GRANT CREATE ON DATABASE ${database} TO ${app}`,
          `REVOKE CREATE ON DATABASE ${database} FROM ${app}`,
          'may CREATE in the database',
        ],
        [`REVOKE UPDATE ON users FROM ${app}`, `GRANT UPDATE ON users TO ${app}`, `may not read and write users`],
      ]) {
        await admin.query(grant);
        try {
          const { run, url } = await serveAsApp();
          if (url !== null) await stop(run);
          expect(url).toBeNull();
          expect(run.stderr()).toContain(`The database role ${app} ${said}`);
          if (said.startsWith('may not')) expect(run.stderr()).toContain(`enclave platform migrate --app-role ${app}`);
        } finally {
          await admin.query(revoke);
        }
      }
    } finally {
      await admin.end();
    }
  }, 120_000);

  it('accepts a broken log as the app role without changing the schema, and sends changed guards to migrate', async () => {
    // An edited event, guards intact: serve refuses, then starts with the token and records the acceptance.
    await rewriteEvent(2);
    const refused = await serveAsApp();
    expect(refused.url).toBeNull();
    const token = tokenIn(refused.run.stderr());
    expect(token).toMatch(/^[0-9a-f]{16}$/);
    const owner = await client('owner');
    const schemaBefore = await schemaOf(owner).finally(() => owner.end());
    const before = await acceptances();
    const accepted = await serveAsApp(['--accept-broken-audit-log', token]);
    expect(accepted.url, accepted.run.stderr()).not.toBeNull();
    await stop(accepted.run);
    expect(await acceptances()).toBe(before + 1);
    const after = await client('owner');
    expect(await schemaOf(after).finally(() => after.end())).toEqual(schemaBefore);

    // Another edit, and a guard dropped: serve cannot put it back, so it refuses and names migrate.
    await rewriteEvent(3);
    const admin = await client('owner');
    try {
      await admin.query('DROP TRIGGER audit_events_no_truncate ON audit_events');
    } finally {
      await admin.end();
    }
    const broken = await serveAsApp();
    expect(broken.url).toBeNull();
    expect(broken.run.stderr()).toContain('audit_events_no_truncate is missing');
    const second = tokenIn(broken.run.stderr());
    const refusedToAccept = await serveAsApp(['--accept-broken-audit-log', second]);
    expect(refusedToAccept.url).toBeNull();
    expect(refusedToAccept.run.stderr()).toContain('serve, as the app role, cannot put them back');
    expect(refusedToAccept.run.stderr()).toContain('Run `enclave platform migrate` as the owner role first');
    expect(await acceptances()).toBe(before + 1);

    // Migrate, as the owner, puts the guard back and says so; the log is still broken (event 3), under a new token.
    const migrate = runEnclave(['platform', 'migrate', ...as('owner')]);
    expect(await migrate.exited, migrate.stderr()).toBe(0);
    expect(migrate.stdout()).toContain("the audit log's guards were not as the platform made them: restored audit_events_no_truncate");
    const again = runEnclave(['platform', 'migrate', ...as('owner')]);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).not.toContain('guards');
    const still = await serveAsApp();
    expect(still.url).toBeNull();
    expect(still.run.stderr()).not.toContain('audit_events_no_truncate');
    const third = tokenIn(still.run.stderr());
    expect(third).not.toBe(second);
    const started = await serveAsApp(['--accept-broken-audit-log', third]);
    expect(started.url, started.run.stderr()).not.toBeNull();
    await stop(started.run);
    expect(await acceptances()).toBe(before + 2);
    const intact = await serveAsApp();
    expect(intact.url, intact.run.stderr()).not.toBeNull();
    await stop(intact.run);
  }, 120_000);
});
