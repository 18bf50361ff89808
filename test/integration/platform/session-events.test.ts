// What the workstation reports about its session (POST /api/v1/session-events) is marked as reported by the
// client, cannot flood the audit log (a limit per user, one rate-limit event per user and window), and a
// sign-out or lock ends the presenting access token at once, even past the limit. Real tokens from the embedded
// identity provider, over HTTP.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_EVENT_LIMIT } from '../../../src/platform/api/v1-routes.ts';
import { createPlatformFixture, signIn, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';

let fixture: PlatformFixture;
let platform: RunningPlatform;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
});

afterAll(async () => {
  await platform?.stop();
  await fixture?.cleanup();
});

async function signedIn(username: string, password: string): Promise<{ authorization: string }> {
  const tokens = await signIn({ platform, username, password });
  return { authorization: `Bearer ${tokens.access_token}` };
}

function report(event: string, headers: { authorization: string }): Promise<Response> {
  return fetch(`${platform.url}/api/v1/session-events`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ event }),
  });
}

function me(headers: { authorization: string }): Promise<Response> {
  return fetch(`${platform.url}/api/v1/me`, { headers });
}

function auditRows(where: string): Array<Record<string, unknown>> {
  const raw = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    return raw.prepare(`SELECT type, actor, outcome, details FROM audit_events WHERE ${where} ORDER BY seq`).all();
  } finally {
    raw.close();
  }
}

describe('session events the workstation reports', () => {
  it('are recorded as reported by the workstation', async () => {
    const ben = await signedIn('demo-analyst-2', 'ben-demo-pass');
    expect((await report('unlocked', ben)).status).toBe(204);
    expect(auditRows("type = 'session.unlocked' AND actor = 'demo-analyst-2'")).toEqual([
      { type: 'session.unlocked', actor: 'demo-analyst-2', outcome: 'success', details: '{"reportedBy":"workstation","role":"analyst"}' },
    ]);
  });

  it(`refuse a client that floods them after ${SESSION_EVENT_LIMIT.limit} a minute, recording the refusal once`, async () => {
    const ada = await signedIn('demo-analyst', 'ada-demo-pass');
    const statuses: number[] = [];
    for (let i = 0; i < SESSION_EVENT_LIMIT.limit + 15; i++) statuses.push((await report('unlocked', ada)).status);
    expect(statuses.filter((status) => status === 204)).toHaveLength(SESSION_EVENT_LIMIT.limit);
    expect(statuses.slice(SESSION_EVENT_LIMIT.limit)).toEqual(Array(15).fill(429));
    const refused = await report('unlocked', ada);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: {
        code: 'rate_limited',
        message:
          'Too many session events were reported from your sign-in in the last minute. Later ones are not recorded until the minute is over.',
      },
    });
    expect(auditRows("type = 'session.unlocked' AND actor = 'demo-analyst'")).toHaveLength(SESSION_EVENT_LIMIT.limit);
    expect(auditRows("type = 'audit.rate_limited'")).toEqual([
      {
        type: 'audit.rate_limited',
        actor: 'demo-analyst',
        outcome: 'failure',
        details: '{"limit":30,"reportedBy":"workstation","route":"session-events","windowSeconds":60}',
      },
    ]);
    // Someone else's reports are not held up by hers.
    const chidi = await signedIn('demo-checker-2', 'chidi-demo-pass');
    expect((await report('unlocked', chidi)).status).toBe(204);
    // Past the limit, signing out still ends her access at once, though it is not recorded.
    expect((await report('signed_out', ada)).status).toBe(429);
    expect((await me(ada)).status).toBe(401);
  });

  it.each(['signed_out', 'locked'])('%s ends the presenting access token at once', async (event) => {
    const chloe = await signedIn('demo-checker-1', 'chloe-demo-pass');
    expect((await me(chloe)).status).toBe(200);
    expect((await report(event, chloe)).status).toBe(204);
    const after = await me(chloe);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('leaves the token working after an event that does not end the session', async () => {
    const dana = await signedIn('demo-admin', 'dana-demo-pass');
    expect((await report('unlocked', dana)).status).toBe(204);
    expect((await me(dana)).status).toBe(200);
  });
});
