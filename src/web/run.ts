// Runs the browser shell as a process:
// `npx node src/web/run.ts --platform-url URL [--ca-file FILE] [--renderer-dir DIR] [--port P] [--launch-page-dir DIR]`.
// Prints one JSON line {"event":"listening","url","launchUrl","launchPage"} on stdout once it listens, and stops
// cleanly on SIGINT/SIGTERM. The launcher reads that line through a pipe, and gives a browser the launch page's
// path (a 0600 file in DIR, deleted once its code is used), never the URL: arguments are readable by every user. The
// platform URL may also come from ENCLAVE_PLATFORM_URL (https, or plain http on this machine only), and the CA bundle
// added to the trusted roots from ENCLAVE_CA_FILE (src/workstation/ca-trust.ts); the workstation's other settings
// (identity provider, idle lock, session length, token store) come from the environment as
// src/workstation/env-config.ts describes.
import { resolve } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { describeCaBundle, trustConfiguredCaFile } from '../workstation/ca-trust.ts';
import { createWorkstationCore } from '../workstation/core.ts';
import { readWorkstationEnv } from '../workstation/env-config.ts';
import { startBrowserShell } from './browser-shell.ts';

export interface RunIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop. */
  stopSignal: Promise<void>;
}

const DEFAULT_RENDERER_DIR = resolve(import.meta.dirname, '../../out/renderer');

export async function runBrowserShell(argv: string[], io: RunIo): Promise<number> {
  let values: { 'platform-url'?: string; 'ca-file'?: string; 'renderer-dir'?: string; port?: string; 'launch-page-dir'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'platform-url': { type: 'string' },
        'ca-file': { type: 'string' },
        'renderer-dir': { type: 'string' },
        port: { type: 'string' },
        'launch-page-dir': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    io.stderr.write(
      `${(err as Error).message}\nUsage: run.ts --platform-url URL [--ca-file FILE] [--renderer-dir DIR] [--port P] [--launch-page-dir DIR]\n`,
    );
    return 2;
  }
  if (!(values['platform-url'] ?? io.env.ENCLAVE_PLATFORM_URL)) {
    io.stderr.write('Give the platform URL with --platform-url or ENCLAVE_PLATFORM_URL.\n');
    return 2;
  }
  const settings = readWorkstationEnv(io.env, values['platform-url']);
  if (!settings.ok) {
    io.stderr.write(`${settings.message}\n`);
    return 2;
  }
  const port = Number(values.port ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    io.stderr.write(`--port must be 0..65535, not "${values.port}".\n`);
    return 2;
  }
  // Before the core exists: its first health check already goes through TLS.
  const trust = trustConfiguredCaFile({ env: io.env, flag: values['ca-file'] });
  if (!trust.ok) {
    io.stderr.write(`${trust.message}\n`);
    return 2;
  }
  if (trust.bundle !== null) io.stderr.write(`${describeCaBundle(trust.bundle)}\n`);
  let core;
  try {
    core = createWorkstationCore({ ...settings.options, log: (message) => io.stderr.write(`${message}\n`) });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const rendererDir = resolve(values['renderer-dir'] ?? DEFAULT_RENDERER_DIR);
  const launchPageDir = values['launch-page-dir'] === undefined ? undefined : resolve(values['launch-page-dir']);
  let shell;
  try {
    shell = await startBrowserShell({
      core,
      rendererDir,
      port,
      launchPageDir,
      log: (message, detail) => io.stderr.write(`${message} ${String(detail ?? '')}\n`),
    });
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    core.close();
    return 2;
  }
  io.stdout.write(`${JSON.stringify({ event: 'listening', url: shell.url, launchUrl: shell.launchUrl, launchPage: shell.launchPage })}\n`);
  await io.stopSignal;
  await shell.close();
  core.close();
  // The workspaces' engines checkpoint and their stores close before the process ends.
  await core.closed();
  return 0;
}

if (import.meta.main) {
  const stopSignal = new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  process.exitCode = await runBrowserShell(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stopSignal,
  });
}
