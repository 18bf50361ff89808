// `enclave platform serve --data-dir DIR [--port P] [--host H] [--tls-cert FILE --tls-key FILE] [--public-url URL]
// [--allow-host NAME]… [--oidc-issuer URL --oidc-audience A --oidc-client-id C] [--accept-broken-audit-log=TOKEN]`:
// runs the platform until SIGTERM/SIGINT, then drains (answers under way finish; new requests get 503). Without TLS it
// speaks plain HTTP on loopback only; with a certificate and key it serves HTTPS on any address, takes a renewed pair
// on SIGHUP or when a periodic look finds the files changed (a pair that fails its checks is logged and the old one
// stays; a SIGHUP during the drain does nothing), and sends HSTS to DNS names. --public-url is the address clients
// use: the embedded provider's issuer (<url>/oidc) and, with --allow-host, the Host names it answers to. Without
// --oidc-issuer it runs its embedded identity provider with the demo accounts. It refuses a data folder that other OS
// users can open, a key file they can read or own, and a broken audit log unless told to accept that very report (its
// token is printed with it, so a flag left in a service unit accepts no later, different break). stdout carries
// exactly one machine-readable line, {"event":"listening","url":…} (and "listeningOn" when the public URL is not the
// listening address), once the server listens; everything else goes to stderr. With --database-url the metadata store
// is PostgreSQL: serve then changes no schema (`platform migrate` does) and refuses to start as a role that could
// rewrite the audit log, and reads its identity and audit keys from --identity-keys-dir, the folder every instance
// shares (it makes none, and refuses keys other than those recorded in the database at the first start).
import { isIP, isIPv4, isIPv6 } from 'node:net';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { inBackground } from '../common/detached.ts';
import { EnclaveError } from '../common/errors.ts';
import type { IdentityOptions } from '../platform/identity/identity-config.ts';
import { isHttpsOrLoopbackHttp, isLoopbackHttp, LOOPBACK_HOSTNAMES } from '../common/loopback.ts';
import { describeAuditReport } from '../platform/audit/verify.ts';
import type { PlatformDatabaseOptions } from '../platform/platform-core.ts';
import { assertDataDirPrivate } from '../platform/data-dir-privacy.ts';
import { loadCertificatePair, type CertificateFiles, type ServingCertificate } from '../platform/http/tls-certificates.ts';
import { logCertificateInUse, startCertificateReloader, type CertificateReloader } from '../platform/http/tls-reload.ts';
import { createPlatformServer, type PlatformServer } from '../platform/server.ts';
import type { CliIo } from './cli-io.ts';
import {
  DATABASE_FLAG_OPTIONS,
  DATABASE_USAGE,
  databaseChoice,
  identityKeysDirFor,
  KEYS_FLAG_OPTIONS,
  KEYS_USAGE,
  type DatabaseFlags,
} from './database-options.ts';

const USAGE = `Usage: enclave platform serve --data-dir DIR [--port P (default 0: any free port)] [--host 127.0.0.1] [--log-level info]
    [--tls-cert FILE --tls-key FILE]   serve HTTPS (TLS 1.2 or later) with this certificate (chain after it) and key (0600, yours or root's);
                                       needed for any --host but loopback. Renewed files are taken on SIGHUP or at the next check
    [--tls-check-interval SECONDS (default 3600)]   how often the certificate files are looked at for a renewal
    [--public-url https://NAME[:PORT]]   the address clients reach the platform at (needed with --host 0.0.0.0 or ::):
                                         the embedded provider's issuer is <url>/oidc, and NAME is answered to
    [--allow-host NAME]...   another Host name or IP address to answer to (e.g. a load balancer's health check)
    [--oidc-issuer URL --oidc-audience AUDIENCE --oidc-client-id CLIENT_ID]   trust an external OIDC issuer instead of the embedded demo one
    [--oidc-token-type TYP (default at+jwt; 'any' skips the check)]   the JWT typ the external issuer's access tokens carry
    [--access-token-ttl SECONDS (default 300)] [--session-max SECONDS (default 43200)]   the embedded provider's lifetimes
    [--accept-broken-audit-log=TOKEN]   start even though the audit log does not verify, accepting the report whose token
                                        the refusal printed (and no other); the acceptance is recorded in the log
${DATABASE_USAGE}
    [--database-pool-size N (default 10)]   connections to the database this process may open
${KEYS_USAGE}
`;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the platform listens, and how clients reach it. */
interface NetworkArgs {
  port: number;
  host: string;
  tls?: { files: CertificateFiles; checkIntervalSeconds: number };
  /** The origin clients use (no trailing slash). */
  publicUrl?: string;
  /** The Host names answered to: loopback, the listening address, the public URL's name, and --allow-host. */
  allowedHostnames: string[];
}

