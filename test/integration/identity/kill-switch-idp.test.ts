// The kill switch at the embedded identity provider (issue 18; SATRE 2.6.04, rapid incident response): ending all of
// a person's sign-ins removes every session, grant, code, refresh token and device code of theirs and nobody else's,
// and a suspended person can neither sign in (in a browser or for a device) nor redeem anything issued before.
// The provider runs on its own Fastify app over real HTTP, with a seeded store, so the test controls its refusal.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Fastify, { type FastifyInstance } from 'fastify';
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { artifactKey, sqliteAdapterFactory } from '../../../src/platform/identity/embedded/adapter.ts';
import { createArtifactSealer } from '../../../src/platform/identity/embedded/artifact-sealing.ts';
import { createEmbeddedIdentityProvider, type EmbeddedIdentityProvider } from '../../../src/platform/identity/embedded/embedded-idp.ts';
import { loadIdentityKeys } from '../../../src/platform/identity/embedded/keys.ts';
import { openPlatformRecords, type PlatformRecords } from '../../../src/platform/records.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { migrationProvider } from '../../../src/platform/store/migrations.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import { createOidcArtifactStore } from '../../../src/platform/store/oidc-artifacts.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';
import { enterAndConfirmCode, poll, startDeviceAuthorization, type DeviceAuthorization, type Issuer } from './device-support.ts';
import { authorizationUrl, Browser, loginFormAction, pkce, submitLogin, tokenRequest, type TokenSet } from './support.ts';

const SUSPENDED_MESSAGE = 'Your access to Enclave is suspended by an administrator: contact your administrator.';

let dataDir: string;
let records: PlatformRecords;
let app: FastifyInstance;
let idp: EmbeddedIdentityProvider;
let platform: Issuer;
let accountKey: (userId: string) => string;
const suspended = new Set<string>();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-kill-switch-idp-'));
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  records = await openPlatformRecords({
    file: path.join(dataDir, 'metadata.sqlite'),
    seed: { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) },
  });
  idp = await createEmbeddedIdentityProvider({
    dataDir,
    store: records.store,
    audit: records.audit,
    refusal: async (userId) => (suspended.has(userId) ? new EnclaveError('suspended', SUSPENDED_MESSAGE) : null),
  });
  app = Fastify();
  idp.register(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the provider is not listening on a port');
  const url = `http://127.0.0.1:${address.port}`;
  idp.attach(url);
  platform = { url, issuer: `${url}/oidc` };
  // The same keys the provider loaded: what its look-up column must hold for an account.
  const sealer = createArtifactSealer((await loadIdentityKeys(dataDir)).artifactKeys);
  accountKey = (userId) => sealer.lookupKey('account', userId);
});

afterAll(async () => {
  await app?.close();
  await records?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => suspended.clear());

function artifactRows(): Array<{ model: string; account_key: string | null }> {
  const raw = new DatabaseSync(path.join(dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    return raw.prepare('SELECT model, account_key FROM oidc_artifacts').all() as Array<{ model: string; account_key: string | null }>;
  } finally {
    raw.close();
  }
}

/** The models of the account's artifacts, sorted, one entry per row. */
function modelsOf(userId: string): string[] {
  const key = accountKey(userId);
  return artifactRows()
    .filter((row) => row.account_key === key)
    .map((row) => row.model)
    .sort();
}

function lastSignInEvent(): { actor: string | null; outcome: string; details: string } {
  const raw = new DatabaseSync(path.join(dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    return raw.prepare("SELECT actor, outcome, details FROM audit_events WHERE type = 'auth.sign_in' ORDER BY seq DESC LIMIT 1").get() as {
      actor: string | null;
      outcome: string;
      details: string;
    };
  } finally {
    raw.close();
  }
}

/** The browser part of a sign-in: the authorization request, then the password on the login form. */
async function browserSignIn(username: string, password: string) {
  const browser = new Browser();
  const verifier = pkce();
  const redirectUri = 'http://127.0.0.1:53690/callback';
  const start = await browser.follow(authorizationUrl({ issuer: platform.issuer, redirectUri, challenge: verifier.challenge }));
  const action = loginFormAction(await start.response.text(), start.url);
  if (action === undefined) throw new Error(`no login form at ${start.url}`);
  const done = await submitLogin({ browser, action, username, password, platformUrl: platform.url });
  return { done, code: new URL(done.url).searchParams.get('code'), verifier, redirectUri };
}

async function signIn(username: string, password: string): Promise<TokenSet> {
  const { code, verifier, redirectUri } = await browserSignIn(username, password);
  if (code === null) throw new Error(`signing in ${username} ended without a code`);
  const { status, body } = await tokenRequest(platform.issuer, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier.verifier,
  });
  expect(status).toBe(200);
  return body;
}

/** The person enters the device's code, confirms it and gives their password: the page that answers. */
async function approveDevice(device: DeviceAuthorization, username: string, password: string) {
  const browser = new Browser();
  const login = await enterAndConfirmCode({ platform, device, browser });
  const action = loginFormAction(await login.response.text(), login.url);
  if (action === undefined) throw new Error('no login form after confirming the device code');
  return submitLogin({ browser, action, username, password, platformUrl: platform.url });
}

const refresh = (tokens: TokenSet) => tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });

