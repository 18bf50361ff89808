// Each project's minimised copy (issue 15, enforcement 1), over data the real generator wrote: the copy FILE holds the
// agreement's relations with their treated columns and nothing else (no raw name, view, temporary object or key), only
// the rows the agreement allows (its row conditions; the national data opt-out unless the legal basis exempts the
// project), and is what the catalogue counts and queries read. A changed agreement gives a new copy, switched to while
// the old one's file goes; a build the platform did not finish is removed at start; the file is private; and the copy's
// connection cannot write. Expected rows are computed here from the raw Parquet files, independently of the platform.
// SATRE 3.1.x (minimisation): analysts reach only what the agreement allows, whatever SQL they write.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPlatformInit } from '../../../src/cli/platform-init.ts';
import { CatalogueSchema, type Catalogue, type Role } from '../../../src/common/contract.ts';
import { ErrorValueSchema } from '../../../src/common/errors.ts';
import { quoteString } from '../../../src/common/sql-identifiers.ts';
import { AGREEMENTS_FOLDER } from '../../../src/platform/agreements-at-start.ts';
import { requireProjectAccess, type ProjectAccess } from '../../../src/platform/authz/access-policy.ts';
import type { ProjectCopy } from '../../../src/platform/engine/data-engine.ts';
import { MINIMISED_FOLDER, openDuckDbEngine } from '../../../src/platform/engine/duckdb-engine.ts';
import { QUERY_EXPORTS_FOLDER } from '../../../src/platform/engine/exports-folder.ts';
import { openProjectKeys } from '../../../src/platform/minimisation/project-keys.ts';
import { pseudonymOf } from '../../../src/platform/minimisation/pseudonym.ts';
import { openPlatformCore, type PlatformCore } from '../../../src/platform/platform-core.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { isValidNhsNumber } from '../../../src/platform/synth/nhs-number.ts';
import { errorOf } from '../../support/error-of.ts';
import { pathsOpenToOthers } from '../../support/private-tree.ts';
import { copiesBuilt, copyFiles, readCopyFile, relation, specOf, stored, type CopyFileContents } from './copy-support.ts';
import { bearerFor, PSEUDONYM, TEST_PUBLIC_URL } from './fixture.ts';

/** Each demo project and an analyst member of it. */
const PROJECTS = [
  { projectId: 'covid-outcomes', analyst: 'demo-analyst' },
  { projectId: 'cardio-admissions', analyst: 'demo-analyst-2' },
  { projectId: 'opt-out-monitoring', analyst: 'demo-analyst-2' },
] as const;

/** A data folder the generator wrote once; each test group works on a copy of its own. */
let template: string;

beforeAll(async () => {
  template = await mkdtemp(path.join(os.tmpdir(), 'enclave-minimised-copy-template-'));
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const code = await runPlatformInit(['--data-dir', path.join(template, 'data'), '--scale', '2000', '--seed', '5'], {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
  });
  if (code !== 0) throw new Error(`platform init failed (${code}): ${log}`);
});

afterAll(async () => {
  if (template !== undefined) await rm(template, { recursive: true, force: true });
});

/** A temp folder holding a copy of the generated data folder; removed with `remove()`. */
async function freshDataDir(): Promise<{ dataDir: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-minimised-copy-'));
  const dataDir = path.join(root, 'data');
  await cp(path.join(template, 'data'), dataDir, { recursive: true });
  return { dataDir, remove: () => rm(root, { recursive: true, force: true }) };
}

/** The raw Parquet files, read with DuckDB directly: one view per dataset. */
async function rawRows(dataDir: string, sql: string): Promise<unknown[][]> {
  const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as {
    datasets: Record<string, { file: string }>;
  };
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const [id, { file }] of Object.entries(manifest.datasets)) {
      await connection.run(`CREATE VIEW ${id} AS SELECT * FROM read_parquet(${quoteString(path.join(dataDir, file))})`);
    }
    return (await connection.runAndReadAll(sql)).getRowsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function rawCount(dataDir: string, sql: string): Promise<number> {
  return Number((await rawRows(dataDir, `SELECT count(*) FROM (${sql})`))[0]?.[0]);
}

