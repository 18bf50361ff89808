// A project drive served over real TLS for the drive sync's "not trusted" tests (issue 19, A.6): a Node https server
// with a certificate from a test CA (test/support/test-ca.ts) answering what a sync of folders needs from the platform
// (the drive's tree, a new folder) the way the platform does. Every answer closes its connection, so each request
// shakes hands afresh and meets the certificate served at that moment: a test swaps it between passes, or in the
// middle of one (right after a tree was answered). It records the requests that got through TLS, and counts every
// connection made to it (a refused handshake never becomes a request). And the sync engine opened on it as the core
// opens it: the real platform client and drive remote over global fetch, with this process's trust. And the child
// (./drive-tls-child.ts) that does the same with ENCLAVE_CA_FILE applied, run and read.
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { inBackground } from '../../src/common/detached.ts';
import type { DriveEntry, DriveTree } from '../../src/common/drives.ts';
import { createHttpDriveRemote } from '../../src/workstation/drives/remote-http.ts';
import type { DriveSync, DriveSyncStatus } from '../../src/workstation/drives/sync-api.ts';
import { openDriveSync } from '../../src/workstation/drives/sync-engine.ts';
import { createPlatformClient } from '../../src/workstation/platform-client.ts';
import type { IssuedCertificate } from '../support/test-ca.ts';

export const DRIVE_PROJECT = 'tls-project';

export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface DriveHttps {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** "GET /api/v1/drives/<project>/tree", … in order: only what got through TLS. */
  readonly requests: string[];
  /** TCP connections made to it: a client that tries again connects again, even when it refuses the certificate. */
  connections(): number;
  /** The drive's folders, as made by the sync. */
  folders(): string[];
  /** Serves `certificate` from the next handshake on. */
  present(certificate: CertificatePair): void;
  /** Serves `certificate` once the next tree has been answered: the certificate changes in the middle of a pass. */
  presentAfterNextTree(certificate: CertificatePair): void;
  close(): Promise<void>;
}

function folderEntry(folderPath: string): DriveEntry {
  return {
    path: folderPath,
    name: folderPath.slice(folderPath.lastIndexOf('/') + 1),
    kind: 'folder',
    size: 0,
    sha256: null,
    etag: null,
    version: 1,
    modifiedAt: '2026-12-03T09:00:00.000Z',
    modifiedBy: { id: 'ada', name: 'Ada Lovelace' },
    lockedBy: null,
  };
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export async function startDriveHttps(certificate: CertificatePair): Promise<DriveHttps> {
  const requests: string[] = [];
  const folders: string[] = [];
  let connections = 0;
  let cursor = 1;
  let afterTree: CertificatePair | null = null;
  const prefix = `/api/v1/drives/${DRIVE_PROJECT}`;

  const tree = (): DriveTree => ({
    drive: {
      projectId: DRIVE_PROJECT,
      driveId: 'drive-tls',
      epoch: 1,
      quotaBytes: 1_000_000,
      usedBytes: 0,
      keepVersions: 20,
      trashDays: 30,
      files: 0,
    },
    cursor,
    entries: folders.map(folderEntry),
  });

  const answer = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${req.method ?? ''} ${req.url ?? ''}`;
    requests.push(route);
    if (route === `GET ${prefix}/tree`) {
      answer(res, 200, tree());
      if (afterTree !== null) {
        const next = afterTree;
        afterTree = null;
        server.setSecureContext({ cert: next.certPem, key: next.keyPem });
      }
    } else if (route === `POST ${prefix}/folders`) {
      const body = (await bodyOf(req)) as { path?: unknown } | null;
      const folderPath = typeof body?.path === 'string' ? body.path : '';
      if (folderPath === '' || folders.includes(folderPath)) {
        answer(res, 409, { error: { code: 'conflict', message: 'That folder cannot be made.' } });
        return;
      }
      folders.push(folderPath);
      cursor += 1;
      answer(res, 200, folderEntry(folderPath));
    } else {
      answer(res, 404, { error: { code: 'not_found', message: 'Not here.' } });
    }
  }

  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    inBackground(handle(req, res), () => res.destroy());
  });
  server.on('connection', () => {
    connections += 1;
  });
  // A client that refuses the certificate ends the handshake with an alert: that is the test, not a fault.
  server.on('tlsClientError', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    folders: () => [...folders],
    present: (next) => server.setSecureContext({ cert: next.certPem, key: next.keyPem }),
    presentAfterNextTree: (next) => {
      afterTree = next;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The sync engine of `localRoot` (its journal in `stateDir`) with the drive at `url`, watching no folder. */
export function openSyncOver(options: {
  url: string;
  localRoot: string;
  stateDir: string;
  /** The engine's own timer (0: passes only when asked). */
  intervalMs: number;
}): Promise<DriveSync> {
  const client = createPlatformClient({ baseUrl: options.url });
  const remote = createHttpDriveRemote({
    client,
    baseUrl: options.url,
    token: async () => 'tok-not-for-strangers',
    projectId: DRIVE_PROJECT,
  });
  return openDriveSync({
    projectId: DRIVE_PROJECT,
    userId: 'ada',
    person: 'Ada Lovelace',
    localRoot: options.localRoot,
    stateDir: options.stateDir,
    remote,
    intervalMs: options.intervalMs,
    watch: false,
  });
}

/** Made in the synced folder before the child's step 3 (./drive-tls-child.ts). */
export const MID_PASS_FOLDERS = ['more-1', 'more-2', 'more-3'];

/** What the child (./drive-tls-child.ts) prints. */
export interface ChildReport {
  readonly url: string;
  /** Step 1: a pass asked for while the certificate is expired. */
  readonly expired: DriveSyncStatus;
  /** Step 2: the status once the engine's timer ran a pass with the renewed certificate. */
  readonly renewed: DriveSyncStatus;
  readonly foldersRenewed: readonly string[];
  /** Step 3: the pass during which the certificate expired again. */
  readonly midPass: DriveSyncStatus;
  /** What reached the server during step 3. */
  readonly midPassRequests: readonly string[];
  readonly foldersAfter: readonly string[];
}

const CHILD = path.join(import.meta.dirname, 'drive-tls-child.ts');

/** Runs the child with ENCLAVE_CA_FILE set to `caFile`, as a shell would; resolves with its report. */
export function runDriveTlsChild(options: { caFile: string; good: IssuedCertificate; expired: IssuedCertificate }): Promise<ChildReport> {
  const { good, expired } = options;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CHILD, good.certFile, good.keyFile, expired.certFile, expired.keyFile],
      { env: { ...process.env, ENCLAVE_CA_FILE: options.caFile }, timeout: 90_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`the drive TLS child failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as ChildReport);
      },
    );
  });
}
