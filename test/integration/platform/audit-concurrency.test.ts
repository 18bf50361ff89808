// Several processes append to one audit log at once (a CLI command beside `serve`): none of their events is
// lost, the chain stays whole and every event is anchored. SQLite's default deferred BEGIN lost most of them to
// "database is locked" (FACTS.md); the log's writes take the write lock first (BEGIN IMMEDIATE).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditDir, openAudit, verifyDir, type AuditDir } from './audit-support.ts';

const CHILD = fileURLToPath(new URL('./audit-append-child.ts', import.meta.url));
const PROCESSES = 4;
const EACH = 100;

let dir: AuditDir;

beforeEach(async () => {
  dir = await createAuditDir();
  // Migrated and keyed once, before the writers start.
  await (await openAudit(dir)).close();
});

afterEach(async () => {
  await dir.cleanup();
});

interface Writer {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

function startWriter(label: string): Writer {
  const child = spawn(process.execPath, [CHILD, dir.dataDir, label, String(EACH)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => line === 'ready' && resolve());
    child.once('exit', () => reject(new Error(`writer ${label} exited before it was ready: ${stderr}`)));
  });
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  return { child, ready, exited };
}

describe('appends from several processes', () => {
  it(`stores all ${PROCESSES} × ${EACH} events, chained and anchored`, async () => {
    const writers = Array.from({ length: PROCESSES }, (_, i) => startWriter(`writer-${i}`));
    try {
      await Promise.all(writers.map((writer) => writer.ready));
      for (const writer of writers) writer.child.stdin!.end('go\n');
      const results = await Promise.all(writers.map((writer) => writer.exited));
      for (const result of results) expect(result.code, result.stderr).toBe(0);
    } finally {
      for (const writer of writers) writer.child.kill('SIGKILL');
    }
    const raw = new DatabaseSync(dir.file, { readOnly: true });
    const perWriter = raw.prepare('SELECT actor, count(*) AS n FROM audit_events GROUP BY actor ORDER BY actor').all();
    raw.close();
    expect(perWriter).toEqual(Array.from({ length: PROCESSES }, (_, i) => ({ actor: `writer-${i}`, n: EACH })));
    const anchored = (await readFile(dir.anchorFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect([...anchored].sort((a, b) => a - b)).toEqual(Array.from({ length: PROCESSES * EACH }, (_, i) => i + 1));
    const run = await verifyDir(dir);
    expect(run.stdout).toMatch(new RegExp(`^intact \\(${PROCESSES * EACH} events, head ${PROCESSES * EACH} `));
    expect(run.code).toBe(0);
  }, 120_000);
});
