// Password guessing is slowed per username (five tries are free, then pauses that double), per client address
// and overall, on a fake clock, with the budgets in the metadata store on both of its engines (issue 19 C.1).
// Attempts count from the moment they start, so guesses sent all at once cannot outrun the count; a lease left by a
// check that never ended (a crashed instance, an outcome not written) stops counting by 30 s after it was taken, however
// many sign-ins follow; two store handles on one database (two instances) spend one budget; a refused address spends
// nothing of a username's; and sweeping the table never forgets a pause.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/platform/identity/passwords.ts';
import {
  addressKey,
  createLoginThrottle,
  DEFAULT_LOGIN_LIMITS,
  FREE_FAILURES,
  type LoginAttempt,
  type LoginThrottle,
  type LoginThrottleLimits,
} from '../../../src/platform/identity/embedded/login-throttle.ts';
import { LEASE_MS, LEASE_PERIOD_MS, type LoginThrottleRecords } from '../../../src/platform/store/login-throttle.ts';
import { openMetadataStore, type OpenedMetadataStore } from '../../../src/platform/store/metadata-store.ts';
import { storeEngines, type StoreUnderTest } from '../../support/store-engines.ts';

const HOME = '192.0.2.1';

/** A fake clock, starting as a lease period starts: a lease taken at its start counts for exactly LEASE_MS. */
function clock() {
  let now = 67 * LEASE_PERIOD_MS;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Each test's requests come from its own address unless it says otherwise, so only the budget under test fills. */
const begin = (throttle: LoginThrottle, username: string, address = HOME) => throttle.begin({ username, address });

async function start(throttle: LoginThrottle, username: string, address = HOME): Promise<LoginAttempt> {
  const admission = await begin(throttle, username, address);
  if (!admission.allowed) throw new Error(`expected ${username} to be allowed, but it is ${admission.reason}`);
  return admission.attempt;
}

const fail = async (throttle: LoginThrottle, username: string, address = HOME) => (await start(throttle, username, address)).failed();

describe.each(storeEngines())('the login throttle over the metadata store on $name', (engine) => {
  let under: StoreUnderTest;
  let store: OpenedMetadataStore;
  /** Every test's budgets apart from the others' (the overall one too): its own namespace of keys. */
  let namespace = '';
  const keyOf = (name: string): string => `${namespace}:${name}`;
  const throttleOn = (
    now: () => number,
    limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS,
    records: OpenedMetadataStore = store,
  ): LoginThrottle => createLoginThrottle({ records: records.loginThrottle, now, limits, keyOf });
  const rowsOfTest = async (): Promise<number> =>
    Number((await under.raw(`SELECT count(*) AS n FROM login_throttle WHERE key LIKE '${namespace}:%'`))[0]?.n);

  beforeAll(async () => {
    under = await engine.create('throttle');
    store = await openMetadataStore({ ...under.location, seed: { demo: null, catalogue: [] }, hashPassword });
  });

  afterAll(async () => {
    await store?.close();
    await under?.cleanup();
  });

  beforeEach(() => {
    namespace = randomBytes(6).toString('hex');
  });

  describe('createLoginThrottle', () => {
    it('lets a username try freely until the fifth failure, then pauses it for 30 s', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      for (let i = 1; i < FREE_FAILURES; i++) {
        await fail(throttle, 'demo-analyst');
        expect(await throttle.waitFor('demo-analyst')).toBe(0);
      }
      await fail(throttle, 'demo-analyst');
      expect(await throttle.waitFor('demo-analyst')).toBe(30_000);
      expect(await begin(throttle, 'demo-analyst')).toEqual({ allowed: false, reason: 'paused', limit: 'username', waitMs: 30_000 });
      time.advance(30_000);
      expect(await throttle.waitFor('demo-analyst')).toBe(0);
      expect((await begin(throttle, 'demo-analyst')).allowed).toBe(true);
    });

    it('doubles the pause with each further failure, up to 15 minutes', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      for (let i = 0; i < FREE_FAILURES; i++) await fail(throttle, 'u');
      time.advance(30_000);
      await fail(throttle, 'u');
      expect(await throttle.waitFor('u')).toBe(60_000);
      for (let i = 0; i < 20; i++) {
        time.advance(await throttle.waitFor('u'));
        await fail(throttle, 'u');
      }
      expect(await throttle.waitFor('u')).toBe(15 * 60_000);
    });

    it('keeps usernames apart, ignores case and spaces, and forgets a username after a success', async () => {
      const throttle = throttleOn(clock().now);
      for (let i = 0; i < FREE_FAILURES - 1; i++) await fail(throttle, ' Demo-Admin ');
      await (await start(throttle, 'demo-admin')).succeeded();
      for (let i = 0; i < FREE_FAILURES - 1; i++) await fail(throttle, 'demo-admin');
      expect(await throttle.waitFor('demo-admin')).toBe(0);
      await fail(throttle, 'DEMO-ADMIN');
      expect(await throttle.waitFor('demo-admin')).toBeGreaterThan(0);
      expect(await throttle.waitFor('demo-analyst')).toBe(0);
    });

    it('throttles unknown usernames the same way, so the pause does not tell who exists', async () => {
      const throttle = throttleOn(clock().now);
      for (let i = 0; i < FREE_FAILURES; i++) await fail(throttle, 'no-such-user');
      expect(await throttle.waitFor('no-such-user')).toBe(30_000);
    });

    it('counts attempts still being checked: no more may start at once than failures are left', async () => {
      const throttle = throttleOn(clock().now);
      await fail(throttle, 'demo-analyst');
      const running: LoginAttempt[] = [];
      for (let i = 0; i < FREE_FAILURES - 1; i++) running.push(await start(throttle, 'demo-analyst'));
      expect(await begin(throttle, 'demo-analyst')).toEqual({
        allowed: false,
        reason: 'busy',
        limit: 'username',
        waitMs: expect.any(Number),
      });
      expect((await begin(throttle, 'demo-analyst2')).allowed).toBe(true);
      // One ends in success: the others may still fail, but there is room again and the count starts over.
      await running[0].succeeded();
      expect((await begin(throttle, 'demo-analyst')).allowed).toBe(true);
    });

    it('allows one attempt at a time once the free failures are used up and a pause has ended', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      for (let i = 0; i < FREE_FAILURES; i++) await fail(throttle, 'u');
      time.advance(30_000);
      const attempt = await start(throttle, 'u');
      expect(await begin(throttle, 'u')).toMatchObject({ allowed: false, reason: 'busy' });
      await attempt.failed();
      expect(await begin(throttle, 'u')).toMatchObject({ allowed: false, reason: 'paused', waitMs: 60_000 });
    });

    it('settles an attempt once: release after failed or succeeded changes nothing, release alone frees the slot', async () => {
      const throttle = throttleOn(clock().now);
      for (let i = 0; i < FREE_FAILURES - 1; i++) {
        const attempt = await start(throttle, 'u');
        await attempt.failed();
        await attempt.failed();
        await attempt.release();
      }
      expect(await throttle.waitFor('u')).toBe(0);
      const last = await start(throttle, 'u');
      expect(await begin(throttle, 'u')).toMatchObject({ allowed: false, reason: 'busy' });
      await last.release();
      expect(await throttle.waitFor('u')).toBe(0);
      await fail(throttle, 'u');
      expect(await throttle.waitFor('u')).toBe(30_000);
    });
  });

  describe('what a flood of guesses cannot do', () => {
    const unbudgeted = { ...DEFAULT_LOGIN_LIMITS, addressFailures: Number.POSITIVE_INFINITY, overallFailures: Number.POSITIVE_INFINITY };

    it('forgets no pause when it sweeps: rows with nothing left go, a paused username stays paused', async () => {
      const time = clock();
      // Budgets lifted so that only the username rows are under test: the flood gets through to them.
      const throttle = throttleOn(time.now, unbudgeted);
      for (let i = 0; i < 200; i++) await fail(throttle, `made-up-${i}`, `198.51.100.${i % 250}`);
      await (await start(throttle, 'demo-admin')).succeeded();
      for (let i = 0; i < FREE_FAILURES; i++) await fail(throttle, 'demo-analyst');
      time.advance(30_000);
      await fail(throttle, 'demo-analyst');
      // 200 made-up usernames, their 200 addresses, demo-admin, demo-analyst, their address and everybody's row.
      expect(await rowsOfTest()).toBe(404);
      // Every window over (as an hour on), while demo-analyst's 60 s pause still runs; a minute on, the next attempt sweeps.
      await under.raw(`UPDATE login_throttle SET window_ends_at = 0 WHERE key LIKE '${namespace}:%'`);
      time.advance(59_000);
      expect(await begin(throttle, 'made-up-0', '198.51.100.0')).toMatchObject({ allowed: true });
      expect(await throttle.waitFor('demo-analyst')).toBe(1_000);
      // Left: demo-analyst, paused; and the rows the attempt just leased (made-up-0's, its address's, everybody's).
      expect(await rowsOfTest()).toBe(4);
      expect(await begin(throttle, 'demo-analyst')).toMatchObject({ allowed: false, reason: 'paused', limit: 'username', waitMs: 1_000 });
    });

    it("asks the address budget first: a refused address makes no username rows and takes no paused username's place", async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      for (let i = 0; i < FREE_FAILURES; i++) await fail(throttle, 'demo-analyst', '192.0.2.70');
      for (let i = 0; i < DEFAULT_LOGIN_LIMITS.addressFailures; i++) await fail(throttle, `spent-${i}`, '203.0.113.70');
      time.advance(30_000);
      const rows = await rowsOfTest();
      for (let i = 0; i < 50; i++) {
        expect(await begin(throttle, `flood-${i}`, '203.0.113.70')).toMatchObject({ allowed: false, limit: 'address' });
      }
      expect(await begin(throttle, 'demo-analyst', '203.0.113.70')).toMatchObject({ allowed: false, limit: 'address' });
      expect(await rowsOfTest()).toBe(rows);
      expect((await store.loginThrottle.read({ key: keyOf('user demo-analyst'), at: time.now() }))?.inFlight).toBe(0);
      // The one check after demo-analyst's pause is still there for its own address.
      expect((await begin(throttle, 'demo-analyst', '192.0.2.70')).allowed).toBe(true);
    });

    it('holds the default budgets against a flood of made-up usernames from one address: the 21st failure is refused', async () => {
      const throttle = throttleOn(clock().now);
      for (let i = 0; i < DEFAULT_LOGIN_LIMITS.addressFailures; i++) await fail(throttle, `made-up-${i}`);
      expect(await begin(throttle, 'made-up-next')).toMatchObject({ allowed: false, reason: 'paused', limit: 'address' });
    });
  });

  describe('the budget per client address', () => {
    it('refuses an address past 20 failures in 10 minutes, whatever the usernames, while another address still gets in', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      // Four usernames, five failures each: no username is paused before the address budget is spent.
      for (let i = 0; i < 20; i++) {
        await fail(throttle, `user-${i % 4}-${Math.floor(i / 16)}`, '203.0.113.7');
        time.advance(1_000);
      }
      const refused = await begin(throttle, 'demo-admin', '203.0.113.7');
      expect(refused).toEqual({ allowed: false, reason: 'paused', limit: 'address', waitMs: 10 * 60_000 - 20_000 });
      expect((await begin(throttle, 'demo-admin', '203.0.113.8')).allowed).toBe(true);
    });

    it('recovers as failures leave the 10-minute window', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      for (let i = 0; i < 20; i++) await fail(throttle, `u${i}`, '203.0.113.7');
      time.advance(10 * 60_000 - 1);
      expect(await begin(throttle, 'someone', '203.0.113.7')).toMatchObject({ allowed: false, limit: 'address', waitMs: 1 });
      time.advance(1);
      expect((await begin(throttle, 'someone', '203.0.113.7')).allowed).toBe(true);
    });

    it('counts attempts still being checked, so 30 guesses sent at once from one address start at most 20 checks', async () => {
      const throttle = throttleOn(clock().now);
      // Sent at once: on PostgreSQL they reach the database over several connections together.
      const admissions = await Promise.all(Array.from({ length: 30 }, (_, i) => begin(throttle, `parallel-${i}`, '203.0.113.9')));
      expect(admissions.filter((admission) => admission.allowed)).toHaveLength(20);
      // Which ten are refused is the database's order of arrival, not the order they were sent in.
      const refused = admissions.filter((admission) => !admission.allowed);
      expect(refused).toHaveLength(10);
      for (const admission of refused) expect(admission).toMatchObject({ reason: 'busy', limit: 'address' });
    });

    it('does not count successful sign-ins against the address', async () => {
      const throttle = throttleOn(clock().now);
      for (let i = 0; i < 50; i++) await (await start(throttle, `user-${i}`, '203.0.113.10')).succeeded();
      expect((await begin(throttle, 'one-more', '203.0.113.10')).allowed).toBe(true);
    });

    it('counts an IPv6 client by its /64, and an IPv4-mapped address as the IPv4 one', async () => {
      expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
      expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
      expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
      expect(addressKey('::1')).toBe('0:0:0:0::/64');
      expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
      expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
      const throttle = throttleOn(clock().now);
      for (let i = 0; i < 20; i++) await fail(throttle, `v6-${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`);
      expect(await begin(throttle, 'v6-next', '2001:db8:1:2:ffff::99')).toMatchObject({ allowed: false, limit: 'address' });
      expect((await begin(throttle, 'v6-next', '2001:db8:1:3::1')).allowed).toBe(true);
    });
  });

  describe('the overall budget', () => {
    it('refuses everybody past 300 failed checks in a minute, from however many addresses, and recovers after the minute', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      for (let i = 0; i < DEFAULT_LOGIN_LIMITS.overallFailures; i++) await fail(throttle, `spread-${i}`, `198.51.100.${i % 200}`);
      const refused = await begin(throttle, 'demo-analyst', '192.0.2.200');
      expect(refused).toEqual({ allowed: false, reason: 'busy', limit: 'overall', waitMs: 60_000 });
      time.advance(60_000);
      expect((await begin(throttle, 'demo-analyst', '192.0.2.200')).allowed).toBe(true);
    });

    it('counts checks in flight against it too', async () => {
      const throttle = throttleOn(clock().now, { ...DEFAULT_LOGIN_LIMITS, overallFailures: 10 });
      const running: LoginAttempt[] = [];
      for (let i = 0; i < 10; i++) running.push(await start(throttle, `n${i}`, `198.51.100.${i}`));
      expect(await begin(throttle, 'n10', '198.51.100.10')).toMatchObject({
        allowed: false,
        reason: 'busy',
        limit: 'overall',
        waitMs: 2_000,
      });
      await running[0].release();
      expect((await begin(throttle, 'n10', '198.51.100.10')).allowed).toBe(true);
    });
  });

  describe('across instances', () => {
    it('takes no notice of a lease older than 30 s: checks a crashed instance left under way stop counting', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      // Five checks begun and never ended, as when the instance checking them dies.
      for (let i = 0; i < FREE_FAILURES; i++) await start(throttle, 'demo-analyst');
      expect(await begin(throttle, 'demo-analyst')).toMatchObject({ allowed: false, reason: 'busy', limit: 'username' });
      time.advance(LEASE_MS - 1);
      expect(await begin(throttle, 'demo-analyst')).toMatchObject({ allowed: false, reason: 'busy', limit: 'username' });
      time.advance(1);
      const after = await start(throttle, 'demo-analyst');
      await after.failed();
      expect(await throttle.waitFor('demo-analyst')).toBe(0);
    });

    it('forgets leases never ended 30 s after they were taken, however many sign-ins come meanwhile', async () => {
      const time = clock();
      // Room for the ten lost checks and one more: a lost lease that went on counting would leave room for one only.
      const throttle = throttleOn(time.now, { ...DEFAULT_LOGIN_LIMITS, overallFailures: 11 });
      const overall = async () => (await store.loginThrottle.read({ key: keyOf('overall'), at: time.now() }))?.inFlight;
      // Ten checks begun and never ended (an instance died mid-check).
      for (let i = 0; i < 10; i++) await start(throttle, `lost-${i}`, `198.51.100.${i}`);
      // Then a sign-in every 20 s for ten minutes: the lost leases count for their 30 s, and not after.
      const inFlight: (number | undefined)[] = [];
      for (let i = 0; i < 30; i++) {
        time.advance(20_000);
        const attempt = await start(throttle, 'demo-admin', '192.0.2.50');
        inFlight.push(await overall());
        await attempt.succeeded();
      }
      expect(inFlight).toEqual([11, ...Array<number>(29).fill(1)]);
      expect(await overall()).toBe(0);
      const together = await Promise.all([begin(throttle, 'demo-admin', '192.0.2.50'), begin(throttle, 'demo-analyst', '192.0.2.51')]);
      expect(together.map((admission) => admission.allowed)).toEqual([true, true]);
    });

    it('counts a lease taken just before its period ends for 15 s, and one taken just after for 30 s', async () => {
      const time = clock();
      const throttle = throttleOn(time.now, { ...DEFAULT_LOGIN_LIMITS, overallFailures: 2 });
      time.advance(LEASE_PERIOD_MS - 1);
      await start(throttle, 'early', '198.51.100.1');
      time.advance(1);
      const late = await start(throttle, 'late', '198.51.100.2');
      expect(await begin(throttle, 'third', '198.51.100.3')).toMatchObject({ allowed: false, limit: 'overall' });
      // 15 s after the first was taken it has ended; the second still counts.
      time.advance(LEASE_PERIOD_MS - 1);
      expect(await begin(throttle, 'third', '198.51.100.3')).toMatchObject({ allowed: false, limit: 'overall' });
      time.advance(1);
      await start(throttle, 'third', '198.51.100.3');
      expect(await begin(throttle, 'fourth', '198.51.100.4')).toMatchObject({ allowed: false, limit: 'overall' });
      // The second lease, now in the row's older count, is given back from it.
      await late.release();
      await start(throttle, 'fourth', '198.51.100.4');
      // The third and fourth, taken as a period started, count for 30 s.
      time.advance(LEASE_MS - 1);
      expect(await begin(throttle, 'fifth', '198.51.100.5')).toMatchObject({ allowed: false, limit: 'overall' });
      time.advance(1);
      expect((await begin(throttle, 'fifth', '198.51.100.5')).allowed).toBe(true);
    });

    it('gives back the lease of a budget whose outcome could not be written, and says the outcome failed', async () => {
      const time = clock();
      // The real store, except that writing a failure to everybody's budget breaks (as a lost connection would).
      const breaking: LoginThrottleRecords = {
        ...store.loginThrottle,
        failWindow: async (options) =>
          options.key === keyOf('overall') ? Promise.reject(new Error('connection lost')) : store.loginThrottle.failWindow(options),
      };
      const throttle = createLoginThrottle({
        records: breaking,
        now: time.now,
        limits: { ...DEFAULT_LOGIN_LIMITS, overallFailures: 1 },
        keyOf,
      });
      const attempt = await start(throttle, 'demo-analyst');
      await expect(attempt.failed()).rejects.toThrow('connection lost');
      await attempt.release();
      expect((await store.loginThrottle.read({ key: keyOf('overall'), at: time.now() }))?.inFlight).toBe(0);
      expect((await begin(throttle, 'demo-admin', '192.0.2.60')).allowed).toBe(true);
      // The budgets whose outcome was written counted it.
      expect((await store.loginThrottle.read({ key: keyOf('user demo-analyst'), at: time.now() }))?.failures).toBe(1);
    });

    it('takes no notice of a row written with an old lease, and refuses while a fresh one is full', async () => {
      const time = clock();
      const throttle = throttleOn(time.now);
      const key = keyOf('user demo-analyst');
      await under.raw(
        `INSERT INTO login_throttle (key, failures, window_ends_at, paused_until, last_pause_ms, in_flight, lease_until) VALUES ('${key}', 0, 0, 0, 0, 5, ${time.now() + 1_000})`,
      );
      expect(await begin(throttle, 'demo-analyst')).toMatchObject({ allowed: false, reason: 'busy', limit: 'username' });
      await under.raw(`UPDATE login_throttle SET lease_until = ${time.now() - 1} WHERE key = '${key}'`);
      expect((await begin(throttle, 'demo-analyst')).allowed).toBe(true);
    });

    it('shares one budget between two store handles on one database: 3 failures on one and 2 on the other, the 6th attempt refused', async () => {
      const second = await openMetadataStore({ ...under.location, seed: { demo: null, catalogue: [] }, hashPassword });
      try {
        const time = clock();
        const one = throttleOn(time.now, DEFAULT_LOGIN_LIMITS, store);
        const other = throttleOn(time.now, DEFAULT_LOGIN_LIMITS, second);
        for (let i = 0; i < 3; i++) await fail(one, 'demo-analyst', '203.0.113.20');
        for (let i = 0; i < 2; i++) await fail(other, 'demo-analyst', '203.0.113.21');
        expect(await begin(other, 'demo-analyst', '203.0.113.21')).toEqual({
          allowed: false,
          reason: 'paused',
          limit: 'username',
          waitMs: 30_000,
        });
        expect(await one.waitFor('demo-analyst')).toBe(30_000);
        // Sent at once to both, for a fresh username: five checks begin between them, no more.
        const admissions = await Promise.all(
          Array.from({ length: 12 }, (_, i) => begin(i % 2 === 0 ? one : other, 'demo-admin', `203.0.113.${30 + i}`)),
        );
        expect(admissions.filter((admission) => admission.allowed)).toHaveLength(FREE_FAILURES);
      } finally {
        await second.close();
      }
    });
  });
});
