// The administrators' screens (the agreements, the audit log, the incidents with the kill switch, oversight, the people,
// the terms of use and the training), beside the role's screens of ../session/roles.ts: their own navigation
// ("Administration") and addresses (#/admin/agreements, #/admin/people, and one person's page at #/admin/people/<id>).
// Data managers get the agreements (they keep projects' members). The platform refuses their data to every other role;
// this only decides what the window offers.
import type { Role } from '../../../src/common/contract.ts';

export type AdminScreen = 'agreements' | 'audit' | 'incidents' | 'oversight' | 'people' | 'terms' | 'training';

export const ADMIN_SCREEN_LABELS: Readonly<Record<AdminScreen, string>> = {
  agreements: 'Agreements',
  audit: 'Audit log',
  incidents: 'Incidents',
  oversight: 'Oversight',
  people: 'People',
  terms: 'Terms',
  training: 'Training',
};

const ADMIN_SCREENS = Object.keys(ADMIN_SCREEN_LABELS) as AdminScreen[];

/** The screens data managers open: the agreements, whose members they keep on the data owner's behalf. */
const DATA_MANAGER_SCREENS: readonly AdminScreen[] = ['agreements'];

/** The administration screens a role may open, in navigation order. */
export function adminScreensFor(role: Role): readonly AdminScreen[] {
  if (role === 'admin') return ADMIN_SCREENS;
  return role === 'data_manager' ? DATA_MANAGER_SCREENS : [];
}

/** Whom a screen is for, in the words of "This screen is for …". */
export function adminAudienceOf(screen: AdminScreen): string {
  return DATA_MANAGER_SCREENS.includes(screen) ? 'administrators and data managers' : 'administrators';
}

const PREFIX = '#/admin/';
const PEOPLE_PREFIX = `${PREFIX}people/`;
/** A person's id as the platform allows it (src/common/people.ts). */
const PERSON_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function adminHashOf(screen: AdminScreen): string {
  return `${PREFIX}${screen}`;
}

/** One person's page on the people screen. */
export function personHashOf(userId: string): string {
  return `${PEOPLE_PREFIX}${userId}`;
}

/** The person a location hash names ("#/admin/people/demo-analyst"), or null. */
export function personFromHash(hash: string): string | null {
  if (!hash.startsWith(PEOPLE_PREFIX)) return null;
  const id = hash.slice(PEOPLE_PREFIX.length);
  return PERSON_ID.test(id) ? id : null;
}

/** The administration screen a location hash names ("#/admin/audit", or "#/admin/people/<id>"), or null for any other. */
export function adminScreenFromHash(hash: string): AdminScreen | null {
  if (personFromHash(hash) !== null) return 'people';
  if (!hash.startsWith(PREFIX)) return null;
  const name = hash.slice(PREFIX.length);
  return (ADMIN_SCREENS as string[]).includes(name) ? (name as AdminScreen) : null;
}
