// Several processes append to one audit log at once (a CLI command beside `serve`, or several instances of the platform
// on one PostgreSQL): none of their events is lost, the chain stays whole and every event is anchored. On SQLite the
// default deferred BEGIN lost most of them to "database is locked", and on PostgreSQL READ COMMITTED without a lock
// lost 357 of 800 to duplicate keys (FACTS.md); the log's writes take the write lock first (BEGIN IMMEDIATE, or
// pg_advisory_xact_lock as the transaction's first statement).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ANCHOR_FILE } from '../../../src/platform/audit/anchor.ts';
import { openAuditLog } from '../../../src/platform/audit/audit-log.ts';
import { hashPassword } from '../../../src/platform/identity/passwords.ts';
import { openMetadataStore } from '../../../src/platform/store/metadata-store.ts';
import { storeEngines, type StoreUnderTest } from '../../support/store-engines.ts';
import { auditDirIn, verifyDir } from './audit-support.ts';

const CHILD = fileURLToPath(new URL('./audit-append-child.ts', import.meta.url));
const PROCESSES = 4;
const EACH = 200;

interface Writer {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

describe.each(storeEngines())('appends from several processes on $name', (engine) => {
  let under: StoreUnderTest;

  const storeArgument = (): string =>
    under.location.postgres === undefined ? `sqlite:${under.location.file}` : `postgres:${under.location.postgres.url}`;

  async function openLog() {
    const store = await openMetadataStore({ ...under.location, seed: { demo: null, catalogue: [] }, hashPassword });
    const audit = await openAuditLog({ db: store.database, folder: under.auditFolder }).catch(async (err: unknown) => {
      await store.close();
      throw err;
    });
    return { store, audit };
  }

  beforeEach(async () => {
    under = await engine.create('audit');
    // Migrated and keyed once, before the writers start.
    await (await openLog()).store.close();
  });

  afterEach(async () => {
    await under.cleanup();
  });

  function startWriter(label: string): Writer {
    const child = spawn(process.execPath, [CHILD, under.auditFolder, label, String(EACH), storeArgument()], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
    const perWriter = await under.raw('SELECT actor, count(*) AS n FROM audit_events GROUP BY actor ORDER BY actor');
    expect(perWriter.map((row) => ({ actor: row.actor, n: Number(row.n) }))).toEqual(
      Array.from({ length: PROCESSES }, (_, i) => ({ actor: `writer-${i}`, n: EACH })),
    );
    const anchored = (await readFile(path.join(under.auditFolder, AUDIT_ANCHOR_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect([...anchored].sort((a, b) => a - b)).toEqual(Array.from({ length: PROCESSES * EACH }, (_, i) => i + 1));
    const { store, audit } = await openLog();
    try {
      expect(await audit.verify()).toMatchObject({ intact: true, events: PROCESSES * EACH, problems: [] });
    } finally {
      await store.close();
    }
    if (engine.name === 'sqlite') {
      // And `enclave audit verify`, reading the files beside no running platform.
      const run = await verifyDir(auditDirIn(under.dataDir));
      expect(run.stdout).toMatch(new RegExp(`^intact \\(${PROCESSES * EACH} events, head ${PROCESSES * EACH} `));
      expect(run.code).toBe(0);
    }
  }, 180_000);
});
