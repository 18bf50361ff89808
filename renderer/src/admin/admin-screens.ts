// The administrators' screens (the agreements, the audit log, and the incidents with the kill switch), beside the role's
// screens of ../session/roles.ts: their own navigation ("Administration") and addresses (#/admin/agreements,
// #/admin/audit, #/admin/incidents). The platform refuses their data to every other role; this only decides what the
// window offers.
import type { Role } from '../../../src/common/contract.ts';

export type AdminScreen = 'agreements' | 'audit' | 'incidents';

export const ADMIN_SCREEN_LABELS: Readonly<Record<AdminScreen, string>> = {
  agreements: 'Agreements',
  audit: 'Audit log',
  incidents: 'Incidents',
};

const ADMIN_SCREENS = Object.keys(ADMIN_SCREEN_LABELS) as AdminScreen[];

/** The administration screens a role may open, in navigation order. */
export function adminScreensFor(role: Role): readonly AdminScreen[] {
  return role === 'admin' ? ADMIN_SCREENS : [];
}

const PREFIX = '#/admin/';

export function adminHashOf(screen: AdminScreen): string {
  return `${PREFIX}${screen}`;
}

/** The administration screen a location hash names ("#/admin/audit"), or null for any other hash. */
export function adminScreenFromHash(hash: string): AdminScreen | null {
  if (!hash.startsWith(PREFIX)) return null;
  const name = hash.slice(PREFIX.length);
  return (ADMIN_SCREENS as string[]).includes(name) ? (name as AdminScreen) : null;
}
