// The local-engine suite over the native engine (src/workstation/workspace/): DuckDB in the workstation core, one
// database file per project folder. What only a disk engine has (its files, separate projects, reopening, the
// memory limit and spilling) is in native-workspace.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { LocalEngine } from '../../src/common/local-engine.ts';
import { openNativeEngine, type NativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { localEngineSuite } from './suite.ts';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

localEngineSuite({
  name: 'native DuckDB',
  mode: 'disk',
  readsParquet: true,
  async open() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-workspace-'));
    folders.push(dir);
    return openNativeEngine({ dir: path.join(dir, 'project'), memoryLimitBytes: 1024 * 2 ** 20 });
  },
  folderOf: (engine: LocalEngine) => (engine as NativeEngine).dir,
});
