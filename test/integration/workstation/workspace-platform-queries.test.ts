// Platform queries into the analyst's native engine (workspace.loadQuery), on the real parts of the workstation: the
// workspace service and its history, the native engine in a temp folder, and the platform client over real HTTP. The
// platform's query route is a stand-in here that answers the way the route is declared (src/common/platform-api.ts,
// 'project.query': the whole result as Parquet, or an error) and can stall or break the connection part-way, so every
// hop is exercised: a load whose platform goes away or is cancelled leaves no half table and keeps the one it would
// have replaced, and each run is in the project's history as the platform's. The real route is exercised end to end
// in ./workspace-platform-real.test.ts and the e2e workspace journey.
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallProgress, Project } from '../../../src/common/contract.ts';
import type { CallContext } from '../../../src/common/dispatch.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { PARQUET_CONTENT_TYPE } from '../../../src/common/platform-api.ts';
import { createPlatformClient } from '../../../src/workstation/platform-client.ts';
import type { OpenQuery } from '../../../src/workstation/workspaces/samples.ts';
import { createCoreWorkspaces, type CoreWorkspaces } from '../../../src/workstation/workspaces/wiring.ts';
import { errorOf } from '../../support/error-of.ts';

const DISK: Project = {
  id: 'covid-outcomes',
  name: 'COVID-19 outcomes',
  purpose: 'Platform queries.',
  datasetIds: ['covid_tests', 'hospital_episodes'],
  localData: 'disk',
  clipboardCellLimit: 100,
};
const MEMORY: Project = { ...DISK, id: 'opt-out-monitoring', name: 'Opt-out monitoring', localData: 'memory' };

/** Enough rows that the Parquet answer is a few megabytes: there is a part-way to stop at. */
const RESULT_ROWS = 300_000;
const JOIN_SQL = `SELECT t.test_type, h.admission_method, count(*) AS admissions
FROM covid_tests AS t JOIN hospital_episodes AS h ON h.nhs_number = t.nhs_number
GROUP BY ALL`;

/** How the stand-in answers the next query. */
type Behaviour =
  | { kind: 'result' }
  /** Answers a small result with a column of each kind of type the engine gives. */
  | { kind: 'types' }
  /** Sends the first half of the result, then waits until the client goes away. */
  | { kind: 'stall' }
  /** Sends the first half of the result, then breaks the connection. */
  | { kind: 'break' }
  | { kind: 'refuse'; status: number; error: { code: string; message: string; position?: number } };

/**
 * A column of each kind of type Parquet carries, and the type it must have in the local table. (A HUGEINT is the
 * platform's to write as DECIMAL(38,0): Parquet has no 128-bit integer; ./workspace-platform-real.test.ts checks it.)
 */
const TYPED_COLUMNS = [
  { name: 'huge', value: '12345678901234567890123456789012345678::DECIMAL(38,0)', type: 'DECIMAL(38,0)' },
  { name: 'money', value: '1234.567::DECIMAL(18,3)', type: 'DECIMAL(18,3)' },
  { name: 'admitted_at', value: "TIMESTAMP '2021-01-02 03:04:05'", type: 'TIMESTAMP' },
  { name: 'admitted_on', value: "DATE '2021-01-02'", type: 'DATE' },
  { name: 'codes', value: "['J18.9', 'U07.1']", type: 'VARCHAR[]' },
  { name: 'episode', value: "{'method': 'emergency', 'stay': 4}", type: 'STRUCT("method" VARCHAR, stay INTEGER)' },
  { name: 'positive', value: 'true', type: 'BOOLEAN' },
  { name: 'ratio', value: '0.25::DOUBLE', type: 'DOUBLE' },
] as const;

interface QueryRequest {
  path: string;
  body: unknown;
  authorization: string | undefined;
}

let parquet: Buffer;
let typesParquet: Buffer;
let server: Server;
let baseUrl: string;
let behaviour: Behaviour = { kind: 'result' };
let requests: QueryRequest[] = [];
/** Resolves when the stand-in has seen the client go away mid-answer. */
let clientLeft: Promise<void> = Promise.resolve();
let markClientLeft: () => void = () => {};

let root: string;
let workspaces: CoreWorkspaces;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
}

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  requests.push({ path: request.url ?? '', body, authorization: request.headers.authorization });
  if (behaviour.kind === 'refuse') {
    response.writeHead(behaviour.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: behaviour.error }));
    return;
  }
  if (behaviour.kind === 'types') {
    response.writeHead(200, { 'content-type': PARQUET_CONTENT_TYPE, 'content-length': String(typesParquet.byteLength) });
    response.end(typesParquet);
    return;
  }
  response.writeHead(200, { 'content-type': PARQUET_CONTENT_TYPE, 'content-length': String(parquet.byteLength) });
  if (behaviour.kind === 'result') {
    response.end(parquet);
    return;
  }
  response.write(parquet.subarray(0, Math.floor(parquet.byteLength / 2)));
  if (behaviour.kind === 'break') {
    // Let the half reach the client before the connection goes.
    setTimeout(() => response.destroy(), 100);
    return;
  }
  response.once('close', () => markClientLeft());
}

