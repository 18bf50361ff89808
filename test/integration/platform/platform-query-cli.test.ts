// `enclave platform query` as an operator runs it on the platform's machine, over data the real generator wrote and
// with no server running: the rows as CSV with a header row (the default) or as JSON, exactly as the user would get
// them through the API (same checks, same minimisation); a refused query prints the sanitised message on stderr and
// exits 1 with no stack trace; bad arguments exit 2 with the usage; every query is audited as the user's, run by the
// operator (via 'operator', with the OS account), and the audit chain still verifies. SATRE 2.5.03 (operators' access
// to data is recorded like anyone's).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlatformQuery } from '../../../src/cli/platform-query.ts';
import { openPlatformCore } from '../../../src/platform/platform-core.ts';
import type { AuditEvent } from '../../../src/platform/audit/audit-log.ts';
import { auditDirIn, openAudit, verifyDir } from './audit-support.ts';
import { PSEUDONYM } from './fixture.ts';
import { rawIdentifierIn, writeDemoData, type DemoData } from './query-support.ts';
import { captureCli } from './serve-process.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));

let data: DemoData;

beforeAll(async () => {
  data = await writeDemoData('platform-query-cli');
}, 300_000);

afterAll(async () => {
  await data?.remove();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The command in process, with the test's own streams. */
function queryCli(args: string[]): Promise<Run> {
  return captureCli(runPlatformQuery, args);
}

/** The command as an operator types it: `enclave platform query …` in a child process. */
async function enclave(args: string[]): Promise<Run> {
  // process.execPath is the Node 24 that runs Vitest, which runs our .ts directly.
  const child = spawn(process.execPath, [ENCLAVE, 'platform', 'query', ...args], {
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

const as = (user: string, project: string, sql: string): string[] => [
  '--data-dir',
  data.dataDir,
  '--as',
  user,
  '--project',
  project,
  '--sql',
  sql,
];

/** No stack trace and no engine text: nothing of "    at …", "Error:" or DuckDB's LINE/caret. */
function expectCleanStderr(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at |\bError: |LINE \d+:|node:internal|\.ts:\d+/m);
}

/** The audit events in the data folder, oldest first, with their details read. */
async function auditEvents(): Promise<Array<Omit<AuditEvent, 'details'> & { details: Record<string, unknown> }>> {
  const { audit, close } = await openAudit(auditDirIn(data.dataDir));
  try {
    return (await audit.list()).map((event) => ({ ...event, details: JSON.parse(event.details) as Record<string, unknown> }));
  } finally {
    await close();
  }
}

describe('enclave platform query', () => {
  it('prints CSV with a header row by default, the same rows as JSON', async () => {
    const sql = 'SELECT sex, count(*) AS n FROM patients GROUP BY sex ORDER BY sex';
    const csv = await queryCli(as('demo-analyst', 'covid-outcomes', sql));
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toBe('');
    const lines = csv.stdout.split('\r\n');
    expect(lines[0]).toBe('sex,n');
    expect(lines.at(-1)).toBe('');
    const json = await queryCli([...as('demo-analyst', 'covid-outcomes', sql), '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ sex: string; n: number }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(lines.slice(1, -1)).toEqual(rows.map((row) => `${row.sex},${row.n}`));
    expect(rows.reduce((sum, row) => sum + row.n, 0)).toBeGreaterThan(0);
  });

  it('quotes CSV cells that hold a comma, a quote or a line break, and writes NULL as an empty cell', async () => {
    const run = await queryCli(
      as('demo-analyst', 'covid-outcomes', `SELECT 'a,b' AS x, 'say "hi"' AS y, 'two\nlines' AS z, NULL AS w, 3 AS v`),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('x,y,z,w,v\r\n"a,b","say ""hi""","two\nlines",,3\r\n');
  });

  it("prints the project's minimised rows: pseudonyms and bands, never a raw identifier", async () => {
    const run = await queryCli([...as('demo-analyst', 'covid-outcomes', 'SELECT * FROM patients'), '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<Record<string, string | null>>;
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0])).not.toContain('postcode');
    for (const row of rows) {
      expect(row.nhs_number).toMatch(PSEUDONYM);
      for (const value of Object.values(row)) if (value !== null) expect(rawIdentifierIn(String(value), data.raw)).toBeNull();
    }
  });

  it('refuses a query the platform refuses: the sanitised message on stderr, exit 1, nothing on stdout', async () => {
    const checked = await queryCli(as('demo-analyst', 'covid-outcomes', 'SELECT * FROM duckdb_settings()'));
    expect(checked).toEqual({
      code: 1,
      stdout: '',
      stderr: "enclave platform query: duckdb_settings is not available in platform queries: only the project's relations can be read.\n",
    });
    const engine = await queryCli(as('demo-analyst', 'covid-outcomes', 'SELECT CAST(nhs_number AS INTEGER) AS n FROM patients'));
    expect(engine.code).toBe(1);
    expect(engine.stdout).toBe('');
    expect(engine.stderr).toMatch(
      /^enclave platform query: Conversion error: a value of column "nhs_number" could not be converted to INT32\./i,
    );
    expect(engine.stderr).not.toMatch(/P[BCDFGHJKLMNPQRST]{20}|\d{10}/);
    expectCleanStderr(engine.stderr);
  });

  it('refuses exactly as the API does for who may ask: not a member, no such user, a role that may not query', async () => {
    const notMember = await queryCli(as('demo-analyst', 'opt-out-monitoring', 'SELECT count(*) AS n FROM national_opt_outs'));
    expect(notMember).toEqual({
      code: 1,
      stdout: '',
      stderr: 'enclave platform query: There is no such project, or you are not a member of it.\n',
    });
    const nobody = await queryCli(as('nobody', 'covid-outcomes', 'SELECT 1 AS one'));
    expect(nobody).toEqual({ code: 1, stdout: '', stderr: 'enclave platform query: There is no user nobody on this platform.\n' });
    const checker = await queryCli(as('demo-checker-1', 'covid-outcomes', 'SELECT 1 AS one'));
    expect(checker.code).toBe(1);
    expect(checker.stderr).toMatch(/^enclave platform query: demo-checker-1's role does not allow queries\.\n$/);
  });

  it('refuses a suspended person, and everyone on a suspended project, as the API does (SATRE 2.6.04)', async () => {
    const operator = { kind: 'operator', name: 'test' } as const;
    const act = async (action: 'suspend_user' | 'suspend_project') => {
      const core = await openPlatformCore({ dataDir: data.dataDir, watchAgreements: false });
      try {
        const incident = await core.killSwitch.openIncident(operator, {
          summary: `Operator query while ${action}`,
          severity: 'high',
          detectedAt: new Date().toISOString(),
          personalData: false,
        });
        const effect = await core.killSwitch.act(
          operator,
          action === 'suspend_user'
            ? { action, userId: 'demo-analyst', incidentId: incident.id, reason: 'Testing the operator path' }
            : { action, projectId: 'covid-outcomes', incidentId: incident.id, reason: 'Testing the operator path' },
        );
        return effect.restriction!.id;
      } finally {
        await core.close();
      }
    };
    const lift = async (restrictionId: string) => {
      const core = await openPlatformCore({ dataDir: data.dataDir, watchAgreements: false });
      try {
        await core.killSwitch.lift(operator, restrictionId, 'Test over');
      } finally {
        await core.close();
      }
    };
    const person = await act('suspend_user');
    try {
      const refused = await queryCli(as('demo-analyst', 'covid-outcomes', 'SELECT 1 AS one'));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/suspended by an administrator/);
    } finally {
      await lift(person);
    }
    const project = await act('suspend_project');
    try {
      const refused = await queryCli(as('demo-analyst', 'covid-outcomes', 'SELECT 1 AS one'));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/COVID-19 outcomes is suspended by an administrator/);
    } finally {
      await lift(project);
    }
    expect((await queryCli(as('demo-analyst', 'covid-outcomes', 'SELECT 1 AS one'))).code).toBe(0);
  });

  it('exits 2 with the usage for bad arguments, and 0 with it for --help', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--data-dir is required/],
      [['--data-dir', data.dataDir, '--as', 'demo-analyst', '--project', 'covid-outcomes'], /--sql is required/],
      [as('demo-analyst', 'covid-outcomes', '   '), /--sql is required/],
      [[...as('demo-analyst', 'covid-outcomes', 'SELECT 1'), '--format', 'xlsx'], /--format must be csv or json/],
      [[...as('demo-analyst', 'covid-outcomes', 'SELECT 1'), '--fix'], /--fix/],
      [[...as('demo-analyst', 'covid-outcomes', 'SELECT 1'), 'extra'], /extra|positional/i],
    ];
    for (const [args, problem] of cases) {
      const run = await queryCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^enclave platform query: /);
      expect(run.stderr).toMatch(problem);
      expect(run.stderr).toContain('Usage: enclave platform query');
    }
    const help = await queryCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: enclave platform query --data-dir DIR --as USER --project PROJECT --sql "SQL"/);
  });

  it(
    'runs as the real command: rows and exit 0, a refusal and exit 1, bad arguments and exit 2, never a stack trace',
    { timeout: 90_000 },
    async () => {
      const rows = await enclave(as('demo-analyst-2', 'cardio-admissions', 'SELECT count(*) AS n FROM hospital_episodes'));
      expect(rows.code, rows.stderr).toBe(0);
      expect(rows.stdout).toMatch(/^n\r\n\d+\r\n$/);
      const refused = await enclave(as('demo-analyst-2', 'cardio-admissions', 'SELECT * FROM covid_tests'));
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        'enclave platform query: "covid_tests" is not one of this project\'s relations. The project\'s relations are: hospital_episodes, patients.\n',
      );
      const missing = await enclave([
        '--data-dir',
        path.join(data.root, 'nowhere'),
        '--as',
        'demo-analyst',
        '--project',
        'covid-outcomes',
        '--sql',
        'SELECT 1',
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^enclave platform query: /);
      expectCleanStderr(missing.stderr);
      const bad = await enclave(['--sql']);
      expect(bad.code).toBe(2);
      expectCleanStderr(bad.stderr);
    },
  );

  it("audits every query as the user's, run by the operator: via 'operator' and the OS account", async () => {
    const before = (await auditEvents()).length;
    const sql = 'SELECT count(*) AS n FROM covid_tests';
    expect((await queryCli(as('demo-analyst', 'covid-outcomes', sql))).code).toBe(0);
    expect((await queryCli(as('demo-analyst', 'covid-outcomes', 'SELECT * FROM pragma_table_info(1)'))).code).toBe(1);
    const written = (await auditEvents()).slice(before).filter((event) => event.type === 'query.run');
    expect(written).toHaveLength(2);
    const [answered, refused] = written;
    expect(answered).toMatchObject({ type: 'query.run', actor: 'demo-analyst', outcome: 'success' });
    expect(answered.details).toMatchObject({
      role: 'analyst',
      via: 'operator',
      operator: os.userInfo().username,
      projectId: 'covid-outcomes',
      agreementVersion: 1,
      sql,
      relations: ['covid_tests'],
      rows: 1,
    });
    expect(typeof answered.details.durationMs).toBe('number');
    expect(refused).toMatchObject({ actor: 'demo-analyst', outcome: 'failure' });
    expect(refused.details).toMatchObject({
      via: 'operator',
      operator: os.userInfo().username,
      rows: null,
      reason: "pragma_table_info is not available in platform queries: only the project's relations can be read.",
    });
    const verified = await verifyDir(auditDirIn(data.dataDir));
    expect(verified.code, verified.stdout).toBe(0);
  });
});
