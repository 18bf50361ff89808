// Samples straight into the analyst's native engine, on the real parts: the workstation core (session, platform
// client, workspace service, native DuckDB in a temp folder) and the real platform (embedded identity provider,
// metadata store, DuckDB engine over a patients file of PATIENT_ROWS rows), over real HTTP. The sample travels as
// Parquet from the platform into the core's engine; the window only hears progress and the answer. A cancel at any
// point leaves no half table in the workspace and no file on the platform.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { watch } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createClient, type Client, type Transport } from '../../../src/common/client.ts';
import type { CallProgress } from '../../../src/common/contract.ts';
import { QUERY_EXPORTS_FOLDER as SAMPLE_EXPORTS_FOLDER } from '../../../src/platform/engine/exports-folder.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../src/workstation/in-process-transport.ts';
import { errorOf } from '../../support/error-of.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { copiesBuilt } from '../platform/copy-support.ts';
import { enlargePatients } from '../platform/large-patients.ts';
import { playSignIn } from './play-browser.ts';

/** Enough rows that writing and sending the sample takes a while: there is a "mid-way" to cancel in. */
const PATIENT_ROWS = 1_000_000;
/** A project with no cohort condition, so it sees every patient but the fixture's one opted-out person. */
const PROJECT = 'cardio-admissions';
const PROJECT_PATIENTS = PATIENT_ROWS - 1;
/** The patients as Cardiovascular admissions sees them: the NHS number as a pseudonym; postcode, practice and ethnicity dropped. */
const PATIENT_COLUMNS = ['nhs_number', 'date_of_birth', 'sex', 'lsoa_code', 'region', 'date_of_death'];

let fixture: PlatformFixture;
let platform: RunningPlatform;
let root: string;
let core: WorkstationCore;
let transport: Transport;
let client: Client;

/**
 * Holds a sample's download after its first chunk, until the request is cancelled, while set. Over loopback a fast
 * machine fetches the whole sample inside one progress interval, so without it there is no "mid-download" to cancel in.
 */
let holdDownloads = false;

