// The platform's project-scoped routes under the data-sharing agreements (issue 15): `serve` seeds DIR/agreements from
// the demo's agreements (0600 in 0700, versions kept under the data folder), every project-scoped route refuses when
// the project's agreement is not in force or the caller is not in force in it, with the standing's message, and an
// edit to a file takes effect without a restart, recorded in the audit log (`agreement.changed`, `agreement.refused`).
// SATRE 1.5.04, 1.4.02 (project access is granted per project, for approved people, and withdrawn when approval lapses).
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorValueSchema } from '../../../src/common/errors.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { bearerFor, createPlatformFixture, lapseAnalystTraining, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

let fixture: PlatformFixture;
let server: PlatformServer;
let ada: { authorization: string };

beforeEach(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  ada = await bearerFor(fixture.dataDir, 'demo-analyst');
});

afterEach(async () => {
  await server?.close();
  await fixture?.cleanup();
});

const agreementFile = (projectId: string) => path.join(fixture.dataDir, 'agreements', `${projectId}.json`);

type AgreementJson = Record<string, unknown> & { members: Array<Record<string, unknown>> };

async function editAgreement(projectId: string, edit: (agreement: AgreementJson) => void): Promise<void> {
  const agreement = JSON.parse(await readFile(agreementFile(projectId), 'utf8')) as AgreementJson;
  edit(agreement);
  await writeFile(agreementFile(projectId), JSON.stringify(agreement, null, 2));
  await server.agreements.reload();
}

const ROUTES = [
  '/api/v1/projects/covid-outcomes/catalogue',
  '/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=5',
  '/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=5&format=parquet',
];

/** Every project-scoped route answers 403 with this message. */
async function expectRefused(message: string | RegExp): Promise<void> {
  for (const url of ROUTES) {
    const response = await server.app.inject({ method: 'GET', url, headers: ada });
    expect(response.statusCode, url).toBe(403);
    const error = ErrorValueSchema.parse(response.json<{ error: unknown }>().error);
    expect(error.code).toBe('forbidden');
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  }
}

async function expectNotFound(): Promise<void> {
  for (const url of ROUTES) {
    const response = await server.app.inject({ method: 'GET', url, headers: ada });
    expect(response.statusCode, url).toBe(404);
    expect(ErrorValueSchema.parse(response.json<{ error: unknown }>().error).code).toBe('not_found');
  }
}

async function expectAllowed(): Promise<void> {
  for (const url of ROUTES) expect((await server.app.inject({ method: 'GET', url, headers: ada })).statusCode, url).toBe(200);
}

function auditEvents(type: string): Array<{ outcome: string; details: Record<string, unknown> }> {
  const raw = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    const rows = raw.prepare('SELECT outcome, details FROM audit_events WHERE type = ? ORDER BY seq').all(type) as Array<{
      outcome: string;
      details: string;
    }>;
    return rows.map((row) => ({ outcome: row.outcome, details: JSON.parse(row.details) as Record<string, unknown> }));
  } finally {
    raw.close();
  }
}

const dayFromToday = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('serve opens the agreements', () => {
  it('seeds DIR/agreements from the demo agreements, private, with versions kept under the data folder', async () => {
    expect((await readdir(path.join(fixture.dataDir, 'agreements'))).sort()).toEqual([
      'cardio-admissions.json',
      'covid-outcomes.json',
      'opt-out-monitoring.json',
    ]);
    expect((await stat(path.join(fixture.dataDir, 'agreements'))).mode & 0o777).toBe(0o700);
    expect((await stat(agreementFile('covid-outcomes'))).mode & 0o777).toBe(0o600);
    const versions = path.join(fixture.dataDir, 'agreement-versions', 'versions.json');
    expect((await stat(versions)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(versions))).mode & 0o777).toBe(0o700);
    expect(server.agreements.all().map((entry) => [entry.projectId, entry.version])).toEqual(
      expect.arrayContaining([
        ['covid-outcomes', 1],
        ['cardio-admissions', 1],
        ['opt-out-monitoring', 1],
      ]),
    );
    expect(auditEvents('agreement.changed').map((event) => event.details.projectId)).toEqual(
      expect.arrayContaining(['covid-outcomes', 'cardio-admissions', 'opt-out-monitoring']),
    );
  });

  it('keeps an existing folder as the data manager left it, and versions across a restart', async () => {
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.rowCap = 1000;
    });
    expect(server.agreements.get('covid-outcomes')?.version).toBe(2);
    await server.close();
    server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
    expect(server.agreements.get('covid-outcomes')).toMatchObject({ version: 2, agreement: { rowCap: 1000 } });
  });
});

