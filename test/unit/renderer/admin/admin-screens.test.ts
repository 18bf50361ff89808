// Who is offered the administration screens, and their addresses (a person's page included).
import { describe, expect, it } from 'vitest';
import {
  ADMIN_SCREEN_LABELS,
  adminAudienceOf,
  adminHashOf,
  adminScreenFromHash,
  adminScreensFor,
  personFromHash,
  personHashOf,
} from '../../../../renderer/src/admin/admin-screens.ts';
import { screenFromHash } from '../../../../renderer/src/session/roles.ts';

const SCREENS = ['agreements', 'audit', 'incidents', 'oversight', 'people', 'terms', 'training'] as const;

describe('the administration screens', () => {
  it('are offered to admins, in navigation order; data managers get the agreements only', () => {
    expect(adminScreensFor('admin')).toEqual(SCREENS);
    expect(SCREENS.map((screen) => ADMIN_SCREEN_LABELS[screen])).toEqual([
      'Agreements',
      'Audit log',
      'Incidents',
      'Oversight',
      'People',
      'Terms',
      'Training',
    ]);
    expect(adminScreensFor('analyst')).toEqual([]);
    expect(adminScreensFor('output_checker')).toEqual([]);
    expect(adminScreensFor('data_manager')).toEqual(['agreements']);
  });

  it('say whom a refused screen is for', () => {
    expect(adminAudienceOf('agreements')).toBe('administrators and data managers');
    for (const screen of SCREENS.filter((name) => name !== 'agreements')) expect(adminAudienceOf(screen)).toBe('administrators');
  });

  it("round-trip through the location hash, which no role's screen claims", () => {
    for (const screen of SCREENS) {
      expect(adminScreenFromHash(adminHashOf(screen))).toBe(screen);
      expect(screenFromHash(adminHashOf(screen))).toBeNull();
      expect(personFromHash(adminHashOf(screen))).toBeNull();
    }
  });

  it("read a person's page as the people screen, naming the person", () => {
    for (const id of ['demo-analyst', 'a', 'x_1', '9lives']) {
      expect(personHashOf(id)).toBe(`#/admin/people/${id}`);
      expect(adminScreenFromHash(personHashOf(id))).toBe('people');
      expect(personFromHash(personHashOf(id))).toBe(id);
    }
  });

  it('read any other hash as none', () => {
    for (const hash of [
      '',
      '#/admin',
      '#/admin/',
      '#/admin/users',
      '#/admin/audit/../agreements',
      '#/catalogue',
      '#/admin/__proto__',
      '#/admin/incidents/x',
      '#/admin/people/',
      '#/admin/people/Demo-Analyst',
      '#/admin/people/../terms',
      '#/admin/people/a/b',
      '#/admin/people/-x',
      `#/admin/people/${'a'.repeat(65)}`,
    ]) {
      expect(adminScreenFromHash(hash), hash).toBeNull();
      expect(personFromHash(hash), hash).toBeNull();
    }
  });
});
