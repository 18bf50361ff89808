// The workstation's drive sync engine (issue 17): keeps one person's local folder and one project's drive on the
// platform in step, both ways, losing nothing. This file opens it (the journal and its single-instance lock), runs one
// pass at a time (./sync-pass.ts) on request, on changes in the folder (watched, debounced) and on a timer, keeps its
// status, and answers a paused delete. See ./sync-api.ts for what it offers the rest of the core.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bestEffort, settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { openJournal, type SyncJournal } from './journal.ts';
import { MARKER_NAME, freeBytes, isPartName } from './local-fs.ts';
import { localTrashDir } from './local-trash.ts';
import { createWriterProbe, type WriterProbe } from './open-files.ts';
import type { DriveRemote } from './remote.ts';
import { StatusBoard } from './status.ts';
import type { DriveSync, DriveSyncStatus } from './sync-api.ts';
import { runPass, type DeleteThreshold, type PassContext, type PausedDeletes } from './sync-pass.ts';
import { DEFAULT_ATTEMPTS, DEFAULT_CHUNK_BYTES, type TransferStep } from './transfers.ts';

export interface DriveSyncOptions {
  readonly projectId: string;
  readonly userId: string;
  /** The person's display name, for conflict copies. */
  readonly person: string;
  /** The synced folder (created 0700 if missing on first use only). */
  readonly localRoot: string;
  /** Outside localRoot: the journal and its lock (0700/0600). */
  readonly stateDir: string;
  readonly remote: DriveRemote;
  /** This computer (default: derived from the machine id and host name). A journal made on another is resynced. */
  readonly deviceId?: string;
  /** How often to look at the platform's side (default 30 s; 0: only on request and on local changes). */
  readonly intervalMs?: number;
  /** Watch the folder and sync on changes, starting with a first pass at once (default true). */
  readonly watch?: boolean;
  /** Pause and ask when a pass would delete more than this share of the files, and at least this many (default 0.5, 20). */
  readonly deleteThreshold?: DeleteThreshold;
  readonly now?: () => Date;
  /** How "open for writing" is told (default: /proc on Linux, a settle time elsewhere). */
  readonly writers?: WriterProbe;
  /** The largest upload chunk (default UPLOAD_CHUNK_MAX_BYTES). */
  readonly chunkBytes?: number;
  /** For tests: the bytes free on the file system of a folder (default: statfs). */
  readonly freeSpace?: (folder: string) => Promise<number>;
  /** For tests: called before each step of a transfer; a throw there stops the transfer as a crash at that step would. */
  readonly onStep?: (step: TransferStep, drivePath: string) => void | Promise<void>;
}

const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_THRESHOLD: DeleteThreshold = { fraction: 0.5, minimum: 20 };
const WATCH_DEBOUNCE_MS = 1000;

/** This computer's id: the machine id where there is one, else the host name; hashed, as it is stored. */
export function defaultDeviceId(): string {
  let machine: string;
  try {
    machine = readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    machine = '';
  }
  return createHash('sha256').update(`${machine}\n${os.hostname()}`).digest('hex').slice(0, 32);
}

