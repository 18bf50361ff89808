// The connection to a PostgreSQL metadata store (issue 19 B.1), on real servers: the run's cluster, and one of this
// file's own that speaks TLS with a certificate from a CA made here with openssl. The database URL is read strictly
// (TLS that checks nothing is refused, the password never shows in a message), and the pool is the platform's own:
// int8 as numbers for it alone, its name and timeouts on every connection, its size, and an 'error' listener that logs
// a connection dropped while idle, so the process survives the server restarting and carries on once it is back. A
// store may live in a schema of its own, the migrations' table beside it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../src/platform/audit/audit-log.ts';
import { hashPassword } from '../../../src/platform/identity/passwords.ts';
import { openMetadataStore, type OpenedMetadataStore } from '../../../src/platform/store/metadata-store.ts';
import { createPostgresPool, describeDatabaseUrl, parseDatabaseUrl } from '../../../src/platform/store/postgres-connection.ts';
import { errorOf } from '../../support/error-of.ts';
import { newestPostgresBin, startCluster, type StartedCluster } from '../../support/postgres-cluster.ts';
import { createTestDatabase, postgresCluster, socketUrl, superuserClient, tcpUrl, type TestDatabase } from '../../support/postgres.ts';

const run = promisify(execFile);
const SECRET = 'pa55-W0rd-never-shown';
const NO_SEED = { seed: { demo: null, catalogue: [] }, hashPassword };

