// nephele's storage adapter for one WebDAV request on one project's drive: it resolves addresses to drive paths (strictly:
// dav-paths.ts) and reaches the drive only through the DriveService (never the files), as the request's caller, so the
// service's membership, name policy, quota, conditions and audit apply to WebDAV exactly as to Enclave's own API.
// One adapter per request: it caches what it read (entries, the drive's locks) for the request's length, and forgets
// it whenever the request changes something.
import type { Readable } from 'node:stream';
import {
  BadGatewayError,
  BadRequestError,
  ForbiddenError,
  MethodNotImplementedError,
  MethodNotSupportedError,
  ResourceNotFoundError,
  type Adapter,
  type Method,
} from 'nephele';
import { driveBaseName, type DriveEntry, type WriteCondition } from '../../../common/drives.ts';
import type { ByteRange, DriveCaller, OpenedContent, StoredDriveLock } from '../service-api.ts';
import { drivePathOfUrl, urlOfDrivePath, type DrivePathOfUrl } from './dav-paths.ts';
import { driveCall, twinRefusal } from './dav-errors.ts';
import { DriveResource } from './drive-resource.ts';
import { callerOf, type DavRequestContext } from './request-context.ts';

export class DriveDavAdapter implements Adapter {
  readonly context: DavRequestContext;
  /** Where the request was sent (scheme, host and port): addresses elsewhere are not this drive's. */
  readonly origin: URL;
  private entries = new Map<string, Promise<DriveEntry | null>>();
  private locks: Promise<StoredDriveLock[]> | null = null;

  constructor(context: DavRequestContext, origin: URL) {
    this.context = context;
    this.origin = origin;
  }

  // ---- nephele's Adapter ----------------------------------------------------------------------------------------------

  async getComplianceClasses(): Promise<string[]> {
    // Class 2: locks.
    return ['2'];
  }

  async getAllowedMethods(): Promise<string[]> {
    return [];
  }

  async getOptionsResponseCacheControl(): Promise<string> {
    return 'no-store';
  }

  /**
   * Membership was checked when the caller was admitted; what is left is whether the address is in this drive (a name
   * the policy refuses is in it, and is refused with the policy's reason when it is resolved).
   */
  async isAuthorized(url: URL): Promise<boolean> {
    return !('outside' in this.locate(url));
  }

  async getResource(url: URL, baseUrl: URL): Promise<DriveResource> {
    const path = this.pathOfUrl(url);
    const entry = await this.entryAt(path);
    if (entry === null) throw new ResourceNotFoundError(`There is nothing at "${path}" in this drive.`);
    return new DriveResource({ adapter: this, baseUrl, path, entry, folder: entry.kind === 'folder' });
  }

  async newResource(url: URL, baseUrl: URL): Promise<DriveResource> {
    return new DriveResource({ adapter: this, baseUrl, path: this.pathOfUrl(url), entry: null, folder: false });
  }

  async newCollection(url: URL, baseUrl: URL): Promise<DriveResource> {
    return new DriveResource({ adapter: this, baseUrl, path: this.pathOfUrl(url), entry: null, folder: true });
  }

  getMethod(method: string): typeof Method {
    if (method === 'POST' || method === 'PATCH') throw new MethodNotSupportedError(`${method} is not supported on a drive.`);
    throw new MethodNotImplementedError(`${method} is not a method this drive knows.`);
  }

  // ---- Addresses --------------------------------------------------------------------------------------------------------

  locate(url: URL): DrivePathOfUrl {
    return drivePathOfUrl(url, { origin: this.origin, projectId: this.context.projectId });
  }

  /** The drive path an address names; refuses one on another server, in another drive, or against the name policy. */
  pathOfUrl(url: URL): string {
    const located = this.locate(url);
    if ('path' in located) return located.path;
    if ('refused' in located) {
      throw new BadRequestError(`"${located.shown}" cannot be used in this drive: ${located.refused}. Nothing was changed.`);
    }
    if (located.outside === 'host') {
      throw new BadGatewayError('That address is on another server: a drive can only copy or move within itself. Nothing was changed.');
    }
    throw new ForbiddenError(
      'That address is outside this project\u2019s drive: a drive can only copy or move within itself. Nothing was changed.',
    );
  }

  urlOf(path: string, folder: boolean): URL {
    return urlOfDrivePath(path, { origin: this.origin, projectId: this.context.projectId, folder });
  }

  // ---- The drive, through its service ----------------------------------------------------------------------------------

  get caller(): DriveCaller {
    return callerOf(this.context);
  }

