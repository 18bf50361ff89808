// Who owns the client end of a loopback connection (src/workstation/serving/peer-owner.ts): /proc/net/tcp and tcp6 read
// right (byte order, IPv4-mapped and ::1 lines, closed and time-wait remnants), and the real table on this machine.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  createPeerCheck,
  parseProcNetTcp,
  peerUidIn,
  type SocketEntry,
} from '../../../../src/workstation/serving/peer-owner.ts';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
// A listener on 127.0.0.1:8080 (uid 1000), a client 127.0.0.1:54321 → :8080 of uid 1001, and the server's end.
const TCP = `${HEADER}
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 2222 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 3333 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:D432 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000  1002        0 4444 1 0000000000000000 20 4 30 10 -1
   1: 00000000000000000000000001000000:D433 00000000000000000000000001000000:1F91 01 00000000:00000000 00:00000000 00000000  1003        0 5555 1 0000000000000000 20 4 30 10 -1
`;

const server = { localAddress: '127.0.0.1', localPort: 8080 };

describe('reading /proc/net/tcp', () => {
  it('reads IPv4 lines in the host byte order, with state, uid and inode', () => {
    const entries = parseProcNetTcp(TCP, true);

    expect(entries).toHaveLength(3);
    expect(entries[1]).toEqual({
      local: { address: '127.0.0.1', port: 54321 },
      remote: { address: '127.0.0.1', port: 8080 },
      state: 1,
      uid: 1001,
      inode: 2222,
    });
    expect(entries[0]?.state).toBe(10);
  });

  it('reads a big-endian host the other way round', () => {
    const [entry] = parseProcNetTcp(
      `${HEADER}\n   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  7 0 9 1`,
      false,
    );

    expect(entry?.local).toEqual({ address: '127.0.0.1', port: 8080 });
  });

  it('reads tcp6 lines: an IPv4-mapped client as IPv4, and ::1', () => {
    const entries = parseProcNetTcp(TCP6, true);

    expect(entries.map((e) => [e.local.address, e.local.port, e.uid])).toEqual([
      ['127.0.0.1', 0xd432, 1002],
      ['::1', 0xd433, 1003],
    ]);
  });

  it('skips the header and lines it cannot read', () => {
    expect(parseProcNetTcp(`${HEADER}\ngarbage\n   9: zz:1 00:0 01 0 0 0 0 0 0\n`, true)).toEqual([]);
  });

  it('spells an address one way whichever way the socket gave it', () => {
    expect(canonicalAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('127.0.0.1')).toBe('127.0.0.1');
  });
});

describe("finding the client's owner", () => {
  const entries = [...parseProcNetTcp(TCP, true), ...parseProcNetTcp(TCP6, true)];

  it("takes the line whose local end is the request's remote end, not the server's own line", () => {
    expect(peerUidIn(entries, { ...server, remoteAddress: '127.0.0.1', remotePort: 54321 })).toBe(1001);
  });

  it('finds a client that connected from an IPv6 socket to the IPv4-mapped address', () => {
    expect(peerUidIn(entries, { ...server, remoteAddress: '::ffff:127.0.0.1', remotePort: 0xd432 })).toBe(1002);
  });

  it('answers null for an unknown connection, a missing end, and disagreeing lines', () => {
    const twice: SocketEntry[] = [...entries, { ...entries[1], uid: 4242 }];

    expect(peerUidIn(entries, { ...server, remoteAddress: '127.0.0.1', remotePort: 1 })).toBeNull();
    expect(peerUidIn(entries, { localPort: 8080, remoteAddress: '127.0.0.1', remotePort: 54321 })).toBeNull();
    expect(peerUidIn(twice, { ...server, remoteAddress: '127.0.0.1', remotePort: 54321 })).toBeNull();
  });

  it('does not trust a closed or time-wait remnant (it shows uid 0 whoever owned it)', () => {
    const remnant: SocketEntry = {
      local: { address: '127.0.0.1', port: 40000 },
      remote: { address: '127.0.0.1', port: 8080 },
      state: 5,
      uid: 0,
      inode: 0,
    };
    const timeWait: SocketEntry = { ...remnant, state: 6, inode: 77 };

    expect(peerUidIn([remnant], { ...server, remoteAddress: '127.0.0.1', remotePort: 40000 })).toBeNull();
    expect(peerUidIn([timeWait], { ...server, remoteAddress: '127.0.0.1', remotePort: 40000 })).toBeNull();
  });
});

describe('the check on this machine', () => {
  if (process.platform !== 'linux') {
    console.log(`[peer-owner] the owner of a real connection is read from /proc/net only on Linux (this is ${process.platform}): not run.`);
  }
  let listener: Server | undefined;
  const clients: Socket[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    listener?.close();
    listener = undefined;
  });

  /** A real loopback connection: the server's end (what a listener's request carries) and the client. */
  async function connection(): Promise<{ accepted: Socket; client: Socket }> {
    listener = createServer();
    listener.listen({ host: '127.0.0.1', port: 0 });
    await once(listener, 'listening');
    const address = listener.address() as { port: number };
    const accepted = once(listener, 'connection') as Promise<[Socket]>;
    const client = connect({ host: '127.0.0.1', port: address.port });
    clients.push(client);
    const [socket] = await accepted;
    clients.push(socket);
    return { accepted: socket, client };
  }

  it.runIf(process.platform === 'linux')("lets this user's own connection through", async () => {
    const { accepted } = await connection();

    expect(await createPeerCheck().verdict(accepted)).toEqual({ allowed: true, checked: true });
  });

  it.runIf(process.platform === 'linux')('refuses a connection owned by a user other than the one served', async () => {
    const { accepted } = await connection();
    const someoneElse = (process.getuid?.() ?? 0) + 1;

    const verdict = await createPeerCheck({ ownUid: someoneElse }).verdict(accepted);

    expect(verdict).toMatchObject({ allowed: false, reason: expect.stringMatching(/another user/) });
  });

  it.runIf(process.platform === 'linux')('fails closed when the client has already closed its end', async () => {
    const { accepted, client } = await connection();
    client.destroy();
    await once(client, 'close');

    const verdict = await createPeerCheck().verdict(accepted);

    expect(verdict.allowed).toBe(false);
  });

  it('fails closed when the table cannot be read', async () => {
    const check = createPeerCheck({ platform: 'linux', readTable: async () => Promise.reject(new Error('EACCES')) });

    expect(await check.verdict({ localAddress: '127.0.0.1', localPort: 1, remoteAddress: '127.0.0.1', remotePort: 2 })).toMatchObject({
      allowed: false,
    });
  });

  it('looks a connection up once, however many requests it carries', async () => {
    let reads = 0;
    const check = createPeerCheck({ platform: 'linux', ownUid: 1001, readTable: async () => (reads++, parseProcNetTcp(TCP, true)) });
    const ends = { ...server, remoteAddress: '127.0.0.1', remotePort: 54321 };

    const verdicts = await Promise.all([check.verdict(ends), check.verdict(ends), check.verdict(ends)]);

    expect(verdicts.every((v) => v.allowed)).toBe(true);
    expect(reads).toBe(1);
  });

  it('says the check is not available where there is no /proc/net/tcp, and lets the next check decide', async () => {
    const check = createPeerCheck({ platform: 'darwin' });

    expect(check.available).toBe(false);
    expect(check.unavailableReason).toMatch(/darwin/);
    expect(await check.verdict({})).toEqual({ allowed: true, checked: false });
  });
});
