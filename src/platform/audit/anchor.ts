// The audit log's anchor: a file outside the database (DIR/identity/audit-anchor.jsonl) to which every append adds
// {"seq":N,"hash":"…","mac":"…"}, the MAC under the audit key. The highest anchored event must be in the database
// with that hash, so truncating the log, deleting every event or replacing the table is seen. Several processes
// may append (a CLI command beside `serve`), so lines can arrive out of order: readers take the highest seq,
// never the last line.
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
    const parsed = (() => {
      try {
        return AnchorLineSchema.safeParse(JSON.parse(line));
      } catch {
        return null;
      }
    })();
    if (parsed?.success !== true || parsed.data.mac !== anchorMac(key, parsed.data)) {
      problems.push(`line ${index + 1} is not an anchor the platform wrote`);
      return;
    }
    heads.push({ seq: parsed.data.seq, hash: parsed.data.hash });
  });
  return { file, exists: true, heads, problems };
}

/** The highest anchored event, and whether the file names that number with two different hashes. */
export function highestAnchor(heads: readonly AnchorHead[]): { head: AnchorHead | null; conflicting: boolean } {
  let head: AnchorHead | null = null;
  for (const candidate of heads) if (head === null || candidate.seq > head.seq) head = candidate;
  const conflicting = head !== null && heads.some((other) => other.seq === head.seq && other.hash !== head.hash);
  return { head, conflicting };
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
