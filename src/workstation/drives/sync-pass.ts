// One pass of the sync engine (issue 17): read the drive's tree, check that the local folder is still the drive's (its
// marker) and that the journal still describes this drive (its id, the platform's epoch and change counter, this
// device, the marker's generation), scan and hash what may have changed, make the moves, plan, check the delete
// threshold, carry out the plan, and record what both sides now agree on.
//   - Folder gone, emptied or swapped (marker missing or another drive's): sync stops and sends nothing.
//   - Journal or platform restored from an older copy, journal damaged or made elsewhere: a resync. The base is
//     forgotten, so nothing can look deleted on either side, and differences become conflict copies or downloads.
//   - More deletions than the threshold: nothing is done, and the person is asked.
//   - A certificate TLS refuses (at any step): sync stops, saying which problem and what fixes it, never "offline".
import { realpath, stat } from 'node:fs/promises';
import { mkdir, chmod } from 'node:fs/promises';
import process from 'node:process';
import { drivePathKey, type DriveEntry } from '../../common/drives.ts';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { describeTlsProblem, tlsProblemOf, tlsProblemState } from '../../common/tls-problems.ts';
import { appliedCaFile } from '../ca-trust.ts';
import { applyMoves, executePlan, type ActionContext } from './actions.ts';
import type { BaseRecord } from './journal.ts';
import { FOLDER_MODE, FileInFlux, hashFile } from './local-fs.ts';
import { scanLocal, type LocalScan } from './local-scan.ts';
import { purgeLocalTrash } from './local-trash.ts';
import { readMarker, writeMarker, type RootMarker } from './marker.ts';
import { findMoves, moveId } from './moves.ts';
import { diskPathFor, planSync, type HashedEntry, type Plan } from './plan.ts';
import { checkRemoteTree } from './remote-check.ts';
import type { RemoteTree } from './remote.ts';
import type { StatusBoard } from './status.ts';
import { removeStrayParts, type TransferContext } from './transfers.ts';

/** A file modified this close to when it was hashed may have changed again within the clock's grain: hashed again. */
const RACY_MS = 2000;
/** Rounds of one pass: moves or a write that lost a race make the pass look again, a bounded number of times. */
const MAX_ROUNDS = 4;

export interface DeleteThreshold {
  readonly fraction: number;
  readonly minimum: number;
}

/** Deletions waiting for the person's answer: the base keys each would settle. */
export interface PausedDeletes {
  /** Deleted here, to delete on the drive. */
  readonly remote: ReadonlyArray<{ readonly path: string; readonly covers: readonly string[] }>;
  /** Deleted on the drive, to delete here. */
  readonly local: ReadonlyArray<{ readonly path: string; readonly key: string }>;
  readonly files: number;
}

export interface PassContext extends Omit<ActionContext, 'remoteEntries' | 'localEntries' | 'treeCursor'> {
  readonly projectId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly threshold: DeleteThreshold;
  readonly board: StatusBoard;
  readonly hashCache: Map<string, { fingerprint: string; sha256: string; hashedAt: number }>;
  /** Where a damaged journal was moved at start, once (said in the resync notice). */
  movedAside: string | null;
  /** Deletions the person allowed (answering a pause with "apply"), by the base keys they settle. */
  readonly approved: ReadonlySet<string> | null;
}

type RootCheck = { readonly stop: string } | { readonly marker: RootMarker | null };

