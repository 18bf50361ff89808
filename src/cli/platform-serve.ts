// `enclave platform serve --data-dir DIR [--port P] [--host H]`: runs the demo platform until SIGTERM/SIGINT.
// stdout carries exactly one machine-readable line, {"event":"listening","url":…}, once the server listens;
// everything else (logs, errors) goes to stderr.
import { isIPv4 } from 'node:net';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import { createPlatformServer, LOOPBACK_HOSTNAMES } from '../platform/server.ts';
import type { CliIo } from './enclave.ts';

const USAGE = 'Usage: enclave platform serve --data-dir DIR [--port P (default 0: any free port)] [--host 127.0.0.1] [--log-level info]\n';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

interface ServeArgs {
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
}

/** The demo platform admits a fixed analyst without sign-in, so it must never be reachable from another machine. */
function isLoopback(host: string): boolean {
  return (isIPv4(host) && host.startsWith('127.')) || host === '::1';
}

function parseServeArgs(argv: string[]): ServeArgs | string {
  let values: { 'data-dir'?: string; port?: string; host?: string; 'log-level'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'log-level': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return (err as Error).message;
  }
  if (values['data-dir'] === undefined || values['data-dir'] === '') return '--data-dir is required.';
  const portText = values.port ?? '0';
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return '--port must be a whole number from 0 to 65535.';
  const host = values.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    return `--host ${host} is not a loopback address. The demo platform has no sign-in, so it listens only on this machine (127.0.0.1 or ::1).`;
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return `--log-level must be one of ${LOG_LEVELS.join(', ')}.`;
  return { dataDir: values['data-dir'], port: Number(portText), host, logLevel: logLevel as LogLevel };
}

function waitForStopSignal(): { stopped: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return {
    stopped,
    dispose() {
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
    },
  };
}

export async function runPlatformServe(argv: string[], io: CliIo): Promise<number> {
  const args = parseServeArgs(argv);
  if (typeof args === 'string') {
    io.stderr.write(`enclave platform serve: ${args}\n${USAGE}`);
    return 2;
  }
  // Listen for signals before the slow start (hashing the data), so an early SIGTERM still stops cleanly.
  const signals = waitForStopSignal();
  let server;
  try {
    server = await createPlatformServer({
      dataDir: args.dataDir,
      logger: { level: args.logLevel, stream: io.stderr },
      allowedHostnames: [...LOOPBACK_HOSTNAMES, args.host.includes(':') ? `[${args.host}]` : args.host],
    });
  } catch (err) {
    signals.dispose();
    const message = err instanceof EnclaveError ? err.message : `could not start: ${(err as Error).message}`;
    io.stderr.write(`enclave platform serve: ${message}\n`);
    return 1;
  }
  try {
    const address = await server.app.listen({ port: args.port, host: args.host });
    const { port } = new URL(address);
    const hostForUrl = args.host.includes(':') ? `[${args.host}]` : args.host;
    io.stdout.write(`${JSON.stringify({ event: 'listening', url: `http://${hostForUrl}:${port}` })}\n`);
  } catch (err) {
    signals.dispose();
    await server.close();
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${args.port} is already in use` : (err as Error).message;
    io.stderr.write(`enclave platform serve: could not listen on ${args.host}:${args.port}: ${reason}\n`);
    return 1;
  }
  const signal = await signals.stopped;
  signals.dispose();
  io.stderr.write(`enclave platform serve: ${signal} received, stopping\n`);
  await server.close();
  return 0;
}
