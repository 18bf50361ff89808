// The operator's host commands on a PostgreSQL metadata store, as an operator runs them: real `enclave` processes beside
// a real `enclave platform serve`, all as the app role that `enclave platform migrate --app-role` set up, on the run's
// cluster. A production platform's first person comes from `platform user add` named by the environment
// (ENCLAVE_DATABASE_URL, ENCLAVE_DATABASE_PASSWORD_FILE) on a data folder with no metadata.sqlite, and serve then knows
// them; `suspend-user` written to the database makes the running serve refuse them; `query`, `access-report` and
// `drives set` read and write the database; a metadata.sqlite left in the folder is neither read nor written; `audit
// verify` reads the database's log (intact, then the owner's edit under a disabled trigger, with the very token serve's
// refusal names). The boundary: a password in the URL or in a file others can read, the owner's role, and a database
// a migration is pending on are each refused, changing nothing. SATRE 2.6.04 (rapid incident response), 2.2.14 (which
// data was accessed, and by whom), 1.5.06 (changes to the records strictly controlled).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../../src/cli/audit.ts';
import { runIncidentCommand } from '../../../src/cli/platform-incidents.ts';
import { runPlatformDrives } from '../../../src/cli/platform-drives.ts';
import { runPlatformQuery } from '../../../src/cli/platform-query.ts';
import { runPlatformUser } from '../../../src/cli/platform-user.ts';
import { openPlatformRecords } from '../../../src/platform/records.ts';
import { createAppRoleStore, type AppRoleStore } from '../../support/postgres-app-store.ts';
import { postgresCluster, superuserClient, tcpUrl } from '../../support/postgres.ts';
import { makePrivate } from '../../support/private-tree.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));
const cluster = postgresCluster();