  private call<T>(work: (caller: DriveCaller, projectId: string) => Promise<T>): Promise<T> {
    return driveCall(this.context.log, () => work(this.caller, this.context.projectId));
  }

  /** The entry at a path, or null when there is none; '' is the drive's root (a folder the service does not list). */
  async entryAt(path: string): Promise<DriveEntry | null> {
    if (path === '') return this.rootEntry();
    let known = this.entries.get(path);
    if (known === undefined) {
      known = this.call((caller, projectId) => this.context.drives.entry(caller, projectId, path)).then(
        (entry) => entry,
        (err: unknown) => {
          if (err instanceof ResourceNotFoundError) return null;
          throw err;
        },
      );
      this.entries.set(path, known);
    }
    return known;
  }

  /** A folder's entries (the root's for ''). */
  async members(path: string): Promise<DriveEntry[]> {
    const folder = await this.call((caller, projectId) => this.context.drives.folder(caller, projectId, path));
    for (const entry of folder.entries) this.entries.set(entry.path, Promise.resolve(entry));
    return folder.entries;
  }

  async read(path: string, range: ByteRange | undefined): Promise<OpenedContent> {
    return this.call((caller, projectId) => this.context.drives.read(caller, projectId, path, range));
  }

  async write(options: {
    path: string;
    body: Readable;
    declaredLength: number | null;
    condition: WriteCondition;
    mediaType?: string;
  }): Promise<DriveEntry> {
    return this.changing(() =>
      this.call((caller, projectId) =>
        this.context.drives.write(
          caller,
          projectId,
          options.path,
          options.body,
          options.declaredLength,
          options.condition,
          options.mediaType,
        ),
      ),
    );
  }

  async makeFolder(path: string): Promise<DriveEntry> {
    return this.changing(() => this.call((caller, projectId) => this.context.drives.makeFolder(caller, projectId, path)));
  }

  async delete(path: string, ifMatch: string | null): Promise<void> {
    await this.changing(() => this.call((caller, projectId) => this.context.drives.delete(caller, projectId, path, ifMatch)));
  }

  async move(from: string, to: string, options: { ifMatch: string | null; overwrite: boolean }): Promise<DriveEntry> {
    return this.changing(() => this.call((caller, projectId) => this.context.drives.move(caller, projectId, from, to, options)));
  }

  async copy(from: string, to: string, options: { overwrite: boolean; depth: '0' | 'infinity' }): Promise<DriveEntry> {
    return this.changing(() => this.call((caller, projectId) => this.context.drives.copy(caller, projectId, from, to, options)));
  }

  async properties(path: string): Promise<Record<string, string>> {
    return this.call((caller, projectId) => this.context.drives.properties(caller, projectId, path));
  }

  async setProperties(path: string, changes: ReadonlyArray<{ name: string; value: string | null }>): Promise<void> {
    await this.call((caller, projectId) => this.context.drives.setProperties(caller, projectId, path, changes));
  }

  /** Every lock of this drive (a drive has few), read once per request until one is saved or removed. */
  async allLocks(): Promise<StoredDriveLock[]> {
    this.locks ??= driveCall(this.context.log, () =>
      this.context.drives.locks(this.context.projectId, '', { descendants: true, ancestors: true }),
    );
    return this.locks;
  }

  async saveLock(lock: StoredDriveLock): Promise<void> {
    this.locks = null;
    await this.call((caller) => this.context.drives.saveLock(caller, lock));
  }

  async deleteLock(token: string): Promise<void> {
    this.locks = null;
    await this.call((caller, projectId) => this.context.drives.deleteLock(caller, projectId, token));
  }

  /**
   * Refuses (409) a name that folds to the key of another entry of its folder ("report.csv" beside "Report.csv"): the
   * drive finds an entry by its key, so an address spelling a name otherwise reaches that entry, and no file system
   * could hold both names. The service refuses it too (as a conflict); this answers it as the name clash it is.
   */
  async assertNoTwin(path: string): Promise<void> {
    const found = await this.entryAt(path);
    if (found !== null && driveBaseName(found.path) !== driveBaseName(path)) throw twinRefusal(path, found);
  }

  /** Runs a change, then forgets what this request had read (it may no longer be so). */
  private async changing<T>(change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.entries = new Map();
    }
  }

  private rootEntry(): DriveEntry {
    return {
      path: '',
      name: '',
      kind: 'folder',
      size: 0,
      sha256: null,
      etag: null,
      version: this.context.drive?.epoch ?? 1,
      modifiedAt: new Date(0).toISOString(),
      modifiedBy: { id: '', name: '' },
      lockedBy: null,
    };
  }
}
