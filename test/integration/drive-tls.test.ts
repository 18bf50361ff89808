// The drive's sync and a certificate it does not accept (issue 19, A.6): told as such ("Stopped: A certificate is not
// trusted — …", naming the problem and ENCLAVE_CA_FILE), never as offline or "cannot be reached", whether the tree is
// refused at the start of a pass or a folder in the middle of one; tried again on the engine's own timer, so a renewed
// certificate is picked up without anyone asking. The engine runs as the core makes it (the real platform client and
// drive remote) against a real https server with certificates from a CA made by openssl. This process trusts no test
// CA; what needs ENCLAVE_CA_FILE runs in a child process (./drive-tls-child.ts).
// SATRE 2.2.9 (data encrypted in transit): the sync sends nothing, not even its token, to a platform it does not trust.
import { access } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { phaseText } from '../../renderer/src/drives/drive-text.ts';
import { DriveSyncStatusSchema } from '../../src/common/contract.ts';
import type { DriveSync, DriveSyncStatus } from '../../src/workstation/drives/sync-api.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { newDesk, removeDesk, type Desk } from '../unit/workstation/drives/support/sync-kit.ts';
import { MID_PASS_FOLDERS, openSyncOver, runDriveTlsChild, startDriveHttps, type DriveHttps } from './drive-tls-support.ts';
import { closedPort, startPlainHttp } from './tls-trust-support.ts';

/** A pass on the engine's timer, several times over, on a busy 2-core machine. */
const RETRY_WAIT_MS = 15_000;

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The Drive screen's sync line for a status, as it reaches the renderer (parsed by the contract's schema). */
const screenLine = (status: DriveSyncStatus): string => phaseText(DriveSyncStatusSchema.parse(status));

/** Anything that would send a person to check cables and firewalls. */
const OFFLINE_WORDS = /cannot be reached|stopped answering|offline/i;

let ca: TestCa;
let server: DriveHttps;
let desk: Desk;
let sync: DriveSync | null = null;

beforeAll(async () => {
  ca = makeTestCa('Enclave Drive Test CA');
  server = await startDriveHttps(ca.issue('platform'));
});

afterAll(async () => {
  await server?.close();
  ca?.remove();
});

beforeEach(async () => {
  desk = await newDesk('tls');
});

