// The agreements as people read them (issue 15): a project's members read its agreement (who may see what, in the
// catalogue's own words, with its row conditions, members and dates) under the same check as the catalogue, and the
// admins list every agreement the platform knows, with its standing today and each refused file's problems located
// by file, line and field. Everything is read-only: the agreements are files the admin edits.
// SATRE 1.5.04 (who may access which data, and why, is recorded and visible to the people it concerns).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgreementsOverviewSchema,
  AgreementViewSchema,
  type AgreementsOverview,
  type AgreementView,
} from '../../../src/common/agreement-views.ts';
import { CatalogueSchema } from '../../../src/common/contract.ts';
import { ErrorValueSchema } from '../../../src/common/errors.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { bearerFor, createPlatformFixture, lapseAnalystTraining, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

let fixture: PlatformFixture;
let server: PlatformServer;

beforeEach(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
});

afterEach(async () => {
  await server?.close();
  await fixture?.cleanup();
});

const agreementFile = (projectId: string) => path.join(fixture.dataDir, 'agreements', `${projectId}.json`);
const dayFromToday = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

type AgreementJson = Record<string, unknown> & { members: Array<Record<string, unknown>> };

async function editAgreement(projectId: string, edit: (agreement: AgreementJson) => void): Promise<void> {
  const agreement = JSON.parse(await readFile(agreementFile(projectId), 'utf8')) as AgreementJson;
  edit(agreement);
  await writeFile(agreementFile(projectId), JSON.stringify(agreement, null, 2));
  await server.agreements.reload();
}

async function get(url: string, userId: string) {
  return server.app.inject({ method: 'GET', url, headers: await bearerFor(fixture.dataDir, userId) });
}

async function projectAgreement(projectId: string, userId: string): Promise<AgreementView> {
  const response = await get(`/api/v1/projects/${projectId}/agreement`, userId);
  expect(response.statusCode, response.body).toBe(200);
  return AgreementViewSchema.parse(response.json());
}

async function overview(): Promise<AgreementsOverview> {
  const response = await get('/api/v1/admin/agreements', 'demo-admin');
  expect(response.statusCode, response.body).toBe(200);
  return AgreementsOverviewSchema.parse(response.json());
}

function refusalOf(response: { statusCode: number; json: () => unknown }) {
  return { status: response.statusCode, error: ErrorValueSchema.parse((response.json() as { error: unknown }).error) };
}

