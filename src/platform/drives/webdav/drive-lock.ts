// A WebDAV lock (class 2) as nephele handles it, stored by the drive service (`saveLock`, `deleteLock`) so that locks
// survive a restart and are seen by every platform process. nephele decides when to grant, refresh and release;
// the stored form keeps the owner XML the client sent as JSON.
import type { Lock } from 'nephele';
import type { StoredDriveLock } from '../service-api.ts';
import type { DriveResource } from './drive-resource.ts';

export class DriveLock implements Lock {
  resource: DriveResource;
  token = '';
  date = new Date();
  timeout = 0;
  scope: 'exclusive' | 'shared' = 'exclusive';
  depth: '0' | 'infinity' = '0';
  provisional = false;
  /** The owner element the client sent, as xml2js parsed it. */
  owner: unknown = {};
  /** Who holds it (the platform's user id). */
  readonly userId: string;

  constructor(resource: DriveResource, userId: string) {
    this.resource = resource;
    this.userId = userId;
  }

  static fromStored(resource: DriveResource, stored: StoredDriveLock): DriveLock {
    const lock = new DriveLock(resource, stored.userId);
    lock.token = stored.token;
    lock.date = new Date(stored.date);
    lock.timeout = stored.timeout;
    lock.scope = stored.scope;
    lock.depth = stored.depth;
    lock.provisional = stored.provisional;
    lock.owner = parseOwner(stored.owner);
    return lock;
  }

  toStored(): StoredDriveLock {
    return {
      token: this.token,
      projectId: this.resource.adapter.context.projectId,
      path: this.resource.path,
      userId: this.userId,
      scope: this.scope,
      depth: this.depth,
      provisional: this.provisional,
      owner: JSON.stringify(this.owner ?? {}),
      date: this.date.getTime(),
      // nephele caps a lock's timeout (maxLockTimeout); Infinity would not survive JSON.
      timeout: Number.isFinite(this.timeout) ? this.timeout : Number.MAX_SAFE_INTEGER,
    };
  }

  async save(): Promise<void> {
    await this.resource.adapter.saveLock(this.toStored());
  }

  async delete(): Promise<void> {
    await this.resource.adapter.deleteLock(this.token);
  }
}

function parseOwner(owner: string): unknown {
  try {
    return JSON.parse(owner) as unknown;
  } catch {
    // A stored owner that is not JSON is shown as nothing rather than failing the lock.
    return {};
  }
}
