// What the platform is without its HTTP server: the catalogue, the data engine, the records (metadata store and audit
// log), the agreements in force, the projects' keys and the query service. The server serves it over HTTP; the
// operator's `enclave platform query` uses it in-process, with exactly the same checks, minimisation and audit.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { bestEffort } from '../common/detached.ts';
import { openPlatformAgreements } from './agreements-at-start.ts';
import type { AgreementLoader } from './agreements/loader.ts';
import type { AuditLog } from './audit/audit-log.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile, type CatalogueFile } from './catalogue/catalogue-file.ts';
import { seedDemoDrives } from './drives/demo-content.ts';
import { createDriveService, drivesFolder, type DriveServiceRuntime } from './drives/drive-service.ts';
import type { DataEngine } from './engine/data-engine.ts';
import { openDuckDbEngine } from './engine/duckdb-engine.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { createKillSwitch, type KillSwitch, type SignInEnder } from './incidents/kill-switch.ts';
import { createOperationRegistry, type OperationRegistry } from './incidents/operations.ts';
import { openProjectKeys, type ProjectKeys } from './minimisation/project-keys.ts';
import { createPeopleService, type PeopleService } from './people/people-service.ts';
import { createStandingService, type StandingService } from './people/standing.ts';
import { createOversight, type Oversight } from './people/oversight.ts';
import { fieldKindsOf, type FieldKinds } from './minimisation/project-treatments.ts';
import { createQueryService, type QueryService } from './query/query-service.ts';
import { openPlatformRecords, type PlatformRecords } from './records.ts';
import { readKeyFolder } from './key-folder.ts';
import { checkRecordedKeys, recordFirstKeys } from './key-record.ts';
import { AUDIT_KEY_FILE } from './audit/audit-key.ts';
import type { IdentityKeys } from './identity/embedded/keys.ts';
import { checkAuditLogAtStart, checkCatalogueMatchesData, type StartupAudit } from './startup-checks.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from './store/demo-seed.ts';
import { EMBEDDED_ISSUER, type MetadataStore } from './store/metadata-store.ts';
import type { PostgresStoreOptions } from './store/postgres-connection.ts';

/**
 * A PostgreSQL metadata store in place of `<data dir>/metadata.sqlite` (the audit key and anchor stay in the data
 * folder's `identity`). Connection failures outside a request go to the core's `log` (else stderr).
 */
export type PlatformDatabaseOptions = Omit<PostgresStoreOptions, 'log'> & {
  /** 'app' (what `serve` asks on PostgreSQL): change no schema, and refuse a pending migration or an owner's role. */
  readonly role?: 'owner' | 'app';
  /**
   * The keys every instance on the database shares (--identity-keys-dir, key-folder.ts): read, never written, and
   * checked against those recorded in the database. On PostgreSQL the platform never makes keys; with SQLite (one
   * instance) they are made in DIR/identity at the first start.
   */
  readonly identityKeysDir: string;
};

/** The store's own options: the role and the keys folder are the platform's. */
export function postgresOptions(database: PlatformDatabaseOptions): Omit<PostgresStoreOptions, 'log'> {
  const { role: _role, identityKeysDir: _keys, ...store } = database;
  return store;
}

/** Where a PostgreSQL store says a connection dropped while idle, when nobody gave the core a log. */
const logToStderr = (message: string, detail?: unknown): void => {
  process.stderr.write(`${message}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}\n`);
};

export interface PlatformCoreOptions {
  readonly dataDir: string;
  readonly cataloguePath?: string | URL;
  readonly demoDir?: URL;
  /** See PlatformServerOptions.acceptBrokenAuditLog. */
  readonly acceptBrokenAuditLog?: string;
  /** Watch the agreements folder for edits (default true; a one-off command reads it once). */
  readonly watchAgreements?: boolean;
  /** Where the engine and the query service say what only the operator should read. */
  readonly log?: (message: string, detail?: unknown) => void;
  /**
   * 'demo' (default): a new data folder gets the demo's people, projects and agreements. 'production' never loads them:
   * the first admin comes from `enclave platform user add`.
   */
  readonly mode?: 'demo' | 'production';
  /** What ends a person's sign-ins at the identity provider this process runs, once it exists. */
  readonly signIns?: () => SignInEnder | undefined;
  /** The identity provider people's subjects are bound at: 'embedded' (default) or the external issuer's URL. */
  readonly issuer?: string;
  /**
   * Set by the server, which serves the drives (a one-off command leaves them be): before anything is served, the drive
   * store's leftovers of a stop once a day old are cleaned away (younger ones may be another instance's writes under
   * way) and, in the demo, each demo project the store holds gets its drive's first files, once whichever instance.
   */
  readonly drivesAtStart?: boolean;
  /** The metadata store in PostgreSQL rather than SQLite in the data folder. */
  readonly database?: PlatformDatabaseOptions;
}

export interface PlatformCore {
  readonly catalogue: CatalogueFile;
  readonly engine: DataEngine;
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  readonly agreements: AgreementLoader;
  readonly fieldKinds: FieldKinds;
  readonly projectKeys: ProjectKeys;
  readonly queries: QueryService;
  /** Incidents, suspensions and frozen egress. */
  readonly killSwitch: KillSwitch;
  /** The queries, samples and drive transfers running in this process. */
  readonly operations: OperationRegistry;
  /** People: registering, enrolment, roles, status; who may use the platform now. */
  readonly people: PeopleService;
  /** Terms of use and training. */
  readonly standing: StandingService;
  /** The usage report, the security review and the expiries panel. */
  readonly oversight: Oversight;
  /** The projects' workspace drives (bytes under `<data dir>/drives`). */
  readonly drives: DriveServiceRuntime;
  readonly startupAudit: StartupAudit;
  /** The shared identity keys (--identity-keys-dir), for the embedded identity provider; absent when it keeps its own. */
  readonly identityKeys?: IdentityKeys;
  /** Stops watching the agreements, then closes the engine, then the records. Safe to call twice. */
  close(): Promise<void>;
}

