// The run's PostgreSQL cluster (test/support/postgres-cluster.ts) as a test file uses it: a database of its own per
// test (CREATE DATABASE with a unique name, so files run in parallel), dropped afterwards, reached as the superuser
// through the cluster's Unix socket. Where the cluster is missing (a developer's machine without PostgreSQL) the
// PostgreSQL cases skip, and say why once.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { PostgresClusterInfo } from './postgres-cluster.ts';

export type AvailableCluster = Extract<PostgresClusterInfo, { available: true }>;

let said = false;

/** The cluster, or null (after saying why, once per file) when this machine has none. */
export function postgresCluster(): AvailableCluster | null {
  const info = inject('postgres');
  if (info.available) return info;
  if (!said) console.log(`Skipped: the PostgreSQL cases (${info.reason})`);
  said = true;
  return null;
}

/** A URL for `user` on `database` through the cluster's socket (trusted there: no password). */
export function socketUrl(cluster: AvailableCluster, database: string, user = cluster.superuser): string {
  return `postgres://${encodeURIComponent(user)}@localhost:${cluster.port}/${encodeURIComponent(database)}?host=${encodeURIComponent(cluster.socketDir)}`;
}

/** A URL over TCP on 127.0.0.1 (SCRAM: the password goes in separately, as the platform takes it). */
export function tcpUrl(cluster: AvailableCluster, database: string, user: string): string {
  return `postgres://${encodeURIComponent(user)}@127.0.0.1:${cluster.port}/${encodeURIComponent(database)}`;
}

/** A superuser client on one database of the cluster, for what a test does outside the platform (roles, raw SQL). */
export async function superuserClient(cluster: AvailableCluster, database = 'postgres'): Promise<pg.Client> {
  const client = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.superuser, database });
  await client.connect();
  return client;
}

export interface TestDatabase {
  readonly name: string;
  /** The superuser's URL for it. */
  readonly url: string;
  /** Removes the database, whoever is still connected. */
  drop(): Promise<void>;
}

/** A new, empty database for one test. */
export async function createTestDatabase(cluster: AvailableCluster, label = 'test'): Promise<TestDatabase> {
  const name = `enclave_${label.replaceAll(/[^a-z0-9]/g, '_')}_${randomBytes(6).toString('hex')}`;
  const admin = await superuserClient(cluster);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: socketUrl(cluster, name),
    async drop() {
      const client = await superuserClient(cluster);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