describe("a project's agreement, read by its members", () => {
  it('says who may see what in the words the catalogue uses, field for field', async () => {
    const view = await projectAgreement('covid-outcomes', 'demo-analyst');
    const catalogue = CatalogueSchema.parse((await get('/api/v1/projects/covid-outcomes/catalogue', 'demo-analyst')).json());

    expect(view).toMatchObject({
      projectId: 'covid-outcomes',
      projectName: 'COVID-19 outcomes',
      version: 1,
      status: 'in_force',
      statusText: 'In force until 2029-03-31.',
      legalBasis: { kind: 's251_support', label: 'section 251 support', reference: '21/CAG/0042 (synthetic demo reference)' },
      nationalDataOptOut: { applies: true },
      dpiaReference: 'DPIA-2026-014',
      referenceDate: '2023-03-31',
      rowCap: 5_000_000,
    });
    expect(view.datasets.map((dataset) => dataset.id)).toEqual(catalogue.datasets.map((dataset) => dataset.id));
    for (const dataset of catalogue.datasets) {
      const seen = view.datasets.find((each) => each.id === dataset.id);
      expect(seen?.name).toBe(dataset.name);
      expect(seen?.fields).toEqual(dataset.fields.map(({ name, available, treatment }) => ({ name, available, treatment })));
    }
    const patients = view.datasets.find((dataset) => dataset.id === 'patients');
    expect(patients?.fields.find((field) => field.name === 'nhs_number')).toEqual({
      name: 'nhs_number',
      available: true,
      treatment: 'NHS number → project pseudonym',
    });
    expect(patients?.fields.find((field) => field.name === 'postcode')?.available).toBe(false);
  });

  it('gives the row conditions in words, on the dataset they limit', async () => {
    const view = await projectAgreement('covid-outcomes', 'demo-analyst');
    const conditions = Object.fromEntries(view.datasets.map((dataset) => [dataset.id, dataset.rowConditions]));
    expect(conditions.covid_tests).toEqual(['Only rows whose specimen date is on or after 2020-03-01.']);
    expect(conditions.hospital_episodes).toEqual([
      'Only rows whose admission date is on or after 2020-03-01.',
      'Only rows whose NHS number matches a row of COVID-19 test results (by NHS number) whose result is “positive”.',
    ]);
    expect(conditions.patients).toEqual([
      'Only rows whose NHS number matches a row of COVID-19 test results (by NHS number) whose result is “positive”.',
    ]);
    expect(conditions.shielded_patients).toEqual([]);
    expect(view.nationalDataOptOut.text).toBe('Applies: patients who registered a national data opt-out are left out of every dataset.');
  });

  it('lists the members with their role, dates, training and standing, by name', async () => {
    const view = await projectAgreement('cardio-admissions', 'demo-analyst-2');
    expect(view.members).toEqual([
      {
        userId: 'demo-analyst',
        displayName: 'Ada Analyst',
        role: 'lead',
        start: '2026-04-01',
        end: '2029-03-31',
        trainingExpires: '2028-06-30',
        mayRequestRelease: true,
        standing: 'in_force',
        standingText: 'In force',
      },
      {
        userId: 'demo-analyst-2',
        displayName: 'Ben Analyst',
        role: 'analyst',
        start: '2026-04-01',
        end: '2028-12-31',
        trainingExpires: '2028-09-30',
        mayRequestRelease: false,
        standing: 'in_force',
        standingText: 'In force',
      },
    ]);
  });

  it('is read by an admin who is a member, and says an exempt project is exempt from the opt-out', async () => {
    const view = await projectAgreement('opt-out-monitoring', 'demo-admin');
    expect(view.nationalDataOptOut).toEqual({
      applies: false,
      text: "Does not apply: the project's legal basis (a statutory direction) sets it aside.",
    });
  });

  it('is refused to an analyst of another project with the same 404 as a missing project', async () => {
    const other = refusalOf(await get('/api/v1/projects/opt-out-monitoring/agreement', 'demo-analyst'));
    const missing = refusalOf(await get('/api/v1/projects/no-such-project/agreement', 'demo-analyst'));
    expect(other).toEqual(missing);
    expect(other.status).toBe(404);
    expect(other.error.code).toBe('not_found');
  });

  it('is refused to an admin who is not a member (admins read every agreement on their own screen)', async () => {
    expect((await get('/api/v1/projects/covid-outcomes/agreement', 'demo-admin')).statusCode).toBe(404);
  });

  it('is refused to an output checker by role', async () => {
    expect(refusalOf(await get('/api/v1/projects/covid-outcomes/agreement', 'demo-checker-1'))).toMatchObject({
      status: 403,
      error: { code: 'forbidden' },
    });
  });

  it('is refused to a member whose training on record has lapsed, saying why', async () => {
    const lapsed = dayFromToday(-1);
    await lapseAnalystTraining({ app: server.app, dataDir: fixture.dataDir, userId: 'demo-analyst', expires: lapsed });
    expect(refusalOf(await get('/api/v1/projects/covid-outcomes/agreement', 'demo-analyst'))).toEqual({
      status: 403,
      error: {
        code: 'training_required',
        message: `Your Annual refresher (needed for the Analyst role) expired on ${lapsed}: renew it, then ask your administrator to record it.`,
      },
    });
  });

  it('is refused when the agreement is not in force, with its reason', async () => {
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.dpiaReference = null;
    });
    expect(refusalOf(await get('/api/v1/projects/covid-outcomes/agreement', 'demo-analyst')).error.message).toBe(
      'COVID-19 outcomes cannot start: its agreement has no data protection impact assessment reference. Ask the data manager to add it.',
    );
  });
});