describe('a project-scoped route refuses, with the standing as its message', () => {
  it('when the agreement has no DPIA reference', async () => {
    await expectAllowed();
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.dpiaReference = null;
    });
    await expectRefused(
      'COVID-19 outcomes cannot start: its agreement has no data protection impact assessment reference. Ask the data manager to add it.',
    );
  });

  it('when the agreement has expired', async () => {
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.start = '2020-01-01';
      agreement.expires = '2021-03-31';
      for (const member of agreement.members) {
        member.start = '2020-01-01';
        member.end = '2021-03-31';
      }
    });
    await expectRefused('The agreement for COVID-19 outcomes expired on 2021-03-31: ask the data manager to renew it.');
  });

  it('when the agreement has not started', async () => {
    const start = dayFromToday(30);
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.start = start;
    });
    await expectRefused(`The agreement for COVID-19 outcomes starts on ${start}.`);
  });

  // The agreement is the one source of membership: without one, nobody is a member, and the project is not disclosed.
  it('when there is no agreement at all (its file removed): deny by default, as for a project that does not exist', async () => {
    await rm(agreementFile('covid-outcomes'));
    await server.agreements.reload();
    await expectNotFound();
    expect(auditEvents('agreement.changed').at(-1)?.details).toMatchObject({ projectId: 'covid-outcomes', withdrawn: true });
  });

  it('when the caller is not a member in the agreement: the same 404 as a missing project, and gone from their list', async () => {
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.members = [];
    });
    await expectNotFound();
    const listed = await server.app.inject({ method: 'GET', url: '/api/v1/projects', headers: ada });
    expect(listed.json<Array<{ id: string }>>().map((project) => project.id)).toEqual(['cardio-admissions']);
  });

  it("when the caller's membership has ended", async () => {
    const end = dayFromToday(-2);
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.members[0].start = '2026-01-01' < end ? '2026-01-01' : end;
      agreement.members[0].end = end;
    });
    await expectRefused(`Your membership of COVID-19 outcomes ended on ${end}.`);
  });

  it("when the caller's training on the platform's records has lapsed, naming the course (training_required)", async () => {
    const lapsed = dayFromToday(-1);
    await lapseAnalystTraining({ app: server.app, dataDir: fixture.dataDir, userId: 'demo-analyst', expires: lapsed });
    for (const url of ROUTES) {
      const response = await server.app.inject({ method: 'GET', url, headers: await bearerFor(fixture.dataDir, 'demo-analyst') });
      expect(response.statusCode, url).toBe(403);
      expect(ErrorValueSchema.parse(response.json<{ error: unknown }>().error)).toEqual({
        code: 'training_required',
        message: `Your Annual refresher (needed for the Analyst role) expired on ${lapsed}: renew it, then ask your administrator to record it.`,
      });
    }
  });

  it('and a store member who is not a project member still gets the same 404 as a missing project', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/api/v1/projects/opt-out-monitoring/catalogue', headers: ada });
    expect(response.statusCode).toBe(404);
  });
});

describe('an edited agreement takes effect without a restart, audited', () => {
  it('is picked up by the watcher, given a new version and recorded as agreement.changed', async () => {
    const text = await readFile(agreementFile('covid-outcomes'), 'utf8');
    await writeFile(agreementFile('covid-outcomes'), text.replace('"dpiaReference": "DPIA-2026-014"', '"dpiaReference": null'));
    // No reload(): the folder is watched.
    await vi.waitFor(() => expect(server.agreements.get('covid-outcomes')?.version).toBe(2), { timeout: 10_000, interval: 50 });
    await vi.waitFor(
      () => expect(auditEvents('agreement.changed').at(-1)?.details).toMatchObject({ projectId: 'covid-outcomes', version: 2 }),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    await expectRefused(/cannot start: its agreement has no data protection impact assessment reference/);
  });

  it('refuses a bad edit, keeps the last good version in force, and records agreement.refused', async () => {
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.treatments = { patients: { nhs_number: { treatment: 'keep' } } };
    });
    expect(server.agreements.get('covid-outcomes')?.version).toBe(1);
    expect(server.agreements.problems().get('covid-outcomes')?.message).toMatch(/nhs_number/);
    const refused = auditEvents('agreement.refused').at(-1);
    expect(refused).toMatchObject({ outcome: 'failure', details: { projectId: 'covid-outcomes', file: 'covid-outcomes.json' } });
    expect(String(refused?.details.problems)).toMatch(/nhs_number/);
    await expectAllowed();
  });
});
