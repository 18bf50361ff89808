// Strict-Transport-Security for the platform's TLS answers. A browser that saw it refuses plain http to that host
// name for a year, on every port (HSTS binds the name, not the origin: RFC 6797 §8.3). So it is sent only where
// that is right: over TLS, to a DNS name. Never to an IP literal (RFC 6797 §8.1.1: browsers ignore it there), and
// never to localhost, whose other ports run plain-http services on this machine (the workstation's browser shell,
// the sign-in callback listener, other developers' tools) that a year-long pin would break.
import { isIP } from 'node:net';

export const HSTS_HEADER = 'strict-transport-security';
export const HSTS_VALUE = 'max-age=31536000';

/**
 * Whether an answer carries HSTS. `hostname` is the Host header's name as the platform's allow-list keeps it:
 * lower case, without port, IPv6 in brackets.
 */
export function sendsHsts(options: { protocol: 'http' | 'https'; hostname: string }): boolean {
  if (options.protocol !== 'https') return false;
  const name = options.hostname.replace(/\.$/, '');
  if (name === '' || name.startsWith('[') || isIP(name) !== 0) return false;
  return name !== 'localhost' && !name.endsWith('.localhost');
}
