// Carrying out one pass's moves and plan (issue 17): each action on its own, so that one file's trouble (open for
// writing, over the quota, changed meanwhile, refused) is said for that file and the rest go on. A write whose
// condition failed on the platform (someone else wrote first) is not an error: the pass looks again. A certificate
// TLS refuses is no file's trouble and no outage: it ends the pass, which says so (./sync-pass.ts).
import type { BigIntStats } from 'node:fs';
import { conflictCopyName, driveBaseName, drivePathKey, drivePathProblem, parentDrivePath, type DriveEntry } from '../../common/drives.ts';
import { EnclaveError } from '../../common/errors.ts';
import { tlsProblemOf } from '../../common/tls-problems.ts';
import type { BaseRecord } from './journal.ts';
import { absolutePath, ensureFolders, fingerprintOf, lstatOrNull, removeEmptyFolder, renameEntry } from './local-fs.ts';
import { moveToLocalTrash } from './local-trash.ts';
import { movedRecords, type Move } from './moves.ts';
import { folderRecord, type HashedEntry, type HashedFile, type Plan, type PlannedAction } from './plan.ts';
import type { StatusBoard } from './status.ts';
import { NoLocalSpace, download, isDeferred, upload, type Deferred, type TransferContext } from './transfers.ts';

export interface ActionContext extends TransferContext {
  readonly board: StatusBoard;
  /** The display name conflict copies are named after. */
  readonly person: string;
  readonly nowDate: () => Date;
  /** The drive's entries as the tree had them, and the local ones as scanned (to keep a conflict copy's name free). */
  readonly remoteEntries: ReadonlyMap<string, DriveEntry>;
  readonly localEntries: ReadonlyMap<string, HashedEntry>;
  /** The local trash (outside the synced folder): where a file deleted here because it went on the drive is kept. */
  readonly localTrash: string;
  /** The cursor of the tree the plan was made from: a folder is deleted on the drive only if nothing in it changed since. */
  readonly treeCursor: number;
}

export interface Outcome {
  /** Whether the base changed (the marker's generation moves on). */
  changed: boolean;
  /** Whether something changed on the drive meanwhile: the pass looks again. */
  race: boolean;
  /** Whether the platform stopped answering: the pass ends. */
  offline: boolean;
}

/** Errors in a row that say the platform is unreachable, after which a pass stops trying. */
const OFFLINE_AFTER = 3;

const parentOf = (relative: string): string => (relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '');

function forget(ctx: ActionContext, keys: readonly string[]): void {
  ctx.journal.transaction(() => {
    for (const key of keys) ctx.journal.deleteBase(key);
  });
}

function deferredState(ctx: ActionContext, deferred: Deferred & { path: string }, outcome: Outcome): void {
  if (deferred.deferred === 'race') outcome.race = true;
  ctx.board.setFile({ path: deferred.path, state: deferred.deferred === 'busy' ? 'busy' : 'pending', detail: deferred.detail });
}

/** A free name for the conflict copy of `drivePath` (a second later if two conflicts fall in one second). */
async function conflictCopyPath(ctx: ActionContext, drivePath: string, disk: string): Promise<{ path: string; disk: string }> {
  const parent = parentDrivePath(drivePath);
  const parentDisk = parentOf(disk);
  for (let tries = 0; tries < 10; tries += 1) {
    const name = conflictCopyName(driveBaseName(drivePath), ctx.person, new Date(ctx.nowDate().getTime() + tries * 1000));
    const copyPath = parent === '' ? name : `${parent}/${name}`;
    const problem = drivePathProblem(copyPath);
    if (problem !== null)
      throw new EnclaveError('conflict', `"${drivePath}" changed on both sides, and its conflict copy cannot be named: ${problem}.`);
    const key = drivePathKey(copyPath);
    const copyDisk = parentDisk === '' ? name : `${parentDisk}/${name}`;
    if (ctx.remoteEntries.has(key) || ctx.localEntries.has(key) || (await lstatOrNull(absolutePath(ctx.root, copyDisk))) !== null) continue;
    return { path: copyPath, disk: copyDisk };
  }
  throw new EnclaveError('conflict', `"${drivePath}" changed on both sides, and no free name was found for its conflict copy.`);
}

