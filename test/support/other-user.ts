// Another, unprivileged OS user on the same computer: the attacker of the multi-user virtual desktop. Tests that
// are about a second user run the attacker's code as this user (created once with useradd, as root) through
// setpriv, so the kernel, not the test, decides what that user can read and reach.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';

export const OTHER_USER_NAME = 'enclave-other';

export interface OtherUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface OtherUserRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function lookUp(): OtherUser | null {
  try {
    const uid = Number(execFileSync('id', ['-u', OTHER_USER_NAME], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', OTHER_USER_NAME], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name: OTHER_USER_NAME, uid, gid } : null;
  } catch {
    return null;
  }
}

let cached: OtherUser | string | undefined;

/**
 * The second user, created if needed; or the reason it cannot be had here (then the test skips and prints it).
 * Several test files may ask at once: useradd's own lock makes a racing second call fail, so look again after.
 */
export function otherUser(): OtherUser | string {
  if (cached !== undefined) return cached;
  if (process.platform !== 'linux') return (cached = `a second OS user is only set up on Linux (this is ${process.platform})`);
  if (process.getuid?.() !== 0) return (cached = 'creating a second OS user needs root (CI runs as root)');
  for (const tool of ['/usr/sbin/useradd', '/usr/bin/setpriv']) {
    if (!existsSync(tool)) return (cached = `${tool} is not installed`);
  }
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const found = lookUp();
    if (found !== null) return (cached = found);
    try {
      execFileSync(
        '/usr/sbin/useradd',
        ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', OTHER_USER_NAME],
        {
          stdio: 'ignore',
        },
      );
    } catch {
      execFileSync('sleep', ['0.2']);
    }
  }
  const found = lookUp();
  return (cached = found ?? `useradd could not create ${OTHER_USER_NAME}`);
}

/** Runs a command as the other user: its own uid and gid, no supplementary groups, no inherited environment. */
export function runAsOtherUser(
  user: OtherUser,
  run: { command: string; args: readonly string[]; timeoutMs?: number; cwd?: string },
): Promise<OtherUserRun> {
  const { command, args, ...options } = run;
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/setpriv',
      [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', command, ...args],
      {
        timeout: options.timeoutMs ?? 20_000,
        cwd: options.cwd ?? '/',
        env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8' },
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs an ES module's source with this project's Node (24) as the other user. The source goes in as an argument
 * (tests only: it may hold what the attacker is assumed to know); it prints its findings on stdout.
 */
export function runNodeAsOtherUser(user: OtherUser, source: string, options: { timeoutMs?: number } = {}): Promise<OtherUserRun> {
  return runAsOtherUser(user, { command: process.execPath, args: ['--input-type=module', '-e', source], ...options });
}
