// The metadata store on both of its engines, SQLite and a real PostgreSQL (issue 19 B): the same migrations and seed,
// the same answers, the same refusals. What differs between the engines is said once in src/platform/store/
// sql-engine.ts; this suite is what holds them to one behaviour: membership reads, identity-provider artifacts used
// once, the audit chain and its guards against raw SQL, numbers that come back as numbers, text too long for its column
// refused alike, and names in one order whatever the database's collation.
import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely/migration';
import { errors } from 'oidc-provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog, type AuditLog } from '../../../src/platform/audit/audit-log.ts';
import { repairPostgresAuditGuards } from '../../../src/platform/audit/guards.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { sqliteAdapterFactory } from '../../../src/platform/identity/embedded/adapter.ts';
import { createArtifactSealer } from '../../../src/platform/identity/embedded/artifact-sealing.ts';
import { hashPassword } from '../../../src/platform/identity/passwords.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed, type DemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { openMetadataStore, type OpenedMetadataStore } from '../../../src/platform/store/metadata-store.ts';
import { migrationProvider } from '../../../src/platform/store/migrations.ts';
import { errorOf } from '../../support/error-of.ts';
import { storeEngines, type StoreUnderTest } from '../../support/store-engines.ts';

let seed: { demo: DemoSeed; catalogue: Awaited<ReturnType<typeof readCatalogueFile>> };

beforeEach(async () => {
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  seed = { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) };
});

