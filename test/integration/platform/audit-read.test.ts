// The admins read the platform's audit log (issue 15): newest first, a page at a time, filtered by user, project (the
// project the event's details name), type (a prefix such as "query.") and time; every other role is refused. A query's
// event comes back with everything it recorded (project, agreement version, SQL, datasets read, rows, duration, role).
// A row an attacker damaged in the database does not stop the log being read. SATRE 2.5.03 (audit records are kept and
// reviewed by the people who run the TRE).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditPageSchema, type AuditEventView, type AuditPage } from '../../../src/common/agreement-views.ts';
import { ErrorValueSchema } from '../../../src/common/errors.ts';
import { openAuditLog, type AuditLog } from '../../../src/platform/audit/audit-log.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { openSqliteDatabase } from '../../../src/platform/store/metadata-store.ts';
import { Kysely } from 'kysely';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';
import { auditDirIn, tamper, type AuditDir } from './audit-support.ts';
import { bearerFor, createPlatformFixture, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

let fixture: PlatformFixture;
let server: PlatformServer;
let dir: AuditDir;
/** A second writer on the platform's log (as a CLI command beside `serve` is), with a clock the test sets. */
let writer: { audit: AuditLog; close(): Promise<void> };
let clock = new Date('2026-03-02T09:00:00.000Z');

/** How many filler events page the log. */
const BULK = 230;

const QUERY_DETAILS = {
  projectId: 'covid-outcomes',
  agreementVersion: 1,
  sql: 'SELECT admission_method, count(*) AS n FROM hospital_episodes GROUP BY admission_method',
  relations: ['hospital_episodes'],
  rows: 3,
  durationMs: 41,
  role: 'analyst',
};

async function at(iso: string, event: Parameters<AuditLog['append']>[0]): Promise<void> {
  clock = new Date(iso);
  await writer.audit.append(event);
}

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  dir = auditDirIn(fixture.dataDir);
  const db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(openSqliteDatabase(dir.file)) });
  writer = { audit: await openAuditLog({ db, folder: dir.folder, now: () => clock }), close: () => db.destroy() };

  await at('2026-03-01T09:00:00.000Z', { type: 'query.run', actor: 'demo-analyst', outcome: 'success', details: QUERY_DETAILS });
  await at('2026-03-01T10:00:00.000Z', {
    type: 'query.run',
    actor: 'demo-analyst-2',
    outcome: 'success',
    details: {
      ...QUERY_DETAILS,
      projectId: 'opt-out-monitoring',
      sql: 'SELECT count(*) FROM national_opt_outs',
      relations: ['national_opt_outs'],
    },
  });
  await at('2026-03-01T11:00:00.000Z', {
    type: 'query.refused',
    actor: 'demo-analyst',
    outcome: 'failure',
    details: { projectId: 'covid-outcomes', agreementVersion: 1, sql: 'SELECT * FROM duckdb_settings()', reason: 'table functions' },
  });
  await at('2026-03-01T12:00:00.000Z', {
    type: 'session.signed_in',
    actor: 'demo-analyst',
    outcome: 'success',
    details: { role: 'analyst' },
  });
  // "_" in a prefix is a character, not a wildcard: this one must not match "session.signed_".
  await at('2026-03-01T12:30:00.000Z', { type: 'session.signedxin', actor: 'demo-analyst', outcome: 'success', details: {} });
  await at('2026-03-01T13:00:00.000Z', {
    type: 'auth.sign_in',
    actor: null,
    outcome: 'failure',
    details: { username: 'demo-analyst', clientId: 'enclave-workstation', reason: 'wrong_credentials' },
  });
  for (let i = 0; i < BULK; i++) {
    await at(new Date(Date.parse('2026-03-02T00:00:00.000Z') + i * 60_000).toISOString(), {
      type: 'test.bulk',
      actor: 'demo-checker-1',
      outcome: 'success',
      details: { i },
    });
  }
}, 120_000);

afterAll(async () => {
  await writer?.close();
  await server?.close();
  await fixture?.cleanup();
});

async function read(query: string, userId = 'demo-admin') {
  return server.app.inject({ method: 'GET', url: `/api/v1/admin/audit${query}`, headers: await bearerFor(fixture.dataDir, userId) });
}

async function page(query: string): Promise<AuditPage> {
  const response = await read(query);
  expect(response.statusCode, response.body).toBe(200);
  return AuditPageSchema.parse(response.json());
}

/** Every event the filter finds, following the pages back to the oldest. */
async function everything(filter: string): Promise<AuditEventView[]> {
  const events: AuditEventView[] = [];
  let before: number | null = null;
  for (;;) {
    const query = new URLSearchParams(filter);
    if (before !== null) query.set('before', String(before));
    const next = await page(`?${query.toString()}`);
    events.push(...next.events);
    if (next.older === null) return events;
    before = next.older;
  }
}

const types = (events: readonly AuditEventView[]) => events.map((event) => event.type);