/** The core's fetch: the real one, with the sample's body held after its first chunk while `holdDownloads` is set. */
const heldFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = input instanceof Request ? input.url : String(input);
  if (!holdDownloads || !/\/datasets\/[^/]+\/sample/.test(url) || response.body === null) return response;
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const signal = init?.signal;
  let chunks = 0;
  const held = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (chunks++ > 0) {
        await new Promise<void>((resolve) => {
          if (signal?.aborted) resolve();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        controller.error(signal?.reason ?? new Error('held until cancelled'));
        await reader.cancel();
        return;
      }
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(held, { status: response.status, statusText: response.statusText, headers: response.headers });
};

beforeAll(async () => {
  fixture = await createPlatformFixture();
  await enlargePatients(fixture.dataDir, PATIENT_ROWS);
  platform = await startPlatform({ fixture });
  // The platform prepares the three projects' minimised copies as it starts (a million patients each): timed here,
  // not in the first test.
  await copiesBuilt(fixture.dataDir, 3);
  root = await mkdtemp(path.join(tmpdir(), 'enclave-workspace-samples-'));
  core = createWorkstationCore({
    platformUrl: platform.url,
    fetch: heldFetch,
    healthIntervalMs: 3_600_000,
    tokenStore: 'memory',
    workspaces: { root },
  });
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await playSignIn({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' });
  transport = createInProcessTransport(core);
  client = createClient(transport);
  // The window listens to events all the time, as the app does.
  await new Promise<void>((resolve) => client.listen('platform.status', () => resolve()));
}, 300_000);

afterAll(async () => {
  core?.close();
  await core?.closed();
  await platform?.stop();
  await fixture?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

const platformExports = () => path.join(fixture.dataDir, SAMPLE_EXPORTS_FOLDER);

async function localTables(): Promise<string[]> {
  return (await client.invoke('workspace.tables', { projectId: PROJECT })).map((table) => table.name);
}

/** Every progress report of one call, and a way to wait for one. */
function progressLog() {
  const seen: CallProgress[] = [];
  const waiters: Array<{ test: (progress: CallProgress) => boolean; resolve: () => void }> = [];
  return {
    seen,
    onProgress(progress: CallProgress) {
      seen.push(progress);
      for (const waiter of [...waiters]) {
        if (!waiter.test(progress)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    until(test: (progress: CallProgress) => boolean): Promise<void> {
      if (seen.some(test)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

describe('workspace.loadSample', () => {
  it('streams the sample into the native engine with progress in bytes, then rows, and the table is there whole', async () => {
    const log = progressLog();
    const started = performance.now();

    const loaded = await client.invoke(
      'workspace.loadSample',
      { projectId: PROJECT, datasetId: 'patients', limit: PATIENT_ROWS, table: 'patients', replace: false },
      { onProgress: log.onProgress },
    );
    const elapsed = performance.now() - started;

    expect(loaded).toEqual({ table: 'patients', rows: PROJECT_PATIENTS });
    const [table] = (await client.invoke('workspace.tables', { projectId: PROJECT })).filter((each) => each.name === 'patients');
    expect(table?.rows).toBe(PROJECT_PATIENTS);
    expect(table?.columns.map((column) => column.name)).toEqual(PATIENT_COLUMNS);
    // The date of birth arrives as an age band (text), never as a date.
    expect(table?.columns.find((column) => column.name === 'date_of_birth')?.type).toBe('VARCHAR');
    const counted = await client.invoke('workspace.run', {
      projectId: PROJECT,
      sql: "SELECT count(*) FILTER (WHERE sex = 'F') AS f, count(*) FILTER (WHERE date_of_death IS NULL) AS alive FROM patients",
    });
    expect(counted.rowCount).toBe(1);
    // Progress: waiting, then bytes of the Content-Length, then the load.
    expect(log.seen[0]).toEqual({ done: 0, total: null, unit: 'bytes', stage: 'Waiting for the platform' });
    const bytes = log.seen.filter((progress) => progress.unit === 'bytes' && progress.stage === 'Fetching from the platform');
    expect(bytes.length).toBeGreaterThan(0);
    const total = bytes[0]?.total ?? 0;
    expect(total).toBeGreaterThan(0);
    expect(bytes.every((progress) => progress.total === total && progress.done <= total)).toBe(true);
    const firstRows = log.seen.findIndex((progress) => progress.unit === 'rows');
    expect(firstRows).toBeGreaterThan(log.seen.indexOf(bytes.at(-1) as CallProgress));
    expect(log.seen.slice(firstRows).every((progress) => progress.unit === 'rows')).toBe(true);
    expect(await readdir(platformExports())).toEqual([]);
    console.log(
      `[workspace-samples] ${PATIENT_ROWS.toLocaleString('en-GB')} patients from the platform into the native engine as Parquet (${(total / 1e6).toFixed(1)} MB): ${elapsed.toFixed(0)} ms`,
    );
  });

  it('cancelled mid-download: rejects with cancelled, no half table, the table it would replace kept, nothing left on the platform', async () => {
    await client.invoke('workspace.run', { projectId: PROJECT, sql: 'CREATE TABLE kept AS SELECT 42 AS answer' });
    const log = progressLog();
    const controller = new AbortController();
    const id = randomUUID();
    holdDownloads = true;
    onTestFinished(() => {
      holdDownloads = false;
    });
    const stopped = errorOf(
      transport.invoke(
        'workspace.loadSample',
        { projectId: PROJECT, datasetId: 'patients', limit: PATIENT_ROWS, table: 'kept', replace: true },
        { id, signal: controller.signal, onProgress: log.onProgress },
      ),
    );
    await log.until((progress) => progress.unit === 'bytes' && progress.done > 0);

    controller.abort();

    expect((await stopped).code).toBe('cancelled');
    // The core's call has ended: the load rolled back before it answered.
    await vi.waitFor(() => expect(core.calls.isRunning(id)).toBe(false));
    expect(log.seen.some((progress) => progress.unit === 'rows')).toBe(false);
    const kept = await client.invoke('workspace.run', { projectId: PROJECT, sql: 'SELECT * FROM kept' });
    expect(kept).toMatchObject({ rowCount: 1, columns: [{ name: 'answer' }] });
    await vi.waitFor(async () => expect(await readdir(platformExports())).toEqual([]), { timeout: 10_000, interval: 20 });
  });

  it('cancelled while the platform still writes the sample: no table, nothing left on the platform', async () => {
    const id = randomUUID();
    const writing = new Promise<void>((resolve) => {
      const watcher = watch(platformExports(), () => {
        watcher.close();
        resolve();
      });
    });
    const controller = new AbortController();
    const stopped = errorOf(
      transport.invoke(
        'workspace.loadSample',
        { projectId: PROJECT, datasetId: 'patients', limit: PATIENT_ROWS, table: 'never_loaded', replace: false },
        { id, signal: controller.signal },
      ),
    );
    await writing;

    controller.abort();

    expect((await stopped).code).toBe('cancelled');
    await vi.waitFor(() => expect(core.calls.isRunning(id)).toBe(false));
    expect(await localTables()).not.toContain('never_loaded');
    await vi.waitFor(async () => expect(await readdir(platformExports())).toEqual([]), { timeout: 10_000, interval: 20 });
  });

  it('an existing table is kept unless replace is asked for: refused with invalid_input, nothing fetched', async () => {
    await client.invoke('workspace.run', { projectId: PROJECT, sql: 'CREATE OR REPLACE TABLE tests AS SELECT 1 AS one' });

    const log = progressLog();

    const error = await errorOf(
      client.invoke(
        'workspace.loadSample',
        { projectId: PROJECT, datasetId: 'hospital_episodes', limit: 10, table: 'tests', replace: false },
        { onProgress: log.onProgress },
      ),
    );

    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/already a local table named tests/) });
    // Refused before the platform was asked: no progress, not even "Waiting for the platform".
    expect(log.seen).toEqual([]);
    expect(await client.invoke('workspace.run', { projectId: PROJECT, sql: 'SELECT * FROM tests' })).toMatchObject({ rowCount: 1 });
  });

  it('a dataset outside the project is not_found, as the platform says, and no table is made', async () => {
    const error = await errorOf(
      client.invoke('workspace.loadSample', {
        projectId: PROJECT,
        datasetId: 'national_opt_outs',
        limit: 10,
        table: 'opt_outs',
        replace: false,
      }),
    );

    expect(error.code).toBe('not_found');
    expect(await localTables()).not.toContain('opt_outs');
  });

  it('replace swaps the table in whole', async () => {
    await client.invoke('workspace.run', { projectId: PROJECT, sql: 'CREATE OR REPLACE TABLE small AS SELECT 1 AS one' });

    const loaded = await client.invoke('workspace.loadSample', {
      projectId: PROJECT,
      datasetId: 'hospital_episodes',
      limit: 10,
      table: 'small',
      replace: true,
    });

    expect(loaded).toEqual({ table: 'small', rows: 3 });
    const [small] = (await client.invoke('workspace.tables', { projectId: PROJECT })).filter((table) => table.name === 'small');
    // Secondary diagnosis and procedure are dropped by the project's agreement.
    expect(small?.columns.map((column) => column.name)).toEqual([
      'episode_id',
      'nhs_number',
      'admission_date',
      'discharge_date',
      'admission_method',
      'primary_diagnosis',
      'provider_code',
      'age_on_admission',
      'length_of_stay',
    ]);
  });
});
