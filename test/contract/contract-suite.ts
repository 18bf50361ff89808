// ONE contract suite, run over every transport (in-process, HTTP browser shell, Electron IPC): the same calls
// must give the same answers and the same errors whichever way the renderer reaches the workstation core.
// The core is real (session state machine, loopback sign-in listener, platform client); the identity provider is
// the fake behind the core's IdP seam (the real one is tested in test/integration/workstation).
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { createClient, type Client, type Transport } from '../../src/common/client.ts';
import type { CallProgress, EventPayload, MethodName, Session } from '../../src/common/contract.ts';
import type { ErrorCode } from '../../src/common/errors.ts';
import { createWorkstationCore, type WorkstationCore } from '../../src/workstation/core.ts';
import { browserGet, callbackFor, createFakeIdp, fakeDiscover, type FakeIdp } from '../unit/workstation/fake-idp.ts';
import {
  ACTION_EFFECT,
  CATALOGUE,
  DEMO_USER,
  FAKE_ISSUER,
  FAKE_PLATFORM_NAME,
  LOCKED_PROJECT_ID,
  PROJECTS,
  RULES,
  sampleBytes,
  startFakePlatform,
  unreachableUrl,
  type FakePlatform,
} from './fake-platform.ts';
import type { ConnectedTransport, TransportFactory } from './transports/index.ts';
import { errorOf } from '../support/error-of.ts';
import type { ExportOutcome } from '../../src/common/contract.ts';
import { EXPORT_DOWNLOAD_PATH } from '../../src/workstation/airlock/downloads.ts';
import { CHART_FILE_ID, sha256Of, TABLE, TABLE_FILE_ID } from '../unit/workstation/airlock-fixtures.ts';
import { readWorkbook } from '../support/xlsx-read.ts';
import {
  AIRLOCK_PROJECT_ID,
  EGRESS_FROZEN_MESSAGE,
  FAKE_REQUEST_ID,
  RELEASED,
  REVOKED_FILE_ID,
  TAMPERED_FILE_ID,
  UNRELEASED_FILE_ID,
} from './fake-airlock.ts';

/** Resolves with the first status event that satisfies the predicate (the test's timeout bounds the wait). */
function statusEvent(client: Client, predicate: (status: EventPayload<'platform.status'>) => boolean) {
  return new Promise<EventPayload<'platform.status'>>((resolve) => {
    const stop = client.listen('platform.status', (status) => {
      if (predicate(status)) {
        // The first (replayed) event can arrive while listen() is still returning: stop once it has.
        queueMicrotask(() => stop());
        resolve(status);
      }
    });
  });
}

/**
 * Listens to the platform status until the test ends, and resolves once the first one arrived: the window's event
 * channel is open (over HTTP, its event stream is connected), as it always is in the app.
 */
function keepListening(client: Client): Promise<void> {
  return new Promise<void>((resolve) => {
    client.listen('platform.status', () => resolve());
  });
}

