// The root marker (issue 17): a small hidden file `.enclave-drive` in the synced folder, written on the first sync,
// that says which drive and person the folder is kept for, and the journal's generation (how many passes changed
// anything). Without it the engine cannot tell "the person deleted every file" from "the folder vanished, was emptied
// or swapped for another": when it is missing or another drive's, sync stops instead of deleting. A generation behind
// or ahead of the journal's says the folder or the journal was restored from an older copy: a resync, not deletions.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { bestEffort } from '../../common/detached.ts';
import { FILE_MODE, MARKER_NAME, PART_PREFIX, lstatOrNull, syncFolder } from './local-fs.ts';

const MarkerSchema = z.object({
  enclaveDrive: z.literal(1),
  driveId: z.string(),
  projectId: z.string(),
  userId: z.string(),
  generation: z.number().int().nonnegative(),
});
export type RootMarker = Omit<z.infer<typeof MarkerSchema>, 'enclaveDrive'>;

/** The folder's marker; null when there is none; 'unreadable' when something else is there (not ours, or damaged). */
export async function readMarker(root: string): Promise<RootMarker | null | 'unreadable'> {
  const file = path.join(root, MARKER_NAME);
  const info = await lstatOrNull(file);
  if (info === null) return null;
  if (!info.isFile() || info.size > 4096n) return 'unreadable';
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, { encoding: 'utf8', flag: constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) }));
  } catch {
    return 'unreadable';
  }
  const marker = MarkerSchema.safeParse(parsed);
  if (!marker.success) return 'unreadable';
  const { driveId, projectId, userId, generation } = marker.data;
  return { driveId, projectId, userId, generation };
}

/** Writes the marker in one step (a temporary file renamed over it, then the folder synced). */
export async function writeMarker(root: string, marker: RootMarker): Promise<void> {
  const temp = path.join(root, `${PART_PREFIX}${randomBytes(8).toString('hex')}`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify({ enclaveDrive: 1, ...marker })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path.join(root, MARKER_NAME));
  } catch (err) {
    await bestEffort(unlink(temp));
    throw err;
  }
  await syncFolder(root);
}
