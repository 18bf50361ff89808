// The embedded provider's storage adapter over a real (migrated) SQLite store, attacked by someone who can read
// and write the database: nothing readable at rest, nothing forgeable or movable, one redemption of anything
// that is used once, and one revocation per ended grant.
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactKey, sqliteAdapterFactory } from '../../../src/platform/identity/embedded/adapter.ts';
import { createArtifactSealer } from '../../../src/platform/identity/embedded/artifact-sealing.ts';
import { migrationProvider } from '../../../src/platform/store/migrations.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import { createOidcArtifactStore } from '../../../src/platform/store/oidc-artifacts.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';

let raw: DatabaseSync;
let db: Kysely<MetadataDatabase>;
let ended: string[];
let factory: AdapterFactory;

beforeEach(async () => {
  raw = new DatabaseSync(':memory:');
  db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(raw) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  expect(error).toBeUndefined();
  ended = [];
  factory = sqliteAdapterFactory({
    store: createOidcArtifactStore(db),
    sealer: createArtifactSealer({ encryption: randomBytes(32), index: randomBytes(32) }),
    onGrantEnded: async (grantId) => {
      ended.push(grantId);
    },
  });
});

afterEach(async () => {
  await db.destroy();
});

const adapter = (model: string): Adapter => factory(model);
const rows = () => raw.prepare('SELECT * FROM oidc_artifacts').all() as Array<Record<string, string | number | null>>;
const row = (model: string, id: string) =>
  raw.prepare('SELECT * FROM oidc_artifacts WHERE model = ? AND id = ?').get(model, artifactKey(id)) as Record<string, string>;

const DEVICE_CODE = 'device-code-value-0123456789abcdef';
const USER_CODE = 'BCDFGHJK';
const devicePayload = (jti: string, userCode: string, grantId = 'grant-1'): AdapterPayload => ({
  jti,
  kind: 'DeviceCode',
  userCode,
  grantId,
  accountId: 'demo-analyst',
  clientId: 'enclave-workstation',
  params: { scope: 'openid profile offline_access' },
});

describe('at rest', () => {
  it('keeps no id, user code, account, grant id or uid readable, and still finds by each look-up', async () => {
    await adapter('DeviceCode').upsert(DEVICE_CODE, devicePayload(DEVICE_CODE, USER_CODE), 600);
    await adapter('Session').upsert('session-cookie-value', { uid: 'session-uid-1', accountId: 'demo-admin', kind: 'Session' }, 600);
    const stored = JSON.stringify(rows());
    for (const secret of [
      DEVICE_CODE,
      USER_CODE,
      'demo-analyst',
      'demo-admin',
      'grant-1',
      'session-uid-1',
      'session-cookie-value',
      'offline_access',
    ]) {
      expect(stored).not.toContain(secret);
    }
    expect(await adapter('DeviceCode').findByUserCode(USER_CODE)).toMatchObject({ jti: DEVICE_CODE, accountId: 'demo-analyst' });
    expect(await adapter('DeviceCode').find(DEVICE_CODE)).toMatchObject({ userCode: USER_CODE });
    expect(await adapter('Session').findByUid('session-uid-1')).toMatchObject({ accountId: 'demo-admin' });
    await adapter('DeviceCode').revokeByGrantId('grant-1');
    expect(await adapter('DeviceCode').find(DEVICE_CODE)).toBeUndefined();
  });

  it('encrypts each save afresh: the same payload saved twice is stored differently', async () => {
    await adapter('Grant').upsert('g', { accountId: 'demo-analyst', kind: 'Grant' }, 600);
    const first = row('Grant', 'g').payload;
    await adapter('Grant').upsert('g', { accountId: 'demo-analyst', kind: 'Grant' }, 600);
    expect(row('Grant', 'g').payload).not.toBe(first);
  });
});

