// "This machine": the host names of loopback addresses, and the one rule for where plain http is acceptable
// (an identity provider, the platform, the system browser): https anywhere, http only on loopback.
export const LOOPBACK_HOSTNAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** URL.hostname keeps IPv6 brackets, so '[::1]' matches as written above. */
export function isLoopbackHost(url: URL): boolean {
  return LOOPBACK_HOSTNAMES.includes(url.hostname);
}

export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && isLoopbackHost(url);
}

export function isHttpsOrLoopbackHttp(url: URL): boolean {
  return url.protocol === 'https:' || isLoopbackHttp(url);
}
