// Which OS user owns the other end of a loopback TCP connection. Any user of this computer can connect to any
// port on 127.0.0.1, so a workstation listener (the browser shell, the sign-in loopback listener) serves only
// connections whose client socket belongs to the user running Enclave. On Linux the kernel says who owns each
// socket: /proc/net/tcp and /proc/net/tcp6, one line per socket, with its local and remote address and its uid.
// The client's line is the one whose local end is the request's remote address and whose remote end is ours.
// Elsewhere there is no such table: the check says it is not available, and what holds there is the browser
// shell's per-launch secret (a header, never a cookie) and the launch file only the user can read.
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import process from 'node:process';

export interface Endpoint {
  /** Dotted IPv4 (IPv4-mapped IPv6 addresses become IPv4), or IPv6 in its canonical compressed form. */
  address: string;
  port: number;
}

export interface SocketEntry {
  local: Endpoint;
  remote: Endpoint;
  /** The kernel's TCP state number (1 established … 10 listen). */
  state: number;
  uid: number;
  /** 0 when no process holds the socket any more (closed by its owner, or a time-wait remnant whose uid is 0). */
  inode: number;
}

/** The four ends of one accepted connection, as node:net's Socket names them. */
export interface ConnectionEnds {
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

export type PeerVerdict = { allowed: true; checked: boolean } | { allowed: false; reason: string };

export interface PeerCheck {
  /** false where the OS does not say who owns a socket; then every connection is let through to the next check. */
  readonly available: boolean;
  /** Why the check is not available (empty when it is). */
  readonly unavailableReason: string;
  /** Whether the connection's client belongs to this user. Asked once per connection (the answer is kept). */
  verdict(connection: ConnectionEnds): Promise<PeerVerdict>;
}

const TCP_TIME_WAIT = 6;
const TCP_CLOSE = 7;
const TCP_LISTEN = 10;

/** The 16 (or 4) bytes of an address as /proc prints them: 32-bit words in the host's byte order. */
function procAddressBytes(hex: string, littleEndian: boolean): number[] {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const group = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(littleEndian ? group.reverse() : group));
  }
  return bytes;
}

function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalAddress(groups.join(':'));
}

/** One spelling per address, so a socket's address and a /proc line compare as strings. */
export function canonicalAddress(address: string): string {
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  if (mapped) return mapped[1] ?? lower;
  if (!lower.includes(':')) return lower;
  try {
    // WHATWG's IPv6 serializer: lowercase, longest zero run compressed.
    return new URL(`http://[${lower}]/`).hostname.slice(1, -1);
  } catch {
    return lower;
  }
}

function parseEndpoint(text: string, littleEndian: boolean): Endpoint | null {
  const [hexAddress, hexPort] = text.split(':');
  if (hexAddress === undefined || hexPort === undefined || !/^[0-9A-Fa-f]+$/.test(hexAddress + hexPort)) return null;
  if (hexAddress.length !== 8 && hexAddress.length !== 32) return null;
  return { address: formatAddress(procAddressBytes(hexAddress, littleEndian)), port: Number.parseInt(hexPort, 16) };
}

/** The socket lines of /proc/net/tcp or tcp6 (the header line and anything unreadable are skipped). */
export function parseProcNetTcp(text: string, littleEndian: boolean = endianness() === 'LE'): SocketEntry[] {
  const entries: SocketEntry[] = [];
  for (const line of text.split('\n')) {
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || !/^\d+:$/.test(fields[0] ?? '')) continue;
    const local = parseEndpoint(fields[1] ?? '', littleEndian);
    const remote = parseEndpoint(fields[2] ?? '', littleEndian);
    const state = Number.parseInt(fields[3] ?? '', 16);
    const uid = Number(fields[7]);
    const inode = Number(fields[9]);
    if (local === null || remote === null || !Number.isInteger(uid) || !Number.isInteger(inode) || Number.isNaN(state)) continue;
    entries.push({ local, remote, state, uid, inode });
  }
  return entries;
}

const sameEnd = (a: Endpoint, b: Endpoint): boolean => a.port === b.port && a.address === b.address;

/**
 * The uid owning the client end of a connection, or null when no live socket matches (or two disagree).
 * Only sockets a process still holds count: a closed or time-wait remnant shows uid 0 whoever owned it.
 */
export function peerUidIn(entries: readonly SocketEntry[], connection: ConnectionEnds): number | null {
  const { localAddress, localPort, remoteAddress, remotePort } = connection;
  if (localAddress === undefined || localPort === undefined || remoteAddress === undefined || remotePort === undefined) return null;
  const client: Endpoint = { address: canonicalAddress(remoteAddress), port: remotePort };
  const server: Endpoint = { address: canonicalAddress(localAddress), port: localPort };
  const owners = new Set<number>();
  for (const entry of entries) {
    if (entry.state === TCP_TIME_WAIT || entry.state === TCP_CLOSE || entry.state === TCP_LISTEN || entry.inode === 0) continue;
    if (sameEnd(entry.local, client) && sameEnd(entry.remote, server)) owners.add(entry.uid);
  }
  return owners.size === 1 ? ([...owners][0] ?? null) : null;
}

export type TableReader = () => Promise<SocketEntry[]>;

/** Both tables; tcp6 may be absent (IPv6 disabled), tcp may not. */
export async function readProcNetTcp(): Promise<SocketEntry[]> {
  const v4 = await readFile('/proc/net/tcp', 'utf8');
  const v6 = await readFile('/proc/net/tcp6', 'utf8').catch(() => '');
  return [...parseProcNetTcp(v4), ...parseProcNetTcp(v6)];
}

export interface PeerCheckOptions {
  platform?: NodeJS.Platform;
  /** The user whose programs are served (default: this process's). */
  ownUid?: number;
  readTable?: TableReader;
}

/** The check for this computer. On Linux it fails closed: a connection whose owner cannot be found is refused. */
export function createPeerCheck(options: PeerCheckOptions = {}): PeerCheck {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    const unavailableReason = `${platform} has no /proc/net/tcp, so the owner of a connection cannot be checked`;
    return { available: false, unavailableReason, verdict: async () => ({ allowed: true, checked: false }) };
  }
  const ownUid = options.ownUid ?? process.getuid?.() ?? -1;
  const readTable = options.readTable ?? readProcNetTcp;
  // Keyed by the socket object: a connection's owner never changes, so one look-up serves all its requests.
  const verdicts = new WeakMap<ConnectionEnds, Promise<PeerVerdict>>();

  async function decide(connection: ConnectionEnds): Promise<PeerVerdict> {
    let uid: number | null;
    try {
      uid = peerUidIn(await readTable(), connection);
    } catch {
      return { allowed: false, reason: 'the list of connections (/proc/net/tcp) could not be read' };
    }
    if (uid === null) return { allowed: false, reason: 'the program at the other end of the connection could not be identified' };
    if (uid !== ownUid) return { allowed: false, reason: `the connection belongs to another user of this computer (uid ${uid})` };
    return { allowed: true, checked: true };
  }

  return {
    available: true,
    unavailableReason: '',
    verdict(connection) {
      let verdict = verdicts.get(connection);
      if (verdict === undefined) {
        verdict = decide(connection);
        verdicts.set(connection, verdict);
      }
      return verdict;
    },
  };
}
