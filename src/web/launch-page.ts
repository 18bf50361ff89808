// The launch page: a small HTML file that sends the browser on to the launch URL. The launcher hands Chromium the
// file's path, never the URL itself, because every user of the computer can read a process's arguments
// (/proc/<pid>/cmdline). The file is 0600 inside a 0700 folder of the user's own, created exclusively (a planted
// file or symlink is refused), and deleted as soon as its code is spent. A meta refresh keeps the URL's fragment,
// which is where the code travels (checked with Debian's Chromium, `--app=file:///…`).
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../common/errors.ts';

export interface LaunchPage {
  readonly path: string;
  /** Deletes the file; safe to call more than once. */
  remove(): Promise<void>;
  /** Settles once a removal that was started has finished (at once if none was). */
  removed(): Promise<void>;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);

export function renderLaunchPage(launchUrl: string): string {
  const url = escapeHtml(launchUrl);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${url}"><title>Opening Enclave</title></head>
<body><p>Opening Enclave… If nothing happens, <a href="${url}">open Enclave</a>.</p></body>
</html>
`;
}

/** The folder, 0700 and ours; refused if it is a symlink or belongs to someone else. */
async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new EnclaveError('forbidden', `The launch folder ${dir} is not a folder of this user's own; remove it and start Enclave again.`);
  }
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

export async function writeLaunchPage(options: { dir: string; launchUrl: string }): Promise<LaunchPage> {
  await privateFolder(options.dir);
  const path = join(options.dir, `launch-${randomBytes(12).toString('hex')}.html`);
  // 'wx': created here and now, never an existing file or a symlink someone left in the way.
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(renderLaunchPage(options.launchUrl), 'utf8');
    await file.chmod(0o600);
  } finally {
    await file.close();
  }
  let removed: Promise<void> | undefined;
  return {
    path,
    remove() {
      removed ??= rm(path, { force: true });
      return removed;
    },
    removed: () => removed ?? Promise.resolve(),
  };
}
