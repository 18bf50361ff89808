// A PostgreSQL metadata store set up as production runs it, for the tests of the operator's host commands: a database
// owned by an owner role, migrated and seeded by the real `enclave platform migrate` (in process) as that owner, which
// grants an app role what serve needs (only SELECT and INSERT on audit_events). Serve and the host commands run as the
// app role, reached over TCP on 127.0.0.1 with SCRAM and the password in a 0600 file, as the platform reaches a database.
// The roles and the database are removed at cleanup.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { runPlatformMigrate } from '../../src/cli/platform-migrate.ts';
import { createKeyFolder } from '../../src/platform/key-rotation.ts';
import type { PlatformDatabaseOptions } from '../../src/platform/platform-core.ts';
import { makeSharedKeys } from './identity-keys.ts';
import { superuserClient, tcpUrl, type AvailableCluster } from './postgres.ts';

export type Row = Record<string, unknown>;

export interface AppRoleStore {
  readonly databaseName: string;
  readonly owner: string;
  readonly app: string;
  /** The app role's URL (no password in it) and its 0600 password file. */
  readonly url: string;
  readonly passwordFile: string;
  /** The identity keys folder serve and the host commands share (made as `enclave platform keys create` makes it). */
  readonly keysFolder: string;
  /** How serve and the host commands are told of it on the command line, as the app role, with the keys folder. */
  readonly flags: readonly string[];
  /** The same through the environment. */
  readonly env: Readonly<Record<'ENCLAVE_DATABASE_URL' | 'ENCLAVE_DATABASE_PASSWORD_FILE' | 'ENCLAVE_IDENTITY_KEYS_DIR', string>>;
  /** What createPlatformServer and openPlatformCore take: the app role, as serve opens it. */
  readonly database: PlatformDatabaseOptions;
  /** The owner's flags with the keys folder: what serve and the host commands must refuse. */
  readonly ownerFlags: readonly string[];
  /** A client of the owner role (what an insider with the owner's password could do). */
  ownerClient(): Promise<pg.Client>;
  /** One statement as the superuser, straight to the database; its rows. */
  raw(text: string, params?: readonly unknown[]): Promise<Row[]>;
  cleanup(): Promise<void>;
}

/** A new database with its owner and app roles, migrated and seeded (the demo's people and projects with `demo`). */
export async function createAppRoleStore(
  cluster: AvailableCluster,
  options: {
    demo: boolean;
    /** The server test's data folder, to keep the keys in (where test tokens are signed from); else a temp folder. */
    dataDir?: string;
  },
): Promise<AppRoleStore> {
  const suffix = randomBytes(5).toString('hex');
  const databaseName = `enclave_host_${suffix}`;
  const owner = `enclave_owner_${suffix}`;
  const app = `enclave_app_${suffix}`;
  const passwords = { owner: randomBytes(18).toString('base64url'), app: randomBytes(18).toString('base64url') };
  const folder = await mkdtemp(path.join(os.tmpdir(), 'enclave-roles-'));
  const passwordFile = path.join(folder, 'app.password');
  const ownerPasswordFile = path.join(folder, 'owner.password');
  await writeFile(passwordFile, `${passwords.app}\n`, { mode: 0o600 });
  await writeFile(ownerPasswordFile, `${passwords.owner}\n`, { mode: 0o600 });
  const keysFolder = options.dataDir === undefined ? path.join(folder, 'keys') : await makeSharedKeys(options.dataDir);
  if (options.dataDir === undefined) await createKeyFolder(keysFolder);
  const admin = await superuserClient(cluster);
  try {
    await admin.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${passwords.owner}'`);
    await admin.query(`CREATE ROLE ${app} LOGIN PASSWORD '${passwords.app}'`);
    await admin.query(`CREATE DATABASE ${databaseName} OWNER ${owner}`);
  } finally {
    await admin.end();
  }
  const cleanup = async (): Promise<void> => {
    const client = await superuserClient(cluster);
    try {
      await client.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${app}`);
      await client.query(`DROP ROLE IF EXISTS ${owner}`);
    } finally {
      await client.end();
    }
    await rm(folder, { recursive: true, force: true });
  };
  const url = tcpUrl(cluster, databaseName, app);
  const stderr = new PassThrough();
  let said = '';
  stderr.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
  const migrated = await runPlatformMigrate(
    [
      ...['--database-url', tcpUrl(cluster, databaseName, owner), '--database-password-file', ownerPasswordFile],
      ...['--app-role', app, ...(options.demo ? ['--demo'] : [])],
    ],
    { stdin: new PassThrough(), stdout: new PassThrough(), stderr },
    {},
  );
  if (migrated !== 0) {
    await cleanup();
    throw new Error(`platform migrate failed (${migrated}): ${said}`);
  }
  return {
    databaseName,
    owner,
    app,
    url,
    passwordFile,
    keysFolder,
    flags: ['--database-url', url, '--database-password-file', passwordFile, '--identity-keys-dir', keysFolder],
    env: { ENCLAVE_DATABASE_URL: url, ENCLAVE_DATABASE_PASSWORD_FILE: passwordFile, ENCLAVE_IDENTITY_KEYS_DIR: keysFolder },
    ownerFlags: [
      '--database-url',
      tcpUrl(cluster, databaseName, owner),
      '--database-password-file',
      ownerPasswordFile,
      '--identity-keys-dir',
      keysFolder,
    ],
    database: { url, password: passwords.app, role: 'app', identityKeysDir: keysFolder },
    async ownerClient() {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: cluster.port,
        database: databaseName,
        user: owner,
        password: passwords.owner,
      });
      await client.connect();
      return client;
    },
    async raw(text, params = []) {
      const client = await superuserClient(cluster, databaseName);
      try {
        return (await client.query(text, [...params])).rows as Row[];
      } finally {
        await client.end();
      }
    },
    cleanup,
  };
}