describe('ending all of a person’s sign-ins (SATRE 2.6.04)', () => {
  it('removes every session, grant, code, refresh token and device code of the account, and none of another’s', async () => {
    const ada = await signIn('demo-analyst', 'ada-demo-pass');
    const approved = await startDeviceAuthorization(platform);
    expect(await (await approveDevice(approved, 'demo-analyst', 'ada-demo-pass')).response.text()).toContain(
      'The command line is signed in',
    );
    const dana = await signIn('demo-admin', 'dana-demo-pass');
    const danaDevice = await startDeviceAuthorization(platform);
    expect(await (await approveDevice(danaDevice, 'demo-admin', 'dana-demo-pass')).response.text()).toContain(
      'The command line is signed in',
    );

    const adas = modelsOf('demo-analyst');
    for (const model of ['Session', 'Grant', 'AuthorizationCode', 'RefreshToken', 'DeviceCode']) expect(adas).toContain(model);
    const danas = modelsOf('demo-admin');
    expect(danas).toContain('RefreshToken');

    // The column is a keyed hash: no user id, and not the same for two people.
    const keys = artifactRows().flatMap((row) => (row.account_key === null ? [] : [row.account_key]));
    for (const userId of ['demo-analyst', 'demo-admin']) for (const key of keys) expect(key).not.toContain(userId);
    expect(accountKey('demo-analyst')).not.toBe(accountKey('demo-admin'));

    expect(await idp.endSignInsOf('demo-analyst')).toBe(adas.length);
    expect(modelsOf('demo-analyst')).toEqual([]);
    expect(modelsOf('demo-admin')).toEqual(danas);

    const refused = await refresh(ada);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect((await poll(platform, approved)).body.error).toBe('invalid_grant');

    // The other account signs on undisturbed.
    expect((await refresh(dana)).status).toBe(200);
    expect((await poll(platform, danaDevice)).status).toBe(200);
    // And a second end finds nothing left.
    expect(await idp.endSignInsOf('demo-analyst')).toBe(0);
  });
});

describe('a suspended person at the provider (SATRE 2.6.04)', () => {
  it('shows the refusal after a correct password, issues no code, and records why', async () => {
    suspended.add('demo-checker-1');
    const { done, code } = await browserSignIn('demo-checker-1', 'chloe-demo-pass');
    expect(done.response.status).toBe(403);
    expect(done.url.startsWith(platform.url)).toBe(true);
    expect(code).toBeNull();
    expect(await done.response.text()).toContain(`<p class="alert" role="alert">${SUSPENDED_MESSAGE}</p>`);
    expect(lastSignInEvent()).toEqual({
      actor: null,
      outcome: 'failure',
      details: '{"clientId":"enclave-workstation","reason":"suspended","username":"demo-checker-1"}',
    });
  });

  it('tells someone with a wrong password nothing about the suspension', async () => {
    suspended.add('demo-checker-1');
    const { done, code } = await browserSignIn('demo-checker-1', 'not-chloes-pass');
    const html = await done.response.text();
    expect(code).toBeNull();
    expect(html).toContain('The username or password is wrong.');
    expect(html).not.toContain('suspended');
  });

  it('refuses the code, refresh and device grants of what was issued before the suspension', async () => {
    const tokens = await signIn('demo-checker-1', 'chloe-demo-pass');
    const unredeemed = await browserSignIn('demo-checker-1', 'chloe-demo-pass');
    expect(unredeemed.code).toEqual(expect.any(String));
    const device = await startDeviceAuthorization(platform);
    expect(await (await approveDevice(device, 'demo-checker-1', 'chloe-demo-pass')).response.text()).toContain(
      'The command line is signed in',
    );
    suspended.add('demo-checker-1');

    const exchanged = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code: unredeemed.code!,
      redirect_uri: unredeemed.redirectUri,
      code_verifier: unredeemed.verifier.verifier,
    });
    expect(exchanged.status).toBe(400);
    expect(exchanged.body.error).toBe('invalid_grant');
    expect(exchanged.body.access_token).toBeUndefined();
    const refreshed = await refresh(tokens);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect(refreshed.body.access_token).toBeUndefined();
    const polled = await poll(platform, device);
    expect(polled.status).toBe(400);
    expect(polled.body.error).toBe('invalid_grant');
    expect(polled.body.access_token).toBeUndefined();
  });

  it('refuses a device approval the same way: the poll stays pending', async () => {
    suspended.add('demo-checker-1');
    const device = await startDeviceAuthorization(platform);
    const page = await approveDevice(device, 'demo-checker-1', 'chloe-demo-pass');
    expect(page.response.status).toBe(403);
    const html = await page.response.text();
    expect(html).toContain(SUSPENDED_MESSAGE);
    expect(html).not.toContain('The command line is signed in');
    expect((await poll(platform, device)).body.error).toBe('authorization_pending');
    expect(JSON.parse(lastSignInEvent().details)).toMatchObject({ reason: 'suspended', username: 'demo-checker-1' });
  });

  it('signs the person in again once the refusal is lifted', async () => {
    suspended.add('demo-checker-1');
    expect((await browserSignIn('demo-checker-1', 'chloe-demo-pass')).code).toBeNull();
    suspended.delete('demo-checker-1');
    const tokens = await signIn('demo-checker-1', 'chloe-demo-pass');
    expect(tokens.access_token).toEqual(expect.any(String));
    expect((await refresh(tokens)).status).toBe(200);
    expect(lastSignInEvent()).toMatchObject({ actor: 'demo-checker-1', outcome: 'success' });
  });
});

