// Changes to a drive's tree (issue 17): a new folder, a move (a file, or a folder with everything in it: one metadata
// change, no byte copied, whatever the number of files), a copy (blobs shared: no byte copied either), a soft delete
// (the entry and everything in it go to the trash, restorable for the drive's trash days) and a restore from the trash.
// Each runs under the drive's lock in one transaction; a refused one changes nothing. An entry that would be
// overwritten (MOVE or COPY with Overwrite) goes to the trash rather than away.
import { EnclaveError } from '../../common/errors.ts';
import { driveBaseName, driveEtag, drivePathKey, type DriveEntry, type DriveTrashEntry } from '../../common/drives.ts';
import type { DriveQueries, StoredDrive, StoredEntry, StoredTrash } from '../store/drives.ts';
import { newDriveRecordId } from '../store/drives.ts';
import { applyVersion, requireRoomForEntries } from './content-writes.ts';
import { checkedPath, childPath, noSpace, twinRefusal, type DriveContext } from './drive-context.ts';
import type { DriveCaller } from './service-api.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The path `entryPath` has once the subtree at `from` is at `to`. */
const rebased = (entryPath: string, from: string, to: string): string => (entryPath === from ? to : `${to}${entryPath.slice(from.length)}`);
const parentOf = (entryPath: string): string => (entryPath.includes('/') ? entryPath.slice(0, entryPath.lastIndexOf('/')) : '');

/** Refuses unless the ETag the caller saw is still the entry's (a folder has none to match). */
function requireEtag(entry: StoredEntry, ifMatch: string | null, doing: string): void {
  if (ifMatch === null) return;
  if (entry.kind !== 'file' || entry.sha256 === null || driveEtag(entry.sha256, entry.version) !== ifMatch) {
    throw new EnclaveError(
      'conflict',
      `“${entry.path}” changed since you read it (it is at version ${entry.version} now). Nothing was ${doing}: look at it again, then try again.`,
    );
  }
}

/** Refuses unless nothing in the subtree at `entry` (itself included) changed after the tree cursor `cursor`. */
async function requireUnchangedSince(q: DriveQueries, entry: StoredEntry, cursor: number): Promise<void> {
  const inside = await q.subtree(entry.project_id, entry.path_key);
  const newer = inside.filter((each) => each.changed_seq > cursor).sort((a, b) => b.changed_seq - a.changed_seq);
  const latest = newer[0];
  if (latest === undefined) return;
  const by = (await q.displayName(latest.modified_by)) ?? latest.modified_by;
  const what =
    latest.kind === 'file' ? `${by} saved “${latest.path}” at ${latest.modified_at}` : `“${latest.path}” was made or moved there`;
  const more = newer.length > 1 ? ` (and ${newer.length - 1} more change${newer.length > 2 ? 's' : ''})` : '';
  throw new EnclaveError(
    'conflict',
    `“${entry.path}” changed since you read it: ${what}${more}; nothing was deleted. Look at it again, then delete again.`,
  );
}

/** The refusal for a destination that is taken: an entry of the same name, or a twin (both names said). */
function taken(target: string, existing: StoredEntry, doing: string): EnclaveError {
  if (existing.path !== target) return twinRefusal(target, existing, doing);
  return new EnclaveError('conflict', `“${existing.path}” already exists. Nothing was ${doing}: choose another name, or replace it.`);
}

/** Inside a change: puts an entry and everything in it in the trash; its WebDAV locks go with it. */
async function trashEntry(
  ctx: DriveContext,
  q: DriveQueries,
  call: { drive: StoredDrive; entry: StoredEntry; actorId: string; seq: number },
): Promise<StoredTrash> {
  const { drive, entry } = call;
  const inside = await q.subtree(drive.project_id, entry.path_key);
  const at = ctx.now();
  const row: StoredTrash = {
    id: newDriveRecordId('trash'),
    project_id: drive.project_id,
    entry_id: entry.id,
    path: entry.path,
    kind: entry.kind,
    size: await q.versionBytes(inside.map((each) => each.id)),
    deleted_at: at.toISOString(),
    deleted_by: call.actorId,
    purge_at: new Date(at.getTime() + drive.trash_days * DAY_MS).toISOString(),
  };
  await q.addTrash(row);
  await q.trashSubtree({ projectId: drive.project_id, pathKey: entry.path_key, trashId: row.id, seq: call.seq });
  await q.deleteLocksUnder(drive.project_id, entry.path_key);
  return row;
}