describe("every agreement, on the admins' screen", () => {
  it('lists each project with its version and standing, and says where the files are', async () => {
    const { folder, agreements, judgedAt } = await overview();
    expect(folder).toBe(path.join(fixture.dataDir, 'agreements'));
    expect(Date.now() - Date.parse(judgedAt)).toBeLessThan(60_000);
    expect(agreements.map((entry) => [entry.projectId, entry.status, entry.inForce?.version, entry.refusal])).toEqual([
      ['cardio-admissions', 'in_force', 1, null],
      ['covid-outcomes', 'in_force', 1, null],
      ['opt-out-monitoring', 'in_force', 1, null],
    ]);
    // The whole agreement, as its members read it.
    const covid = agreements.find((entry) => entry.projectId === 'covid-outcomes')?.inForce;
    expect(covid).toEqual(await projectAgreement('covid-outcomes', 'demo-analyst'));
  });

  it('says which agreements are not in force, and why: expired, not started, no DPIA', async () => {
    const start = dayFromToday(30);
    await editAgreement('cardio-admissions', (agreement) => {
      agreement.start = start;
    });
    await editAgreement('covid-outcomes', (agreement) => {
      agreement.dpiaReference = null;
    });
    await editAgreement('opt-out-monitoring', (agreement) => {
      agreement.start = '2020-01-01';
      agreement.expires = '2021-03-31';
    });
    const byProject = Object.fromEntries((await overview()).agreements.map((entry) => [entry.projectId, entry]));
    expect(byProject['cardio-admissions']).toMatchObject({
      status: 'not_started',
      statusText: `The agreement for Cardiovascular admissions starts on ${start}.`,
      inForce: { version: 2 },
    });
    expect(byProject['covid-outcomes']).toMatchObject({ status: 'no_dpia', inForce: { version: 2, dpiaReference: null } });
    expect(byProject['covid-outcomes'].statusText).toMatch(/cannot start: its agreement has no data protection impact assessment/);
    expect(byProject['opt-out-monitoring']).toMatchObject({
      status: 'expired',
      statusText: 'The agreement for National data opt-out monitoring expired on 2021-03-31: ask the data manager to renew it.',
    });
  });

  it("gives each member's standing: training lapsed, membership ended, not started", async () => {
    const lapsed = dayFromToday(-1);
    const ended = dayFromToday(-3);
    const later = dayFromToday(10);
    await lapseAnalystTraining({ app: server.app, dataDir: fixture.dataDir, userId: 'demo-analyst', expires: lapsed });
    await editAgreement('cardio-admissions', (agreement) => {
      agreement.members[1].end = ended;
    });
    await editAgreement('opt-out-monitoring', (agreement) => {
      agreement.members[1].start = later;
    });
    const byProject = Object.fromEntries((await overview()).agreements.map((entry) => [entry.projectId, entry.inForce]));
    expect(byProject['cardio-admissions']?.members.map((member) => [member.userId, member.standing, member.standingText])).toEqual([
      ['demo-analyst', 'training_lapsed', `Annual refresher expired on ${lapsed}`],
      ['demo-analyst-2', 'ended', `Ended on ${ended}`],
    ]);
    expect(byProject['opt-out-monitoring']?.members.map((member) => [member.userId, member.standing, member.standingText])).toEqual([
      ['demo-admin', 'in_force', 'In force'],
      ['demo-analyst-2', 'not_started', `Starts on ${later}`],
    ]);
  });

  it('shows a refused edit beside the version that stays in force, naming file, line and field', async () => {
    const text = await readFile(agreementFile('covid-outcomes'), 'utf8');
    const broken = text.replace('"end": "2029-03-31"', '"end": "30/06/2028"');
    expect(broken).not.toBe(text);
    await writeFile(agreementFile('covid-outcomes'), broken);
    await server.agreements.reload();
    const line = broken.split('\n').findIndex((each) => each.includes('30/06/2028')) + 1;

    const entry = (await overview()).agreements.find((each) => each.projectId === 'covid-outcomes');
    expect(entry).toMatchObject({ status: 'in_force', inForce: { version: 1 } });
    expect(entry?.refusal).toEqual({
      file: 'covid-outcomes.json',
      problems: [
        {
          file: 'covid-outcomes.json',
          line,
          column: expect.any(Number),
          field: 'members[0].end',
          message: 'must be a date like 2026-03-31',
        },
      ],
    });
  });

  it('lists a file that was refused with nothing in force, with its syntax error located', async () => {
    await writeFile(agreementFile('new-study'), '{\n  "projectId": "new-study",\n  "purpose": "A study",,\n}\n');
    await server.agreements.reload();

    const entry = (await overview()).agreements.find((each) => each.projectId === 'new-study');
    expect(entry).toMatchObject({ status: 'refused', inForce: null, refusal: { file: 'new-study.json' } });
    expect(entry?.statusText).toBe('Not in force: its file new-study.json was refused, and no earlier version was accepted.');
    expect(entry?.refusal?.problems[0]).toMatchObject({ file: 'new-study.json', line: 3 });
  });

  it('is refused to every role but admin', async () => {
    for (const userId of ['demo-analyst', 'demo-analyst-2', 'demo-checker-1']) {
      expect(refusalOf(await get('/api/v1/admin/agreements', userId)), userId).toMatchObject({ status: 403, error: { code: 'forbidden' } });
    }
  });
});
