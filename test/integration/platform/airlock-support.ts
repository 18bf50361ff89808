// Helpers for the airlock's tests over the platform's real HTTP API: a platform on the small fixture data with the
// demo's people and projects, calls made as a signed-in demo person (a token the embedded provider would issue), and
// the output documents the tests take through the airlock. The demo people: demo-analyst (a member of
// cardio-admissions who may request release), demo-analyst-2 (a member of cardio-admissions who may not), the output
// checkers demo-checker-1 and demo-checker-2, and demo-admin.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { RequestDetailSchema, type RequestContext, type RequestDetail } from '../../../src/common/airlock.ts';
import { outputBytes, type OutputDocument } from '../../../src/common/outputs.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

export const PROJECT = 'cardio-admissions';
export const ANALYST = 'demo-analyst';
export const MEMBER = 'demo-analyst-2';
export const CHECKER_1 = 'demo-checker-1';
export const CHECKER_2 = 'demo-checker-2';
export const ADMIN = 'demo-admin';

export interface Answer {
  readonly status: number;
  readonly body: string;
  json<T = unknown>(): T;
}

/** A call's method and path below /api/v1: "GET /airlock/queue". */
export type Route = `${'GET' | 'POST'} /${string}`;

export interface AirlockPlatform {
  readonly server: PlatformServer;
  readonly fixture: PlatformFixture;
  /** Calls the API as a demo person (a fresh token each time, issued just now): `route` is "GET /path" or "POST /path". */
  call(as: string, route: Route, body?: unknown): Promise<Answer>;
  /** Like call, expecting 200; answers the JSON. */
  ok<T = unknown>(as: string, route: Route, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startAirlockPlatform(): Promise<AirlockPlatform> {
  const fixture = await createPlatformFixture();
  const server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  async function call(as: string, route: Route, body?: unknown): Promise<Answer> {
    const [method, url] = route.split(' ', 2) as ['GET' | 'POST', string];
    // Issued a moment from now, so a token minted after someone's sign-ins were ended is not refused with them.
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: as, issuedAtOffset: 2 });
    const response = await server.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.body, json: <T>() => response.json<T>() };
  }
  return {
    server,
    fixture,
    call,
    async ok<T>(as: string, route: Route, body?: unknown): Promise<T> {
      const answer = await call(as, route, body);
      expect(answer.status, `${route} as ${as}: ${answer.body}`).toBe(200);
      return answer.json<T>();
    },
    async close() {
      await server.close();
      await fixture.cleanup();
    },
  };
}

/** A refusal's code and message. */
export function refusal(answer: Answer): { code: string; message: string } {
  return answer.json<{ error: { code: string; message: string } }>().error;
}

export const FILLED_CONTEXT: RequestContext = {
  description: 'Emergency admissions by region, for the annual cardiovascular report.',
  population: 'Patients admitted in 2020 with a cardiovascular primary diagnosis; denominators are the regional totals.',
  relationship: 'No earlier outputs of this project describe this population.',
};

/** A one-way table of admissions by region with one small cell (South: 3), and the mitigation asked for. */
export function admissionsByRegion(mitigation: 'none' | 'suppressed', counts: Record<string, number> = {}): OutputDocument {
  const count = { North: 25, South: 3, East: 40, West: 18, ...counts };
  return {
    kind: 'frequency',
    title: 'Admissions by region',
    source: { sql: 'SELECT region, count(*) FROM admissions GROUP BY region', engine: 'native' },
    table: { dimensions: ['region'], cells: Object.entries(count).map(([region, n]) => ({ key: { region }, count: n })) },
    mitigation: { kind: mitigation, roundingBase: null },
  };
}

/** The one contribution that dominates the South cell of bedDays: it must never leave, nor reach anyone but a checker. */
export const DOMINANT_STAY = 987_654;

/** A magnitude table (bed days by region) whose South cell one stay dominates, suppressed as the engine suggests. */
export function bedDays(options: { extraNorth?: number } = {}): OutputDocument {
  const run = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
  const cells: Array<{ region: string; values: number[] }> = [
    { region: 'North', values: [...run(20, 10), ...(options.extraNorth === undefined ? [] : [options.extraNorth])] },
    { region: 'South', values: [...run(11, 3), DOMINANT_STAY] },
    { region: 'East', values: run(30, 5) },
    { region: 'West', values: run(25, 7) },
  ];
  return {
    kind: 'magnitude',
    title: 'Bed days by region',
    statistic: 'sum',
    measure: 'length_of_stay',
    source: { sql: 'SELECT region, length_of_stay FROM admissions', engine: 'native' },
    table: {
      dimensions: ['region'],
      cells: cells.map((cell) => ({ key: { region: cell.region }, count: cell.values.length, contributions: cell.values })),
    },
    mitigation: { kind: 'suppressed', roundingBase: null },
  };
}

