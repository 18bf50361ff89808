// The sync engine's status as a person sees it (issue 17): the phase and why, the transfer under way, the files not in
// step and why, and the notices not yet dismissed (kept in the journal, so a conflict copy made before a restart is
// still announced after it). Listeners hear every change; progress is passed on at most every 100 ms.
import { randomBytes } from 'node:crypto';
import type { DriveSyncStatus, LocalFileState, SyncNotice } from './sync-api.ts';
import type { SyncJournal } from './journal.ts';
import type { TransferProgress } from './transfers.ts';

const PROGRESS_INTERVAL_MS = 100;

export class StatusBoard {
  readonly #projectId: string;
  readonly #localRoot: string;
  readonly #localTrash: string;
  readonly #journal: SyncJournal;
  readonly #now: () => Date;
  readonly #listeners = new Set<(status: DriveSyncStatus) => void>();
  #phase: DriveSyncStatus['phase'] = 'idle';
  #reason: string | null = null;
  #lastSyncedAt: string | null = null;
  #transfer: TransferProgress | null = null;
  #files = new Map<string, LocalFileState>();
  #pendingDeletes = 0;
  #notices: SyncNotice[];
  #lastProgressAt = 0;

  constructor(options: { projectId: string; localRoot: string; localTrash: string; journal: SyncJournal; now: () => Date }) {
    this.#projectId = options.projectId;
    this.#localRoot = options.localRoot;
    this.#localTrash = options.localTrash;
    this.#journal = options.journal;
    this.#now = options.now;
    this.#notices = options.journal.notices();
  }

  snapshot(): DriveSyncStatus {
    return {
      projectId: this.#projectId,
      localRoot: this.#localRoot,
      localTrash: this.#localTrash,
      phase: this.#phase,
      reason: this.#reason,
      lastSyncedAt: this.#lastSyncedAt,
      transfer: this.#transfer,
      files: [...this.#files.values()],
      notices: this.#notices,
      pendingDeletes: this.#pendingDeletes,
    };
  }

  get phase(): DriveSyncStatus['phase'] {
    return this.#phase;
  }

  onChange(listener: (status: DriveSyncStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    const status = this.snapshot();
    for (const listener of this.#listeners) listener(status);
  }

  setPhase(phase: DriveSyncStatus['phase'], reason: string | null = null): void {
    this.#phase = phase;
    this.#reason = reason;
    this.#emit();
  }

  synced(): void {
    this.#lastSyncedAt = this.#now().toISOString();
  }

  setPendingDeletes(count: number): void {
    this.#pendingDeletes = count;
  }

  /** Starts a pass's list of files not in step afresh. */
  clearFiles(): void {
    this.#files = new Map();
  }

  setFile(state: LocalFileState): void {
    this.#files.set(state.path, state);
  }

  clearFile(filePath: string): void {
    this.#files.delete(filePath);
  }

  progress(progress: TransferProgress | null): void {
    const previous = this.#transfer;
    this.#transfer = progress;
    const at = Date.now();
    // Every start and end of a transfer is told; the bytes in between at most every PROGRESS_INTERVAL_MS.
    if (
      progress === null ||
      previous === null ||
      previous.path !== progress.path ||
      progress.done === progress.total ||
      at - this.#lastProgressAt >= PROGRESS_INTERVAL_MS
    ) {
      this.#lastProgressAt = at;
      this.#emit();
    }
  }

  /** Adds a notice; with `once`, not when one of that kind about the same paths was ever given (dismissed or not). */
  notify(notice: { kind: SyncNotice['kind']; message: string; paths: readonly string[]; once?: boolean }): void {
    if (notice.once === true && this.#journal.hasNotice(notice.kind, notice.paths)) return;
    this.#journal.addNotice({
      id: `notice-${randomBytes(8).toString('hex')}`,
      at: this.#now().toISOString(),
      kind: notice.kind,
      message: notice.message,
      paths: [...notice.paths],
    });
    this.#notices = this.#journal.notices();
    this.#emit();
  }

  /** Whether a notice of this kind is showing now. */
  showing(kind: SyncNotice['kind']): boolean {
    return this.#notices.some((notice) => notice.kind === kind);
  }

  dismiss(id: string): void {
    this.#journal.dismissNotice(id);
    this.#notices = this.#journal.notices();
    this.#emit();
  }

  dismissKind(kind: SyncNotice['kind']): void {
    if (!this.showing(kind)) return;
    this.#journal.dismissKind(kind);
    this.#notices = this.#journal.notices();
    this.#emit();
  }
}