/** The raw NHS numbers of the rows `sql` selects (a query with an nhs_number column), as the project's pseudonyms. */
async function rawPseudonyms(options: { dataDir: string; projectId: string; sql: string }): Promise<string[]> {
  const key = await openProjectKeys({ dataDir: options.dataDir }).keyFor(options.projectId);
  const rows = await rawRows(options.dataDir, `SELECT nhs_number FROM (${options.sql})`);
  return rows.map(([nhsNumber]) => (nhsNumber === null ? null : pseudonymOf(String(nhsNumber), key))).sort() as string[];
}

/** People who opted out of secondary uses of their data. */
const OPTED_OUT = 'SELECT nhs_number FROM national_opt_outs';
/** People with a positive test: the cohort of COVID-19 outcomes (any date; the cohort is read from the raw tests). */
const POSITIVE = "SELECT nhs_number FROM covid_tests WHERE result = 'positive'";

/** The agreement file of a project, as the data manager edits it in DIR/agreements. */
async function agreementFile(dataDir: string, projectId: string): Promise<{ datasets: string[] } & Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(dataDir, AGREEMENTS_FOLDER, `${projectId}.json`), 'utf8')) as { datasets: string[] };
}

interface Api {
  catalogue(projectId: string, analyst: string): Promise<Catalogue>;
  query(options: {
    projectId: string;
    analyst: string;
    sql: string;
  }): Promise<{ status: number; rows: Array<Record<string, unknown>>; error?: string }>;
}

function apiOf(server: PlatformServer, dataDir: string): Api {
  return {
    async catalogue(projectId, analyst) {
      const answer = await server.app.inject({
        method: 'GET',
        url: `/api/v1/projects/${projectId}/catalogue`,
        headers: await bearerFor(dataDir, analyst),
      });
      if (answer.statusCode !== 200) throw new Error(`catalogue of ${projectId}: ${answer.body}`);
      return CatalogueSchema.parse(answer.json());
    },
    async query({ projectId, analyst, sql }) {
      const answer = await server.app.inject({
        method: 'POST',
        url: `/api/v1/projects/${projectId}/query`,
        headers: await bearerFor(dataDir, analyst),
        payload: { sql, format: 'arrow' },
      });
      if (answer.statusCode !== 200) {
        return { status: answer.statusCode, rows: [], error: ErrorValueSchema.parse(answer.json<{ error: unknown }>().error).message };
      }
      return {
        status: 200,
        rows: tableFromIPC(answer.rawPayload)
          .toArray()
          .map((row: { toJSON(): Record<string, unknown> }) => row.toJSON()),
      };
    },
  };
}

async function countOf(api: Api, options: { projectId: string; analyst: string; relation: string }): Promise<number> {
  const answer = await api.query({ ...options, sql: `SELECT count(*) AS n FROM ${options.relation}` });
  if (answer.status !== 200) throw new Error(`count of ${options.projectId}/${options.relation}: ${answer.error}`);
  return Number(answer.rows[0]?.n);
}

/** The project's copy file (exactly one). */
async function copyFileOf(dataDir: string, projectId: string): Promise<string> {
  const files = (await copyFiles(dataDir)).filter((file) => path.basename(file).startsWith(`${projectId}--`));
  expect(files, projectId).toHaveLength(1);
  return files[0];
}

