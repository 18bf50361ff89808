// The native local engine as the app drives it (src/workstation/workspace/): a workspace folder of its own, the
// app's defaults (all cores, half the memory), the Parquet sample loaded through the seam's load(), and each query
// timed as the grid needs it: LocalEngine.run (the result kept in the engine) plus the first page as Arrow IPC.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { LocalEngine } from '../../src/common/local-engine.ts';
import { openNativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { tableFromIPC } from 'apache-arrow';
import { FIRST_PAGE_ROWS } from './options.ts';

export interface AppEngine {
  readonly threads: number;
  readonly memoryLimitBytes: number;
  /** Loads the Parquet file into `table` through the seam (streamed in 1 MiB parts, as a sample arrives). */
  load(parquet: string, table: string): Promise<{ ms: number; rows: number }>;
  /** run() plus the first page; rows is the whole result's row count. */
  run(sql: string): Promise<{ ms: number; rows: number }>;
  /** The first column of the first row, as a number (checksums and counts). */
  scalar(sql: string): Promise<number>;
  close(): Promise<void>;
}

async function* parts(file: string): AsyncGenerator<Uint8Array> {
  for await (const part of createReadStream(file, { highWaterMark: 1 << 20 })) yield part as Buffer;
}

export async function openAppEngine(dir: string): Promise<AppEngine> {
  await rm(dir, { recursive: true, force: true });
  const engine: LocalEngine & { threads: number; memoryLimitBytes: number } = await openNativeEngine({ dir });
  const firstPage = async (sql: string): Promise<{ ms: number; rows: number; page: Uint8Array | null }> => {
    const start = performance.now();
    const result = await engine.run({ sql });
    if (result.resultId === null) return { ms: performance.now() - start, rows: 0, page: null };
    const page = await engine.page({ resultId: result.resultId, offset: 0, limit: FIRST_PAGE_ROWS });
    const ms = performance.now() - start;
    // The grid lets a result go when it moves on; that is not part of showing it.
    await engine.release(result.resultId);
    return { ms, rows: result.rowCount, page };
  };
  return {
    threads: engine.threads,
    memoryLimitBytes: engine.memoryLimitBytes,
    async load(parquet, table) {
      const start = performance.now();
      const loaded = await engine.load({ table, format: 'parquet', chunks: parts(parquet), replace: true });
      return { ms: performance.now() - start, rows: loaded.rows };
    },
    async run(sql) {
      const { ms, rows } = await firstPage(sql);
      return { ms, rows };
    },
    async scalar(sql) {
      const { page } = await firstPage(sql);
      if (page === null) return Number.NaN;
      return Number(tableFromIPC(page).getChildAt(0)?.get(0) ?? Number.NaN);
    },
    async close() {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