/** The path with its existing part resolved (links followed): /proc and the watcher report real paths. */
async function realPathOf(target: string): Promise<string> {
  const absolute = path.resolve(target);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

export async function openDriveSync(options: DriveSyncOptions): Promise<DriveSync> {
  const now = options.now ?? (() => new Date());
  const root = await realPathOf(options.localRoot);
  const stateDir = await realPathOf(options.stateDir);
  if (isInside(stateDir, root) || isInside(root, stateDir)) {
    throw new EnclaveError(
      'invalid_input',
      'The sync journal must be kept outside the synced folder (and the folder outside it); nothing was started.',
    );
  }
  const deviceId = options.deviceId ?? defaultDeviceId();
  const { journal, movedAside } = openJournal({ stateDir, projectId: options.projectId, userId: options.userId, deviceId, now });
  return new Engine({ options, root, journal, movedAside, deviceId, now }).api();
}

class Engine {
  readonly #options: DriveSyncOptions;
  readonly #root: string;
  readonly #journal: SyncJournal;
  readonly #deviceId: string;
  readonly #now: () => Date;
  readonly #board: StatusBoard;
  readonly #writers: WriterProbe;
  readonly #hashCache = new Map<string, { fingerprint: string; sha256: string; hashedAt: number }>();
  readonly #closing = new AbortController();
  #movedAside: string | null;
  #paused: PausedDeletes | null = null;
  #tail: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  #closed = false;
  /** What was last told by a notice that repeats while it lasts (a stop, an error), so it is told once per occurrence. */
  #told: { stopped: string | null; error: string | null } = { stopped: null, error: null };
  #watcher: FSWatcher | null = null;
  #debounce: NodeJS.Timeout | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(init: {
    options: DriveSyncOptions;
    root: string;
    journal: SyncJournal;
    movedAside: string | null;
    deviceId: string;
    now: () => Date;
  }) {
    this.#options = init.options;
    this.#root = init.root;
    this.#journal = init.journal;
    this.#movedAside = init.movedAside;
    this.#deviceId = init.deviceId;
    this.#now = init.now;
    this.#writers = init.options.writers ?? createWriterProbe({ root: init.root });
    this.#board = new StatusBoard({
      projectId: init.options.projectId,
      localRoot: init.root,
      localTrash: localTrashDir(init.options.stateDir),
      journal: init.journal,
      now: init.now,
    });
    const interval = init.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (interval > 0) {
      this.#timer = setInterval(() => this.#background(), interval);
      this.#timer.unref();
    }
    if (init.options.watch !== false) this.#background();
  }

  api(): DriveSync {
    return {
      status: () => this.#board.snapshot(),
      syncNow: (signal) => this.#syncNow(signal),
      resolveDeletes: (answer) => this.#resolveDeletes(answer),
      dismissNotice: (id) => this.#board.dismiss(id),
      onChange: (listener) => this.#board.onChange(listener),
      close: () => this.#close(),
    };
  }

  #background(): void {
    if (this.#closed) return;
    // Its only failure is being closed meanwhile; a pass reports its own trouble in the status.
    bestEffort(this.#schedule(null));
  }

  /** Runs a pass after the one under way (passes asked for meanwhile are one); `approved` passes are never merged. */
  #schedule(approved: ReadonlySet<string> | null, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new EnclaveError('cancelled', "This drive's sync is closed."));
    if (approved === null && this.#queued !== null) return this.#queued;
    const next = this.#tail.then(async () => {
      if (approved === null) this.#queued = null;
      await this.#pass(approved, signal);
    });
    if (approved === null) this.#queued = next;
    this.#tail = settled(next);
    return next;
  }

  async #syncNow(signal?: AbortSignal): Promise<DriveSyncStatus> {
    await this.#schedule(null, signal);
    return this.#board.snapshot();
  }

  async #resolveDeletes(answer: 'apply' | 'restore'): Promise<DriveSyncStatus> {
    // Wait for the pass under way: it may be the one that paused.
    await this.#tail;
    const paused = this.#paused;
    if (paused === null) return this.#board.snapshot();
    if (answer === 'apply') {
      await this.#schedule(new Set([...paused.remote.flatMap((each) => each.covers), ...paused.local.map((each) => each.key)]));
    } else {
      // Forgetting their base makes each a file on one side only: it is brought back from the side that has it.
      this.#journal.transaction(() => {
        for (const key of [...paused.remote.flatMap((each) => each.covers), ...paused.local.map((each) => each.key)])
          this.#journal.deleteBase(key);
      });
      this.#paused = null;
      await this.#schedule(null);
    }
    this.#board.dismissKind('delete_paused');
    return this.#board.snapshot();
  }

  async #pass(approved: ReadonlySet<string> | null, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return;
    const passSignal = signal === undefined ? this.#closing.signal : AbortSignal.any([this.#closing.signal, signal]);
    const context: PassContext = {
      root: this.#root,
      remote: this.#options.remote,
      journal: this.#journal,
      writers: this.#writers,
      signal: passSignal,
      now: () => this.#now().getTime(),
      nowDate: this.#now,
      step: async (step, drivePath) => {
        await this.#options.onStep?.(step, drivePath);
      },
      progress: (progress) => this.#board.progress(progress),
      chunkBytes: this.#options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      attempts: DEFAULT_ATTEMPTS,
      freeSpace: this.#options.freeSpace ?? freeBytes,
      localTrash: localTrashDir(this.#options.stateDir),
      board: this.#board,
      person: this.#options.person,
      projectId: this.#options.projectId,
      userId: this.#options.userId,
      deviceId: this.#deviceId,
      threshold: this.#options.deleteThreshold ?? DEFAULT_THRESHOLD,
      hashCache: this.#hashCache,
      movedAside: this.#movedAside,
      approved,
    };
    try {
      const result = await runPass(context);
      this.#movedAside = context.movedAside;
      this.#board.progress(null);
      const wasPaused = this.#paused !== null;
      this.#board.setPendingDeletes(result.kind === 'paused' ? result.deletes.files : 0);
      this.#paused = result.kind === 'paused' ? result.deletes : null;
      if (result.kind !== 'stopped') this.#told.stopped = null;
      this.#told.error = null;
      switch (result.kind) {
        case 'done':
          this.#board.synced();
          this.#board.dismissKind('delete_paused');
          this.#board.setPhase('idle');
          this.#ensureWatcher();
          return;
        case 'stopped':
          if (this.#told.stopped !== result.reason) this.#board.notify({ kind: 'root_missing', message: result.reason, paths: [] });
          this.#told.stopped = result.reason;
          this.#board.setPhase('stopped', result.reason);
          return;
        case 'offline':
          this.#board.setPhase('offline', result.reason);
          return;
        case 'paused': {
          const reason =
            `${result.deletes.files} files would be deleted (${result.deletes.remote.length > 0 ? 'deleted here' : 'deleted on the drive'}), ` +
            'more than sync deletes without asking. Nothing was deleted: apply the deletions, or bring the files back.';
          for (const each of [...result.deletes.remote, ...result.deletes.local]) {
            this.#board.setFile({ path: each.path, state: 'pending', detail: 'Deleted on one side: waits for your answer.' });
          }
          if (!wasPaused) this.#board.notify({ kind: 'delete_paused', message: reason, paths: [] });
          this.#board.setPhase('paused', reason);
          return;
        }
      }
    } catch (err) {
      this.#board.progress(null);
      if (passSignal.aborted) {
        this.#board.setPhase('idle', this.#closed ? 'Sync is closed.' : 'The last sync was cancelled.');
        return;
      }
      const message = err instanceof EnclaveError ? err.message : 'Sync failed unexpectedly; it will be tried again. Nothing was deleted.';
      if (this.#told.error !== message) this.#board.notify({ kind: 'error', message, paths: [] });
      this.#told.error = message;
      this.#board.setPhase('idle', message);
    }
  }

  #ensureWatcher(): void {
    if (this.#options.watch === false || this.#watcher !== null || this.#closed) return;
    try {
      const watcher = watch(this.#root, { recursive: true, persistent: false }, (_event, filename) => {
        const name = typeof filename === 'string' ? path.basename(filename) : '';
        if (name === MARKER_NAME || isPartName(name)) return;
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => this.#background(), WATCH_DEBOUNCE_MS);
        this.#debounce.unref();
      });
      watcher.on('error', () => {
        // The folder went away (or the watcher broke): the timer goes on, and the next good pass watches again.
        watcher.close();
        if (this.#watcher === watcher) this.#watcher = null;
      });
      this.#watcher = watcher;
    } catch {
      this.#watcher = null; // recursive watching unsupported here: the timer alone
    }
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    this.#watcher = null;
    this.#closing.abort();
    await this.#tail;
    this.#journal.close();
  }
}