/**
 * Both sides changed to different content: the local file becomes a conflict copy (uploaded like any file, so the
 * whole team sees it), the drive's content comes down to the name, and a notice names both.
 */
async function resolveConflict(ctx: ActionContext, action: Extract<PlannedAction, { kind: 'conflict' }>, outcome: Outcome): Promise<void> {
  const { local, entry } = action;
  const file = absolutePath(ctx.root, local.disk);
  const now = await lstatOrNull(file);
  if (now === null || !now.isFile() || fingerprintOf(now) !== local.fingerprint) {
    ctx.board.setFile({ path: action.path, state: 'pending', detail: `"${local.disk}" changed again here; it will be compared again.` });
    return;
  }
  if (await ctx.writers.isOpenForWriting(file, now)) {
    ctx.board.setFile({
      path: action.path,
      state: 'busy',
      detail: `"${local.disk}" is open for writing in another program; its conflict with the drive waits until it is closed.`,
    });
    return;
  }
  const copy = await conflictCopyPath(ctx, action.path, local.disk);
  await renameEntry(ctx.root, { from: local.disk, to: copy.disk });
  outcome.changed = true;
  ctx.board.notify({
    kind: 'conflict',
    message:
      `"${action.path}" was changed here and on the drive (by ${entry.modifiedBy.name}) at the same time. The drive's version is now ` +
      `"${action.path}"; yours is kept as "${copy.path}", uploaded for the team to see. Nothing was lost.`,
    paths: [action.path, copy.path],
  });
  // The drive's content comes down under the drive's spelling of the name (the local file has just become the copy):
  // left under this computer's spelling (another case or Unicode form), it would read as a rename made here on the
  // next pass, and the drive's file would be renamed for everyone.
  const disk = `${parentOf(local.disk) === '' ? '' : `${parentOf(local.disk)}/`}${driveBaseName(entry.path)}`;
  const fetched = await download(ctx, { key: action.key, entry, disk, replaces: null });
  if (isDeferred(fetched)) deferredState(ctx, { ...fetched, path: action.path }, outcome);
  const moved = await lstatOrNull(absolutePath(ctx.root, copy.disk));
  if (moved === null || !moved.isFile()) return;
  const copyFile: HashedFile = {
    ...local,
    path: copy.path,
    disk: copy.disk,
    key: drivePathKey(copy.path),
    fingerprint: fingerprintOf(moved),
    stats: moved,
  };
  const sent = await upload(ctx, { key: copyFile.key, drivePath: copy.path, local: copyFile, condition: { ifAbsent: true } });
  if (isDeferred(sent)) deferredState(ctx, { ...sent, path: copy.path }, outcome);
}

async function deleteLocal(ctx: ActionContext, action: Extract<PlannedAction, { kind: 'deleteLocal' }>, outcome: Outcome): Promise<void> {
  if (action.local.kind === 'folder') {
    if (await removeEmptyFolder(ctx.root, action.disk)) {
      forget(ctx, [action.key]);
      outcome.changed = true;
    } else {
      outcome.race = true; // something new in it: the next look keeps it and makes it on the drive
    }
    return;
  }
  const file = absolutePath(ctx.root, action.disk);
  const now: BigIntStats | null = await lstatOrNull(file);
  if (now !== null && (!now.isFile() || fingerprintOf(now) !== action.local.fingerprint)) {
    ctx.board.setFile({
      path: action.path,
      state: 'pending',
      detail: `"${action.disk}" changed here after it was deleted on the drive; it will be kept.`,
    });
    outcome.race = true;
    return;
  }
  if (now !== null && (await ctx.writers.isOpenForWriting(file, now))) {
    ctx.board.setFile({
      path: action.path,
      state: 'busy',
      detail: `"${action.disk}" was deleted on the drive but is open for writing here; it is left until it is closed.`,
    });
    return;
  }
  // Kept in the local trash, never unlinked: a platform that lies about deletions cannot destroy the only copy.
  if (now !== null)
    await moveToLocalTrash({ root: ctx.root, trashDir: ctx.localTrash, disk: action.disk, fingerprint: fingerprintOf(now), at: ctx.now() });
  forget(ctx, [action.key]);
  outcome.changed = true;
}

