// Each project's pseudonym key: 32 random bytes in a 0600 file in a 0700 folder under the platform's data folder,
// whatever the umask, the same after a restart, different per project, and never shown.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openProjectKeys, PROJECT_KEYS_FOLDER } from '../../../../src/platform/minimisation/project-keys.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-project-keys-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('project keys', () => {
  it.each([0o000, 0o022, 0o277])('are created 0600 in a 0700 folder whatever the umask (%o)', async (umask) => {
    const previous = process.umask(umask);
    try {
      const key = await openProjectKeys({ dataDir }).keyFor('covid-outcomes');
      expect(key).toHaveLength(32);
    } finally {
      process.umask(previous);
    }
    const folder = path.join(dataDir, PROJECT_KEYS_FOLDER);
    expect(await mode(folder)).toBe(0o700);
    expect(await readdir(folder)).toEqual(['covid-outcomes.json']);
    expect(await mode(path.join(folder, 'covid-outcomes.json'))).toBe(0o600);
  });

  it('survive a restart, and differ between projects', async () => {
    const first = await openProjectKeys({ dataDir }).keyFor('covid-outcomes');
    const other = await openProjectKeys({ dataDir }).keyFor('cardio-admissions');
    const again = await openProjectKeys({ dataDir }).keyFor('covid-outcomes');
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
    expect(first.some((byte) => byte !== 0)).toBe(true);
  });

  it('give concurrent first uses, in one process or two stores, the same key', async () => {
    const keys = await Promise.all([
      ...Array.from({ length: 5 }, () => openProjectKeys({ dataDir }).keyFor('p1')),
      ...Array.from({ length: 5 }, () => openProjectKeys({ dataDir }).keyFor('p1')),
    ]);
    for (const key of keys) expect(Buffer.from(key).equals(Buffer.from(keys[0]))).toBe(true);
    expect((await readdir(path.join(dataDir, PROJECT_KEYS_FOLDER))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('hand out copies: changing one changes nothing kept', async () => {
    const keys = openProjectKeys({ dataDir });
    const key = await keys.keyFor('p1');
    const original = Buffer.from(key);
    key.fill(0);
    expect(Buffer.from(await keys.keyFor('p1')).equals(original)).toBe(true);
  });

  it('are not shown when the store is printed', async () => {
    const keys = openProjectKeys({ dataDir });
    const key = await keys.keyFor('p1');
    const hex = Buffer.from(key).toString('hex');
    const base64 = Buffer.from(key).toString('base64');
    for (const shown of [inspect(keys, { depth: 10, showHidden: true }), JSON.stringify(keys)]) {
      expect(shown).not.toContain(hex);
      expect(shown).not.toContain(base64);
    }
  });

  it('refuse a key file that others can read, and one that is damaged, saying not to replace it', async () => {
    await openProjectKeys({ dataDir }).keyFor('p1');
    const file = path.join(dataDir, PROJECT_KEYS_FOLDER, 'p1.json');
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);
    await expect(openProjectKeys({ dataDir }).keyFor('p1')).rejects.toThrow(/can be read by other users/);
    await chmod(file, 0o600);
    const saved = await readFile(file, 'utf8');
    await writeFile(file, '{"format":1,"key":"c2hvcnQ="}');
    await expect(openProjectKeys({ dataDir }).keyFor('p1')).rejects.toThrow(/damaged.*backup/);
    await writeFile(file, saved);
    expect(await openProjectKeys({ dataDir }).keyFor('p1')).toHaveLength(32);
  });

  it('refuse a project id that is not an id (no path tricks)', async () => {
    await expect(openProjectKeys({ dataDir }).keyFor('../escape')).rejects.toThrow(/not a project id/);
    await expect(openProjectKeys({ dataDir }).keyFor('')).rejects.toThrow(/not a project id/);
  });
});
