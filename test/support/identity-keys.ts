// The identity keys folder a platform on PostgreSQL is given (--identity-keys-dir, src/platform/key-folder.ts), made the
// way an operator makes it (`enclave platform keys create`). A server test keeps it in its data folder's
// SHARED_KEYS_SUBFOLDER, where the platform itself never looks: only the option leads there, and DIR/identity stays
// without keys (a platform on PostgreSQL that made its own would be caught by the tests that look there).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createKeyFolder } from '../../src/platform/key-rotation.ts';

export const SHARED_KEYS_SUBFOLDER = 'shared-identity-keys';

/** Makes the keys folder of a server test's data folder; answers its path. */
export async function makeSharedKeys(dataDir: string): Promise<string> {
  const folder = path.join(dataDir, SHARED_KEYS_SUBFOLDER);
  await createKeyFolder(folder);
  return folder;
}

/** A keys folder of its own in a temp folder, and its removal. */
export async function makeKeysFolder(): Promise<{ folder: string; cleanup: () => Promise<void> }> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'enclave-keys-'));
  const folder = path.join(parent, 'keys');
  await createKeyFolder(folder);
  return { folder, cleanup: () => rm(parent, { recursive: true, force: true }) };
}