describe('the audit log, read by an admin', () => {
  it('answers the newest events first, 100 to a page, with the number to ask for the older ones', async () => {
    const first = await page('');
    expect(first.events).toHaveLength(100);
    const seqs = first.events.map((event) => event.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(first.older).toBe(seqs.at(-1));

    const second = await page(`?before=${first.older}`);
    expect(second.events[0].seq).toBe(seqs.at(-1)! - 1);
  });

  it('pages back through every event exactly once, to the oldest, and then says there are no more', async () => {
    const all = await everything('limit=37');
    const seqs = all.map((event) => event.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs.at(-1)).toBe(1);
    expect(seqs[0]).toBe(seqs.length);
    // The platform's own events from its start are there too, under the filler.
    expect(types(all)).toEqual(expect.arrayContaining(['agreement.changed', 'query.run', 'test.bulk']));
  });

  it('gives a query event everything it recorded: project, agreement version, SQL, datasets read, rows, duration, role', async () => {
    const [newest] = (await page('?type=query.run&actor=demo-analyst')).events;
    expect(newest).toMatchObject({ type: 'query.run', actor: 'demo-analyst', outcome: 'success', occurredAt: '2026-03-01T09:00:00.000Z' });
    expect(newest.details).toEqual(QUERY_DETAILS);
  });

  it('filters by type prefix: "query." finds every query event and nothing else', async () => {
    const found = await everything('type=query.');
    expect(types(found)).toEqual(['query.refused', 'query.run', 'query.run']);
  });

  it('reads "_" in a type prefix as itself, not as a wildcard', async () => {
    expect(types(await everything('type=session.signed_'))).toEqual(['session.signed_in']);
  });

  it("filters by project: the project named in each event's details", async () => {
    const found = await everything('project=covid-outcomes');
    expect(found.every((event) => event.details.projectId === 'covid-outcomes')).toBe(true);
    expect(types(found)).toEqual(expect.arrayContaining(['query.refused', 'query.run', 'agreement.changed']));
    expect(found.some((event) => event.actor === 'demo-analyst-2')).toBe(false);
  });

  it('filters by user: what they did, and the failed sign-ins made with their username', async () => {
    const found = await everything('actor=demo-analyst');
    expect(types(found)).toEqual(['auth.sign_in', 'session.signedxin', 'session.signed_in', 'query.refused', 'query.run']);
    expect(found[0]).toMatchObject({ actor: null, outcome: 'failure', details: { username: 'demo-analyst' } });
  });

  it('filters by time: from (inclusive) to (exclusive)', async () => {
    const found = await everything('from=2026-03-01T10:00:00Z&to=2026-03-01T12:00:00Z');
    expect(found.map((event) => event.occurredAt)).toEqual(['2026-03-01T11:00:00.000Z', '2026-03-01T10:00:00.000Z']);
    // An offset is a moment like any other: 11:00+01:00 is 10:00Z.
    const offset = await everything('from=2026-03-01T11:00:00%2B01:00&to=2026-03-01T10:00:01Z');
    expect(offset.map((event) => event.occurredAt)).toEqual(['2026-03-01T10:00:00.000Z']);
  });

  it('combines filters: every condition must hold', async () => {
    const found = await everything('actor=demo-analyst&project=covid-outcomes&type=query.&from=2026-03-01T10:30:00Z');
    expect(types(found)).toEqual(['query.refused']);
    expect(found[0].details.sql).toBe('SELECT * FROM duckdb_settings()');
  });

  it('finds nothing, with no older page, when nothing matches', async () => {
    expect(await page('?actor=nobody-at-all')).toEqual({ events: [], older: null });
  });

  it('refuses a bad filter, naming the parameter, and echoes none of it', async () => {
    const cases: Array<[string, RegExp]> = [
      ['?type=QUERY.', /^type must be an event type/],
      ['?project=../../etc', /^project must be a project id/],
      ['?from=yesterday', /^from must be a date and time/],
      ['?limit=0', /^limit must be a whole number from 1 to 500/],
      ['?limit=501', /^limit must be a whole number from 1 to 500/],
      ['?before=-3', /^before must be the number of an event/],
      ['?user=demo-analyst', /^Unknown query parameter/],
      ['?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', /ends before it starts/],
    ];
    for (const [query, message] of cases) {
      const response = await read(query);
      expect(response.statusCode, query).toBe(400);
      const error = ErrorValueSchema.parse(response.json<{ error: unknown }>().error);
      expect(error.message, query).toMatch(message);
      expect(error.message).not.toContain('etc');
    }
  });
});

describe('the audit log, refused', () => {
  it('to analysts and output checkers, whatever the filter', async () => {
    for (const userId of ['demo-analyst', 'demo-analyst-2', 'demo-checker-1']) {
      const response = await read('?actor=demo-analyst', userId);
      expect(response.statusCode, userId).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
  });
});

describe('a damaged row', () => {
  it('does not stop the log being read: its details say they are unreadable, and it matches no detail filter', async () => {
    const [last] = (await page('?limit=1')).events;
    tamper(dir, (raw) => {
      const [previous] = raw.rows().slice(-1);
      raw.insert({
        ...previous,
        seq: last.seq + 1,
        type: 'query.run',
        details: '{"projectId": "covid-outcomes", not json',
        prev_hash: previous.hash,
        hash: randomBytes(32).toString('hex'),
      });
    });
    const [damaged] = (await page('?limit=1')).events;
    expect(damaged.seq).toBe(last.seq + 1);
    expect(damaged.details).toEqual({ unreadable: 'The details of this event are not readable. Run `enclave audit verify`.' });
    const byProject = await everything('project=covid-outcomes');
    expect(byProject.some((event) => event.seq === damaged.seq)).toBe(false);
  });
});
