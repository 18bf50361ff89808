// Whether a local file of the drive is open for writing by a program of this person's (issue 17): the sync engine
// never uploads a file half-written, and never replaces, renames or deletes a file someone is saving. On Linux the
// answer is exact: /proc/<pid>/fd links to the file, with O_WRONLY or O_RDWR in /proc/<pid>/fdinfo/<fd> (other users'
// processes are unreadable, and are none of this person's programs). Elsewhere a settle time stands in: a file whose
// size or modification time changed within the last few seconds is taken to be still being written.
import type { BigIntStats } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import process from 'node:process';

/** The O_ACCMODE bits of an open file's flags: 1 is O_WRONLY, 2 is O_RDWR. */
const ACCESS_MODE = 0o3;

export interface WriterProbe {
  /** Whether the file at this absolute path is open for writing now (or, without /proc, changed too recently). */
  isOpenForWriting(file: string, stats: BigIntStats | null): Promise<boolean>;
  /** Forgets what it read (each pass starts with a fresh look). */
  reset(): void;
}

/** The absolute paths open for writing by any process whose descriptors this user may read. */
export async function filesOpenForWriting(procRoot = '/proc', under?: string): Promise<Set<string>> {
  const open = new Set<string>();
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return open;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // another user's process, or one that has ended
    }
    for (const fd of fds) {
      try {
        const target = await readlink(`${procRoot}/${pid}/fd/${fd}`);
        if (!target.startsWith('/') || (under !== undefined && !target.startsWith(under))) continue;
        const info = await readFile(`${procRoot}/${pid}/fdinfo/${fd}`, 'utf8');
        const flags = /^flags:\s*([0-7]+)/m.exec(info);
        if (flags && (Number.parseInt(flags[1] ?? '0', 8) & ACCESS_MODE) !== 0) open.add(target);
      } catch {
        continue; // closed meanwhile
      }
    }
  }
  return open;
}

/**
 * Reads /proc once for a short while (`maxAgeMs`): a pass asks about many files, and a scan of every process's
 * descriptors is the costly part.
 */
export function createProcWriterProbe(options: { root: string; maxAgeMs?: number; now?: () => number; procRoot?: string }): WriterProbe {
  const maxAgeMs = options.maxAgeMs ?? 1000;
  const now = options.now ?? Date.now;
  let snapshot: { at: number; open: Promise<Set<string>> } | null = null;
  return {
    async isOpenForWriting(file) {
      if (snapshot === null || now() - snapshot.at > maxAgeMs) {
        snapshot = { at: now(), open: filesOpenForWriting(options.procRoot, options.root) };
      }
      return (await snapshot.open).has(file);
    },
    reset() {
      snapshot = null;
    },
  };
}

/** Without /proc: a file changed within `settleMs` is taken to be open for writing (its writer may not have finished). */
export function createSettleWriterProbe(options: { settleMs?: number; now?: () => number }): WriterProbe {
  const settleMs = options.settleMs ?? 3000;
  const now = options.now ?? Date.now;
  return {
    async isOpenForWriting(_file, stats) {
      if (stats === null) return false;
      const changedAt = Number(stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs) / 1e6;
      const age = now() - changedAt;
      return age >= 0 && age < settleMs;
    },
    reset() {
      // Nothing kept between calls.
    },
  };
}

/** The probe for this operating system. */
export function createWriterProbe(options: { root: string }): WriterProbe {
  return process.platform === 'linux' ? createProcWriterProbe({ root: options.root }) : createSettleWriterProbe({});
}