/** A raw identifier in a text, or null: a valid NHS number, a full postcode, a full date, an LSOA code. */
function rawIdentifierIn(text: string): string | null {
  for (const run of text.match(/\d{10}/g) ?? []) if (isValidNhsNumber(run)) return `NHS number ${run}`;
  if (/\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b/.test(text)) return `full postcode in ${text}`;
  if (/\d{4}-\d{2}-\d{2}/.test(text)) return `full date in ${text}`;
  if (/[EW]01\d{6}/.test(text)) return `LSOA code in ${text}`;
  return null;
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

describe('reading a copy file (the check the tests below rely on)', () => {
  it('lists every view, macro, sequence, index, type and schema a file holds, so an empty list means there are none', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-copy-reader-'));
    try {
      const file = path.join(root, 'decoy.duckdb');
      const instance = await DuckDBInstance.create(file);
      const connection = await instance.connect();
      await connection.run(
        "CREATE TABLE t AS SELECT 1 AS a; CREATE VIEW v AS SELECT 1 AS b; CREATE MACRO m() AS 1; CREATE SEQUENCE s; CREATE SCHEMA other; CREATE TABLE other.u (c INTEGER); CREATE TYPE mood AS ENUM ('a'); CREATE INDEX ix ON t (a)",
      );
      connection.closeSync();
      instance.closeSync();

      const contents = await readCopyFile(file);

      expect(contents.tables).toEqual(['main.t', 'other.u']);
      expect(contents.views).toEqual(['main.v']);
      expect(contents.others.sort()).toEqual(['index ix', 'macro m', 'schema other', 'sequence s', 'type mood']);
      expect(contents.rows.t).toEqual([[1]]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("the demo projects' minimised copies", () => {
  let dataDir: string;
  let remove: () => Promise<void>;
  const catalogues = new Map<string, Catalogue>();
  /** What each project's queries counted, by relation. */
  const counted = new Map<string, Map<string, number>>();
  /** Each project's copy file, read once the platform had closed it. */
  const contents = new Map<string, CopyFileContents>();
  const files = new Map<string, string>();

  beforeAll(async () => {
    ({ dataDir, remove } = await freshDataDir());
    const server = await createPlatformServer({ dataDir, publicUrl: TEST_PUBLIC_URL });
    try {
      const api = apiOf(server, dataDir);
      for (const { projectId, analyst } of PROJECTS) {
        const catalogue = await api.catalogue(projectId, analyst);
        catalogues.set(projectId, catalogue);
        const counts = new Map<string, number>();
        for (const dataset of catalogue.datasets) {
          if (dataset.fields.some((field) => field.available))
            counts.set(dataset.id, await countOf(api, { projectId, analyst, relation: dataset.id }));
        }
        counted.set(projectId, counts);
      }
    } finally {
      await server.close();
    }
    for (const { projectId } of PROJECTS) {
      const file = await copyFileOf(dataDir, projectId);
      files.set(projectId, file);
      contents.set(projectId, await readCopyFile(file));
    }
  }, 120_000);

  afterAll(async () => {
    await remove?.();
  });

  it("holds the agreement's relations with only their available columns, and no view, raw name or other object", async () => {
    for (const { projectId } of PROJECTS) {
      const copy = contents.get(projectId)!;
      const agreement = await agreementFile(dataDir, projectId);
      expect(copy.tables, projectId).toEqual(agreement.datasets.map((id) => `main.${id}`).sort());
      for (const dataset of catalogues.get(projectId)!.datasets) {
        const available = dataset.fields.filter((field) => field.available).map((field) => field.name);
        expect(copy.columns[dataset.id], `${projectId}/${dataset.id}`).toEqual(available);
        // The dropped fields are not in the file under any name.
        for (const field of dataset.fields.filter((each) => !each.available)) expect(copy.columns[dataset.id]).not.toContain(field.name);
      }
      expect(copy.views, projectId).toEqual([]);
      expect(copy.others, projectId).toEqual([]);
      const names = [...copy.tables, ...Object.values(copy.columns).flat()].join(' ');
      expect(names).not.toMatch(/enclave|raw|pseudonyms|temp:/);
    }
    // The opt-out register is read to build the copies of the projects it applies to, but is not in them.
    expect(contents.get('covid-outcomes')!.tables).not.toContain('main.national_opt_outs');
    expect(contents.get('cardio-admissions')!.tables).not.toContain('main.national_opt_outs');
  });

  it('holds treated values only: pseudonyms for NHS numbers, and no full date, postcode or LSOA code', () => {
    for (const [projectId, copy] of contents) {
      for (const [table, rows] of Object.entries(copy.rows)) {
        const names = copy.columns[table];
        const nhsAt = names.indexOf('nhs_number');
        expect(nhsAt, `${projectId}/${table}`).toBeGreaterThanOrEqual(0);
        for (const row of rows) {
          expect(row[nhsAt], `${projectId}/${table}`).toMatch(PSEUDONYM);
          for (const [i, value] of row.entries()) {
            const text = asText(value);
            const found = text === null ? null : rawIdentifierIn(text);
            if (found !== null) expect.fail(`${projectId}/${table}.${names[i]}: ${found}`);
          }
        }
      }
    }
  });

  it('applies the row conditions: COVID-19 outcomes sees admissions only from 2020-03-01, and only of people with a positive test', async () => {
    const copy = contents.get('covid-outcomes')!;
    const expected = {
      hospital_episodes: `SELECT nhs_number FROM hospital_episodes WHERE admission_date >= DATE '2020-03-01' AND nhs_number IN (${POSITIVE}) AND nhs_number NOT IN (${OPTED_OUT})`,
      patients: `SELECT nhs_number FROM patients WHERE nhs_number IN (${POSITIVE}) AND nhs_number NOT IN (${OPTED_OUT})`,
      covid_tests: `SELECT nhs_number FROM covid_tests WHERE specimen_date >= DATE '2020-03-01' AND nhs_number NOT IN (${OPTED_OUT})`,
      shielded_patients: `SELECT nhs_number FROM shielded_patients WHERE nhs_number NOT IN (${OPTED_OUT})`,
    };
    for (const [table, sql] of Object.entries(expected)) {
      const nhsAt = copy.columns[table].indexOf('nhs_number');
      const held = copy.rows[table].map((row) => row[nhsAt] as string).sort();
      // The same people, as often as the raw rows have them.
      expect(held, table).toEqual(await rawPseudonyms({ dataDir, projectId: 'covid-outcomes', sql }));
      expect(counted.get('covid-outcomes')!.get(table), table).toBe(held.length);
    }
    // Each condition takes rows away on this data: the test would see a condition that was not applied.
    const all = await rawCount(dataDir, 'SELECT * FROM hospital_episodes');
    const fromDate = await rawCount(dataDir, "SELECT * FROM hospital_episodes WHERE admission_date >= DATE '2020-03-01'");
    const ofPositives = await rawCount(dataDir, `SELECT * FROM hospital_episodes WHERE nhs_number IN (${POSITIVE})`);
    const positivesBefore = await rawCount(
      dataDir,
      `SELECT * FROM hospital_episodes WHERE nhs_number IN (${POSITIVE}) AND admission_date < DATE '2020-03-01'`,
    );
    expect(fromDate).toBeLessThan(all);
    expect(ofPositives).toBeLessThan(fromDate);
    expect(positivesBefore).toBeGreaterThan(0);
    expect(copy.rows.hospital_episodes.length).toBeLessThan(ofPositives);
    expect(copy.rows.hospital_episodes.length).toBeGreaterThan(0);
    expect(copy.rows.patients.length).toBeLessThan(await rawCount(dataDir, 'SELECT * FROM patients'));
  });

  it('leaves opted-out patients out of every dataset where the opt-out applies, and keeps them for opt-out monitoring (exempt)', async () => {
    const optedOut = await rawRows(dataDir, OPTED_OUT);
    expect(optedOut.length).toBeGreaterThan(0);
    for (const projectId of ['covid-outcomes', 'cardio-admissions']) {
      const key = await openProjectKeys({ dataDir }).keyFor(projectId);
      const theirs = new Set(optedOut.map(([nhsNumber]) => pseudonymOf(String(nhsNumber), key)));
      const copy = contents.get(projectId)!;
      for (const [table, rows] of Object.entries(copy.rows)) {
        const nhsAt = copy.columns[table].indexOf('nhs_number');
        expect(
          rows.filter((row) => theirs.has(row[nhsAt] as string)),
          `${projectId}/${table}`,
        ).toEqual([]);
      }
    }
    // Nobody else is left out: Cardiovascular admissions has no other condition on its patients.
    const cardio = contents.get('cardio-admissions')!;
    expect(cardio.rows.patients.length).toBe(await rawCount(dataDir, `SELECT * FROM patients WHERE nhs_number NOT IN (${OPTED_OUT})`));
    expect(cardio.rows.patients.length).toBeLessThan(await rawCount(dataDir, 'SELECT * FROM patients'));
    expect(cardio.rows.hospital_episodes.length).toBe(
      await rawCount(
        dataDir,
        `SELECT * FROM hospital_episodes WHERE admission_date >= DATE '2019-04-01' AND nhs_number NOT IN (${OPTED_OUT})`,
      ),
    );

    const monitoring = contents.get('opt-out-monitoring')!;
    const key = await openProjectKeys({ dataDir }).keyFor('opt-out-monitoring');
    const theirs = optedOut.map(([nhsNumber]) => pseudonymOf(String(nhsNumber), key)).sort();
    const patients = new Set(monitoring.rows.patients.map((row) => row[monitoring.columns.patients.indexOf('nhs_number')] as string));
    expect(patients.size).toBe(await rawCount(dataDir, 'SELECT * FROM patients'));
    expect(theirs.filter((pseudonym) => !patients.has(pseudonym))).toEqual([]);
    const register = monitoring.rows.national_opt_outs.map(
      (row) => row[monitoring.columns.national_opt_outs.indexOf('nhs_number')] as string,
    );
    expect(register.sort()).toEqual(theirs);
  });

  it("gives the catalogue's row counts as the copy's: what the project's queries count", () => {
    for (const { projectId } of PROJECTS) {
      const copy = contents.get(projectId)!;
      for (const dataset of catalogues.get(projectId)!.datasets) {
        expect(dataset.rowCount, `${projectId}/${dataset.id}`).toBe(copy.rows[dataset.id].length);
        expect(counted.get(projectId)!.get(dataset.id), `${projectId}/${dataset.id}`).toBe(dataset.rowCount);
      }
    }
  });

  it('keeps each copy file 0600 in a 0700 folder, and nothing under it open to others', async () => {
    const folder = path.join(dataDir, MINIMISED_FOLDER);
    expect(((await stat(folder)).mode & 0o777).toString(8)).toBe('700');
    for (const file of files.values()) expect(((await stat(file)).mode & 0o777).toString(8), file).toBe('600');
    expect(await pathsOpenToOthers(folder)).toEqual([]);
  });
});

describe('a copy built under an open umask', () => {
  it('is still 0600 in a 0700 folder', async () => {
    const { dataDir, remove } = await freshDataDir();
    const previous = process.umask(0o000);
    try {
      const engine = await openDuckDbEngine({ dataDir });
      try {
        await engine.copy(specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] }));
      } finally {
        await engine.close();
      }
      const folder = path.join(dataDir, MINIMISED_FOLDER);
      expect(((await stat(folder)).mode & 0o777).toString(8)).toBe('700');
      const [file] = await copyFiles(dataDir);
      expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
      expect(await pathsOpenToOthers(folder)).toEqual([]);
    } finally {
      process.umask(previous);
      await remove();
    }
  });
});

describe('a changed agreement', () => {
  let dataDir: string;
  let remove: () => Promise<void>;
  let server: PlatformServer;

  beforeAll(async () => {
    ({ dataDir, remove } = await freshDataDir());
    server = await createPlatformServer({ dataDir, publicUrl: TEST_PUBLIC_URL });
    // The three projects' copies, prepared in the background at start, all in place before anything changes.
    await copiesBuilt(dataDir, 3);
  });

  afterAll(async () => {
    await server?.close();
    await remove?.();
  });

  it('gives a new version whose queries see the change, and the old copy file goes once unused', async () => {
    const api = apiOf(server, dataDir);
    const covid = { projectId: 'covid-outcomes', analyst: 'demo-analyst' };
    const before = {
      count: await countOf(api, { ...covid, relation: 'hospital_episodes' }),
      version: server.agreements.get('covid-outcomes')!.version,
    };
    expect((await api.query({ ...covid, sql: 'SELECT ethnicity FROM patients' })).status).toBe(200);
    const oldFile = await copyFileOf(dataDir, 'covid-outcomes');
    const others = (await copyFiles(dataDir)).filter((file) => file !== oldFile).sort();

    // The data manager narrows the agreement: admissions from 2021 only, and no ethnicity.
    const agreement = await agreementFile(dataDir, 'covid-outcomes');
    const edited = {
      ...agreement,
      treatments: {
        ...(agreement.treatments as Record<string, unknown>),
        patients: { ...(agreement.treatments as Record<string, Record<string, unknown>>).patients, ethnicity: { treatment: 'drop' } },
      },
      rowConditions: (agreement.rowConditions as Array<Record<string, unknown>>).map((condition) =>
        condition.condition === 'date_from' && condition.dataset === 'hospital_episodes' ? { ...condition, from: '2021-01-01' } : condition,
      ),
    };
    await writeFile(path.join(dataDir, AGREEMENTS_FOLDER, 'covid-outcomes.json'), JSON.stringify(edited, null, 2));
    await server.agreements.reload();

    expect(server.agreements.get('covid-outcomes')!.version).toBeGreaterThan(before.version);
    const after = await countOf(api, { ...covid, relation: 'hospital_episodes' });
    const expected = await rawCount(
      dataDir,
      `SELECT * FROM hospital_episodes WHERE admission_date >= DATE '2021-01-01' AND nhs_number IN (${POSITIVE}) AND nhs_number NOT IN (${OPTED_OUT})`,
    );
    expect(after).toBe(expected);
    expect(after).toBeLessThan(before.count);
    const refused = await api.query({ ...covid, sql: 'SELECT ethnicity FROM patients' });
    expect(refused.status).toBe(400);
    expect(refused.error).toMatch(/ethnicity/);
    const catalogue = await api.catalogue('covid-outcomes', 'demo-analyst');
    const patients = catalogue.datasets.find((dataset) => dataset.id === 'patients')!;
    expect(patients.fields.find((field) => field.name === 'ethnicity')?.available).toBe(false);
    expect(catalogue.datasets.find((dataset) => dataset.id === 'hospital_episodes')?.rowCount).toBe(expected);

    // The new copy is another file; the old one is removed, and the other projects' copies are untouched.
    await vi.waitFor(async () => expect(await copyFiles(dataDir)).not.toContain(oldFile), { timeout: 10_000, interval: 20 });
    const newFile = await copyFileOf(dataDir, 'covid-outcomes');
    expect(newFile).not.toBe(oldFile);
    expect((await copyFiles(dataDir)).filter((file) => file !== newFile).sort()).toEqual(others);
  });

  it('narrowed to one dataset in which people recur (several admissions each), still gives a copy with one pseudonym per person', async () => {
    const api = apiOf(server, dataDir);
    const cardio = { projectId: 'cardio-admissions', analyst: 'demo-analyst-2' };
    const agreement = await agreementFile(dataDir, 'cardio-admissions');
    const treatments = agreement.treatments as Record<string, unknown>;
    const edited = { ...agreement, datasets: ['hospital_episodes'], treatments: { hospital_episodes: treatments.hospital_episodes } };
    await writeFile(path.join(dataDir, AGREEMENTS_FOLDER, 'cardio-admissions.json'), JSON.stringify(edited, null, 2));
    await server.agreements.reload();
    expect(server.agreements.get('cardio-admissions')!.agreement.datasets).toEqual(['hospital_episodes']);

    const admissions = `SELECT nhs_number FROM hospital_episodes WHERE admission_date >= DATE '2019-04-01' AND nhs_number NOT IN (${OPTED_OUT})`;
    expect(await rawCount(dataDir, admissions)).toBeGreaterThan(await rawCount(dataDir, `SELECT DISTINCT nhs_number FROM (${admissions})`));
    const answer = await api.query({ ...cardio, sql: 'SELECT nhs_number FROM hospital_episodes' });
    expect(answer.error).toBeUndefined();
    expect(answer.rows.map((row) => row.nhs_number as string).sort()).toEqual(
      await rawPseudonyms({ dataDir, projectId: 'cardio-admissions', sql: admissions }),
    );
  });
});

describe('a copy the platform did not finish', () => {
  it('is removed when the engine starts; finished copies are kept as they are', async () => {
    const { dataDir, remove } = await freshDataDir();
    try {
      const spec = specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] });
      let engine = await openDuckDbEngine({ dataDir });
      await engine.copy(spec);
      await engine.close();
      const [finished] = await copyFiles(dataDir);
      const before = await stat(finished);
      // What a platform stopped mid-build leaves: the file under its temporary name, and DuckDB's WAL beside it.
      const folder = path.join(dataDir, MINIMISED_FOLDER);
      const building = path.join(folder, 'covid-outcomes--0123456789abcdef0123456789abcdef.duckdb.building-a1b2c3d4e5f6');
      await writeFile(building, 'half a copy', { mode: 0o600 });
      await writeFile(`${building}.wal`, 'half a log', { mode: 0o600 });

      engine = await openDuckDbEngine({ dataDir });
      try {
        expect((await readdir(folder)).sort()).toEqual([path.basename(finished), 'tmp']);
        const after = await stat(finished);
        expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: before.ino, mtimeMs: before.mtimeMs });
        // And it is served as it is.
        const copy = await engine.copy(spec);
        expect(copy.relations[0]?.rowCount).toBe(await rawCount(dataDir, 'SELECT * FROM patients'));
        expect((await stat(finished)).ino).toBe(before.ino);
      } finally {
        await engine.close();
      }
    } finally {
      await remove();
    }
  });
});