beforeAll(async () => {
  // The result as the platform's engine writes it: DuckDB's own Parquet.
  const scratch = await mkdtemp(path.join(tmpdir(), 'enclave-query-parquet-'));
  const file = path.join(scratch, 'result.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT ['PCR', 'LFT'][1 + i % 2] AS test_type, 'method_' || (i % 7) AS admission_method, i AS admissions,
             md5(i::VARCHAR) AS padding
           FROM range(${RESULT_ROWS}) AS r(i)) TO '${file}' (FORMAT parquet)`,
  );
  const typesFile = path.join(scratch, 'types.parquet');
  await connection.run(
    `COPY (SELECT ${TYPED_COLUMNS.map((column) => `${column.value} AS ${column.name}`).join(', ')}) TO '${typesFile}' (FORMAT parquet)`,
  );
  connection.closeSync();
  instance.closeSync();
  parquet = await readFile(file);
  typesParquet = await readFile(typesFile);
  await rm(scratch, { recursive: true, force: true });

  server = createServer((request, response) => {
    answer(request, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
});

/** The core's wiring of openQuery (src/workstation/core.ts), over the real platform client, as Parquet. */
function openQueryAt(url: string): OpenQuery {
  const client = createPlatformClient({ baseUrl: url });
  return (request, { signal, onReceived }) =>
    client.queryRows({ ...request, format: 'parquet' }, { token: 'analyst-token', signal, onReceived });
}

beforeEach(async () => {
  behaviour = { kind: 'result' };
  requests = [];
  clientLeft = new Promise((resolve) => (markClientLeft = resolve));
  root = await mkdtemp(path.join(tmpdir(), 'enclave-platform-queries-'));
  workspaces = createCoreWorkspaces({
    root,
    env: {},
    owner: () => ({ issuer: 'https://idp.example', sub: 'analyst-1' }),
    projects: async () => [DISK, MEMORY],
    openSample: async () => Promise.reject(new EnclaveError('unavailable', 'No samples here.')),
    openQuery: openQueryAt(baseUrl),
    log: () => {},
  });
});

afterEach(async () => {
  await workspaces.close();
  await rm(root, { recursive: true, force: true });
});

/** A call as a transport makes one: its signal, and every progress report it gives. */
function call(controller = new AbortController()) {
  const seen: CallProgress[] = [];
  const waiters: Array<{ test: (progress: CallProgress) => boolean; resolve: () => void }> = [];
  const context: CallContext = {
    signal: controller.signal,
    progress(progress) {
      seen.push(progress);
      for (const waiter of [...waiters]) {
        if (!waiter.test(progress)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
  };
  const until = (test: (progress: CallProgress) => boolean): Promise<void> =>
    seen.some(test) ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }));
  return { context, seen, until, cancel: () => controller.abort() };
}

async function tableNames(): Promise<string[]> {
  return (await workspaces.handlers['workspace.tables']({ projectId: DISK.id })).map((table) => table.name);
}

/** The newest platform run in the project's history (the test's own local runs are there too, as the local engine's). */
async function newestRun() {
  const { entries } = await workspaces.handlers['workspace.history']({ projectId: DISK.id, query: {} });
  return entries.find((entry) => entry.engine === 'platform');
}

async function run(sql: string) {
  return workspaces.handlers['workspace.run']({ projectId: DISK.id, sql });
}

/** Files the engine is still writing a download into (its incoming/ folder): none once a load has ended. */
async function incomingFiles(): Promise<string[]> {
  const files = await readdir(root, { recursive: true });
  return files.map(String).filter((file) => file.split(path.sep).includes('incoming') && file.endsWith('.parquet'));
}

describe('workspace.loadQuery', () => {
  it('loads the whole result into a local table, with progress (on the platform, bytes, rows), and records the run as the platform’s', async () => {
    const progress = call();

    const loaded = await workspaces.handlers['workspace.loadQuery'](
      { projectId: DISK.id, sql: JOIN_SQL, table: 'tests_admissions', replace: false },
      progress.context,
    );

    expect(loaded).toEqual({ table: 'tests_admissions', rows: RESULT_ROWS });
    const [table] = (await workspaces.handlers['workspace.tables']({ projectId: DISK.id })).filter((t) => t.name === 'tests_admissions');
    expect(table).toMatchObject({
      rows: RESULT_ROWS,
      columns: [{ name: 'test_type' }, { name: 'admission_method' }, { name: 'admissions' }, { name: 'padding' }],
    });
    // The request is the declared route's, as the signed-in user: the SQL as written, the rows as Parquet.
    expect(requests).toEqual([
      { path: '/api/v1/projects/covid-outcomes/query', body: { sql: JOIN_SQL, format: 'parquet' }, authorization: 'Bearer analyst-token' },
    ]);
    // Progress: the platform runs the query, then the download counts bytes of the whole, then the engine loads rows.
    expect(progress.seen[0]).toEqual({ done: 0, total: null, unit: 'bytes', stage: 'Running on the platform' });
    const bytes = progress.seen.filter((p) => p.stage === 'Fetching from the platform');
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.every((p) => p.unit === 'bytes' && p.total === parquet.byteLength && p.done <= parquet.byteLength)).toBe(true);
    expect(bytes.at(-1)?.done).toBe(parquet.byteLength);
    const firstRows = progress.seen.findIndex((p) => p.unit === 'rows');
    expect(firstRows).toBeGreaterThan(progress.seen.indexOf(bytes.at(-1) as CallProgress));
    expect(progress.seen.at(-1)).toEqual({ done: RESULT_ROWS, total: null, unit: 'rows', stage: 'Loading into the local table' });
    expect(await newestRun()).toMatchObject({
      sql: JOIN_SQL,
      engine: 'platform',
      outcome: 'ok',
      rows: RESULT_ROWS,
      message: 'Created tests_admissions (300,000 rows) from the platform',
    });
    // The table is the analyst's to query like any other.
    expect((await run('SELECT count(DISTINCT admission_method) AS methods FROM tests_admissions')).rowCount).toBe(1);
    expect(await incomingFiles()).toEqual([]);
  });

  it('carries every column type Parquet holds: DECIMAL(38), TIMESTAMP, DATE, LIST, STRUCT …', async () => {
    behaviour = { kind: 'types' };

    await workspaces.handlers['workspace.loadQuery'](
      { projectId: DISK.id, sql: 'SELECT …', table: 'typed', replace: false },
      call().context,
    );

    const [typed] = await workspaces.handlers['workspace.tables']({ projectId: DISK.id });
    expect(typed?.columns).toEqual(TYPED_COLUMNS.map(({ name, type }) => ({ name, type })));
  });

  it('cancelled mid-download: rejects with cancelled, no half table, the table it would replace kept, the download stopped', async () => {
    await run('CREATE TABLE kept AS SELECT 42 AS answer');
    behaviour = { kind: 'stall' };
    const progress = call();
    const loading = errorOf(
      workspaces.handlers['workspace.loadQuery']({ projectId: DISK.id, sql: JOIN_SQL, table: 'kept', replace: true }, progress.context),
    );
    await progress.until((p) => p.unit === 'bytes' && p.done > 0);

    progress.cancel();

    const error = await loading;
    expect(error).toMatchObject({ code: 'cancelled', message: 'The platform query was cancelled. Nothing was loaded; kept is unchanged.' });
    await clientLeft;
    expect(progress.seen.some((p) => p.unit === 'rows')).toBe(false);
    expect(await run('SELECT * FROM kept')).toMatchObject({ rowCount: 1, columns: [{ name: 'answer', type: 'INTEGER' }] });
    expect(await tableNames()).toEqual(['kept']);
    expect(await newestRun()).toMatchObject({ engine: 'platform', outcome: 'cancelled', rows: null, message: error.message });
    expect(await incomingFiles()).toEqual([]);
  });

  it('cancelled while the platform still runs the query: no table, and the history says so', async () => {
    behaviour = { kind: 'stall' };
    const controller = new AbortController();
    controller.abort();
    const progress = call(controller);

    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery'](
        { projectId: DISK.id, sql: JOIN_SQL, table: 'never_loaded', replace: false },
        progress.context,
      ),
    );

    expect(error.code).toBe('cancelled');
    expect(await tableNames()).toEqual([]);
  });

  it('the platform goes away mid-download: a clear error, no half table, the replaced table kept, the run recorded as an error', async () => {
    await run('CREATE TABLE kept AS SELECT 42 AS answer');
    behaviour = { kind: 'break' };

    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery']({ projectId: DISK.id, sql: JOIN_SQL, table: 'kept', replace: true }, call().context),
    );

    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/^The platform stopped sending the result part-way \(after \d+\.\d MB\): /);
    expect(error.message).toMatch(/Nothing was loaded; kept is unchanged\. Run the query again when the platform is back\.$/);
    expect(await run('SELECT * FROM kept')).toMatchObject({ rowCount: 1, columns: [{ name: 'answer' }] });
    expect(await tableNames()).toEqual(['kept']);
    expect(await newestRun()).toMatchObject({ engine: 'platform', outcome: 'error', rows: null, message: error.message });
    expect(await incomingFiles()).toEqual([]);
  });

  it('the platform cannot be reached at all: unavailable, nothing loaded', async () => {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    dead.close();
    await workspaces.close();
    workspaces = createCoreWorkspaces({
      root,
      env: {},
      owner: () => ({ issuer: 'https://idp.example', sub: 'analyst-1' }),
      projects: async () => [DISK],
      openSample: async () => Promise.reject(new EnclaveError('unavailable', 'No samples here.')),
      openQuery: openQueryAt(deadUrl),
      log: () => {},
    });

    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery']({ projectId: DISK.id, sql: JOIN_SQL, table: 'result_1', replace: false }, call().context),
    );

    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/cannot be reached/) });
    expect(await tableNames()).toEqual([]);
    expect(await newestRun()).toMatchObject({ engine: 'platform', outcome: 'error', message: error.message });
  });

  it('an existing table is kept unless replace is asked for: refused before the platform is asked, and the refusal is in the history', async () => {
    await run('CREATE TABLE tests_admissions AS SELECT 1 AS one');
    const progress = call();

    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery'](
        { projectId: DISK.id, sql: JOIN_SQL, table: 'tests_admissions', replace: false },
        progress.context,
      ),
    );

    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/already a local table named tests_admissions/) });
    expect(requests).toEqual([]);
    expect(progress.seen).toEqual([]);
    expect(await run('SELECT * FROM tests_admissions')).toMatchObject({ rowCount: 1, columns: [{ name: 'one' }] });
    expect(await newestRun()).toMatchObject({ engine: 'platform', outcome: 'error', message: error.message });
  });

  it('replace swaps the table in whole, and the history says it was replaced', async () => {
    await run('CREATE TABLE tests_admissions AS SELECT 1 AS one');

    const loaded = await workspaces.handlers['workspace.loadQuery'](
      { projectId: DISK.id, sql: JOIN_SQL, table: 'tests_admissions', replace: true },
      call().context,
    );

    expect(loaded.rows).toBe(RESULT_ROWS);
    expect((await run('SELECT * FROM tests_admissions')).columns.map((c) => c.name)).toEqual([
      'test_type',
      'admission_method',
      'admissions',
      'padding',
    ]);
    expect((await newestRun())?.message).toBe('Replaced tests_admissions (300,000 rows) from the platform');
  });

  it("the platform's refusal of the SQL keeps its words, and no table is made", async () => {
    behaviour = {
      kind: 'refuse',
      status: 400,
      error: { code: 'invalid_input', message: 'Only one SELECT over this project’s relations can run on the platform.' },
    };

    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery'](
        { projectId: DISK.id, sql: 'SELECT 1; SELECT 2', table: 'two', replace: false },
        call().context,
      ),
    );

    expect(error).toMatchObject({
      code: 'invalid_input',
      message: 'Only one SELECT over this project’s relations can run on the platform.',
    });
    expect(await tableNames()).toEqual([]);
    expect(await newestRun()).toMatchObject({ sql: 'SELECT 1; SELECT 2', engine: 'platform', outcome: 'error', message: error.message });
  });

  it('an error in the SQL keeps the position the platform points at, for the editor to mark', async () => {
    await workspaces.close();
    const refusing: OpenQuery = async () => {
      throw new EnclaveError('invalid_input', 'Referenced column "admision_method" not found.', { position: 9 });
    };
    workspaces = createCoreWorkspaces({
      root,
      env: {},
      owner: () => ({ issuer: 'https://idp.example', sub: 'analyst-1' }),
      projects: async () => [DISK],
      openSample: async () => Promise.reject(new EnclaveError('unavailable', 'No samples here.')),
      openQuery: refusing,
      log: () => {},
    });

    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery'](
        { projectId: DISK.id, sql: 'SELECT h.admision_method FROM hospital_episodes AS h', table: 'typo', replace: false },
        call().context,
      ),
    );

    expect(error.toValue()).toEqual({ code: 'invalid_input', message: 'Referenced column "admision_method" not found.', position: 9 });
  });

  it("a 'memory' project's query is the window's to load: refused before the platform is asked, nothing recorded here", async () => {
    const error = await errorOf(
      workspaces.handlers['workspace.loadQuery'](
        { projectId: MEMORY.id, sql: JOIN_SQL, table: 'result_1', replace: false },
        call().context,
      ),
    );

    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/keeps its tables in the window only/) });
    expect(requests).toEqual([]);
    const { entries } = await workspaces.handlers['workspace.history']({ projectId: MEMORY.id, query: {} });
    expect(entries).toEqual([]);
  });
});