/**
 * Deletes on the drive what was deleted here: a file on its ETag, a folder on the tree's cursor (the tree may be minutes
 * old by now). When someone wrote in the folder meanwhile, nothing is deleted: the pass looks again, their files win
 * over the delete and come back here, and the person is told.
 */
async function deleteRemote(ctx: ActionContext, action: Extract<PlannedAction, { kind: 'deleteRemote' }>, outcome: Outcome): Promise<void> {
  const condition = action.folder ? { unchangedSince: ctx.treeCursor } : {};
  try {
    await ctx.remote.delete({ path: action.path, ifMatch: action.ifMatch, ...condition, signal: ctx.signal });
  } catch (err) {
    if (action.folder && err instanceof EnclaveError && err.code === 'conflict') {
      outcome.race = true;
      ctx.board.setFile({
        path: action.path,
        state: 'pending',
        detail: `"${action.path}" changed on the drive; it was not deleted there.`,
      });
      ctx.board.notify({
        kind: 'conflict',
        message:
          `The folder "${action.path}" was deleted here, but someone changed or added files in it on the drive meanwhile. ` +
          'It was not deleted on the drive; their files come back here, and the files nobody changed are deleted one by one.',
        paths: [action.path],
      });
      return;
    }
    // Already gone: as good as deleted.
    if (!(err instanceof EnclaveError) || err.code !== 'not_found') throw err;
  }
  forget(ctx, action.covers);
  outcome.changed = true;
}

async function runAction(ctx: ActionContext, action: PlannedAction, outcome: Outcome): Promise<void> {
  switch (action.kind) {
    case 'record':
      ctx.journal.putBase(action.record);
      outcome.changed = true;
      return;
    case 'forget':
      forget(ctx, [action.key]);
      outcome.changed = true;
      return;
    case 'clash':
      ctx.board.setFile({ path: action.path, state: 'error', detail: action.detail });
      return;
    case 'mkdirLocal':
      await ensureFolders(ctx.root, action.disk);
      ctx.journal.putBase(folderRecord(action.path));
      outcome.changed = true;
      return;
    case 'mkdirRemote': {
      const made = await ctx.remote.mkdir(action.path, ctx.signal);
      ctx.journal.putBase(folderRecord(made.path));
      outcome.changed = true;
      return;
    }
    case 'upload': {
      ctx.board.setFile({ path: action.path, state: 'uploading', detail: null });
      const result = await upload(ctx, { key: action.key, drivePath: action.path, local: action.local, condition: action.condition });
      if (isDeferred(result)) return deferredState(ctx, { ...result, path: action.path }, outcome);
      ctx.board.clearFile(action.path);
      outcome.changed = true;
      if (action.note !== null) ctx.board.notify({ kind: 'conflict', message: action.note, paths: [action.path] });
      return;
    }
    case 'download': {
      ctx.board.setFile({ path: action.path, state: 'downloading', detail: null });
      const result = await download(ctx, { key: action.key, entry: action.entry, disk: action.disk, replaces: action.replaces });
      if (isDeferred(result)) return deferredState(ctx, { ...result, path: action.path }, outcome);
      ctx.board.clearFile(action.path);
      outcome.changed = true;
      if (action.note !== null) ctx.board.notify({ kind: 'conflict', message: action.note, paths: [action.path] });
      return;
    }
    case 'conflict':
      return resolveConflict(ctx, action, outcome);
    case 'deleteRemote':
      return deleteRemote(ctx, action, outcome);
    case 'deleteLocal':
      return deleteLocal(ctx, action, outcome);
  }
}

function pathOf(action: PlannedAction): string {
  return action.kind === 'record' ? action.record.path : action.kind === 'forget' ? action.key : action.path;
}