export interface ServeArgs extends NetworkArgs {
  dataDir: string;
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

/** Every flag serve takes: adding one is a line here and its check below. */
const OPTIONS = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'log-level': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-check-interval': { type: 'string' },
  'public-url': { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  'oidc-issuer': { type: 'string' },
  'oidc-audience': { type: 'string' },
  'oidc-client-id': { type: 'string' },
  'oidc-token-type': { type: 'string' },
  'access-token-ttl': { type: 'string' },
  'session-max': { type: 'string' },
  'accept-broken-audit-log': { type: 'string' },
  ...DATABASE_FLAG_OPTIONS,
  'database-pool-size': { type: 'string' },
  ...KEYS_FLAG_OPTIONS,
} as const;

function readFlags(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
}
type ServeFlags = ReturnType<typeof readFlags>;

const DEFAULT_TLS_CHECK_INTERVAL_SECONDS = 3600;

/** Without TLS the platform speaks plain HTTP, and the demo accounts' passwords are published: this machine only. */
function isLoopback(host: string): boolean {
  return (isIPv4(host) && host.startsWith('127.')) || host === '::1';
}

/** Every interface: other machines reach it by some name, which only --public-url can tell. */
function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || (isIPv6(host) && /^[0:]+$/.test(host));
}

/** As the Host allow-list keeps names: lower case, IPv6 in brackets. */
const asHostname = (address: string): string => (isIPv6(address) ? `[${address.toLowerCase()}]` : address.toLowerCase());

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A DNS name or an IP address (IPv6 with or without brackets), as the allow-list keeps it; null when it is neither. */
function parseHostName(text: string): string | null {
  const lower = text.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  if (isIP(bare) !== 0) return asHostname(bare);
  // All digits and dots, yet not an IPv4 address (999.1.1.1): no name either.
  if (DNS_NAME.test(lower) && !/^[0-9.]+$/.test(lower)) return lower;
  return null;
}

/** The public URL's origin, or why it is refused. https when the platform serves TLS; otherwise http on loopback. */
function parsePublicUrl(text: string, tls: boolean): string | { error: string } {
  const url = URL.parse(text);
  if (
    url === null ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    return {
      error: `--public-url must be an address such as https://enclave.example.org or https://enclave.example.org:8443, without path, query or user name.`,
    };
  }
  if (tls && url.protocol !== 'https:') return { error: `--public-url must be https: the platform serves TLS (--tls-cert).` };
  if (!tls && !isLoopbackHttp(url)) {
    return {
      error: `--public-url ${url.origin} needs TLS: give --tls-cert FILE and --tls-key FILE. Without them the platform speaks plain http on this machine only (http://127.0.0.1 or http://localhost).`,
    };
  }
  return url.origin;
}

