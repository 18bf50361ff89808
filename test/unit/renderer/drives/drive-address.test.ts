// The Drive screen's address (#/drive, a folder at #/drive/<names>): it round-trips any folder the drive's name policy
// allows (encoded names, Unicode in NFC), refuses a path that is none (so a typed "#/drive/../x" opens nothing), is no
// other screen's, and is offered to those who pick a project.
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../../src/common/contract.ts';
import { adminScreenFromHash } from '../../../../renderer/src/admin/admin-screens.ts';
import { outputsFromHash } from '../../../../renderer/src/airlock/outputs-address.ts';
import { driveFromHash, driveHashOf, mayOpenDrive } from '../../../../renderer/src/drives/drive-address.ts';
import { screenFromHash } from '../../../../renderer/src/session/roles.ts';

describe('the Drive screen’s address', () => {
  it('round-trips the root and folders, names encoded', () => {
    expect(driveHashOf()).toBe('#/drive');
    expect(driveFromHash('#/drive')).toEqual({ folder: '' });
    expect(driveFromHash('#drive/')).toEqual({ folder: '' });
    for (const folder of ['results', 'results/2026', 'Résultats d’été/Q1 #2', 'a b/c%d']) {
      expect(driveFromHash(driveHashOf(folder))).toEqual({ folder });
    }
    expect(driveHashOf('a b/c#d')).toBe('#/drive/a%20b/c%23d');
  });

  it('reads a decomposed name as its NFC form', () => {
    expect(driveFromHash(`#/drive/${encodeURIComponent('cafe\u0301')}`)).toEqual({ folder: 'caf\u00e9' });
  });

  it('refuses what is not a path of the drive', () => {
    for (const hash of [
      '#/drive/..',
      '#/drive/a/../b',
      '#/drive/a//b',
      '#/drive/%2e%2e',
      '#/drive/CON',
      '#/drive/a%5Cb',
      '#/drive/%E0%A4%A',
    ]) {
      expect(driveFromHash(hash)).toBeNull();
    }
  });

  it('is no other screen’s, and other screens’ are not it', () => {
    expect(screenFromHash(driveHashOf())).toBeNull();
    expect(adminScreenFromHash(driveHashOf('x'))).toBeNull();
    expect(outputsFromHash(driveHashOf())).toBeNull();
    for (const hash of ['#/outputs', '#/catalogue', '#/admin/audit', '#/drives', '#/driver']) expect(driveFromHash(hash)).toBeNull();
  });

  it('is offered to those who pick a project, not to output checkers', () => {
    const offered = (['analyst', 'data_manager', 'admin', 'output_checker'] as Role[]).filter(mayOpenDrive);
    expect(offered).toEqual(['analyst', 'data_manager', 'admin']);
  });
});
