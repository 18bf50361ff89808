// Platform queries into the analyst's native engine on the real parts end to end: the workstation core (session,
// platform client, workspace service, native DuckDB in a temp folder) and the real platform (embedded identity
// provider, agreements, minimised copies, the query route) over real HTTP. The analyst of COVID-19 outcomes joins
// tests to admissions through the project's pseudonym; the result arrives as Parquet into a local table, minimised
// (no NHS number in it), and the run is in the project's history as the platform's. The failure paths (cancel, a
// platform that goes away part-way) are ./workspace-platform-queries.test.ts's, on a stand-in that can misbehave.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/common/client.ts';
import type { CallProgress } from '../../../src/common/contract.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../src/workstation/in-process-transport.ts';
import { errorOf } from '../../support/error-of.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';

const PROJECT = 'covid-outcomes';
/** Positive tests joined to the admissions of the same person, through the project's pseudonym of the NHS number. */
const JOIN_SQL = `SELECT h.admission_method, t.test_type, count(*) AS admissions, count(DISTINCT t.nhs_number) AS people
FROM covid_tests AS t
JOIN hospital_episodes AS h ON h.nhs_number = t.nhs_number
WHERE t.result = 'positive'
GROUP BY h.admission_method, t.test_type
ORDER BY h.admission_method, t.test_type`;
const ROWS_SQL = `SELECT t.nhs_number, t.specimen_date, h.admission_date
FROM covid_tests AS t JOIN hospital_episodes AS h ON h.nhs_number = t.nhs_number`;

let fixture: PlatformFixture;
let platform: RunningPlatform;
let root: string;
let core: WorkstationCore;
let client: Client;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
  root = await mkdtemp(path.join(tmpdir(), 'enclave-platform-real-'));
  core = createWorkstationCore({ platformUrl: platform.url, healthIntervalMs: 3_600_000, tokenStore: 'memory', workspaces: { root } });
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await playSignIn({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' });
  client = createClient(createInProcessTransport(core));
}, 120_000);

afterAll(async () => {
  core?.close();
  await core?.closed();
  await platform?.stop();
  await fixture?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every value of a local table, as text. */
async function valuesOf(table: string): Promise<string[]> {
  const run = await client.invoke('workspace.run', { projectId: PROJECT, sql: `SELECT * FROM ${table}`, record: false });
  const page = await client.invoke('workspace.page', {
    projectId: PROJECT,
    page: { resultId: run.resultId ?? '', offset: 0, limit: 5_000 },
  });
  const rows = tableFromIPC(page);
  const values: string[] = [];
  for (const field of rows.schema.fields) {
    const column = rows.getChild(field.name);
    for (let i = 0; i < rows.numRows; i += 1) values.push(String(column?.get(i)));
  }
  return values;
}

describe('workspace.loadQuery against the real platform', () => {
  it('joins tests to admissions through the pseudonym, and the minimised rows become a local table', async () => {
    const progress: CallProgress[] = [];

    const loaded = await client.invoke(
      'workspace.loadQuery',
      { projectId: PROJECT, sql: JOIN_SQL, table: 'tests_admissions', replace: false },
      { onProgress: (p) => progress.push(p) },
    );

    expect(loaded.table).toBe('tests_admissions');
    expect(loaded.rows).toBeGreaterThan(0);
    const [table] = (await client.invoke('workspace.tables', { projectId: PROJECT })).filter((t) => t.name === 'tests_admissions');
    expect(table?.columns.map((c) => c.name)).toEqual(['admission_method', 'test_type', 'admissions', 'people']);
    expect(table?.rows).toBe(loaded.rows);
    // The first report is said before the platform answers (the transport may drop later ones of a quick call).
    expect(progress[0]).toMatchObject({ stage: 'Running on the platform' });
    const { entries } = await client.invoke('workspace.history', { projectId: PROJECT, query: {} });
    expect(entries[0]).toMatchObject({
      sql: JOIN_SQL,
      engine: 'platform',
      outcome: 'ok',
      rows: loaded.rows,
      message: `Created tests_admissions (${loaded.rows.toLocaleString('en-GB')} ${loaded.rows === 1 ? 'row' : 'rows'}) from the platform`,
    });
  }, 60_000);

  it('carries the treated values only: the pseudonym never looks like an NHS number, dates at their resolution', async () => {
    const loaded = await client.invoke('workspace.loadQuery', { projectId: PROJECT, sql: ROWS_SQL, table: 'linked_rows', replace: false });

    expect(loaded.rows).toBeGreaterThan(0);
    const values = await valuesOf('linked_rows');
    // A 999-range NHS number (ten digits) or an exact date would be a raw value.
    expect(values.filter((value) => /^\d{10}$/u.test(value.replace(/\s/gu, '')))).toEqual([]);
    expect(values.filter((value) => /^\d{4}-\d{2}-\d{2}$/u.test(value))).toEqual([]);
  }, 60_000);

  // A sum in DuckDB is a HUGEINT, which Parquet cannot hold: written as it is, it arrives as a DOUBLE (inexact past 2^53).
  it('carries the types a query gives: a sum stays exact (never a DOUBLE), dates as their treated text, lists and structs', async () => {
    const sql = `SELECT sum(length_of_stay) AS total_stay, sum(length_of_stay)::HUGEINT * 100000000000000000000 AS big,
  avg(length_of_stay) AS mean_stay, list(DISTINCT admission_method ORDER BY admission_method) AS methods,
  {'first': min(admission_date), 'last': max(admission_date)} AS span, 12.50::DECIMAL(9,2) AS price
FROM hospital_episodes`;

    await client.invoke('workspace.loadQuery', { projectId: PROJECT, sql, table: 'typed', replace: false });

    const [typed] = (await client.invoke('workspace.tables', { projectId: PROJECT })).filter((t) => t.name === 'typed');
    const types = Object.fromEntries((typed?.columns ?? []).map((c) => [c.name, c.type]));
    expect(types.total_stay).not.toBe('DOUBLE');
    expect(types.big).not.toBe('DOUBLE');
    expect(types).toMatchObject({
      mean_stay: 'DOUBLE',
      methods: 'VARCHAR[]',
      span: 'STRUCT("first" VARCHAR, "last" VARCHAR)',
      price: 'DECIMAL(9,2)',
    });
  }, 60_000);

  it("says the platform's refusal of SQL it will not run, and makes no table", async () => {
    const error = await errorOf(
      client.invoke('workspace.loadQuery', {
        projectId: PROJECT,
        sql: 'SELECT * FROM national_opt_outs',
        table: 'opt_outs',
        replace: false,
      }),
    );

    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toMatch(/\n\s+at\s/u);
    expect((await client.invoke('workspace.tables', { projectId: PROJECT })).map((t) => t.name)).not.toContain('opt_outs');
    const { entries } = await client.invoke('workspace.history', { projectId: PROJECT, query: {} });
    expect(entries[0]).toMatchObject({ engine: 'platform', outcome: 'error', message: error.message });
  }, 60_000);

  it('keeps the position the platform points at in SQL it cannot read, for the editor to mark', async () => {
    const sql = 'SELECT admission_method FROM FROM hospital_episodes';

    const error = await errorOf(client.invoke('workspace.loadQuery', { projectId: PROJECT, sql, table: 'typo', replace: false }));

    expect(error.code).toBe('invalid_input');
    expect(error.position).toBe(sql.indexOf('FROM FROM') + 'FROM '.length);
  }, 60_000);
});
