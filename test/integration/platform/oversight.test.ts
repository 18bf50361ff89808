// Oversight (issue 18): the usage report and the access report equal a scripted fixture's activity (both read from the
// audit log for a time range): queries, samples, catalogue reads, drive writes and reads, and a release request submitted,
// released by a checker and exported by its author and by another member; the usage report's drive use against quota is
// the drive store's now, and says so; the access report comes as CSV from the same route; the security review lists attempts by suspended accounts, records a review as an audit
// event and starts the next one after it; the expiries panel names agreements, DPIA reviews and training due soon.
// SATRE 2.2.13 (usage data recorded), 2.5.03 (security logs reviewed),
// 1.4.02 (time-limited requirements checked), 1.6.04 (training records tied to roles), 2.6.04 (incidents).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleasedOutputSchema, type RequestDetail } from '../../../src/common/airlock.ts';
import { DriveInfoSchema, type DriveInfo } from '../../../src/common/drives.ts';
import { accessReportCsv, AccessReportSchema, type AccessReport } from '../../../src/common/incidents.ts';
import { SecurityReviewSchema, USAGE_SOURCES, UsageReportSchema } from '../../../src/common/oversight.ts';
import type { PlatformServer } from '../../../src/platform/server.ts';
import { admissionsByRegion, airlockSteps, CHECKER_1, startAirlockPlatform, type AirlockPlatform } from './airlock-support.ts';
import { mintAccessToken, type PlatformFixture } from './fixture.ts';

let platform: AirlockPlatform;
let base: URL;
let fixture: PlatformFixture;
let server: PlatformServer;
let from: string;
let to: string;
/** Rows the scripted sample answered (the fixture's patients, less the opted-out). */
let sampleRows = 0;
/** cardio-admissions' drive before the script wrote to it. */
let driveBefore: DriveInfo;
/** The scripted release request, as its checker released it. */
let released: RequestDetail;
let releasedFileId: string;

const DRIVE_PROJECT = 'cardio-admissions';
const NOTES = 'region,count\nNorth,25\nEast,40\n';
const NOTES_BYTES = Buffer.byteLength(NOTES);

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

