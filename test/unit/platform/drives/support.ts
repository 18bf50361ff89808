// A drive service on real records (a migrated store, SQLite or PostgreSQL, and its audit log) and a real blob store,
// with stand-ins only for what decides membership (an agreement per project listing its members) and the kill switch
// (a set of suspended projects), and a clock the test moves. Each call makes its own temp folder; reopen() opens a new
// service on the same folder, as a platform restart would.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { EnclaveError } from '../../../../src/common/errors.ts';
import type { DriveEntry, WriteCondition } from '../../../../src/common/drives.ts';
import type { AgreementInForce } from '../../../../src/platform/agreements/loader.ts';
import type { AuditEvent } from '../../../../src/platform/audit/audit-log.ts';
import { createDriveService, type DriveServiceRuntime } from '../../../../src/platform/drives/drive-service.ts';
import type { DriveCaller } from '../../../../src/platform/drives/service-api.ts';
import { createRateLimiter } from '../../../../src/platform/http/rate-limit.ts';
import type { KillSwitch } from '../../../../src/platform/incidents/kill-switch.ts';
import { openPlatformRecords, type PlatformRecords } from '../../../../src/platform/records.ts';
import type { DriveSettings } from '../../../../src/platform/store/drives.ts';
import type { OpenedMetadataStore } from '../../../../src/platform/store/metadata-store.ts';
import { storeEngines, type EngineUnderTest } from '../../../support/store-engines.ts';

export const PROJECT = 'proj-a';
export const OTHER_PROJECT = 'proj-b';

/** People: ada and bob are members of proj-a; cy of proj-b only. */
export const PEOPLE = [
  { id: 'ada', displayName: 'Ada Lovelace', projects: [PROJECT] },
  { id: 'bob', displayName: 'Bob Hope', projects: [PROJECT] },
  { id: 'cy', displayName: 'Cy Twombly', projects: [OTHER_PROJECT] },
] as const;

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

export function callerOf(userId: string, options: { via?: 'api' | 'webdav'; appPasswordId?: string } = {}): DriveCaller {
  const person = PEOPLE.find((each) => each.id === userId);
  return {
    principal: { user: { id: userId, displayName: person?.displayName ?? userId, role: 'analyst' }, authenticatedBy: 'oidc' },
    via: options.via ?? 'api',
    ...(options.appPasswordId === undefined ? {} : { appPasswordId: options.appPasswordId }),
  };
}

function agreementFor(projectId: string): AgreementInForce {
  const members = PEOPLE.filter((person) => (person.projects as readonly string[]).includes(projectId)).map((person) => ({
    userId: person.id,
    role: 'analyst',
    start: '2020-01-01',
    end: '2099-12-31',
    mayRequestRelease: false,
  }));
  return {
    projectId,
    version: 1,
    agreement: { projectName: projectId, dpiaReference: 'DPIA-1', start: '2020-01-01', expires: '2099-12-31', members },
  } as unknown as AgreementInForce;
}

export interface DriveHarness {
  readonly dataDir: string;
  readonly root: string;
  service: DriveServiceRuntime;
  records: PlatformRecords;
  /** Moves the clock on. */
  advance(ms: number): void;
  now(): Date;
  readonly suspended: Set<string>;
  /** Closes the service's records and opens a new service on the same folder (a restart). */
  reopen(): Promise<void>;
  /** Audit events of a type (or all), oldest first, details parsed. */
  events(type?: string): Promise<Array<AuditEvent & { parsed: Record<string, unknown> }>>;
  /** Names of the files in a folder of the drive store (recursively), for "no garbage left" checks. */
  files(sub: 'blobs' | 'tmp' | 'uploads'): Promise<string[]>;
  close(): Promise<void>;
}

/** The store's engines, for describe.each: SQLite always, PostgreSQL when the run has its cluster. */
export const DRIVE_STORE_ENGINES = storeEngines();
const [SQLITE] = DRIVE_STORE_ENGINES;

