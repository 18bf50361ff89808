// Reading a drive (issue 17): the caller's drives, one drive's state, an entry, a folder, the whole tree with its change
// counter (what the sync engine compares against), a file's content or a range of it, a kept version's content, the
// versions of a file and the trash. Every read of content is an audit event; listings are not (a WebDAV client lists
// all the time). A whole content is checked against its SHA-256 as it streams (verified-read.ts; a range cannot be).
// A read finds its blob pinned, so a write that drops the version meanwhile cannot delete it under it. A content's stream
// is a transfer the kill switch can stop (transfers.ts) until it closes.
import type { Readable } from 'node:stream';
import { EnclaveError } from '../../common/errors.ts';
import {
  type DriveFolder,
  type DriveInfo,
  type DriveEntry,
  type DriveTrashEntry,
  type DriveTree,
  type DriveVersion,
} from '../../common/drives.ts';
import { projectsOfMember } from '../authz/access-policy.ts';
import type { StoredEntry } from '../store/drives.ts';
import { checkedPath, type DriveContext } from './drive-context.ts';
import type { ByteRange, DriveCaller, OpenedContent } from './service-api.ts';
import { startCheckedTransfer } from './transfers.ts';
import { verifiedStream, type VerifiedBlob } from './verified-read.ts';

/** Folders first, then by name as people sort them, then by the exact spelling (no two are the same). */
function byKindThenName(a: DriveEntry, b: DriveEntry): number {
  if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
  return a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** How often a read looks again when a write dropped the version it found before it could open it. */
const READ_ATTEMPTS = 3;

export function driveReads(ctx: DriveContext) {
  const { records } = ctx;

  /** Access, the path checked, the drive made on first use. */
  async function open(caller: DriveCaller, at: { projectId: string; rawPath: string; root: 'allowed' | 'refused' }) {
    const { projectId, rawPath, root } = at;
    await ctx.access(caller, projectId);
    const drivePath = checkedPath(rawPath, { root });
    const drive = await ctx.driveOf(projectId, caller.principal.user.id);
    return { drivePath, drive };
  }

  /** Opens a file's current content (or a range), looking again if a concurrent write dropped what it found. */
  async function openCurrent(projectId: string, drivePath: string, range: ByteRange | undefined) {
    for (let attempt = 1; ; attempt += 1) {
      const entry = await ctx.requireEntry(records, projectId, drivePath);
      if (entry.kind !== 'file' || entry.sha256 === null) {
        throw new EnclaveError('invalid_input', `“${entry.path}” is a folder: it has no content to read.`);
      }
      checkRange(entry, range);
      ctx.pin(entry.sha256);
      try {
        const stream = await ctx.blobs.open(entry.sha256, range === undefined || entry.size === 0 ? undefined : range);
        return { entry, stream };
      } catch (err) {
        const gone = err instanceof EnclaveError && err.code === 'not_found';
        if (!gone || attempt >= READ_ATTEMPTS) throw err;
      } finally {
        ctx.unpin(entry.sha256);
      }
    }
  }

  function checkRange(entry: StoredEntry, range: ByteRange | undefined): void {
    if (range === undefined) return;
    const { start, end } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end >= entry.size) {
      throw new EnclaveError(
        'invalid_input',
        `The range ${start}-${end} is not within “${entry.path}” (${entry.size.toLocaleString('en-GB')} bytes). Nothing was read.`,
      );
    }
  }

  /**
   * A whole content's stream, checked against its SHA-256 as it goes (verified-read.ts); a mismatch is on record as
   * `drive.blob_damaged`, naming who read it, where and what was found.
   */
  function checked(
    { caller, projectId }: { caller: DriveCaller; projectId: string },
    stream: Readable,
    blob: VerifiedBlob & { version: number },
  ): Readable {
    return verifiedStream(stream, blob, async (details) => {
      ctx.log('A drive blob does not match its SHA-256: it was damaged or tampered with.', { projectId, ...details });
      await ctx.audit.append({
        type: 'drive.blob_damaged',
        actor: caller.principal.user.id,
        outcome: 'failure',
        details: { projectId, via: caller.via, version: blob.version, ...details },
      });
    });
  }

  const lengthOf = (entry: StoredEntry, range: ByteRange | undefined): number =>
    range === undefined ? entry.size : range.end - range.start + 1;

  return {
    async drives(caller: DriveCaller): Promise<DriveInfo[]> {
      const projects =
        caller.appPasswordId === undefined
          ? await projectsOfMember({ store: ctx.store, agreements: ctx.deps.agreements, userId: caller.principal.user.id })
          : await (async () => {
              const password = await records.appPassword(caller.appPasswordId ?? '');
              return password === undefined ? [] : [{ id: password.project_id }];
            })();
      const infos: DriveInfo[] = [];
      for (const project of projects) {
        try {
          await ctx.access(caller, project.id);
        } catch (err) {
          // A project whose drive the caller may not use now (agreement not in force, suspended) is not listed.
          if (err instanceof EnclaveError) continue;
          throw err;
        }
        const drive = await ctx.driveOf(project.id, caller.principal.user.id);
        infos.push(await ctx.infoOf(records, drive));
      }
      return infos;
    },

    async info(caller: DriveCaller, projectId: string): Promise<DriveInfo> {
      await ctx.access(caller, projectId);
      return ctx.infoOf(records, await ctx.driveOf(projectId, caller.principal.user.id));
    },

    async entry(caller: DriveCaller, projectId: string, rawPath: string): Promise<DriveEntry> {
      const { drivePath } = await open(caller, { projectId, rawPath, root: 'allowed' });
      return ctx.shown(projectId, await ctx.requireEntry(records, projectId, drivePath));
    },

    async folder(caller: DriveCaller, projectId: string, rawPath: string): Promise<DriveFolder> {
      const { drivePath } = await open(caller, { projectId, rawPath, root: 'allowed' });
      // Outside the snapshot: inside it, the store's other reads would wait for it.
      const known = await ctx.names();
      return records.snapshot(async (q) => {
        const folder = await ctx.requireEntry(q, projectId, drivePath);
        if (folder.kind !== 'folder') throw new EnclaveError('invalid_input', `“${folder.path}” is a file, not a folder.`);
        const drive = await q.drive(projectId);
        if (drive === undefined) throw new EnclaveError('not_found', 'This project has no drive.');
        const children = await q.children(projectId, folder.path_key);
        const locks = await q.locks(projectId, ctx.now().getTime());
        return {
          drive: await ctx.infoOf(q, drive),
          path: folder.path,
          entries: children.map((child) => ctx.entryView(child, known, locks)).sort(byKindThenName),
        };
      });
    },

    async tree(caller: DriveCaller, projectId: string): Promise<DriveTree> {
      await ctx.access(caller, projectId);
      await ctx.driveOf(projectId, caller.principal.user.id);
      const known = await ctx.names();
      return records.snapshot(async (q) => {
        const drive = await q.drive(projectId);
        if (drive === undefined) throw new EnclaveError('not_found', 'This project has no drive.');
        const locks = await q.locks(projectId, ctx.now().getTime());
        const entries = await q.liveEntries(projectId);
        return {
          drive: await ctx.infoOf(q, drive),
          cursor: drive.change_seq,
          entries: entries.map((entry) => ctx.entryView(entry, known, locks)),
        };
      });
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async read(caller: DriveCaller, projectId: string, rawPath: string, range?: ByteRange): Promise<OpenedContent> {
      return ctx.audited(
        {
          type: 'drive.read',
          caller,
          projectId,
          details: { path: rawPath, ...(range === undefined ? {} : { range: `${range.start}-${range.end}` }) },
          quietMissing: true,
        },
        async () => {
          const { drivePath } = await open(caller, { projectId, rawPath, root: 'refused' });
          const { entry, stream: opened } = await openCurrent(projectId, drivePath, range);
          const whole = range === undefined || entry.size === 0;
          const length = lengthOf(entry, whole ? undefined : range);
          // A range is served as read: it cannot be checked against the whole content's SHA-256 (verified-read.ts).
          const stream = whole
            ? checked({ caller, projectId }, opened, {
                sha256: entry.sha256 ?? '',
                size: entry.size,
                path: entry.path,
                version: entry.version,
              })
            : opened;
          const shown = await ctx.shown(projectId, entry);
          await startCheckedTransfer(ctx.deps.operations, ctx.deps.killSwitch, { caller, projectId, flow: stream, untilClosed: true });
          return {
            result: { entry: shown, length, stream },
            details: { path: entry.path, version: entry.version, sha256: entry.sha256, bytes: length },
          };
        },
      );
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async readVersion(caller: DriveCaller, projectId: string, rawPath: string, version: number): Promise<OpenedContent> {
      return ctx.audited(
        { type: 'drive.read_version', caller, projectId, details: { path: rawPath, version }, quietMissing: true },
        async () => {
          const { drivePath } = await open(caller, { projectId, rawPath, root: 'refused' });
          const entry = await ctx.requireEntry(records, projectId, drivePath);
          const kept = entry.kind === 'file' ? await records.version(entry.id, version) : undefined;
          if (kept === undefined) throw new EnclaveError('not_found', `“${entry.path}” has no version ${version}.`);
          ctx.pin(kept.sha256);
          let stream;
          try {
            stream = await ctx.blobs.open(kept.sha256);
          } finally {
            ctx.unpin(kept.sha256);
          }
          const content = checked({ caller, projectId }, stream, { sha256: kept.sha256, size: kept.size, path: entry.path, version });
          const shown = await ctx.shown(projectId, entry);
          await startCheckedTransfer(ctx.deps.operations, ctx.deps.killSwitch, { caller, projectId, flow: content, untilClosed: true });
          return {
            result: { entry: shown, length: kept.size, stream: content },
            details: { path: entry.path, version, sha256: kept.sha256, bytes: kept.size },
          };
        },
      );
    },

    async versions(caller: DriveCaller, projectId: string, rawPath: string): Promise<DriveVersion[]> {
      const { drivePath } = await open(caller, { projectId, rawPath, root: 'refused' });
      const entry = await ctx.requireEntry(records, projectId, drivePath);
      if (entry.kind !== 'file') throw new EnclaveError('invalid_input', `“${entry.path}” is a folder: folders have no versions.`);
      const known = await ctx.names();
      return (await records.versions(entry.id)).map((kept) => ({
        version: kept.version,
        sha256: kept.sha256,
        size: kept.size,
        at: kept.at,
        by: ctx.personOf(known, kept.by),
        change: kept.change as DriveVersion['change'],
        current: kept.version === entry.version,
      }));
    },

    async trash(caller: DriveCaller, projectId: string): Promise<DriveTrashEntry[]> {
      await ctx.access(caller, projectId);
      await ctx.driveOf(projectId, caller.principal.user.id);
      const known = await ctx.names();
      const stamp = ctx.stamp();
      // Entries whose time is up are gone, whether or not the sweep has purged them yet.
      return (await records.trash(projectId)).filter((row) => row.purge_at > stamp).map((row) => ctx.trashView(row, known));
    },
  };
}
