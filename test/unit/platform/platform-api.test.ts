// The declaration of the platform API is consistent in itself, and the shapes it shares with the rest of the code
// (session events, rule profiles) exist once.
import { describe, expect, it } from 'vitest';
import { RuleProfileSchema } from '../../../src/common/contract.ts';
import {
  API_ROUTE_IDS,
  PLATFORM_API,
  PLATFORM_ROUTES,
  ROUTE_IDS,
  SESSION_EVENTS,
  SessionEventSchema,
  type ApiRoute,
} from '../../../src/common/platform-api.ts';
import { PROFILES, RulesSchema } from '../../../src/common/sdc/rules.ts';

describe('the platform API declaration', () => {
  it('gives every route a whole, positive body limit', () => {
    for (const id of ROUTE_IDS)
      expect(Number.isSafeInteger(PLATFORM_ROUTES[id].bodyLimit) && PLATFORM_ROUTES[id].bodyLimit > 0, id).toBe(true);
  });

  it('declares exactly the path parameters each path names', () => {
    for (const id of API_ROUTE_IDS) {
      const route: ApiRoute = PLATFORM_API[id];
      const named = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]);
      expect(Object.keys(route.params?.shape ?? {}), id).toEqual(named);
    }
  });

  it('describes every path and query parameter, so a refusal can say what the value must be', () => {
    for (const id of API_ROUTE_IDS) {
      const route: ApiRoute = PLATFORM_API[id];
      for (const schema of [route.params, route.query]) {
        for (const [name, field] of Object.entries(schema?.shape ?? {}))
          expect((field as { description?: string }).description, `${id} ${name}`).toMatch(/^must be /);
      }
    }
  });

  it('takes a body only on a method that has one', () => {
    for (const id of API_ROUTE_IDS) {
      const route: ApiRoute = PLATFORM_API[id];
      if (route.body !== undefined) expect(route.method, id).toBe('POST');
    }
  });

  it('has one list of session events, which the route accepts', () => {
    for (const event of SESSION_EVENTS) expect(SessionEventSchema.parse({ event })).toEqual({ event });
    expect(SessionEventSchema.safeParse({ event: 'hacked' }).success).toBe(false);
  });
});

describe('the rule-profile shape', () => {
  it("is the SDC engine's, field for field and in the same order", () => {
    expect(Object.keys(RuleProfileSchema.shape)).toEqual(Object.keys(RulesSchema.shape));
  });

  it('reads every profile the platform enforces as it is', () => {
    for (const profile of Object.values(PROFILES)) {
      expect(JSON.stringify(RuleProfileSchema.parse(profile))).toBe(JSON.stringify(profile));
      expect(RulesSchema.parse(profile)).toEqual(profile);
    }
  });

  it('reads a profile name this workstation does not know', () => {
    expect(RuleProfileSchema.parse({ ...PROFILES.default, profile: 'safe' }).profile).toBe('safe');
  });
});
