// Where the Outputs screen lives (issue 16): its address (#/outputs, and one release request's page at
// #/outputs/req-…), beside the role's screens of ../session/roles.ts, and who is offered it: everyone who picks a
// project (the platform decides, per project, who is a member and may ask for a release).
import type { Role } from '../../../src/common/contract.ts';
import { screensFor } from '../session/roles.ts';

export const OUTPUTS_LABEL = 'Outputs';

const PREFIX = '#/outputs';
/** A request's id as the platform makes it ('req-' and 20 hex digits). */
const REQUEST_ID = /^req-[0-9a-f]{20}$/;

/** What an address asks of the Outputs screen: its overview (requestId null), or one request's page. */
export interface OutputsAddress {
  readonly requestId: string | null;
}

/** The Outputs screen (no request), or one request's page. */
export function outputsHashOf(requestId: string | null = null): string {
  return requestId === null ? PREFIX : `${PREFIX}/${requestId}`;
}

/** What a location hash asks of the Outputs screen, or null when it names another screen (or an unknown request). */
export function outputsFromHash(hash: string): OutputsAddress | null {
  const path = hash.replace(/^#\/?/, '#/');
  if (path === PREFIX || path === `${PREFIX}/`) return { requestId: null };
  if (!path.startsWith(`${PREFIX}/`)) return null;
  const id = path.slice(PREFIX.length + 1);
  return REQUEST_ID.test(id) ? { requestId: id } : null;
}

/** The roles offered the screen: those who pick a project (the catalogue's roles); checkers review on their own screen. */
export function mayOpenOutputs(role: Role): boolean {
  return screensFor(role).includes('catalogue');
}
