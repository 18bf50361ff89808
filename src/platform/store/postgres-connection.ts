// The connection to a PostgreSQL metadata store: the database URL read strictly (the TLS rule below, no option the
// platform does not understand), and a `pg` pool configured for this platform only. Nothing here logs or returns the
// URL's password: messages name the database by describeDatabaseUrl.
//
// TLS: a database on another machine is reached with the server's certificate and name checked (libpq's
// sslmode=verify-full), trusting Node's default roots plus the CA bundle given (--ca-file). sslmode=require, prefer and
// allow encrypt without checking who answers, and verify-ca checks the CA but not the name: all four are refused, as
// is a plain connection to another machine. A loopback address or a Unix socket may go without TLS.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import pg from 'pg';
import { EnclaveError } from '../../common/errors.ts';

export interface PostgresStoreOptions {
  /** postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=verify-full|disable][&host=/unix/socket/folder]. */
  readonly url: string;
  /** The password when the URL holds none: read by the caller from a private file, never from arguments or environment. */
  readonly password?: string;
  /** A PEM bundle added to Node's default roots for TLS to the database (the platform's --ca-file). */
  readonly caFile?: string;
  /** Connections the pool may open (default 10; at least 2: migrating holds one while it waits for a lock on another). */
  readonly poolSize?: number;
  /** A statement running longer is cancelled by the server (default 30 s). */
  readonly statementTimeoutMs?: number;
  /** A transaction left idle this long is ended by the server, releasing its locks (default 60 s). */
  readonly idleInTransactionTimeoutMs?: number;
  /** The schema holding the tables and the migrations' own table; default: the role's search_path (public). */
  readonly schema?: string;
  /** Where a connection's failure outside any request (the server restarted, the network dropped) is said. */
  readonly log: (message: string, detail?: unknown) => void;
}

export const APPLICATION_NAME = 'enclave-platform';
const DEFAULT_POOL_SIZE = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const DEFAULT_IDLE_IN_TRANSACTION_MS = 60_000;
const INT8_OID = 20;
const QUERY_OPTIONS = new Set(['sslmode', 'host']);
const UNCHECKED_SSL_MODES = new Set(['require', 'prefer', 'allow', 'verify-ca']);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface DatabaseAddress {
  readonly user: string;
  readonly password: string | undefined;
  /** A host name or address, or an absolute Unix socket folder. */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** verify-full (certificate and name checked) or none (loopback or a Unix socket only). */
  readonly tls: 'verify-full' | 'none';
}

const invalid = (message: string): EnclaveError => new EnclaveError('invalid_input', message);

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`The database URL's ${what} is not percent-encoded correctly.`);
  }
}

/** The database URL, checked: a clear error for anything the platform would not use as written. */
export function parseDatabaseUrl(text: string): DatabaseAddress {
  const url = URL.parse(text.trim());
  if (url === null || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    throw invalid('The database URL must look like postgres://USER@HOST:PORT/DATABASE.');
  }
  if (url.hash !== '') throw invalid('The database URL must not have a #fragment.');
  for (const key of url.searchParams.keys()) {
    if (!QUERY_OPTIONS.has(key)) {
      throw invalid(`The database URL's option ${key} is not one the platform reads (it reads sslmode and host); remove it.`);
    }
  }
  const user = decoded(url.username, 'user name');
  if (user === '') throw invalid('The database URL must name its user: postgres://USER@HOST:PORT/DATABASE.');
  const database = decoded(url.pathname.replace(/^\//, ''), 'database name');
  if (database === '' || database.includes('/'))
    throw invalid('The database URL must name one database: postgres://USER@HOST:PORT/DATABASE.');
  const socket = url.searchParams.get('host');
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (socket !== null && !socket.startsWith('/'))
    throw invalid("The database URL's host option must be a Unix socket folder (an absolute path).");
  const host = socket ?? hostname;
  if (host === '') throw invalid('The database URL must name its host: postgres://USER@HOST:PORT/DATABASE.');
  const port = url.port === '' ? 5432 : Number(url.port);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && UNCHECKED_SSL_MODES.has(sslmode)) {
    throw invalid(
      `sslmode=${sslmode} does not check ${sslmode === 'verify-ca' ? "the server's name" : "the server's certificate"}, so anyone on the way could answer as the database. Use sslmode=verify-full (with --ca-file for a private CA).`,
    );
  }
  if (sslmode !== null && sslmode !== 'verify-full' && sslmode !== 'disable') {
    throw invalid(`sslmode=${sslmode} is not a mode the platform uses: use sslmode=verify-full.`);
  }
  const local = host.startsWith('/') || isLoopbackHost(host);
  if (host.startsWith('/') && sslmode === 'verify-full') throw invalid('A Unix socket does not use TLS: remove sslmode=verify-full.');
  if (!local && sslmode === 'disable') {
    throw invalid(
      `The database at ${host} is on another machine: the platform reaches it over TLS only (sslmode=verify-full), since its records are personal data.`,
    );
  }
  const password = url.password === '' ? undefined : decoded(url.password, 'password');
  // A remote database without sslmode gets the one mode the platform uses: verify-full.
  return { user, password, host, port, database, tls: local && sslmode !== 'verify-full' ? 'none' : 'verify-full' };
}

/** The URL as it may be shown or logged: user, host, port and database, never the password. */
export function describeDatabaseUrl(text: string): string {
  try {
    const { user, host, port, database } = parseDatabaseUrl(text);
    return host.startsWith('/') ? `postgres://${user}@/${database} (socket ${host})` : `postgres://${user}@${host}:${port}/${database}`;
  } catch {
    return 'the database URL given';
  }
}

/** PostgreSQL answers bigint (int8) as text; for this pool only, it becomes a number (epoch ms, counts, sizes). */
function typeParser(oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) | ((value: Buffer) => unknown) {
  if (format === 'binary') return pg.types.getTypeParser(oid, 'binary') as (value: Buffer) => unknown;
  if (oid === INT8_OID) return Number;
  return pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
}

/** The pool for one metadata store. Connections open on first use: the caller's first query says whether it works. */
export async function createPostgresPool(options: PostgresStoreOptions): Promise<pg.Pool> {
  const address = parseDatabaseUrl(options.url);
  if (address.password !== undefined && options.password !== undefined) {
    throw invalid('The database password is given twice (in the URL and in the password file): give it once, in the file.');
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < 2 || poolSize > 1000)
    throw invalid('The database pool size must be a whole number from 2 to 1000.');
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw invalid('The database schema must be a lower-case name of letters, digits and _ (at most 63).');
  }
  let ca: string[] | undefined;
  if (options.caFile !== undefined) {
    const pem = await readFile(options.caFile, 'utf8').catch(() => {
      throw new EnclaveError('unavailable', `The CA file ${options.caFile} cannot be read.`);
    });
    ca = [...rootCertificates, pem];
  }
  const pool = new pg.Pool({
    host: address.host,
    port: address.port,
    database: address.database,
    user: address.user,
    password: options.password ?? address.password,
    // Node checks the chain against `ca` (or its default roots) and the certificate's names against the host.
    ssl: address.tls === 'verify-full' ? { rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) } : false,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: APPLICATION_NAME,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle connection that fails (the server restarted) is dropped by the pool, which opens a new one when asked;
  // without a listener the pool's 'error' event would end the process.
  pool.on('error', (err: Error & { code?: string }) => {
    options.log(
      `The metadata database connection to ${describeDatabaseUrl(options.url)} failed while idle; the next request opens a new one.`,
      {
        message: err.message,
        code: err.code,
      },
    );
  });
  return pool;
}
