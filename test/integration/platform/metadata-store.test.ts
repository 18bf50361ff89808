// The metadata store: SQLite through kysely over node:sqlite, migrated and seeded once, read by membership.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCatalogueFile, DEFAULT_CATALOGUE_PATH } from '../../../src/platform/catalogue/catalogue-file.ts';
import { hashPassword } from '../../../src/platform/identity/passwords.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed, type DemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { openMetadataStore } from '../../../src/platform/store/metadata-store.ts';
import { migrationProvider } from '../../../src/platform/store/migrations.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';

let dir: string;
let seed: { demo: DemoSeed; catalogue: Awaited<ReturnType<typeof readCatalogueFile>> };

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-metadata-'));
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  seed = { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openMetadataStore', () => {
  it('creates the file in WAL mode, migrates and seeds it on first open', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    const store = await openMetadataStore({ file, seed, hashPassword });
    expect(store.seeded).toBe(true);
    await store.close();
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(raw.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: seed.demo.users.length });
    raw.close();
  });

  it('does not seed again, and keeps what is stored, when reopened', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    const raw = new DatabaseSync(file);
    raw.prepare("UPDATE projects SET name = 'Renamed' WHERE id = 'covid-outcomes'").run();
    raw.close();
    const store = await openMetadataStore({ file, seed, hashPassword });
    expect(store.seeded).toBe(false);
    expect((await store.getProject('covid-outcomes'))?.name).toBe('Renamed');
    await store.close();
  });

  it('lists the projects asked for, by name, with datasets in project order (membership is the agreements’)', async () => {
    const store = await openMetadataStore({ file: path.join(dir, 'metadata.sqlite'), seed, hashPassword });
    const projects = await store.listProjects(['cardio-admissions', 'covid-outcomes']);
    // By name as people read it (case aside): "Cardiovascular admissions" before "COVID-19 outcomes".
    expect(projects.map((project) => project.id)).toEqual(['cardio-admissions', 'covid-outcomes']);
    expect(projects[0].datasetIds).toEqual(['patients', 'hospital_episodes']);
    expect(await store.listProjects([])).toEqual([]);
    expect(await store.listProjects(["covid-outcomes' OR '1'='1"])).toEqual([]);
    await store.close();
  });

  it('gives each project its workspace settings from the seed, also to a store made before they existed', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    // As a store of an earlier Enclave: every project on the columns' defaults.
    const raw = new DatabaseSync(file);
    raw.prepare("UPDATE projects SET local_data = 'disk', clipboard_cell_limit = 100").run();
    raw.close();
    const store = await openMetadataStore({ file, seed, hashPassword });
    const optOut = await store.getProject('opt-out-monitoring');
    expect(optOut).toMatchObject({ localData: 'memory', clipboardCellLimit: 100 });
    const [covid] = await store.listProjects(['covid-outcomes']);
    expect(covid).toMatchObject({ id: 'covid-outcomes', localData: 'disk', clipboardCellLimit: 100 });
    await store.close();
  });

  it('keeps no list of members of its own: the agreements are the one source of membership', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    const raw = new DatabaseSync(file, { readOnly: true });
    try {
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'project_members'").all()).toEqual([]);
    } finally {
      raw.close();
    }
    const store = await openMetadataStore({ file, seed, hashPassword });
    expect(await store.getProject('opt-out-monitoring')).toMatchObject({ id: 'opt-out-monitoring' });
    expect(await store.getProject('no-such-project')).toBeUndefined();
    await store.close();
  });

  it('returns datasets with fields in catalogue order and the catalogue key', async () => {
    const store = await openMetadataStore({ file: path.join(dir, 'metadata.sqlite'), seed, hashPassword });
    const [episodes] = await store.listDatasets(['hospital_episodes']);
    const shipped = seed.catalogue.find((dataset) => dataset.id === 'hospital_episodes')!;
    expect(episodes.fields.map((field) => field.name)).toEqual(shipped.fields.map((field) => field.name));
    expect(episodes.orderKey).toEqual(shipped.key ?? shipped.fields.map((field) => field.name));
    expect(await store.listDatasets([])).toEqual([]);
    await store.close();
  });

  it('gets users by id and nothing for an unknown id', async () => {
    const store = await openMetadataStore({ file: path.join(dir, 'metadata.sqlite'), seed, hashPassword });
    expect(await store.getUser('demo-analyst')).toEqual({
      id: 'demo-analyst',
      displayName: 'Ada Analyst',
      role: 'analyst',
      roles: ['analyst'],
    });
    expect(await store.getUser('nobody')).toBeUndefined();
    await store.close();
  });

  it('refuses a file that is not a SQLite database, and leaves it unchanged', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, 'not a database, and long enough to look like a header to nobody');
    const before = await readFile(file);
    const error = await openMetadataStore({ file, seed, hashPassword }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(Buffer.compare(await readFile(file), before)).toBe(0);
  });

  it('gives the demo users of a store made before sign-in their password hashes, and never replaces one', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    const raw = new DatabaseSync(file);
    raw.prepare("DELETE FROM credentials WHERE user_id <> 'demo-admin'").run();
    const adminHash = (raw.prepare("SELECT password_hash FROM credentials WHERE user_id = 'demo-admin'").get() as { password_hash: string })
      .password_hash;
    raw.close();
    const store = await openMetadataStore({ file, seed, hashPassword });
    expect(await store.getPasswordHash('demo-analyst')).toMatch(/^scrypt\$/);
    expect(await store.getPasswordHash('demo-admin')).toBe(adminHash);
    expect(await store.getPasswordHash('nobody')).toBeUndefined();
    await store.close();
  });

  it('hashes the demo passwords with the function it is given, and knows no audit log', async () => {
    const store = await openMetadataStore({
      file: path.join(dir, 'metadata.sqlite'),
      seed,
      hashPassword: async (password) => `given$${password.length}`,
    });
    const analyst = seed.demo.users.find((user) => user.id === 'demo-analyst')!;
    expect(await store.getPasswordHash('demo-analyst')).toBe(`given$${analyst.password.length}`);
    expect(store).not.toHaveProperty('audit');
    await store.close();
  });
});

