// `enclave audit verify` as an operator runs it: exit 0 with `intact (…)`, 1 naming what is broken, 2 for bad
// arguments; it reads the database read-only and leaves every file in the data folder exactly as it was, and it
// works beside a platform that has the database open.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditDir, openAudit, tamper, verifyCli, verifyDir, writeEvents, type AuditDir } from './audit-support.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));

let dir: AuditDir;

beforeEach(async () => {
  dir = await createAuditDir();
  await writeEvents(dir, 3);
});

afterEach(async () => {
  await dir.cleanup();
});

async function enclave(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [ENCLAVE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Every file under the folder with its bytes' sha256: what "changes nothing" is checked against. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(folder, file)] = entry.isFile()
      ? createHash('sha256')
          .update(await readFile(file))
          .digest('hex')
      : 'folder';
  }
  return out;
}

describe('enclave audit verify', () => {
  it('exits 0 with intact (N events, head …) for an untouched log, and 1 with the first bad event for a broken one', async () => {
    const intact = await enclave(['audit', 'verify', '--data-dir', dir.dataDir]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/^intact \(3 events, head 3 [0-9a-f]{12}\)\n$/);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2");
    });
    const broken = await enclave(['audit', 'verify', '--data-dir', dir.dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^broken: event 2 was edited/);
  });

  it('changes nothing in the data folder: no file, no -wal or -shm, no key made', async () => {
    await rm(path.join(dir.folder, 'audit-key.json'));
    const before = await snapshot(dir.dataDir);
    const run = await enclave(['audit', 'verify', '--data-dir', dir.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^broken: event 1 cannot be checked: the audit key .*audit-key\.json is missing/);
    expect(await snapshot(dir.dataDir)).toEqual(before);
  });

  it('leaves an intact folder byte for byte as it was', async () => {
    const before = await snapshot(dir.dataDir);
    expect((await verifyDir(dir)).code).toBe(0);
    expect(await snapshot(dir.dataDir)).toEqual(before);
  });

  it('reads a log that a running platform has open, including events not yet checkpointed', async () => {
    const { audit, close } = await openAudit(dir);
    try {
      await audit.append({ type: 'test.live', actor: null, outcome: 'success', details: {} });
      const run = await verifyDir(dir);
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toMatch(/^intact \(4 events, head 4 /);
    } finally {
      await close();
    }
  });

  it('exits 2 for bad arguments, and for a folder that holds no audit log', async () => {
    expect(await verifyCli([])).toMatchObject({ code: 2, stderr: expect.stringContaining('--data-dir is required') as unknown });
    expect((await verifyCli(['--data-dir', dir.dataDir, '--fix'])).code).toBe(2);
    expect(await verifyCli(['--data-dir', path.join(dir.dataDir, 'nowhere')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('is not a folder') as unknown,
    });
    const empty = path.join(dir.dataDir, 'empty');
    await mkdir(empty);
    expect(await verifyCli(['--data-dir', empty])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('holds no platform audit log') as unknown,
    });
    expect((await enclave(['audit', 'check', '--data-dir', dir.dataDir])).code).toBe(2);
  });
});
