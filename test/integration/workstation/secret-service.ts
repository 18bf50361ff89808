// A private Secret Service for a test: its own D-Bus session (dbus-run-session) with gnome-keyring-daemon unlocked
// by a password on stdin, and its own HOME, so no real keyring is touched. Stops when the test closes its stdin.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface SecretService {
  /** DBUS_SESSION_BUS_ADDRESS of the private bus. */
  address: string;
  /** Environment for a child process that should use this keychain. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Why the keychain tests cannot run here, or null if they can. */
export function secretServiceMissing(): string | null {
  for (const tool of ['dbus-run-session', 'gnome-keyring-daemon']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt: dbus-daemon, gnome-keyring)`;
  }
  return null;
}

const SCRIPT = `printf '%s' "$ENCLAVE_TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 3
echo "$DBUS_SESSION_BUS_ADDRESS"
exec cat >/dev/null`;

export async function startSecretService(): Promise<SecretService> {
  const home = await mkdtemp(join(tmpdir(), 'enclave-keyring-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_RUNTIME_DIR: home,
    ENCLAVE_TEST_KEYRING_PASSWORD: 'test-keyring-pass',
  };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.DISPLAY;
  // stderr is kept, not shown: dbus-daemon warns about fd limits in containers; it matters only if start-up fails.
  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c', SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`The private Secret Service did not start (exit ${code}): ${stderr.slice(0, 500)}`)));
  });
  if (!address.startsWith('unix:')) throw new Error(`Unexpected D-Bus address: ${address}`);
  return {
    address,
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
    async stop() {
      child.stdin?.end();
      await exited;
      await rm(home, { recursive: true, force: true });
    },
  };
}