async function requireDrive(q: DriveQueries, projectId: string): Promise<StoredDrive> {
  const drive = await q.drive(projectId);
  if (drive === undefined) throw new EnclaveError('not_found', 'This project has no drive. Nothing was changed.');
  return drive;
}

export function treeWrites(ctx: DriveContext) {
  /** The common start of every change: the caller's access, the path checked, the drive there. */
  async function begin(caller: DriveCaller, projectId: string): Promise<void> {
    await ctx.access(caller, projectId);
    await ctx.driveOf(projectId, caller.principal.user.id);
  }
  const change = <T>(projectId: string, work: (q: DriveQueries, seq: number) => Promise<T>): Promise<T> =>
    ctx.driveLocks.run(projectId, () => ctx.records.change(projectId, work));

  return {
    async makeFolder(caller: DriveCaller, projectId: string, rawPath: string): Promise<DriveEntry> {
      return ctx.audited({ type: 'drive.mkdir', caller, projectId, details: { path: rawPath } }, async () => {
        const drivePath = checkedPath(rawPath, { root: 'refused' });
        await begin(caller, projectId);
        const folder = await change(projectId, async (q, seq) => {
          const parent = await ctx.requireParent(q, { projectId, drivePath, doing: 'created' });
          const folderPath = childPath(parent, driveBaseName(drivePath));
          const existing = await q.entry(projectId, drivePathKey(folderPath));
          if (existing !== undefined) throw taken(folderPath, existing, 'created');
          await ctx.requireUnlocked(q, { caller, projectId, entryPath: folderPath, subtree: false, membershipOf: parent.path });
          await requireRoomForEntries(q, { projectId, adding: 1, doing: 'created' });
          const entry: StoredEntry = {
            id: newDriveRecordId('ent'),
            project_id: projectId,
            path: folderPath,
            path_key: drivePathKey(folderPath),
            parent_key: parent.path_key,
            kind: 'folder',
            version: 1,
            sha256: null,
            size: 0,
            modified_at: ctx.stamp(),
            modified_by: caller.principal.user.id,
            trash_id: null,
            changed_seq: seq,
          };
          await q.insertEntry(entry);
          return entry;
        });
        return { result: await ctx.shown(projectId, folder), details: { path: folder.path } };
      });
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async move(
      caller: DriveCaller,
      projectId: string,
      rawFrom: string,
      rawTo: string,
      options: { ifMatch: string | null; overwrite: boolean },
    ): Promise<DriveEntry> {
      return ctx.audited({ type: 'drive.move', caller, projectId, details: { path: rawFrom, to: rawTo } }, async () => {
        const from = checkedPath(rawFrom, { root: 'refused' });
        const to = checkedPath(rawTo, { root: 'refused' });
        await begin(caller, projectId);
        const outcome = await change(projectId, async (q, seq) => {
          const drive = await requireDrive(q, projectId);
          const source = await ctx.requireEntry(q, projectId, from);
          requireEtag(source, options.ifMatch, 'moved');
          const parent = await ctx.requireParent(q, { projectId, drivePath: to, doing: 'moved' });
          const target = childPath(parent, driveBaseName(to));
          const targetKey = drivePathKey(target);
          if (target === source.path) throw new EnclaveError('invalid_input', `“${source.path}” is already there. Nothing was moved.`);
          if (targetKey.startsWith(`${source.path_key}/`)) {
            throw new EnclaveError('invalid_input', `“${source.path}” cannot be moved into itself. Nothing was moved.`);
          }
          await ctx.requireUnlocked(q, { caller, projectId, entryPath: source.path, subtree: true, membershipOf: parentOf(source.path) });
          await ctx.requireUnlocked(q, { caller, projectId, entryPath: target, subtree: true, membershipOf: parent.path });
          let replaced: StoredTrash | null = null;
          // The same key is the same entry under another spelling (a rename in case or accents only): nothing to replace.
          if (targetKey !== source.path_key) {
            const existing = await q.entry(projectId, targetKey);
            if (existing !== undefined) {
              if (!options.overwrite) throw taken(target, existing, 'moved');
              replaced = await trashEntry(ctx, q, { drive, entry: existing, actorId: caller.principal.user.id, seq });
            }
          }
          // A lock does not follow its entry (RFC 4918 §7.5): the moved entries' locks end here.
          await q.deleteLocksUnder(projectId, source.path_key);
          await q.moveSubtree({ projectId, from: source, toPath: target, toKey: targetKey, toParentKey: parent.path_key, seq });
          const moved = await q.entry(projectId, targetKey);
          if (moved === undefined) throw new EnclaveError('internal', 'A moved entry is not where it was moved to.');
          return { moved, replaced, from: source.path };
        });
        return {
          result: await ctx.shown(projectId, outcome.moved),
          details: {
            path: outcome.from,
            to: outcome.moved.path,
            kind: outcome.moved.kind,
            version: outcome.moved.version,
            sha256: outcome.moved.sha256,
            replacedTrashId: outcome.replaced?.id ?? null,
          },
        };
      });
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async copy(
      caller: DriveCaller,
      projectId: string,
      rawFrom: string,
      rawTo: string,
      options: { overwrite: boolean; depth: '0' | 'infinity' },
    ): Promise<DriveEntry> {
      return ctx.audited(
        { type: 'drive.copy', caller, projectId, details: { path: rawFrom, to: rawTo, depth: options.depth } },
        async () => {
          const from = checkedPath(rawFrom, { root: 'allowed' });
          const to = checkedPath(rawTo, { root: 'refused' });
          await begin(caller, projectId);
          const actorId = caller.principal.user.id;
          const outcome = await change(projectId, async (q, seq) => {
            const drive = await requireDrive(q, projectId);
            const source = await ctx.requireEntry(q, projectId, from);
            const parent = await ctx.requireParent(q, { projectId, drivePath: to, doing: 'copied' });
            const target = childPath(parent, driveBaseName(to));
            const targetKey = drivePathKey(target);
            if (targetKey === source.path_key || source.path_key === '' || targetKey.startsWith(`${source.path_key}/`)) {
              throw new EnclaveError(
                'invalid_input',
                `“${source.path || 'The drive'}” cannot be copied onto or into itself. Nothing was copied.`,
              );
            }
            await ctx.requireUnlocked(q, { caller, projectId, entryPath: target, subtree: true, membershipOf: parent.path });
            const existing = await q.entry(projectId, targetKey);
            if (existing !== undefined && !options.overwrite) throw taken(target, existing, 'copied');
            if (
              existing !== undefined &&
              existing.path === target &&
              existing.kind === 'file' &&
              source.kind === 'file' &&
              source.sha256 !== null
            ) {
              // A file over a file: the destination gets a new version (its history stays), and the source's properties.
              const written = await applyVersion(
                ctx,
                { q, seq },
                {
                  caller,
                  actorId,
                  projectId,
                  drivePath: target,
                  blob: { sha256: source.sha256, size: source.size },
                  condition: { any: true },
                },
              );
              await q.copyProperties(source.id, { id: written.entry.id, projectId });
              return { root: written.entry, files: 1, bytes: source.size, dropped: written.dropped.map((version) => version.sha256) };
            }
            const copied =
              source.kind === 'folder' && options.depth === 'infinity' ? await q.subtree(projectId, source.path_key) : [source];
            const bytes = copied.reduce((sum, each) => sum + (each.kind === 'file' ? each.size : 0), 0);
            const used = await q.usedBytes(projectId);
            // Open upload sessions and PUTs under way hold their declared bytes (as in planWrite).
            const reserved = (await q.openUploadBytes(projectId, ctx.stamp())) + ctx.writingBytes(projectId);
            // What goes to the trash still counts: replacing frees nothing until it leaves the trash.
            if (used + reserved + bytes > drive.quota_bytes) throw noSpace({ total: used + reserved, reserved }, bytes, drive.quota_bytes);
            // What is replaced goes to the trash, whose entries still count.
            await requireRoomForEntries(q, { projectId, adding: copied.length, doing: 'copied' });
            if (existing !== undefined) await trashEntry(ctx, q, { drive, entry: existing, actorId, seq });
            const at = ctx.stamp();
            let root: StoredEntry | undefined;
            for (const each of copied) {
              const entryPath = rebased(each.path, source.path, target);
              const entry: StoredEntry = {
                id: newDriveRecordId('ent'),
                project_id: projectId,
                path: entryPath,
                path_key: drivePathKey(entryPath),
                parent_key: drivePathKey(parentOf(entryPath)),
                kind: each.kind,
                version: 1,
                sha256: each.sha256,
                size: each.kind === 'file' ? each.size : 0,
                modified_at: at,
                modified_by: actorId,
                trash_id: null,
                changed_seq: seq,
              };
              await q.insertEntry(entry);
              if (each.kind === 'file' && each.sha256 !== null) {
                const media = await q.version(each.id, each.version);
                await q.addVersion({
                  entry_id: entry.id,
                  version: 1,
                  project_id: projectId,
                  sha256: each.sha256,
                  size: each.size,
                  media_type: media?.media_type ?? null,
                  at,
                  by: actorId,
                  change: 'created',
                });
              }
              await q.copyProperties(each.id, { id: entry.id, projectId });
              root ??= entry;
            }
            if (root === undefined) throw new EnclaveError('internal', 'A copy made nothing.');
            return { root, files: copied.filter((each) => each.kind === 'file').length, bytes, dropped: [] as string[] };
          });
          await ctx.collect(outcome.dropped);
          return {
            result: await ctx.shown(projectId, outcome.root),
            details: {
              to: outcome.root.path,
              kind: outcome.root.kind,
              version: outcome.root.version,
              sha256: outcome.root.sha256,
              files: outcome.files,
              bytes: outcome.bytes,
            },
          };
        },
      );
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async delete(
      caller: DriveCaller,
      projectId: string,
      rawPath: string,
      ifMatch: string | null,
      unchangedSince?: number,
    ): Promise<DriveTrashEntry> {
      return ctx.audited({ type: 'drive.delete', caller, projectId, details: { path: rawPath } }, async () => {
        const drivePath = checkedPath(rawPath, { root: 'refused' });
        if (unchangedSince !== undefined && (!Number.isSafeInteger(unchangedSince) || unchangedSince < 0)) {
          throw new EnclaveError('invalid_input', 'The tree cursor the delete was made on is not one. Nothing was deleted.');
        }
        await begin(caller, projectId);
        const row = await change(projectId, async (q, seq) => {
          const drive = await requireDrive(q, projectId);
          const entry = await ctx.requireEntry(q, projectId, drivePath);
          requireEtag(entry, ifMatch, 'deleted');
          if (unchangedSince !== undefined) await requireUnchangedSince(q, entry, unchangedSince);
          await ctx.requireUnlocked(q, { caller, projectId, entryPath: entry.path, subtree: true, membershipOf: parentOf(entry.path) });
          return { trash: await trashEntry(ctx, q, { drive, entry, actorId: caller.principal.user.id, seq }), entry };
        });
        return {
          result: ctx.trashView(row.trash, await ctx.names()),
          details: {
            path: row.trash.path,
            kind: row.trash.kind,
            version: row.entry.version,
            sha256: row.entry.sha256,
            bytes: row.trash.size,
            trashId: row.trash.id,
          },
        };
      });
    },

    async restoreTrash(caller: DriveCaller, projectId: string, trashId: string): Promise<DriveEntry> {
      return ctx.audited({ type: 'drive.restore_trash', caller, projectId, details: { trashId } }, async () => {
        await begin(caller, projectId);
        const restored = await change(projectId, async (q, seq) => {
          const row = await q.trashRow(projectId, trashId);
          if (row === undefined || row.purge_at <= ctx.stamp()) {
            throw new EnclaveError('not_found', 'That entry is not in the trash (restored already, or its time in the trash is over).');
          }
          const entry = await q.entryById(row.entry_id);
          if (entry === undefined) throw new EnclaveError('internal', 'A trash entry has lost its entry.');
          const parent = await ctx.requireParent(q, { projectId, drivePath: entry.path, doing: 'restored' });
          const target = childPath(parent, driveBaseName(entry.path));
          const existing = await q.entry(projectId, drivePathKey(target));
          if (existing !== undefined) {
            throw new EnclaveError(
              'conflict',
              `“${existing.path}” is where “${entry.path}” was: rename or move it, then restore again. Nothing was restored.`,
            );
          }
          await ctx.requireUnlocked(q, { caller, projectId, entryPath: target, subtree: false, membershipOf: parent.path });
          await q.untrash(row.id, seq);
          // The folder it goes back to may be spelled otherwise now (renamed in case only): its spelling wins.
          if (target !== entry.path) {
            await q.moveSubtree({ projectId, from: entry, toPath: target, toKey: drivePathKey(target), toParentKey: parent.path_key, seq });
          }
          const back = await q.entry(projectId, drivePathKey(target));
          if (back === undefined) throw new EnclaveError('internal', 'A restored entry is not where it was restored to.');
          return { back, row };
        });
        return {
          result: await ctx.shown(projectId, restored.back),
          details: { path: restored.back.path, kind: restored.back.kind, bytes: restored.row.size },
        };
      });
    },
  };
}
