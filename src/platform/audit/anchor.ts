// The audit log's anchor: a file outside the database (DIR/identity/audit-anchor.jsonl) to which every append adds
// {"seq":N,"hash":"…","mac":"…"}, the MAC under the audit key. Every anchored event must be in the database with
// that hash, so truncating the log, deleting every event or replacing the table is seen, and so is a log cut back
// and written again from there (two lines for one number). Several processes may append (a CLI command beside
// `serve`), so lines can arrive out of order: readers take the highest seq, never the last line.
import { createHmac } from 'node:crypto';
import { open, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const AUDIT_ANCHOR_FILE = 'audit-anchor.jsonl';

export interface AnchorHead {
  readonly seq: number;
  readonly hash: string;
}

export interface AnchorReading {
  readonly file: string;
  readonly exists: boolean;
  /** Lines whose MAC holds. */
  readonly heads: readonly AnchorHead[];
  /** What is wrong with other lines, for the report ("line 4 is not an anchor the platform wrote"). */
  readonly problems: readonly string[];
}

const AnchorLineSchema = z
  .object({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/), mac: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict();

/** The MAC is over the line without it, behind a label so that no event's MAC can pass for an anchor's. */
function anchorMac(key: Buffer, head: AnchorHead): string {
  return createHmac('sha256', key)
    .update(`enclave audit anchor\n${JSON.stringify({ seq: head.seq, hash: head.hash })}`, 'utf8')
    .digest('hex');
}

/** The head a line names, when the platform wrote it (its MAC holds under the key); null otherwise. */
function parseLine(line: string, key: Buffer): AnchorHead | null {
  let parsed;
  try {
    parsed = AnchorLineSchema.safeParse(JSON.parse(line));
  } catch {
    return null;
  }
  if (!parsed.success || parsed.data.mac !== anchorMac(key, parsed.data)) return null;
  return { seq: parsed.data.seq, hash: parsed.data.hash };
}

/** Appends one line (0600, append-only) and waits until it is on disk. */
export async function appendAnchor(options: { file: string; key: Buffer; head: AnchorHead }): Promise<void> {
  const { seq, hash } = options.head;
  const line = Buffer.from(`${JSON.stringify({ seq, hash, mac: anchorMac(options.key, options.head) })}\n`, 'utf8');
  const handle = await open(options.file, 'a', 0o600);
  try {
    // One write of a short line with O_APPEND: lines from several processes never mix within a line.
    const { bytesWritten } = await handle.write(line);
    if (bytesWritten !== line.length) throw new Error('short write to the audit anchor');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function readAnchors(options: { file: string; key: Buffer | null }): Promise<AnchorReading> {
  const { file, key } = options;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, heads: [], problems: [] };
    return { file, exists: true, heads: [], problems: ['cannot be read'] };
  }
  const lines = text.split('\n');
  // A last line without its newline is a write cut short by a crash: not an anchor, and not a sign of tampering.
  lines.pop();
  if (key === null) {
    return {
      file,
      exists: true,
      heads: [],
      problems: lines.some((line) => line !== '') ? ['cannot be checked: the audit key is missing'] : [],
    };
  }
  const heads: AnchorHead[] = [];
  const problems: string[] = [];
  lines.forEach((line, index) => {
    const head = parseLine(line, key);
    if (head === null) problems.push(`line ${index + 1} is not an anchor the platform wrote`);
    else heads.push(head);
  });
  return { file, exists: true, heads, problems };
}

/** The highest anchored event. */
export function highestAnchor(heads: readonly AnchorHead[]): AnchorHead | null {
  let head: AnchorHead | null = null;
  for (const candidate of heads) if (head === null || candidate.seq > head.seq) head = candidate;
  return head;
}

/**
 * The highest head in the anchor file, read as it grows: each call reads only the lines appended since the last
 * one (the file is append-only), so an append can check the anchor without reading the whole file each time. A
 * file that shrank or was replaced (a superseded anchor) is read again from its start.
 */
export interface AnchorFollower {
  highest(): Promise<AnchorHead | null>;
}

export function followAnchor(options: { file: string; key: Buffer }): AnchorFollower {
  const { file, key } = options;
  let identity: { dev: number; ino: number } | null = null;
  let offset = 0;
  let head: AnchorHead | null = null;
  return {
    async highest() {
      let handle;
      try {
        handle = await open(file, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        identity = null;
        offset = 0;
        head = null;
        return null;
      }
      try {
        const { dev, ino, size } = await handle.stat();
        if (identity === null || identity.dev !== dev || identity.ino !== ino || size < offset) {
          identity = { dev, ino };
          offset = 0;
          head = null;
        }
        if (size === offset) return head;
        const chunk = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        // Only whole lines: a line still being written is read next time.
        const end = chunk.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
        for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) {
          const named = line === '' ? null : parseLine(line, key);
          if (named !== null && (head === null || named.seq > head.seq)) head = named;
        }
        offset += end;
        return head;
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * Moves the anchor aside when a broken log is accepted: the anchor starts again at the acceptance, and the old
 * file is kept beside it for whoever investigates. Returns the old file's new name, or null when there was none.
 */
export async function supersedeAnchor(options: { file: string; acceptedAt: number }): Promise<string | null> {
  if (
    !(await stat(options.file).then(
      () => true,
      () => false,
    ))
  )
    return null;
  const parsed = path.parse(options.file);
  const target = path.join(parsed.dir, `${parsed.name}.before-${options.acceptedAt}-${Date.now()}${parsed.ext}`);
  await rename(options.file, target);
  return target;
}
