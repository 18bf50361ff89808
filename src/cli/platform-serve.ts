// `enclave platform serve --data-dir DIR [--port P] [--host H] [--oidc-issuer URL --oidc-audience A
// --oidc-client-id C] [--accept-broken-audit-log=TOKEN]`: runs the platform until SIGTERM/SIGINT. Without
// --oidc-issuer it runs its embedded identity provider with the demo accounts (issuer <url>/oidc). It refuses a data
// folder that other OS users can open, and a broken audit log unless told to accept that very report (its token is
// printed with it, so a flag left in a service unit accepts no later, different break). stdout carries exactly one
// machine-readable line, {"event":"listening","url":…}, once the server listens; everything else goes to stderr.
// With --database-url the metadata store is PostgreSQL (issue 19): serve then changes no schema (`platform migrate` does)
// and refuses to start as a role that could rewrite the audit log.
import { isIPv4 } from 'node:net';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import type { IdentityOptions } from '../platform/identity/identity-config.ts';
import { isHttpsOrLoopbackHttp, LOOPBACK_HOSTNAMES } from '../common/loopback.ts';
import { describeAuditReport } from '../platform/audit/verify.ts';
import type { PlatformDatabaseOptions } from '../platform/platform-core.ts';
import { assertDataDirPrivate } from '../platform/data-dir-privacy.ts';
import { createPlatformServer } from '../platform/server.ts';
import type { CliIo } from './cli-io.ts';
import { DATABASE_FLAG_OPTIONS, DATABASE_USAGE, databaseChoice, type DatabaseFlags } from './database-options.ts';

const USAGE = `Usage: enclave platform serve --data-dir DIR [--port P (default 0: any free port)] [--host 127.0.0.1] [--log-level info]
    [--oidc-issuer URL --oidc-audience AUDIENCE --oidc-client-id CLIENT_ID]   trust an external OIDC issuer instead of the embedded demo one
    [--oidc-token-type TYP (default at+jwt; 'any' skips the check)]   the JWT typ the external issuer's access tokens carry
    [--access-token-ttl SECONDS (default 300)] [--session-max SECONDS (default 43200)]   the embedded provider's lifetimes
    [--accept-broken-audit-log=TOKEN]   start even though the audit log does not verify, accepting the report whose token
                                        the refusal printed (and no other); the acceptance is recorded in the log
${DATABASE_USAGE}
    [--database-pool-size N (default 10)]   connections to the database this process may open
`;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

interface ServeArgs {
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  identity: IdentityOptions;
  /** The token of the broken-log report to accept. */
  acceptBrokenAuditLog?: string;
  /** The PostgreSQL store's flags, read (with its password file) once parsing is done. */
  databaseFlags: DatabaseFlags;
  databasePoolSize?: number;
}

const ACCEPT_FLAG = '--accept-broken-audit-log';
const ACCEPT_NEEDS_TOKEN = `${ACCEPT_FLAG} takes the token printed with the broken-log report: ${ACCEPT_FLAG}=TOKEN. It accepts that report only.`;

/**
 * The platform speaks plain HTTP and the demo accounts' passwords are published, so it listens only on this
 * machine; a deployment puts a TLS-terminating proxy in front of it.
 */
function isLoopback(host: string): boolean {
  return (isIPv4(host) && host.startsWith('127.')) || host === '::1';
}

