// The check at release that what leaves is what was reviewed: each output's stored document must still hash to the
// SHA-256 stored when it was added, and to the one the audit log recorded then (the log is sealed with a key the
// database does not hold, so someone who can write the platform's files can change a document and its stored hash,
// but not the log's record of it). A document that does not parse, or hashes to anything else, stops the release.
import { EnclaveError } from '../../common/errors.ts';
import { OutputDocumentSchema } from '../../common/outputs.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { JsonValue } from '../audit/canonical-json.ts';
import type { StoredFile } from '../store/airlock.ts';
import { outputSha256 } from './checks.ts';

/** A refusal that carries what an investigator needs into the audit log beside its message. */
export class RecordedRefusal extends EnclaveError {
  readonly details: Record<string, JsonValue>;
  constructor(code: EnclaveError['code'], message: string, details: Record<string, JsonValue>) {
    super(code, message);
    this.name = 'RecordedRefusal';
    this.details = details;
  }
}

/** The audit log's page size while looking for the records of the files' versions. */
const PAGE = 500;

/** The SHA-256 the audit log recorded for each file version (`fileId@version`) added to the project's requests. */
async function recordedHashes(audit: AuditLog, projectId: string, wanted: ReadonlySet<string>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let before: number | undefined;
  for (;;) {
    const page = await audit.search({
      typePrefix: 'airlock.file_added',
      projectId,
      limit: PAGE,
      ...(before === undefined ? {} : { before }),
    });
    for (const event of page.events) {
      if (event.outcome !== 'success') continue;
      let details: unknown;
      try {
        details = JSON.parse(event.details);
      } catch {
        continue;
      }
      const { fileId, fileVersion, sha256 } = (details ?? {}) as { fileId?: unknown; fileVersion?: unknown; sha256?: unknown };
      const key = `${String(fileId)}@${String(fileVersion)}`;
      // Newest first: a later record of the same version (the same bytes added again) says the same hash.
      if (wanted.has(key) && typeof sha256 === 'string' && !found.has(key)) found.set(key, sha256);
    }
    if (found.size === wanted.size || page.older === null) return found;
    before = page.older;
  }
}

/** Refuses (RecordedRefusal, forbidden) unless every file's stored document still hashes to what was added and reviewed. */
export async function verifyStoredBytes(options: { audit: AuditLog; projectId: string; files: readonly StoredFile[] }): Promise<void> {
  const keyOf = (file: StoredFile) => `${file.id}@${Number(file.current_version)}`;
  const recorded = await recordedHashes(options.audit, options.projectId, new Set(options.files.map(keyOf)));
  for (const file of options.files) {
    const expected = file.current.sha256;
    let actual: string;
    try {
      actual = outputSha256(OutputDocumentSchema.parse(JSON.parse(file.current.content)));
    } catch {
      actual = 'unreadable';
    }
    const logged = recorded.get(keyOf(file)) ?? null;
    if (actual !== expected || logged !== expected) {
      throw new RecordedRefusal(
        'forbidden',
        `The stored “${file.name}” is no longer what was added and reviewed (its SHA-256 does not match the platform's record). Nothing was released: tell an administrator, who will find this in the audit log.`,
        { because: 'stored_bytes_changed', fileId: file.id, fileVersion: Number(file.current_version), expected, actual, logged },
      );
    }
  }
}
