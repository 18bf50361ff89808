// What the engine sees in the local folder (issue 17): paths by their canonical spelling and key, twins and refused
// names reported, links and special files never followed, temporary files and the marker set apart.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { absolutePath } from '../../../../src/workstation/drives/local-fs.ts';
import { scanLocal } from '../../../../src/workstation/drives/local-scan.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'enclave-scan-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(relative: string, content = 'x'): Promise<void> {
  await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
  await writeFile(path.join(root, relative), content);
}

describe('scanLocal', () => {
  it('lists files and folders by canonical path and key, keeping the on-disk spelling', async () => {
    await put('Data/r\u00e9sume\u0301.csv');
    await put('.enclave-drive');
    await put('Data/.enclave-part-0123456789abcdef');
    await put('.enclave-part-mine.txt');
    const scan = await scanLocal(root, () => undefined);
    expect([...scan.entries.values()].map((each) => [each.kind, each.path, each.disk, each.key])).toEqual([
      ['folder', 'Data', 'Data', 'data'],
      ['file', 'Data/r\u00e9sum\u00e9.csv', 'Data/r\u00e9sume\u0301.csv', 'data/r\u00e9sum\u00e9.csv'],
    ]);
    // Only the engine's own temporary names are temporary files; another name in its namespace is reported, never removed.
    expect(scan.parts.map((each) => each.disk)).toEqual(['Data/.enclave-part-0123456789abcdef']);
    expect(scan.problems.map((each) => [each.disk, each.state])).toEqual([['.enclave-part-mine.txt', 'name_clash']]);
  });

  it('takes only a regular file as a temporary file: a folder or link of that name is a clash, never looked into', async () => {
    await put('.enclave-part-0123456789abcdef/inside.csv');
    await put('saves/.enclave-part-0123456789abcdef0123abcd', 'half a save');
    await symlink(root, path.join(root, '.enclave-part-fedcba9876543210'));
    const before = Date.now();
    const scan = await scanLocal(root, () => undefined);
    expect([...scan.entries.keys()]).toEqual(['saves']);
    expect(scan.parts.map((each) => each.disk)).toEqual(['saves/.enclave-part-0123456789abcdef0123abcd']);
    expect(scan.parts[0]?.changedAt).toBeGreaterThan(before - 60_000);
    expect(scan.problems.map((each) => [each.disk, each.state, each.blocks])).toEqual([
      ['.enclave-part-0123456789abcdef', 'name_clash', null],
      ['.enclave-part-fedcba9876543210', 'name_clash', null],
    ]);
  });

  it('keeps the spelling the engine already knows when twins meet, and the NFC one over NFD', async () => {
    await put('report.csv');
    await put('Report.csv');
    await put('caf\u00e9.txt');
    await put('cafe\u0301.txt');
    const scan = await scanLocal(root, (key) => (key === 'report.csv' ? 'report.csv' : undefined));
    expect(scan.entries.get('report.csv')?.disk).toBe('report.csv');
    expect(scan.entries.get('caf\u00e9.txt')?.disk).toBe('caf\u00e9.txt');
    expect(scan.problems.map((each) => [each.disk, each.state])).toEqual([
      ['Report.csv', 'name_clash'],
      ['cafe\u0301.txt', 'name_clash'],
    ]);
  });

  it('reports names some system refuses, links and special files, and never looks inside a linked folder', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'enclave-outside-'));
    try {
      await writeFile(path.join(outside, 'secret.txt'), 'secret');
      await put('nul.txt');
      await put('bad:name.txt');
      await symlink(outside, path.join(root, 'linked'));
      await symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));
      if (process.platform === 'linux') execFileSync('mkfifo', [path.join(root, 'pipe')]);
      const scan = await scanLocal(root, () => undefined);
      expect([...scan.entries.keys()]).toEqual([]);
      const problems = Object.fromEntries(scan.problems.map((each) => [each.disk, [each.state, each.blocks]]));
      expect(problems['nul.txt']).toEqual(['name_clash', null]);
      expect(problems['bad:name.txt']).toEqual(['name_clash', null]);
      expect(problems.linked).toEqual(['error', 'replaceable']);
      expect(problems['secret-link.txt']).toEqual(['error', 'replaceable']);
      if (process.platform === 'linux') expect(problems.pipe).toEqual(['error', 'replaceable']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses to scan a folder that cannot be read at all (every file would look deleted)', async () => {
    await expect(scanLocal(path.join(root, 'missing'), () => undefined)).rejects.toThrow(/cannot be read; nothing was synced/);
  });
});

describe('absolutePath', () => {
  it('joins names below the root and refuses anything that would leave it', () => {
    expect(absolutePath('/r', 'a/b')).toBe(path.join('/r', 'a', 'b'));
    expect(absolutePath('/r', '..%2Fx')).toBe(path.join('/r', '..%2Fx'));
    for (const bad of ['../x', 'a/../../x', 'a//b', './a', 'a\\..\\b', 'nul\u0000'])
      expect(() => absolutePath('/r', bad)).toThrow(/leave the drive folder/);
  });
});
