// A child process of the drive sync's TLS tests (issue 19, A.6): `node drive-tls-child.ts GOOD.crt GOOD.key
// EXPIRED.crt EXPIRED.key`, with ENCLAVE_CA_FILE in its environment as a shell would set it (the certificates are the
// test CA's, so only the expired one is refused). It applies the trust setting as the shells do, serves a drive over
// TLS (./drive-tls-support.ts) and syncs a folder with it while the certificate changes:
// 1. the platform presents an expired certificate: a pass asked for;
// 2. the certificate is renewed: nobody asks, the engine's own timer must pick it up;
// 3. a fresh engine (no timer) whose pass reads the tree, after which the certificate expires again, before the
//    pass makes the three folders it found here (three refusals in a row: what an outage is counted by).
// It prints one JSON report (ChildReport in ./drive-tls-support.ts); its own process, so the process-wide roots never reach the test runner.
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import process from 'node:process';
import { join } from 'node:path';
import type { DriveSyncStatus } from '../../src/workstation/drives/sync-api.ts';
import { trustConfiguredCaFile } from '../../src/workstation/ca-trust.ts';
import { newDesk, removeDesk } from '../unit/workstation/drives/support/sync-kit.ts';
import { MID_PASS_FOLDERS, openSyncOver, startDriveHttps, type CertificatePair, type ChildReport } from './drive-tls-support.ts';

/** How long the engine's timer (300 ms) may take to pick the renewed certificate up on a busy 2-core machine. */
const RENEWAL_WAIT_MS = 20_000;

function pair(certFile: string | undefined, keyFile: string | undefined): CertificatePair {
  if (certFile === undefined || keyFile === undefined)
    throw new Error('usage: drive-tls-child.ts GOOD.crt GOOD.key EXPIRED.crt EXPIRED.key');
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + RENEWAL_WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`No ${what} within ${RENEWAL_WAIT_MS / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const [goodCert, goodKey, expiredCert, expiredKey] = process.argv.slice(2);
  const good = pair(goodCert, goodKey);
  const expiredPair = pair(expiredCert, expiredKey);
  const trust = trustConfiguredCaFile({ env: process.env });
  if (!trust.ok) throw new Error(trust.message);
  if (trust.bundle === null) throw new Error('ENCLAVE_CA_FILE is not set.');

  const server = await startDriveHttps(expiredPair);
  const desk = await newDesk('tls');
  try {
    await mkdir(join(desk.root, 'results'), { recursive: true });
    const timed = await openSyncOver({ url: server.url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 300 });
    let expired: DriveSyncStatus;
    let renewed: DriveSyncStatus;
    try {
      expired = await timed.syncNow();
      server.present(good);
      await until(() => timed.status().phase === 'idle' && timed.status().lastSyncedAt !== null, 'pass with the renewed certificate');
      renewed = timed.status();
    } finally {
      await timed.close();
    }
    const foldersRenewed = server.folders();

    for (const folder of MID_PASS_FOLDERS) await mkdir(join(desk.root, folder));
    const asked = await openSyncOver({ url: server.url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 0 });
    const before = server.requests.length;
    let midPass: DriveSyncStatus;
    try {
      server.presentAfterNextTree(expiredPair);
      midPass = await asked.syncNow();
    } finally {
      await asked.close();
    }
    const report: ChildReport = {
      url: server.url,
      expired,
      renewed,
      foldersRenewed,
      midPass,
      midPassRequests: server.requests.slice(before),
      foldersAfter: server.folders(),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await server.close();
    await removeDesk(desk);
  }
}

await main();
