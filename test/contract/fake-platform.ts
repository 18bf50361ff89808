// A stand-in for the platform HTTP API v1 (the brief's routes and error shape) with fixture data, so the
// workstation core and its transports are tested without the real platform.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { Catalogue, Project, RuleProfile, User } from '../../src/common/contract.ts';
import { createFakeAirlock, type FakeAirlock } from './fake-airlock.ts';

export const FAKE_PLATFORM_NAME = 'Fake platform for tests';

export const DEMO_USER: User = { id: 'demo-analyst', displayName: 'Demo Analyst', role: 'analyst' };

export const FAKE_ISSUER = 'https://idp.test/oidc';

export const RULES: RuleProfile[] = [
  {
    profile: 'safe',
    threshold: 10,
    nk: { n: 2, k: 0.9 },
    p: 0.1,
    zerosDisclosive: true,
    rounding: { base: 5 },
    dofThreshold: 10,
    defaultTotals: 'published',
  },
];

export const PROJECTS: Project[] = [
  {
    id: 'covid-outcomes',
    name: 'COVID-19 outcomes',
    purpose: 'Hospital outcomes after a positive test.',
    localData: 'disk',
    clipboardCellLimit: 100,
    datasetIds: ['patients', 'covid_tests'],
  },
  {
    id: 'opt-out-monitoring',
    name: 'Opt-out monitoring',
    purpose: 'How many patients opted out, by month.',
    // Nothing of it on this computer's disk: its local tables live in the window's own engine.
    localData: 'memory',
    clipboardCellLimit: 0,
    datasetIds: ['national_opt_outs'],
  },
];

/** A project that exists but whose catalogue the demo analyst may not read. */
export const LOCKED_PROJECT_ID = 'locked-project';

export const CATALOGUE: Catalogue = {
  projectId: 'covid-outcomes',
  datasets: [
    {
      id: 'patients',
      name: 'Patients',
      description: 'One row per patient.',
      rowCount: 5,
      fields: [
        {
          name: 'nhs_number',
          type: 'VARCHAR',
          description: 'NHS number.',
          tags: ['direct_identifier'],
          available: false,
          treatment: 'not available to this project',
        },
        { name: 'sex', type: 'VARCHAR', description: 'Sex.', tags: ['quasi_identifier'], available: true, treatment: 'sex → as recorded' },
        {
          name: 'region',
          type: 'VARCHAR',
          description: 'Region.',
          tags: ['reference'],
          available: true,
          treatment: 'region → as recorded',
        },
      ],
    },
  ],
};

const SEXES = ['F', 'M', 'F', 'F', 'M'];
const REGIONS = ['London', 'North West', 'South East', 'London', 'Yorkshire and The Humber'];

const samples = new Map<number, Uint8Array>();

/**
 * The Arrow IPC stream the fake answers for a sample of `limit` rows. Built once per limit: apache-arrow numbers
 * dictionaries from a global counter, so encoding the same table twice does not give the same bytes.
 */
export function sampleBytes(limit: number): Uint8Array {
  const n = Math.min(limit, SEXES.length);
  let bytes = samples.get(n);
  if (!bytes) {
    bytes = tableToIPC(tableFromArrays({ sex: SEXES.slice(0, n), region: REGIONS.slice(0, n) }), 'stream');
    samples.set(n, bytes);
  }
  return bytes;
}

export interface FakePlatformOptions {
  /** Who a Bearer token belongs to, or null: the API (everything but health) refuses a call without a valid one. */
  tokenOwner?: (token: string) => string | null;
}

/**
 * A sample answer the test holds part-way, to cancel or follow a call while the platform is still at work.
 * 'querying': nothing is sent yet (the platform's query is running); 'streaming': the headers (with a
 * Content-Length) and the first half of the bytes are sent, then nothing until release().
 */
export interface SampleHold {
  /** The request arrived (and, when streaming, the first half was written). */
  readonly started: Promise<void>;
  /** The workstation hung up before the answer was complete: its request was aborted. */
  readonly aborted: Promise<void>;
  /** Sends the rest of the answer. */
  release(): void;
}

export interface FakePlatform {
  url: string;
  /** Holds the next sample request with this limit (see SampleHold). */
  holdSample(options: { limit: number; stage: 'querying' | 'streaming' }): SampleHold;
  /** Paths the fake was asked for, in order (to show that refused input never reached the platform). */
  requests: string[];
  /** Session events posted, in order. */
  sessionEvents: string[];
  /** Kill-switch actions posted to /admin/actions, in order (as the platform received them). */
  actions: unknown[];
  /** Suspends the caller (every API call answers 'suspended' with this message), or lifts it (null). */
  suspend(message: string | null): void;
  /** The airlock's routes: its ledger, a request, the egress switch (./fake-airlock.ts). */
  airlock: FakeAirlock;
  close(): Promise<void>;
}

/** What the fake answers for any kill-switch action. */
export const ACTION_EFFECT = {
  restriction: null,
  signInsEnded: 2,
  operationsAborted: 0,
  summary: ['Ada Analyst’s sign-ins are ended: 2 sessions. She can sign in again at once.'],
};

