// Demo mode: the one function that decides who calls. Whatever the request carries, it is the demo analyst.
import { describe, expect, it } from 'vitest';
import type { User } from '../../../src/common/contract.ts';
import { createDemoAuthenticator, DEMO_ANALYST_ID } from '../../../src/platform/identity/demo.ts';

const ada: User = { id: DEMO_ANALYST_ID, displayName: 'Ada Analyst', role: 'analyst' };
const admin: User = { id: 'demo-admin', displayName: 'Dana Admin', role: 'admin' };
const users = new Map([ada, admin].map((user) => [user.id, user]));

describe('createDemoAuthenticator', () => {
  it('says it is demo mode', () => {
    expect(createDemoAuthenticator(async (id) => users.get(id)).mode).toBe('demo');
  });

  it('makes every request the demo analyst, whatever identity it claims', async () => {
    const authenticator = createDemoAuthenticator(async (id) => users.get(id));
    for (const headers of [{}, { authorization: 'Bearer eyJ…admin' }, { 'x-user-id': 'demo-admin', cookie: 'user=demo-admin' }]) {
      await expect(authenticator.authenticate({ headers })).resolves.toEqual({ user: ada, authenticatedBy: 'demo' });
    }
  });

  it('takes the role from the platform store, not from the request', async () => {
    const demoted: User = { ...ada, role: 'output_checker' };
    const authenticator = createDemoAuthenticator(async (id) => (id === DEMO_ANALYST_ID ? demoted : undefined));
    expect((await authenticator.authenticate({ headers: { 'x-role': 'analyst' } }))?.user.role).toBe('output_checker');
  });

  it('authenticates nobody when the store has no demo analyst', async () => {
    const authenticator = createDemoAuthenticator(async () => undefined);
    await expect(authenticator.authenticate({ headers: {} })).resolves.toBeNull();
  });
});