async function folderExists(root: string): Promise<boolean | 'not-a-folder'> {
  try {
    return (await stat(root)).isDirectory() ? true : 'not-a-folder';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The folder and its marker, before anything is read or written there. */
async function checkRoot(ctx: PassContext, tree: RemoteTree): Promise<RootCheck> {
  const binding = ctx.journal.binding();
  const exists = await folderExists(ctx.root);
  const folder = `The drive's folder ${ctx.root}`;
  const nothingDeleted = 'Sync has stopped, and nothing was deleted on the drive.';
  if (exists === 'not-a-folder') return { stop: `${folder} is not a folder. ${nothingDeleted}` };
  if (binding.syncedOnce) {
    if (!exists) return { stop: `${folder} is gone. ${nothingDeleted} Put the folder back to go on syncing.` };
    const marker = await readMarker(ctx.root);
    if (marker === null) {
      return {
        stop: `${folder} has lost its marker file (.enclave-drive): it was emptied, or replaced by another folder. ${nothingDeleted} Put the folder back to go on syncing.`,
      };
    }
    if (marker === 'unreadable') return { stop: `${folder} has a marker file (.enclave-drive) that is not Enclave's. ${nothingDeleted}` };
    if (marker.driveId !== binding.driveId || marker.userId !== ctx.userId || marker.projectId !== ctx.projectId) {
      return { stop: `${folder} is another drive's (or another person's) folder. ${nothingDeleted}` };
    }
    return { marker };
  }
  if (!exists) {
    // First use only: the folder is made, private to this person.
    await mkdir(ctx.root, { recursive: true, mode: FOLDER_MODE });
    if (process.platform !== 'win32') await chmod(ctx.root, FOLDER_MODE);
    return { marker: null };
  }
  const marker = await readMarker(ctx.root);
  if (marker === 'unreadable') return { stop: `${folder} has a marker file (.enclave-drive) that is not Enclave's. ${nothingDeleted}` };
  if (marker !== null && (marker.driveId !== tree.drive.driveId || marker.userId !== ctx.userId || marker.projectId !== ctx.projectId)) {
    return { stop: `${folder} is another drive's (or another person's) folder. ${nothingDeleted}` };
  }
  // A folder that was already there becomes private to this person before the drive's files come into it.
  if (process.platform !== 'win32') await chmod(ctx.root, FOLDER_MODE);
  return { marker };
}

/** Why the journal no longer describes this drive as it is (a resync is needed), or null. */
function resyncReason(ctx: PassContext, tree: RemoteTree, marker: RootMarker | null): string | null {
  const binding = ctx.journal.binding();
  if (binding.driveId === null) {
    if (ctx.movedAside !== null) return `this computer's sync journal was damaged (it was kept as ${ctx.movedAside})`;
    return marker !== null ? "this computer has no record of the folder's last sync" : null;
  }
  if (binding.driveId !== tree.drive.driveId) return 'the drive on the platform is not the one this folder was synced with';
  if (binding.epoch !== tree.drive.epoch) return "the platform's drives were restored from a backup";
  if (binding.cursor !== null && binding.cursor > tree.cursor)
    return "the platform's drive is older than this computer's record of it (restored from an older copy)";
  if (binding.deviceId !== ctx.deviceId) return 'the sync journal was made on another computer';
  if (marker !== null && marker.generation !== binding.generation) return 'the folder or the sync journal was restored from an older copy';
  return null;
}

function isRacy(stats: { mtimeNs: bigint; ctimeNs: bigint }, hashedAt: number): boolean {
  const changed = Number((stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs) / 1_000_000n);
  return changed >= hashedAt - RACY_MS;
}

interface LocalView {
  readonly scan: LocalScan;
  readonly local: Map<string, HashedEntry>;
  readonly blocked: Map<string, 'replaceable' | 'hands-off'>;
}

/** Scans the folder and hashes what the hints do not vouch for; says what is not synced and why. */
async function localView(
  ctx: PassContext,
  base: ReadonlyMap<string, BaseRecord>,
  remote: ReadonlyMap<string, DriveEntry>,
): Promise<LocalView> {
  const scan = await scanLocal(ctx.root, (key) => base.get(key)?.path ?? remote.get(key)?.path);
  const local = new Map<string, HashedEntry>();
  const blocked = new Map<string, 'replaceable' | 'hands-off'>();
  for (const problem of scan.problems) {
    ctx.board.setFile({ path: problem.disk, state: problem.state, detail: problem.detail });
    if (problem.state === 'name_clash') {
      ctx.board.notify({ kind: 'name_clash', message: `"${problem.disk}": ${problem.detail}`, paths: [problem.disk], once: true });
    }
    if (problem.key !== null && problem.blocks !== null) blocked.set(problem.key, problem.blocks);
  }
  const seen = new Set<string>();
  for (const entry of scan.entries.values()) {
    if (entry.kind === 'folder') {
      local.set(entry.key, entry);
      continue;
    }
    seen.add(entry.disk);
    const record = base.get(entry.key);
    if (
      record?.kind === 'file' &&
      record.sha256 !== null &&
      record.fingerprint === entry.fingerprint &&
      !isRacy(entry.stats, record.hashedAt)
    ) {
      local.set(entry.key, { ...entry, sha256: record.sha256, hashedAt: record.hashedAt });
      continue;
    }
    const cached = ctx.hashCache.get(entry.disk);
    if (cached !== undefined && cached.fingerprint === entry.fingerprint && !isRacy(entry.stats, cached.hashedAt)) {
      local.set(entry.key, { ...entry, sha256: cached.sha256, hashedAt: cached.hashedAt });
      continue;
    }
    try {
      const hashed = await hashFile(ctx.root, entry.disk, ctx.now);
      ctx.hashCache.set(entry.disk, { fingerprint: hashed.fingerprint, sha256: hashed.sha256, hashedAt: hashed.hashedAt });
      local.set(entry.key, { ...entry, fingerprint: hashed.fingerprint, sha256: hashed.sha256, hashedAt: hashed.hashedAt });
      // Hashed again only because the hint was unsure: the same content, so the base keeps a hint it can trust next time.
      if (
        record?.kind === 'file' &&
        record.sha256 === hashed.sha256 &&
        record.fingerprint === hashed.fingerprint &&
        record.hashedAt < hashed.hashedAt
      ) {
        ctx.journal.putBase({ ...record, hashedAt: hashed.hashedAt });
      }
    } catch (err) {
      const detail =
        err instanceof FileInFlux
          ? err.message
          : `"${entry.disk}" could not be read (${(err as NodeJS.ErrnoException).code ?? (err instanceof EnclaveError ? err.message : 'error')}); it is left as it is.`;
      blocked.set(entry.key, 'hands-off');
      ctx.board.setFile({ path: entry.disk, state: err instanceof FileInFlux ? 'busy' : 'error', detail });
    }
  }
  for (const disk of ctx.hashCache.keys()) if (!seen.has(disk)) ctx.hashCache.delete(disk);
  return { scan, local, blocked };
}

function tooManyDeletes(ctx: PassContext, plan: Plan, base: ReadonlyMap<string, BaseRecord>): PausedDeletes | null {
  const files = plan.remoteDeletes + plan.localDeletes;
  if (files === 0) return null;
  const total = [...base.values()].filter((record) => record.kind === 'file').length;
  if (files < ctx.threshold.minimum || files <= ctx.threshold.fraction * total) return null;
  const remote = plan.actions.flatMap((action) => (action.kind === 'deleteRemote' ? [{ path: action.path, covers: action.covers }] : []));
  const local = plan.actions.flatMap((action) => (action.kind === 'deleteLocal' ? [{ path: action.path, key: action.key }] : []));
  const approved = ctx.approved;
  if (
    approved !== null &&
    remote.every((each) => each.covers.every((key) => approved.has(key))) &&
    local.every((each) => approved.has(each.key))
  ) {
    return null;
  }
  return { remote, local, files };
}

async function readTree(ctx: PassContext): Promise<RemoteTree> {
  const tree = await ctx.remote.tree(ctx.signal);
  // Checked again here whatever the remote did: the engine writes only what passed this gate.
  return checkRemoteTree(tree, tree.refused);
}

export type PassResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'stopped'; readonly reason: string }
  | { readonly kind: 'offline'; readonly reason: string }
  | { readonly kind: 'paused'; readonly deletes: PausedDeletes };

/**
 * Why sync stopped, when a certificate was refused: the state in a few words, then what the error says (the problem,
 * whose certificate, and the fix, naming ENCLAVE_CA_FILE). Null for any other failure.
 */
function notTrustedReason(err: unknown): string | null {
  const problem = tlsProblemOf(err);
  if (problem === null) return null;
  // The remote's errors already name the address and the CA bundle in use (src/workstation/ca-trust.ts).
  const detail =
    err instanceof EnclaveError ? err.message : describeTlsProblem(problem, { subject: 'the platform', caFile: appliedCaFile() });
  return `${tlsProblemState(problem)} — ${detail}`;
}

/**
 * One pass. Throws only when it is cancelled or something unexpected broke. A refused certificate, at whichever step,
 * stops the pass as 'stopped', not 'offline': waiting does not fix it. The engine still runs a pass on its timer, so a
 * certificate renewed on the platform is picked up without anyone asking (ENCLAVE_CA_FILE is read when the app starts).
 */
export async function runPass(ctx: PassContext): Promise<PassResult> {
  try {
    return await pass(ctx);
  } catch (err) {
    const reason = ctx.signal.aborted ? null : notTrustedReason(err);
    if (reason === null) throw err;
    return { kind: 'stopped', reason };
  }
}

async function pass(ctx: PassContext): Promise<PassResult> {
  ctx.writers.reset();
  ctx.board.clearFiles();
  ctx.board.setPhase('scanning');
  let tree: RemoteTree;
  try {
    tree = await readTree(ctx);
  } catch (err) {
    if (ctx.signal.aborted || tlsProblemOf(err) !== null) throw err;
    const message = err instanceof EnclaveError ? err.message : 'The platform could not be reached.';
    return { kind: 'offline', reason: message };
  }
  if (tree.drive.projectId !== ctx.projectId)
    return { kind: 'stopped', reason: "The platform sent another project's drive; nothing was synced." };
  const rootCheck = await checkRoot(ctx, tree);
  if ('stop' in rootCheck) return { kind: 'stopped', reason: rootCheck.stop };
  ctx.board.dismissKind('root_missing');
  const reason = resyncReason(ctx, tree, rootCheck.marker);
  const rebinding = reason !== null || ctx.journal.binding().driveId === null;
  if (rebinding) {
    ctx.journal.rebind({ driveId: tree.drive.driveId, epoch: tree.drive.epoch, cursor: tree.cursor, resyncReason: reason ?? 'first sync' });
  }
  if (rebinding || !ctx.journal.binding().syncedOnce) {
    // The folder is the drive's from now on, before a byte is written there: from here, a folder without this marker
    // (vanished, emptied, swapped) stops sync rather than looking like deletions, even if this first pass is cut short.
    const { generation } = ctx.journal.binding();
    await writeMarker(ctx.root, { driveId: tree.drive.driveId, projectId: ctx.projectId, userId: ctx.userId, generation });
    ctx.journal.markRooted();
  }
  if (rebinding) {
    if (reason !== null) {
      ctx.board.notify({
        kind: 'resync_needed',
        message: `Every file is being compared again because ${reason}. Nothing is deleted on either side: files that differ are kept as conflict copies.`,
        paths: [],
      });
    }
  }
  ctx.movedAside = null;
  ctx.journal.setCursor(tree.cursor);
  const resyncing = ctx.journal.binding().resyncReason;

  const tried = new Set<string>();
  let changed = false;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    if (round > 0) {
      ctx.board.clearFiles();
      tree = await readTree(ctx);
    }
    ctx.board.setPhase('scanning', resyncing !== null && resyncing !== 'first sync' ? `Resync: ${resyncing}.` : null);
    for (const refused of tree.refused) {
      ctx.board.setFile({
        path: refused.path,
        state: 'error',
        detail: `The drive sent an entry this computer refuses (${refused.reason}); it was not written.`,
      });
    }
    if (tree.refused.length > 0) {
      const count = tree.refused.length;
      ctx.board.notify({
        kind: 'error',
        message: `The drive sent ${count} ${count === 1 ? 'entry' : 'entries'} this computer refuses (names that would reach outside the folder, or that break the drive's own rules); nothing was written for ${count === 1 ? 'it' : 'them'}.`,
        paths: tree.refused.map((refused) => refused.path).sort(),
        once: true,
      });
    }
    const remote = new Map(tree.entries.map((entry) => [drivePathKey(entry.path), entry]));
    const remoteBlocked = new Set(tree.refused.flatMap((refused) => (refused.key === null ? [] : [refused.key])));
    let base = ctx.journal.base();
    const view = await localView(ctx, base, remote);
    if (round === 0) {
      await removeStrayParts(ctx, view.scan.parts);
      // Its own folder, outside the synced one: a failure there never stops a pass.
      await bestEffort(purgeLocalTrash({ trashDir: ctx.localTrash, now: ctx.now() }));
    }
    base = ctx.journal.base();
    const actionContext: ActionContext = { ...ctx, remoteEntries: remote, localEntries: view.local, treeCursor: tree.cursor };

    const moves = findMoves({ base, local: view.local, remote, blocked: view.blocked, tried }, (drivePath) =>
      diskPathFor(drivePath, view.local),
    );
    if (moves.length > 0 && round < MAX_ROUNDS - 1) {
      for (const move of moves) tried.add(moveId(move));
      ctx.board.setPhase('syncing');
      if ((await applyMoves(actionContext, { moves, base })) > 0) changed = true;
      continue;
    }

    const plan = planSync({ base, local: view.local, remote, blocked: view.blocked, remoteBlocked });
    const paused = tooManyDeletes(ctx, plan, base);
    if (paused !== null) return { kind: 'paused', deletes: paused };
    ctx.board.setPhase('syncing', ctx.board.snapshot().reason);
    const outcome = await executePlan(actionContext, plan);
    changed ||= outcome.changed;
    if (outcome.offline) return { kind: 'offline', reason: 'The platform stopped answering during sync; it goes on when it is back.' };
    if (!outcome.race) break;
  }

  const before = ctx.journal.binding().generation;
  const generation = ctx.journal.finishPass({ changed, resyncDone: true });
  if (generation !== before) {
    await writeMarker(ctx.root, { driveId: tree.drive.driveId, projectId: ctx.projectId, userId: ctx.userId, generation });
  }
  return { kind: 'done' };
}

/** The local folder as a real path when it exists (a root that is itself a link is followed once, here). */
export async function resolvedRoot(localRoot: string): Promise<string> {
  try {
    return await realpath(localRoot);
  } catch {
    return localRoot;
  }
}

export type { TransferContext };