function error(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

interface PendingHold {
  readonly stage: 'querying' | 'streaming';
  /** Whether release() was called (perhaps before the request arrived). */
  released: boolean;
  start(): void;
  abort(): void;
  /** Set when the request arrives: sends the rest. */
  finish?: () => void;
}

function newHold(stage: 'querying' | 'streaming'): { pending: PendingHold; hold: SampleHold } {
  let start = () => {};
  let abort = () => {};
  const started = new Promise<void>((resolve) => (start = resolve));
  const aborted = new Promise<void>((resolve) => (abort = resolve));
  const pending: PendingHold = { stage, released: false, start, abort };
  const release = () => {
    pending.released = true;
    pending.finish?.();
  };
  return { pending, hold: { started, aborted, release } };
}

/** Answers a sample the test holds: part of it now, the rest on release, and notes a hang-up. */
function answerHeld(res: ServerResponse, options: { bytes: Uint8Array; pending: PendingHold }): void {
  const { bytes, pending } = options;
  const half = Math.floor(bytes.byteLength / 2);
  const headers = { 'Content-Type': 'application/vnd.apache.arrow.stream', 'Content-Length': String(bytes.byteLength) };
  res.on('close', () => {
    if (!res.writableFinished) pending.abort();
  });
  let sent = 0;
  if (pending.stage === 'streaming') {
    res.writeHead(200, headers);
    res.write(bytes.subarray(0, half));
    sent = half;
  }
  pending.finish = () => {
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(200, headers);
    res.end(bytes.subarray(sent));
  };
  pending.start();
  if (pending.released) pending.finish();
}

export async function startFakePlatform(options: FakePlatformOptions = {}): Promise<FakePlatform> {
  const requests: string[] = [];
  const sessionEvents: string[] = [];
  const actions: unknown[] = [];
  let suspension: string | null = null;
  const holds = new Map<number, PendingHold>();
  const airlock = createFakeAirlock();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(url.pathname + url.search);
    const json = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(body);
    };
    const parts = url.pathname.split('/').filter(Boolean); // api, v1, …
    const [, , first, projectId, second, datasetId, third] = parts;
    if (req.method === 'GET' && first === 'health' && parts.length === 3) {
      return json(
        200,
        JSON.stringify({
          status: 'ok',
          name: FAKE_PLATFORM_NAME,
          mode: 'demo',
          identity: { issuer: FAKE_ISSUER, clientId: 'enclave-workstation' },
        }),
      );
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (options.tokenOwner && options.tokenOwner(bearer) === null)
      return json(401, error('unauthenticated', 'Sign in again: the access token is missing or invalid.'));
    if (suspension !== null) return json(403, error('suspended', suspension));
    if (airlock.answer(req, res, url.pathname)) return;
    if (req.method === 'POST' && first === 'admin' && projectId === 'actions' && parts.length === 4) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        actions.push(JSON.parse(body));
        json(200, JSON.stringify(ACTION_EFFECT));
      });
      return;
    }
    if (req.method === 'POST' && first === 'session-events' && parts.length === 3) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        sessionEvents.push((JSON.parse(body) as { event: string }).event);
        res.writeHead(204);
        res.end();
      });
      return;
    }
    // A minimised query (project.query): the fake's three-row answer as Arrow, or a refusal of SQL that reads
    // "nowhere", pointing at it as the real platform points at an error in the analyst's SQL.
    if (req.method === 'POST' && first === 'projects' && second === 'query' && parts.length === 5) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { sql, format } = JSON.parse(body) as { sql: string; format?: string };
        if (projectId !== CATALOGUE.projectId) return json(404, error('not_found', `There is no project ${projectId}.`));
        const nowhere = sql.indexOf('nowhere');
        if (nowhere >= 0) {
          return json(
            400,
            JSON.stringify({ error: { code: 'invalid_input', message: 'Table with name nowhere does not exist.', position: nowhere } }),
          );
        }
        if ((format ?? 'arrow') !== 'arrow') return json(400, error('invalid_input', 'The fake platform answers queries as Arrow only.'));
        const bytes = sampleBytes(3);
        res.writeHead(200, { 'Content-Type': 'application/vnd.apache.arrow.stream', 'Content-Length': String(bytes.byteLength) });
        res.end(bytes);
      });
      return;
    }
    if (req.method !== 'GET' || parts[0] !== 'api' || parts[1] !== 'v1') return json(404, error('not_found', 'No such route.'));
    if (first === 'me' && parts.length === 3) return json(200, JSON.stringify(DEMO_USER));
    if (first === 'checking' && projectId === 'rules' && parts.length === 4) return json(200, JSON.stringify(RULES));
    if (first === 'projects' && parts.length === 3) return json(200, JSON.stringify(PROJECTS));
    if (first === 'projects' && projectId === LOCKED_PROJECT_ID) {
      return json(403, error('forbidden', 'You are not a member of project locked-project.'));
    }
    if (first === 'projects' && projectId !== CATALOGUE.projectId)
      return json(404, error('not_found', `There is no project ${projectId}.`));
    if (second === 'catalogue' && parts.length === 5) return json(200, JSON.stringify(CATALOGUE));
    if (second === 'datasets' && third === 'sample' && parts.length === 7) {
      if (!PROJECTS[0]?.datasetIds.includes(datasetId ?? ''))
        return json(404, error('not_found', `Project covid-outcomes has no dataset ${datasetId}.`));
      const limit = Number(url.searchParams.get('limit'));
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) return json(400, error('invalid_input', 'limit must be 1..1000000.'));
      const bytes = sampleBytes(limit);
      const pending = holds.get(limit);
      if (pending) {
        holds.delete(limit);
        return answerHeld(res, { bytes, pending });
      }
      res.writeHead(200, { 'Content-Type': 'application/vnd.apache.arrow.stream', 'Content-Length': String(bytes.byteLength) });
      res.end(bytes);
      return;
    }
    return json(404, error('not_found', 'No such route.'));
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    holdSample({ limit, stage }) {
      const { pending, hold } = newHold(stage);
      holds.set(limit, pending);
      return hold;
    },
    requests,
    sessionEvents,
    actions,
    airlock,
    suspend(message) {
      suspension = message;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A URL on which nothing listens: the port was free a moment ago and is closed again. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