/** A WebDAV call on cardio-admissions' drive as someone, with their Bearer token (over a socket: WebDAV answers on it). */
async function dav(method: 'GET' | 'PUT', file: string, options: { as: string; body?: string }): Promise<string> {
  const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: options.as, issuedAtOffset: 2 });
  const response = await fetch(new URL(`/dav/${DRIVE_PROJECT}/${file}`, base), {
    method,
    headers: { authorization: `Bearer ${token}` },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  expect(response.status, text).toBeLessThan(300);
  return text;
}

const accessReportOf = async (subject: 'person' | 'project', id: string): Promise<AccessReport> =>
  AccessReportSchema.parse(
    (
      await ok('GET', `/api/v1/admin/access-report?subject=${subject}&id=${id}&from=${from}&to=${to}`, { as: 'demo-admin' })
    ).json<unknown>(),
  );

beforeAll(async () => {
  platform = await startAirlockPlatform();
  ({ fixture, server } = platform);
  base = new URL(await server.listen({ port: 0, host: '127.0.0.1' }));
  driveBefore = DriveInfoSchema.parse((await ok('GET', `/api/v1/drives/${DRIVE_PROJECT}`, { as: 'demo-analyst' })).json<unknown>());
  from = new Date(Date.now() - 1000).toISOString();
  // The script: one sign-in, a catalogue read, two queries answered and one refused, a sample; another analyst's
  // catalogue read; the analyst writes a file to cardio-admissions' drive and reads it, and so does the other analyst;
  // the analyst's release request is submitted, approved by both checkers, released by the first and exported by the
  // analyst and by the other analyst; an incident in which a checker is suspended, tries once, and is lifted.
  await ok('POST', '/api/v1/session-events', { as: 'demo-analyst', body: { event: 'signed_in' } });
  await ok('GET', '/api/v1/projects/covid-outcomes/catalogue', { as: 'demo-analyst' });
  expect((await query('SELECT count(*) AS n FROM patients')).statusCode).toBe(200);
  expect((await query('SELECT sex, count(*) AS n FROM patients GROUP BY sex HAVING count(*) > 100')).statusCode).toBe(200);
  expect((await query('SELECT * FROM no_such_table')).statusCode).toBe(400);
  const sample = await ok('GET', '/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=3', { as: 'demo-analyst' });
  expect(sample.statusCode).toBe(200);
  await ok('GET', '/api/v1/projects/cardio-admissions/catalogue', { as: 'demo-analyst-2' });
  await dav('PUT', 'oversight-notes.csv', { as: 'demo-analyst', body: NOTES });
  expect(await dav('GET', 'oversight-notes.csv', { as: 'demo-analyst' })).toBe(NOTES);
  expect(await dav('GET', 'oversight-notes.csv', { as: 'demo-analyst-2' })).toBe(NOTES);
  const steps = airlockSteps(platform);
  const created = await steps.create('Admissions by region for oversight');
  const submitted = await steps.submit(
    await steps.putOutput(created, { name: 'admissions.json', output: admissionsByRegion('suppressed') }),
  );
  const approved = await steps.approveAll(submitted.id);
  released = await steps.detail(CHECKER_1, `POST /requests/${approved.id}/release`, { expectedVersion: approved.version });
  expect(released.state).toBe('RELEASED');
  const ledger = ReleasedOutputSchema.array().parse(
    (await ok('GET', `/api/v1/projects/${DRIVE_PROJECT}/released`, { as: 'demo-analyst' })).json<unknown>(),
  );
  releasedFileId = ledger[0].fileId;
  await ok('GET', `/api/v1/projects/${DRIVE_PROJECT}/released/${releasedFileId}`, { as: 'demo-analyst' });
  await ok('GET', `/api/v1/projects/${DRIVE_PROJECT}/released/${releasedFileId}`, { as: 'demo-analyst-2' });
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
  await platform?.close();
});

describe('the usage report', () => {
  it('equals the scripted activity, read from the audit log for the range', async () => {
    const report = UsageReportSchema.parse(
      (await ok('GET', `/api/v1/admin/usage?from=${from}&to=${to}`, { as: 'demo-admin' })).json<unknown>(),
    );
    expect(report.people).toEqual({ byRole: { analyst: 2, output_checker: 2, admin: 1 }, byStatus: { active: 5 }, active: 1 });
    expect(report.projects).toEqual({ byState: { in_force: 3 }, total: 3 });
    const none = { driveReads: 0, driveBytesRead: 0, driveWrites: 0, driveBytesWritten: 0, requestsSubmitted: 0, requestsReleased: 0 };
    expect(report.activity).toEqual([
      // The other analyst's catalogue read; the notes written once (30 bytes) and read twice; the request submitted,
      // released (one file) and exported twice.
      {
        projectId: 'cardio-admissions',
        queries: 0,
        queriesRefused: 0,
        samples: 0,
        rows: 0,
        catalogueReads: 1,
        driveReads: 2,
        driveBytesRead: 60,
        driveWrites: 1,
        driveBytesWritten: 30,
        requestsSubmitted: 1,
        requestsReleased: 1,
        filesReleased: 1,
        exports: 2,
      },
      {
        projectId: 'covid-outcomes',
        queries: 2,
        queriesRefused: 1,
        samples: 1,
        rows: 1 + 0 + sampleRows,
        catalogueReads: 1,
        ...none,
        filesReleased: 0,
        exports: 0,
      },
    ]);
    expect(NOTES_BYTES).toBe(30);
    expect(report.incidents).toEqual({ opened: 1, closed: 0, actions: 1, openNow: 1 });
    expect(report.datasets.map((dataset) => dataset.id).sort()).toEqual(
      ['covid_tests', 'hospital_episodes', 'national_opt_outs', 'patients', 'shielded_patients'].sort(),
    );
    expect(report.datasets.every((dataset) => dataset.bytes > 0)).toBe(true);
    // Drive use against quota is the drive store's now: the demo files and the notes, against the 10 GiB default.
    expect(report.drives.map((drive) => drive.projectId)).toEqual(['cardio-admissions', 'covid-outcomes', 'opt-out-monitoring']);
    expect(report.drives[0]).toEqual({
      projectId: DRIVE_PROJECT,
      usedBytes: driveBefore.usedBytes + 30,
      quotaBytes: 10 * 1024 ** 3,
      files: driveBefore.files + 1,
    });
    expect(report.sources).toEqual(USAGE_SOURCES);
    expect(JSON.stringify(report)).not.toMatch(/not landed/);
    // Reproducible: the same range gives the same counts.
    const again = UsageReportSchema.parse(
      (await ok('GET', `/api/v1/admin/usage?from=${from}&to=${to}`, { as: 'demo-admin' })).json<unknown>(),
    );
    expect({ ...again, generatedAt: null }).toEqual({ ...report, generatedAt: null });
    // A delete is no activity the report counts, and its bytes stay in the trash (counted against the quota): the same
    // range then shows the same activity and one file fewer now.
    await ok('POST', `/api/v1/drives/${DRIVE_PROJECT}/delete`, {
      as: 'demo-analyst-2',
      body: { path: 'oversight-notes.csv', ifMatch: null },
    });
    const later = UsageReportSchema.parse(
      (await ok('GET', `/api/v1/admin/usage?from=${from}&to=${to}`, { as: 'demo-admin' })).json<unknown>(),
    );
    expect(later.activity).toEqual(report.activity);
    expect(later.drives[0]).toEqual({ ...report.drives[0], files: driveBefore.files });
  });
});

describe('the access report', () => {
  it('lists exactly what the analyst did in the range, oldest first, with the release and exports of her own request', async () => {
    const report = await accessReportOf('person', 'demo-analyst');
    const request = `“Admissions by region for oversight” (${released.id})`;
    expect(
      report.entries.map((entry) => [entry.activity, entry.type, entry.actor, entry.projectId, entry.outcome, entry.datasets, entry.bytes]),
    ).toEqual([
      ['session', 'session.signed_in', 'demo-analyst', null, 'success', [], null],
      ['catalogue', 'catalogue.read', 'demo-analyst', 'covid-outcomes', 'success', [], null],
      ['query', 'query.run', 'demo-analyst', 'covid-outcomes', 'success', ['patients'], null],
      ['query', 'query.run', 'demo-analyst', 'covid-outcomes', 'success', ['patients'], null],
      ['query', 'query.run', 'demo-analyst', 'covid-outcomes', 'failure', [], null],
      ['sample', 'sample.read', 'demo-analyst', 'covid-outcomes', 'success', ['patients'], null],
      ['drive', 'drive.write', 'demo-analyst', DRIVE_PROJECT, 'success', [], 30],
      ['drive', 'drive.read', 'demo-analyst', DRIVE_PROJECT, 'success', [], 30],
      ['output', 'airlock.create', 'demo-analyst', DRIVE_PROJECT, 'success', [], null],
      ['output', 'airlock.file_added', 'demo-analyst', DRIVE_PROJECT, 'success', [], null],
      ['output', 'airlock.submit', 'demo-analyst', DRIVE_PROJECT, 'success', [], null],
      // Released by the checker, and exported by the other analyst: her request's, so in her report.
      ['output', 'airlock.release', CHECKER_1, DRIVE_PROJECT, 'success', [], null],
      ['output', 'airlock.ledger_viewed', 'demo-analyst', DRIVE_PROJECT, 'success', [], null],
      ['output', 'airlock.download', 'demo-analyst', DRIVE_PROJECT, 'success', [], null],
      ['output', 'airlock.download', 'demo-analyst-2', DRIVE_PROJECT, 'success', [], null],
    ]);
    expect(report.entries[2].detail).toBe('SELECT count(*) AS n FROM patients');
    expect(report.entries[6].detail).toBe('oversight-notes.csv');
    expect(report.entries[7].detail).toBe('oversight-notes.csv');
    expect(report.entries[10].detail).toBe(`admissions.json · ${request}`);
    expect(report.entries[11].detail).toBe(`admissions.json · ${request}`);
    expect(report.entries[14].detail).toBe(`admissions.json · ${request}`);
    expect(report.totals).toEqual({
      byActivity: { session: 1, catalogue: 1, query: 3, sample: 1, drive: 2, output: 7 },
      rows: 1 + 0 + sampleRows,
    });
  });

  it("lists another person's own work only: her read and her export, not the release of a request she did not write", async () => {
    const report = await accessReportOf('person', 'demo-analyst-2');
    expect(report.entries.every((entry) => entry.actor === 'demo-analyst-2')).toBe(true);
    // (The usage test's delete of the notes may fall in the range: it is hers too, and not what this test reads.)
    const read = report.entries.filter((entry) => entry.activity !== 'catalogue' && entry.type !== 'drive.delete');
    expect(read.map((entry) => [entry.type, entry.detail])).toEqual([
      ['drive.read', 'oversight-notes.csv'],
      ['airlock.download', `admissions.json · “Admissions by region for oversight” (${released.id})`],
    ]);
  });

  it("lists a project's drive and output activity, whoever did it", async () => {
    const report = await accessReportOf('project', DRIVE_PROJECT);
    // (The platform's own first files of a demo drive, with no actor, may be written in the range too.)
    const drive = report.entries.filter((entry) => (entry.type === 'drive.write' || entry.type === 'drive.read') && entry.actor !== null);
    expect(drive.map((entry) => [entry.type, entry.actor, entry.detail, entry.bytes])).toEqual([
      ['drive.write', 'demo-analyst', 'oversight-notes.csv', 30],
      ['drive.read', 'demo-analyst', 'oversight-notes.csv', 30],
      ['drive.read', 'demo-analyst-2', 'oversight-notes.csv', 30],
    ]);
    const outputs = report.entries.filter((entry) => ['airlock.submit', 'airlock.release', 'airlock.download'].includes(entry.type));
    expect(outputs.map((entry) => [entry.type, entry.actor])).toEqual([
      ['airlock.submit', 'demo-analyst'],
      ['airlock.release', CHECKER_1],
      ['airlock.download', 'demo-analyst'],
      ['airlock.download', 'demo-analyst-2'],
    ]);
    // The checkers' votes and reviews are the project's output activity too.
    expect(report.entries.filter((entry) => entry.type === 'airlock.vote').map((entry) => entry.actor)).toEqual([
      CHECKER_1,
      'demo-checker-2',
    ]);
  });

  it('comes as CSV from the same route (format=csv): the same entries, offered as a file, and recorded as read (SATRE 2.2.14)', async () => {
    const url = `/api/v1/admin/access-report?subject=person&id=demo-analyst&from=${from}&to=${to}`;
    const json = AccessReportSchema.parse((await ok('GET', url, { as: 'demo-admin' })).json<unknown>());
    const csv = await ok('GET', `${url}&format=csv`, { as: 'demo-admin' });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const day = from.slice(0, 16).replaceAll('-', '').replace(':', '');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="access-report-person-demo-analyst-${day}Z.csv"`);
    expect(csv.body).toBe(accessReportCsv(json));
    const lines = csv.body.split('\r\n');
    expect(lines[0]).toBe('seq,occurredAt,activity,type,actor,projectId,datasets,rows,bytes,outcome,detail');
    expect(lines).toHaveLength(json.entries.length + 2);
    expect(lines[7]).toMatch(/^\d+,[^,]+,drive,drive\.write,demo-analyst,cardio-admissions,,,30,success,oversight-notes\.csv$/);
    const reads = await ok('GET', '/api/v1/admin/audit?type=audit.access_report', { as: 'demo-admin' });
    expect(reads.json<{ events: Array<{ details: Record<string, unknown> }> }>().events[0].details).toMatchObject({
      subject: 'person',
      id: 'demo-analyst',
      format: 'csv',
      entries: json.entries.length,
    });
  });

  it('refuses another format, and anyone but an administrator, recording nothing', async () => {
    const url = `/api/v1/admin/access-report?subject=person&id=demo-analyst&from=${from}&to=${to}`;
    const count = async () =>
      (await ok('GET', '/api/v1/admin/audit?type=audit.access_report&limit=200', { as: 'demo-admin' })).json<{ events: unknown[] }>().events
        .length;
    const before = await count();
    const xml = await call('GET', `${url}&format=xml`, { as: 'demo-admin' });
    expect(xml.statusCode).toBe(400);
    expect(xml.json<{ error: { message: string } }>().error.message).toMatch(/format must be "json" or "csv"/);
    expect((await call('GET', `${url}&format=csv`, { as: 'demo-analyst' })).statusCode).toBe(403);
    expect(await count()).toBe(before);
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
