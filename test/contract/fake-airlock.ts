// The fake platform's airlock: the routes the contract suite reaches through the workstation core, with fixture answers
// shaped by the airlock's schemas. A project ledger with a released table and chart, one revoked output and one whose
// stored content no longer matches its hash; a request to submit (with its version, so a stale one is a conflict); the
// egress switch; and the checkers' queue, which the demo analyst is refused as the real platform refuses her.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReleasedFile, RequestDetail } from '../../src/common/airlock.ts';
import { CHART, CHART_FILE_ID, releasedFile, sha256Of, TABLE, TABLE_FILE_ID } from '../unit/workstation/airlock-fixtures.ts';

export const AIRLOCK_PROJECT_ID = 'covid-outcomes';
export const REVOKED_FILE_ID = 'file-3333333333abcdef0123';
export const TAMPERED_FILE_ID = 'file-4444444444abcdef0123';
export const UNRELEASED_FILE_ID = 'file-5555555555abcdef0123';
export const FAKE_REQUEST_ID = 'req-0123456789abcdef0123';
export const EGRESS_FROZEN_MESSAGE = 'Egress is frozen for COVID-19 outcomes under incident inc-0123456789abcdef0123: Unusual downloads.';

const REVOKED = releasedFile(TABLE, REVOKED_FILE_ID, {
  revoked: { at: '2026-12-05T12:00:00.000Z', by: { id: 'demo-admin', name: 'Demo Admin' }, reason: 'A differencing risk was found.' },
});

/** Its ledger says one hash; its stored content, changed after release, hashes to another. */
const TAMPERED: ReleasedFile = (() => {
  const genuine = releasedFile(TABLE, TAMPERED_FILE_ID);
  const content = {
    ...TABLE,
    cells: TABLE.cells.map((cell) => (cell.value === null ? { ...cell, value: 2, status: 'published' as const } : cell)),
  };
  return { ...genuine, content, sha256: sha256Of(content) };
})();

export const RELEASED: ReadonlyMap<string, ReleasedFile> = new Map([
  [TABLE_FILE_ID, releasedFile(TABLE, TABLE_FILE_ID)],
  [CHART_FILE_ID, releasedFile(CHART, CHART_FILE_ID)],
  [REVOKED_FILE_ID, REVOKED],
  [TAMPERED_FILE_ID, TAMPERED],
]);

const AT = '2026-12-04T09:00:00.000Z';

export function requestDetail(state: RequestDetail['state'], version: number): RequestDetail {
  return {
    id: FAKE_REQUEST_ID,
    projectId: AIRLOCK_PROJECT_ID,
    projectName: 'COVID-19 outcomes',
    title: 'Winter report',
    state,
    author: { id: 'demo-analyst', name: 'Demo Analyst' },
    createdAt: AT,
    submittedAt: state === 'PENDING' ? null : AT,
    updatedAt: AT,
    version,
    outputs: 1,
    context: { description: 'Admissions by region.', population: 'Everyone admitted in 2021.', relationship: 'None released before.' },
    files: [
      {
        id: TABLE_FILE_ID,
        name: 'by-region',
        role: 'output',
        kind: 'frequency',
        title: TABLE.title,
        fileVersion: 1,
        sha256: 'cd'.repeat(32),
        addedAt: AT,
        withdrawn: false,
        verdict: 'flag',
        mitigation: 'suppressed',
        exception: 'Suppressed as suggested.',
        decision: 'undecided',
        votes: { visible: [], hidden: 0 },
        changedSinceReview: false,
      },
    ],
    comments: [],
    reviews: [],
    history: [
      { at: AT, by: { id: 'demo-analyst', name: 'Demo Analyst' }, event: 'create', fromState: null, toState: 'PENDING', reason: null },
    ],
    round: state === 'PENDING' ? 0 : 1,
    myRole: 'author',
    actions: state === 'PENDING' ? ['edit', 'submit', 'withdraw', 'comment'] : ['withdraw', 'comment'],
  };
}

export interface FakeAirlock {
  /** Freezes (true) or opens egress for the project. */
  freezeEgress(frozen: boolean): void;
  /** Bodies of POSTs to the airlock's routes, with their paths, as the platform received them. */
  readonly posted: Array<{ path: string; body: unknown }>;
  /** Answers the request if it is one of the airlock's routes; false otherwise. */
  answer(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The platform's refusal: its status, and the error body the workstation reads. */
function refuse(res: ServerResponse, refusal: { status: number; code: string; message: string }): void {
  send(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
}

export function createFakeAirlock(): FakeAirlock {
  let frozen = false;
  let version = 3;
  let state: RequestDetail['state'] = 'PENDING';
  const posted: Array<{ path: string; body: unknown }> = [];
  const prefix = `/api/v1/projects/${AIRLOCK_PROJECT_ID}`;

  function onBody(req: IncomingMessage, then: (body: unknown) => void): void {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => then(text === '' ? undefined : JSON.parse(text)));
  }

  return {
    freezeEgress(value) {
      frozen = value;
    },
    posted,
    answer(req, res, path) {
      if (req.method === 'GET' && path === `${prefix}/egress`) {
        send(res, 200, { frozen, message: frozen ? EGRESS_FROZEN_MESSAGE : null });
        return true;
      }
      if (req.method === 'GET' && path === `${prefix}/released`) {
        send(
          res,
          200,
          [...RELEASED.values()].map((file) => file.output),
        );
        return true;
      }
      const released = new RegExp(`^${prefix}/released/([^/]+)$`).exec(path);
      if (req.method === 'GET' && released) {
        const file = RELEASED.get(released[1] ?? '');
        if (file === undefined)
          refuse(res, { status: 404, code: 'not_found', message: 'There is no released output with that id in this project.' });
        else send(res, 200, file);
        return true;
      }
      if (req.method === 'GET' && path === `/api/v1/requests/${FAKE_REQUEST_ID}`) {
        send(res, 200, requestDetail(state, version));
        return true;
      }
      if (req.method === 'POST' && path === `/api/v1/requests/${FAKE_REQUEST_ID}/submit`) {
        onBody(req, (body) => {
          posted.push({ path, body });
          const seen = (body as { expectedVersion?: number }).expectedVersion;
          if (seen !== version) {
            return refuse(res, {
              status: 409,
              code: 'conflict',
              message: `This request changed since you looked (it is at version ${version}, you saw ${seen}). Nothing was changed.`,
            });
          }
          version += 1;
          state = 'SUBMITTED';
          send(res, 200, requestDetail(state, version));
        });
        return true;
      }
      if (req.method === 'GET' && path === '/api/v1/airlock/queue') {
        refuse(res, { status: 403, code: 'forbidden', message: 'Only output checkers have a review queue.' });
        return true;
      }
      return false;
    },
  };
}
