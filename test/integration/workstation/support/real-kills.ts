// Real kills around the sync engine on a started platform (issue 17: "kill the platform and the workstation at every
// step of an upload and a download ... each file old or new, never empty or partial; sync resumes from its offset").
//   - The platform: stopped hard (every connection cut, as a killed process's would be) at a step of a transfer, then
//     started again on the same data folder and port; a new engine on the same journal goes on from where the
//     platform's records and the journal say the transfer stands.
//   - The workstation: the engine runs in a child process (./dying-engine.ts) that is SIGKILLed at the step, so nothing
//     of it runs after that point (no `finally`, no close); SQLite's exclusive lock on the journal is the operating
//     system's, released when the process dies, and a new engine in this process opens the same journal.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { UPLOAD_CHUNK_MAX_BYTES } from '../../../../src/common/drives.ts';
import type { DriveRemote } from '../../../../src/workstation/drives/remote.ts';
import type { TransferStep } from '../../../../src/workstation/drives/transfers.ts';
import { stage, type Stage } from '../../../unit/workstation/drives/support/stage.ts';
import {
  ADA as ADA_DESK,
  readRemote,
  remoteEntries,
  remoteFolders,
  writeLocal,
  type Desk,
} from '../../../unit/workstation/drives/support/sync-kit.ts';
import type { DyingEngineJob } from './dying-engine.ts';
import { MEMBERS, type PlatformWorld } from './platform-world.ts';

const DYING_ENGINE = path.join(import.meta.dirname, 'dying-engine.ts');
const CHUNK = 4096;
const v1 = 'a'.repeat(20 * 1024);
const v2 = 'b'.repeat(20 * 1024);
/** Large enough that a cut connection stops the body mid-way (more than the sockets' buffers hold). */
const BIG_BYTES = 16 * 1024 * 1024;

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

async function partFiles(desk: Desk): Promise<Array<{ name: string; size: number }>> {
  const found: Array<{ name: string; size: number }> = [];
  for (const name of await readdir(desk.root, { recursive: true })) {
    if (path.basename(name).startsWith('.enclave-part-')) found.push({ name, size: (await stat(path.join(desk.root, name))).size });
  }
  return found;
}

/** Writes a file on the drive in chunks of the largest size the platform takes (for contents past one chunk). */
async function putBig(remote: DriveRemote, drivePath: string, bytes: Uint8Array): Promise<void> {
  await remoteFolders(remote, drivePath);
  const existing = (await remoteEntries(remote)).get(drivePath);
  const session = await remote.startUpload({
    path: drivePath,
    size: bytes.byteLength,
    sha256: sha256(bytes),
    condition: existing?.etag ? { ifMatch: existing.etag } : { ifAbsent: true },
  });
  for (let offset = 0; offset < bytes.byteLength; offset += UPLOAD_CHUNK_MAX_BYTES) {
    const chunk = bytes.subarray(offset, Math.min(offset + UPLOAD_CHUNK_MAX_BYTES, bytes.byteLength));
    await remote.uploadChunk({ uploadId: session.uploadId, offset, bytes: chunk, total: bytes.byteLength });
  }
  await remote.commitUpload(session.uploadId);
}

function platformOf(s: Stage): PlatformWorld['platform'] {
  return (s.world as PlatformWorld).platform;
}

/** Runs an engine on the desk in a child process and SIGKILLs it when it reaches `step`. */
async function killWorkstationAt(s: Stage, step: TransferStep): Promise<void> {
  const platform = platformOf(s);
  const job: DyingEngineJob = {
    baseUrl: platform.baseUrl,
    token: await platform.token(MEMBERS.ada.id),
    projectId: s.world.projectId,
    userId: ADA_DESK.id,
    person: ADA_DESK.name,
    deviceId: 'device-ada',
    localRoot: s.desk.root,
    stateDir: s.desk.stateDir,
    chunkBytes: CHUNK,
    dieAt: step,
  };
  const child = spawn(process.execPath, [DYING_ENGINE], { stdio: ['pipe', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdin.end(`${JSON.stringify(job)}\n`);
  let reached = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === `at ${step}`) {
      reached = true;
      child.kill('SIGKILL');
    }
  });
  const { signal } = await exited;
  if (!reached) throw new Error(`The engine in the child process never reached ${step}: ${stderr}`);
  expect(signal).toBe('SIGKILL');
}

