// The demo platform as its own process, as `npm start` runs it: `enclave platform serve`, which announces its
// address with one JSON line on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_PATH, REPO_ROOT } from './paths.ts';

export interface PlatformProcess {
  url: string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startPlatform(dataDir: string): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [CLI_PATH, 'platform', 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await waitForExit(child);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`The platform did not announce itself within ${READY_TIMEOUT_MS / 1000} s.\n${stderr}`)),
        READY_TIMEOUT_MS,
      );
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        try {
          const message = JSON.parse(line) as { event?: string; url?: string };
          if (message.event === 'listening' && typeof message.url === 'string') {
            clearTimeout(timer);
            resolve(message.url);
          }
        } catch {
          // Not the announcement line.
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`\`enclave platform serve\` exited (${code}) before it listened:\n${stderr}`));
      });
    });
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