describe('the account column of the artifact store', () => {
  it('keeps an artifact’s account through later saves and use, indexes sign-ins under way, and leaves rows without one', async () => {
    const raw = new DatabaseSync(':memory:');
    const db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(raw) });
    try {
      expect((await new Migrator({ db, provider: migrationProvider }).migrateToLatest()).error).toBeUndefined();
      const store = createOidcArtifactStore(db);
      const sealer = createArtifactSealer({ encryption: randomBytes(32), index: randomBytes(32) });
      const adapter = sqliteAdapterFactory({ store, sealer, onGrantEnded: async () => {} });
      const key = sealer.lookupKey('account', 'demo-analyst');
      const column = (model: string, id: string) =>
        (
          raw.prepare('SELECT account_key FROM oidc_artifacts WHERE model = ? AND id = ?').get(model, artifactKey(id)) as {
            account_key: string | null;
          }
        ).account_key;

      await adapter('Session').upsert('cookie-1', { kind: 'Session', uid: 'u-1', accountId: 'demo-analyst' }, 600);
      // Saved again without its account (as after signing out): it still counts as the person's.
      await adapter('Session').upsert('cookie-1', { kind: 'Session', uid: 'u-1' }, 600);
      expect(column('Session', 'cookie-1')).toBe(key);
      await adapter('RefreshToken').upsert('refresh-1', { kind: 'RefreshToken', grantId: 'g-1', accountId: 'demo-analyst' }, 600);
      await adapter('RefreshToken').consume('refresh-1');
      expect(column('RefreshToken', 'refresh-1')).toBe(key);
      await adapter('Interaction').upsert('i-1', { kind: 'Interaction', result: { login: { accountId: 'demo-analyst' } } }, 600);
      expect(column('Interaction', 'i-1')).toBe(key);
      await adapter('Interaction').upsert('i-2', { kind: 'Interaction', params: {} }, 600);
      expect(column('Interaction', 'i-2')).toBeNull();
      await adapter('DeviceCode').upsert('pending-device-code', { kind: 'DeviceCode', userCode: 'BCDFGHJK', params: {} }, 600);
      expect(column('DeviceCode', 'pending-device-code')).toBeNull();
      // A row written before the column existed has none: it is not found, and ends when it expires.
      raw.prepare("INSERT INTO oidc_artifacts (model, id, payload, expires_at) VALUES ('Grant', 'old-grant', '{}', NULL)").run();

      expect(await store.destroyByAccount(key)).toBe(3);
      expect(raw.prepare('SELECT model FROM oidc_artifacts ORDER BY model').all()).toEqual([
        { model: 'DeviceCode' },
        { model: 'Grant' },
        { model: 'Interaction' },
      ]);
      expect(await store.destroyByAccount(sealer.lookupKey('account', 'demo-admin'))).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