/** Carries out the plan, action by action; answers what happened on the whole. */
export async function executePlan(ctx: ActionContext, plan: Plan): Promise<Outcome> {
  const outcome: Outcome = { changed: false, race: false, offline: false };
  let unreachable = 0;
  for (const action of plan.actions) {
    if (ctx.signal.aborted) throw new EnclaveError('cancelled', 'Sync was stopped.');
    const drivePath = pathOf(action);
    try {
      await runAction(ctx, action, outcome);
      unreachable = 0;
    } catch (err) {
      ctx.progress(null);
      if (ctx.signal.aborted) throw new EnclaveError('cancelled', 'Sync was stopped.');
      // Every next action would be refused the same way, and waiting does not fix it: not counted as unreachable.
      if (tlsProblemOf(err) !== null) throw err;
      if (!(err instanceof EnclaveError)) {
        ctx.board.setFile({
          path: drivePath,
          state: 'error',
          detail: `"${drivePath}" could not be synced (${(err as NodeJS.ErrnoException).code ?? 'an unexpected error'}); it will be tried again.`,
        });
        continue;
      }
      if (err instanceof NoLocalSpace) {
        ctx.board.setFile({ path: drivePath, state: 'error', detail: err.message });
        ctx.board.notify({ kind: 'error', message: err.message, paths: [drivePath], once: true });
      } else if (err.code === 'insufficient_storage') {
        ctx.board.setFile({ path: drivePath, state: 'over_quota', detail: err.message });
        ctx.board.notify({
          kind: 'over_quota',
          message: `"${drivePath}" was not uploaded: ${err.message}`,
          paths: [drivePath],
          once: true,
        });
      } else if (err.code === 'conflict') {
        ctx.board.setFile({ path: drivePath, state: 'pending', detail: err.message });
        outcome.race = true;
      } else {
        ctx.board.setFile({ path: drivePath, state: 'error', detail: err.message });
        if (err.code === 'unavailable' || err.code === 'unauthenticated') unreachable += 1;
        if (unreachable >= OFFLINE_AFTER) {
          outcome.offline = true;
          return outcome;
        }
      }
    }
  }
  return outcome;
}

/** Makes the folders above a move's destination on the drive, where they are new here (the plan would make them anyway). */
async function remoteParents(ctx: ActionContext, drivePath: string): Promise<void> {
  const segments = drivePath.split('/').slice(0, -1);
  for (let index = 1; index <= segments.length; index += 1) {
    const folder = segments.slice(0, index).join('/');
    if (ctx.remoteEntries.get(drivePathKey(folder))?.kind === 'folder') continue;
    try {
      const made = await ctx.remote.mkdir(folder, ctx.signal);
      ctx.journal.putBase(folderRecord(made.path));
    } catch (err) {
      // Made meanwhile (by an earlier move of this pass, or by someone else): there it is.
      if (!(err instanceof EnclaveError) || err.code !== 'conflict') throw err;
    }
  }
}

/** Makes the moves found before planning; one that fails is not made (the paths are then synced as they are). */
export async function applyMoves(
  ctx: ActionContext,
  options: { moves: readonly Move[]; base: ReadonlyMap<string, BaseRecord> },
): Promise<number> {
  let made = 0;
  let base = new Map(options.base);
  for (const move of options.moves) {
    try {
      if (move.side === 'remote') {
        await remoteParents(ctx, move.to);
        await ctx.remote.move({ from: move.from, to: move.to, ifMatch: move.ifMatch, signal: ctx.signal });
      } else {
        const from = absolutePath(ctx.root, move.fromDisk);
        const info = await lstatOrNull(from);
        if (info === null) continue;
        if (!move.folder && (await ctx.writers.isOpenForWriting(from, info))) {
          ctx.board.setFile({
            path: move.from,
            state: 'busy',
            detail: `"${move.fromDisk}" was moved on the drive but is open for writing here; it is moved once it is closed.`,
          });
          continue;
        }
        await renameEntry(ctx.root, { from: move.fromDisk, to: move.toDisk });
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // A move that cannot be made is not made (changed or gone meanwhile, refused, or a local rename that failed).
      const expected =
        err instanceof EnclaveError
          ? ['conflict', 'not_found', 'invalid_input', 'forbidden'].includes(err.code)
          : typeof (err as NodeJS.ErrnoException).code === 'string';
      if (!expected) throw err;
      continue;
    }
    const { removed, added } = movedRecords(base, move);
    ctx.journal.transaction(() => {
      for (const key of removed) ctx.journal.deleteBase(key);
      for (const record of added) ctx.journal.putBase(record);
    });
    base = ctx.journal.base();
    made += 1;
  }
  return made;
}