function parseNetwork(values: ServeFlags): NetworkArgs | string {
  const portText = values.port ?? '0';
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return '--port must be a whole number from 0 to 65535.';
  const host = values.host ?? '127.0.0.1';
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined) || certFile === '' || keyFile === '') {
    return '--tls-cert and --tls-key go together: give the certificate file and its key file, or neither for plain http on this machine.';
  }
  let tls: NetworkArgs['tls'];
  const intervalText = values['tls-check-interval'];
  if (certFile === undefined || keyFile === undefined) {
    if (!isLoopback(host)) {
      return `--host ${host} is not a loopback address. Without TLS the platform speaks plain HTTP, so it listens only on this machine (127.0.0.1 or ::1). To serve other machines give --tls-cert FILE and --tls-key FILE, and --public-url https://NAME, the address they reach it at.`;
    }
    if (intervalText !== undefined) return '--tls-check-interval goes with --tls-cert and --tls-key.';
  } else {
    if (isIP(host) === 0) {
      return `--host ${host} must be the IP address to listen on (0.0.0.0 or :: for every interface); the name clients use goes in --public-url.`;
    }
    const seconds = intervalText ?? String(DEFAULT_TLS_CHECK_INTERVAL_SECONDS);
    if (!/^[0-9]{1,5}$/.test(seconds) || Number(seconds) < 1 || Number(seconds) > 86_400) {
      return '--tls-check-interval must be a whole number of seconds from 1 to 86400 (a day).';
    }
    tls = { files: { certFile, keyFile }, checkIntervalSeconds: Number(seconds) };
  }
  const publicUrl = values['public-url'] === undefined ? undefined : parsePublicUrl(values['public-url'], tls !== undefined);
  if (typeof publicUrl === 'object') return publicUrl.error;
  if (publicUrl === undefined && isUnspecified(host)) {
    return `--host ${host} listens on every interface: give --public-url https://NAME[:PORT], the address other machines reach the platform at (the certificate must name it, and the embedded identity provider's issuer is built from it).`;
  }
  const allowed = new Set([...LOOPBACK_HOSTNAMES, ...(isUnspecified(host) ? [] : [asHostname(host)])]);
  if (publicUrl !== undefined) allowed.add(new URL(publicUrl).hostname);
  for (const name of values['allow-host'] ?? []) {
    const hostname = parseHostName(name);
    if (hostname === null)
      return `--allow-host ${name} must be a host name (such as health.internal) or an IP address, without scheme, port or path.`;
    allowed.add(hostname);
  }
  return {
    port: Number(portText),
    host,
    ...(tls === undefined ? {} : { tls }),
    ...(publicUrl === undefined ? {} : { publicUrl }),
    allowedHostnames: [...allowed],
  };
}

export function parseServeArgs(argv: string[]): ServeArgs | string {
  let values: ServeFlags;
  // The flag alone used to accept any break; now it must name one. Said plainly rather than as a parse error.
  const flagAt = argv.indexOf(ACCEPT_FLAG);
  if (flagAt !== -1 && (argv[flagAt + 1] ?? '--').startsWith('--')) return ACCEPT_NEEDS_TOKEN;
  try {
    values = readFlags(argv);
  } catch (err) {
    return (err as Error).message;
  }
  if (values['data-dir'] === undefined || values['data-dir'] === '') return '--data-dir is required.';
  const network = parseNetwork(values);
  if (typeof network === 'string') return network;
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
    ...network,
    logLevel: logLevel as LogLevel,
    identity,
    ...(token === undefined ? {} : { acceptBrokenAuditLog: token }),
    databaseFlags: {
      'database-url': values['database-url'],
      'database-password-file': values['database-password-file'],
      'ca-file': values['ca-file'],
      'identity-keys-dir': values['identity-keys-dir'],
    },
    ...(poolText === undefined ? {} : { databasePoolSize: Number(poolText) }),
  };
}