const DOWNLOAD_STEPS: TransferStep[] = [
  'download:start',
  'download:chunk',
  'download:fsync',
  'download:verify',
  'download:rename',
  'download:fsync-folder',
  'download:journal',
];
const UPLOAD_STEPS: TransferStep[] = ['upload:start', 'upload:chunk', 'upload:commit', 'upload:journal'];

export function workstationKillScenarios(makeWorld: () => Promise<PlatformWorld>): void {
  describe('the workstation killed (its process SIGKILLed) at every step of a transfer', () => {
    for (const step of DOWNLOAD_STEPS) {
      it(`leaves the old or the new file, never a partial one, when killed at ${step}, and a new engine resumes`, async () => {
        const s = await stage(makeWorld);
        await s.bob.mkdir('data');
        await putBig(s.bob, 'data/big.bin', Buffer.from(v1));
        const first = await s.open({ chunkBytes: CHUNK });
        await first.syncNow();
        await first.close();
        await putBig(s.bob, 'data/big.bin', Buffer.from(v2));
        await killWorkstationAt(s, step);
        expect([v1, v2]).toContain(await readFile(path.join(s.desk.root, 'data', 'big.bin'), 'utf8'));
        const parts = await partFiles(s.desk);
        const before = s.ada.sent.length;
        const next = await s.open({ chunkBytes: CHUNK });
        const status = await next.syncNow();
        expect(await readFile(path.join(s.desk.root, 'data', 'big.bin'), 'utf8')).toBe(v2);
        expect(await partFiles(s.desk)).toEqual([]);
        expect(status.notices).toEqual([]);
        const downloads = s.ada.sent.slice(before).filter((each) => each.op === 'download');
        if (step === 'download:chunk') {
          // What was written before the kill is kept, and the download goes on from there.
          expect(parts.map((each) => each.size)).toEqual([CHUNK]);
          expect(downloads).toEqual([{ op: 'download', path: 'data/big.bin', offset: CHUNK }]);
        }
        if (['download:rename', 'download:fsync-folder', 'download:journal'].includes(step)) expect(downloads).toEqual([]);
      });
    }

    for (const step of UPLOAD_STEPS) {
      it(`leaves the drive with the old or the new content when killed at ${step}, and a new engine resumes`, async () => {
        const s = await stage(makeWorld);
        await putBig(s.bob, 'big.bin', Buffer.from(v1));
        const first = await s.open({ chunkBytes: CHUNK });
        await first.syncNow();
        await first.close();
        await writeLocal(s.desk, 'big.bin', v2);
        await killWorkstationAt(s, step);
        expect([v1, v2]).toContain(await readRemote(s.bob, 'big.bin'));
        const before = s.ada.sent.length;
        const next = await s.open({ chunkBytes: CHUNK });
        await next.syncNow();
        expect(await readRemote(s.bob, 'big.bin')).toBe(v2);
        expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['big.bin']);
        const sent = s.ada.sent.slice(before);
        // The session lives on the platform: after the kill it is picked up where the platform says it stands.
        expect(sent.filter((each) => each.op === 'startUpload')).toEqual([]);
        if (step === 'upload:start' || step === 'upload:chunk') {
          expect(sent.find((each) => each.op === 'uploadChunk')?.offset).toBe(step === 'upload:start' ? 0 : CHUNK);
        }
        if (step === 'upload:commit' || step === 'upload:journal') expect(sent.filter((each) => each.op === 'uploadChunk')).toEqual([]);
      });
    }
  });
}

