// The operator's break-glass commands against a running platform: `enclave platform suspend-user`, run on the host
// beside the server (a second process on the same records, no identity provider involved), refuses the analyst's next
// call within 2 s and is recorded with the operator's OS account, and cuts her query answer that is streaming (the
// server's watch stops the work and records it) within 2 s; `lift` gives her access back from a fresh sign-in;
// `freeze-egress` makes the platform's egress answer frozen; `incidents` lists what `lift` needs without letting text
// someone typed steer the terminal; `access-report` writes CSV; `user add` gives a production data folder its first
// administrator and nobody else. Bad input exits 2 and changes nothing. All of it on both metadata stores: SQLite in the
// data folder, and PostgreSQL as production runs it (the server and the commands as the app role, `--database-url` and
// a 0600 password file), where a command acting on any other store would suspend nobody. SATRE 2.6.04 (procedures for
// rapid incident response), 3.1.12 (preventing unauthorised egress), 2.2.14 (which datasets were accessed, when and by
// whom) and 1.5.06 (a unique logon per person, changes to the records strictly controlled).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isControlCharacter } from '../../../src/cli/host-records.ts';
import { runIncidentCommand, type IncidentCommand } from '../../../src/cli/platform-incidents.ts';
import { runPlatformUser } from '../../../src/cli/platform-user.ts';
import { openPlatformCore, type PlatformDatabaseOptions } from '../../../src/platform/platform-core.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { EMBEDDED_ISSUER } from '../../../src/platform/store/metadata-store.ts';
import { postgresCluster, type AvailableCluster } from '../../support/postgres.ts';
import { createAppRoleStore } from '../../support/postgres-app-store.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));
const OPERATOR = os.userInfo().username;
const INCIDENT_ID = /inc-[0-9a-f]{20}/;
const ACTION_ID = /act-[0-9a-f]{20}/;
/** The external identity provider a production platform trusts (serve --oidc-issuer). */
const ISSUER = 'https://idp.example.org/realms/enclave';

interface StoredEvent {
  seq: number;
  /** When it was recorded, in epoch milliseconds. */
  at: number;
  type: string;
  actor: string | null;
  details: Record<string, unknown>;
}

type Table = 'audit_events' | 'incidents' | 'restrictions' | 'users';

/** A platform's records on one engine, for the data folder they belong to, and a test's look at them from outside. */
interface Records {
  /** What the commands are given besides --data-dir: nothing for SQLite, the database as the app role for PostgreSQL. */
  readonly flags: readonly string[];
  /** What the server, or the core, is given besides the data folder. */
  readonly database?: PlatformDatabaseOptions;
  /** The audit events of a type, read straight from the database beside the running server. */
  eventsOf(type: string): Promise<StoredEvent[]>;
  countRows(table: Table): Promise<number>;
  cleanup(): Promise<void>;
}

interface Engine {
  readonly name: 'sqlite' | 'postgres';
  /** The records of the data folder `dataDir`: with the demo's people and projects, or a production store (none). */
  recordsFor(dataDir: string, options: { demo: boolean }): Promise<Records>;
}

/** An audit event's row as either engine answers it. */
type EventRow = Record<'seq' | 'occurred_at' | 'type' | 'actor' | 'details', unknown>;

const parsed = (row: EventRow): StoredEvent => ({
  seq: Number(row.seq),
  at: new Date(row.occurred_at as string | Date).getTime(),
  type: String(row.type),
  actor: typeof row.actor === 'string' ? row.actor : null,
  details: JSON.parse(String(row.details)) as Record<string, unknown>,
});

const sqlite: Engine = {
  name: 'sqlite',
  async recordsFor(dataDir) {
    // Read-only, beside the running server.
    const read = <T>(look: (db: DatabaseSync) => T): T => {
      const db = new DatabaseSync(path.join(dataDir, 'metadata.sqlite'), { readOnly: true });
      try {
        return look(db);
      } finally {
        db.close();
      }
    };
    return {
      flags: [],
      eventsOf: async (type) =>
        read((db) =>
          (
            db
              .prepare('SELECT seq, occurred_at, type, actor, details FROM audit_events WHERE type = ? ORDER BY seq')
              .all(type) as unknown as EventRow[]
          ).map(parsed),
        ),
      countRows: async (table) => read((db) => Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n)),
      cleanup: async () => {},
    };
  },
};

