// One drive entry (or a path where one may be created) as nephele sees it. Every read and write goes through the drive
// service: content is read at the version whose ETag the answer carries, a write is conditioned on what the request's
// own If-Match / If-None-Match (or the state nephele checked) said, so the condition holds atomically inside
// `drives.write`, and the declared Content-Length reaches the quota check before a byte is read.
import { Readable } from 'node:stream';
import { MethodNotSupportedError, ResourceExistsError, ServiceUnavailableError, type Resource, type User } from 'nephele';
import { driveBaseName, type DriveEntry } from '../../../common/drives.ts';
import { twinRefusal } from './dav-errors.ts';
import type { DriveDavAdapter } from './drive-adapter.ts';
import { DriveLock } from './drive-lock.ts';
import { DriveProperties } from './drive-properties.ts';
import { isSameEntry } from './lock-rules.ts';
import { mediaTypeOfName } from './media-types.ts';
import { declaredLengthOf, writeConditionFor } from './write-conditions.ts';

export class DriveResource implements Resource {
  adapter: DriveDavAdapter;
  baseUrl: URL;
  /** The drive path ('' for the root): the entry's own spelling once there is one, else the address's. */
  path: string;
  /** The path as the request's address spelled it (NFC), which may name the entry in another case. */
  readonly addressedAs: string;
  /** The entry as last read in this request; null while nothing is at the path. */
  entry: DriveEntry | null;
  /** For a path with nothing at it yet: whether it is to become a folder (MKCOL). */
  private readonly folder: boolean;
  private dead: Promise<Record<string, string | object | object[]>> | null = null;

  constructor(options: { adapter: DriveDavAdapter; baseUrl: URL; path: string; entry: DriveEntry | null; folder: boolean }) {
    this.adapter = options.adapter;
    this.baseUrl = options.baseUrl;
    this.path = options.entry?.path ?? options.path;
    this.addressedAs = options.path;
    this.entry = options.entry;
    this.folder = options.folder;
  }

  /** The entry at the address under another spelling of its name ("report.csv" for "Report.csv"), if that is so. */
  twin(): DriveEntry | null {
    return this.entry !== null && driveBaseName(this.entry.path) !== driveBaseName(this.addressedAs) ? this.entry : null;
  }

  private settle(entry: DriveEntry): void {
    this.entry = entry;
    this.path = entry.path;
  }

  async getLocks(): Promise<DriveLock[]> {
    const locks = await this.adapter.allLocks();
    return locks.filter((lock) => isSameEntry(lock.path, this.path)).map((lock) => DriveLock.fromStored(this, lock));
  }

  async getLocksByUser(user: User): Promise<DriveLock[]> {
    return (await this.getLocks()).filter((lock) => lock.userId === user.username);
  }

  async createLockForUser(user: User): Promise<DriveLock> {
    return new DriveLock(this, user.username);
  }

  async getProperties(): Promise<DriveProperties> {
    return new DriveProperties(this);
  }

  async getStream(range?: { start: number; end: number }): Promise<Readable> {
    const entry = this.existing();
    const opened = await this.adapter.read(this.path, range);
    // The answer's headers (ETag, length) were set from `entry`: content of any other version must not follow them.
    if (opened.entry.etag !== entry.etag) {
      opened.stream.destroy();
      throw new ServiceUnavailableError(`"${this.path}" changed while it was being read; nothing was sent. Ask for it again.`);
    }
    return opened.stream;
  }

  async setStream(input: Readable, _user: User, mediaType?: string): Promise<void> {
    if (this.entry?.kind === 'folder' || (this.entry === null && this.folder)) {
      throw new MethodNotSupportedError(`"${this.path}" is a folder: a folder has no content to write. Nothing was written.`);
    }
    const twin = this.twin();
    if (twin !== null) throw twinRefusal(this.addressedAs, twin);
    const { headers } = this.adapter.context;
    const condition = writeConditionFor(headers, this.entry);
    // The declared length reaches the service's quota check, made before it reads a byte of the body (507 if over).
    const declaredLength = declaredLengthOf(headers);
    const written = await this.adapter.write({ path: this.path, body: input, declaredLength, condition, mediaType });
    this.settle(written);
    // The new version's strong ETag, as a PUT may answer it (the stored content is exactly the request's body).
    if (written.etag !== null) this.adapter.context.response.setHeader('ETag', written.etag);
  }

