// Each project's pseudonym secret: 32 random bytes, created on first use and kept by the platform only, one file per
// project (0600) in DIR/project-keys/ (0700). Losing a key changes every pseudonym of its project; reading one lets
// anyone who also holds the raw data link a project's pseudonyms back to NHS numbers. So a key is never logged, never
// put in an answer, and never stored where the analyst's query connection could read it.
import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { z } from 'zod';
import { IdSchema } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import { ensurePrivateFolder, readOrCreateSecretFile } from '../secret-file.ts';
import { PROJECT_KEY_BYTES } from './pseudonym.ts';

export const PROJECT_KEYS_FOLDER = 'project-keys';

const KeyFileSchema = z
  .object({
    format: z.literal(1),
    key: z.base64().refine((text) => Buffer.from(text, 'base64').length === PROJECT_KEY_BYTES, 'must hold 32 bytes'),
  })
  .strict();

export interface ProjectKeys {
  /** The project's key, created (and kept) on first use. A fresh copy each call: changing it changes nothing stored. */
  keyFor(projectId: string): Promise<Uint8Array>;
}

/** The keys of every project, kept under the platform's data folder. */
export function openProjectKeys(options: { dataDir: string }): ProjectKeys {
  const folder = path.join(options.dataDir, PROJECT_KEYS_FOLDER);
  // One read per project per process; concurrent first uses share it. Private to this closure: nothing prints it.
  const loaded = new Map<string, Promise<Uint8Array>>();

  const load = async (projectId: string): Promise<Uint8Array> => {
    await ensurePrivateFolder(folder);
    const file = path.join(folder, `${projectId}.json`);
    await createAtomically(file);
    const parsed = await readOrCreateSecretFile({
      file,
      what: `the pseudonym key file of project ${projectId}`,
      schema: KeyFileSchema,
      // Never reached: createAtomically made the file. Kept so a vanished file fails closed, with a fresh key.
      create: () => Promise.resolve(newKeyFile()),
      whenDamaged: 'Restore it from a backup: a new key would change every pseudonym of the project.',
    });
    return new Uint8Array(Buffer.from(parsed.key, 'base64'));
  };

  return {
    async keyFor(projectId) {
      if (!IdSchema.safeParse(projectId).success) throw new EnclaveError('invalid_input', 'That is not a project id.');
      let pending = loaded.get(projectId);
      if (pending === undefined) {
        pending = load(projectId);
        loaded.set(projectId, pending);
        pending.catch(() => loaded.delete(projectId));
      }
      return new Uint8Array(await pending);
    },
  };
}

function newKeyFile(): z.infer<typeof KeyFileSchema> {
  return { format: 1, key: randomBytes(PROJECT_KEY_BYTES).toString('base64') };
}

/**
 * Writes a new key file only if there is none, whole or not at all: the key goes to a temporary file first (0600 by
 * chmod, whatever the umask), which is then hard-linked to its name. A second process that lost the race finds the
 * winner's complete file, never a half-written one.
 */
async function createAtomically(file: string): Promise<void> {
  const exists = await lstat(file).then(
    () => true,
    () => false,
  );
  if (exists) return;
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(newKeyFile(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await link(temporary, file).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
  } catch {
    throw new EnclaveError('unavailable', `The pseudonym key file ${file} could not be written.`);
  } finally {
    await rm(temporary, { force: true });
  }
}
