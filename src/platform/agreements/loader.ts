// The agreements folder, live: every `<project id>.json` in it is read, validated (./validate.ts) and, when good, put
// in force with a version (1, 2, …; the same content keeps its version). A bad file never takes effect: the last good
// version of that project stays in force and the problem is reported; the other files load. The folder is watched
// (fs.watch, debounced; every change rescans the folder, so an editor that writes a temporary file and renames it
// into place is seen as one change), so edits take effect without a restart. Removing a file withdraws its
// project's agreement: nothing is in force for it until the file is back (fail closed).
import { createHash, randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { bestEffort, inBackground, settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { describeProblem } from './json-locations.ts';
import type { AgreementProblem } from './json-locations.ts';
import type { Agreement } from './schema.ts';
import { projectIdOfFile, validateAgreementText } from './validate.ts';
import type { AgreementLookups } from './validate.ts';
import type { AcceptedAgreement, AgreementVersionStore } from './versions.ts';

export interface AgreementInForce {
  readonly projectId: string;
  readonly version: number;
  readonly agreement: Agreement;
}

/** A file that could not take effect: every problem, located, and a message that lists them. */
export class AgreementFileError extends EnclaveError {
  readonly file: string;
  readonly problems: readonly AgreementProblem[];
  constructor(file: string, problems: readonly AgreementProblem[]) {
    super('invalid_input', problems.map(describeProblem).join('\n'));
    this.name = 'AgreementFileError';
    this.file = file;
    this.problems = problems;
  }
}

/**
 * What the audit log and the admin's screen hear about: a new version in force, a file that was refused (the
 * version in force, if any, stays), or an agreement withdrawn because its file was removed.
 */
export type AgreementChange =
  | { readonly projectId: string; readonly version: number; readonly agreement: Agreement }
  | { readonly projectId: string; readonly error: AgreementFileError }
  | { readonly projectId: string; readonly withdrawn: true; readonly version: number };

export interface AgreementLoader {
  /** The agreements folder the loader reads (the admins' screen says where to edit them). */
  readonly dir: string;
  /** The agreement in force for a project, or undefined when none is. */
  get(projectId: string): AgreementInForce | undefined;
  all(): AgreementInForce[];
  /** Files that are refused now, by project (the project may still have an earlier version in force). */
  problems(): ReadonlyMap<string, AgreementFileError>;
  /** Reads the folder again now (the watcher does this by itself); resolves once every change has taken effect. */
  reload(): Promise<void>;
  /**
   * Validates `text` as the project's agreement and, only if it is good, writes it into place (a temporary file
   * renamed over the old one) and puts it in force. For edits made on the platform's own screens (issue 18).
   */
  save(options: {
    projectId: string;
    text: string;
  }): Promise<{ ok: true; inForce: AgreementInForce } | { ok: false; error: AgreementFileError }>;
  /** Stops watching; resolves once any reading under way has finished. */
  stop(): Promise<void>;
}

export interface AgreementLoaderOptions {
  /** The agreements folder. */
  dir: string;
  lookups: AgreementLookups;
  versions: AgreementVersionStore;
  onChange?: (change: AgreementChange) => void;
  /** Where a failure to read the folder itself goes (a log line); by default, standard error. */
  onFailure?: (error: unknown) => void;
  /** Watch the folder (default true); false: only `reload()` reads it again. */
  watch?: boolean;
  /** How long the folder must be quiet before it is read again (default 200 ms). */
  debounceMs?: number;
  /** The clock for `acceptedAt`. */
  now?: () => Date;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Agreement files: `*.json`, not hidden (editors' swap and lock files, our own temporary files, start with a dot). */
const isAgreementFile = (name: string): boolean => name.endsWith('.json') && !name.startsWith('.');

/** Reads the folder once, starts watching it, and returns the loader. */
export async function openAgreements(options: AgreementLoaderOptions): Promise<AgreementLoader> {
  const { dir, lookups, versions } = options;
  const onChange = options.onChange ?? (() => undefined);
  const onFailure = options.onFailure ?? ((error: unknown) => process.stderr.write(`Agreements in ${dir}: ${String(error)}\n`));
  const now = options.now ?? (() => new Date());
  const debounceMs = options.debounceMs ?? 200;

  const accepted = new Map(await versions.readAll());
  const inForce = new Map<string, AgreementInForce & { readonly sha256: string }>();
  const refused = new Map<string, AgreementFileError>();
  /** The content last looked at per file name: unchanged content is not validated or reported again. */
  const lastSeen = new Map<string, string>();

  const validate = (fileName: string, text: string) => validateAgreementText({ fileName, text, lookups });

  /** Puts validated text in force, giving it the next version unless it is the accepted content already. */
  const accept = async (options: {
    projectId: string;
    agreement: Agreement;
    text: string;
  }): Promise<{ inForce: AgreementInForce; isNew: boolean }> => {
    const { projectId, agreement, text } = options;
    const hash = sha256(text);
    const previous = accepted.get(projectId);
    const isNew = previous?.sha256 !== hash;
    const version = isNew ? (previous?.version ?? 0) + 1 : previous.version;
    if (isNew) {
      const record: AcceptedAgreement = { version, sha256: hash, text, acceptedAt: now().toISOString() };
      // Recorded before it takes effect: a version that could not be kept is never handed out.
      await versions.record(projectId, record);
      accepted.set(projectId, record);
    }
    inForce.set(projectId, { projectId, version, agreement, sha256: hash });
    return { inForce: { projectId, version, agreement }, isNew };
  };

  /** At start-up, a bad file's last accepted text stays in force, if it still passes today's checks. */
  const restoreAccepted = async (projectId: string, fileName: string): Promise<void> => {
    const record = accepted.get(projectId);
    if (record === undefined || inForce.has(projectId)) return;
    const result = await validate(fileName, record.text);
    if (result.ok) inForce.set(projectId, { projectId, version: record.version, agreement: result.agreement, sha256: record.sha256 });
  };

  const readFolder = async (): Promise<Map<string, string>> => {
    const texts = new Map<string, string>();
    for (const name of (await readdir(dir)).filter(isAgreementFile).sort()) {
      try {
        texts.set(name, await readFile(path.join(dir, name), 'utf8'));
      } catch (err) {
        // Gone between listing and reading (a rename in progress): the watcher reports the change that follows.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return texts;
  };

  const scan = async (startUp: boolean): Promise<void> => {
    const texts = await readFolder();
    const present = new Set<string>();
    for (const [fileName, text] of texts) {
      const projectId = projectIdOfFile(fileName) ?? fileName.slice(0, -'.json'.length);
      present.add(projectId);
      if (lastSeen.get(fileName) === text) continue;
      const result = await validate(fileName, text);
      if (!result.ok) {
        const error = new AgreementFileError(fileName, result.problems);
        if (startUp) await restoreAccepted(projectId, fileName);
        refused.set(projectId, error);
        lastSeen.set(fileName, text);
        onChange({ projectId, error });
        continue;
      }
      const before = inForce.get(projectId);
      let after: { inForce: AgreementInForce; isNew: boolean };
      try {
        after = await accept({ projectId, agreement: result.agreement, text });
      } catch (err) {
        const message = err instanceof EnclaveError ? err.message : 'could not be recorded, so it did not take effect';
        const error = new AgreementFileError(fileName, [{ file: fileName, line: 1, column: 1, path: '', message }]);
        refused.set(projectId, error);
        onChange({ projectId, error });
        continue;
      }
      lastSeen.set(fileName, text);
      const wasRefused = refused.delete(projectId);
      // At start-up only news is told (a new version, a refusal cleared); afterwards also an agreement back in force.
      const changed = !startUp && before?.version !== after.inForce.version;
      if (after.isNew || wasRefused || changed) onChange(after.inForce);
    }
    for (const fileName of [...lastSeen.keys()]) if (!texts.has(fileName)) lastSeen.delete(fileName);
    for (const projectId of [...refused.keys()]) if (!present.has(projectId)) refused.delete(projectId);
    for (const [projectId, entry] of [...inForce]) {
      if (present.has(projectId)) continue;
      inForce.delete(projectId);
      onChange({ projectId, withdrawn: true, version: entry.version });
    }
  };

  // One reading at a time; a change during a reading asks for one more after it.
  let running: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const next = running.then(work);
    running = settled(next);
    return next;
  };

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      inBackground(
        enqueue(() => scan(false)),
        onFailure,
      );
    }, debounceMs);
  };
  try {
    await readdir(dir);
  } catch {
    throw new EnclaveError('unavailable', `The agreements folder ${dir} is missing or cannot be read.`);
  }
  if (options.watch ?? true) {
    // Watching starts before the first reading, so a change made during it is not missed.
    watcher = watch(dir, { persistent: false }, schedule);
    watcher.on('error', onFailure);
  }
  await enqueue(() => scan(true));

  return {
    dir,
    get: (projectId) => strip(inForce.get(projectId)),
    all: () => [...inForce.values()].map((entry) => strip(entry) as AgreementInForce),
    problems: () => new Map(refused),
    reload: () => enqueue(() => scan(false)),
    save: async ({ projectId, text }) => {
      const fileName = `${projectId}.json`;
      const result = await validate(fileName, text);
      if (!result.ok) return { ok: false, error: new AgreementFileError(fileName, result.problems) };
      const temporary = path.join(dir, `.${fileName}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
        await rename(temporary, path.join(dir, fileName));
      } catch {
        await bestEffort(rm(temporary, { force: true }));
        const message = `could not be written to the agreements folder ${dir}`;
        return { ok: false, error: new AgreementFileError(fileName, [{ file: fileName, line: 1, column: 1, path: '', message }]) };
      }
      await enqueue(() => scan(false));
      const entry = inForce.get(projectId);
      const error = refused.get(projectId);
      if (error !== undefined || entry?.sha256 !== sha256(text)) {
        return {
          ok: false,
          error:
            error ??
            new AgreementFileError(fileName, [
              { file: fileName, line: 1, column: 1, path: '', message: 'was changed again while it was being saved' },
            ]),
        };
      }
      return { ok: true, inForce: strip(entry) as AgreementInForce };
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      watcher?.close();
      await running;
    },
  };
}

function strip(entry: (AgreementInForce & { sha256: string }) | undefined): AgreementInForce | undefined {
  return entry === undefined ? undefined : { projectId: entry.projectId, version: entry.version, agreement: entry.agreement };
}
