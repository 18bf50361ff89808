// The local engine of a 'disk' project as the window sees it: native DuckDB in the workstation core, reached through
// the contract's workspace.* methods. It implements the same LocalEngine seam as DuckDB-wasm (./engine.ts), so the
// screens never know which one they hold. Rows stay in the core: the grid asks for pages (Arrow IPC streams, read by
// ./result-page.ts), and samples and platform queries stream from the platform into the core without passing through
// the window.
import type { Client } from '../../../src/common/client.ts';
import type { CallProgress } from '../../../src/common/contract.ts';
import { bestEffort } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine, LocalTable, RunResult } from '../../../src/common/local-engine.ts';

/** A platform query's result, loaded into a local table of the project. */
export interface PlatformQueryLoad {
  sql: string;
  table: string;
  replace: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: CallProgress) => void;
}

/** A sample of a dataset, loaded into a local table of the project. */
export interface SampleRequest {
  datasetId: string;
  limit: number;
  table: string;
  replace: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: CallProgress) => void;
}

export interface CoreEngine extends LocalEngine {
  readonly mode: 'disk';
  /** The platform streams the sample straight into the core's engine; the window only follows its progress. */
  loadSample(request: SampleRequest): Promise<{ table: string; rows: number }>;
  /** Likewise a platform query's result: the core loads it, and records the run in the project's history. */
  loadQuery(request: PlatformQueryLoad): Promise<{ table: string; rows: number }>;
  /** The same engine, whose runs are the window's own (a chart's query), not the analyst's: the history leaves them out. */
  readonly unrecorded: LocalEngine;
}

export function createCoreEngine(options: { client: Client; projectId: string }): CoreEngine {
  const { client, projectId } = options;
  /** Results this window holds in the core, released when it closes. */
  const kept = new Set<string>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new EnclaveError('unavailable', "This project's workspace was closed in this window. Open the project again.");
  };

  async function tables(): Promise<LocalTable[]> {
    open();
    return client.invoke('workspace.tables', { projectId });
  }

  async function run({ sql, signal }: { sql: string; signal?: AbortSignal }, record: boolean): Promise<RunResult> {
    open();
    const result = await client.invoke('workspace.run', { projectId, sql, ...(record ? {} : { record }) }, signal ? { signal } : {});
    if (result.resultId !== null) kept.add(result.resultId);
    return result;
  }

  const engine: Omit<CoreEngine, 'unrecorded'> = {
    mode: 'disk',

    async load() {
      // The contract has no upload yet (the "uploads later"): data reaches a disk workspace from the platform.
      throw new EnclaveError(
        'invalid_input',
        "Files cannot be loaded into this project's local tables from the window. Open a sample from the catalogue instead.",
      );
    },

    async loadSample(request) {
      open();
      const { datasetId, limit, table, replace, signal, onProgress } = request;
      return client.invoke(
        'workspace.loadSample',
        { projectId, datasetId, limit, table, replace },
        { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
      );
    },

    async loadQuery(request) {
      open();
      const { sql, table, replace, signal, onProgress } = request;
      return client.invoke(
        'workspace.loadQuery',
        { projectId, sql, table, replace },
        { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
      );
    },

    tables,

    async describe(table) {
      const found = (await tables()).find((t) => t.name === table);
      if (!found) throw new EnclaveError('not_found', `There is no local table named ${table} in this project.`);
      return found;
    },

    run: (request) => run(request, true),

    async page(request) {
      open();
      const { signal, ...page } = request;
      return client.invoke('workspace.page', { projectId, page }, signal ? { signal } : {});
    },

    async summarise({ resultId, column, filters, signal }) {
      open();
      return client.invoke('workspace.summarise', { projectId, resultId, column, filters: filters ?? [] }, signal ? { signal } : {});
    },

    async release(resultId) {
      kept.delete(resultId);
      if (closed) return;
      await client.invoke('workspace.release', { projectId, resultId });
    },

    async drop(table) {
      open();
      await client.invoke('workspace.drop', { projectId, table });
    },

    async clear() {
      open();
      const before = await tables();
      await client.invoke('workspace.removeLocalData', { projectId, scope: 'tables' });
      kept.clear();
      return { tables: before.length };
    },

    async close() {
      if (closed) return;
      closed = true;
      const ids = [...kept];
      kept.clear();
      // The core forgets a closed workspace's results anyway; releasing them early only frees memory sooner.
      await Promise.all(ids.map((resultId) => bestEffort(client.invoke('workspace.release', { projectId, resultId }))));
    },
  };
  return { ...engine, unrecorded: { ...engine, run: (request) => run(request, false) } };
}
