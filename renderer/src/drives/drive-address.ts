// Where the Drive screen lives (issue 17): its address (#/drive, and a folder of the drive at #/drive/<path>, each name
// encoded), beside the role's screens of ../session/roles.ts, and who is offered it: everyone who picks a project (the
// platform decides, per project, who is a member of its drive).
import type { Role } from '../../../src/common/contract.ts';
import { drivePathProblem } from '../../../src/common/drives.ts';
import { screensFor } from '../session/roles.ts';

export const DRIVE_LABEL = 'Drive';

const PREFIX = '#/drive';

/** What an address asks of the Drive screen: a folder of the project's drive ('' for its root). */
export interface DriveAddress {
  readonly folder: string;
}

/** The Drive screen at a folder of the drive. */
export function driveHashOf(folder = ''): string {
  return folder === '' ? PREFIX : `${PREFIX}/${folder.split('/').map(encodeURIComponent).join('/')}`;
}

/** What a location hash asks of the Drive screen, or null when it names another screen (or a path that is none). */
export function driveFromHash(hash: string): DriveAddress | null {
  const path = hash.replace(/^#\/?/, '#/');
  if (path === PREFIX || path === `${PREFIX}/`) return { folder: '' };
  if (!path.startsWith(`${PREFIX}/`)) return null;
  let folder: string;
  try {
    folder = path
      .slice(PREFIX.length + 1)
      .replace(/\/+$/, '')
      .split('/')
      .map(decodeURIComponent)
      .join('/')
      .normalize('NFC');
  } catch {
    return null;
  }
  return drivePathProblem(folder) === null ? { folder } : null;
}

/** The roles offered the screen: those who pick a project (the catalogue's roles). */
export function mayOpenDrive(role: Role): boolean {
  return screensFor(role).includes('catalogue');
}
