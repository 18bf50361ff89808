// One refresh token presented many times at once, over real HTTP to the embedded provider (issue 19 B.5): exactly one
// request gets new tokens, the others invalid_grant, on both of the metadata store's engines. Using a refresh token is
// one conditional UPDATE of its row (consumed_at IS NULL); the read-then-write before it let one token be redeemed
// twice on PostgreSQL (FACTS.md). The provider then ends the grant: a token used twice is one stolen. Within one process
// the requests meet in the provider before they meet in the store, so this holds even with a consume that checks
// nothing (tried); what fails then is the store suite's eight consumes at once (store-engines.test.ts), and across two
// instances (issue 19 C) this test's requests reach the store together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeEngines, type ServerStoreUnderTest } from '../../support/store-engines.ts';
import { createPlatformFixture, signIn, startPlatform, tokenRequest, type PlatformFixture, type RunningPlatform } from './support.ts';

const AT_ONCE = 10;

describe.each(storeEngines())('a refresh token presented many times at once, on $name', (engine) => {
  let fixture: PlatformFixture;
  let store: ServerStoreUnderTest;
  let platform: RunningPlatform;

  beforeEach(async () => {
    fixture = await createPlatformFixture();
    store = await engine.forServer(fixture.dataDir, 'refresh');
    platform = await startPlatform({ fixture, ...store.options });
  });

  afterEach(async () => {
    await platform?.stop();
    await store?.cleanup();
    await fixture?.cleanup();
  });

  it(`gives new tokens to exactly one of ${AT_ONCE} requests, and invalid_grant to the rest`, async () => {
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const answers = await Promise.all(
      Array.from({ length: AT_ONCE }, () =>
        tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
      ),
    );
    const granted = answers.filter((answer) => answer.status === 200);
    expect(granted).toHaveLength(1);
    expect(granted[0]?.body.refresh_token).toEqual(expect.any(String));
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
  });
});