/** The PostgreSQL store the flags name, opened as the app role: no schema change, no role that could rewrite the log. */
async function databaseOf(args: ServeArgs): Promise<PlatformDatabaseOptions | undefined> {
  const { 'identity-keys-dir': keysFlag, ...given } = args.databaseFlags;
  const flags = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as DatabaseFlags;
  const choice = await databaseChoice(flags, process.env);
  const identityKeysDir = identityKeysDirFor(choice !== undefined, keysFlag, process.env);
  if (choice === undefined || identityKeysDir === undefined) {
    if (args.databasePoolSize !== undefined) throw new EnclaveError('invalid_input', '--database-pool-size goes with --database-url.');
    return undefined;
  }
  return {
    ...choice,
    role: 'app',
    identityKeysDir,
    ...(args.databasePoolSize === undefined ? {} : { poolSize: args.databasePoolSize }),
  };
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

/**
 * SIGHUP asks for the certificate files to be read again. It is taken from the start, since its default ends the
 * process; one that comes before the server listens is answered once the reloader runs. While the server stops
 * (`ignore`), one is taken and does nothing: a renewal tool's SIGHUP during the drain must not kill the process and
 * cut the answers under way. Only `dispose`, once the server has closed, gives SIGHUP its default back.
 */
function listenForReload(): { attach(reload: () => void): void; ignore(onIgnored: () => void): void; dispose(): void } {
  let reload: (() => void) | undefined;
  let pending = false;
  let ignored: (() => void) | undefined;
  const onHangUp = (): void => {
    if (ignored !== undefined) ignored();
    else if (reload === undefined) pending = true;
    else reload();
  };
  process.on('SIGHUP', onHangUp);
  return {
    attach(next) {
      reload = next;
      if (pending) next();
      pending = false;
    },
    ignore(onIgnored) {
      ignored = onIgnored;
    },
    dispose() {
      process.removeListener('SIGHUP', onHangUp);
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
  const hangUps = args.tls === undefined ? undefined : listenForReload();
  const dispose = (): void => {
    signals.dispose();
    hangUps?.dispose();
  };
  let server: PlatformServer;
  let certificate: ServingCertificate | undefined;
  const publicName = args.publicUrl === undefined ? undefined : new URL(args.publicUrl).hostname;
  try {
    await assertDataDirPrivate(args.dataDir);
    // Before the data is opened: a pair that cannot serve stops the start at once.
    certificate = args.tls === undefined ? undefined : await loadCertificatePair(args.tls.files, { publicName });
    server = await createPlatformServer({
      dataDir: args.dataDir,
      logger: { level: args.logLevel, stream: io.stderr },
      allowedHostnames: args.allowedHostnames,
      identity: args.identity,
      acceptBrokenAuditLog: args.acceptBrokenAuditLog,
      ...(args.publicUrl === undefined ? {} : { publicUrl: args.publicUrl }),
      ...(certificate === undefined ? {} : { tls: { cert: certificate.cert, key: certificate.key } }),
      ...(database === undefined ? {} : { database }),
    });
  } catch (err) {
    dispose();
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
  if (certificate !== undefined) {
    logCertificateInUse({ certificate, log: server.app.log, now: new Date(), message: 'Serving TLS with this certificate.' });
  }
  let address: string;
  try {
    address = await server.listen({ port: args.port, host: args.host });
  } catch (err) {
    hangUps?.ignore(() => undefined);
    await server.close();
    dispose();
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${args.port} is already in use` : (err as Error).message;
    io.stderr.write(`enclave platform serve: could not listen on ${args.host}:${args.port}: ${reason}\n`);
    return 1;
  }
  // The embedded provider's issuer is built from this very URL (see createPlatformServer's publicUrl). Behind a port
  // forward or a load balancer it is not where the process listens, which is then said too.
  const url = args.publicUrl ?? address;
  io.stdout.write(`${JSON.stringify({ event: 'listening', url, ...(url === address ? {} : { listeningOn: address }) })}\n`);
  let reloader: CertificateReloader | undefined;
  if (args.tls !== undefined && certificate !== undefined) {
    const log = server.app.log;
    const running = startCertificateReloader({
      files: args.tls.files,
      ...(publicName === undefined ? {} : { publicName }),
      initial: certificate,
      install: (next) => server.replaceCertificate(next),
      log,
      checkIntervalMs: args.tls.checkIntervalSeconds * 1000,
    });
    hangUps?.attach(() => inBackground(running.reload('SIGHUP'), (err) => log.error({ err }, 'The TLS certificate reload failed.')));
    reloader = running;
  }
  const signal = await signals.stopped;
  reloader?.stop();
  hangUps?.ignore(() => io.stderr.write('enclave platform serve: SIGHUP received while stopping; nothing is reloaded\n'));
  signals.dispose();
  io.stderr.write(`enclave platform serve: ${signal} received, stopping\n`);
  await server.close();
  hangUps?.dispose();
  return 0;
}