function postgres(cluster: AvailableCluster): Engine {
  return {
    name: 'postgres',
    async recordsFor(dataDir, options) {
      const store = await createAppRoleStore(cluster, { ...options, dataDir });
      return {
        flags: store.flags,
        database: store.database,
        eventsOf: async (type) =>
          (await store.raw('SELECT seq, occurred_at, type, actor, details FROM audit_events WHERE type = $1 ORDER BY seq', [type])).map(
            (row) => parsed(row as unknown as EventRow),
          ),
        countRows: async (table) => Number((await store.raw(`SELECT count(*) AS n FROM ${table}`))[0]?.n),
        cleanup: () => store.cleanup(),
      };
    },
  };
}

const cluster = postgresCluster();
const ENGINES: Engine[] = cluster === null ? [sqlite] : [sqlite, postgres(cluster)];

let fixture: PlatformFixture;
let server: PlatformServer;
let dataDir: string;
/** The running platform's records, on the engine under test. */
let records: Records;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function streams(): { io: { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return { io: { stdin: new PassThrough(), stdout, stderr }, out: () => out, err: () => err };
}

/** `enclave platform <command> …` in this process, with the test's own streams. */
async function platform(command: IncidentCommand, args: string[]): Promise<Run> {
  const { io, out, err } = streams();
  const code = await runIncidentCommand(command, [...args, ...records.flags], io);
  return { code, stdout: out(), stderr: err() };
}

async function userAdd(args: string[], at: Records = records): Promise<Run> {
  const { io, out, err } = streams();
  const code = await runPlatformUser(['add', ...args, ...at.flags], io);
  return { code, stdout: out(), stderr: err() };
}

/** The command as the operator types it on the host: `enclave …` in a process of its own. */
async function enclave(args: string[]): Promise<Run> {
  // process.execPath is the Node 24 that runs Vitest, which runs our .ts directly.
  const child = spawn(process.execPath, [ENCLAVE, ...args, ...records.flags], {
    cwd: path.dirname(ENCLAVE),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/**
 * A token as the embedded provider issues it. `fresh`: issued after any suspension so far (a new sign-in); otherwise
 * issued a few seconds ago, as a token the person already held.
 */
async function tokenOf(sub: string, fresh = true): Promise<string> {
  return mintAccessToken({ dataDir, sub, ...(fresh ? { issuedAtOffset: 2 } : {}) });
}

async function get(url: string, token: string) {
  return server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

/** Asks until `check` answers true or `withinMs` passes; answers the last result. */
async function within<T>(withinMs: number, ask: () => Promise<T>, check: (value: T) => boolean): Promise<{ value: T; afterMs: number }> {
  const start = Date.now();
  for (;;) {
    const value = await ask();
    const afterMs = Date.now() - start;
    if (check(value) || afterMs > withinMs) return { value, afterMs };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const eventsOf = (type: string, at: Records = records): Promise<StoredEvent[]> => at.eventsOf(type);
const countRows = (table: Table, at: Records = records): Promise<number> => at.countRows(table);

/** The first id the pattern finds in the text (its first group, when it has one). */
const idIn = (text: string, pattern: RegExp): string => {
  const match = pattern.exec(text);
  const found = match?.[1] ?? match?.[0];
  expect(found, text).toBeDefined();
  return found ?? '';
};

describe.each(ENGINES.map((engine) => [engine.name, engine] as const))('on %s', (_name, engine) => {
  beforeAll(async () => {
    fixture = await createPlatformFixture();
    dataDir = fixture.dataDir;
    records = await engine.recordsFor(dataDir, { demo: true });
    server = await createPlatformServer({
      dataDir,
      cataloguePath: fixture.cataloguePath,
      publicUrl: TEST_PUBLIC_URL,
      ...(records.database === undefined ? {} : { database: records.database }),
    });
  });

  afterAll(async () => {
    await server?.close();
    await records?.cleanup();
    await fixture?.cleanup();
  });

  describe('enclave platform suspend-user and lift, beside a running platform (SATRE 2.6.04)', () => {
    it("refuses the analyst's next call within 2 s, records the operator, and a fresh sign-in works again once lifted", async () => {
      const held = await tokenOf('demo-analyst', false);
      expect((await get('/api/v1/me', held)).statusCode).toBe(200);

      const suspended = await enclave([
        'platform',
        'suspend-user',
        '--data-dir',
        dataDir,
        '--user',
        'demo-analyst',
        '--reason',
        'Laptop reported stolen',
      ]);
      expect(suspended.code, suspended.stderr).toBe(0);
      const incidentId = idIn(suspended.stdout, new RegExp(`Opened incident (${INCIDENT_ID.source})`));
      expect(suspended.stdout).toContain('Break-glass: Laptop reported stolen');
      expect(suspended.stdout).toContain('is suspended');
      const actionId = idIn(suspended.stdout, new RegExp(`Action (${ACTION_ID.source})`));
      // The lift it prints names the same records: on PostgreSQL, the database too.
      expect(suspended.stdout).toContain(
        `To lift it: enclave platform lift ${['--data-dir', dataDir, ...records.flags].join(' ')} --action ${actionId} --reason TEXT`,
      );

      const refused = await within(
        2_000,
        () => get('/api/v1/me', held),
        (response) => response.statusCode === 403,
      );
      expect(refused.afterMs).toBeLessThanOrEqual(2_000);
      expect(refused.value.statusCode).toBe(403);
      expect(refused.value.json()).toMatchObject({ error: { code: 'suspended' } });
      // A new sign-in is no way round it.
      expect((await get('/api/v1/me', await tokenOf('demo-analyst'))).json()).toMatchObject({ error: { code: 'suspended' } });

      const [opened] = (await eventsOf('incident.opened')).filter((event) => event.details.incidentId === incidentId);
      expect(opened).toMatchObject({ actor: null, details: { operator: OPERATOR, via: 'host', severity: 'high', personalData: true } });
      const suspension = (await eventsOf('user.suspended')).at(-1);
      expect(suspension).toMatchObject({
        actor: null,
        details: { operator: OPERATOR, via: 'host', userId: 'demo-analyst', restrictionId: actionId, reason: 'Laptop reported stolen' },
      });

      const lifted = await platform('lift', ['--data-dir', dataDir, '--action', actionId, '--reason', 'Laptop found in the office']);
      expect(lifted.code, lifted.stderr).toBe(0);
      expect(lifted.stdout).toContain('no longer suspended');
      expect(lifted.stdout).toMatch(/stays open until an administrator closes it/);
      expect((await eventsOf('user.unsuspended')).at(-1)).toMatchObject({
        actor: null,
        details: { operator: OPERATOR, via: 'host', userId: 'demo-analyst', restrictionId: actionId },
      });

      const again = await get('/api/v1/me', await tokenOf('demo-analyst'));
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toMatchObject({ id: 'demo-analyst' });
      // By design: what she held before the suspension stays ended.
      const before = await get('/api/v1/me', held);
      expect(before.statusCode).toBe(401);
      expect(before.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    });

    it("cuts the analyst's query answer that is streaming, and records what it stopped, within 2 s of the command", async () => {
      const baseUrl = await server.listen({ port: 0, host: '127.0.0.1' });
      // Twenty copies of the project's two test results: more rows than the limit asks for.
      const copies = Array.from({ length: 20 }, (_, i) => `covid_tests t${i}`).join(', ');
      const response = await fetch(`${baseUrl}/api/v1/projects/covid-outcomes/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenOf('demo-analyst')}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          sql: `SELECT t0.test_id, t0.test_type, t0.result, t0.specimen_date, t0.local_authority_code FROM ${copies} LIMIT 500000`,
          format: 'arrow',
        }),
      });
      expect(response.status).toBe(200);
      const declared = Number(response.headers.get('content-length'));
      // Much more than the sockets between the two can hold (the test reads no more until the command has run): the
      // platform is still sending while the command runs.
      expect(declared).toBeGreaterThan(24 * 1024 * 1024);
      const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      let received = (await reader.read()).value?.byteLength ?? 0;

      const suspended = await enclave([
        'platform',
        'suspend-user',
        '--data-dir',
        dataDir,
        '--user',
        'demo-analyst',
        '--reason',
        'Bulk download at night',
      ]);
      expect(suspended.code, suspended.stderr).toBe(0);
      const actionId = idIn(suspended.stdout, new RegExp(`Action (${ACTION_ID.source})`));
      const incidentId = idIn(suspended.stdout, new RegExp(`Opened incident (${INCIDENT_ID.source})`));

      const recorded = await within(
        2_000,
        async () => (await eventsOf('operation.aborted')).filter((event) => event.details.restrictionId === actionId),
        (events) => events.length > 0,
      );
      expect(recorded.afterMs).toBeLessThanOrEqual(2_000);
      // Recorded within 2 s of the command's suspension, however long the command itself took to start.
      const suspension = (await eventsOf('user.suspended')).find((event) => event.details.restrictionId === actionId);
      expect(recorded.value[0].at - suspension!.at).toBeLessThanOrEqual(2_000);
      expect(recorded.value).toMatchObject([
        {
          actor: 'demo-analyst',
          details: { operation: 'query', projectId: 'covid-outcomes', incidentId, because: 'user_suspended' },
        },
      ]);
      // What was already on its way arrives; then the connection ends short of the length it declared.
      const started = Date.now();
      const ending = await (async (): Promise<'complete' | 'cut'> => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return received === declared ? 'complete' : 'cut';
            received += value.byteLength;
          }
        } catch {
          return 'cut';
        }
      })();
      expect(ending).toBe('cut');
      expect(received).toBeLessThan(declared);
      expect(recorded.afterMs + (Date.now() - started)).toBeLessThanOrEqual(2_000);

      const lifted = await platform('lift', ['--data-dir', dataDir, '--action', actionId, '--reason', 'Download was approved']);
      expect(lifted.code, lifted.stderr).toBe(0);
    }, 60_000);

    it('refuses bad input with exit 2 and a clear message, and changes nothing', async () => {
      const counts = async () => ({
        events: await countRows('audit_events'),
        incidents: await countRows('incidents'),
        restrictions: await countRows('restrictions'),
      });
      const before = await counts();
      const empty = await mkdtemp(path.join(os.tmpdir(), 'enclave-no-records-'));
      try {
        const cases: Array<[IncidentCommand, string[], RegExp]> = [
          [
            'suspend-user',
            ['--user', 'nobody-here', '--reason', 'Looks wrong'],
            /There is no person nobody-here on this platform: nothing was changed/,
          ],
          ['suspend-user', ['--user', 'demo-analyst', '--reason', 'no'], /--reason must say something/],
          ['suspend-user', ['--user', 'Demo Analyst', '--reason', 'Looks wrong'], /--user must be lower-case letters/],
          ['suspend-user', ['--user', 'demo-analyst'], /--reason is required/],
          [
            'suspend-user',
            ['--user', 'demo-analyst', '--reason', 'Looks wrong', '--incident', `inc-${'0'.repeat(20)}`],
            /There is no incident/,
          ],
          [
            'suspend-user',
            ['--user', 'demo-analyst', '--reason', 'Looks wrong', '--incident', 'INC-1'],
            /--incident must be an incident id/,
          ],
          [
            'suspend-user',
            ['--user', 'demo-analyst', '--reason', 'Looks wrong', '--project', 'covid-outcomes'],
            /--project is not an option/,
          ],
          ['suspend-project', ['--project', 'no-such-project', '--reason', 'Looks wrong'], /There is no project no-such-project/],
          ['freeze-egress', ['--project', 'no-such-project', '--reason', 'Looks wrong'], /There is no project no-such-project/],
          ['lift', ['--action', `act-${'0'.repeat(20)}`, '--reason', 'Looks wrong'], /There is no such action/],
          ['lift', ['--action', 'act-1', '--reason', 'Looks wrong'], /--action must be an action id/],
          [
            'access-report',
            ['--user', 'demo-analyst', '--project', 'covid-outcomes', '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z'],
            /one of --user ID or --project ID/,
          ],
          [
            'access-report',
            ['--user', 'demo-analyst', '--from', 'yesterday', '--to', '2027-01-01T00:00:00Z'],
            /--from must be a date and time/,
          ],
          [
            'access-report',
            ['--user', 'demo-analyst', '--from', '2027-01-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'],
            /"to" must be later than "from"/,
          ],
          ['incidents', ['--format', 'xml'], /--format must be text or json/],
        ];
        for (const [command, args, message] of cases) {
          const run = await platform(command, ['--data-dir', dataDir, ...args]);
          expect(run.code, `${command} ${args.join(' ')}: ${run.stderr}`).toBe(2);
          expect(run.stderr).toMatch(message);
          expect(run.stderr).not.toMatch(/^\s+at |\.ts:\d+/m);
          expect(run.stdout).toBe('');
        }
        // A folder that holds no platform records is refused, and is not given any.
        const bare = await platform('suspend-user', ['--data-dir', empty, '--user', 'demo-analyst', '--reason', 'Looks wrong']);
        expect(bare.code).toBe(2);
        // On PostgreSQL the records are in the database, but the log's anchor is in the folder serve runs on.
        expect(bare.stderr).toMatch(
          engine.name === 'sqlite' ? /holds no platform records/ : /holds no identity\/ folder .* give the --data-dir that serve runs on/,
        );
        expect(await countRows('audit_events')).toBe(before.events);
        expect(await counts()).toEqual(before);
      } finally {
        await rm(empty, { recursive: true, force: true });
      }
    });

    it('acts under an incident that is open already, opens none, and refuses what is in force already', async () => {
      const first = await platform('suspend-project', [
        '--data-dir',
        dataDir,
        '--project',
        'opt-out-monitoring',
        '--reason',
        'Unusual query volume',
      ]);
      expect(first.code, first.stderr).toBe(0);
      const incidentId = idIn(first.stdout, INCIDENT_ID);
      const firstAction = idIn(first.stdout, ACTION_ID);
      const member = await get('/api/v1/projects/opt-out-monitoring/catalogue', await tokenOf('demo-analyst-2'));
      expect(member.statusCode).toBe(403);
      expect(member.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('suspended') } });

      const incidents = await countRows('incidents');
      const second = await platform('freeze-egress', [
        '--data-dir',
        dataDir,
        '--project',
        'covid-outcomes',
        '--reason',
        'Same incident',
        '--incident',
        incidentId,
      ]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).not.toContain('Opened incident');
      expect(second.stdout).toContain(`under incident ${incidentId}`);
      expect(await countRows('incidents')).toBe(incidents);

      const events = await countRows('audit_events');
      const twice = await platform('suspend-project', [
        '--data-dir',
        dataDir,
        '--project',
        'opt-out-monitoring',
        '--reason',
        'Unusual query volume',
      ]);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toContain(`in force already, as action ${firstAction} of incident ${incidentId}`);
      expect(await countRows('incidents')).toBe(incidents);
      expect(await countRows('audit_events')).toBe(events);

      for (const action of [firstAction, idIn(second.stdout, ACTION_ID)]) {
        const lifted = await platform('lift', ['--data-dir', dataDir, '--action', action, '--reason', 'False alarm']);
        expect(lifted.code, lifted.stderr).toBe(0);
      }
      expect((await get('/api/v1/projects/opt-out-monitoring/catalogue', await tokenOf('demo-analyst-2'))).statusCode).toBe(200);
    });
  });

  describe('enclave platform freeze-egress (SATRE 3.1.12)', () => {
    const egress = async (projectId: string, sub: string): Promise<unknown> =>
      (await get(`/api/v1/projects/${projectId}/egress`, await tokenOf(sub))).json<unknown>();

    it("answers frozen to a member's egress question within 2 s, for that project only; lifted, it is open", async () => {
      expect(await egress('opt-out-monitoring', 'demo-analyst-2')).toEqual({ frozen: false, message: null });
      const frozen = await platform('freeze-egress', [
        '--data-dir',
        dataDir,
        '--project',
        'opt-out-monitoring',
        '--reason',
        'Suspected leak of outputs',
      ]);
      expect(frozen.code, frozen.stderr).toBe(0);
      expect(frozen.stdout).toContain('Egress is frozen for');
      const answer = await within(
        2_000,
        () => egress('opt-out-monitoring', 'demo-analyst-2'),
        (value) => (value as { frozen: boolean }).frozen,
      );
      expect(answer.afterMs).toBeLessThanOrEqual(2_000);
      expect(answer.value).toEqual({ frozen: true, message: expect.stringContaining('frozen its egress') });
      expect(await egress('covid-outcomes', 'demo-analyst')).toEqual({ frozen: false, message: null });
      expect((await eventsOf('egress.frozen')).at(-1)).toMatchObject({
        actor: null,
        details: { operator: OPERATOR, via: 'host', projectId: 'opt-out-monitoring' },
      });

      const lifted = await platform('lift', [
        '--data-dir',
        dataDir,
        '--action',
        idIn(frozen.stdout, ACTION_ID),
        '--reason',
        'Outputs checked: no leak',
      ]);
      expect(lifted.code, lifted.stderr).toBe(0);
      expect(await egress('opt-out-monitoring', 'demo-analyst-2')).toEqual({ frozen: false, message: null });
    });

    it('freezes every project when no project is named', async () => {
      const frozen = await platform('freeze-egress', ['--data-dir', dataDir, '--reason', 'Release server compromised']);
      expect(frozen.code, frozen.stderr).toBe(0);
      expect(frozen.stdout).toContain('every project');
      for (const [projectId, sub] of [
        ['covid-outcomes', 'demo-analyst'],
        ['opt-out-monitoring', 'demo-analyst-2'],
      ]) {
        expect(await egress(projectId, sub)).toEqual({ frozen: true, message: expect.stringContaining('every project') });
      }
      const lifted = await platform('lift', [
        '--data-dir',
        dataDir,
        '--action',
        idIn(frozen.stdout, ACTION_ID),
        '--reason',
        'Release server rebuilt',
      ]);
      expect(lifted.code, lifted.stderr).toBe(0);
      expect(await egress('covid-outcomes', 'demo-analyst')).toEqual({ frozen: false, message: null });
    });
  });

  describe('enclave platform incidents', () => {
    it('lists the open incidents and the actions in force with their ids; what someone typed cannot steer the terminal', async () => {
      // An administrator's summary carrying terminal escape sequences (clear the screen, set the window title).
      const hostile = 'Odd activity \u001b[2J\u001b]0;all clear\u0007 at night';
      const opened = await server.app.inject({
        method: 'POST',
        url: '/api/v1/admin/incidents',
        headers: { authorization: `Bearer ${await tokenOf('demo-admin')}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ summary: hostile, severity: 'medium', detectedAt: '2026-12-01T02:00:00Z', personalData: false }),
      });
      expect(opened.statusCode, opened.body).toBe(200);
      const incidentId = opened.json<{ id: string }>().id;
      const acted = await platform('suspend-user', [
        '--data-dir',
        dataDir,
        '--user',
        'demo-analyst-2',
        '--reason',
        'Seen in the odd activity',
        '--incident',
        incidentId,
      ]);
      expect(acted.code, acted.stderr).toBe(0);
      const actionId = idIn(acted.stdout, ACTION_ID);

      const listed = await enclave(['platform', 'incidents', '--data-dir', dataDir]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(incidentId);
      expect(listed.stdout).toContain(`${actionId}  person suspended: demo-analyst-2 (Ben Analyst)  incident ${incidentId}`);
      expect(listed.stdout).toContain('Seen in the odd activity');
      expect(listed.stdout).toContain(`by operator:${OPERATOR}`);
      expect([...listed.stdout].filter((char) => char !== '\n' && isControlCharacter(char))).toEqual([]);
      expect(listed.stdout).toContain('Odd activity \\u001b[2J\\u001b]0;all clear\\u0007 at night');

      const json = await platform('incidents', ['--data-dir', dataDir, '--format', 'json']);
      expect(json.code, json.stderr).toBe(0);
      const overview = JSON.parse(json.stdout) as { incidents: Array<{ id: string; summary: string }>; active: Array<{ id: string }> };
      expect(overview.active.map((entry) => entry.id)).toContain(actionId);
      expect(overview.incidents.find((incident) => incident.id === incidentId)?.summary).toBe(hostile);

      expect((await platform('lift', ['--data-dir', dataDir, '--action', actionId, '--reason', 'Cleared'])).code).toBe(0);
    });
  });

  describe('enclave platform access-report (SATRE 2.2.14)', () => {
    it('writes CSV with a header and one line per entry, the same entries as JSON, and records that it was read', async () => {
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      for (let i = 0; i < 2; i++) {
        expect((await get('/api/v1/projects/opt-out-monitoring/catalogue', await tokenOf('demo-analyst-2'))).statusCode).toBe(200);
      }
      const args = ['--data-dir', dataDir, '--user', 'demo-analyst-2', '--from', from, '--to', to];
      const json = await platform('access-report', args);
      expect(json.code, json.stderr).toBe(0);
      const report = JSON.parse(json.stdout) as {
        subject: unknown;
        entries: Array<{ seq: number; activity: string; projectId: string | null }>;
      };
      expect(report.subject).toEqual({ kind: 'person', id: 'demo-analyst-2' });
      expect(
        report.entries.filter((entry) => entry.activity === 'catalogue' && entry.projectId === 'opt-out-monitoring').length,
      ).toBeGreaterThanOrEqual(2);

      const csv = await platform('access-report', [...args, '--format', 'csv']);
      expect(csv.code, csv.stderr).toBe(0);
      const lines = csv.stdout.split('\r\n');
      expect(lines[0]).toBe('seq,occurredAt,activity,type,actor,projectId,datasets,rows,bytes,outcome,detail');
      expect(lines.at(-1)).toBe('');
      expect(lines.slice(1, -1).map((line) => Number(line.split(',')[0]))).toEqual(report.entries.map((entry) => entry.seq));

      expect((await eventsOf('audit.access_report')).at(-1)).toMatchObject({
        actor: null,
        details: { operator: OPERATOR, via: 'host', subject: 'person', id: 'demo-analyst-2', entries: report.entries.length },
      });
    });
  });

  describe('enclave platform user add (SATRE 1.5.06)', () => {
    it('gives a fresh production data folder its first admin and nobody else; a taken id or subject is refused and nothing changes', async () => {
      const fresh = await createPlatformFixture();
      const freshRecords = await engine.recordsFor(fresh.dataDir, { demo: false });
      try {
        const add = (id: string, subject: string, more: { role?: string; issuer?: string } = {}) =>
          userAdd(
            [
              ...['--data-dir', fresh.dataDir, '--id', id, '--name', 'Grace Admin', '--subject', subject],
              ...['--issuer', more.issuer ?? ISSUER, '--role', more.role ?? 'admin'],
            ],
            freshRecords,
          );
        const added = await add('first-admin', 'f3b1c2d4-idp-subject');
        expect(added.code, added.stderr).toBe(0);
        expect(added.stdout).toContain(
          `Added Grace Admin (first-admin) as admin, signing in as the subject f3b1c2d4-idp-subject at ${ISSUER}`,
        );
        expect(await eventsOf('user.added', freshRecords)).toMatchObject([
          {
            actor: null,
            details: {
              operator: OPERATOR,
              via: 'host',
              userId: 'first-admin',
              role: 'admin',
              subject: 'f3b1c2d4-idp-subject',
              issuer: ISSUER,
            },
          },
        ]);

        const before = { users: await countRows('users', freshRecords), events: await countRows('audit_events', freshRecords) };
        const takenId = await add('first-admin', 'another-subject');
        expect(takenId.code).toBe(2);
        expect(takenId.stderr).toMatch(/id first-admin on this platform already: nothing was changed/);
        const takenSubject = await add('second-admin', 'f3b1c2d4-idp-subject');
        expect(takenSubject.code).toBe(2);
        expect(takenSubject.stderr).toMatch(/signs in as first-admin already/);
        const badRole = await add('second-admin', 'another-subject', { role: 'superuser' });
        expect(badRole.code).toBe(2);
        expect(badRole.stderr).toMatch(/--role must be one of .*admin/);
        const plainHttp = await add('second-admin', 'another-subject', { issuer: 'http://idp.example.org/realms/enclave' });
        expect(plainHttp.code).toBe(2);
        expect(plainHttp.stderr).toMatch(/--issuer must be the issuer's https URL/);
        expect({ users: await countRows('users', freshRecords), events: await countRows('audit_events', freshRecords) }).toEqual(before);

        // The platform in production mode on that folder: the added admin is the only person, and no demo project exists.
        const core = await openPlatformCore({
          dataDir: fresh.dataDir,
          cataloguePath: fresh.cataloguePath,
          mode: 'production',
          watchAgreements: false,
          ...(freshRecords.database === undefined ? {} : { database: freshRecords.database }),
        });
        try {
          const people = await core.store.listUsers();
          expect(people).toHaveLength(1);
          expect(people[0]).toMatchObject({
            id: 'first-admin',
            displayName: 'Grace Admin',
            role: 'admin',
            subject: 'f3b1c2d4-idp-subject',
          });
          expect(await core.store.findUserBySubject('f3b1c2d4-idp-subject', ISSUER)).toMatchObject({ id: 'first-admin' });
          expect(await core.store.listAllProjects()).toEqual([]);
          expect(await core.store.findUserBySubject('demo-admin', EMBEDDED_ISSUER)).toBeUndefined();
        } finally {
          await core.close();
        }
      } finally {
        await freshRecords.cleanup();
        await fresh.cleanup();
      }
    });

    it('takes the exact command of the issue: only the subject and the role, the id and the name coming from the subject', async () => {
      const fresh = await createPlatformFixture();
      const freshRecords = await engine.recordsFor(fresh.dataDir, { demo: false });
      try {
        const added = await userAdd(['--data-dir', fresh.dataDir, '--subject', 'AAAA-Entra-Subject_01', '--role', 'admin'], freshRecords);
        expect(added.code, added.stderr).toBe(0);
        expect(await eventsOf('user.added', freshRecords)).toMatchObject([
          { details: { userId: 'aaaa-entra-subject_01', subject: 'AAAA-Entra-Subject_01' } },
        ]);
        const core = await openPlatformCore({
          dataDir: fresh.dataDir,
          cataloguePath: fresh.cataloguePath,
          mode: 'production',
          watchAgreements: false,
          ...(freshRecords.database === undefined ? {} : { database: freshRecords.database }),
        });
        try {
          expect(await core.store.listUsers()).toMatchObject([
            { id: 'aaaa-entra-subject_01', displayName: 'AAAA-Entra-Subject_01', role: 'admin', subject: 'AAAA-Entra-Subject_01' },
          ]);
        } finally {
          await core.close();
        }
      } finally {
        await freshRecords.cleanup();
        await fresh.cleanup();
      }
    });

    it('refuses a data folder that does not exist, making none', async () => {
      const missing = path.join(os.tmpdir(), `enclave-missing-${process.pid}-${Date.now()}`);
      const run = await userAdd([
        '--data-dir',
        missing,
        '--id',
        'first-admin',
        '--name',
        'Grace Admin',
        '--subject',
        'sub-1',
        '--role',
        'admin',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${missing} is not a folder`);
      expect(await import('node:fs/promises').then(({ stat }) => stat(missing).catch(() => null))).toBeNull();
    });
  });

  describe('the audit log after the operator’s commands', () => {
    it('still verifies, read beside the running platform', async () => {
      const run = await enclave(['audit', 'verify', '--data-dir', dataDir]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^intact \(\d+ events/);
    });
  });
});