describe("the copy's connection", () => {
  let dataDir: string;
  let remove: () => Promise<void>;
  let core: PlatformCore;
  let access: ProjectAccess;
  let copy: ProjectCopy;
  const asker = { userId: 'demo-analyst', role: 'analyst' as Role, via: 'api' as const };

  beforeAll(async () => {
    ({ dataDir, remove } = await freshDataDir());
    core = await openPlatformCore({ dataDir, watchAgreements: false });
    const user = await core.store.getUser('demo-analyst');
    access = await requireProjectAccess({
      store: core.store,
      agreements: core.agreements,
      principal: { user: user!, authenticatedBy: 'oidc' },
      projectId: 'covid-outcomes',
    });
    copy = await core.queries.copyFor(access.agreement);
  });

  afterAll(async () => {
    await core?.close();
    await remove?.();
  });

  it('cannot write: no statement reaches the file, whether or not the query checks would have let it through', async () => {
    const file = await copyFileOf(dataDir, 'covid-outcomes');
    const hash = async () =>
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    const before = { hash: await hash(), tables: copy.relations.map((each) => [each.id, each.rowCount]) };
    const elsewhere = path.join(path.dirname(dataDir), 'leak');
    const hostile = [
      'CREATE TABLE main.leak AS SELECT * FROM patients',
      'CREATE TEMP TABLE leak AS SELECT * FROM patients',
      'CREATE VIEW leak AS SELECT * FROM patients',
      'CREATE MACRO leak() AS 1',
      'INSERT INTO patients SELECT * FROM patients',
      'UPDATE patients SET sex = NULL',
      'DELETE FROM patients',
      'DROP TABLE patients',
      'ALTER TABLE patients RENAME TO leak',
      `COPY patients TO ${quoteString(`${elsewhere}.csv`)}`,
      `COPY (SELECT * FROM patients) TO ${quoteString(path.join(dataDir, QUERY_EXPORTS_FOLDER, 'leak.csv'))}`,
      `ATTACH ${quoteString(`${elsewhere}.duckdb`)} AS leak`,
      'SET enable_external_access = true',
      'CHECKPOINT',
      'SELECT 1; CREATE TABLE leak AS SELECT 1',
      "SELECT * FROM query('CREATE TABLE leak AS SELECT 1')",
      `SELECT * FROM read_csv(${quoteString('/etc/passwd')})`,
    ];
    for (const sql of hostile) {
      // Straight to the copy, past the query checks, with the statement's own parse...
      await expect(
        copy.parse(sql).then((parsed) => copy.query({ sql, parsed, format: 'arrow', rowCap: 10 })),
        sql,
      ).rejects.toThrow();
      // ...or with the parse of a harmless SELECT, as a caller that lied about what it checked.
      const innocent = await copy.parse('SELECT sex FROM patients');
      await expect(copy.query({ sql, parsed: innocent, format: 'parquet', rowCap: 10 }), sql).rejects.toThrow();
      // And through the query service, as an analyst: refused as a value, not a crash.
      const error = await errorOf(core.queries.query({ ...access, asker, sql, format: 'arrow' }));
      expect(error.code, sql).toBe('invalid_input');
    }

    expect(await readdir(path.dirname(dataDir))).toEqual(['data']);
    expect(await readdir(path.join(dataDir, QUERY_EXPORTS_FOLDER))).toEqual([]);
    const again = await core.queries.copyFor(access.agreement);
    expect(again.relations.map((each) => [each.id, each.rowCount])).toEqual(before.tables);
    expect(await hash()).toBe(before.hash);
  });

  it('samples only relations the copy holds: a hostile relation name is not found', async () => {
    for (const name of [
      'patients; DROP TABLE patients',
      'patients" ; CREATE TABLE leak AS SELECT 1; --',
      'main.patients',
      'memory.main.patients',
      'national_opt_outs',
      'enclave_pseudonyms',
      'temp.main.enclave_pseudonyms',
      'enclave_raw_patients',
      'duckdb_settings',
      '../patients',
      'PATIENTS',
    ]) {
      const error = await errorOf(copy.sample({ relation: name, limit: 1, format: 'arrow' }));
      expect(error.code, name).toBe('not_found');
      expect(error.message).not.toContain(name);
    }
    expect((await errorOf(core.queries.sample({ ...access, asker, datasetId: 'national_opt_outs', limit: 1, format: 'arrow' }))).code).toBe(
      'forbidden',
    );
  });
});
