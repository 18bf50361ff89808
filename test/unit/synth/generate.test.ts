// Generating into a folder: bad input changes nothing, existing data is never overwritten without --force, a
// cancelled run leaves no half dataset, and the episodes-only benchmark file is exact and reproducible.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { generateEpisodesOnly, generatePlatformData } from '../../../src/platform/synth/index.ts';
import { openParquetViews, tempRoot } from './helpers.ts';

let root: string;

beforeEach(async () => {
  root = await tempRoot('generate');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

const rejection = async (promise: Promise<unknown>): Promise<EnclaveError> => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EnclaveError);
  return err as EnclaveError;
};

describe('generatePlatformData', () => {
  it.each([999, 10_000_001, 1500.5, Number.NaN])('refuses scale %s before touching the disk', async (scale) => {
    const dataDir = path.join(root, 'data');
    const err = await rejection(generatePlatformData({ dataDir, scale, seed: 1 }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/scale/);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a data folder path that is a file, leaving the file alone', async () => {
    const dataDir = path.join(root, 'data');
    await writeFile(dataDir, 'not a folder');
    const err = await rejection(generatePlatformData({ dataDir, scale: 1_000, seed: 1, force: true }));
    expect(err.code).toBe('invalid_input');
    expect(await readFile(dataDir, 'utf8')).toBe('not a folder');
  });

  it('refuses a folder that already holds generated data, and changes nothing in it', async () => {
    const dataDir = path.join(root, 'data');
    await generatePlatformData({ dataDir, scale: 1_000, seed: 1 });
    const before = await snapshot(dataDir);
    const err = await rejection(generatePlatformData({ dataDir, scale: 2_000, seed: 2 }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/--force/);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it('refuses a non-empty datasets folder even without a manifest', async () => {
    const dataDir = path.join(root, 'data');
    await mkdir(path.join(dataDir, 'datasets'), { recursive: true });
    await writeFile(path.join(dataDir, 'datasets', 'mine.parquet'), 'precious');
    const err = await rejection(generatePlatformData({ dataDir, scale: 1_000, seed: 1 }));
    expect(err.code).toBe('invalid_input');
    expect(await readFile(path.join(dataDir, 'datasets', 'mine.parquet'), 'utf8')).toBe('precious');
  });

  it('replaces generated data with force, keeping other files in the folder and leaving no temporary folder', async () => {
    const dataDir = path.join(root, 'data');
    await generatePlatformData({ dataDir, scale: 1_000, seed: 1 });
    await writeFile(path.join(dataDir, 'platform.sqlite'), 'metadata');
    const manifest = await generatePlatformData({ dataDir, scale: 2_000, seed: 2, force: true });
    expect(manifest.scale).toBe(2_000);
    expect(JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    expect((await readdir(dataDir)).sort()).toEqual(['datasets', 'manifest.json', 'platform.sqlite']);
    expect((await readdir(path.join(dataDir, 'datasets'))).sort()).toEqual([
      'covid_tests.parquet',
      'hospital_episodes.parquet',
      'national_opt_outs.parquet',
      'patients.parquet',
      'shielded_patients.parquet',
    ]);
  });

  it('leaves no dataset, manifest or temporary folder behind when cancelled, and reports progress before that', async () => {
    const dataDir = path.join(root, 'data');
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await rejection(
      generatePlatformData({
        dataDir,
        scale: 50_000,
        seed: 1,
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(`${p.dataset} ${p.done}/${p.total}`);
          controller.abort();
        },
      }),
    );
    expect(err.code).toBe('cancelled');
    expect(seen[0]).toMatch(/^patients \d+\/50000$/);
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe('generateEpisodesOnly', () => {
  it('writes exactly the asked-for rows, the same bytes for the same seed, and the same rows the full generator makes', async () => {
    const a = await generateEpisodesOnly({ dir: path.join(root, 'a'), rows: 3_000, seed: 5 });
    const b = await generateEpisodesOnly({ dir: path.join(root, 'b'), rows: 3_000, seed: 5 });
    expect(a.rows).toBe(3_000);
    expect(a.sha256).toBe(b.sha256);
    expect(a.file).toBe(path.join(root, 'a', 'hospital_episodes.parquet'));
    expect(await readdir(path.join(root, 'a'))).toEqual(['hospital_episodes.parquet']);

    const full = path.join(root, 'full');
    await generatePlatformData({ dataDir: full, scale: 2_000, seed: 5 });
    const { connection, close } = await openParquetViews(full);
    try {
      const episodesOnly = a.file.replaceAll("'", "''");
      const differing = await connection.runAndReadAll(`SELECT count(*) FROM (
        SELECT * FROM read_parquet('${episodesOnly}') WHERE episode_id <= 3000
        EXCEPT SELECT * FROM hospital_episodes WHERE episode_id <= 3000)`);
      expect(Number(differing.getRows()[0]?.[0])).toBe(0);
      expect(Number((await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${episodesOnly}')`)).getRows()[0]?.[0])).toBe(
        3_000,
      );
    } finally {
      close();
    }
  });

  it('refuses to overwrite an existing file unless forced, and refuses a bad row count', async () => {
    const dir = path.join(root, 'bench');
    await generateEpisodesOnly({ dir, rows: 1_000, seed: 1 });
    expect((await rejection(generateEpisodesOnly({ dir, rows: 1_000, seed: 1 }))).code).toBe('invalid_input');
    await expect(generateEpisodesOnly({ dir, rows: 1_200, seed: 1, force: true })).resolves.toMatchObject({ rows: 1_200 });
    expect((await rejection(generateEpisodesOnly({ dir, rows: 0, seed: 1 }))).code).toBe('invalid_input');
  });
});
