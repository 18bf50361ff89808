// Reads DIR/manifest.json (written by `enclave platform init`) and proves every data file is the one it lists,
// once, at start-up: the engine then serves only files whose bytes it has checked. (A file swapped while the
// server runs is not caught; the data folder is the platform operator's, not the analyst's, to write.)
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { IdSchema } from '../../common/contract.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';

const ManifestSchema = z.object({
  format: z.literal(1),
  seed: z.union([z.number(), z.string()]),
  scale: z.number().int().nonnegative(),
  datasets: z.record(
    IdSchema,
    z.object({
      file: z.string(),
      rows: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
    }),
  ),
});

export interface VerifiedDataFile {
  readonly datasetId: string;
  /** Absolute path of a regular file inside DIR/datasets whose sha256 matched the manifest. */
  readonly absolutePath: string;
  readonly rows: number;
  /** The file's verified sha256 (hex). */
  readonly sha256: string;
}

function refuse(message: string): never {
  throw new EnclaveError('unavailable', `The platform's data folder cannot be served: ${message}`);
}

async function readManifest(dataDir: string): Promise<z.infer<typeof ManifestSchema>> {
  const manifestPath = path.join(dataDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    refuse(`${manifestPath} is missing or unreadable. Run \`enclave platform init --data-dir ${dataDir}\` first.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    refuse(`${manifestPath} is not valid JSON.`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) refuse(`${manifestPath} is not a format-1 manifest (${describeIssues(parsed.error)}).`);
  if (Object.keys(parsed.data.datasets).length === 0) refuse(`${manifestPath} lists no datasets.`);
  return parsed.data;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Verifies the manifest and the hash of every file it lists. The manifest must name each file exactly
 * `datasets/<id>.parquet`, so a tampered manifest cannot point the engine at any other file; symbolic links
 * are refused for the same reason.
 */
export async function verifyDataDir(dataDir: string): Promise<VerifiedDataFile[]> {
  const root = path.resolve(dataDir);
  const manifest = await readManifest(root);
  const verified: VerifiedDataFile[] = [];
  for (const [datasetId, entry] of Object.entries(manifest.datasets)) {
    const expected = `datasets/${datasetId}.parquet`;
    if (entry.file !== expected) refuse(`the manifest names "${entry.file}" for ${datasetId}; it must be "${expected}".`);
    const absolutePath = path.join(root, 'datasets', `${datasetId}.parquet`);
    const stat = await lstat(absolutePath).catch(() => null);
    if (stat === null) refuse(`${absolutePath} is missing. Run \`enclave platform init\` again.`);
    if (!stat.isFile()) refuse(`${absolutePath} is not a regular file.`);
    const actual = await sha256Of(absolutePath);
    if (actual !== entry.sha256) {
      refuse(`${absolutePath} does not match the manifest (sha256 differs): it was changed after it was generated.`);
    }
    verified.push({ datasetId, absolutePath, rows: entry.rows, sha256: actual });
  }
  return verified;
}