export function platformKillScenarios(makeWorld: () => Promise<PlatformWorld>): void {
  describe('the platform killed mid-transfer, then started again on its data folder and port', () => {
    for (const step of ['download:start', 'download:chunk'] as const) {
      it(`keeps the old file and resumes the download from its offset when the platform dies at ${step}`, async () => {
        const s = await stage(makeWorld);
        const platform = platformOf(s);
        const big = randomBytes(BIG_BYTES);
        await putBig(s.bob, 'scan.bin', Buffer.from('old content'));
        const first = await s.open({ chunkBytes: CHUNK });
        await first.syncNow();
        await first.close();
        await putBig(s.bob, 'scan.bin', big);
        let killed = false;
        const dying = await s.open({
          chunkBytes: CHUNK,
          onStep: async (at) => {
            if (at !== step || killed) return;
            killed = true;
            await platform.stop({ hard: true });
          },
        });
        const failed = await dying.syncNow();
        expect(killed).toBe(true);
        expect(failed.files.find((each) => each.path === 'scan.bin')?.state).toBe('error');
        expect(await readFile(path.join(s.desk.root, 'scan.bin'), 'utf8')).toBe('old content');
        await dying.close();
        const [part] = await partFiles(s.desk);
        if (step === 'download:chunk') {
          // Cut mid-body: some of it arrived, not all.
          expect(part?.size).toBeGreaterThan(0);
          expect(part?.size).toBeLessThan(BIG_BYTES);
        }
        await platform.start();
        const before = s.ada.sent.length;
        const next = await s.open({ chunkBytes: CHUNK });
        const status = await next.syncNow();
        expect(status.phase).toBe('idle');
        expect(sha256(await readFile(path.join(s.desk.root, 'scan.bin')))).toBe(sha256(big));
        expect(await partFiles(s.desk)).toEqual([]);
        const downloads = s.ada.sent.slice(before).filter((each) => each.op === 'download');
        expect(downloads).toEqual([{ op: 'download', path: 'scan.bin', offset: part?.size ?? 0 }]);
      });
    }

    for (const step of ['upload:start', 'upload:chunk', 'upload:commit'] as const) {
      it(`keeps the drive’s old content and resumes the upload from its offset when the platform dies at ${step}`, async () => {
        const s = await stage(makeWorld);
        const platform = platformOf(s);
        await putBig(s.bob, 'big.bin', Buffer.from(v1));
        const first = await s.open({ chunkBytes: CHUNK });
        await first.syncNow();
        await first.close();
        await writeLocal(s.desk, 'big.bin', v2);
        let killed = false;
        const dying = await s.open({
          chunkBytes: CHUNK,
          onStep: async (at) => {
            if (at !== step || killed) return;
            killed = true;
            await platform.stop({ hard: true });
          },
        });
        const failed = await dying.syncNow();
        expect(killed).toBe(true);
        expect(failed.files.find((each) => each.path === 'big.bin')).toMatchObject({
          state: 'error',
          detail: expect.stringMatching(/cannot be reached/),
        });
        await dying.close();
        await platform.start();
        expect(await readRemote(s.bob, 'big.bin')).toBe(v1);
        const before = s.ada.sent.length;
        const next = await s.open({ chunkBytes: CHUNK });
        await next.syncNow();
        expect(await readRemote(s.bob, 'big.bin')).toBe(v2);
        const sent = s.ada.sent.slice(before);
        expect(sent.filter((each) => each.op === 'startUpload')).toEqual([]);
        const offsets = sent.filter((each) => each.op === 'uploadChunk').map((each) => each.offset);
        // The platform kept every chunk it had taken before it died: the upload goes on after them.
        expect(offsets[0]).toBe({ 'upload:start': 0, 'upload:chunk': CHUNK, 'upload:commit': undefined }[step]);
        if (step === 'upload:commit') expect(offsets).toEqual([]);
        expect(sent.filter((each) => each.op === 'commitUpload')).toHaveLength(1);
      });
    }
  });
}