function parseServeArgs(argv: string[]): ServeArgs | string {
  let values: {
    'data-dir'?: string;
    port?: string;
    host?: string;
    'log-level'?: string;
    'oidc-issuer'?: string;
    'oidc-audience'?: string;
    'oidc-client-id'?: string;
    'oidc-token-type'?: string;
    'access-token-ttl'?: string;
    'session-max'?: string;
    'accept-broken-audit-log'?: string;
    'database-url'?: string;
    'database-password-file'?: string;
    'ca-file'?: string;
    'database-pool-size'?: string;
  };
  // The flag alone used to accept any break; now it must name one. Said plainly rather than as a parse error.
  const flagAt = argv.indexOf(ACCEPT_FLAG);
  if (flagAt !== -1 && (argv[flagAt + 1] ?? '--').startsWith('--')) return ACCEPT_NEEDS_TOKEN;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'log-level': { type: 'string' },
        'oidc-issuer': { type: 'string' },
        'oidc-audience': { type: 'string' },
        'oidc-client-id': { type: 'string' },
        'oidc-token-type': { type: 'string' },
        'access-token-ttl': { type: 'string' },
        'session-max': { type: 'string' },
        'accept-broken-audit-log': { type: 'string' },
        ...DATABASE_FLAG_OPTIONS,
        'database-pool-size': { type: 'string' },
      },
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
    return `--host ${host} is not a loopback address. The platform speaks plain HTTP, so it listens only on this machine (127.0.0.1 or ::1); put a TLS proxy in front of it to serve others.`;
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return `--log-level must be one of ${LOG_LEVELS.join(', ')}.`;
  const identity = parseIdentity(values['oidc-issuer'], values['oidc-audience'], values['oidc-client-id']);
  if (typeof identity === 'string') return identity;
  const tokenType = values['oidc-token-type'];
  if (tokenType !== undefined) {
    if (identity.kind !== 'external')
      return '--oidc-token-type goes with --oidc-issuer: the embedded provider always types its access tokens at+jwt.';
    if (!/^[A-Za-z0-9.+/-]{1,64}$/.test(tokenType))
      return `--oidc-token-type must be a JWT typ such as at+jwt, or 'any' to skip the check.`;
    Object.assign(identity, { tokenType });
  }
  const lifetimes: Record<string, number> = {};
  for (const [option, key] of [
    ['access-token-ttl', 'accessTokenTtlSeconds'],
    ['session-max', 'sessionMaxSeconds'],
  ] as const) {
    const text = values[option];
    if (text === undefined) continue;
    if (identity.kind !== 'embedded') return `--${option} sets the embedded provider's lifetimes; an external issuer sets its own.`;
    if (!/^[0-9]{1,7}$/.test(text) || Number(text) < 1) return `--${option} must be a whole number of seconds from 1.`;
    lifetimes[key] = Number(text);
  }
  if (identity.kind === 'embedded') Object.assign(identity, lifetimes);
  const token = values['accept-broken-audit-log'];
  if (token !== undefined && !/^[0-9a-f]{16}$/.test(token)) return ACCEPT_NEEDS_TOKEN;
  const poolText = values['database-pool-size'];
  if (poolText !== undefined && (!/^[0-9]{1,4}$/.test(poolText) || Number(poolText) < 2 || Number(poolText) > 1000)) {
    return '--database-pool-size must be a whole number from 2 to 1000.';
  }
  return {
    dataDir: values['data-dir'],
    port: Number(portText),
    host,
    logLevel: logLevel as LogLevel,
    identity,
    ...(token === undefined ? {} : { acceptBrokenAuditLog: token }),
    databaseFlags: {
      'database-url': values['database-url'],
      'database-password-file': values['database-password-file'],
      'ca-file': values['ca-file'],
    },
    ...(poolText === undefined ? {} : { databasePoolSize: Number(poolText) }),
  };
}

/** The PostgreSQL store the flags name, opened as the app role: no schema change, no role that could rewrite the log. */
async function databaseOf(args: ServeArgs): Promise<PlatformDatabaseOptions | undefined> {
  const flags = Object.fromEntries(Object.entries(args.databaseFlags).filter(([, value]) => value !== undefined)) as DatabaseFlags;
  const choice = await databaseChoice(flags, process.env);
  if (choice === undefined) {
    if (args.databasePoolSize !== undefined) throw new EnclaveError('invalid_input', '--database-pool-size goes with --database-url.');
    return undefined;
  }
  return { ...choice, role: 'app', ...(args.databasePoolSize === undefined ? {} : { poolSize: args.databasePoolSize }) };
}

function parseIdentity(issuer: string | undefined, audience: string | undefined, clientId: string | undefined): IdentityOptions | string {
  if (issuer === undefined && audience === undefined && clientId === undefined) return { kind: 'embedded' };
  if (issuer === undefined || audience === undefined || clientId === undefined || audience === '' || clientId === '') {
    return '--oidc-issuer, --oidc-audience and --oidc-client-id go together: give all three to trust an external issuer, or none for the embedded demo one.';
  }
  const url = URL.parse(issuer);
  if (url === null || !isHttpsOrLoopbackHttp(url) || url.search !== '' || url.hash !== '') {
    return `--oidc-issuer must be the issuer's https URL (http only on this machine), without query or fragment.`;
  }
  return { kind: 'external', issuer, audience, clientId };
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
  let database: PlatformDatabaseOptions | undefined;
  try {
    database = await databaseOf(args);
  } catch (err) {
    io.stderr.write(`enclave platform serve: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  // Listen for signals before the slow start (hashing the data), so an early SIGTERM still stops cleanly.
  const signals = waitForStopSignal();
  let server;
  try {
    await assertDataDirPrivate(args.dataDir);
    server = await createPlatformServer({
      dataDir: args.dataDir,
      logger: { level: args.logLevel, stream: io.stderr },
      allowedHostnames: [...LOOPBACK_HOSTNAMES, args.host.includes(':') ? `[${args.host}]` : args.host],
      identity: args.identity,
      acceptBrokenAuditLog: args.acceptBrokenAuditLog,
      ...(database === undefined ? {} : { database }),
    });
  } catch (err) {
    signals.dispose();
    const message = err instanceof EnclaveError ? err.message : `could not start: ${(err as Error).message}`;
    io.stderr.write(`enclave platform serve: ${message}\n`);
    return 1;
  }
  const { acceptedAs, report } = server.startupAudit;
  if (acceptedAs !== undefined) {
    io.stderr.write(
      `enclave platform serve: starting on a broken audit log, as ${ACCEPT_FLAG}=${report.token ?? ''} asked; recorded as audit event ${acceptedAs.seq}:\n${describeAuditReport(report)}\n`,
    );
  }
  try {
    // The embedded provider's issuer is built from this very URL (see createPlatformServer's publicUrl).
    const url = await server.listen({ port: args.port, host: args.host });
    io.stdout.write(`${JSON.stringify({ event: 'listening', url })}\n`);
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