describe.each(storeEngines())('the metadata store on $name', (engine) => {
  let under: StoreUnderTest;
  let store: OpenedMetadataStore;

  beforeEach(async () => {
    under = await engine.create();
    store = await openMetadataStore({ ...under.location, seed, hashPassword });
  });

  afterEach(async () => {
    await store?.close();
    await under?.cleanup();
  });

  const count = async (table: string): Promise<number> => Number((await under.raw(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  it('migrates and seeds an empty store once, and opens it again as it was', async () => {
    expect(store.seeded).toBe(true);
    expect(await count('users')).toBe(seed.demo.users.length);
    expect(await count('datasets')).toBe(seed.catalogue.length);
    await store.close();
    await under.raw("UPDATE projects SET name = 'Renamed' WHERE id = 'covid-outcomes'");
    store = await openMetadataStore({ ...under.location, seed, hashPassword });
    expect(store.seeded).toBe(false);
    expect(await count('users')).toBe(seed.demo.users.length);
    expect((await store.getProject('covid-outcomes'))?.name).toBe('Renamed');
  });

  it('answers the reads membership is decided with: projects with their datasets in order, people, datasets', async () => {
    const projects = await store.listProjects(['covid-outcomes', 'cardio-admissions']);
    expect(projects.map((project) => project.id)).toEqual(['cardio-admissions', 'covid-outcomes']);
    expect(projects[0]).toMatchObject({ datasetIds: ['patients', 'hospital_episodes'], localData: 'disk', clipboardCellLimit: 100 });
    expect(await store.listProjects(["covid-outcomes' OR '1'='1"])).toEqual([]);
    expect(await store.getProject('no-such-project')).toBeUndefined();
    expect(await store.getUser('demo-analyst')).toEqual({
      id: 'demo-analyst',
      displayName: 'Ada Analyst',
      role: 'analyst',
      roles: ['analyst'],
    });
    expect(await store.getPasswordHash('demo-analyst')).toMatch(/^scrypt\$/);
    const [episodes] = await store.listDatasets(['hospital_episodes']);
    const shipped = seed.catalogue.find((dataset) => dataset.id === 'hospital_episodes')!;
    expect(episodes.fields.map((field) => field.name)).toEqual(shipped.fields.map((field) => field.name));
  });

  it('lists projects with mixed-case and accented names in one order, whatever the database collates by', async () => {
    const names = ['zebra', 'Émile', 'alpha', 'Zeta', 'éclair', 'Alpha', 'Eclair', 'beta', 'Beta', 'ändern'];
    for (const [index, name] of names.entries()) {
      await under.raw(`INSERT INTO projects (id, name, purpose) VALUES ('p-${index}', '${name}', 'ordering')`);
    }
    const listed = (await store.listAllProjects()).filter((project) => project.id.startsWith('p-')).map((project) => project.name);
    expect(listed).toEqual(['Alpha', 'alpha', 'ändern', 'Beta', 'beta', 'Eclair', 'éclair', 'Émile', 'zebra', 'Zeta']);
    const ids = names.map((_, index) => `p-${index}`);
    expect((await store.listProjects(ids)).map((project) => project.name)).toEqual(listed);
  });

  it('uses an identity-provider artifact once: the second redemption is refused with InvalidGrant', async () => {
    const adapter = sqliteAdapterFactory({
      store: store.oidcArtifacts,
      sealer: createArtifactSealer({ encryption: randomBytes(32), index: randomBytes(32) }),
      onGrantEnded: async () => {},
    })('RefreshToken');
    await adapter.upsert('refresh-1', { jti: 'refresh-1', kind: 'RefreshToken', grantId: 'g1', accountId: 'demo-analyst' }, 600);
    await adapter.consume('refresh-1');
    await expect(adapter.consume('refresh-1')).rejects.toBeInstanceOf(errors.InvalidGrant);
    expect(await adapter.find('refresh-1')).toMatchObject({ consumed: expect.any(Number) });
    // A save of the used token (the provider saves it again) does not make it usable.
    await adapter.upsert('refresh-1', { jti: 'refresh-1', kind: 'RefreshToken', grantId: 'g1', accountId: 'demo-analyst' }, 600);
    await expect(adapter.consume('refresh-1')).rejects.toBeInstanceOf(errors.InvalidGrant);
    // Two redemptions at once: exactly one wins.
    await adapter.upsert('refresh-2', { jti: 'refresh-2', kind: 'RefreshToken', grantId: 'g2', accountId: 'demo-analyst' }, 600);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => adapter.consume('refresh-2')));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('gives epoch seconds and milliseconds back as numbers (PostgreSQL bigint included)', async () => {
    await store.oidcArtifacts.upsert({ model: 'Session', id: 's1', payload: { uid: 'u1' }, expiresIn: 60 });
    const row = await store.database.selectFrom('oidc_artifacts').select(['expires_at', 'consumed_at']).executeTakeFirstOrThrow();
    expect(typeof row.expires_at).toBe('number');
    await store.oidcArtifacts.consume('Session', 's1');
    expect(typeof (await store.database.selectFrom('oidc_artifacts').select('consumed_at').executeTakeFirstOrThrow()).consumed_at).toBe(
      'number',
    );
    await store.revocations.revoke({ keys: ['jti:a'], expiresAt: 2_000_000_000 });
    const revoked = await store.database.selectFrom('revoked_tokens').selectAll().executeTakeFirstOrThrow();
    expect(revoked).toMatchObject({ expires_at: 2_000_000_000, revoked_at: expect.any(Number) });
    await store.endTokensIssuedBy('demo-analyst', 1_900_000_000);
    expect(await store.tokensValidAfter('demo-analyst')).toBe(1_900_000_000);
    const counted = await store.database
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(counted.n).toBe(seed.demo.users.length);
  });

  it('refuses text too long for its column the same way, and writes nothing', async () => {
    const id = 'x'.repeat(65);
    const error = await errorOf(store.addUser({ id, displayName: 'Too Long', role: 'analyst', subject: 'too-long' }));
    expect(error).toMatchObject({
      code: 'invalid_input',
      message: 'The id given is too long: at most 64 characters. Nothing was changed.',
    });
    expect(await store.getUser(id)).toBeUndefined();
    expect(await count('users')).toBe(seed.demo.users.length);
    // Exactly at the limit is accepted, counted in characters (not bytes, not UTF-16 units).
    const longest = `é${'x'.repeat(62)}😀`;
    await store.addUser({ id: longest, displayName: 'Just Fits', role: 'analyst', subject: 'just-fits' });
    expect(await store.getUser(longest)).toMatchObject({ displayName: 'Just Fits' });
    expect(await errorOf(store.addUser({ id: 'nul\u0000id', displayName: 'Nul', role: 'analyst', subject: 'nul' }))).toMatchObject({
      code: 'invalid_input',
    });
  });

  it('drops artifacts stored before keys were hashed: a store from before 0003, every later migration undone', async () => {
    // kysely refuses a history with gaps, so the store as it was before 0003 has none of the later migrations either:
    // their downs run (on PostgreSQL too) and their rows go.
    const { error } = await new Migrator({ db: store.database, provider: migrationProvider }).migrateTo('0002_identity_and_audit');
    expect(error).toBeUndefined();
    expect((await under.raw('SELECT name FROM kysely_migration ORDER BY name')).map((row) => row.name)).toEqual([
      '0001_initial',
      '0002_identity_and_audit',
    ]);
    await store.close();
    await under.raw("INSERT INTO oidc_artifacts (model, id, payload) VALUES ('RefreshToken', 'raw-refresh-token-value', '{}')");
    store = await openMetadataStore({ ...under.location, seed, hashPassword });
    expect(await count('oidc_artifacts')).toBe(0);
    expect(await openAuditLog({ db: store.database, folder: under.auditFolder }).then((audit) => audit.verify())).toMatchObject({
      intact: true,
    });
  });

  describe('the audit log', () => {
    let audit: AuditLog;

    beforeEach(async () => {
      audit = await openAuditLog({ db: store.database, folder: under.auditFolder, storeUsedBefore: !store.seeded });
    });

    it('chains appends in seq order, verifies them, and finds them by their details', async () => {
      const first = await audit.append({
        type: 'query.run',
        actor: 'demo-analyst',
        outcome: 'success',
        details: { projectId: 'covid-outcomes' },
      });
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => audit.append({ type: 'session.locked', actor: `u${i}`, outcome: 'success', details: { i } })),
      );
      await audit.append({ type: 'auth.sign_in', actor: null, outcome: 'failure', details: { username: 'mallory' } });
      expect(first.seq).toBe(1);
      expect((await audit.list()).map((event) => event.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
      expect(await audit.verify()).toMatchObject({ intact: true, events: 22, problems: [] });
      expect((await audit.search({ projectId: 'covid-outcomes', limit: 10 })).events.map((event) => event.seq)).toEqual([1]);
      expect((await audit.search({ actor: 'mallory', limit: 10 })).events.map((event) => event.type)).toEqual(['auth.sign_in']);
      expect((await audit.search({ typePrefix: 'session.', limit: 5 })).events).toHaveLength(5);
      expect((await audit.search({ typePrefix: 'session_', limit: 5 })).events).toHaveLength(0);
    });

    it('refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) straight to the database, and any insert but the next event', async () => {
      await audit.append({ type: 'auth.sign_in', actor: 'demo-admin', outcome: 'success', details: {} });
      await expect(under.raw("UPDATE audit_events SET actor = 'nobody'")).rejects.toThrow(/append-only/);
      await expect(under.raw('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
      if (engine.name === 'postgres') {
        await expect(under.raw('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
        await expect(
          under.raw(
            "INSERT INTO audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash) SELECT seq, occurred_at, type, 'nobody', outcome, details, prev_hash, hash FROM audit_events WHERE seq = 1 ON CONFLICT (seq) DO UPDATE SET actor = 'nobody'",
          ),
        ).rejects.toThrow(/takes only the next event|append-only/);
      }
      await expect(
        under.raw(
          "INSERT INTO audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash) VALUES (5, 'x', 'x', NULL, 'success', '{}', 'x', 'y')",
        ),
      ).rejects.toThrow(/takes only the next event/);
      expect((await audit.list()).map((event) => event.actor)).toEqual(['demo-admin']);
      expect(await audit.verify()).toMatchObject({ intact: true });
    });

    it('says so when a guard was dropped or disabled, and finds no detail in a row that is not JSON', async () => {
      await audit.append({ type: 'auth.sign_in', actor: 'demo-admin', outcome: 'success', details: {} });
      await under.raw(
        "INSERT INTO audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash) VALUES (2, '2026-01-01T00:00:00.000Z', 'x', NULL, 'success', 'not json', 'x', 'y')",
      );
      expect((await audit.search({ projectId: 'p', limit: 10 })).events).toEqual([]);
      if (engine.name === 'postgres') {
        // A guard function back on the default search_path, where a temporary audit_events would come first.
        await under.raw('ALTER FUNCTION audit_events_next_event_only() RESET search_path');
        expect((await audit.verify()).problems.filter((problem) => problem.kind === 'guards').map((problem) => problem.message)).toEqual([
          'the append-only trigger audit_events_next_seq_only is not as the platform made it',
        ]);
        await under.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
        await under.raw('DROP TRIGGER audit_events_no_truncate ON audit_events');
        await under.raw(
          'CREATE OR REPLACE FUNCTION audit_events_next_event_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$',
        );
      } else {
        await under.raw('DROP TRIGGER audit_events_no_update');
      }
      const report = await audit.verify();
      expect(report.intact).toBe(false);
      const guards = report.problems.filter((problem) => problem.kind === 'guards').map((problem) => problem.message);
      if (engine.name === 'postgres') {
        expect(guards).toEqual([
          'the append-only trigger audit_events_no_change is not as the platform made it',
          'the append-only trigger audit_events_no_truncate is missing',
          'the append-only trigger audit_events_next_seq_only is not as the platform made it',
        ]);
      } else {
        expect(guards).toEqual(['the append-only trigger audit_events_no_update is missing']);
      }
      // The operator starts on it anyway: the guards go back exactly as the migrations make them, and the log verifies.
      // On PostgreSQL serve (the app role) changes no function or trigger: acceptance waits for migrate to put them back.
      if (engine.name === 'postgres') {
        const refused = await errorOf(audit.acceptBreak(report));
        expect(refused.message).toContain('Run `enclave platform migrate` as the owner role first');
        expect(await audit.list()).toHaveLength(2);
        expect(await repairPostgresAuditGuards(store.database)).toEqual([
          'restored audit_events_no_change',
          'restored audit_events_no_truncate',
          'restored audit_events_next_seq_only',
        ]);
        expect(await repairPostgresAuditGuards(store.database)).toEqual([]);
      }
      const accepted = await audit.acceptBreak(engine.name === 'postgres' ? await audit.verify() : report);
      const restored = (JSON.parse(accepted.details) as { triggers: string[] }).triggers;
      expect(restored).toEqual(engine.name === 'postgres' ? [] : ['restored audit_events_no_update']);
      expect(await audit.verify()).toMatchObject({ intact: true, accepted: { seq: accepted.seq } });
      await expect(under.raw('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    });
  });
});
