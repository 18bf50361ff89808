// A workstation that the real-platform sync tests kill (issue 17): this process opens the sync engine on a desk's folder
// and journal against a started platform, runs one pass, and when the transfer reaches the step it was given it says
// "at <step>" on stdout and hangs there, so the test can SIGKILL it at exactly that point (no `finally`, no close, the
// journal's lock released by the operating system, as when a computer's Enclave is killed). The job comes as one JSON
// line on stdin (the access token with it: never in argv or the environment, where another user could read it).
// Exits 3 when the pass ended without reaching the step.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createPlatformClient } from '../../../../src/workstation/platform-client.ts';
import { createHttpDriveRemote } from '../../../../src/workstation/drives/remote-http.ts';
import { openDriveSync } from '../../../../src/workstation/drives/sync-engine.ts';
import type { TransferStep } from '../../../../src/workstation/drives/transfers.ts';
import { inPieces } from './in-pieces.ts';

export interface DyingEngineJob {
  readonly baseUrl: string;
  readonly token: string;
  readonly projectId: string;
  readonly userId: string;
  readonly person: string;
  readonly deviceId: string;
  readonly localRoot: string;
  readonly stateDir: string;
  readonly chunkBytes: number;
  readonly dieAt: TransferStep;
}

const lines = createInterface({ input: process.stdin });
const [line] = (await once(lines, 'line')) as [string];
lines.close();
const job = JSON.parse(line) as DyingEngineJob;
const remote = createHttpDriveRemote({
  client: createPlatformClient({ baseUrl: job.baseUrl }),
  baseUrl: job.baseUrl,
  token: async () => job.token,
  projectId: job.projectId,
});
const sync = await openDriveSync({
  projectId: job.projectId,
  userId: job.userId,
  person: job.person,
  localRoot: job.localRoot,
  stateDir: job.stateDir,
  deviceId: job.deviceId,
  remote: inPieces(remote, job.chunkBytes),
  chunkBytes: job.chunkBytes,
  intervalMs: 0,
  watch: false,
  onStep: async (step) => {
    if (step !== job.dieAt) return;
    process.stdout.write(`at ${step}\n`);
    // Held here (the timer keeps the process alive) until the test kills it.
    await new Promise(() => setInterval(() => undefined, 60_000));
  },
});
await sync.syncNow();
process.stdout.write('finished without reaching the step\n');
process.exitCode = 3;