/** Every progress report one call received, and a way to wait for one. */
function progressLog() {
  const seen: CallProgress[] = [];
  const waiters: Array<{ test: (progress: CallProgress) => boolean; resolve: (progress: CallProgress) => void }> = [];
  return {
    seen,
    onProgress(progress: CallProgress) {
      seen.push(progress);
      for (const waiter of [...waiters]) {
        if (!waiter.test(progress)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(progress);
      }
    },
    /** Resolves with the first report (received or to come) that satisfies the test. */
    until(test: (progress: CallProgress) => boolean): Promise<CallProgress> {
      const hit = seen.find(test);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

const SAMPLE_OF_3 = { projectId: 'covid-outcomes', datasetId: 'patients', limit: 3 };
const SAMPLE_OF_5 = { projectId: 'covid-outcomes', datasetId: 'patients', limit: 5 };
const isSamplePath = (path: string) => path.includes('/sample');

/** Resolves with the first session event that satisfies the predicate. */
function sessionEvent(client: Client, predicate: (session: Session) => boolean) {
  return new Promise<Session>((resolve) => {
    const stop = client.listen('session.changed', (session) => {
      if (predicate(session)) {
        queueMicrotask(() => stop());
        resolve(session);
      }
    });
  });
}

// A valid input for every method that needs the platform and a signed-in user.
const DATA_INPUTS: { [M in 'checking.rules' | 'projects.list' | 'catalogue.get' | 'dataset.sample']: unknown } = {
  'checking.rules': {},
  'projects.list': {},
  'catalogue.get': { projectId: 'covid-outcomes' },
  'dataset.sample': { projectId: 'covid-outcomes', datasetId: 'patients', limit: 3 },
};

const INCIDENT = { summary: 'Unusual downloads', severity: 'high', detectedAt: '2026-12-03T08:30:00Z', personalData: true };
const INCIDENT_ID = 'inc-0123456789abcdef0123';
const SUSPEND_ADA = { action: 'suspend_user', userId: 'demo-analyst', incidentId: INCIDENT_ID, reason: 'Unusual downloads.' };
const REPORT = { subject: 'person', id: 'demo-analyst', from: '2026-12-01T00:00:00Z', to: '2026-12-04T00:00:00Z' };

// One invalid input per method, and the field its error must name.
const INVALID_INPUTS: Array<{ method: MethodName; input: unknown; field: string }> = [
  { method: 'session.get', input: { userId: 'someone-else' }, field: 'userId' },
  { method: 'session.signIn', input: { loginHint: 'demo-admin' }, field: 'loginHint' },
  { method: 'session.signOut', input: { everywhere: true }, field: 'everywhere' },
  { method: 'session.lock', input: { minutes: 5 }, field: 'minutes' },
  { method: 'session.activity', input: { at: 1 }, field: 'at' },
  { method: 'checking.rules', input: { profile: 'x' }, field: 'profile' },
  { method: 'projects.list', input: { all: true }, field: 'all' },
  { method: 'catalogue.get', input: { projectId: '../../admin' }, field: 'projectId' },
  { method: 'dataset.sample', input: { projectId: 'covid-outcomes', datasetId: 'patients', limit: 0 }, field: 'limit' },
  { method: 'dataset.sample', input: { projectId: 'covid-outcomes', datasetId: 'patients', limit: 1_000_001 }, field: 'limit' },
  { method: 'dataset.sample', input: { projectId: 'covid-outcomes', limit: 3 }, field: 'datasetId' },
  { method: 'platform.query', input: { projectId: 'covid-outcomes', sql: '   ' }, field: 'sql' },
  { method: 'platform.query', input: { projectId: '../admin', sql: 'SELECT 1' }, field: 'projectId' },
  { method: 'call.cancel', input: { callId: 'not-a-uuid' }, field: 'callId' },
  { method: 'call.cancel', input: { callId: '../../session.signOut' }, field: 'callId' },
  { method: 'call.cancel', input: {}, field: 'callId' },
  { method: 'agreement.get', input: { projectId: '../../admin/agreements' }, field: 'projectId' },
  { method: 'admin.agreements', input: { projectId: 'covid-outcomes' }, field: 'projectId' },
  { method: 'admin.audit', input: { filter: { typePrefix: "query.' OR 1=1" } }, field: 'filter.typePrefix' },
  { method: 'admin.audit', input: { filter: { limit: 100_000 } }, field: 'filter.limit' },
  { method: 'admin.audit', input: { filter: { from: 'yesterday' } }, field: 'filter.from' },
  { method: 'admin.audit', input: {}, field: 'filter' },
  { method: 'admin.killswitch', input: { all: true }, field: 'all' },
  { method: 'admin.openIncident', input: { ...INCIDENT, severity: 'apocalyptic' }, field: 'severity' },
  { method: 'admin.openIncident', input: { ...INCIDENT, summary: '  ' }, field: 'summary' },
  { method: 'admin.openIncident', input: { ...INCIDENT, detectedAt: 'this morning' }, field: 'detectedAt' },
  { method: 'admin.closeIncident', input: { incidentId: '../actions', resolution: 'Resolved.' }, field: 'incidentId' },
  { method: 'admin.closeIncident', input: { incidentId: INCIDENT_ID, resolution: '' }, field: 'resolution' },
  { method: 'admin.act', input: { action: { ...SUSPEND_ADA, action: 'delete_user' } }, field: 'action' },
  { method: 'admin.act', input: { action: { ...SUSPEND_ADA, userId: '../admin' } }, field: 'action.userId' },
  { method: 'admin.act', input: { action: { ...SUSPEND_ADA, reason: 'x' } }, field: 'action.reason' },
  { method: 'admin.act', input: { action: { ...SUSPEND_ADA, incidentId: 'inc-1' } }, field: 'action.incidentId' },
  { method: 'admin.act', input: { action: { ...SUSPEND_ADA, projectId: 'covid-outcomes' } }, field: 'projectId' },
  { method: 'admin.lift', input: { actionId: 'act-../../x', reason: 'Cleared by the investigation.' }, field: 'actionId' },
  { method: 'admin.lift', input: { actionId: 'act-0123456789abcdef0123', reason: 'x'.repeat(2001) }, field: 'reason' },
  { method: 'admin.accessReport', input: { ...REPORT, subject: 'everyone' }, field: 'subject' },
  { method: 'admin.accessReport', input: { ...REPORT, from: 'last week' }, field: 'from' },
  { method: 'admin.accessReport', input: { ...REPORT, id: "demo-analyst' OR 1=1" }, field: 'id' },
  { method: 'airlock.request', input: { requestId: '../../admin/users' }, field: 'requestId' },
  { method: 'airlock.released', input: { projectId: '../admin' }, field: 'projectId' },
  { method: 'airlock.export', input: { projectId: 'covid-outcomes', fileId: TABLE_FILE_ID, format: 'pdf' }, field: 'format' },
  { method: 'airlock.export', input: { projectId: 'covid-outcomes', fileId: 'file-../../x', format: 'csv' }, field: 'fileId' },
  { method: 'airlock.export', input: { projectId: 'covid-outcomes', fileId: TABLE_FILE_ID, format: 'csv', path: '/tmp/x' }, field: 'path' },
  { method: 'airlock.submit', input: { requestId: FAKE_REQUEST_ID, expectedVersion: 0 }, field: 'expectedVersion' },
  { method: 'airlock.submit', input: { requestId: FAKE_REQUEST_ID }, field: 'expectedVersion' },
  {
    method: 'airlock.vote',
    input: { requestId: FAKE_REQUEST_ID, fileId: TABLE_FILE_ID, expectedVersion: 1, vote: 'maybe', disagreement: null },
    field: 'vote',
  },
  {
    method: 'airlock.comment',
    input: { requestId: FAKE_REQUEST_ID, fileId: null, cell: { region: 'London' }, visibility: 'public', text: 'Look at this cell.' },
    field: 'fileId',
  },
  {
    method: 'airlock.comment',
    input: { requestId: FAKE_REQUEST_ID, fileId: null, cell: null, visibility: 'secret', text: 'Look at this.' },
    field: 'visibility',
  },
  { method: 'airlock.reject', input: { requestId: FAKE_REQUEST_ID, expectedVersion: 3, reason: '' }, field: 'reason' },
  { method: 'airlock.readNotifications', input: { upTo: -1 }, field: 'upTo' },
];

export function runContractSuite(label: string, connect: TransportFactory): void {
  describe(`the workstation contract over ${label}`, () => {
    let platform: FakePlatform;
    let idp: FakeIdp;
    let core: WorkstationCore;
    let connected: ConnectedTransport;
    let transport: Transport;
    let client: Client;
    const extra: Array<{ core: WorkstationCore; connected: ConnectedTransport }> = [];
    /** Further windows on the test's own core. */
    const windows: ConnectedTransport[] = [];

    function newCore(platformUrl: string, extra: { requestTimeoutMs?: number } = {}): WorkstationCore {
      // A long interval: the tests drive health checks themselves (checkPlatform), never by waiting.
      return createWorkstationCore({
        platformUrl,
        healthIntervalMs: 3_600_000,
        tokenStore: 'memory',
        discover: fakeDiscover(idp),
        ...extra,
      });
    }

    /** Signs in over the transport: session.signIn, then the browser comes back to the loopback listener. */
    async function signIn(over: Client = client) {
      const { authorizationUrl } = await over.invoke('session.signIn', {});
      return browserGet(callbackFor(authorizationUrl));
    }

    beforeEach(async () => {
      idp = createFakeIdp();
      platform = await startFakePlatform({ tokenOwner: (token) => idp.accessOwners.get(token)?.sub ?? null });
      core = newCore(platform.url);
      await core.checkPlatform();
      connected = await connect(core);
      transport = connected.transport;
      client = createClient(transport);
      await signIn();
    });

    afterEach(async () => {
      for (const window of windows.splice(0)) await window.close();
      for (const other of extra.splice(0)) {
        await other.connected.close();
        other.core.close();
      }
      await connected.close();
      core.close();
      await platform.close();
    });

    async function clientOnUnreachablePlatform(): Promise<Client> {
      const deadCore = newCore(await unreachableUrl(), { requestTimeoutMs: 5_000 });
      const deadConnected = await connect(deadCore);
      extra.push({ core: deadCore, connected: deadConnected });
      return createClient(deadConnected.transport);
    }

    describe('happy paths', () => {
      it('session.get says who is signed in (from /me), until when, and the platform it talks to', async () => {
        const session = await client.invoke('session.get', {});

        expect(session).toEqual({
          state: 'signed_in',
          user: DEMO_USER,
          platform: { url: platform.url, name: FAKE_PLATFORM_NAME, mode: 'demo' },
          issuer: FAKE_ISSUER,
          sessionEndsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          idleLockSeconds: 900,
          tokenStorage: 'memory',
          message: null,
        });
        await vi.waitFor(() => expect(platform.sessionEvents).toEqual(['signed_in']));
      });

      it('checking.rules returns the rule profiles the platform enforces', async () => {
        expect(await client.invoke('checking.rules', {})).toEqual(RULES);
      });

      it('session.activity answers null', async () => {
        expect(await client.invoke('session.activity', {})).toBeNull();
      });

      it('projects.list lists the projects the platform says the user is a member of', async () => {
        const projects = await client.invoke('projects.list', {});

        expect(projects).toEqual(PROJECTS);
      });

      it("catalogue.get returns the project's catalogue, availability of each field included", async () => {
        const catalogue = await client.invoke('catalogue.get', { projectId: 'covid-outcomes' });

        expect(catalogue).toEqual(CATALOGUE);
        expect(catalogue.datasets[0]?.fields.find((f) => f.name === 'nhs_number')?.available).toBe(false);
      });

      it('dataset.sample returns the Arrow bytes the platform sent, byte for byte', async () => {
        const bytes = await client.invoke('dataset.sample', { projectId: 'covid-outcomes', datasetId: 'patients', limit: 3 });

        expect(bytes).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(bytes).equals(Buffer.from(sampleBytes(3)))).toBe(true);
        const table = tableFromIPC(bytes);
        expect(table.numRows).toBe(3);
        expect(table.schema.fields.map((f) => f.name)).toEqual(['sex', 'region']);
      });

      it('platform.query returns the Arrow bytes of the minimised result, byte for byte', async () => {
        const bytes = await client.invoke('platform.query', { projectId: 'covid-outcomes', sql: 'SELECT sex, region FROM patients' });

        expect(Buffer.from(bytes).equals(Buffer.from(sampleBytes(3)))).toBe(true);
        expect(tableFromIPC(bytes).numRows).toBe(3);
        expect(platform.requests).toContain('/api/v1/projects/covid-outcomes/query');
      });
    });

    describe('the session', () => {
      it('session.lock locks: every data method is refused with locked, and listeners hear it', async () => {
        const heard = sessionEvent(client, (s) => s.state === 'locked');

        const locked = await client.invoke('session.lock', {});

        expect(locked).toMatchObject({ state: 'locked', user: DEMO_USER });
        expect((await heard).state).toBe('locked');
        for (const [method, input] of Object.entries(DATA_INPUTS)) {
          const error = await errorOf(transport.invoke(method as MethodName, input));
          expect(error.code).toBe('locked');
        }
      });

      it('unlocking with a fresh sign-in as the same user opens it again', async () => {
        await client.invoke('session.lock', {});

        const page = await signIn();

        expect(page.status).toBe(200);
        expect((await client.invoke('session.get', {})).state).toBe('signed_in');
        expect(await client.invoke('projects.list', {})).toEqual(PROJECTS);
      });

      it('session.signOut signs out: data methods are refused with unauthenticated', async () => {
        const after = await client.invoke('session.signOut', {});

        expect(after).toMatchObject({ state: 'signed_out', user: null, message: { kind: 'info' } });
        expect((await errorOf(client.invoke('projects.list', {}))).code).toBe('unauthenticated');
        expect(platform.sessionEvents).toEqual(['signed_in', 'signed_out']);
      });

      it('session.signIn answers an authorization URL whose redirect is a loopback listener', async () => {
        await client.invoke('session.signOut', {});

        const { authorizationUrl } = await client.invoke('session.signIn', {});
        const signingIn = await client.invoke('session.get', {});
        const cancelled = await client.invoke('session.cancelSignIn', {});

        expect(new URL(authorizationUrl).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
        expect(signingIn.state).toBe('signing_in');
        expect(cancelled.state).toBe('signed_out');
      });

      it('session.signIn while signed in fails with invalid_input', async () => {
        expect((await errorOf(client.invoke('session.signIn', {}))).code).toBe('invalid_input');
      });

      it('no token ever reaches the renderer, in answers or events', async () => {
        const events: unknown[] = [];
        const stop = client.listen('session.changed', (s) => events.push(s));
        await client.invoke('session.lock', {});
        await signIn();
        const seen = JSON.stringify([await client.invoke('session.get', {}), events]);
        stop();

        for (const token of [...idp.accessOwners.keys(), ...idp.refreshOwners.keys()]) expect(seen).not.toContain(token);
      });
    });

    describe('refused input (it never reaches the platform)', () => {
      for (const { method, input, field } of INVALID_INPUTS) {
        it(`${method} with ${JSON.stringify(input)} fails with invalid_input naming "${field}"`, async () => {
          const before = platform.requests.length;

          const error = await errorOf(transport.invoke(method, input));

          expect(error.code).toBe('invalid_input');
          expect(error.message).toContain(field);
          // Health checks and the sign-in's own audit report may run meanwhile; nothing else may.
          expect(platform.requests.slice(before).filter((path) => !path.endsWith('/health') && !path.endsWith('/session-events'))).toEqual(
            [],
          );
        });
      }

      it('a payload that is not an object at all is refused with invalid_input', async () => {
        const error = await errorOf(transport.invoke('catalogue.get', 'covid-outcomes'));

        expect(error.code).toBe('invalid_input');
      });

      it('an unknown method fails with unknown_method', async () => {
        const error = await errorOf(transport.invoke('admin.deleteEverything' as MethodName, {}));

        expect(error.code).toBe('unknown_method');
      });

      it('a name inherited from Object.prototype is not a method', async () => {
        const error = await errorOf(transport.invoke('constructor' as MethodName, {}));

        expect(error.code).toBe('unknown_method');
      });
    });

    describe('incidents and the kill switch', () => {
      it('admin.act sends the action to the platform as it was asked, and answers what it did', async () => {
        const action = { ...SUSPEND_ADA, action: 'revoke_sessions' } as const;

        const effect = await client.invoke('admin.act', { action });

        expect(effect).toEqual(ACTION_EFFECT);
        expect(platform.actions).toEqual([action]);
      });

      it("a suspended person's call fails as suspended, and the window hears the session end with the platform's reason", async () => {
        const why = 'Your access to Enclave is suspended by an administrator: Unusual downloads.';
        const ended = sessionEvent(client, (s) => s.state === 'signed_out');
        platform.suspend(why);

        const error = await errorOf(client.invoke('projects.list', {}));

        expect(error).toMatchObject({ code: 'suspended', message: why });
        expect(await ended).toMatchObject({ user: null, message: { kind: 'suspended', text: why } });
        expect((await errorOf(client.invoke('projects.list', {}))).code).toBe('unauthenticated');

        platform.suspend(null);
        await signIn();
        expect(await client.invoke('projects.list', {})).toEqual(PROJECTS);
      });
    });

    describe('the airlock and the export gate (SATRE 3.1.12)', () => {
      /** The file an export offered, fetched once as the page fetches it (or, with no page to fetch it, taken from the core). */
      async function download(outcome: ExportOutcome): Promise<{ bytes: Uint8Array; disposition: string | null } | null> {
        if (outcome.kind !== 'download') throw new Error(`expected a download, got ${outcome.kind}`);
        expect(outcome.url.startsWith(EXPORT_DOWNLOAD_PATH)).toBe(true);
        if (connected.fetchDownload) {
          const response = await connected.fetchDownload(outcome.url);
          if (response.status === 404) return null;
          expect(response.status).toBe(200);
          return { bytes: new Uint8Array(await response.arrayBuffer()), disposition: response.headers.get('content-disposition') };
        }
        const file = core.downloads.take(outcome.url.slice(EXPORT_DOWNLOAD_PATH.length));
        return file === null ? null : { bytes: file.bytes, disposition: null };
      }

      it("airlock.released lists the project's ledger as the platform keeps it, revoked outputs marked", async () => {
        const ledger = await client.invoke('airlock.released', { projectId: AIRLOCK_PROJECT_ID });

        expect(ledger).toEqual([...RELEASED.values()].map((file) => file.output));
        expect(ledger.find((output) => output.fileId === REVOKED_FILE_ID)?.revoked?.reason).toBe('A differencing risk was found.');
      });

      it('airlock.export of a released table offers the checked workbook once, as an attachment', async () => {
        const outcome = await client.invoke('airlock.export', { projectId: AIRLOCK_PROJECT_ID, fileId: TABLE_FILE_ID, format: 'xlsx' });

        const name = `admissions-by-region-and-sex-${sha256Of(TABLE).slice(0, 8)}.xlsx`;
        expect(outcome).toEqual({ kind: 'download', url: expect.any(String), fileName: name });
        const first = await download(outcome);
        const book = readWorkbook(first?.bytes ?? new Uint8Array());
        expect(book.sheets.get('Table')?.[2]).toEqual(['London', 'M', null, 'suppressed']);
        expect(book.sheets.get('Provenance')).toContainEqual(['SHA-256 of the published output', sha256Of(TABLE)]);
        if (first?.disposition !== null) expect(first?.disposition).toMatch(new RegExp(`^attachment; filename="${name}"`));
        expect(await download(outcome)).toBeNull();
      });

      it('airlock.export of a released chart as SVG', async () => {
        const outcome = await client.invoke('airlock.export', { projectId: AIRLOCK_PROJECT_ID, fileId: CHART_FILE_ID, format: 'svg' });

        const svg = new TextDecoder().decode((await download(outcome))?.bytes);
        expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
        expect(svg).not.toContain('<script');
      });

      const refusals: Array<{ why: string; fileId: string; frozen?: boolean; code: ErrorCode; message: RegExp | string }> = [
        {
          why: 'egress is frozen',
          fileId: TABLE_FILE_ID,
          frozen: true,
          code: 'egress_frozen',
          message: `${EGRESS_FROZEN_MESSAGE} Nothing was exported.`,
        },
        {
          why: 'the output was revoked',
          fileId: REVOKED_FILE_ID,
          code: 'forbidden',
          message: /was revoked on .* A differencing risk was found\..*Nothing was exported/,
        },
        {
          why: 'its content no longer matches the hash recorded at release',
          fileId: TAMPERED_FILE_ID,
          code: 'forbidden',
          message: /does not match the SHA-256/,
        },
        {
          why: 'the file was never released',
          fileId: UNRELEASED_FILE_ID,
          code: 'not_found',
          message: /^There is no released output with that id in this project\.$/,
        },
      ];
      for (const { why, fileId, frozen, code, message } of refusals) {
        it(`airlock.export is refused with ${code} when ${why}, and nothing is offered`, async () => {
          platform.airlock.freezeEgress(frozen === true);

          const error = await errorOf(client.invoke('airlock.export', { projectId: AIRLOCK_PROJECT_ID, fileId, format: 'csv' }));

          expect(error.code).toBe(code);
          if (typeof message === 'string') expect(error.message).toBe(message);
          else expect(error.message).toMatch(message);
        });
      }

      it('an export offered before a sign-out cannot be fetched after it', async () => {
        const outcome = await client.invoke('airlock.export', { projectId: AIRLOCK_PROJECT_ID, fileId: TABLE_FILE_ID, format: 'csv' });

        await client.invoke('session.signOut', {});

        expect(await download(outcome)).toBeNull();
      });

      it("airlock.submit sends the version the caller saw; a stale one is the platform's conflict, as it said it", async () => {
        const stale = await errorOf(client.invoke('airlock.submit', { requestId: FAKE_REQUEST_ID, expectedVersion: 2 }));
        const submitted = await client.invoke('airlock.submit', { requestId: FAKE_REQUEST_ID, expectedVersion: 3 });

        expect(stale).toMatchObject({
          code: 'conflict',
          message: 'This request changed since you looked (it is at version 3, you saw 2). Nothing was changed.',
        });
        expect(submitted).toMatchObject({ id: FAKE_REQUEST_ID, state: 'SUBMITTED', version: 4 });
        expect(platform.airlock.posted).toEqual([
          { path: `/api/v1/requests/${FAKE_REQUEST_ID}/submit`, body: { expectedVersion: 2 } },
          { path: `/api/v1/requests/${FAKE_REQUEST_ID}/submit`, body: { expectedVersion: 3 } },
        ]);
        expect((await client.invoke('airlock.request', { requestId: FAKE_REQUEST_ID })).state).toBe('SUBMITTED');
      });

      it('airlock.queue is refused to an analyst with the platform’s own words', async () => {
        const error = await errorOf(client.invoke('airlock.queue', {}));

        expect(error).toMatchObject({ code: 'forbidden', message: 'Only output checkers have a review queue.' });
      });
    });

    describe('platform errors', () => {
      it("a project the user is not a member of fails with forbidden and the platform's message", async () => {
        const error = await errorOf(client.invoke('catalogue.get', { projectId: LOCKED_PROJECT_ID }));

        expect(error.code).toBe('forbidden');
        expect(error.message).toBe('You are not a member of project locked-project.');
      });

      it('a project that does not exist fails with not_found', async () => {
        const error = await errorOf(client.invoke('catalogue.get', { projectId: 'no-such-project' }));

        expect(error.code).toBe('not_found');
      });

      it('a dataset outside the project fails with not_found', async () => {
        const error = await errorOf(
          client.invoke('dataset.sample', { projectId: 'covid-outcomes', datasetId: 'hospital_episodes', limit: 1 }),
        );

        expect(error.code).toBe('not_found');
      });

      for (const method of Object.keys(DATA_INPUTS) as Array<keyof typeof DATA_INPUTS>) {
        it(`${method} fails with unavailable when the platform has gone away`, async () => {
          await platform.close();

          const error = await errorOf(client.invoke(method, DATA_INPUTS[method] as never));

          expect(error.code satisfies ErrorCode).toBe('unavailable');
          expect(error.message).toMatch(/cannot be reached/);
        });
      }

      it('session.signIn fails with unavailable when the platform cannot be reached (nobody knows where to sign in)', async () => {
        const dead = await clientOnUnreachablePlatform();

        const error = await errorOf(dead.invoke('session.signIn', {}));

        expect(error.code).toBe('unavailable');
        expect(error.message).toMatch(/cannot be reached/);
      });

      it('session.get still answers when the platform cannot be reached: signed out, platform unnamed', async () => {
        const dead = await clientOnUnreachablePlatform();

        const session = await dead.invoke('session.get', {});

        expect(session).toMatchObject({ state: 'signed_out', platform: { name: null, mode: null } });
      });

      it('a data method on a core nobody signed in to fails with unauthenticated', async () => {
        const dead = await clientOnUnreachablePlatform();

        expect((await errorOf(dead.invoke('projects.list', {}))).code).toBe('unauthenticated');
      });
    });

    describe('per-call progress and cancel', () => {
      it('a sample cancelled while the platform still queries rejects at once with cancelled, and the platform sees the hang-up', async () => {
        const hold = platform.holdSample({ limit: 3, stage: 'querying' });
        const controller = new AbortController();
        const id = randomUUID();
        const call = transport.invoke('dataset.sample', SAMPLE_OF_3, { id, signal: controller.signal });
        await hold.started;
        expect(core.calls.isRunning(id)).toBe(true);

        controller.abort();

        expect((await errorOf(call)).code).toBe('cancelled');
        // The handler's signal fired: the core aborted its request, so the platform can stop its query.
        await hold.aborted;
        await vi.waitFor(() => expect(core.calls.isRunning(id)).toBe(false));
        expect(await client.invoke('projects.list', {})).toEqual(PROJECTS);
      });

      it('a sample cancelled mid-download rejects with cancelled and the platform sees the hang-up', async () => {
        await keepListening(client);
        const hold = platform.holdSample({ limit: 3, stage: 'streaming' });
        const controller = new AbortController();
        const log = progressLog();
        const call = client.invoke('dataset.sample', SAMPLE_OF_3, { signal: controller.signal, onProgress: log.onProgress });
        await log.until((progress) => progress.done > 0);

        controller.abort();

        expect((await errorOf(call)).code).toBe('cancelled');
        await hold.aborted;
      });

      it('progress arrives in order, in bytes of the Content-Length, from waiting to fetching', async () => {
        await keepListening(client);
        const size = sampleBytes(5).byteLength;
        const hold = platform.holdSample({ limit: 5, stage: 'streaming' });
        const log = progressLog();
        const call = client.invoke('dataset.sample', SAMPLE_OF_5, { onProgress: log.onProgress });
        const partway = await log.until((progress) => progress.done > 0);

        hold.release();
        const bytes = await call;

        expect(bytes.byteLength).toBe(size);
        expect(log.seen[0]).toEqual({ done: 0, total: null, unit: 'bytes', stage: 'Waiting for the platform' });
        expect(partway).toMatchObject({ total: size, unit: 'bytes', stage: 'Fetching from the platform' });
        expect(partway.done).toBeLessThan(size);
        const dones = log.seen.map((progress) => progress.done);
        expect(dones).toEqual([...dones].sort((a, b) => a - b));
        expect(log.seen.every((progress) => progress.total === null || progress.total === size)).toBe(true);
      });

      it("progress goes only to the call that asked; another window's events show an id and counts, nothing more", async () => {
        const second = await connect(core);
        windows.push(second);
        const other = createClient(second.transport);
        await Promise.all([keepListening(client), keepListening(other)]);
        const heardByOther: Array<EventPayload<'call.progress'>> = [];
        other.listen('call.progress', (event) => heardByOther.push(event));
        const holds = [platform.holdSample({ limit: 3, stage: 'streaming' }), platform.holdSample({ limit: 5, stage: 'streaming' })];
        const mine = progressLog();
        const theirs = progressLog();
        const myId = randomUUID();

        const myCall = transport.invoke('dataset.sample', SAMPLE_OF_3, { id: myId, onProgress: mine.onProgress });
        const theirCall = other.invoke('dataset.sample', SAMPLE_OF_5, { onProgress: theirs.onProgress });
        await Promise.all([mine.until((p) => p.done > 0), theirs.until((p) => p.done > 0)]);
        for (const hold of holds) hold.release();
        await Promise.all([myCall, theirCall]);

        expect(mine.seen.every((p) => p.total === null || p.total === sampleBytes(3).byteLength)).toBe(true);
        expect(theirs.seen.every((p) => p.total === null || p.total === sampleBytes(5).byteLength)).toBe(true);
        // Same user, same core: every window hears every call's progress event, which says how far, never what.
        const mineSeenElsewhere = heardByOther.filter((event) => event.callId === myId);
        expect(mineSeenElsewhere.length).toBeGreaterThan(0);
        for (const event of mineSeenElsewhere) {
          expect(Object.keys(event).sort()).toEqual(['callId', 'progress']);
          expect(Object.keys(event.progress).every((key) => ['done', 'total', 'unit', 'stage'].includes(key))).toBe(true);
          expect(JSON.stringify(event)).not.toMatch(/covid-outcomes|patients|London/);
        }
      });

      it('a cancel for an unknown or finished call is harmless', async () => {
        const hold = platform.holdSample({ limit: 3, stage: 'querying' });
        const id = randomUUID();
        const running = transport.invoke('dataset.sample', SAMPLE_OF_3, { id, signal: new AbortController().signal });
        await hold.started;

        expect(await client.invoke('call.cancel', { callId: randomUUID() })).toBeNull();
        hold.release();
        const bytes = await running;
        expect(await client.invoke('call.cancel', { callId: id })).toBeNull();

        expect(Buffer.from(bytes as Uint8Array).equals(Buffer.from(sampleBytes(3)))).toBe(true);
        expect(await client.invoke('projects.list', {})).toEqual(PROJECTS);
      });

      it('a second call with the id of a running one is refused, and the first carries on', async () => {
        const hold = platform.holdSample({ limit: 3, stage: 'querying' });
        const id = randomUUID();
        const first = transport.invoke('dataset.sample', SAMPLE_OF_3, { id, signal: new AbortController().signal });
        await hold.started;

        const duplicate = await errorOf(transport.invoke('session.get', {}, { id, signal: new AbortController().signal }));
        hold.release();

        expect(duplicate.code).toBe('invalid_input');
        expect(Buffer.from((await first) as Uint8Array).equals(Buffer.from(sampleBytes(3)))).toBe(true);
        // Once the first has settled, its id is free again.
        expect(await transport.invoke('session.get', {}, { id })).toMatchObject({ state: 'signed_in' });
      });

      it('a call id that is not a UUID is refused before any handler runs', async () => {
        const before = platform.requests.length;

        const error = await errorOf(transport.invoke('dataset.sample', SAMPLE_OF_3, { id: '../../call' }));

        expect(error.code).toBe('invalid_input');
        expect(platform.requests.slice(before).filter(isSamplePath)).toEqual([]);
      });

      it('a call whose signal is already aborted never leaves the window', async () => {
        const before = platform.requests.length;
        const controller = new AbortController();
        controller.abort();

        const error = await errorOf(client.invoke('dataset.sample', SAMPLE_OF_3, { signal: controller.signal }));

        expect(error.code).toBe('cancelled');
        expect(platform.requests.slice(before).filter(isSamplePath)).toEqual([]);
      });

      it('a call with a signal that is never aborted answers as a plain call does', async () => {
        const bytes = await client.invoke('dataset.sample', SAMPLE_OF_3, { signal: new AbortController().signal });

        expect(Buffer.from(bytes).equals(Buffer.from(sampleBytes(3)))).toBe(true);
      });

      it('closing the core cancels the calls still running', async () => {
        const hold = platform.holdSample({ limit: 3, stage: 'querying' });
        const call = client.invoke('dataset.sample', SAMPLE_OF_3, { signal: new AbortController().signal });
        await hold.started;

        core.close();

        const error = errorOf(call);
        await hold.aborted;
        expect((await error).code).toBe('cancelled');
      });
    });

    describe('events', () => {
      it('a new listener hears the current platform status (ready)', async () => {
        const status = await statusEvent(client, () => true);

        expect(status.state).toBe('ready');
        expect(status.message).toContain(FAKE_PLATFORM_NAME);
      });

      it('a listener hears the platform become unreachable', async () => {
        await statusEvent(client, (s) => s.state === 'ready');
        const unreachable = statusEvent(client, (s) => s.state === 'unreachable');

        await platform.close();
        await core.checkPlatform();

        expect((await unreachable).message).toMatch(/cannot be reached/);
      });

      it('a stopped listener hears nothing more', async () => {
        const heard: string[] = [];
        let stop = () => {};
        await new Promise<void>((resolve) => {
          stop = client.listen('platform.status', (s) => {
            heard.push(s.state);
            resolve();
          });
        });
        stop();

        await platform.close();
        await core.checkPlatform();
        // The unreachable event went out: a second listener proves it before we look at the stopped one.
        await statusEvent(client, (s) => s.state === 'unreachable');

        expect(heard).toEqual(['ready']);
      });

      it('on a platform that cannot be reached, the status says unreachable', async () => {
        const dead = await clientOnUnreachablePlatform();

        const status = await statusEvent(dead, (s) => s.state === 'unreachable');

        expect(status.message).toMatch(/Trying again every/);
      });
    });
  });
}
