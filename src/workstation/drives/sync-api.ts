// What the workstation's drive sync engine (issue 17) offers the rest of the core: one `DriveSync` per signed-in
// person and project drive, kept in step with the platform by src/workstation/drives/sync-engine.ts. The handlers
// (src/workstation/drives/handlers.ts) read its state for the renderer and ask it to sync now; the drive's own
// browsing (versions, trash, app passwords) goes to the platform directly.

/** Where one local file stands with the platform. */
export type SyncState =
  | 'synced'
  | 'uploading'
  | 'downloading'
  | 'pending'
  /** Open for writing by another program: left alone until it is closed. */
  | 'busy'
  /** Its name clashes (case or Unicode twin) with another file of its folder, or is refused by the name policy. */
  | 'name_clash'
  /** Larger than the space left in the drive. */
  | 'over_quota'
  | 'error';

export interface LocalFileState {
  /** The path below the drive's root, as on disk. */
  readonly path: string;
  readonly state: SyncState;
  /** Said to a person: why it is not synced, when it is not. */
  readonly detail: string | null;
}

/** Something a person must know: a conflict copy made, a pause that waits for them, a name clash. */
export interface SyncNotice {
  readonly id: string;
  readonly at: string;
  readonly kind: 'conflict' | 'delete_paused' | 'root_missing' | 'resync_needed' | 'name_clash' | 'over_quota' | 'error';
  readonly message: string;
  /** The paths it is about (e.g. the file and its conflict copy). */
  readonly paths: readonly string[];
}

export interface DriveSyncStatus {
  readonly projectId: string;
  /** The local folder the person's desktop tools open and save in. */
  readonly localRoot: string;
  /**
   * Where files this computer deleted because they were deleted on the drive are kept (outside the synced folder, for
   * LOCAL_TRASH_DAYS; see ./local-trash.ts). Always set by the engine; optional only for fakes written before it.
   */
  readonly localTrash?: string;
  readonly phase: 'idle' | 'scanning' | 'syncing' | 'paused' | 'stopped' | 'offline';
  /** Why sync is paused or stopped, in words (null when running). */
  readonly reason: string | null;
  readonly lastSyncedAt: string | null;
  /** Bytes of the transfer under way (null when none). */
  readonly transfer: { readonly path: string; readonly direction: 'up' | 'down'; readonly done: number; readonly total: number } | null;
  /** Files not in step, with why. */
  readonly files: readonly LocalFileState[];
  readonly notices: readonly SyncNotice[];
  /** When a delete threshold paused sync: how many local deletions wait for the person's answer. */
  readonly pendingDeletes: number;
}

export interface DriveSync {
  status(): DriveSyncStatus;
  /** One pass now (a pass also runs on local changes and on a timer); resolves when it ends. */
  syncNow(signal?: AbortSignal): Promise<DriveSyncStatus>;
  /** The person's answer to a paused delete: `apply` sends the deletions, `restore` brings the files back from the platform. */
  resolveDeletes(answer: 'apply' | 'restore'): Promise<DriveSyncStatus>;
  dismissNotice(id: string): void;
  /** Called on every change of status (for the renderer's events). Returns the unsubscribe. */
  onChange(listener: (status: DriveSyncStatus) => void): () => void;
  /** Stops watching and syncing, and releases the journal's single-instance lock. */
  close(): Promise<void>;
}
