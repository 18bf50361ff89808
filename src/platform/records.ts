// The platform's records, as the composition root wires them: the metadata store and, on the same database, the
// audit log. Built here rather than in the store, so that the store imports neither the audit log nor identity
// (the platform's layers, fenced in eslint.config.ts).
import path from 'node:path';
import { openAuditLog, type AuditLog } from './audit/audit-log.ts';
import type { CatalogueFile } from './catalogue/catalogue-file.ts';
import { hashPassword } from './identity/passwords.ts';
import type { DemoSeed } from './store/demo-seed.ts';
import { openMetadataStore, type MetadataStore, type StoreLocation } from './store/metadata-store.ts';

export interface PlatformRecords {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  /** True when this open wrote the seed (the store held no users). */
  readonly seeded: boolean;
  /** Closes the database the store and the audit log share. */
  close(): Promise<void>;
}

/** The store (a SQLite file, or PostgreSQL with the folder for the audit key and anchor), and what to seed it with. */
export type OpenPlatformRecordsOptions = (
  | { readonly file: string; readonly postgres?: undefined; readonly auditFolder?: string }
  | { readonly postgres: NonNullable<StoreLocation['postgres']>; readonly file?: undefined; readonly auditFolder: string }
) & {
  /** Written only when the store holds no users yet. */
  readonly seed: { demo: DemoSeed | null; catalogue: CatalogueFile };
  /** The audit key every instance shares (from the identity keys folder); without it, the key in the audit folder. */
  readonly sharedAuditKey?: { readonly key: Buffer; readonly file: string };
  /** 'app': change no schema, and refuse a pending migration or a role that could rewrite the audit log (metadata-store.ts). */
  readonly role?: 'owner' | 'app';
};

/** Opens (migrating and seeding) the metadata store, then the audit log on its database. */
export async function openPlatformRecords(options: OpenPlatformRecordsOptions): Promise<PlatformRecords> {
  const { seed, role } = options;
  const location: StoreLocation = options.postgres === undefined ? { file: options.file } : { postgres: options.postgres };
  const store = await openMetadataStore({ ...location, seed, hashPassword, ...(role === undefined ? {} : { role }) });
  // Where the audit key and anchor live, outside the database. Default for a SQLite file: `identity` beside it.
  const folder = options.auditFolder ?? path.join(path.dirname(options.file ?? '.'), 'identity');
  // A SQLite store seeded at an earlier start had its audit key made then: an empty log without one was emptied, not new.
  // On PostgreSQL the store is seeded by `enclave platform migrate`, not at a start of the platform (when the key is
  // made), and no role the platform runs as can empty the log (privileges and triggers): an empty log there was never
  // written, whoever seeded the store.
  const storeUsedBefore = options.postgres === undefined ? !store.seeded : false;
  const { sharedAuditKey } = options;
  const audit = await openAuditLog({
    db: store.database,
    folder,
    storeUsedBefore,
    ...(sharedAuditKey === undefined ? {} : { sharedKey: sharedAuditKey }),
  }).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  return { store, audit, seeded: store.seeded, close: () => store.close() };
}
