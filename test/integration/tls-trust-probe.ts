// A child process of the TLS trust tests: `node tls-trust-probe.ts CA_FILE URL [URL…]`. It asks the first URL with
// global fetch and https.request, applies CA_FILE as the workstation's trust setting (twice: harmless), then asks
// every URL with fetch, https.request, the workstation's platform client and openid-client's discovery, and prints
// one JSON report (ProbeReport in ./tls-trust-support.ts). Its own process, so the process-wide roots never leak into
// the test runner.
import https from 'node:https';
import process from 'node:process';
import { describeCaBundle, appliedCaFile, trustConfiguredCaFile } from '../../src/workstation/ca-trust.ts';
import { createPlatformClient } from '../../src/workstation/platform-client.ts';
import { discoverIdentityProvider } from '../../src/workstation/sign-in/oidc.ts';

interface Outcome {
  ok: boolean;
  code: string | null;
  message: string | null;
}

function failed(err: unknown): Outcome {
  const error = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof error.code === 'string' ? error.code : typeof error.cause?.code === 'string' ? error.cause.code : null;
  return { ok: false, code, message: typeof error.message === 'string' ? error.message : String(err) };
}

async function viaFetch(url: string): Promise<Outcome> {
  try {
    const response = await fetch(`${url}/api/v1/health`);
    await response.arrayBuffer();
    return { ok: response.status === 200, code: null, message: null };
  } catch (err) {
    return failed(err);
  }
}

function viaHttps(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    // A fresh agent each time: nothing cached from an earlier try decides the answer.
    const request = https.get(`${url}/api/v1/health`, { agent: new https.Agent({ keepAlive: false }) }, (response) => {
      response.resume();
      resolve({ ok: response.statusCode === 200, code: null, message: null });
    });
    request.on('error', (err) => resolve(failed(err)));
  });
}

async function viaClient(url: string): Promise<Outcome> {
  try {
    await createPlatformClient({ baseUrl: url }).health();
    return { ok: true, code: null, message: null };
  } catch (err) {
    return failed(err);
  }
}

async function viaDiscovery(url: string): Promise<Outcome> {
  try {
    await discoverIdentityProvider({ issuer: `${url}/oidc`, clientId: 'enclave-cli', audience: null, scopes: ['openid'] });
    return { ok: true, code: null, message: null };
  } catch (err) {
    return failed(err);
  }
}

const [caFile, ...urls] = process.argv.slice(2);
const first = urls[0];
if (caFile === undefined || first === undefined) throw new Error('usage: tls-trust-probe.ts CA_FILE URL [URL…]');

const before = { fetch: await viaFetch(first), https: await viaHttps(first) };
const once = trustConfiguredCaFile({ env: {}, flag: caFile });
const twice = trustConfiguredCaFile({ env: { ENCLAVE_CA_FILE: caFile }, flag: caFile });
const trust = !once.ok ? once.message : !twice.ok ? twice.message : once.bundle === null ? 'none' : describeCaBundle(once.bundle);
const after = [];
for (const url of urls) {
  after.push({
    url,
    fetch: await viaFetch(url),
    https: await viaHttps(url),
    client: await viaClient(url),
    discovery: await viaDiscovery(url),
  });
}
process.stdout.write(`${JSON.stringify({ before, trust, applied: appliedCaFile(), after })}\n`);
