// Oversight (issue 18): the usage report and the access report equal a scripted fixture's activity (both read from the
// audit log for a time range); the security review lists attempts by suspended accounts, records a review as an audit
// event and starts the next one after it; the expiries panel names agreements, DPIA reviews and training due soon.
// SATRE 2.2.13 (usage data recorded), 2.5.03 (security logs reviewed),
// 1.4.02 (time-limited requirements checked), 1.6.04 (training records tied to roles), 2.6.04 (incidents).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessReportSchema } from '../../../src/common/incidents.ts';
import { SecurityReviewSchema, UsageReportSchema } from '../../../src/common/oversight.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

let fixture: PlatformFixture;
let server: PlatformServer;
let from: string;
let to: string;
/** Rows the scripted sample answered (the fixture's patients, less the opted-out). */
let sampleRows = 0;

async function call(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }) {
  const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: options.as, issuedAtOffset: 2 });
  return server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

async function ok(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }) {
  const response = await call(method, url, options);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

const query = (sql: string) =>
  call('POST', '/api/v1/projects/covid-outcomes/query', { as: 'demo-analyst', body: { sql, format: 'arrow' } });

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  from = new Date(Date.now() - 1000).toISOString();
  // The script: one sign-in, a catalogue read, two queries answered and one refused, a sample; another analyst's
  // catalogue read; an incident in which a checker is suspended, tries once, and is lifted.
  await ok('POST', '/api/v1/session-events', { as: 'demo-analyst', body: { event: 'signed_in' } });
  await ok('GET', '/api/v1/projects/covid-outcomes/catalogue', { as: 'demo-analyst' });
  expect((await query('SELECT count(*) AS n FROM patients')).statusCode).toBe(200);
  expect((await query('SELECT sex, count(*) AS n FROM patients GROUP BY sex HAVING count(*) > 100')).statusCode).toBe(200);
  expect((await query('SELECT * FROM no_such_table')).statusCode).toBe(400);
  const sample = await ok('GET', '/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=3', { as: 'demo-analyst' });
  expect(sample.statusCode).toBe(200);
  await ok('GET', '/api/v1/projects/cardio-admissions/catalogue', { as: 'demo-analyst-2' });
  const incident = (
    await ok('POST', '/api/v1/admin/incidents', {
      as: 'demo-admin',
      body: { summary: 'Checker shared a screen', severity: 'medium', detectedAt: new Date().toISOString(), personalData: false },
    })
  ).json<{ id: string }>();
  const effect = (
    await ok('POST', '/api/v1/admin/actions', {
      as: 'demo-admin',
      body: { action: 'suspend_user', userId: 'demo-checker-2', incidentId: incident.id, reason: 'Shared a screen' },
    })
  ).json<{ restriction: { id: string } }>();
  expect((await call('GET', '/api/v1/me', { as: 'demo-checker-2' })).statusCode).toBe(403);
  await ok('POST', `/api/v1/admin/actions/${effect.restriction.id}/lift`, { as: 'demo-admin', body: { reason: 'Screen was blank' } });
  to = new Date(Date.now() + 1000).toISOString();
  const events = (await ok('GET', '/api/v1/admin/audit?type=sample.read', { as: 'demo-admin' })).json<{
    events: Array<{ details: { rows: number } }>;
  }>();
  sampleRows = events.events[0].details.rows;
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

describe('the usage report', () => {
  it('equals the scripted activity, read from the audit log for the range', async () => {
    const report = UsageReportSchema.parse(
      (await ok('GET', `/api/v1/admin/usage?from=${from}&to=${to}`, { as: 'demo-admin' })).json<unknown>(),
    );
    expect(report.people).toEqual({ byRole: { analyst: 2, output_checker: 2, admin: 1 }, byStatus: { active: 5 }, active: 1 });
    expect(report.projects).toEqual({ byState: { in_force: 3 }, total: 3 });
    expect(report.activity).toEqual([
      { projectId: 'cardio-admissions', queries: 0, queriesRefused: 0, samples: 0, rows: 0, catalogueReads: 1 },
      { projectId: 'covid-outcomes', queries: 2, queriesRefused: 1, samples: 1, rows: 1 + 0 + sampleRows, catalogueReads: 1 },
    ]);
    expect(report.incidents).toEqual({ opened: 1, closed: 0, actions: 1, openNow: 1 });
    expect(report.datasets.map((dataset) => dataset.id).sort()).toEqual(
      ['covid_tests', 'hospital_episodes', 'national_opt_outs', 'patients', 'shielded_patients'].sort(),
    );
    expect(report.datasets.every((dataset) => dataset.bytes > 0)).toBe(true);
    expect(report.notCounted.join(' ')).toMatch(/drives.*airlock/s);
    // Reproducible: the same range gives the same counts.
    const again = UsageReportSchema.parse(
      (await ok('GET', `/api/v1/admin/usage?from=${from}&to=${to}`, { as: 'demo-admin' })).json<unknown>(),
    );
    expect({ ...again, generatedAt: null }).toEqual({ ...report, generatedAt: null });
  });
});

describe('the access report', () => {
  it('lists exactly what the analyst did in the range, oldest first', async () => {
    const report = AccessReportSchema.parse(
      (
        await ok('GET', `/api/v1/admin/access-report?subject=person&id=demo-analyst&from=${from}&to=${to}`, { as: 'demo-admin' })
      ).json<unknown>(),
    );
    expect(report.entries.map((entry) => [entry.activity, entry.type, entry.projectId, entry.outcome, entry.datasets])).toEqual([
      ['session', 'session.signed_in', null, 'success', []],
      ['catalogue', 'catalogue.read', 'covid-outcomes', 'success', []],
      ['query', 'query.run', 'covid-outcomes', 'success', ['patients']],
      ['query', 'query.run', 'covid-outcomes', 'success', ['patients']],
      ['query', 'query.run', 'covid-outcomes', 'failure', []],
      ['sample', 'sample.read', 'covid-outcomes', 'success', ['patients']],
    ]);
    expect(report.entries[2].detail).toBe('SELECT count(*) AS n FROM patients');
    expect(report.totals).toEqual({ byActivity: { session: 1, catalogue: 1, query: 3, sample: 1 }, rows: 1 + 0 + sampleRows });
  });
});

describe('the security review', () => {
  it('lists attempts by suspended accounts, records a review as an audit event, and starts the next review after it', async () => {
    const review = SecurityReviewSchema.parse((await ok('GET', '/api/v1/admin/security-review', { as: 'demo-admin' })).json<unknown>());
    expect(review.lastReview).toBeNull();
    expect(review.overdue).toBe(true);
    expect(review.audit.intact).toBe(true);
    expect(review.suspendedAttempts).toEqual([expect.objectContaining({ type: 'access.refused', who: 'demo-checker-2' })]);
    expect(review.refusals.map((event) => event.type)).toContain('query.run');
    const recorded = SecurityReviewSchema.parse(
      (
        await ok('POST', '/api/v1/admin/security-review', {
          as: 'demo-admin',
          body: { upTo: review.headSeq, note: 'One suspended checker tried once; lifted after investigation.' },
        })
      ).json<unknown>(),
    );
    expect(recorded.lastReview).toMatchObject({
      upTo: review.headSeq,
      by: 'demo-admin',
      note: expect.stringMatching(/One suspended/) as unknown,
    });
    expect(recorded.since).toBe(review.headSeq);
    expect(recorded.overdue).toBe(false);
    expect(recorded.suspendedAttempts).toEqual([]);
    const stale = await call('POST', '/api/v1/admin/security-review', { as: 'demo-admin', body: { upTo: 1, note: 'Going back' } });
    expect(stale.statusCode).toBe(400);
  });

  it('names agreements, DPIA reviews and training that expire within 30 days', async () => {
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const file = path.join(fixture.dataDir, 'agreements', 'cardio-admissions.json');
    const agreement = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...agreement, expires: inDays(20), dpiaReviewDue: inDays(5) }, null, 2));
    await server.agreements.reload();
    await ok('POST', '/api/v1/admin/training', {
      as: 'demo-admin',
      body: {
        userId: 'demo-checker-1',
        course: 'Output Checking Training',
        completed: '2024-01-01',
        expires: inDays(10),
        evidence: 'OCT-9',
      },
    });
    // The later record on file (2028) still counts: only people whose latest expiry is near are listed.
    const review = SecurityReviewSchema.parse((await ok('GET', '/api/v1/admin/security-review', { as: 'demo-admin' })).json<unknown>());
    expect(review.expiries.agreements).toEqual(
      expect.arrayContaining([expect.objectContaining({ projectId: 'cardio-admissions', daysLeft: 20 })]),
    );
    expect(review.expiries.dpiaReviews).toEqual(
      expect.arrayContaining([expect.objectContaining({ projectId: 'cardio-admissions', daysLeft: 5 })]),
    );
    expect(review.expiries.training.find((line) => line.userId === 'demo-checker-1')).toBeUndefined();
    await ok('POST', '/api/v1/admin/training/requirements', {
      as: 'demo-admin',
      body: { role: 'output_checker', courses: ['Output Checking Training', 'Disclosure refresher'] },
    });
    await ok('POST', '/api/v1/admin/training', {
      as: 'demo-admin',
      body: { userId: 'demo-checker-1', course: 'Disclosure refresher', completed: '2025-12-01', expires: inDays(10), evidence: 'DR-1' },
    });
    const later = SecurityReviewSchema.parse((await ok('GET', '/api/v1/admin/security-review', { as: 'demo-admin' })).json<unknown>());
    expect(later.expiries.training).toEqual(
      expect.arrayContaining([
        { userId: 'demo-checker-1', displayName: 'Chloe Checker', course: 'Disclosure refresher', expires: inDays(10), daysLeft: 10 },
        expect.objectContaining({ userId: 'demo-checker-2', course: 'Disclosure refresher', expires: null, daysLeft: null }),
      ]),
    );
  });
});
