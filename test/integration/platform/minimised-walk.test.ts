// Every data-returning route, walked as each demo project's analyst over data the real generator wrote: the catalogue,
// every dataset's sample, and a query of every relation (`SELECT * FROM <relation>` through POST …/query), each in both
// formats (Arrow and Parquet). No raw identifier appears anywhere — no valid or raw NHS number, full postcode, full
// date (so no exact date of birth), LSOA code, or unkeyed md5/sha256 of an NHS number — and the pseudonym is the keyed
// HMAC of the NHS number under the project's key, links one person's rows across the datasets of a project (tests and
// admissions), and differs across projects. SATRE 3.1.x (minimisation): direct identifiers never reach the analyst;
// quasi-identifiers are coarsened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_ROW_LIMIT, type Catalogue } from '../../../src/common/contract.ts';
import { openProjectKeys } from '../../../src/platform/minimisation/project-keys.ts';
import { pseudonymOf } from '../../../src/platform/minimisation/pseudonym.ts';
import { bearerFor, PSEUDONYM } from './fixture.ts';
import {
  answerColumns,
  catalogueOf,
  postQuery,
  rawIdentifierIn,
  startDemoPlatform,
  type Columns,
  type DemoPlatform,
  type Format,
} from './query-support.ts';

/** Each demo project and an analyst member of it (the admin member of opt-out monitoring takes no samples). */
const WALKS = [
  { projectId: 'covid-outcomes', analyst: 'demo-analyst' },
  { projectId: 'cardio-admissions', analyst: 'demo-analyst-2' },
  { projectId: 'opt-out-monitoring', analyst: 'demo-analyst-2' },
] as const;
const FORMATS = ['arrow', 'parquet'] as const satisfies readonly Format[];

let platform: DemoPlatform;
/** Every value every walk saw, by route, project, dataset and format ("sample:covid-outcomes/patients/arrow"). */
const seen = new Map<string, Columns>();
const catalogues = new Map<string, Catalogue>();

/** The relations of a project: its datasets with at least one field available to it. */
const relationsOf = (catalogue: Catalogue) => catalogue.datasets.filter((dataset) => dataset.fields.some((field) => field.available));

beforeAll(async () => {
  platform = await startDemoPlatform('minimised-walk');
  for (const { projectId, analyst } of WALKS) {
    const catalogue = await catalogueOf(platform, projectId, analyst);
    catalogues.set(projectId, catalogue);
    const auth = await bearerFor(platform.dataDir, analyst);
    for (const dataset of catalogue.datasets) {
      for (const format of FORMATS) {
        const url = `/api/v1/projects/${projectId}/datasets/${dataset.id}/sample?limit=${SAMPLE_ROW_LIMIT}&format=${format}`;
        const answer = await platform.server.app.inject({ method: 'GET', url, headers: auth });
        if (answer.statusCode !== 200) throw new Error(`${format} sample of ${projectId}/${dataset.id}: ${answer.body}`);
        seen.set(
          `sample:${projectId}/${dataset.id}/${format}`,
          await answerColumns({ bytes: answer.rawPayload, format, folder: platform.root }),
        );
      }
    }
    for (const relation of relationsOf(catalogue)) {
      for (const format of FORMATS) {
        const answer = await postQuery(platform, { sql: `SELECT * FROM ${relation.id}`, projectId, user: analyst, format });
        if (answer.status !== 200) throw new Error(`${format} query of ${projectId}/${relation.id}: ${answer.body.toString('utf8')}`);
        seen.set(`query:${projectId}/${relation.id}/${format}`, answer.columns!);
      }
    }
  }
}, 300_000);

afterAll(async () => {
  await platform?.close();
});

/** The rows of an answer as sorted lines, to compare two answers whatever their order. */
function rowsOf(columns: Columns): string[] {
  const names = [...columns.keys()];
  const count = columns.get(names[0])?.length ?? 0;
  return Array.from({ length: count }, (_unused, i) => JSON.stringify(names.map((name) => columns.get(name)![i]))).sort();
}

