// Cancel at every hop, on the real parts: the renderer's own HTTP transport → the browser shell → the workstation
// core → the platform client → the real platform (embedded identity provider, metadata store, DuckDB engine over
// a patients file of PATIENT_ROWS rows, read through the project's minimised copy). Cancelling the sample must reach
// the platform as a disconnect and abort the signal of the copy's sample, which stops the query. The engine is the
// real one; the test only watches the sample() calls of the copies it hands out (what signal each got, how each
// ended), since nothing else of the platform shows when a query stops.
import { request } from 'node:http';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type Client } from '../../../src/common/client.ts';
import type { CallProgress } from '../../../src/common/contract.ts';
import type { DataEngine, ProjectCopy } from '../../../src/platform/engine/data-engine.ts';
import type * as DuckDbEngineModule from '../../../src/platform/engine/duckdb-engine.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { httpTransport, type ConnectedTransport } from '../../contract/transports/index.ts';
import { errorOf } from '../../support/error-of.ts';
import { startPlatform, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from '../workstation/play-browser.ts';
import { copiesBuilt } from './copy-support.ts';
import { createPlatformFixture, mintAccessToken, type PlatformFixture } from './fixture.ts';
import { enlargePatients } from './large-patients.ts';

/** Enough rows that sorting them and building the sample's Arrow takes the engine seconds, not milliseconds. */
const PATIENT_ROWS = 1_200_000;
// Cardiovascular admissions sees every patient but the opted-out (covid-outcomes sees only those with a positive test).
const SAMPLE = { projectId: 'cardio-admissions', datasetId: 'patients', limit: 1_000_000 };

/** One sample() a copy of the real engine was asked for: the signal it got, and how it ended. */
interface WatchedQuery {
  readonly signal: AbortSignal | undefined;
  readonly ended: Promise<{ ok: true; bytes: number } | { ok: false; error: unknown }>;
}

const watch = vi.hoisted(() => {
  const queries: WatchedQuery[] = [];
  const waiting: Array<(query: WatchedQuery) => void> = [];
  return {
    queries,
    record(query: WatchedQuery) {
      queries.push(query);
      waiting.shift()?.(query);
    },
    /** Resolves with the engine's next sample() call (or the first one not yet taken). */
    next(taken: number): Promise<WatchedQuery> {
      const query = queries[taken];
      if (query) return Promise.resolve(query);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
});

/** The copy with its sample() watched; everything else is the real copy's. */
function watched(copy: ProjectCopy): ProjectCopy {
  return {
    projectId: copy.projectId,
    version: copy.version,
    relations: copy.relations,
    parse: (sql) => copy.parse(sql),
    query: (request) => copy.query(request),
    sample(request) {
      const running = copy.sample(request);
      watch.record({
        signal: request.signal,
        ended: running.then(
          // The answer is written whole before a byte is sent, so its size is known here; the route reads it.
          (answer) => ({ ok: true as const, bytes: answer.bytes }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      });
      return running;
    },
  };
}

vi.mock('../../../src/platform/engine/duckdb-engine.ts', async (importOriginal) => {
  const real = await importOriginal<typeof DuckDbEngineModule>();
  return {
    ...real,
    async openDuckDbEngine(options: Parameters<typeof real.openDuckDbEngine>[0]): Promise<DataEngine> {
      const engine = await real.openDuckDbEngine(options);
      return {
        name: engine.name,
        dataVersion: engine.dataVersion,
        datasets: () => engine.datasets(),
        rowCount: (datasetId) => engine.rowCount(datasetId),
        close: () => engine.close(),
        copy: async (spec, copyOptions) => watched(await engine.copy(spec, copyOptions)),
      };
    },
  };
});

let fixture: PlatformFixture;
let platform: RunningPlatform;
let core: WorkstationCore;
let connected: ConnectedTransport;
let client: Client;
let taken = 0;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  await enlargePatients(fixture.dataDir, PATIENT_ROWS);
  platform = await startPlatform({ fixture });
  // The demo's three projects' copies, built in the background at start: timed once they are all there.
  await copiesBuilt(fixture.dataDir, 3);
  core = createWorkstationCore({ platformUrl: platform.url, healthIntervalMs: 3_600_000, tokenStore: 'memory' });
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await playSignIn({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' });
  connected = await httpTransport(core);
  client = createClient(connected.transport);
  // The window listens to events all the time, as the app does: its event stream is open before any call.
  await new Promise<void>((resolve) => client.listen('platform.status', () => resolve()));
}, 300_000);

afterAll(async () => {
  await connected?.close();
  core?.close();
  await platform?.stop();
  await fixture?.cleanup();
});

/** The next sample() call of a copy. */
async function nextQuery(): Promise<WatchedQuery> {
  const query = await watch.next(taken);
  taken += 1;
  return query;
}

describe('a cancelled sample stops the platform query', () => {
  it("Cancel in the window aborts the engine's query on the platform mid-way", async () => {
    const controller = new AbortController();
    const call = client.invoke('dataset.sample', SAMPLE, { signal: controller.signal });
    const query = await nextQuery();
    expect(query.signal?.aborted).toBe(false);

    const cancelledAt = performance.now();
    controller.abort();
    const error = await errorOf(call);
    const answeredMs = performance.now() - cancelledAt;

    expect(error.code).toBe('cancelled');
    // The platform saw the workstation hang up, aborted the engine's signal, and the query stopped unfinished.
    const ended = await query.ended;
    const stoppedMs = performance.now() - cancelledAt;
    expect(query.signal?.aborted).toBe(true);
    expect(ended).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    console.log(
      `[sample-cancel] ${SAMPLE.limit.toLocaleString('en-GB')}-row sample of ${PATIENT_ROWS.toLocaleString('en-GB')} patients: the window had its answer ${answeredMs.toFixed(0)} ms after Cancel, the platform's query had stopped after ${stoppedMs.toFixed(0)} ms`,
    );
  });

  it('the same sample, not cancelled, arrives whole with its download progress in bytes (the baseline)', async () => {
    const seen: CallProgress[] = [];
    const started = performance.now();

    const bytes = await client.invoke('dataset.sample', SAMPLE, { onProgress: (progress) => seen.push(progress) });
    const query = await nextQuery();

    expect(await query.ended).toEqual({ ok: true, bytes: bytes.byteLength });
    expect(tableFromIPC(bytes).numRows).toBe(SAMPLE.limit);
    expect(seen[0]).toEqual({ done: 0, total: null, unit: 'bytes', stage: 'Waiting for the platform' });
    const fetching = seen.filter((progress) => progress.stage === 'Fetching from the platform');
    expect(fetching.length).toBeGreaterThan(0);
    expect(fetching.every((progress) => progress.total === bytes.byteLength && progress.done <= bytes.byteLength)).toBe(true);
    console.log(
      `[sample-cancel] the uncancelled sample took ${(performance.now() - started).toFixed(0)} ms (${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB, ${seen.length} progress events)`,
    );
  });

  it('a client that hangs up before the platform has checked its membership still stops the engine', async () => {
    const url = new URL(`/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=${SAMPLE.limit}`, platform.url);
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst', issuer: platform.issuer });
    const sent = request(url, { headers: { authorization: `Bearer ${token}` } });
    sent.on('error', () => {});
    sent.end();
    // Gone as soon as the request is out: the platform learns of it while it still checks the token and membership.
    sent.on('finish', () => sent.destroy());

    const query = await nextQuery();

    expect(await query.ended).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(query.signal?.aborted).toBe(true);
  });
});
