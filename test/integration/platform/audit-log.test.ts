// The audit log in the platform's SQLite store: events are chained by sha256 over canonical JSON, the chain
// verifies, any edit breaks it, and the database itself refuses updates and deletes.
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashAuditEvent, verifyAuditChain } from '../../../src/platform/audit/audit-log.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { openMetadataStore, type MetadataStore } from '../../../src/platform/store/metadata-store.ts';

let dir: string;
let file: string;
let store: MetadataStore;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-audit-'));
  file = path.join(dir, 'metadata.sqlite');
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  store = await openMetadataStore({ file, seed: { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) } });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the audit log', () => {
  it('numbers events from 1 and chains each to the one before, starting from the genesis hash', async () => {
    const first = await store.audit.append({ type: 'auth.sign_in', actor: 'demo-analyst', outcome: 'success', details: { username: 'demo-analyst', method: 'password' } });
    const second = await store.audit.append({ type: 'auth.sign_in', actor: null, outcome: 'failure', details: { username: 'mallory', reason: 'wrong_credentials' } });
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, details: '{"method":"password","username":"demo-analyst"}' });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, actor: null, outcome: 'failure' });
    expect(hashAuditEvent(second)).toBe(second.hash);
    expect(verifyAuditChain(await store.audit.list())).toBeNull();
  });

  it('keeps the chain whole when many events are appended at once', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.audit.append({ type: 'session.locked', actor: `u${i}`, outcome: 'success', details: { i } })));
    const events = await store.audit.list();
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(verifyAuditChain(events)).toBeNull();
  });

  it('shows where the chain breaks when an event is edited, removed or reordered', async () => {
    for (const type of ['a', 'b', 'c']) await store.audit.append({ type: `test.${type}`, actor: null, outcome: 'success', details: {} });
    const events = await store.audit.list();
    expect(verifyAuditChain([events[0]!, { ...events[1]!, actor: 'someone-else' }, events[2]!])).toBe(2);
    expect(verifyAuditChain([events[0]!, events[2]!])).toBe(3);
    expect(verifyAuditChain([events[1]!, events[0]!, events[2]!])).toBe(2);
  });

  it('cannot be changed or deleted, even with SQL straight to the database', async () => {
    await store.audit.append({ type: 'auth.sign_in', actor: 'demo-admin', outcome: 'success', details: {} });
    const raw = new DatabaseSync(file);
    try {
      expect(() => raw.prepare("UPDATE audit_events SET actor = 'nobody'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    expect((await store.audit.list())[0]?.actor).toBe('demo-admin');
  });
});

describe('demo credentials in the store', () => {
  it('keeps a scrypt hash for each demo user, never the password', async () => {
    const hash = await store.getPasswordHash('demo-analyst');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    const raw = new DatabaseSync(file, { readOnly: true });
    const dump = JSON.stringify(raw.prepare('SELECT * FROM credentials').all());
    raw.close();
    for (const password of ['ada-demo-pass', 'ben-demo-pass', 'chloe-demo-pass', 'chidi-demo-pass', 'dana-demo-pass']) expect(dump).not.toContain(password);
  });
});
