// Where agreement versions survive a restart. The loader records each accepted file here before it takes effect,
// so a version number is never given twice, and the last good text stays in force after a restart even when the
// file was broken while the platform was down. `createFileVersionStore` keeps them in one small JSON file (0600 in
// a 0700 folder); the platform's metadata store can implement the same interface instead.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';

export const AcceptedAgreementSchema = z
  .object({
    version: z.number().int().min(1),
    /** SHA-256 (hex) of the file's bytes: a change of content, layout included, is a new version. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The accepted file's text, validated again when it is needed after a restart. */
    text: z.string(),
    acceptedAt: z.iso.datetime(),
  })
  .strict();
export type AcceptedAgreement = z.infer<typeof AcceptedAgreementSchema>;

export interface AgreementVersionStore {
  /** Every project's last accepted agreement. */
  readAll(): Promise<ReadonlyMap<string, AcceptedAgreement>>;
  /** Records a newly accepted agreement; resolves once it is durable, rejects (EnclaveError) when it could not be kept. */
  record(projectId: string, accepted: AcceptedAgreement): Promise<void>;
}

const StateFileSchema = z.object({ projects: z.record(z.string(), AcceptedAgreementSchema) }).strict();

/** The state file is the loader's own; a damaged one is refused rather than reset, since resetting would reuse version numbers. */
export function createFileVersionStore(file: string): AgreementVersionStore {
  let cache: Map<string, AcceptedAgreement> | undefined;

  const load = async (): Promise<Map<string, AcceptedAgreement>> => {
    if (cache !== undefined) return cache;
    let text: string;
    try {
      const info = await stat(file);
      if ((info.mode & 0o077) !== 0) {
        throw new EnclaveError(
          'unavailable',
          `The agreement versions file ${file} can be read by other users. Run \`chmod 600 ${file}\` and start again.`,
        );
      }
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      cache = new Map();
      return cache;
    }
    let parsed: z.ZodSafeParseResult<z.infer<typeof StateFileSchema>>;
    try {
      parsed = StateFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = { success: false } as z.ZodSafeParseResult<z.infer<typeof StateFileSchema>>;
    }
    if (!parsed.success) {
      throw new EnclaveError(
        'unavailable',
        `The agreement versions file ${file} is damaged. Restore it from a backup; deleting it starts every agreement again at version 1.`,
      );
    }
    cache = new Map(Object.entries(parsed.data.projects));
    return cache;
  };

  return {
    readAll: async () => new Map(await load()),
    record: async (projectId, accepted) => {
      const next = new Map(await load());
      next.set(projectId, AcceptedAgreementSchema.parse(accepted));
      const folder = path.dirname(file);
      const temporary = path.join(folder, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        await chmod(folder, 0o700);
        await writeFile(temporary, `${JSON.stringify({ projects: Object.fromEntries(next) }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        await rename(temporary, file);
      } catch {
        await bestEffort(rm(temporary, { force: true }));
        throw new EnclaveError(
          'unavailable',
          `The agreement versions file ${file} could not be written, so the new version was not accepted.`,
        );
      }
      cache = next;
    },
  };
}
