// People through the platform's API (issue 18): registering a person (invited with a one-time enrolment code, or bound
// at once, or bound later to the subject an administrator gives), enrolment, roles as a set, disabling someone who left,
// and the rules that keep administrators honest: no change to one's own roles or status, no approving one's own change,
// a second administrator for granting admin once there are two. Every change is in the audit log with old and new
// values, and the chain still verifies. All of it on both of the metadata store's engines (SQLite, and PostgreSQL from
// the run's cluster).
// SATRE 1.5.01, 1.5.02, 3.2.02 (people are verified and onboarded before access), 1.5.06 (changes to their records
// strictly controlled), 2.6.04 (access ended at once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PeopleOverviewSchema,
  PersonChangeResultSchema,
  PersonDetailSchema,
  RegisteredPersonSchema,
  type RegisterPerson,
} from '../../../src/common/people.ts';
import { UserSchema } from '../../../src/common/contract.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { storeEngines, type ServerStoreUnderTest } from '../../support/store-engines.ts';
import { verifyCli } from './audit-support.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

type ErrorBody = { error: { code: string; message: string } };

let fixture: PlatformFixture;
let server: PlatformServer;
let store: ServerStoreUnderTest;

/** A token issued now for this subject (a few seconds ahead of any earlier ending of sign-ins). */
const tokenOf = (sub: string): Promise<string> => mintAccessToken({ dataDir: fixture.dataDir, sub, issuedAtOffset: 2 });

async function call(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }) {
  return server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${await tokenOf(options.as)}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

async function ok(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }): Promise<unknown> {
  const response = await call(method, url, options);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<unknown>();
}

async function refused(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown; status: number }) {
  const response = await call(method, url, options);
  expect(response.statusCode, response.body).toBe(options.status);
  return response.json<ErrorBody>().error;
}

const person = (overrides: Partial<RegisterPerson> & { id: string }): RegisterPerson => ({
  displayName: `Person ${overrides.id}`,
  email: `${overrides.id}@example.org`,
  organisation: 'University of Somewhere',
  roles: ['analyst'],
  verification: 'Passport seen in person',
  accreditation: ['ONS Accredited Researcher 2026-0001'],
  ...overrides,
});

/** Records a course for a person, valid for a year from today, as an administrator does. */
async function train(userId: string, course: string): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  await ok('POST', '/api/v1/admin/training', {
    as: 'demo-admin',
    body: { userId, course, completed: today, expires: inAYear, evidence: `Certificate for ${userId}` },
  });
}

async function register(body: RegisterPerson) {
  return RegisteredPersonSchema.parse(await ok('POST', '/api/v1/admin/users', { as: 'demo-admin', body }));
}