describe('someone who can write the database', () => {
  it('cannot change a sealed payload: a flipped byte is an artifact that does not exist', async () => {
    await adapter('Grant').upsert('g', { accountId: 'demo-analyst', kind: 'Grant' }, 600);
    const stored = JSON.parse(row('Grant', 'g').payload) as { sealed: string };
    const parts = stored.sealed.split('.');
    const body = Buffer.from(parts[2], 'base64url');
    body[0] ^= 1;
    parts[2] = body.toString('base64url');
    raw
      .prepare('UPDATE oidc_artifacts SET payload = ? WHERE id = ?')
      .run(JSON.stringify({ ...stored, sealed: parts.join('.') }), artifactKey('g'));
    expect(await adapter('Grant').find('g')).toBeUndefined();
  });

  it('cannot write a payload of its own (as stored before sealing): it is not found', async () => {
    raw
      .prepare("INSERT INTO oidc_artifacts (model, id, payload) VALUES ('Grant', ?, ?)")
      .run(artifactKey('forged'), JSON.stringify({ accountId: 'demo-admin' }));
    expect(await adapter('Grant').find('forged')).toBeUndefined();
  });

  it("cannot move a sealed payload to another row or model (an admin's grant under the attacker's id)", async () => {
    await adapter('Grant').upsert('admins-grant', { accountId: 'demo-admin', kind: 'Grant' }, 600);
    await adapter('Grant').upsert('attackers-grant', { accountId: 'demo-analyst', kind: 'Grant' }, 600);
    const admins = row('Grant', 'admins-grant').payload;
    raw.prepare('UPDATE oidc_artifacts SET payload = ? WHERE id = ?').run(admins, artifactKey('attackers-grant'));
    expect(await adapter('Grant').find('attackers-grant')).toBeUndefined();
    raw.prepare("UPDATE oidc_artifacts SET model = 'Session' WHERE id = ?").run(artifactKey('admins-grant'));
    expect(await adapter('Session').find('admins-grant')).toBeUndefined();
  });

  it("cannot point a victim's user code at the attacker's device code (copying the look-up column)", async () => {
    await adapter('DeviceCode').upsert('attackers-device-code', devicePayload('attackers-device-code', 'XXXXXXXX', 'g-a'), 600);
    await adapter('DeviceCode').upsert('victims-device-code', devicePayload('victims-device-code', 'VVVVVVVV', 'g-v'), 600);
    const victimsColumn = row('DeviceCode', 'victims-device-code').user_code;
    raw.prepare("UPDATE oidc_artifacts SET user_code = 'moved' WHERE id = ?").run(artifactKey('victims-device-code'));
    raw.prepare('UPDATE oidc_artifacts SET user_code = ? WHERE id = ?').run(victimsColumn, artifactKey('attackers-device-code'));
    expect(await adapter('DeviceCode').findByUserCode('VVVVVVVV')).toBeUndefined();
  });
});

describe('use once', () => {
  it('lets only one of two redemptions at the same moment use a code; the other is refused as invalid_grant', async () => {
    await adapter('AuthorizationCode').upsert('code-1', { kind: 'AuthorizationCode', grantId: 'g' }, 60);
    const results = await Promise.allSettled([
      adapter('AuthorizationCode').consume('code-1'),
      adapter('AuthorizationCode').consume('code-1'),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((result) => result.status === 'rejected')).toMatchObject({ reason: { error: 'invalid_grant' } });
    expect(await adapter('AuthorizationCode').find('code-1')).toMatchObject({ consumed: expect.any(Number) });
  });
});

describe('ended grants', () => {
  it('reports a grant once when oidc-provider revokes its tokens and destroys it together, and on each later end', async () => {
    await Promise.all([
      adapter('AccessToken').revokeByGrantId('grant-x'),
      adapter('RefreshToken').revokeByGrantId('grant-x'),
      adapter('AuthorizationCode').revokeByGrantId('grant-x'),
      adapter('DeviceCode').revokeByGrantId('grant-x'),
      adapter('Grant').destroy('grant-x'),
    ]);
    expect(ended).toEqual(['grant-x']);
    await adapter('Grant').destroy('grant-y');
    expect(ended).toEqual(['grant-x', 'grant-y']);
  });

  it('does not report anything for other models being destroyed (a used code, a finished interaction)', async () => {
    await adapter('AuthorizationCode').destroy('code');
    await adapter('Interaction').destroy('interaction');
    expect(ended).toEqual([]);
  });
});
