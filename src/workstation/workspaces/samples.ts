// A sample straight from the platform into a project's native engine, never through the window: the platform writes
// it as Parquet, the core streams the body into the engine as it arrives, and the engine makes the table visible
// only once it is complete. Progress goes out in bytes while the sample downloads, then in rows while the engine
// loads it; one cancel stops every hop (the platform's query or transfer, the download, the load).
import type { CallContext } from '../../common/dispatch.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { LocalEngine } from '../../common/local-engine.ts';
import type { PlatformQueryRequest, RowsStream, SampleRequest } from '../platform-client.ts';

/** Opens the sample at the platform as the signed-in user, as Parquet; `onReceived` counts the bytes. */
export type OpenSample = (
  request: SampleRequest,
  context: { signal: AbortSignal; onReceived: (bytes: number, total: number | null) => void },
) => Promise<RowsStream>;

/** Opens a minimised query's rows at the platform as the signed-in user, as Parquet; `onReceived` counts the bytes. */
export type OpenQuery = (
  request: Omit<PlatformQueryRequest, 'format'>,
  context: { signal: AbortSignal; onReceived: (bytes: number, total: number | null) => void },
) => Promise<RowsStream>;

export interface SampleLoad {
  engine: LocalEngine;
  open: OpenSample;
  sample: SampleRequest & { table: string; replace: boolean };
  /** The call's progress; the signal is the one the work got (the call's, and the workspace's closing). */
  call: Pick<CallContext, 'progress'>;
  signal: AbortSignal;
}

/** Passes the chunks on and says when the last one has arrived. */
async function* untilLast(chunks: AsyncIterable<Uint8Array>, onEnd: () => void): AsyncGenerator<Uint8Array> {
  yield* chunks;
  onEnd();
}

export async function loadSample(load: SampleLoad): Promise<{ table: string; rows: number }> {
  const { call, signal, sample } = load;
  // Said before a byte is fetched (the engine checks again, atomically, when the table goes in).
  if (!sample.replace && (await load.engine.tables()).some((table) => table.name === sample.table)) {
    throw new EnclaveError(
      'invalid_input',
      `There is already a local table named ${sample.table}. Choose another name, or replace it. Nothing was loaded.`,
    );
  }
  // Before the first byte the platform is still running its query; then the download counts bytes, then the load rows.
  call.progress({ done: 0, total: null, unit: 'bytes', stage: 'Waiting for the platform' });
  let downloaded = false;
  const rows = await load.open(
    { projectId: sample.projectId, datasetId: sample.datasetId, limit: sample.limit },
    {
      signal,
      onReceived: (done, total) => {
        if (!downloaded) call.progress({ done, total, unit: 'bytes', stage: 'Fetching from the platform' });
      },
    },
  );
  return load.engine.load({
    table: sample.table,
    format: rows.format,
    chunks: untilLast(rows.chunks, () => {
      downloaded = true;
      call.progress({ done: 0, total: null, unit: 'rows', stage: 'Loading into the local table' });
    }),
    replace: sample.replace,
    signal,
    onProgress: (progress) => {
      if (downloaded && progress.rows !== undefined) {
        call.progress({ done: progress.rows, total: null, unit: 'rows', stage: 'Loading into the local table' });
      }
    },
  });
}
