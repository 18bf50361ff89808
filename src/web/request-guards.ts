// Who may talk to the browser shell: pure checks on Host, Origin and Fetch-Metadata headers.
import type { ErrorCode } from '../common/errors.ts';

/** The Host values the shell answers to. Anything else is a DNS-rebinding attempt or a mistake. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

/** An Origin is acceptable only if it is exactly the shell's own origin, as addressed by this request's Host. */
export function isSameOrigin(origin: string | undefined, host: string | undefined, port: number): boolean {
  if (origin === undefined || !isAllowedHost(host, port)) return false;
  return origin.toLowerCase() === `http://${(host ?? '').toLowerCase()}`;
}

/**
 * Fetch Metadata, where the browser sends it: requests from another site are refused outright. 'none' is a
 * navigation the user (or the launcher) started, which is how /launch and the first page load arrive.
 */
export function isAllowedFetchSite(secFetchSite: string | undefined): boolean {
  return secFetchSite === undefined || secFetchSite === 'same-origin' || secFetchSite === 'none';
}

/** HTTP status for an error code of the contract. */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_input':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'unknown_method':
      return 404;
    case 'cancelled':
      return 409;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}
