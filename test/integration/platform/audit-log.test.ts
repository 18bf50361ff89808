// The audit log in the platform's SQLite store: events are sealed with HMAC-SHA-256 under the audit key (kept
// outside the database) over canonical JSON and chained, every append is anchored outside the database, the log
// verifies, and the database itself refuses updates, deletes and any insert but the next event.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditEvent, macAuditEvent } from '../../../src/platform/audit/audit-log.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { openPlatformRecords, type PlatformRecords } from '../../../src/platform/records.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';

let dir: string;
let file: string;
let records: PlatformRecords;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-audit-'));
  file = path.join(dir, 'metadata.sqlite');
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  records = await openPlatformRecords({ file, seed: { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) } });
});

afterEach(async () => {
  await records.close();
  await rm(dir, { recursive: true, force: true });
});

async function auditKey(): Promise<Buffer> {
  const { key } = JSON.parse(await readFile(path.join(dir, 'identity', 'audit-key.json'), 'utf8')) as { key: string };
  return Buffer.from(key, 'base64url');
}

describe('the audit log', () => {
  it('numbers events from 1 and seals each with the audit key, chained to the one before from the genesis hash', async () => {
    const first = await records.audit.append({
      type: 'auth.sign_in',
      actor: 'demo-analyst',
      outcome: 'success',
      details: { username: 'demo-analyst', method: 'password' },
    });
    const second = await records.audit.append({
      type: 'auth.sign_in',
      actor: null,
      outcome: 'failure',
      details: { username: 'mallory', reason: 'wrong_credentials' },
    });
    expect(first).toMatchObject({
      seq: 1,
      prevHash: GENESIS_HASH,
      chain: 'hmac-sha256',
      details: '{"method":"password","username":"demo-analyst"}',
    });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, actor: null, outcome: 'failure' });
    // A MAC under the key, not a hash anyone with the database could recompute.
    expect(macAuditEvent(await auditKey(), second)).toBe(second.hash);
    expect(hashAuditEvent(second)).not.toBe(second.hash);
    const raw = new DatabaseSync(file, { readOnly: true });
    expect(raw.prepare('SELECT DISTINCT chain FROM audit_events').all()).toEqual([{ chain: 'hmac-sha256' }]);
    expect(JSON.stringify(raw.prepare('SELECT * FROM sqlite_master').all())).not.toContain((await auditKey()).toString('base64url'));
    raw.close();
    expect(await records.audit.verify()).toMatchObject({ intact: true, events: 2, head: { seq: 2, hash: second.hash } });
  });

  it('keeps the key outside the database and private, 32 random bytes', async () => {
    const keyFile = path.join(dir, 'identity', 'audit-key.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'identity'))).mode & 0o777).toBe(0o700);
    expect((await auditKey()).length).toBe(32);
  });

  it('anchors every append outside the database, with a MAC, in a private append-only file', async () => {
    const events = [];
    for (const type of ['a', 'b', 'c'])
      events.push(await records.audit.append({ type: `test.${type}`, actor: null, outcome: 'success', details: {} }));
    const anchorFile = path.join(dir, 'identity', 'audit-anchor.jsonl');
    expect((await stat(anchorFile)).mode & 0o777).toBe(0o600);
    const lines = (await readFile(anchorFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; hash: string; mac: string });
    expect(lines.map(({ seq, hash }) => ({ seq, hash }))).toEqual(events.map(({ seq, hash }) => ({ seq, hash })));
    for (const line of lines) expect(line.mac).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the chain whole when many events are appended at once', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        records.audit.append({ type: 'session.locked', actor: `u${i}`, outcome: 'success', details: { i } }),
      ),
    );
    const events = await records.audit.list();
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await records.audit.verify()).toMatchObject({ intact: true, events: 25 });
  });

  it('cannot be changed or deleted, even with SQL straight to the database', async () => {
    await records.audit.append({ type: 'auth.sign_in', actor: 'demo-admin', outcome: 'success', details: {} });
    const raw = new DatabaseSync(file);
    try {
      expect(() => raw.prepare("UPDATE audit_events SET actor = 'nobody'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
      // REPLACE's implicit delete fires no delete trigger: the insert trigger refuses anything but the next event.
      expect(() =>
        raw
          .prepare(
            "INSERT OR REPLACE INTO audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash) SELECT seq, occurred_at, type, 'nobody', outcome, details, prev_hash, hash FROM audit_events WHERE seq = 1",
          )
          .run(),
      ).toThrow(/takes only the next event/);
      expect(() =>
        raw
          .prepare(
            "INSERT INTO audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash) VALUES (5, 'x', 'x', NULL, 'success', '{}', 'x', 'y')",
          )
          .run(),
      ).toThrow(/takes only the next event/);
    } finally {
      raw.close();
    }
    expect((await records.audit.list())[0]?.actor).toBe('demo-admin');
  });
});

describe('demo credentials in the store', () => {
  it('keeps a scrypt hash for each demo user, never the password', async () => {
    const hash = await records.store.getPasswordHash('demo-analyst');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    const raw = new DatabaseSync(file, { readOnly: true });
    const dump = JSON.stringify(raw.prepare('SELECT * FROM credentials').all());
    raw.close();
    for (const password of ['ada-demo-pass', 'ben-demo-pass', 'chloe-demo-pass', 'chidi-demo-pass', 'dana-demo-pass'])
      expect(dump).not.toContain(password);
  });
});
