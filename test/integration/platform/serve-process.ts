// `enclave platform serve` run the two ways its tests need: as a child process a user would start (for anything that
// listens: signals, the listening line, stderr), and in process through runPlatformServe (for refusals, where nothing
// starts). Shared by the serve test files.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../../src/cli/cli-io.ts';
import { runPlatformServe } from '../../../src/cli/platform-serve.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));

export interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function runEnclave(args: string[]): Run {
  // process.execPath is the Node 24 that runs Vitest, which runs our .ts directly.
  const child = spawn(process.execPath, [ENCLAVE, ...args], { cwd: path.dirname(ENCLAVE), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The first line on stdout (the listening line); throws with stderr when the process exits before it. */
export async function firstLine(run: Run): Promise<string> {
  while (!run.stdout().includes('\n')) {
    const outcome = await Promise.race([once(run.child.stdout!, 'data').then(() => 'data'), run.exited.then(() => 'exit')]);
    if (outcome === 'exit') throw new Error(`serve exited early: ${run.stderr()}`);
  }
  return run.stdout().split('\n')[0];
}

/** A command of the CLI run in process, with its streams captured. */
export async function captureCli(
  command: (argv: string[], io: CliIo) => Promise<number>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await command(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

/** runPlatformServe in process, with its streams captured. */
export function serveInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return captureCli(runPlatformServe, args);
}