describe.each(storeEngines())('people, on $name', (engine) => {
  beforeAll(async () => {
    fixture = await createPlatformFixture();
    store = await engine.forServer(fixture.dataDir, 'people');
    server = await createPlatformServer({
      dataDir: fixture.dataDir,
      cataloguePath: fixture.cataloguePath,
      publicUrl: TEST_PUBLIC_URL,
      ...store.options,
    });
  });

  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
    await fixture?.cleanup();
  });

  it('lists everybody with roles and status, the demo accounts included', async () => {
    const overview = PeopleOverviewSchema.parse(await ok('GET', '/api/v1/admin/users', { as: 'demo-admin' }));
    expect(overview.people.map((each) => each.id)).toEqual(expect.arrayContaining(['demo-admin', 'demo-analyst', 'demo-checker-1']));
    expect(overview.people.find((each) => each.id === 'demo-admin')).toMatchObject({ roles: ['admin'], status: 'active', bound: true });
  });

  it('registers an invited person with a one-time code that binds the first identity presenting it, once', async () => {
    const registered = await register(person({ id: 'new-analyst' }));
    expect(registered.person).toMatchObject({
      status: 'invited',
      bound: false,
      roles: ['analyst'],
      organisation: 'University of Somewhere',
    });
    expect(registered.person.verification).toMatchObject({ method: 'Passport seen in person', by: 'demo-admin' });
    const code = registered.enrolment!.code;
    expect(code).toMatch(/^[A-Z2-9]{20}$/);
    // The code is stored as a hash only.
    const dump = JSON.stringify(await store.raw('SELECT * FROM enrolment_codes'));
    expect(dump).toContain('new-analyst');
    expect(dump).not.toContain(code);

    // Someone the platform does not know yet is told to enrol, and nothing else.
    const unknown = await refused('GET', '/api/v1/me', { as: 'subject-of-new-analyst', status: 403 });
    expect(unknown.code).toBe('enrolment_required');
    await refused('GET', '/api/v1/projects', { as: 'subject-of-new-analyst', status: 403 });

    const typed = `${code.slice(0, 5)}-${code.slice(5, 10)}-${code.slice(10, 15)}-${code.slice(15)}`.toLowerCase();
    const user = UserSchema.parse(await ok('POST', '/api/v1/enrol', { as: 'subject-of-new-analyst', body: { code: typed } }));
    expect(user).toMatchObject({ id: 'new-analyst', role: 'analyst', roles: ['analyst'] });
    expect(await ok('GET', '/api/v1/me', { as: 'subject-of-new-analyst' })).toMatchObject({ id: 'new-analyst' });

    // Single use: another identity presenting the same code gets the same refusal as a wrong code.
    const again = await refused('POST', '/api/v1/enrol', { as: 'someone-else', body: { code }, status: 403 });
    expect(again.message).toMatch(/not valid/);
    const wrong = await refused('POST', '/api/v1/enrol', { as: 'someone-else', body: { code: 'ABCDEFGHJKLMNPQRSTUV' }, status: 403 });
    expect(wrong.message).toBe(again.message);
    const detail = PersonDetailSchema.parse(await ok('GET', '/api/v1/admin/users/new-analyst', { as: 'demo-admin' }));
    expect(detail.person.status).toBe('active');
    expect(detail.history.map((event) => event.type)).toEqual(
      expect.arrayContaining(['user.registered', 'user.enrolment_code_issued', 'user.enrolled']),
    );
  });

  it('refuses an expired enrolment code, and a new code replaces the old one', async () => {
    const registered = await register(person({ id: 'late-analyst' }));
    await store.raw("UPDATE enrolment_codes SET expires_at = '2020-01-01T00:00:00.000Z' WHERE user_id = 'late-analyst'");
    await refused('POST', '/api/v1/enrol', { as: 'subject-of-late-analyst', body: { code: registered.enrolment!.code }, status: 403 });
    const fresh = (await ok('POST', '/api/v1/admin/users/late-analyst/enrolment-code', { as: 'demo-admin' })) as { code: string };
    expect(fresh.code).not.toBe(registered.enrolment!.code);
    await ok('POST', '/api/v1/enrol', { as: 'subject-of-late-analyst', body: { code: fresh.code } });
    // The person is bound now: no code is issued for them any more.
    await refused('POST', '/api/v1/admin/users/late-analyst/enrolment-code', { as: 'demo-admin', status: 400 });
  });

  it('binds a person directly when the administrator knows their subject, and refuses a taken id or identity', async () => {
    const registered = await register(person({ id: 'bound-checker', roles: ['output_checker'], subject: 'subject-of-bound-checker' }));
    expect(registered).toMatchObject({ enrolment: null, person: { status: 'active', bound: true } });
    expect(await ok('GET', '/api/v1/me', { as: 'subject-of-bound-checker' })).toMatchObject({
      id: 'bound-checker',
      role: 'output_checker',
    });
    await refused('POST', '/api/v1/admin/users', { as: 'demo-admin', body: person({ id: 'bound-checker' }), status: 400 });
    await refused('POST', '/api/v1/admin/users', {
      as: 'demo-admin',
      body: person({ id: 'another', subject: 'subject-of-bound-checker' }),
      status: 400,
    });
    await refused('POST', '/api/v1/admin/users', { as: 'demo-admin', body: { ...person({ id: 'no-roles' }), roles: [] }, status: 400 });
  });

  it('binds an invited person to the subject an administrator gives: they sign in, their code is spent, and it is recorded', async () => {
    const registered = await register(person({ id: 'bound-later' }));
    const code = registered.enrolment!.code;
    expect((await refused('GET', '/api/v1/me', { as: 'subject-of-bound-later', status: 403 })).code).toBe('enrolment_required');

    const reason = 'Subject confirmed with the identity team';
    const bound = PersonChangeResultSchema.parse(
      await ok('POST', '/api/v1/admin/users/bound-later/bind', { as: 'demo-admin', body: { subject: 'subject-of-bound-later', reason } }),
    );
    expect(bound.person).toMatchObject({ id: 'bound-later', status: 'active', bound: true });
    expect(bound.summary).toMatch(/bound to their identity and can sign in/);
    expect(await ok('GET', '/api/v1/me', { as: 'subject-of-bound-later' })).toMatchObject({ id: 'bound-later', roles: ['analyst'] });
    // The code sent out of band binds nobody else now.
    expect((await refused('POST', '/api/v1/enrol', { as: 'subject-of-a-stranger', body: { code }, status: 403 })).message).toMatch(
      /not valid/,
    );
    const history = async () =>
      PersonDetailSchema.parse(await ok('GET', '/api/v1/admin/users/bound-later', { as: 'demo-admin' })).history.filter(
        (event) => event.type === 'user.bound',
      );
    expect(await history()).toMatchObject([
      {
        actor: 'demo-admin',
        outcome: 'success',
        details: { via: 'api', userId: 'bound-later', issuer: bound.person.issuer, reason, old: 'invited', new: 'active' },
      },
    ]);

    // Bound once: binding again, or binding someone else to a subject that is taken, is refused and changes nothing.
    const again = await refused('POST', '/api/v1/admin/users/bound-later/bind', {
      as: 'demo-admin',
      body: { subject: 'subject-of-an-impostor', reason: 'A second identity' },
      status: 400,
    });
    expect(again.message).toMatch(/bound to an identity already/);
    await register(person({ id: 'still-invited' }));
    const taken = await refused('POST', '/api/v1/admin/users/still-invited/bind', {
      as: 'demo-admin',
      body: { subject: 'subject-of-bound-later', reason: 'Same person twice' },
      status: 400,
    });
    expect(taken.message).toMatch(/already bound to this identity/);
    const self = await refused('POST', '/api/v1/admin/users/demo-admin/bind', {
      as: 'demo-admin',
      body: { subject: 'subject-of-an-impostor', reason: 'My other account' },
      status: 403,
    });
    expect(self.message).toMatch(/own roles or status/);
    expect(await history()).toHaveLength(1);
    expect(await ok('GET', '/api/v1/admin/users/still-invited', { as: 'demo-admin' })).toMatchObject({
      person: { status: 'invited', bound: false },
    });
    expect((await refused('GET', '/api/v1/me', { as: 'subject-of-an-impostor', status: 403 })).code).toBe('enrolment_required');
  });

  it('grants and revokes roles as a set, with old and new values in the log; nobody changes their own', async () => {
    const granted = PersonChangeResultSchema.parse(
      await ok('POST', '/api/v1/admin/users/bound-checker/grant', {
        as: 'demo-admin',
        body: { role: 'data_manager', reason: 'Manages the cohort' },
      }),
    );
    expect(granted.person.roles).toEqual(['data_manager', 'output_checker']);
    // Each role needs its own training (SATRE 1.6.04): without any on record, each role is refused, naming the course.
    const untrained = await refused('GET', '/api/v1/checking/rules', { as: 'subject-of-bound-checker', status: 403 });
    expect(untrained).toEqual({
      code: 'training_required',
      message:
        'The Output checker role needs Output Checking Training, and there is no record of it for you: complete it, then ask your administrator to record it.',
    });
    await train('bound-checker', 'Output Checking Training');
    // Trained as an output checker only: the data manager's routes still refuse, the checker's serve.
    expect((await refused('GET', '/api/v1/admin/agreements', { as: 'subject-of-bound-checker', status: 403 })).message).toMatch(
      /Information Governance Training/,
    );
    expect((await call('GET', '/api/v1/checking/rules', { as: 'subject-of-bound-checker' })).statusCode).toBe(200);
    await train('bound-checker', 'Information Governance Training');
    // The primary role is the first in precedence; the route check admits any role held.
    expect(await ok('GET', '/api/v1/me', { as: 'subject-of-bound-checker' })).toMatchObject({
      role: 'data_manager',
      roles: ['data_manager', 'output_checker'],
    });
    expect((await call('GET', '/api/v1/checking/rules', { as: 'subject-of-bound-checker' })).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/admin/agreements', { as: 'subject-of-bound-checker' })).statusCode).toBe(200);
    const revoked = PersonChangeResultSchema.parse(
      await ok('POST', '/api/v1/admin/users/bound-checker/revoke', {
        as: 'demo-admin',
        body: { role: 'output_checker', reason: 'Moved team' },
      }),
    );
    expect(revoked.person.roles).toEqual(['data_manager']);
    expect((await call('GET', '/api/v1/checking/rules', { as: 'subject-of-bound-checker' })).statusCode).toBe(403);
    const onlyRole = await refused('POST', '/api/v1/admin/users/bound-checker/revoke', {
      as: 'demo-admin',
      body: { role: 'data_manager', reason: 'x y z' },
      status: 400,
    });
    expect(onlyRole.message).toMatch(/only role/);
    const self = await refused('POST', '/api/v1/admin/users/demo-admin/grant', {
      as: 'demo-admin',
      body: { role: 'analyst', reason: 'Myself' },
      status: 403,
    });
    expect(self.message).toMatch(/own roles or status/);
    const detail = PersonDetailSchema.parse(await ok('GET', '/api/v1/admin/users/bound-checker', { as: 'demo-admin' }));
    const grant = detail.history.find((event) => event.type === 'user.role_granted');
    expect(grant).toMatchObject({
      actor: 'demo-admin',
      details: { role: 'data_manager', old: ['output_checker'], new: ['data_manager', 'output_checker'] },
    });
  });

  it('needs a second administrator to grant admin once there are two, and nobody approves their own change', async () => {
    await register(person({ id: 'second-admin', roles: ['analyst'], subject: 'subject-of-second-admin' }));
    // One administrator: granting admin takes effect at once (there is nobody else to ask).
    const first = PersonChangeResultSchema.parse(
      await ok('POST', '/api/v1/admin/users/second-admin/grant', { as: 'demo-admin', body: { role: 'admin', reason: 'Cover for nights' } }),
    );
    expect(first).toMatchObject({ pending: null, person: { roles: ['admin', 'analyst'] } });
    await train('second-admin', 'Information Governance Training');
    // Two administrators now: a third needs both.
    await register(person({ id: 'third-admin', roles: ['analyst'], subject: 'subject-of-third-admin' }));
    const asked = PersonChangeResultSchema.parse(
      await ok('POST', '/api/v1/admin/users/third-admin/grant', {
        as: 'demo-admin',
        body: { role: 'admin', reason: 'Cover for weekends' },
      }),
    );
    expect(asked.person.roles).toEqual(['analyst']);
    const changeId = asked.pending!.id;
    const own = await refused('POST', `/api/v1/admin/changes/${changeId}`, {
      as: 'demo-admin',
      body: { approve: true, reason: 'Mine' },
      status: 403,
    });
    expect(own.message).toMatch(/Nobody approves their own change/);
    // Registering a new person as an administrator would skip the second administrator: refused.
    const registeredAsAdmin = await refused('POST', '/api/v1/admin/users', {
      as: 'demo-admin',
      body: person({ id: 'fourth-admin', roles: ['admin'], subject: 'subject-of-fourth-admin' }),
      status: 403,
    });
    expect(registeredAsAdmin.message).toMatch(/register them without the Administrator role/);
    const approved = PersonChangeResultSchema.parse(
      await ok('POST', `/api/v1/admin/changes/${changeId}`, {
        as: 'subject-of-second-admin',
        body: { approve: true, reason: 'Agreed at stand-up' },
      }),
    );
    expect(approved.person.roles).toEqual(['admin', 'analyst']);
    await refused('POST', `/api/v1/admin/changes/${changeId}`, {
      as: 'subject-of-second-admin',
      body: { approve: true, reason: 'Twice' },
      status: 400,
    });
    const detail = PersonDetailSchema.parse(await ok('GET', '/api/v1/admin/users/third-admin', { as: 'demo-admin' }));
    expect(detail.history.find((event) => event.type === 'user.role_granted')).toMatchObject({
      actor: 'demo-admin',
      details: { role: 'admin', approvedBy: 'second-admin' },
    });
  });

  it('disables someone who left: every route refuses them at once, their history stays, and enabling restores them', async () => {
    const result = PersonChangeResultSchema.parse(
      await ok('POST', '/api/v1/admin/users/new-analyst/status', {
        as: 'demo-admin',
        body: { status: 'disabled', reason: 'Left the university' },
      }),
    );
    expect(result.person.status).toBe('disabled');
    const refusal = await refused('GET', '/api/v1/me', { as: 'subject-of-new-analyst', status: 403 });
    expect(refusal.message).toMatch(/disabled/);
    const overview = PeopleOverviewSchema.parse(await ok('GET', '/api/v1/admin/users', { as: 'demo-admin' }));
    expect(overview.people.find((each) => each.id === 'new-analyst')).toMatchObject({ status: 'disabled' });
    await ok('POST', '/api/v1/admin/users/new-analyst/status', { as: 'demo-admin', body: { status: 'active', reason: 'Came back' } });
    expect((await call('GET', '/api/v1/me', { as: 'subject-of-new-analyst' })).statusCode).toBe(200);
  });

  it('throttles enrolment attempts per identity, so a code cannot be guessed, and records it once', async () => {
    const attempt = () => call('POST', '/api/v1/enrol', { as: 'subject-of-a-guesser', body: { code: 'ABCDEFGHJKLMNPQRSTUV' } });
    for (let i = 0; i < 5; i += 1) expect((await attempt()).statusCode).toBe(403);
    const throttled = await attempt();
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json<ErrorBody>().error.code).toBe('rate_limited');
    expect((await attempt()).statusCode).toBe(429);
    // Another identity is not held up by the first one's guesses.
    expect(
      (await call('POST', '/api/v1/enrol', { as: 'subject-of-someone-else', body: { code: 'ABCDEFGHJKLMNPQRSTUV' } })).statusCode,
    ).toBe(403);
    const limited = (await ok('GET', '/api/v1/admin/audit?type=audit.rate_limited', { as: 'demo-admin' })) as {
      events: Array<{ details: Record<string, unknown> }>;
    };
    expect(limited.events.filter((event) => event.details.route === 'enrol')).toHaveLength(1);
  });

  it('leaves the audit chain intact after all of it', async () => {
    expect(await store.verifyAudit()).toMatchObject({ intact: true, problems: [] });
    // And `enclave audit verify`, which reads a SQLite data folder's files.
    if (engine.name === 'sqlite') expect((await verifyCli(['--data-dir', fixture.dataDir])).code).toBe(0);
  });
});