describe('the database URL', () => {
  it.each([
    ['require', /does not check the server's certificate/],
    ['prefer', /does not check the server's certificate/],
    ['allow', /does not check the server's certificate/],
    ['verify-ca', /does not check the server's name/],
    ['no-such-mode', /not a mode the platform uses/],
  ])('refuses sslmode=%s, saying what it would let through', (mode, message) => {
    let error: unknown;
    try {
      parseDatabaseUrl(`postgres://app:${SECRET}@db.example.org/enclave?sslmode=${mode}`);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
    expect(String((error as Error).message)).not.toContain(SECRET);
  });

  it('reaches another machine over TLS with name and certificate checked, and only so', () => {
    expect(parseDatabaseUrl('postgres://app@db.example.org/enclave')).toMatchObject({ tls: 'verify-full', port: 5432 });
    expect(parseDatabaseUrl('postgres://app@db.example.org:6543/enclave?sslmode=verify-full')).toMatchObject({
      tls: 'verify-full',
      port: 6543,
    });
    expect(() => parseDatabaseUrl('postgres://app@db.example.org/enclave?sslmode=disable')).toThrow(/over TLS only/);
    expect(parseDatabaseUrl('postgres://app@127.0.0.1/enclave')).toMatchObject({ tls: 'none' });
    expect(parseDatabaseUrl('postgres://app@localhost/enclave?sslmode=verify-full')).toMatchObject({ tls: 'verify-full' });
    expect(parseDatabaseUrl('postgres://app@localhost/enclave?host=%2Frun%2Fpostgresql')).toMatchObject({
      host: '/run/postgresql',
      tls: 'none',
    });
  });

  it.each([
    ['mysql://app@db/enclave', /must look like postgres:/],
    ['postgres://db.example.org/enclave', /must name its user/],
    ['postgres://app@db.example.org/', /must name one database/],
    ['postgres://app@db.example.org/enclave?sslcert=/tmp/x', /option sslcert is not one the platform reads/],
    ['postgres://app@db.example.org/enclave?host=relative', /Unix socket folder/],
    ['not a url at all', /must look like postgres:/],
  ])('refuses %s with a clear reason', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it('is shown and logged without its password', () => {
    expect(describeDatabaseUrl(`postgres://app:${SECRET}@db.example.org:6543/enclave`)).toBe('postgres://app@db.example.org:6543/enclave');
    expect(describeDatabaseUrl(`postgres://app:${SECRET}@db.example.org/enclave?sslmode=require`)).toBe('the database URL given');
  });

  it('takes the password once: in the URL or (better) from a file, not both', async () => {
    const error = await errorOf(createPostgresPool({ url: `postgres://app:${SECRET}@127.0.0.1/enclave`, password: SECRET, log: () => {} }));
    expect(error.message).toMatch(/given twice/);
    expect(error.message).not.toContain(SECRET);
  });
});

const cluster = postgresCluster();

describe.skipIf(cluster === null)('the pool, on the run’s PostgreSQL', () => {
  let database: TestDatabase;
  let store: OpenedMetadataStore | undefined;
  const logged: Array<{ message: string; detail: unknown }> = [];
  const log = (message: string, detail?: unknown): void => {
    logged.push({ message, detail });
  };

  beforeEach(async () => {
    database = await createTestDatabase(cluster!, 'pool');
    logged.length = 0;
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await database.drop();
  });

  const show = async (db: OpenedMetadataStore['database'], setting: string): Promise<string> =>
    String((await sql<Record<string, string>>`SHOW ${sql.raw(setting)}`.execute(db)).rows[0]?.[setting]);

  it('names itself and sets its timeouts on every connection, and reads int8 as numbers for itself only', async () => {
    store = await openMetadataStore({
      postgres: { url: database.url, log, statementTimeoutMs: 1500, idleInTransactionTimeoutMs: 4000 },
      ...NO_SEED,
    });
    expect(await show(store.database, 'application_name')).toBe('enclave-platform');
    expect(await show(store.database, 'statement_timeout')).toBe('1500ms');
    expect(await show(store.database, 'idle_in_transaction_session_timeout')).toBe('4s');
    await expect(sql`SELECT pg_sleep(3)`.execute(store.database)).rejects.toThrow(/statement timeout/);
    const { rows } = await sql<{ n: unknown }>`SELECT 9007199254740991::bigint AS n`.execute(store.database);
    expect(rows[0]?.n).toBe(9_007_199_254_740_991);
    // Another client in the same process keeps pg's own default (text): the parser is the pool's, not global.
    const other = await superuserClient(cluster!, database.name);
    try {
      expect((await other.query<{ n: unknown }>('SELECT 42::bigint AS n')).rows[0]?.n).toBe('42');
    } finally {
      await other.end();
    }
  });

  it('opens no more connections than its size', async () => {
    store = await openMetadataStore({ postgres: { url: database.url, log, poolSize: 2 }, ...NO_SEED });
    const db = store.database;
    const sleeping = Promise.all(Array.from({ length: 6 }, () => sql`SELECT pg_sleep(0.4)`.execute(db)));
    const admin = await superuserClient(cluster!, database.name);
    try {
      await expect
        .poll(
          async () =>
            Number(
              (
                await admin.query<{ n: string }>(
                  "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'enclave-platform' AND query LIKE '%pg_sleep%' AND state = 'active'",
                )
              ).rows[0]?.n,
            ),
          { timeout: 5000, interval: 50 },
        )
        .toBe(2);
      const total = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'enclave-platform'",
      );
      expect(Number(total.rows[0]?.n)).toBeLessThanOrEqual(2);
    } finally {
      await admin.end();
    }
    await sleeping;
    expect(await errorOf(openMetadataStore({ postgres: { url: database.url, log, poolSize: 1 }, ...NO_SEED }))).toMatchObject({
      code: 'invalid_input',
    });
  });

  it('logs a connection the server drops while idle, survives it, and uses a new one for the next request', async () => {
    store = await openMetadataStore({ postgres: { url: database.url, log }, ...NO_SEED });
    await Promise.all(Array.from({ length: 3 }, () => sql`SELECT pg_sleep(0.05)`.execute(store!.database)));
    const admin = await superuserClient(cluster!, database.name);
    try {
      const ended = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'enclave-platform'",
      );
      expect(ended.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await expect.poll(() => logged.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(logged[0]).toMatchObject({
      message: expect.stringContaining('failed while idle; the next request opens a new one'),
      detail: { code: '57P01' },
    });
    expect(await store.getUser('nobody')).toBeUndefined();
  });

  it('takes a password from the caller, never from the URL shown, and says plainly when it is wrong', async () => {
    const admin = await superuserClient(cluster!, database.name);
    try {
      await admin.query(`CREATE ROLE enclave_pw_${database.name.slice(-12)} LOGIN PASSWORD '${SECRET}'`);
    } finally {
      await admin.end();
    }
    const role = `enclave_pw_${database.name.slice(-12)}`;
    const url = tcpUrl(cluster!, database.name, role);
    const pool = await createPostgresPool({ url, password: SECRET, log });
    try {
      expect((await pool.query<{ user: string }>('SELECT current_user AS user')).rows[0]?.user).toBe(role);
    } finally {
      await pool.end();
    }
    const refused = await errorOf(openMetadataStore({ postgres: { url, password: 'wrong', log }, ...NO_SEED }));
    expect(refused).toMatchObject({ code: 'unavailable', message: expect.stringContaining('password authentication failed') });
    expect(refused.message).toContain(`postgres://${role}@127.0.0.1:${cluster!.port}/${database.name}`);
    const withSecret = await errorOf(
      openMetadataStore({ postgres: { url: url.replace(`${role}@`, `${role}:wrong-${SECRET}@`), log }, ...NO_SEED }),
    );
    expect(withSecret.message).not.toContain(SECRET);
    const cleanup = await superuserClient(cluster!, database.name);
    try {
      await cleanup.query(`DROP ROLE ${role}`);
    } finally {
      await cleanup.end();
    }
  });
});

describe.skipIf(cluster === null)('a store in a schema of its own', () => {
  it('keeps its tables and the migrations’ own table in the schema it is given, and works there', async () => {
    const database = await createTestDatabase(cluster!, 'schema');
    try {
      const store = await openMetadataStore({ postgres: { url: database.url, log: () => {}, schema: 'enclave' }, ...NO_SEED });
      try {
        await store.addUser({ id: 'in-schema', displayName: 'In Schema', role: 'analyst', subject: 'in-schema' });
        const audit = await openAuditLog({ db: store.database, folder: path.join(os.tmpdir(), `enclave-schema-${database.name}`) });
        await audit.append({ type: 'test.schema', actor: 'in-schema', outcome: 'success', details: { projectId: 'p' } });
        expect(await audit.verify()).toMatchObject({ intact: true, events: 1 });
        expect((await audit.search({ projectId: 'p', limit: 5 })).events).toHaveLength(1);
      } finally {
        await store.close();
        await rm(path.join(os.tmpdir(), `enclave-schema-${database.name}`), { recursive: true, force: true });
      }
      const admin = await superuserClient(cluster!, database.name);
      try {
        const tables = await admin.query<{ schema: string; n: string }>(
          "SELECT table_schema AS schema, count(*) AS n FROM information_schema.tables WHERE table_name IN ('users', 'audit_events', 'kysely_migration') GROUP BY 1",
        );
        expect(tables.rows).toEqual([{ schema: 'enclave', n: '3' }]);
      } finally {
        await admin.end();
      }
    } finally {
      await database.drop();
    }
  });
});

describe.skipIf(cluster === null)('PostgreSQL restarted under an open store (a cluster of its own)', () => {
  it('survives the restart, logs the dropped connections, and answers again within a few seconds', async () => {
    const own = await startCluster((await newestPostgresBin())!);
    const logged: string[] = [];
    try {
      const admin = await superuserClient(own.info);
      await admin.query('CREATE DATABASE enclave_restart');
      await admin.end();
      const store = await openMetadataStore({
        postgres: { url: socketUrl(own.info, 'enclave_restart'), log: (message) => logged.push(message) },
        ...NO_SEED,
      });
      try {
        await Promise.all(Array.from({ length: 3 }, () => store.getUser('nobody')));
        await own.restart();
        await expect.poll(() => logged.length, { timeout: 5000 }).toBeGreaterThan(0);
        const started = Date.now();
        // The first request after the restart may still meet a connection that died with it; within seconds they work.
        await expect
          .poll(
            async () =>
              store.getUser('nobody').then(
                () => 'answered',
                () => 'failed',
              ),
            { timeout: 10_000, interval: 200 },
          )
          .toBe('answered');
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await store.listUsers()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      await own.stop();
    }
    expect(logged[0]).toContain('failed while idle');
  });
});

/** A CA and a certificate for `localhost` only, made with openssl. */
async function makeCertificates(folder: string): Promise<{ caFile: string; cert: string; key: string }> {
  const file = (name: string): string => path.join(folder, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Enclave test database CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(file('server.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  ]);
  return { caFile: file('ca.crt'), cert: await readFile(file('server.crt'), 'utf8'), key: await readFile(file('server.key'), 'utf8') };
}

describe.skipIf(cluster === null)('TLS to the database (a cluster of its own, with a private CA)', () => {
  let folder: string;
  let tlsCluster: StartedCluster;
  let caFile: string;
  let store: OpenedMetadataStore | undefined;
  const log = (): void => {};

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'enclave-db-tls-'));
    const certificates = await makeCertificates(folder);
    caFile = certificates.caFile;
    const found = await newestPostgresBin();
    tlsCluster = await startCluster(found!, {
      settings: ['ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"],
      files: { 'server.crt': certificates.cert, 'server.key': certificates.key },
    });
    const admin = await superuserClient(tlsCluster.info);
    try {
      await admin.query(`CREATE ROLE enclave_tls LOGIN PASSWORD '${SECRET}'`);
      await admin.query('CREATE DATABASE enclave_tls OWNER enclave_tls');
    } finally {
      await admin.end();
    }
  });

  afterAll(async () => {
    await tlsCluster?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  const url = (host: string): string => `postgres://enclave_tls@${host}:${tlsCluster.info.port}/enclave_tls?sslmode=verify-full`;

  it('connects with sslmode=verify-full when the CA file is given, encrypted', async () => {
    store = await openMetadataStore({ postgres: { url: url('localhost'), password: SECRET, caFile, log }, ...NO_SEED });
    const { rows } = await sql<{ ssl: boolean }>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`.execute(store.database);
    expect(rows[0]?.ssl).toBe(true);
  });

  it('refuses a server whose certificate it does not trust, naming the problem and --ca-file', async () => {
    const error = await errorOf(openMetadataStore({ postgres: { url: url('localhost'), password: SECRET, log }, ...NO_SEED }));
    expect(error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/certificate the platform does not trust .*--ca-file/),
    });
  });

  it('refuses a certificate issued for another name, even from the trusted CA', async () => {
    const error = await errorOf(openMetadataStore({ postgres: { url: url('127.0.0.1'), password: SECRET, caFile, log }, ...NO_SEED }));
    expect(error.message).toMatch(/127\.0\.0\.1.*(not in the cert's list|altnames)/i);
  });
});