interface Running {
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

/** `enclave …` in a process of its own, with the environment given (and nothing of the test's ENCLAVE_ settings). */
function start(args: readonly string[], env: Record<string, string> = {}): Running {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ENCLAVE_')));
  const child = spawn(process.execPath, [ENCLAVE, ...args], {
    cwd: path.dirname(ENCLAVE),
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return {
    exited: once(child, 'close').then(([code]) => code as number | null),
    stdout: () => out,
    stderr: () => err,
    kill: (signal) => child.kill(signal),
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function enclave(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const run = start(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** A command in this process, with the test's own streams (for the refusals, where no process start is needed). */
async function inProcess(command: (io: { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough }) => Promise<number>): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await command({ stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

/** Every file under the folder with its bytes' sha256: what "changes nothing" is checked against. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(folder, file)] = entry.isFile()
      ? createHash('sha256')
          .update(await readFile(file))
          .digest('hex')
      : 'folder';
  }
  return out;
}

/** Asks until `check` answers true or `withinMs` passes; answers the last result and when. */
async function within<T>(withinMs: number, ask: () => Promise<T>, check: (value: T) => boolean): Promise<{ value: T; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await ask();
    const afterMs = Date.now() - started;
    if (check(value) || afterMs > withinMs) return { value, afterMs };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(cluster === null)('the operator’s host commands on a PostgreSQL store', () => {
  let fixture: PlatformFixture;
  let store: AppRoleStore;
  let dataDir: string;
  let serve: Running | undefined;
  let base: string;

  const count = async (table: string, where = 'true', params: unknown[] = []): Promise<number> =>
    Number((await store.raw(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params))[0]?.n);

  beforeAll(async () => {
    fixture = await createPlatformFixture();
    dataDir = fixture.dataDir;
    // serve refuses a data folder other users can open.
    await makePrivate(dataDir);
    store = await createAppRoleStore(cluster!, { demo: true, dataDir });
  });

  afterAll(async () => {
    serve?.kill('SIGKILL');
    await serve?.exited;
    await store?.cleanup();
    await fixture?.cleanup();
  });

  async function startServe(): Promise<void> {
    // The public URL gives the issuer the tests' tokens name; the process listens on a port of its own.
    serve = start(['platform', 'serve', '--data-dir', dataDir, '--port', '0', '--public-url', TEST_PUBLIC_URL, ...store.flags]);
    while (!serve.stdout().includes('\n')) {
      const outcome = await Promise.race([
        new Promise((resolve) => setTimeout(resolve, 50)).then(() => 'wait'),
        serve.exited.then(() => 'exit'),
      ]);
      if (outcome === 'exit') throw new Error(`serve exited early: ${serve.stderr()}`);
    }
    const line = JSON.parse(serve.stdout().split('\n')[0]) as { url: string; listeningOn?: string };
    base = line.listeningOn ?? line.url;
  }

  async function me(sub: string): Promise<{ status: number; body: { id?: string; error?: { code: string } } }> {
    const token = await mintAccessToken({ dataDir, sub, issuedAtOffset: 2 });
    const answer = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    return { status: answer.status, body: (await answer.json()) as { id?: string; error?: { code: string } } };
  }

  it('adds a person through the environment to a folder with no metadata.sqlite, and serve then knows them', async () => {
    await expect(readdir(dataDir)).resolves.not.toContain('metadata.sqlite');
    const added = await enclave(
      ['platform', 'user', 'add', '--data-dir', dataDir, '--subject', 'nia-new', '--role', 'analyst', '--name', 'Nia New'],
      store.env,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Added Nia New (nia-new) as analyst');
    expect(await readdir(dataDir)).not.toContain('metadata.sqlite');
    expect(await store.raw('SELECT id, display_name, created_by FROM users WHERE id = $1', ['nia-new'])).toEqual([
      { id: 'nia-new', display_name: 'Nia New', created_by: `operator:${os.userInfo().username}` },
    ]);
    expect(await count('audit_events', "type = 'user.added'")).toBe(1);

    await startServe();
    const answer = await me('nia-new');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ id: 'nia-new' });
  });

  it('suspends a person in the database: the running serve refuses their next call within 2 s', async () => {
    expect((await me('demo-analyst-2')).status).toBe(200);
    const suspended = await enclave([
      ...['platform', 'suspend-user', '--data-dir', dataDir, '--user', 'demo-analyst-2', '--reason', 'Laptop reported stolen'],
      ...store.flags,
    ]);
    expect(suspended.code, suspended.stderr).toBe(0);
    expect(await count('restrictions', "kind = 'user_suspended' AND target = 'demo-analyst-2' AND lifted_at IS NULL")).toBe(1);
    const refused = await within(
      2_000,
      () => me('demo-analyst-2'),
      (answer) => answer.status === 403,
    );
    expect(refused.value).toMatchObject({ status: 403, body: { error: { code: 'suspended' } } });
    expect(refused.afterMs).toBeLessThanOrEqual(2_000);
    const listed = await enclave(['platform', 'incidents', '--data-dir', dataDir, ...store.flags]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('person suspended: demo-analyst-2');
  });

  it('runs a query and an access report from the database, each audited there', async () => {
    const queries = await count('audit_events', "type = 'query.run'");
    const query = await enclave([
      ...['platform', 'query', '--data-dir', dataDir, '--as', 'demo-analyst', '--project', 'covid-outcomes'],
      ...['--sql', 'SELECT sex, count(*) AS n FROM patients GROUP BY sex ORDER BY sex', '--format', 'json'],
      ...store.flags,
    ]);
    expect(query.code, query.stderr).toBe(0);
    const rows = JSON.parse(query.stdout) as Array<{ sex: string; n: number }>;
    expect(rows.reduce((sum, row) => sum + row.n, 0)).toBeGreaterThan(0);
    expect(await count('audit_events', "type = 'query.run'")).toBe(queries + 1);

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const report = await enclave([
      ...['platform', 'access-report', '--data-dir', dataDir, '--user', 'demo-analyst', '--from', from, '--to', to],
      ...store.flags,
    ]);
    expect(report.code, report.stderr).toBe(0);
    const entries = (JSON.parse(report.stdout) as { entries: Array<{ activity: string; projectId: string | null }> }).entries;
    expect(entries.filter((entry) => entry.activity === 'query' && entry.projectId === 'covid-outcomes')).toHaveLength(1);
    expect(await count('audit_events', "type = 'audit.access_report'")).toBe(1);
  });

  it('sets a drive and moves every drive’s epoch on, in the database', async () => {
    const set = await inProcess((io) =>
      runPlatformDrives(
        [
          ...['set', '--data-dir', dataDir, '--project', 'covid-outcomes', '--keep-versions', '4'],
          ...['--reason', 'Agreed with the data controller.', ...store.flags],
        ],
        io,
      ),
    );
    expect(set.code, set.stderr).toBe(0);
    expect(await store.raw('SELECT keep_versions FROM drives WHERE project_id = $1', ['covid-outcomes'])).toEqual([{ keep_versions: 4 }]);
    expect(await count('audit_events', "type = 'drive.settings_changed'")).toBe(1);

    const epochs = async (): Promise<number[]> =>
      (await store.raw('SELECT epoch FROM drives ORDER BY project_id')).map((row) => Number(row.epoch));
    const before = await epochs();
    expect(before.length).toBeGreaterThan(0);
    const restored = await inProcess((io) =>
      runPlatformDrives(['restored', '--data-dir', dataDir, '--reason', 'Restored from last night’s backup.', ...store.flags], io),
    );
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`${before.length} drive`);
    expect(await epochs()).toEqual(before.map((epoch) => epoch + 1));
  });

  it('neither reads nor writes a metadata.sqlite left in the folder: the database wins', async () => {
    // A SQLite store made elsewhere and left in the data folder, as after a move to PostgreSQL.
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'enclave-stray-'));
    try {
      const stray = await openPlatformRecords({ file: path.join(elsewhere, 'metadata.sqlite'), seed: { demo: null, catalogue: [] } });
      await stray.close();
      await copyFile(path.join(elsewhere, 'metadata.sqlite'), path.join(dataDir, 'metadata.sqlite'));
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
    const file = path.join(dataDir, 'metadata.sqlite');
    const before = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    const added = await inProcess((io) =>
      runPlatformUser(['add', '--data-dir', dataDir, '--subject', 'omar-other', '--role', 'analyst', ...store.flags], io),
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(`${file} is not used: the platform's records are in postgres://${store.app}@`);
    expect(await count('users', 'id = $1', ['omar-other'])).toBe(1);
    const verified = await enclave(['audit', 'verify', '--data-dir', dataDir, ...store.flags]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`intact (${await count('audit_events')} events`);
    expect(verified.stderr).toContain(`${file} was not read`);
    expect(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    ).toBe(before);
    expect((await readdir(dataDir)).filter((name) => name.startsWith('metadata.sqlite'))).toEqual(['metadata.sqlite']);
    await rm(file);
  });

  it('refuses, changing nothing: a password in the URL or in a file others can read, the owner role, a pending migration, the wrong folder', async () => {
    const events = await count('audit_events');
    const users = await count('users');
    const folder = await mkdtemp(path.join(os.tmpdir(), 'enclave-attack-'));
    const admin = await superuserClient(cluster!);
    const empty = `${store.databaseName}_empty`;
    try {
      await admin.query(`CREATE DATABASE ${empty} OWNER ${store.owner}`);
      const password = (await readFile(store.passwordFile, 'utf8')).trim();
      const open = path.join(folder, 'open.password');
      await writeFile(open, password, { mode: 0o644 });
      const add = (flags: readonly string[], dir = dataDir) =>
        inProcess((io) => runPlatformUser(['add', '--data-dir', dir, '--subject', 'mallory', '--role', 'admin', ...flags], io));

      const inUrl = await add(['--database-url', store.url.replace(`${store.app}@`, `${store.app}:${password}@`)]);
      expect(inUrl.code).toBe(2);
      expect(inUrl.stderr).toContain('The database URL holds a password');
      expect(inUrl.stderr).not.toContain(password);
      const readable = await add(['--database-url', store.url, '--database-password-file', open]);
      expect(readable.code).toBe(2);
      expect(readable.stderr).toContain(`The database password file ${open} can be read by other users`);
      const alone = await add(['--database-password-file', store.passwordFile]);
      expect(alone.code).toBe(2);
      expect(alone.stderr).toContain('go with --database-url');
      const unchecked = await add(['--database-url', `${store.url}?sslmode=require`, '--database-password-file', store.passwordFile]);
      expect(unchecked.code).toBe(2);
      expect(unchecked.stderr).toContain('sslmode=require does not check');

      // The owner could rewrite the audit log: refused as serve refuses it, by every command that writes.
      const asOwner = await add(store.ownerFlags);
      expect(asOwner.code).toBe(1);
      expect(asOwner.stderr).toContain(`The database role ${store.owner} owns audit_events`);
      const suspendAsOwner = await inProcess((io) =>
        runIncidentCommand(
          'suspend-user',
          ['--data-dir', dataDir, '--user', 'demo-analyst', '--reason', 'Looks wrong', ...store.ownerFlags],
          io,
        ),
      );
      expect(suspendAsOwner.code).toBe(1);
      expect(suspendAsOwner.stderr).toContain('could rewrite the audit log');

      // A database no migration has run on: refused, and left empty.
      const pendingUrl = tcpUrl(cluster!, empty, store.app);
      const pending = await add([
        '--database-url',
        pendingUrl,
        '--database-password-file',
        store.passwordFile,
        '--identity-keys-dir',
        store.keysFolder,
      ]);
      expect(pending.code).toBe(1);
      expect(pending.stderr).toMatch(/is not up to date \(pending: 0001_initial, .*\)\. Run `enclave platform migrate`/);
      const query = await inProcess((io) =>
        runPlatformQuery(
          [
            ...['--data-dir', dataDir, '--as', 'demo-analyst', '--project', 'covid-outcomes', '--sql', 'SELECT 1 AS x'],
            ...['--database-url', pendingUrl, '--database-password-file', store.passwordFile, '--identity-keys-dir', store.keysFolder],
          ],
          io,
        ),
      );
      expect(query.code).toBe(1);
      expect(query.stderr).toContain('is not up to date');
      const emptyDb = await superuserClient(cluster!, empty);
      try {
        expect((await emptyDb.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).rows).toEqual([]);
      } finally {
        await emptyDb.end();
      }

      // A folder that is not serve's: it lacks the anchor of the database's log, so nothing is written.
      const wrongFolder = await add(store.flags, folder);
      expect(wrongFolder.code).toBe(2);
      expect(wrongFolder.stderr).toMatch(
        /holds no audit anchor \(identity\/audit-anchor.jsonl\), but the audit log in .* holds events: give the --data-dir that serve runs on/,
      );
      // A command that never comes before serve's first start refuses a folder serve never ran on before opening anything.
      const other = await mkdtemp(path.join(os.tmpdir(), 'enclave-not-served-'));
      try {
        const listed = await inProcess((io) => runIncidentCommand('incidents', ['--data-dir', other, ...store.flags], io));
        expect(listed.code).toBe(2);
        expect(listed.stderr).toMatch(/holds no identity\/ folder .* give the --data-dir that serve runs on/);
        expect(await readdir(other)).toEqual([]);
      } finally {
        await rm(other, { recursive: true, force: true });
      }
      // Without the keys folder, nothing is opened: on PostgreSQL the platform never makes keys.
      const keyless = await inProcess((io) => runIncidentCommand('incidents', ['--data-dir', folder, ...store.flags.slice(0, 4)], io));
      expect(keyless.code).toBe(2);
      expect(keyless.stderr).toMatch(/With --database-url give --identity-keys-dir DIR/);
      const wrongQuery = await inProcess((io) =>
        runPlatformQuery(
          ['--data-dir', folder, '--as', 'demo-analyst', '--project', 'covid-outcomes', '--sql', 'SELECT 1 AS x', ...store.flags],
          io,
        ),
      );
      expect(wrongQuery.code).toBe(2);
      expect(wrongQuery.stderr).toContain('holds no agreements folder');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${empty} WITH (FORCE)`);
      await admin.end();
      await rm(folder, { recursive: true, force: true });
    }
    expect(await count('audit_events')).toBe(events);
    expect(await count('users')).toBe(users);
  });

  it('verifies the database’s audit log read-only; the owner’s edit under a disabled trigger is found, with the token serve names', async () => {
    const before = await snapshot(dataDir);
    const intact = await enclave(['audit', 'verify', '--data-dir', dataDir], store.env);
    expect(intact.code, intact.stdout + intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(new RegExp(`^intact \\(${await count('audit_events')} events, head \\d+ [0-9a-f]{12}\\)\\n$`));
    expect(await snapshot(dataDir)).toEqual(before);

    serve?.kill('SIGTERM');
    expect(await serve?.exited).toBe(0);
    serve = undefined;
    // An insider with the owner's password: the trigger off, one event edited, the trigger on again.
    const owner = await store.ownerClient();
    try {
      await owner.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change');
      await owner.query("UPDATE audit_events SET outcome = 'failure' WHERE seq = 2");
      await owner.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change');
    } finally {
      await owner.end();
    }
    const broken = await inProcess((io) => runAuditCommand('verify', ['--data-dir', dataDir, ...store.flags], io));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^broken: event 2 was edited/);
    const token = /^token: (\S+) /m.exec(broken.stdout)?.[1];
    expect(token, broken.stdout).toBeDefined();
    // serve's own check finds the same break and names the same token.
    const refused = await enclave(['platform', 'serve', '--data-dir', dataDir, '--port', '0', ...store.flags]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The audit log is broken');
    expect(refused.stderr).toContain(`--accept-broken-audit-log=${token}`);
  });
});