  async create(_user: User): Promise<void> {
    await this.adapter.assertNoTwin(this.addressedAs);
    if (this.entry !== null || (await this.adapter.entryAt(this.addressedAs)) !== null) {
      throw new ResourceExistsError(`"${this.addressedAs}" already exists; nothing was created.`);
    }
    if (this.folder) {
      this.settle(await this.adapter.makeFolder(this.path));
      return;
    }
    // A LOCK on an unmapped address makes an empty file there (RFC 4918 §7.3), only if nothing appeared meanwhile.
    this.settle(
      await this.adapter.write({
        path: this.path,
        body: Readable.from([]),
        declaredLength: 0,
        condition: { ifAbsent: true },
      }),
    );
  }

  async delete(_user: User): Promise<void> {
    await this.adapter.delete(this.path, null);
    this.entry = null;
  }

  /** nephele copies a folder without its members this way; this adapter copies whole entries in one call instead. */
  async copy(destination: URL, _baseUrl: URL, _user: User): Promise<void> {
    const to = this.adapter.pathOfUrl(destination);
    await this.adapter.copy(this.path, to, { overwrite: true, depth: '0' });
  }

  async move(destination: URL, _baseUrl: URL, _user: User): Promise<void> {
    const to = this.adapter.pathOfUrl(destination);
    await this.adapter.move(this.path, to, { ifMatch: null, overwrite: true });
  }

  async getLength(): Promise<number> {
    return this.entry?.size ?? 0;
  }

  /** The ETag without its quotes (nephele adds them); a folder's names its version. */
  async getEtag(): Promise<string> {
    if (this.entry === null) return '';
    return this.entry.etag === null ? `folder-${this.entry.version}` : this.entry.etag.slice(1, -1);
  }

  async getMediaType(): Promise<string | null> {
    return (await this.isCollection()) ? null : mediaTypeOfName(driveBaseName(this.path));
  }

  async getCanonicalName(): Promise<string> {
    return driveBaseName(this.path);
  }

  async getCanonicalPath(): Promise<string> {
    return `/${this.path}`;
  }

  async getCanonicalUrl(): Promise<URL> {
    return this.adapter.urlOf(this.path, await this.isCollection());
  }

  async isCollection(): Promise<boolean> {
    return this.entry === null ? this.folder : this.entry.kind === 'folder';
  }

  async getInternalMembers(_user: User): Promise<DriveResource[]> {
    if (!(await this.isCollection())) throw new MethodNotSupportedError(`"${this.path}" is a file: it has no members.`);
    const entries = await this.adapter.members(this.path);
    return entries.map(
      (entry) =>
        new DriveResource({ adapter: this.adapter, baseUrl: this.baseUrl, path: entry.path, entry, folder: entry.kind === 'folder' }),
    );
  }

  lastModified(): Date {
    return new Date(this.entry?.modifiedAt ?? 0);
  }

  /** Dead properties, each value as nephele gave it (a string or xml2js's object form). */
  async deadProperties(): Promise<Record<string, string | object | object[]>> {
    if (this.entry === null) return {};
    this.dead ??= this.adapter.properties(this.path).then((stored) => {
      const parsed: Record<string, string | object | object[]> = {};
      for (const [name, json] of Object.entries(stored)) parsed[name] = parseStoredValue(json);
      return parsed;
    });
    return this.dead;
  }

  async setDeadProperties(changes: ReadonlyArray<{ name: string; value: string | null }>): Promise<void> {
    this.existing();
    this.dead = null;
    await this.adapter.setProperties(this.path, changes);
  }

  private existing(): DriveEntry {
    if (this.entry === null) throw new Error(`A WebDAV operation asked for "${this.path}" as if it existed.`);
    return this.entry;
  }
}

function parseStoredValue(json: string): string | object | object[] {
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'string' || (typeof value === 'object' && value !== null) ? value : String(value);
  } catch {
    return json;
  }
}