afterEach(async () => {
  await sync?.close();
  sync = null;
  await removeDesk(desk);
});

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe('the drive sync against a platform whose certificate this computer does not trust (no CA bundle)', () => {
  it('stops, naming the certificate problem and ENCLAVE_CA_FILE, not offline; sends nothing and makes nothing', async () => {
    const requestsBefore = server.requests.length;
    sync = await openSyncOver({ url: server.url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 0 });

    const status = await sync.syncNow();

    expect(status.phase).toBe('stopped');
    expect(status.reason).toMatch(
      new RegExp(
        `^A certificate is not trusted — The certificate of the platform at ${escaped(server.url)} is not signed by an authority ` +
          'this computer trusts \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)\\. If your organisation has its own certificate authority, ' +
          "set ENCLAVE_CA_FILE \\(or the enclave command's --ca-file\\)",
      ),
    );
    expect(status.reason).not.toMatch(OFFLINE_WORDS);
    // What the Drive screen's status line says.
    expect(screenLine(status)).toBe(`Stopped: ${status.reason ?? ''}`);
    expect(screenLine(status)).not.toMatch(OFFLINE_WORDS);
    // Told once as a notice too, as every stop is; it goes once a pass gets through (the child's test shows).
    expect(status.notices.map((notice) => notice.message)).toEqual([status.reason]);
    // The handshake was refused before any request: the Bearer token never left for a server this computer does not trust.
    expect(server.requests.slice(requestsBefore)).toEqual([]);
    expect(await exists(desk.root)).toBe(false);
  });

  it('tries again on its own timer, staying stopped, the notice given once', async () => {
    const connectionsBefore = server.connections();
    sync = await openSyncOver({ url: server.url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 200 });

    await expect.poll(() => server.connections() - connectionsBefore, { timeout: RETRY_WAIT_MS, interval: 100 }).toBeGreaterThanOrEqual(3);

    // Settled: after the pass under way (the timer's), one more.
    const status = await sync.syncNow();
    expect(status.phase).toBe('stopped');
    expect(status.reason).toMatch(/^A certificate is not trusted — .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(status.notices).toHaveLength(1);
  });

  it('a platform that is really not there is offline, as before: the contrast', async () => {
    const url = `https://127.0.0.1:${await closedPort()}`;
    sync = await openSyncOver({ url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 0 });

    const status = await sync.syncNow();

    expect(status.phase).toBe('offline');
    expect(status.reason).toBe(`The platform at ${url} cannot be reached.`);
    expect(status.reason).not.toMatch(/certificate|ENCLAVE_CA_FILE/);
    expect(screenLine(status)).toBe(`Offline: The platform at ${url} cannot be reached.`);
    expect(status.notices).toEqual([]);
  });

  it('plain http on the https address: stopped, saying no secure connection could be set up, not offline', async () => {
    const plain = await startPlainHttp();
    try {
      sync = await openSyncOver({ url: plain.url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 0 });

      const status = await sync.syncNow();

      expect(status.phase).toBe('stopped');
      expect(status.reason).toMatch(
        new RegExp(
          `^No secure connection \\(TLS\\) could be set up — The platform at ${escaped(plain.url)} answered, but a secure connection ` +
            "\\(TLS\\) could not be set up with it \\(ERR_SSL_[A-Z_]+\\): check the address's scheme and port\\.$",
        ),
      );
      expect(status.reason).not.toMatch(OFFLINE_WORDS);
    } finally {
      await plain.close();
    }
  });
});

describe('the drive sync with ENCLAVE_CA_FILE (a child process): an expired certificate, renewed, then expired mid-pass', () => {
  it(
    'stops on the expired one, goes on by itself once it is renewed, and stops (not offline) when it expires during a pass',
    { timeout: 120_000 },
    async () => {
      const report = await runDriveTlsChild({ caFile: ca.caFile, good: ca.issue('renewed'), expired: ca.issue('expired', { days: -1 }) });
      const expiredReason = new RegExp(
        `^A certificate is not trusted — The certificate of the platform at ${escaped(report.url)} has expired \\(CERT_HAS_EXPIRED\\): ` +
          'whoever runs it must renew it\\. Adding a CA bundle \\(ENCLAVE_CA_FILE\\) does not change this\\.$',
      );

      // 1. Expired: stopped, saying so, with its notice.
      expect(report.expired.phase).toBe('stopped');
      expect(report.expired.reason).toMatch(expiredReason);
      expect(screenLine(report.expired)).toMatch(/^Stopped: A certificate is not trusted — /);
      expect(report.expired.notices.map((notice) => notice.message)).toEqual([report.expired.reason]);

      // 2. Renewed: the timer's pass synced the folder made here, and the stop's notice went.
      expect(report.renewed.phase).toBe('idle');
      expect(report.renewed.reason).toBeNull();
      expect(report.renewed.lastSyncedAt).not.toBeNull();
      expect(report.renewed.notices).toEqual([]);
      expect(report.foldersRenewed).toEqual(['results']);

      // 3. The tree was read, then every folder refused: stopped at the first, not counted as an outage.
      expect(report.midPassRequests).toEqual(['GET /api/v1/drives/tls-project/tree']);
      expect(report.midPass.phase).toBe('stopped');
      expect(report.midPass.reason).toMatch(expiredReason);
      expect(report.midPass.reason).not.toMatch(OFFLINE_WORDS);
      expect(report.foldersAfter).toEqual(['results']);
      expect(MID_PASS_FOLDERS.every((folder) => !report.foldersAfter.includes(folder))).toBe(true);
    },
  );
});
