// The platform's records, as the composition root wires them: the metadata store and, on the same database, the
// audit log. Built here rather than in the store, so that the store imports neither the audit log nor identity
// (the platform's layers, fenced in eslint.config.ts).
import path from 'node:path';
import { openAuditLog, type AuditLog } from './audit/audit-log.ts';
import type { CatalogueFile } from './catalogue/catalogue-file.ts';
import { hashPassword } from './identity/passwords.ts';
import type { DemoSeed } from './store/demo-seed.ts';
import { openMetadataStore, type MetadataStore } from './store/metadata-store.ts';

export interface PlatformRecords {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  /** True when this open wrote the seed (the store held no users). */
  readonly seeded: boolean;
  /** Closes the database the store and the audit log share. */
  close(): Promise<void>;
}

export interface OpenPlatformRecordsOptions {
  /** SQLite file; created with its folder if missing. */
  readonly file: string;
  /** Written only when the store holds no users yet. */
  readonly seed: { demo: DemoSeed | null; catalogue: CatalogueFile };
  /** Where the audit key and anchor live, outside the database. Default: `identity` beside the file. */
  readonly auditFolder?: string;
}

/** Opens (migrating and seeding) the metadata store, then the audit log on its database. */
export async function openPlatformRecords(options: OpenPlatformRecordsOptions): Promise<PlatformRecords> {
  const store = await openMetadataStore({ file: options.file, seed: options.seed, hashPassword });
  const folder = options.auditFolder ?? path.join(path.dirname(options.file), 'identity');
  // A store seeded at an earlier start had its audit key made then: an empty log without one was emptied, not new.
  const audit = await openAuditLog({ db: store.database, folder, storeUsedBefore: !store.seeded }).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  return { store, audit, seeded: store.seeded, close: () => store.close() };
}
