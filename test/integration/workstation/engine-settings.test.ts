// The memory limit the analyst sets (ENCLAVE_LOCAL_MEMORY_LIMIT) is the one the project's DuckDB runs with, and a bad
// one refuses the 'disk' workspace with the setting's own message (no database made), as the core wires them.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Project } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { createCoreWorkspaces, type CoreWorkspaces } from '../../../src/workstation/workspaces/wiring.ts';
import { errorOf } from '../../support/error-of.ts';

const PROJECT: Project = {
  id: 'cardio-admissions',
  name: 'Cardio admissions',
  purpose: 'Engine settings.',
  datasetIds: [],
  localData: 'disk',
  clipboardCellLimit: 100,
};

let root: string;
let workspaces: CoreWorkspaces | null = null;

function wire(env: Record<string, string>): CoreWorkspaces {
  workspaces = createCoreWorkspaces({
    root,
    env,
    owner: () => ({ issuer: 'https://idp.example', sub: 'analyst-1' }),
    projects: async () => [PROJECT],
    openSample: async () => Promise.reject(new EnclaveError('unavailable', 'No samples here.')),
    openQuery: async () => Promise.reject(new EnclaveError('unavailable', 'No queries here.')),
    log: () => {},
  });
  return workspaces;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'enclave-engine-settings-'));
});

afterEach(async () => {
  await workspaces?.close();
  workspaces = null;
  await rm(root, { recursive: true, force: true });
});

describe('the local engine memory limit', () => {
  it("is the project's DuckDB memory_limit", async () => {
    const { handlers } = wire({ ENCLAVE_LOCAL_MEMORY_LIMIT: '300MiB' });

    const run = await handlers['workspace.run']({ projectId: PROJECT.id, sql: "SELECT current_setting('memory_limit') AS m" });
    const page = await handlers['workspace.page']({ projectId: PROJECT.id, page: { resultId: run.resultId ?? '', offset: 0, limit: 1 } });

    expect(String(tableFromIPC(page).getChild('m')?.get(0))).toBe('300.0 MiB');
  });

  it('refuses the workspace when the setting is bad, with its message, and makes no database', async () => {
    const { handlers } = wire({ ENCLAVE_LOCAL_MEMORY_LIMIT: 'lots' });

    const error = await errorOf(handlers['workspace.run']({ projectId: PROJECT.id, sql: 'SELECT 1' }));

    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^ENCLAVE_LOCAL_MEMORY_LIMIT is "lots"/) });
    const files = await readdir(root, { recursive: true });
    expect(files.filter((file) => file.endsWith('.duckdb'))).toEqual([]);
  });
});
