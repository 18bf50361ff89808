// The kill switch at the platform's own identity provider, on the real server (issue 18; SATRE 2.6.04, rapid incident
// response): an administrator suspends a person through the API of a running platform, and from then on the provider
// refuses the person's refresh grant (invalid_grant) and its sign-in form refuses their correct password, saying why.
// Once the suspension is lifted they sign in again, while what they held before stays ended. Everything over real HTTP:
// the browser's sign-in, the token endpoint, and the administrator's API calls with her own tokens from the same provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionEffectSchema, IncidentSchema } from '../../../src/common/incidents.ts';
import {
  authorizationUrl,
  Browser,
  createPlatformFixture,
  loginFormAction,
  pkce,
  signIn,
  startPlatform,
  submitLogin,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
  type TokenSet,
} from './support.ts';

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

/** A call to the platform's API with an access token: a POST when it has a body, a GET otherwise. */
async function api(path: string, accessToken: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${platform.url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const refresh = (tokens: TokenSet) => tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });

/** The sign-in form as a browser fills it in: the page it ends on, and the code when it ends at the loopback callback. */
async function signInForm(username: string, password: string) {
  const browser = new Browser();
  const verifier = pkce();
  const redirectUri = 'http://127.0.0.1:53691/callback';
  const start = await browser.follow(authorizationUrl({ issuer: platform.issuer, redirectUri, challenge: verifier.challenge }));
  const action = loginFormAction(await start.response.text(), start.url);
  if (action === undefined) throw new Error(`no sign-in form at ${start.url}`);
  const done = await submitLogin({ browser, action, username, password, platformUrl: platform.url });
  return { status: done.response.status, html: await done.response.text(), code: new URL(done.url).searchParams.get('code') };
}

describe('a person suspended through the API of a running platform, at its identity provider (SATRE 2.6.04)', () => {
  it('refuses their refresh grant and their sign-in, leaves others signed in, and signs them in again once lifted', async () => {
    const dana = await signIn({ platform, username: 'demo-admin', password: 'dana-demo-pass' });
    let ada = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const renewed = await refresh(ada);
    expect(renewed.status).toBe(200);
    ada = renewed.body;

    const incident = await api('/admin/incidents', dana.access_token, {
      summary: 'Analyst account used from an unknown network',
      severity: 'high',
      detectedAt: new Date().toISOString(),
      personalData: true,
    });
    expect(incident.status).toBe(200);
    const suspended = await api('/admin/actions', dana.access_token, {
      action: 'suspend_user',
      userId: 'demo-analyst',
      incidentId: IncidentSchema.parse(incident.body).id,
      reason: 'Unknown network',
    });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    const effect = ActionEffectSchema.parse(suspended.body);
    // Her session, grant and refresh token at the provider were destroyed.
    expect(effect.signInsEnded).toBeGreaterThanOrEqual(3);

    const refused = await refresh(ada);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect(refused.body.access_token).toBeUndefined();
    expect(await api('/me', ada.access_token)).toMatchObject({ status: 403, body: { error: { code: 'suspended' } } });

    // Her correct password is refused at the form, saying why, and no code is issued.
    const form = await signInForm('demo-analyst', 'ada-demo-pass');
    expect(form.status).toBe(403);
    expect(form.code).toBeNull();
    expect(form.html).toContain('Your access to Enclave is suspended by an administrator.');
    // A wrong password learns nothing about the suspension.
    const wrong = await signInForm('demo-analyst', 'not-adas-pass');
    expect(wrong.code).toBeNull();
    expect(wrong.html).not.toContain('suspended');

    // The administrator's own sign-in is untouched.
    const danaRenewed = await refresh(dana);
    expect(danaRenewed.status).toBe(200);
    const signIns = await api('/admin/audit?type=auth.sign_in&limit=20', danaRenewed.body.access_token);
    expect(signIns.status).toBe(200);
    const events = (signIns.body as { events: Array<{ outcome: string; details: Record<string, unknown> }> }).events;
    expect(events).toContainEqual(
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ reason: 'suspended', username: 'demo-analyst' }) }),
    );

    const lifted = await api(`/admin/actions/${effect.restriction!.id}/lift`, danaRenewed.body.access_token, {
      reason: 'The network was the hospital VPN',
    });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);

    const again = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    expect(await api('/me', again.access_token)).toMatchObject({ status: 200, body: { id: 'demo-analyst' } });
    expect((await refresh(again)).status).toBe(200);
    // What she held before the suspension stays ended.
    expect((await refresh(ada)).body.error).toBe('invalid_grant');
  });

  it('signs them in again at once when the suspension is lifted within the second it began', async () => {
    const dana = await signIn({ platform, username: 'demo-admin', password: 'dana-demo-pass' });
    const incident = await api('/admin/incidents', dana.access_token, {
      summary: 'A suspension made by mistake',
      severity: 'low',
      detectedAt: new Date().toISOString(),
      personalData: false,
    });
    expect(incident.status).toBe(200);
    // Started at the top of a second, so the suspension, its lift and her sign-in fall in one second unless the lift waits.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
    const suspended = await api('/admin/actions', dana.access_token, {
      action: 'suspend_user',
      userId: 'demo-analyst',
      incidentId: IncidentSchema.parse(incident.body).id,
      reason: 'Wrong person chosen',
    });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    const restriction = ActionEffectSchema.parse(suspended.body).restriction!;
    const lifted = await api(`/admin/actions/${restriction.id}/lift`, dana.access_token, { reason: 'Suspended by mistake' });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);

    const again = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    expect(await api('/me', again.access_token)).toMatchObject({ status: 200, body: { id: 'demo-analyst' } });
  });
});
