// A minimised query's result straight from the platform into a project's native engine, as a local table the analyst
// then queries, charts and keeps: the platform checks and runs the SQL on the project's minimised copy and answers the
// whole result as Parquet; the core streams the body into the engine as it arrives, and the engine makes the table
// visible only once it is complete (./samples.ts does the same for samples). Progress goes out while the platform
// runs the query, then in bytes while the result downloads, then in rows while the engine loads it; one cancel stops
// every hop. Each run is recorded in the project's history as the platform's, whatever its outcome.
import type { CallContext } from '../../common/dispatch.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { LocalEngine } from '../../common/local-engine.ts';
import type { WorkspaceStore } from '../workspace-state/state-store.ts';
import { startRun } from './runs.ts';
import type { OpenQuery } from './samples.ts';

export interface QueryLoad {
  engine: LocalEngine;
  /** Where the run is recorded. */
  store: WorkspaceStore;
  open: OpenQuery;
  query: { projectId: string; sql: string; table: string; replace: boolean };
  /** The call's progress; the signal is the one the work got (the call's, and the workspace's closing). */
  call: Pick<CallContext, 'progress'>;
  signal: AbortSignal;
  now?: () => Date;
  log: (message: string, detail?: unknown) => void;
}

/** Where the load had got to when it stopped: the platform still running the query, the download, or the load. */
type Stage = 'platform' | 'download' | 'load';

const STAGE_TEXT = {
  platform: 'Running on the platform',
  download: 'Fetching from the platform',
  load: 'Loading into the local table',
} as const satisfies Record<Stage, string>;

const count = (n: number): string => n.toLocaleString('en-GB');

/** "Created tests_admissions (12,345 rows) from the platform" (the window says the same of a 'memory' project's). */
export function loadedMessage(loaded: { table: string; rows: number; replaced: boolean }): string {
  const rows = `${count(loaded.rows)} ${loaded.rows === 1 ? 'row' : 'rows'}`;
  return `${loaded.replaced ? 'Replaced' : 'Created'} ${loaded.table} (${rows}) from the platform`;
}

function megabytes(bytes: number): string {
  return bytes < 100_000 ? `${count(bytes)} bytes` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** What to tell the analyst (and the history) of a load that did not complete. */
function failureOf(err: unknown, state: { signal: AbortSignal; stage: Stage; received: number; unchanged: string }): EnclaveError {
  if (state.signal.aborted || (err instanceof EnclaveError && err.code === 'cancelled')) {
    return new EnclaveError('cancelled', `The platform query was cancelled. Nothing was loaded${state.unchanged}.`);
  }
  if (!(err instanceof EnclaveError)) {
    return new EnclaveError(
      'internal',
      `The result could not be loaded: the workstation failed unexpectedly (the details are in its log). Nothing was loaded${state.unchanged}.`,
    );
  }
  // The platform went away (or the connection broke) after it had begun to send: said as such, never as bad data.
  if (state.stage !== 'platform' && (err.code === 'unavailable' || /cut short|not a complete/iu.test(err.message))) {
    return new EnclaveError(
      'unavailable',
      `The platform stopped sending the result part-way (after ${megabytes(state.received)}): ${err.message.replace(/\s*Nothing was changed\.$/u, '')} Nothing was loaded${state.unchanged}. Run the query again when the platform is back.`,
    );
  }
  // The platform's own refusal (the SQL, the agreement, the row cap) keeps its words and the position it points at.
  return err;
}

/** Passes the chunks on and says when the last one has arrived. */
async function* untilLast(chunks: AsyncIterable<Uint8Array>, onEnd: () => void): AsyncGenerator<Uint8Array> {
  yield* chunks;
  onEnd();
}

/** Runs the query on the platform and loads its rows into the table, all or nothing; records the run, whatever its end. */
export async function loadQuery(load: QueryLoad): Promise<{ table: string; rows: number }> {
  const { call, signal, query, engine } = load;
  const record = startRun({ store: load.store, sql: query.sql, engine: 'platform', now: load.now, log: load.log });
  const state = { signal, stage: 'platform' as Stage, received: 0, unchanged: '' };
  try {
    // Said before the platform is asked (the engine checks again, atomically, when the table goes in).
    const existed = (await engine.tables()).some((table) => table.name === query.table);
    if (existed && !query.replace) {
      throw new EnclaveError(
        'invalid_input',
        `There is already a local table named ${query.table}. Choose another name, or replace it. The query was not sent to the platform.`,
      );
    }
    if (existed) state.unchanged = `; ${query.table} is unchanged`;
    call.progress({ done: 0, total: null, unit: 'bytes', stage: STAGE_TEXT.platform });
    const rows = await load.open(
      { projectId: query.projectId, sql: query.sql },
      {
        signal,
        onReceived: (done, total) => {
          state.received = done;
          if (state.stage === 'load') return;
          state.stage = 'download';
          call.progress({ done, total, unit: 'bytes', stage: STAGE_TEXT.download });
        },
      },
    );
    state.stage = 'download';
    const loaded = await engine.load({
      table: query.table,
      format: rows.format,
      chunks: untilLast(rows.chunks, () => {
        state.stage = 'load';
        call.progress({ done: 0, total: null, unit: 'rows', stage: STAGE_TEXT.load });
      }),
      replace: query.replace,
      signal,
      onProgress: (progress) => {
        if (state.stage === 'load' && progress.rows !== undefined) {
          call.progress({ done: progress.rows, total: null, unit: 'rows', stage: STAGE_TEXT.load });
        }
      },
    });
    await record({ outcome: 'ok', rows: loaded.rows, message: loadedMessage({ ...loaded, replaced: existed }) });
    return loaded;
  } catch (err) {
    const failure = failureOf(err, state);
    if (!(err instanceof EnclaveError)) load.log('A platform query could not be loaded into the local engine.', err);
    await record({ outcome: failure.code === 'cancelled' ? 'cancelled' : 'error', rows: null, message: failure.message });
    throw failure;
  }
}