export async function createDriveHarness(settings: Partial<DriveSettings> = {}, engine: EngineUnderTest = SQLITE): Promise<DriveHarness> {
  const under = await engine.create('drives');
  const { dataDir } = under;
  const root = path.join(dataDir, 'drives');
  let clock = Date.parse('2026-06-01T09:00:00Z');
  const suspended = new Set<string>();
  const killSwitch = {
    async projectRefusal(project: { id: string; name: string }) {
      return suspended.has(project.id) ? new EnclaveError('forbidden', `${project.name} is suspended by an administrator.`) : null;
    },
    async refusalFor() {
      return null;
    },
  } as unknown as KillSwitch;

  async function open(): Promise<{ records: PlatformRecords; service: DriveServiceRuntime }> {
    const records = await openPlatformRecords({ ...under.location, auditFolder: under.auditFolder, seed: { demo: null, catalogue: [] } });
    const { store, audit } = records;
    const known = new Set((await store.listUsers()).map((person) => person.id));
    for (const person of PEOPLE) {
      if (!known.has(person.id))
        await store.addUser({ id: person.id, displayName: person.displayName, role: 'analyst', subject: person.id });
    }
    for (const projectId of [PROJECT, OTHER_PROJECT]) {
      if ((await store.getProject(projectId)) === undefined) {
        await (store as OpenedMetadataStore).database
          .insertInto('projects')
          .values({ id: projectId, name: projectId, purpose: 'Testing drives.' })
          .execute();
      }
    }
    const service = createDriveService({
      store,
      audit,
      agreements: {
        get: (projectId) => ([PROJECT, OTHER_PROJECT].includes(projectId) ? agreementFor(projectId) : undefined),
        all: () => [PROJECT, OTHER_PROJECT].map(agreementFor),
      },
      killSwitch,
      root,
      rateLimiter: createRateLimiter,
      now: () => new Date(clock),
      defaults: { quotaBytes: 1024 * 1024, keepVersions: 20, trashDays: 30, ...settings },
    });
    await service.sweep({ atStart: true });
    return { records, service };
  }

  const first = await open();
  const harness: DriveHarness = {
    dataDir,
    root,
    service: first.service,
    records: first.records,
    suspended,
    advance(ms) {
      clock += ms;
    },
    now: () => new Date(clock),
    async reopen() {
      await harness.records.close();
      const next = await open();
      harness.service = next.service;
      harness.records = next.records;
    },
    async events(type) {
      const all = await harness.records.audit.list();
      return all
        .filter((event) => type === undefined || event.type === type)
        .map((event) => ({ ...event, parsed: JSON.parse(event.details) as Record<string, unknown> }));
    },
    async files(sub) {
      const walk = async (dir: string): Promise<string[]> => {
        const names = await readdir(dir).catch(() => [] as string[]);
        const found: string[] = [];
        for (const name of names) {
          const full = path.join(dir, name);
          if ((await stat(full)).isDirectory()) found.push(...(await walk(full)));
          else found.push(path.relative(path.join(root, sub), full));
        }
        return found;
      };
      return (await walk(path.join(root, sub))).sort();
    },
    async close() {
      await harness.records.close();
      await under.cleanup();
    },
  };
  return harness;
}

/** Writes a whole file as WebDAV's PUT does (declared length given unless `chunked`). */
export async function put(
  service: DriveServiceRuntime,
  write: { who: string; path: string; content: Buffer | string; condition?: WriteCondition; chunked?: boolean; project?: string },
): Promise<DriveEntry> {
  const bytes = Buffer.from(write.content);
  return service.write(
    callerOf(write.who),
    write.project ?? PROJECT,
    write.path,
    Readable.from([bytes]),
    write.chunked === true ? null : bytes.length,
    write.condition ?? { any: true },
  );
}

/** Reads a file's whole current content. */
export async function readAll(service: DriveServiceRuntime, who: string, drivePath: string): Promise<Buffer> {
  const opened = await service.read(callerOf(who), PROJECT, drivePath);
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The refusal a promise ends with (or a failure of the test when it resolves). */
export async function refusalOf(work: Promise<unknown>): Promise<EnclaveError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw err;
  }
  throw new Error('Expected a refusal, but the call succeeded.');
}