export const sha256Of = (document: OutputDocument): string => createHash('sha256').update(outputBytes(document)).digest('hex');

/** The steps a request takes, as the people in the tests take them. */
export function airlockSteps(platform: AirlockPlatform) {
  const detail = async (as: string, route: Route, body?: unknown): Promise<RequestDetail> =>
    RequestDetailSchema.parse(await platform.ok(as, route, body));
  return {
    detail,
    get: (as: string, requestId: string) => detail(as, `GET /requests/${requestId}`),
    create: (title: string, options: { as?: string; project?: string; context?: RequestContext } = {}) =>
      detail(options.as ?? ANALYST, `POST /projects/${options.project ?? PROJECT}/requests`, {
        title,
        context: options.context ?? FILLED_CONTEXT,
      }),
    putOutput: (request: RequestDetail, file: { name: string; output: OutputDocument; exception?: string | null; as?: string }) =>
      detail(file.as ?? ANALYST, `POST /requests/${request.id}/files`, {
        expectedVersion: request.version,
        name: file.name,
        output: file.output,
        exception: file.exception ?? null,
      }),
    submit: (request: RequestDetail, as = ANALYST) =>
      detail(as, `POST /requests/${request.id}/submit`, { expectedVersion: request.version }),
    vote: async (as: string, cast: { requestId: string; file: string; vote: 'approve' | 'request_changes'; disagreement?: unknown }) => {
      const current = await detail(as, `GET /requests/${cast.requestId}`);
      const file = current.files.find((candidate) => candidate.name === cast.file);
      if (file === undefined) throw new Error(`no file ${cast.file}`);
      return detail(as, `POST /requests/${cast.requestId}/files/${file.id}/vote`, {
        expectedVersion: current.version,
        vote: cast.vote,
        disagreement: cast.disagreement ?? null,
      });
    },
    complete: async (as: string, requestId: string) => {
      const current = await detail(as, `GET /requests/${requestId}`);
      return detail(as, `POST /requests/${requestId}/review`, { expectedVersion: current.version });
    },
    /** Two checkers approve every output file and complete their reviews. */
    approveAll: async (requestId: string) => {
      let last: RequestDetail | undefined;
      for (const checker of [CHECKER_1, CHECKER_2]) {
        const current = await detail(checker, `GET /requests/${requestId}`);
        for (const file of current.files.filter((candidate) => candidate.role === 'output' && !candidate.withdrawn)) {
          const now = await detail(checker, `GET /requests/${requestId}`);
          await detail(checker, `POST /requests/${requestId}/files/${file.id}/vote`, {
            expectedVersion: now.version,
            vote: 'approve',
            disagreement: null,
          });
        }
        const now = await detail(checker, `GET /requests/${requestId}`);
        last = await detail(checker, `POST /requests/${requestId}/review`, { expectedVersion: now.version });
      }
      return last as RequestDetail;
    },
  };
}

/** A request of the analyst's with one passing output (suppressed as suggested), submitted. */
export async function submittedRequest(platform: AirlockPlatform, title: string): Promise<RequestDetail> {
  const steps = airlockSteps(platform);
  const created = await steps.create(title);
  const withFile = await steps.putOutput(created, { name: 'admissions.json', output: admissionsByRegion('suppressed') });
  return steps.submit(withFile);
}

/** The same, approved by both checkers. */
export async function approvedRequest(platform: AirlockPlatform, title: string): Promise<RequestDetail> {
  const submitted = await submittedRequest(platform, title);
  const approved = await airlockSteps(platform).approveAll(submitted.id);
  expect(approved.state).toBe('APPROVED');
  return approved;
}

/** The audit log's events of one type, newest first, read by an administrator. */
export async function auditOf(
  platform: AirlockPlatform,
  type: string,
): Promise<Array<{ type: string; actor: string | null; outcome: string; details: Record<string, unknown> }>> {
  const page = await platform.ok<{
    events: Array<{ type: string; actor: string | null; outcome: string; details: Record<string, unknown> }>;
  }>(ADMIN, `GET /admin/audit?type=${encodeURIComponent(type)}&limit=200`);
  return page.events;
}