/** The datasets the engine serves, with their rows and their files' bytes on disk (from the data folder's manifest). */
async function servedDatasets(dataDir: string, engine: DataEngine): Promise<Array<{ id: string; rows: number; bytes: number }>> {
  let files: Record<string, { file?: unknown }> = {};
  try {
    const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as {
      datasets?: Record<string, { file?: unknown }>;
    };
    files = manifest.datasets ?? {};
  } catch {
    // No readable manifest: the engine verified one at start-up, so this is a file removed since; bytes are then 0.
  }
  return Promise.all(
    engine.datasets().map(async (dataset) => {
      const file = files[dataset.id]?.file;
      const bytes =
        typeof file === 'string'
          ? await stat(path.join(dataDir, file)).then(
              (info) => info.size,
              () => 0,
            )
          : 0;
      return { id: dataset.id, rows: dataset.rowCount, bytes };
    }),
  );
}

async function settle(steps: Array<() => Promise<void>>): Promise<void> {
  for (const step of steps) await bestEffort(step());
}

/** Opens everything; throws EnclaveError('unavailable') with a clear message if the data folder cannot be served. */
export async function openPlatformCore(options: PlatformCoreOptions): Promise<PlatformCore> {
  const catalogue = await readCatalogueFile(options.cataloguePath ?? DEFAULT_CATALOGUE_PATH);
  const demoDir = options.demoDir ?? DEFAULT_DEMO_DIR;
  const demo = options.mode === 'production' ? null : await readDemoSeed({ demoDir, catalogue });
  const { database } = options;
  const keys = database === undefined ? undefined : await readKeyFolder(database.identityKeysDir);
  const engine = await openDuckDbEngine({ dataDir: options.dataDir, ...(options.log ? { log: options.log } : {}) });
  const fieldKinds = fieldKindsOf(catalogue);
  let records: PlatformRecords | undefined;
  try {
    const seed = { demo, catalogue };
    const sharedAuditKey =
      keys === undefined ? {} : { sharedAuditKey: { key: keys.auditKey, file: path.join(keys.folder, AUDIT_KEY_FILE) } };
    records = await openPlatformRecords(
      database === undefined
        ? { file: path.join(options.dataDir, 'metadata.sqlite'), seed, ...sharedAuditKey }
        : {
            postgres: { ...postgresOptions(database), log: options.log ?? logToStderr },
            auditFolder: path.join(options.dataDir, 'identity'),
            seed,
            ...sharedAuditKey,
            ...(database.role === undefined ? {} : { role: database.role }),
          },
    );
    const { store, audit } = records;
    // The keys first: with another audit key, the log's check below would report every event as altered.
    const keysAtStart = keys === undefined ? undefined : await checkRecordedKeys({ store, keys });
    const startupAudit = await checkAuditLogAtStart({ audit, dataDir: options.dataDir, accept: options.acceptBrokenAuditLog });
    if (keys !== undefined && keysAtStart === 'none') await recordFirstKeys({ store, audit, keys });
    const storedCatalogue = await store.listDatasets();
    const used = new Set((demo?.projects ?? []).flatMap((project) => project.datasetIds));
    checkCatalogueMatchesData({ catalogue: storedCatalogue, served: engine.datasets(), used });
    const agreements = await openPlatformAgreements({
      dataDir: options.dataDir,
      demoDir: demo === null ? null : demoDir,
      store,
      audit,
      catalogue,
      fieldKinds,
      ...(options.watchAgreements === false ? { watch: false } : {}),
    });
    const projectKeys = openProjectKeys({ dataDir: options.dataDir });
    const queries = createQueryService({ store, engine, audit, fieldKinds, projectKeys, ...(options.log ? { log: options.log } : {}) });
    const operations = createOperationRegistry();
    const killSwitch = createKillSwitch({
      store,
      audit,
      operations,
      ...(options.signIns ? { signIns: options.signIns } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    const standing = createStandingService({ store, audit });
    const people = createPeopleService({
      store,
      audit,
      killSwitch,
      standing,
      issuer: () => options.issuer ?? EMBEDDED_ISSUER,
      endAccess: async (userId) => void (await killSwitch.endAccess(userId)),
    });
    const oversight = createOversight({
      store,
      audit,
      agreements,
      people,
      standing,
      datasets: () => servedDatasets(options.dataDir, engine),
    });
    const drives = createDriveService({
      store,
      audit,
      agreements,
      killSwitch,
      operations,
      root: drivesFolder(options.dataDir),
      rateLimiter: createRateLimiter,
      ...(options.log ? { log: options.log } : {}),
    });
    if (options.drivesAtStart === true) {
      await drives.sweep({ atStart: true });
      if (demo !== null) await seedDemoDrives(drives, demo.projects);
    }
    const opened = records;
    let closing: Promise<void> | undefined;
    return {
      catalogue,
      engine,
      store,
      audit,
      agreements,
      fieldKinds,
      projectKeys,
      queries,
      killSwitch,
      operations,
      people,
      standing,
      oversight,
      drives,
      startupAudit,
      ...(keys === undefined ? {} : { identityKeys: keys.identity }),
      close() {
        closing ??= settle([() => agreements.stop(), () => engine.close(), () => opened.close()]);
        return closing;
      },
    };
  } catch (err) {
    const opened = records;
    await settle([async () => opened?.close(), async () => engine.close()]);
    throw err;
  }
}
