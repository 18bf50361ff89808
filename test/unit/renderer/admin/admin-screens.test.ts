// Who is offered the administration screens, and their addresses.
import { describe, expect, it } from 'vitest';
import { adminHashOf, adminScreenFromHash, adminScreensFor } from '../../../../renderer/src/admin/admin-screens.ts';
import { screenFromHash } from '../../../../renderer/src/session/roles.ts';

describe('the administration screens', () => {
  it('are offered to admins only', () => {
    expect(adminScreensFor('admin')).toEqual(['agreements', 'audit', 'incidents']);
    expect(adminScreensFor('analyst')).toEqual([]);
    expect(adminScreensFor('output_checker')).toEqual([]);
  });

  it("round-trip through the location hash, which no role's screen claims", () => {
    for (const screen of ['agreements', 'audit', 'incidents'] as const) {
      expect(adminScreenFromHash(adminHashOf(screen))).toBe(screen);
      expect(screenFromHash(adminHashOf(screen))).toBeNull();
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
    ]) {
      expect(adminScreenFromHash(hash), hash).toBeNull();
    }
  });
});