describe('the identity provider artifacts', () => {
  it('stores, finds by id, uid and user code, consumes, expires and revokes by grant', async () => {
    const store = await openMetadataStore({ file: path.join(dir, 'metadata.sqlite'), seed, hashPassword });
    const artifacts = store.oidcArtifacts;
    await artifacts.upsert({ model: 'Session', id: 's1', payload: { uid: 'u1', accountId: 'demo-analyst' }, expiresIn: 60 });
    await artifacts.upsert({ model: 'DeviceCode', id: 'd1', payload: { userCode: 'BCDFGHJK', grantId: 'g1' }, expiresIn: 60 });
    await artifacts.upsert({ model: 'RefreshToken', id: 'r1', payload: { grantId: 'g1' }, expiresIn: 60 });
    await artifacts.upsert({ model: 'RefreshToken', id: 'r2', payload: { grantId: 'g2' } });
    await artifacts.upsert({ model: 'AccessToken', id: 'old', payload: {}, expiresIn: -1 });
    expect(await artifacts.find('Session', 's1')).toEqual({ uid: 'u1', accountId: 'demo-analyst' });
    expect(await artifacts.findByUid('Session', 'u1')).toMatchObject({ accountId: 'demo-analyst' });
    expect(await artifacts.findByUserCode('DeviceCode', 'BCDFGHJK')).toMatchObject({ grantId: 'g1' });
    expect(await artifacts.find('AccessToken', 'old')).toBeUndefined();
    expect(await artifacts.find('Session', 'r1')).toBeUndefined();
    await artifacts.consume('RefreshToken', 'r1');
    expect((await artifacts.find('RefreshToken', 'r1'))?.consumed).toEqual(expect.any(Number));
    await artifacts.revokeByGrantId('RefreshToken', 'g1');
    expect(await artifacts.find('RefreshToken', 'r1')).toBeUndefined();
    expect(await artifacts.find('DeviceCode', 'd1')).toBeDefined();
    expect(await artifacts.find('RefreshToken', 'r2')).toEqual({ grantId: 'g2' });
    await artifacts.destroy('RefreshToken', 'r2');
    expect(await artifacts.find('RefreshToken', 'r2')).toBeUndefined();
    await store.close();
  });

  it('deletes artifacts stored before they were sealed and overwrites their bytes on disk', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    const before = new Kysely<unknown>({ dialect: createNodeSqliteDialect(new DatabaseSync(file)) });
    const { error } = await new Migrator({ db: before, provider: migrationProvider }).migrateTo('0004_keyed_audit_and_revocations');
    expect(error).toBeUndefined();
    await before.destroy();
    const raw = new DatabaseSync(file);
    raw
      .prepare(
        "INSERT INTO oidc_artifacts (model, id, payload) VALUES ('DeviceCode', 'k', '{\"jti\":\"PLAINTEXT-DEVICE-CODE-0123456789\"}')",
      )
      .run();
    raw.close();
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    const bytes = await readFile(file);
    expect(bytes.includes(Buffer.from('PLAINTEXT-DEVICE-CODE-0123456789'))).toBe(false);
  });

  it('drops artifacts stored before keys were hashed, so no raw refresh token stays on disk (everyone signs in once more)', async () => {
    const file = path.join(dir, 'metadata.sqlite');
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    // The store as it was before migration 0003 (every later migration undone too: kysely refuses a history with
    // gaps), holding a refresh token stored under its raw value.
    const before = new Kysely<unknown>({ dialect: createNodeSqliteDialect(new DatabaseSync(file)) });
    const { error } = await new Migrator({ db: before, provider: migrationProvider }).migrateTo('0002_identity_and_audit');
    expect(error).toBeUndefined();
    await before.destroy();
    const raw = new DatabaseSync(file);
    raw.prepare("INSERT INTO oidc_artifacts (model, id, payload) VALUES ('RefreshToken', 'raw-refresh-token-value', '{}')").run();
    raw.close();
    await (await openMetadataStore({ file, seed, hashPassword })).close();
    const after = new DatabaseSync(file, { readOnly: true });
    expect(after.prepare('SELECT count(*) AS n FROM oidc_artifacts').get()).toEqual({ n: 0 });
    after.close();
  });
});
