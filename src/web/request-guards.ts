// Who may talk to the browser shell: pure checks on Host, Origin and Fetch-Metadata headers.

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
 * navigation the user started. The one exception is a top-level navigation to the page itself (not the API): the
 * launcher's launch page is a file:// page, so its redirect arrives as cross-site, and the page holds no secret
 * (framing it is refused by its CSP and X-Frame-Options).
 */
export function isAllowedFetchSite(metadata: {
  site: string | undefined;
  mode?: string;
  dest?: string;
  path: string;
  method: string;
}): boolean {
  const { site } = metadata;
  if (site === undefined || site === 'same-origin' || site === 'none') return true;
  const pageNavigation =
    metadata.mode === 'navigate' && metadata.dest === 'document' && (metadata.method === 'GET' || metadata.method === 'HEAD');
  return pageNavigation && !metadata.path.startsWith('/api/');
}
