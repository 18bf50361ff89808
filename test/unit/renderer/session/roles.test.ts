// What each role's navigation offers, what a forced address shows, and the lock/workspace states.
import { describe, expect, it } from 'vitest';
import type { Role, Session } from '../../../../src/common/contract.ts';
import { audienceOf, hashOf, mayOpen, maySample, screenFromHash, screensFor, type Screen } from '../../../../renderer/src/session/roles.ts';
import { isLocked, workspaceUser } from '../../../../renderer/src/session/state.ts';

const ROLES: Role[] = ['analyst', 'output_checker', 'admin'];
const SCREENS: Screen[] = ['catalogue', 'analysis', 'checking'];

describe('screens by role', () => {
  it('gives analysts the catalogue and local analysis, and not output checking', () => {
    expect(screensFor('analyst')).toEqual(['catalogue', 'analysis']);
    expect(mayOpen('analyst', 'checking')).toBe(false);
  });

  it('gives output checkers the rules, and neither the catalogue nor local analysis', () => {
    expect(screensFor('output_checker')).toEqual(['checking']);
    expect(mayOpen('output_checker', 'catalogue')).toBe(false);
    expect(mayOpen('output_checker', 'analysis')).toBe(false);
  });

  it('gives admins the catalogue and the rules, but no local analysis', () => {
    expect(screensFor('admin')).toEqual(['catalogue', 'checking']);
    expect(mayOpen('admin', 'analysis')).toBe(false);
  });

  it('lets only analysts ask for samples', () => {
    expect(ROLES.filter(maySample)).toEqual(['analyst']);
  });

  it('names who each screen is for', () => {
    expect(audienceOf('checking')).toBe('output checkers');
    expect(audienceOf('analysis')).toBe('analysts');
  });
});

describe('screen addresses', () => {
  it('round-trips every screen through the location hash', () => {
    for (const screen of SCREENS) expect(screenFromHash(hashOf(screen))).toBe(screen);
  });

  it('reads an empty, unknown or hostile hash as no screen', () => {
    for (const hash of ['', '#', '#/', '#/admin', '#/checking/../catalogue', '#/__proto__', '#/constructor']) {
      expect(screenFromHash(hash)).toBeNull();
    }
  });
});

const base: Session = {
  state: 'signed_out',
  user: null,
  platform: { url: 'http://127.0.0.1:4100', name: 'Demo TRE', mode: 'demo' },
  issuer: null,
  sessionEndsAt: null,
  idleLockSeconds: 900,
  tokenStorage: 'keychain',
  message: null,
};
const ada = { id: 'demo-analyst', displayName: 'Ada Analyst', role: 'analyst' as const };

describe('what the window shows for a session', () => {
  it('has no workspace while signed out or signing in for the first time', () => {
    expect(workspaceUser(base)).toBeNull();
    expect(workspaceUser({ ...base, state: 'signing_in' })).toBeNull();
    expect(isLocked({ ...base, state: 'signing_in' })).toBe(false);
  });

  it('keeps the workspace, under the lock, while locked and while unlocking', () => {
    for (const state of ['locked', 'signing_in'] as const) {
      const session = { ...base, state, user: ada };
      expect(workspaceUser(session)).toEqual(ada);
      expect(isLocked(session)).toBe(true);
    }
  });

  it('shows the workspace unlocked only when signed in', () => {
    const session = { ...base, state: 'signed_in' as const, user: ada };
    expect(workspaceUser(session)).toEqual(ada);
    expect(isLocked(session)).toBe(false);
  });

  it('drops the workspace when signed out, even if a user is still named', () => {
    expect(workspaceUser({ ...base, state: 'signed_out', user: ada })).toBeNull();
  });
});
