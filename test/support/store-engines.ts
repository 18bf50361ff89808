// The metadata store's two engines as tests use them (describe.each): a new, empty store of each (a SQLite file in a
// temp folder, or a PostgreSQL database of its own on the run's cluster), its data folder for the audit key and
// anchor, and raw SQL on it from outside the platform (the attacker with the database, or a test's own look).
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import type { AuditReport } from '../../src/platform/audit/verify.ts';
import { readKeyFolder } from '../../src/platform/key-folder.ts';
import { openPlatformRecords } from '../../src/platform/records.ts';
import type { StoreLocation } from '../../src/platform/store/metadata-store.ts';
import { makeSharedKeys } from './identity-keys.ts';
import { createTestDatabase, postgresCluster, superuserClient, type AvailableCluster } from './postgres.ts';

export type Row = Record<string, unknown>;

export interface StoreUnderTest {
  readonly engine: 'sqlite' | 'postgres';
  readonly location: StoreLocation;
  /** A private temp folder: the audit key and anchor go in its `identity`. */
  readonly dataDir: string;
  readonly auditFolder: string;
  /** One statement of raw SQL, straight to the database (no platform in between); its rows, if it answers any. */
  raw(text: string, params?: readonly unknown[]): Promise<Row[]>;
  cleanup(): Promise<void>;
}

/** A platform server's store in a test: what to give createPlatformServer, and raw SQL on it. */
export interface ServerStoreUnderTest {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Spread into createPlatformServer's options: nothing for SQLite (the data folder's file), the database and its
   * shared keys folder for PostgreSQL.
   */
  readonly options: { readonly database?: { readonly url: string; readonly identityKeysDir: string } };
  raw(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** The audit log's report, read the platform's way beside the running server (the store and `<data dir>/identity`). */
  verifyAudit(): Promise<AuditReport>;
  cleanup(): Promise<void>;
}

export interface EngineUnderTest {
  readonly name: 'sqlite' | 'postgres';
  create(label?: string): Promise<StoreUnderTest>;
  /** The store of a platform server on the data folder `dataDir` (test/integration/platform/fixture.ts). */
  forServer(dataDir: string, label?: string): Promise<ServerStoreUnderTest>;
}

async function sqliteRaw(file: string, text: string, params: readonly unknown[]): Promise<Row[]> {
  const database = new DatabaseSync(file);
  try {
    database.exec('PRAGMA busy_timeout = 5000');
    const statement = database.prepare(text);
    const values = params as never[];
    if (statement.columns().length > 0) return statement.all(...values);
    statement.run(...values);
    return [];
  } finally {
    database.close();
  }
}

async function verifyAuditOf(location: StoreLocation, dataDir: string, keysFolder?: string): Promise<AuditReport> {
  const sharedAuditKey =
    keysFolder === undefined
      ? {}
      : { sharedAuditKey: { key: (await readKeyFolder(keysFolder)).auditKey, file: path.join(keysFolder, 'audit-key.json') } };
  const records = await openPlatformRecords({
    ...location,
    auditFolder: path.join(dataDir, 'identity'),
    seed: { demo: null, catalogue: [] },
    ...sharedAuditKey,
  });
  try {
    return await records.audit.verify();
  } finally {
    await records.close();
  }
}

/** Where a PostgreSQL store's connection failures are said: in a test, to the test's output. */
const testLog = (message: string, detail?: unknown): void => console.log(message, detail ?? '');

const sqlite: EngineUnderTest = {
  name: 'sqlite',
  async create() {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-store-'));
    const file = path.join(dataDir, 'metadata.sqlite');
    return {
      engine: 'sqlite',
      location: { file },
      dataDir,
      auditFolder: path.join(dataDir, 'identity'),
      raw: (text, params = []) => sqliteRaw(file, text, params),
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
  async forServer(dataDir) {
    const file = path.join(dataDir, 'metadata.sqlite');
    return {
      engine: 'sqlite',
      options: {},
      raw: (text, params = []) => sqliteRaw(file, text, params),
      verifyAudit: () => verifyAuditOf({ file }, dataDir),
      cleanup: async () => {},
    };
  },
};

async function postgresRaw(at: { cluster: AvailableCluster; database: string }, text: string, params: readonly unknown[]): Promise<Row[]> {
  const client = await superuserClient(at.cluster, at.database);
  try {
    return (await client.query(text, [...params])).rows as Row[];
  } finally {
    await client.end();
  }
}

function postgres(cluster: AvailableCluster): EngineUnderTest {
  return {
    name: 'postgres',
    async create(label = 'store') {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-store-'));
      const database = await createTestDatabase(cluster, label);
      return {
        engine: 'postgres',
        location: { postgres: { url: database.url, log: testLog } },
        dataDir,
        auditFolder: path.join(dataDir, 'identity'),
        raw: (text, params = []) => postgresRaw({ cluster, database: database.name }, text, params),
        async cleanup() {
          await database.drop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
    async forServer(dataDir, label = 'server') {
      const database = await createTestDatabase(cluster, label);
      const identityKeysDir = await makeSharedKeys(dataDir);
      return {
        engine: 'postgres',
        options: { database: { url: database.url, identityKeysDir } },
        raw: (text, params = []) => postgresRaw({ cluster, database: database.name }, text, params),
        verifyAudit: () => verifyAuditOf({ postgres: { url: database.url, log: testLog } }, dataDir, identityKeysDir),
        cleanup: () => database.drop(),
      };
    },
  };
}

/** SQLite always; PostgreSQL when the run has its cluster (test/support/postgres-cluster.ts). */
export function storeEngines(): EngineUnderTest[] {
  const cluster = postgresCluster();
  return cluster === null ? [sqlite] : [sqlite, postgres(cluster)];
}
