// A whole blob read that checks, as it streams, that its bytes are the content its version names (issue 17). A blob is
// stored under its SHA-256, but someone who can write the platform's files (and not its keys) could swap its bytes:
// served as they are, they would travel under the old strong ETag and be audited as the old content. Each chunk is
// hashed on its way through, and the last one is held back until the whole content has been checked: bytes that do
// not match fail the stream (the answer is cut short, never completed) and are on record as `drive.blob_damaged`.
// A range cannot be checked this way (its hash is not stored, and the blob's is of the whole content): ranges are
// served as they are read, and the sync engine checks each file's SHA-256 once all its bytes have arrived.
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { EnclaveError } from '../../common/errors.ts';
import type { JsonValue } from '../audit/canonical-json.ts';

/** What was read, to say what failed (in the refusal and the audit event). */
export interface VerifiedBlob {
  readonly sha256: string;
  readonly size: number;
  readonly path: string;
}

export const BLOB_DAMAGED_MESSAGE = (path: string): string =>
  `The stored content of “${path}” is not what was saved (its bytes do not have its SHA-256): it was damaged or ` +
  'tampered with on the platform. Nothing more of it was sent; an administrator has it on record.';

/**
 * Pipes `source` through a check of `expected`; on a mismatch the answer fails with `internal` after `onDamaged` has
 * been awaited (it records the event; its own failure does not stop the refusal).
 */
export function verifiedStream(
  source: Readable,
  expected: VerifiedBlob,
  onDamaged: (details: Record<string, JsonValue>) => Promise<void>,
): Readable {
  const hash = createHash('sha256');
  let seen = 0;
  let held: Buffer | null = null;
  let failed = false;
  const fail = (callback: TransformCallback, found: { bytes: number; sha256: string | null }) => {
    failed = true;
    const details = {
      path: expected.path,
      sha256: expected.sha256,
      bytes: expected.size,
      foundBytes: found.bytes,
      foundSha256: found.sha256,
    };
    onDamaged(details).then(
      () => callback(new EnclaveError('internal', BLOB_DAMAGED_MESSAGE(expected.path))),
      () => callback(new EnclaveError('internal', BLOB_DAMAGED_MESSAGE(expected.path))),
    );
  };
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (failed) {
        callback();
        return;
      }
      seen += chunk.length;
      if (seen > expected.size) {
        // Longer than the content: no need to read on to know.
        fail(callback, { bytes: seen, sha256: null });
        return;
      }
      hash.update(chunk);
      const previous = held;
      held = chunk;
      callback(null, previous ?? undefined);
    },
    flush(callback) {
      if (failed) {
        callback();
        return;
      }
      const found = hash.digest('hex');
      if (seen !== expected.size || found !== expected.sha256) {
        fail(callback, { bytes: seen, sha256: found });
        return;
      }
      callback(null, held ?? undefined);
    },
  });
  source.on('error', (err) => check.destroy(err));
  check.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  return source.pipe(check);
}
