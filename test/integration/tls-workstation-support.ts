// What the end-to-end TLS tests share: `enclave platform serve` with a private CA's certificate for localhost and
// 127.0.0.1 (a real child process), and the workstation child (./tls-workstation-child.ts) run with the environment a
// shell would have, its JSON lines read as they come (a sign-in address appears before the child ends).
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { EventPayload, Session } from '../../src/common/contract.ts';
import { makePrivate } from '../support/private-tree.ts';
import type { TestCa } from '../support/test-ca.ts';
import { createPlatformFixture, type PlatformFixture } from './platform/fixture.ts';
import { firstLine, runEnclave, type Run } from './platform/serve-process.ts';

/** One job for the child, sent on its stdin. */
export type ChildJob =
  | { role: 'core'; username: string; person: 'here' | 'browser' }
  | { role: 'person'; flow: 'device'; verificationUri: string; userCode: string; platformUrl: string; username: string }
  | { role: 'person'; flow: 'browser'; authorizationUrl: string; platformUrl: string; username: string };

/** The child's lines on stdout, in the order it prints them. */
export type ChildLine =
  | { event: 'trust'; applied: string | null; problem: string | null }
  | { event: 'status'; status: EventPayload<'platform.status'> }
  | { event: 'refused'; refusal: { code: string | null; message: string } | null }
  | { event: 'authorization'; url: string }
  | {
      event: 'signed-in';
      session: Session;
      callback: { callbackUrl: string; status: number; body: string } | null;
      projects: string[];
    }
  | { event: 'person-done'; page: string; callbackUrl?: string; status?: number }
  | { event: 'failed'; code: string | null; message: string };

export interface TlsServe {
  /** https://127.0.0.1:<port>, as the listening line says. */
  readonly url: string;
  readonly run: Run;
  stop(): Promise<void>;
}

/**
 * `enclave platform serve --tls-cert --tls-key` on 127.0.0.1 with a fresh platform fixture and a certificate from
 * `ca` for localhost and 127.0.0.1. The key is copied 0600 into a private folder, as serve requires.
 */
export async function startTlsServe(ca: TestCa): Promise<TlsServe> {
  const fixture: PlatformFixture = await createPlatformFixture();
  await makePrivate(fixture.dataDir);
  const tlsDir = await mkdtemp(path.join(tmpdir(), 'enclave-tls-e2e-'));
  const issued = ca.issue('platform');
  const certFile = path.join(tlsDir, 'server.crt');
  const keyFile = path.join(tlsDir, 'server.key');
  await copyFile(issued.certFile, certFile);
  await copyFile(issued.keyFile, keyFile);
  await makePrivate(tlsDir);
  const run = runEnclave([
    'platform',
    'serve',
    '--data-dir',
    fixture.dataDir,
    '--port',
    '0',
    '--log-level',
    'warn',
    '--tls-cert',
    certFile,
    '--tls-key',
    keyFile,
  ]);
  const stop = async (): Promise<void> => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
    await run.exited;
    await rm(tlsDir, { recursive: true, force: true });
    await fixture.cleanup();
  };
  try {
    const { url } = JSON.parse(await firstLine(run)) as { url: string };
    return { url, run, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const CHILD = path.join(import.meta.dirname, 'tls-workstation-child.ts');

export interface ChildRun {
  /** Every line so far. */
  readonly lines: ChildLine[];
  /** The first line of this event (waits for it; rejects if the child ends first). */
  next<E extends ChildLine['event']>(event: E): Promise<Extract<ChildLine, { event: E }>>;
  /** Resolves with the exit code, and the lines and stderr, once the child has ended. */
  readonly ended: Promise<{ code: number | null; lines: ChildLine[]; stderr: string }>;
  kill(): void;
}

/** The caller's environment without any Enclave setting: each test says what its child has. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('ENCLAVE_')) delete env[name];
  return env;
}

/**
 * Runs the child with `env` added to a clean environment (a temp HOME and workstation folders of its own, memory
 * tokens), sends it `job`, and reads its lines.
 */
export async function runChild(job: ChildJob, env: NodeJS.ProcessEnv): Promise<ChildRun> {
  const home = await mkdtemp(path.join(tmpdir(), 'enclave-tls-child-'));
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...baseEnv(),
      HOME: home,
      ENCLAVE_DATA_DIR: path.join(home, 'data'),
      ENCLAVE_WORKSPACE_DIR: path.join(home, 'workspaces'),
      ENCLAVE_DRIVES_DIR: path.join(home, 'Enclave'),
      ENCLAVE_TOKEN_STORE: 'memory',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: ChildLine[] = [];
  const waiters: (() => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  createInterface({ input: child.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as ChildLine);
    } catch {
      stderr += `(not a JSON line on stdout) ${text}\n`;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  let closed = false;
  const ended = new Promise<{ code: number | null; lines: ChildLine[]; stderr: string }>((resolve) =>
    child.once('close', (code) => {
      closed = true;
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, lines, stderr });
    }),
  ).then(async (outcome) => {
    await rm(home, { recursive: true, force: true });
    return outcome;
  });
  child.stdin.end(JSON.stringify(job));

  async function next<E extends ChildLine['event']>(event: E): Promise<Extract<ChildLine, { event: E }>> {
    for (;;) {
      const found = lines.find((line): line is Extract<ChildLine, { event: E }> => line.event === event);
      if (found) return found;
      const failed = lines.find((line) => line.event === 'failed');
      if (failed) throw new Error(`The workstation child failed: ${JSON.stringify(failed)}\n${stderr}`);
      if (closed) throw new Error(`The workstation child ended without "${event}": ${JSON.stringify(lines)}\n${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  return { lines, next, ended, kill: () => child.kill('SIGKILL') };
}
