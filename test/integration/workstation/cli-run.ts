// Running the `enclave` command in the CLI tests: as its own process (the real entry point, with the environment given:
// a private keychain, the platform's URL), or in this process with its output captured (for command lines it refuses
// before connecting to anything: the platform URL is a closed port, so anything sent would fail as exit 1, not 2).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { AccountIo } from '../../../src/cli/account.ts';

export const CLI = path.join(import.meta.dirname, '../../../src/cli/enclave.ts');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; onLine sees each stdout line as it comes (a sign-in address or device code appears before it ends). */
export function runCli(args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    onLine?.(line);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

/** A command run in this process with its output captured, pointed at a closed port. */
export async function runInProcess(run: (io: AccountIo) => Promise<number>): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (write: (text: string) => void) =>
    new Writable({ write: (chunk: Buffer, _encoding, done) => (write(chunk.toString()), done()) });
  const code = await run({
    stdin: process.stdin,
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    env: { ENCLAVE_PLATFORM_URL: 'http://127.0.0.1:9' },
  });
  return { code, stdout, stderr };
}
