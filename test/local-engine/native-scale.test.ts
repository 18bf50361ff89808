// A 30M-row table in the native workspace under a small memory limit: it builds, and a GROUP BY over it (3 million
// groups, far beyond the limit) answers by spilling to the workspace's own tmp/ folder (files 0600), nowhere else.
import { statSync, watch } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openNativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { readPage } from './support/data.ts';

const ROWS = 30_000_000;
const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-scale-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a 30M-row table within the memory limit', () => {
  it('builds, and answers a GROUP BY far larger than memory by spilling to the workspace’s tmp/', { timeout: 120_000 }, async () => {
    const engine = await openNativeEngine({ dir: path.join(root, 'project'), memoryLimitBytes: 256 * 2 ** 20 });
    const tmp = path.join(engine.dir, 'tmp');
    const spilled = new Set<string>();
    const modes = new Set<string>();
    const watcher = watch(tmp, (_event, name) => {
      if (name === null) return;
      spilled.add(name);
      try {
        modes.add((statSync(path.join(tmp, name)).mode & 0o777).toString(8));
      } catch {
        // Already removed again: DuckDB frees spill files as soon as it can.
      }
    });
    try {
      const built = await engine.run({
        sql: `CREATE TABLE episodes AS SELECT i AS episode, (i * 7919) % 3000000 AS patient, CAST(i % 97 AS INTEGER) AS stay FROM range(${ROWS}) AS t(i)`,
      });
      expect(built.message).toBe('Created episodes (30,000,000 rows)');
      const grouped = await engine.run({
        sql: 'SELECT patient, count(*) AS episodes, sum(stay) AS bed_days, max(episode) AS last FROM episodes GROUP BY patient ORDER BY patient',
      });
      expect(grouped.rowCount).toBe(3_000_000);
      const first = readPage(await engine.page({ resultId: grouped.resultId!, offset: 0, limit: 2 }));
      expect(first.values('patient')).toEqual([0n, 1n]);
      const total = await engine.run({
        sql: 'SELECT sum(episodes) AS n FROM (SELECT count(*) AS episodes FROM episodes GROUP BY patient)',
      });
      expect(readPage(await engine.page({ resultId: total.resultId!, offset: 0, limit: 1 })).values('n')).toEqual(['30000000']);
    } finally {
      watcher.close();
      await engine.close();
    }
    expect(spilled.size).toBeGreaterThan(0);
    // Spill files hold the analyst's rows: private to this user like every other file of the workspace.
    expect([...modes]).toEqual(['600']);
    // DuckDB removes its spill files; nothing is left in tmp/, and nothing was written beside the workspace.
    expect(await readdir(tmp)).toEqual([]);
    expect(await readdir(root)).toEqual(['project']);
  });
});
