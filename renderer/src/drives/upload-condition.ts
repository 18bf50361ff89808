// The condition a save straight to the platform is uploaded under (issue 17: the window's saves of a result, a table or
// a chart): the drive's folder is read first, and what is there decides. Nothing of that name: written only if it stays
// so. A file of that name the person asked to replace: written only if it is still the version they saw. Anything else
// (a file they did not ask to replace, a folder, a twin spelled another way) is refused here, before a byte is sent.
import type { Client } from '../../../src/common/client.ts';
import { driveNameKey, type WriteCondition } from '../../../src/common/drives.ts';
import { EnclaveError } from '../../../src/common/errors.ts';

export async function uploadCondition(options: {
  client: Client;
  projectId: string;
  folder: string;
  name: string;
  replace: boolean;
  signal?: AbortSignal;
}): Promise<WriteCondition> {
  const { client, projectId, folder, name, signal } = options;
  const listing = await client.invoke('drive.folder', { projectId, path: folder }, { signal });
  const existing = listing.entries.find((entry) => driveNameKey(entry.name) === driveNameKey(name));
  if (existing === undefined) return { ifAbsent: true };
  if (existing.kind !== 'file' || existing.etag === null || existing.name.normalize('NFC') !== name.normalize('NFC')) {
    throw new EnclaveError('conflict', `“${name}” clashes with “${existing.name}” in that folder. Choose another name. Nothing was saved.`);
  }
  if (!options.replace) {
    throw new EnclaveError(
      'conflict',
      `A file named “${name}” is already in that folder. Choose another name, or replace it. Nothing was saved.`,
    );
  }
  return { ifMatch: existing.etag };
}