/** Each raw NHS number of a raw dataset, by its pseudonym in a project. */
async function rawByPseudonym(projectId: string, datasetId: string): Promise<Map<string, string>> {
  const key = await openProjectKeys({ dataDir: platform.dataDir }).keyFor(projectId);
  const rows = await platform.raw.rows(datasetId, 'SELECT DISTINCT CAST(nhs_number AS VARCHAR) AS nhs FROM raw');
  return new Map(rows.map((row) => [pseudonymOf(row.nhs!, key), row.nhs!]));
}

describe('the minimised walk over every demo project, as its analyst', () => {
  it('walked every dataset of every project in both formats, every row the project sees', () => {
    for (const { projectId } of WALKS) {
      for (const dataset of catalogues.get(projectId)!.datasets) {
        const arrow = seen.get(`sample:${projectId}/${dataset.id}/arrow`)!;
        const parquet = seen.get(`sample:${projectId}/${dataset.id}/parquet`)!;
        expect([...arrow.keys()]).toEqual(dataset.fields.filter((field) => field.available).map((field) => field.name));
        expect([...parquet.keys()]).toEqual([...arrow.keys()]);
        expect(arrow.values().next().value?.length, `${projectId}/${dataset.id}`).toBe(dataset.rowCount);
        // Both formats carry the same values in the same order.
        for (const [name, values] of arrow) expect(parquet.get(name), `${projectId}/${dataset.id}.${name}`).toEqual(values);
      }
    }
  });

  it("answers SELECT * of every relation with the relation's columns and rows: the sample's rows, in both formats", () => {
    for (const { projectId } of WALKS) {
      const relations = relationsOf(catalogues.get(projectId)!);
      expect(relations.length, projectId).toBeGreaterThan(0);
      for (const relation of relations) {
        const arrow = seen.get(`query:${projectId}/${relation.id}/arrow`)!;
        const parquet = seen.get(`query:${projectId}/${relation.id}/parquet`)!;
        expect([...arrow.keys()], `${projectId}/${relation.id}`).toEqual(
          relation.fields.filter((field) => field.available).map((field) => field.name),
        );
        expect(arrow.values().next().value?.length, `${projectId}/${relation.id}`).toBe(relation.rowCount);
        expect(parquet, `${projectId}/${relation.id}`).toEqual(arrow);
        expect(rowsOf(arrow), `${projectId}/${relation.id}`).toEqual(rowsOf(seen.get(`sample:${projectId}/${relation.id}/arrow`)!));
      }
    }
  });

  it('never shows a raw identifier: no valid or raw NHS number, full postcode, full date, LSOA code or unkeyed hash, in any value of any route', () => {
    expect([...seen.keys()].filter((where) => where.startsWith('query:')).length).toBeGreaterThan(0);
    for (const [where, columns] of seen) {
      for (const [name, values] of columns) {
        expect(rawIdentifierIn(name, platform.raw), `${where}: a column named ${name}`).toBeNull();
        for (const value of values) {
          if (value === null) continue;
          const found = rawIdentifierIn(value, platform.raw);
          if (found !== null) expect.fail(`${where}.${name}: ${found}`);
        }
      }
    }
  });

  it('gives every field its treatment in words in the catalogue, and shows no raw identifier there either', () => {
    for (const catalogue of catalogues.values()) {
      for (const dataset of catalogue.datasets) {
        for (const field of dataset.fields) {
          expect(field.available).toBe(field.treatment !== 'not available to this project');
          if (field.available) expect(field.treatment).toMatch(/ → /);
        }
      }
      // The words name the agreement's reference date ("5-year age band at 2023-03-31"), a date of no person.
      const words = JSON.stringify(catalogue.datasets.map((dataset) => dataset.fields.map((field) => field.treatment)));
      expect(rawIdentifierIn(words.replace(/ at \d{4}-\d{2}-\d{2}/g, ''), platform.raw)).toBeNull();
    }
    const patients = catalogues.get('covid-outcomes')!.datasets.find((dataset) => dataset.id === 'patients')!;
    expect(patients.fields.find((field) => field.name === 'nhs_number')?.treatment).toBe('NHS number → project pseudonym');
  });

  it("gives every person the keyed HMAC of their NHS number under the project's key, in every dataset, sample and query alike", async () => {
    for (const { projectId } of WALKS) {
      for (const relation of relationsOf(catalogues.get(projectId)!)) {
        if (!relation.fields.some((field) => field.name === 'nhs_number' && field.available)) continue;
        const raw = await rawByPseudonym(projectId, relation.id);
        for (const route of ['sample', 'query']) {
          const pseudonyms = seen.get(`${route}:${projectId}/${relation.id}/arrow`)!.get('nhs_number')!;
          for (const pseudonym of pseudonyms) {
            expect(pseudonym).toMatch(PSEUDONYM);
            if (!raw.has(pseudonym!))
              expect.fail(`${route} of ${projectId}/${relation.id}: ${pseudonym} is not the HMAC of any raw NHS number`);
          }
        }
      }
    }
  });

  it("links a person's COVID-19 tests to their admissions within a project through the pseudonym, in queries", async () => {
    const projectId = 'covid-outcomes';
    const tests = seen.get(`query:${projectId}/covid_tests/arrow`)!.get('nhs_number')!;
    const episodes = seen.get(`query:${projectId}/hospital_episodes/arrow`)!.get('nhs_number')!;
    const patients = new Set(seen.get(`query:${projectId}/patients/arrow`)!.get('nhs_number'));
    const testSet = new Set(tests);
    const linked = new Set(episodes.filter((pseudonym) => testSet.has(pseudonym)));
    expect(linked.size).toBeGreaterThan(0);
    // Every admission's person is one of the project's patients.
    for (const pseudonym of episodes) expect(patients.has(pseudonym)).toBe(true);
    // A linked pseudonym is one person: the same raw NHS number behind their tests and their admissions.
    const rawTests = await rawByPseudonym(projectId, 'covid_tests');
    const rawEpisodes = await rawByPseudonym(projectId, 'hospital_episodes');
    for (const pseudonym of linked) expect(rawTests.get(pseudonym!)).toBe(rawEpisodes.get(pseudonym!));
    // The platform's own join through the pseudonym gives what joining the two answers here gives.
    const perPerson = new Map<string | null, number>();
    for (const pseudonym of tests) perPerson.set(pseudonym, (perPerson.get(pseudonym) ?? 0) + 1);
    const expected = episodes.reduce((sum, pseudonym) => sum + (perPerson.get(pseudonym) ?? 0), 0);
    const joined = await postQuery(platform, {
      sql: 'SELECT count(*) AS n FROM hospital_episodes h JOIN covid_tests t ON h.nhs_number = t.nhs_number',
      projectId,
    });
    expect(joined.columns?.get('n')).toEqual([String(expected)]);
  });

  it('gives the same person different pseudonyms in different projects', () => {
    const pseudonymsOf = (projectId: string): Array<string | null> => seen.get(`query:${projectId}/patients/arrow`)!.get('nhs_number')!;
    const covid = new Set(pseudonymsOf('covid-outcomes'));
    const cardio = pseudonymsOf('cardio-admissions');
    const optOut = pseudonymsOf('opt-out-monitoring');
    expect(covid.size).toBe(catalogues.get('covid-outcomes')!.datasets.find((dataset) => dataset.id === 'patients')!.rowCount);
    expect(cardio.filter((pseudonym) => covid.has(pseudonym))).toEqual([]);
    expect(optOut.filter((pseudonym) => covid.has(pseudonym) || cardio.includes(pseudonym))).toEqual([]);
  });

  it('orders every sample by treated values: the patients by their pseudonym', () => {
    for (const { projectId } of WALKS) {
      const pseudonyms = seen.get(`sample:${projectId}/patients/arrow`)!.get('nhs_number')! as string[];
      expect(pseudonyms).toEqual([...pseudonyms].sort());
    }
  });
});
