// The kill switch through the platform's API (issue 18): incidents, suspending a person or a project while a query of
// theirs is running (the work stops, at once, wherever it is), ending sign-ins, freezing egress, lifting (never without a
// reason), and the rules that keep an administrator from locking everyone out or freeing themselves: nobody suspends
// themselves, nor the only other active administrator. Every action is in the audit log with its incident, and the
// chain still verifies. SATRE 2.6.04 (rapid incident response), 3.1.12 (egress prevented), 3.2.x (every action
// recorded).
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessReportSchema, ActionEffectSchema, IncidentSchema, KillSwitchOverviewSchema } from '../../../src/common/incidents.ts';
import { AuditPageSchema } from '../../../src/common/agreement-views.ts';
import { mintAccessToken } from './fixture.ts';
import { verifyCli } from './audit-support.ts';
import { startDemoPlatform, type DemoPlatform } from './query-support.ts';

type ErrorBody = { error: { code: string; message: string } };

let platform: DemoPlatform;
let baseUrl: string;

beforeAll(async () => {
  platform = await startDemoPlatform('kill-switch');
  await platform.server.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(platform.server.app.server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await platform?.close();
});

/** A token issued now (after any earlier suspension of the person ended their sign-ins). */
const tokenOf = (sub: string): Promise<string> => mintAccessToken({ dataDir: platform.dataDir, sub, issuedAtOffset: 2 });

async function api(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown; token?: string }) {
  const token = options.token ?? (await tokenOf(options.as));
  return platform.server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

async function adminOk(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  const response = await api(method, url, { as: 'demo-admin', body });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<unknown>();
}

async function openIncident(summary: string) {
  return IncidentSchema.parse(
    await adminOk('POST', '/api/v1/admin/incidents', {
      summary,
      severity: 'high',
      detectedAt: new Date().toISOString(),
      personalData: true,
    }),
  );
}

async function act(body: Record<string, unknown>) {
  return ActionEffectSchema.parse(await adminOk('POST', '/api/v1/admin/actions', body));
}

async function lift(actionId: string, reason = 'Investigated: no misuse found') {
  return ActionEffectSchema.parse(await adminOk('POST', `/api/v1/admin/actions/${actionId}/lift`, { reason }));
}

async function auditTypes(type: string): Promise<Array<{ type: string; actor: string | null; details: Record<string, unknown> }>> {
  const page = AuditPageSchema.parse(await adminOk('GET', `/api/v1/admin/audit?type=${type}&limit=100`));
  return page.events;
}

/** Starts a query whose answer is large (a cross join of `rows` rows), reads its first bytes, and answers how the rest goes. */
async function startStreamingQuery(token: string, rows = 5_000_000) {
  const response = await fetch(`${baseUrl}/api/v1/projects/covid-outcomes/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: `SELECT a.*, b.sex AS other_sex FROM patients a, patients b, patients c LIMIT ${rows}`, format: 'arrow' }),
  });
  expect(response.status).toBe(200);
  const declared = Number(response.headers.get('content-length'));
  const reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  let received = (await reader.read()).value?.byteLength ?? 0;
  return {
    declared,
    received: () => received,
    /** Reads to the end: resolves with 'complete', or 'cut' when the connection ends first. */
    async rest(): Promise<'complete' | 'cut'> {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return received === declared ? 'complete' : 'cut';
          received += value.byteLength;
        }
      } catch {
        return 'cut';
      }
    },
  };
}

describe('the kill switch', () => {
  it('refuses an action that names no open incident, and one without a reason', async () => {
    const unknown = await api('POST', '/api/v1/admin/actions', {
      as: 'demo-admin',
      body: { action: 'suspend_user', userId: 'demo-analyst', incidentId: `inc-${'1'.repeat(20)}`, reason: 'Suspected misuse' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<ErrorBody>().error.message).toMatch(/no incident/);
    const incident = await openIncident('Closed before anything was done');
    await adminOk('POST', `/api/v1/admin/incidents/${incident.id}/close`, { resolution: 'Opened by mistake' });
    const closed = await api('POST', '/api/v1/admin/actions', {
      as: 'demo-admin',
      body: { action: 'suspend_user', userId: 'demo-analyst', incidentId: incident.id, reason: 'Suspected misuse' },
    });
    expect(closed.statusCode).toBe(400);
    expect(closed.json<ErrorBody>().error.message).toMatch(/closed incident/);
    const open = await openIncident('No reason given');
    const noReason = await api('POST', '/api/v1/admin/actions', {
      as: 'demo-admin',
      body: { action: 'suspend_user', userId: 'demo-analyst', incidentId: open.id, reason: '  ' },
    });
    expect(noReason.statusCode).toBe(400);
    // Nothing was put in place by any of them.
    const overview = KillSwitchOverviewSchema.parse(await adminOk('GET', '/api/v1/admin/incidents'));
    expect(overview.active).toEqual([]);
  });

  it('refuses an administrator suspending themselves, and a suspended administrator lifting their own suspension', async () => {
    const incident = await openIncident('Self-service attempts');
    const self = await api('POST', '/api/v1/admin/actions', {
      as: 'demo-admin',
      body: { action: 'suspend_user', userId: 'demo-admin', incidentId: incident.id, reason: 'Testing myself' },
    });
    expect(self.statusCode).toBe(403);
    expect(self.json<ErrorBody>().error.message).toMatch(/cannot suspend yourself/);
    // Someone suspended is refused every route, lifting their own suspension included (whatever their role).
    const effect = await act({ action: 'suspend_user', userId: 'demo-checker-2', incidentId: incident.id, reason: 'Shared their sign-in' });
    const selfLift = await api('POST', `/api/v1/admin/actions/${effect.restriction!.id}/lift`, {
      as: 'demo-checker-2',
      body: { reason: 'I did nothing wrong' },
    });
    expect(selfLift.statusCode).toBe(403);
    expect(selfLift.json<ErrorBody>().error.code).toBe('suspended');
    await lift(effect.restriction!.id);
  });

  it('stops a 5M-row answer that is streaming to a person who is suspended, within 1 s, and records what it stopped', async () => {
    const incident = await openIncident('Bulk download in progress');
    const stream = await startStreamingQuery(await tokenOf('demo-analyst'));
    expect(stream.declared).toBeGreaterThan(64 * 1024 * 1024);
    const rest = stream.rest();
    const started = performance.now();
    const effect = await act({ action: 'suspend_user', userId: 'demo-analyst', incidentId: incident.id, reason: 'Bulk download' });
    expect(await rest).toBe('cut');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(stream.received()).toBeLessThan(stream.declared);
    expect(effect.operationsAborted).toBe(1);
    expect(effect.summary.join(' ')).toMatch(/is suspended/);
    const [aborted] = await auditTypes('operation.aborted');
    expect(aborted).toMatchObject({
      actor: 'demo-analyst',
      details: { operation: 'query', projectId: 'covid-outcomes', incidentId: incident.id, restrictionId: effect.restriction!.id },
    });
    const [suspended] = await auditTypes('user.suspended');
    expect(suspended).toMatchObject({
      actor: 'demo-admin',
      details: { userId: 'demo-analyst', incidentId: incident.id, reason: 'Bulk download', old: 'active', new: 'suspended' },
    });

    // Every route refuses them now, their earlier token included; the attempt is recorded (at most once a minute).
    for (const url of ['/api/v1/me', '/api/v1/projects', '/api/v1/projects/covid-outcomes/catalogue']) {
      const refused = await api('GET', url, { as: 'demo-analyst' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<ErrorBody>().error).toMatchObject({
        code: 'suspended',
        message: expect.stringMatching(/suspended by an administrator/),
      });
    }
    expect((await auditTypes('access.refused')).filter((event) => event.actor === 'demo-analyst')).toHaveLength(1);

    // The access report for the incident lists the query that was stopped.
    const from = new Date(Date.now() - 10 * 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const report = AccessReportSchema.parse(
      await adminOk('GET', `/api/v1/admin/access-report?subject=person&id=demo-analyst&from=${from}&to=${to}`),
    );
    const queries = report.entries.filter((entry) => entry.activity === 'query');
    expect(queries.at(-1)).toMatchObject({ projectId: 'covid-outcomes', datasets: ['patients'], outcome: 'success' });
    expect(report.entries.some((entry) => entry.activity === 'aborted')).toBe(true);

    // Lifted with a reason: exactly the access before, from a new sign-in.
    const lifted = await lift(effect.restriction!.id);
    expect(lifted.summary.join(' ')).toMatch(/no longer suspended/);
    const again = await api('GET', '/api/v1/projects', { as: 'demo-analyst' });
    expect(again.statusCode).toBe(200);
    const projects = again.json<Array<{ id: string }>>().map((project) => project.id);
    expect(projects.sort()).toEqual(['cardio-admissions', 'covid-outcomes']);
    const [unsuspended] = await auditTypes('user.unsuspended');
    expect(unsuspended).toMatchObject({ details: { userId: 'demo-analyst', incidentId: incident.id, old: 'suspended', new: 'active' } });
  }, 60_000);

  it('stops a query still running in the engine when its person is suspended, answering why within 1 s', async () => {
    const incident = await openIncident('A very long query');
    const running = fetch(`${baseUrl}/api/v1/projects/covid-outcomes/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf('demo-analyst')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        sql: 'SELECT count(*) AS n FROM patients AS a, patients AS b, patients AS c, patients AS d WHERE a.sex <> d.sex',
        format: 'arrow',
      }),
    });
    // Until the engine has it: the registry lists the work.
    await vi.waitFor(() => expect(platform.server.operations.running().map((operation) => operation.userId)).toContain('demo-analyst'), {
      timeout: 10_000,
      interval: 20,
    });
    const started = performance.now();
    const effect = await act({ action: 'suspend_user', userId: 'demo-analyst', incidentId: incident.id, reason: 'Very long query' });
    const response = await running;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.code).toBe('suspended');
    expect(effect.operationsAborted).toBe(1);
    await lift(effect.restriction!.id);
  }, 60_000);

  it('ends a person’s sign-ins without suspending them: tokens issued before are refused, a new sign-in works', async () => {
    const incident = await openIncident('Laptop left unlocked');
    const before = await mintAccessToken({ dataDir: platform.dataDir, sub: 'demo-analyst-2' });
    expect((await api('GET', '/api/v1/me', { as: 'demo-analyst-2', token: before })).statusCode).toBe(200);
    const effect = await act({ action: 'revoke_sessions', userId: 'demo-analyst-2', incidentId: incident.id, reason: 'Unlocked laptop' });
    expect(effect.restriction).toBeNull();
    const refused = await api('GET', '/api/v1/me', { as: 'demo-analyst-2', token: before });
    expect(refused.statusCode).toBe(401);
    expect(refused.json<ErrorBody>().error.code).toBe('unauthenticated');
    expect((await api('GET', '/api/v1/me', { as: 'demo-analyst-2' })).statusCode).toBe(200);
    const [revoked] = await auditTypes('sessions.revoked');
    expect(revoked).toMatchObject({ details: { userId: 'demo-analyst-2', incidentId: incident.id } });
  });

  it('freezes egress for one project or every project, and lifting opens it again', async () => {
    const incident = await openIncident('Possible disclosure in a release');
    const egress = async () => (await api('GET', '/api/v1/projects/cardio-admissions/egress', { as: 'demo-analyst' })).json<unknown>();
    expect(await egress()).toEqual({ frozen: false, message: null });
    const one = await act({ action: 'freeze_egress', projectId: 'cardio-admissions', incidentId: incident.id, reason: 'Review releases' });
    expect(await egress()).toMatchObject({ frozen: true, message: expect.stringMatching(/frozen its egress/) });
    const all = await act({ action: 'freeze_egress', projectId: null, incidentId: incident.id, reason: 'Review every release' });
    await lift(one.restriction!.id);
    expect(await egress()).toMatchObject({ frozen: true, message: expect.stringMatching(/every project/) });
    await lift(all.restriction!.id);
    expect(await egress()).toEqual({ frozen: false, message: null });
    // A non-member learns nothing about the project, frozen or not.
    expect((await api('GET', '/api/v1/projects/covid-outcomes/egress', { as: 'demo-analyst-2' })).statusCode).toBe(404);
  });

  it('refuses to close an incident while its actions are in force', async () => {
    const incident = await openIncident('Project under review');
    const effect = await act({
      action: 'suspend_project',
      projectId: 'cardio-admissions',
      incidentId: incident.id,
      reason: 'Under review',
    });
    const early = await api('POST', `/api/v1/admin/incidents/${incident.id}/close`, { as: 'demo-admin', body: { resolution: 'Done' } });
    expect(early.statusCode).toBe(400);
    expect(early.json<ErrorBody>().error.message).toMatch(/still has an action in force/);
    await lift(effect.restriction!.id);
    const closed = IncidentSchema.parse(
      await adminOk('POST', `/api/v1/admin/incidents/${incident.id}/close`, { resolution: 'Reviewed, no breach' }),
    );
    expect(closed).toMatchObject({ status: 'closed', resolution: 'Reviewed, no breach', closedBy: 'demo-admin' });
  });

  it('stops a stream of a project that is suspended, for its members, and leaves its members their other projects', async () => {
    const incident = await openIncident('Project data copied out');
    // Far more than the sockets hold while the test reads nothing more: the platform is still sending when it acts.
    const stream = await startStreamingQuery(await tokenOf('demo-analyst'), 2_000_000);
    expect(stream.declared).toBeGreaterThan(24 * 1024 * 1024);
    const started = performance.now();
    const effect = await act({
      action: 'suspend_project',
      projectId: 'covid-outcomes',
      incidentId: incident.id,
      reason: 'Data copied out',
    });
    expect(await stream.rest()).toBe('cut');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(stream.received()).toBeLessThan(stream.declared);
    expect(effect.operationsAborted).toBe(1);
    const aborted = (await auditTypes('operation.aborted')).filter((event) => event.details.restrictionId === effect.restriction!.id);
    expect(aborted).toMatchObject([
      {
        actor: 'demo-analyst',
        details: { operation: 'query', projectId: 'covid-outcomes', incidentId: incident.id, because: 'project_suspended' },
      },
    ]);

    // The project refuses its members; the person is not suspended, and their other project serves them.
    const refused = await api('GET', '/api/v1/projects/covid-outcomes/catalogue', { as: 'demo-analyst' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json<ErrorBody>().error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/suspended/) });
    expect((await api('GET', '/api/v1/me', { as: 'demo-analyst' })).statusCode).toBe(200);
    expect((await api('GET', '/api/v1/projects/cardio-admissions/catalogue', { as: 'demo-analyst' })).statusCode).toBe(200);

    await lift(effect.restriction!.id);
    expect((await api('GET', '/api/v1/projects/covid-outcomes/catalogue', { as: 'demo-analyst' })).statusCode).toBe(200);
  }, 60_000);

  it('refuses lifting without a reason, and changes nothing', async () => {
    const incident = await openIncident('Lifted without a word');
    const effect = await act({ action: 'suspend_user', userId: 'demo-analyst-2', incidentId: incident.id, reason: 'Shared a password' });
    const liftedBefore = (await auditTypes('user.unsuspended')).length;
    for (const body of [{ reason: '   ' }, { reason: '' }, {}]) {
      const response = await api('POST', `/api/v1/admin/actions/${effect.restriction!.id}/lift`, { as: 'demo-admin', body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json<ErrorBody>().error.code).toBe('invalid_input');
    }
    const overview = KillSwitchOverviewSchema.parse(await adminOk('GET', '/api/v1/admin/incidents'));
    expect(overview.active.map((entry) => entry.id)).toContain(effect.restriction!.id);
    expect(await auditTypes('user.unsuspended')).toHaveLength(liftedBefore);
    expect((await api('GET', '/api/v1/me', { as: 'demo-analyst-2' })).json<ErrorBody>().error.code).toBe('suspended');
    await lift(effect.restriction!.id);
    expect((await api('GET', '/api/v1/me', { as: 'demo-analyst-2' })).statusCode).toBe(200);
  });

  it('refuses suspending the only other active administrator, however many are suspended or disabled', async () => {
    const register = async (id: string, roles: string[]) =>
      adminOk('POST', '/api/v1/admin/users', {
        id,
        displayName: `Admin ${id}`,
        roles,
        verification: 'Passport seen in person',
        subject: id,
      });
    const setStatus = (id: string, status: 'active' | 'disabled') =>
      adminOk('POST', `/api/v1/admin/users/${id}/status`, { status, reason: status === 'active' ? 'Back from leave' : 'On long leave' });
    // While demo-admin is the only one, each is made an administrator directly; the first is then disabled.
    await register('weekend-admin', ['analyst', 'admin']);
    await setStatus('weekend-admin', 'disabled');
    await register('night-admin', ['admin']);
    const incident = await openIncident('An administrator account misused');
    const suspendNightAdmin = () =>
      api('POST', '/api/v1/admin/actions', {
        as: 'demo-admin',
        body: { action: 'suspend_user', userId: 'night-admin', incidentId: incident.id, reason: 'Odd sign-ins' },
      });
    const expectRefused = async () => {
      const activeBefore = KillSwitchOverviewSchema.parse(await adminOk('GET', '/api/v1/admin/incidents')).active;
      const refused = await suspendNightAdmin();
      expect(refused.statusCode).toBe(403);
      expect(refused.json<ErrorBody>().error).toEqual({
        code: 'forbidden',
        message: expect.stringMatching(
          /^Admin night-admin is the only other active administrator: .* on the host \(enclave platform suspend-user\)\.$/,
        ),
      });
      // Nothing was put in place, the refusal is on record, and night-admin still works.
      expect(KillSwitchOverviewSchema.parse(await adminOk('GET', '/api/v1/admin/incidents')).active).toEqual(activeBefore);
      expect((await auditTypes('user.suspension_refused'))[0]).toMatchObject({
        actor: 'demo-admin',
        details: { userId: 'night-admin', incidentId: incident.id, refusal: refused.json<ErrorBody>().error.message },
      });
      expect((await api('GET', '/api/v1/me', { as: 'night-admin' })).statusCode).toBe(200);
    };

    // A disabled administrator does not count.
    await expectRefused();
    // Nor does a suspended one.
    await setStatus('weekend-admin', 'active');
    const weekend = await act({ action: 'suspend_user', userId: 'weekend-admin', incidentId: incident.id, reason: 'Shared a laptop' });
    await expectRefused();
    expect((await auditTypes('user.suspended')).filter((event) => event.details.userId === 'night-admin')).toEqual([]);

    // With a third administrator active again, the second can be suspended.
    await lift(weekend.restriction!.id);
    const suspended = await suspendNightAdmin();
    expect(suspended.statusCode, suspended.body).toBe(200);
    const night = ActionEffectSchema.parse(suspended.json());
    expect((await api('GET', '/api/v1/me', { as: 'night-admin' })).json<ErrorBody>().error.code).toBe('suspended');
    // Now weekend-admin is the only other active administrator: they cannot be suspended in turn.
    const last = await api('POST', '/api/v1/admin/actions', {
      as: 'demo-admin',
      body: { action: 'suspend_user', userId: 'weekend-admin', incidentId: incident.id, reason: 'Shared a laptop' },
    });
    expect(last.statusCode).toBe(403);
    expect(last.json<ErrorBody>().error.message).toMatch(/only other active administrator/);
    // People who are not administrators are suspended as before.
    const analyst = await act({ action: 'suspend_user', userId: 'demo-analyst-2', incidentId: incident.id, reason: 'Shared a laptop' });
    await lift(analyst.restriction!.id);
    await lift(night.restriction!.id);
  });

  it('leaves the audit chain intact after all of it', async () => {
    const report = await verifyCli(['--data-dir', platform.dataDir]);
    expect(report.code).toBe(0);
  });
});
