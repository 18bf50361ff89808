// The revocation list on a real (migrated) SQLite store and a fake clock: a key refuses until its expiry and not
// after, revoking again keeps the later expiry, and expired entries are removed, so the list stays small.
import { DatabaseSync } from 'node:sqlite';
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../../src/platform/store/migrations.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import { createRevocationList, revocationKey, type RevocationList } from '../../../src/platform/store/revocations.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';

let raw: DatabaseSync;
let db: Kysely<MetadataDatabase>;
let now: number;
let list: RevocationList;

beforeEach(async () => {
  raw = new DatabaseSync(':memory:');
  db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(raw) });
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  expect(error).toBeUndefined();
  now = 1_800_000_000;
  list = createRevocationList(db, () => now);
});

afterEach(async () => {
  await db.destroy();
});

const stored = () => (raw.prepare('SELECT key FROM revoked_tokens ORDER BY key').all() as Array<{ key: string }>).map((row) => row.key);

describe('the revocation list', () => {
  it('refuses a key until its expiry, then no longer', async () => {
    await list.revoke({ keys: [revocationKey.grant('g1')], expiresAt: now + 126 });
    expect(await list.anyRevoked([revocationKey.token('t'), revocationKey.grant('g1')])).toBe(true);
    expect(await list.anyRevoked([revocationKey.token('t'), revocationKey.grant('g2')])).toBe(false);
    now += 126;
    expect(await list.anyRevoked([revocationKey.grant('g1')])).toBe(true);
    now += 1;
    expect(await list.anyRevoked([revocationKey.grant('g1')])).toBe(false);
  });

  it('keeps the later expiry when a key is revoked twice', async () => {
    await list.revoke({ keys: ['sid:s'], expiresAt: now + 300 });
    await list.revoke({ keys: ['sid:s'], expiresAt: now + 10 });
    now += 200;
    expect(await list.anyRevoked(['sid:s'])).toBe(true);
  });

  it('removes expired entries as new ones are added, so it holds only what can still refuse a token', async () => {
    await list.revoke({ keys: ['grant:old-1', 'grant:old-2'], expiresAt: now + 60 });
    now += 61;
    await list.revoke({ keys: ['grant:new'], expiresAt: now + 60 });
    expect(stored()).toEqual(['grant:new']);
  });
});
