// The PostgreSQL metadata store as `serve` and `migrate` are told of it: --database-url (or ENCLAVE_DATABASE_URL), a
// URL without its password, and --database-password-file (or ENCLAVE_DATABASE_PASSWORD_FILE), a file only this OS user
// can read holding the password. A process's arguments and environment are readable by other users of the computer
// (/proc), so a URL that carries a password is refused rather than used; the file's path is no secret.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { EnclaveError } from '../common/errors.ts';
import { parseDatabaseUrl } from '../platform/store/postgres-connection.ts';

export const DATABASE_USAGE = `    [--database-url postgres://USER@HOST:PORT/DATABASE (or ENCLAVE_DATABASE_URL)]   the metadata store in PostgreSQL;
                                        a remote host is reached with sslmode=verify-full only; never put the password here
    [--database-password-file FILE (or ENCLAVE_DATABASE_PASSWORD_FILE)]   the role's password, in a file of mode 0600
    [--ca-file PEM]   CAs trusted for TLS to the database, added to the system's`;

export interface DatabaseFlags {
  readonly 'database-url'?: string;
  readonly 'database-password-file'?: string;
  readonly 'ca-file'?: string;
  /** serve's and the host commands' (not migrate's): see identityKeysDirFor. */
  readonly 'identity-keys-dir'?: string;
}

export interface DatabaseChoice {
  readonly url: string;
  readonly password?: string;
  readonly caFile?: string;
}

/** How --identity-keys-dir reads on a usage line. */
export const KEYS_USAGE = `    [--identity-keys-dir DIR (or ENCLAVE_IDENTITY_KEYS_DIR)]   with --database-url: the identity and audit keys every instance
                                        shares, read only (made once by \`enclave platform keys create\`)`;

/** The shared keys folder goes with the database: every instance on it has the same keys (key-folder.ts). */
export const KEYS_FLAG_OPTIONS = { 'identity-keys-dir': { type: 'string' } } as const;

/**
 * The keys folder the flag (or ENCLAVE_IDENTITY_KEYS_DIR) names, absolute: required with a database, refused without
 * one (SQLite is one instance, keeping its own keys in DIR/identity).
 */
export function identityKeysDirFor(database: boolean, flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const given = flag ?? env.ENCLAVE_IDENTITY_KEYS_DIR;
  const folder = given === undefined || given === '' ? undefined : path.resolve(given);
  if (!database) {
    if (folder !== undefined) {
      throw new EnclaveError(
        'invalid_input',
        '--identity-keys-dir (or ENCLAVE_IDENTITY_KEYS_DIR) goes with --database-url: a platform on SQLite is one instance and keeps its own keys in DIR/identity.',
      );
    }
    return undefined;
  }
  if (folder === undefined) {
    throw new EnclaveError(
      'invalid_input',
      'With --database-url give --identity-keys-dir DIR (or ENCLAVE_IDENTITY_KEYS_DIR): on PostgreSQL the platform never makes keys, so that every instance has the same ones. Make the folder once with `enclave platform keys create --identity-keys-dir DIR` and give every instance (and the host commands) the same copy.',
    );
  }
  return folder;
}

/** parseArgs options for the flags above. */
export const DATABASE_FLAG_OPTIONS = {
  'database-url': { type: 'string' },
  'database-password-file': { type: 'string' },
  'ca-file': { type: 'string' },
} as const;

/** The password file's first line; refused when anyone else may read it, or it is empty. */
async function readPasswordFile(file: string): Promise<string> {
  const info = await stat(file).catch(() => {
    throw new EnclaveError('invalid_input', `The database password file ${file} cannot be read.`);
  });
  if (!info.isFile()) throw new EnclaveError('invalid_input', `The database password file ${file} is not a file.`);
  if ((info.mode & 0o077) !== 0) {
    throw new EnclaveError(
      'invalid_input',
      `The database password file ${file} can be read by other users. Run \`chmod 600 ${file}\` and start again.`,
    );
  }
  const [password = ''] = (await readFile(file, 'utf8')).split(/\r?\n/);
  if (password === '') throw new EnclaveError('invalid_input', `The database password file ${file} is empty.`);
  return password;
}

/** The database the flags (or the environment) name, or undefined for none; invalid_input for anything unusable. */
export async function databaseChoice(flags: DatabaseFlags, env: NodeJS.ProcessEnv): Promise<DatabaseChoice | undefined> {
  const url = flags['database-url'] ?? env.ENCLAVE_DATABASE_URL;
  const passwordFile = flags['database-password-file'] ?? env.ENCLAVE_DATABASE_PASSWORD_FILE;
  if (url === undefined || url === '') {
    if (passwordFile !== undefined || flags['ca-file'] !== undefined) {
      throw new EnclaveError('invalid_input', '--database-password-file and --ca-file go with --database-url.');
    }
    return undefined;
  }
  // Checked here, before anything connects: the URL's own rules (sslmode, host, user) and no password in it.
  const address = parseDatabaseUrl(url);
  if (address.password !== undefined) {
    throw new EnclaveError(
      'invalid_input',
      'The database URL holds a password, and other users of this computer can read a process’s arguments and environment. Put the password in a file only you can read and give it with --database-password-file.',
    );
  }
  return {
    url,
    ...(passwordFile === undefined ? {} : { password: await readPasswordFile(passwordFile) }),
    ...(flags['ca-file'] === undefined ? {} : { caFile: flags['ca-file'] }),
  };
}

/**
 * The operator's commands on the platform's host (user add, the incident commands, drives, query, audit verify) take
 * the database as serve does, without --ca-file: the command line's one trust setting (enclave.ts) covers the database.
 */
export const HOST_DATABASE_FLAG_OPTIONS = {
  'database-url': { type: 'string' },
  'database-password-file': { type: 'string' },
  ...KEYS_FLAG_OPTIONS,
} as const;

/** The flags on a host command's usage line. */
export const HOST_DATABASE_FLAGS =
  '[--database-url postgres://APP@HOST:PORT/DATABASE --database-password-file FILE --identity-keys-dir DIR]';

export const HOST_DATABASE_USAGE = `  The platform's records are DIR/metadata.sqlite unless --database-url (or ENCLAVE_DATABASE_URL) names the PostgreSQL
  database serve runs on; then they are there, and a metadata.sqlite in DIR is not used. Give it as serve is given it:
  as the app role, with its password in --database-password-file FILE (or ENCLAVE_DATABASE_PASSWORD_FILE, mode 0600),
  never in the URL. The store is opened as serve opens it: no schema change, refused while a migration is pending or
  as a role that could rewrite the audit log. --identity-keys-dir (or ENCLAVE_IDENTITY_KEYS_DIR) is the keys folder
  serve is given: its audit key seals the command's events. DIR stays the folder serve runs on (the audit anchor).`;

/** The database a host command acts on, opened as `serve` opens it (the app role), or undefined for DIR's SQLite file. */
export async function hostDatabaseChoice(
  flags: DatabaseFlags,
  env: NodeJS.ProcessEnv,
): Promise<(DatabaseChoice & { readonly role: 'app'; readonly identityKeysDir: string }) | undefined> {
  const choice = await databaseChoice(
    { 'database-url': flags['database-url'], 'database-password-file': flags['database-password-file'] },
    env,
  );
  const identityKeysDir = identityKeysDirFor(choice !== undefined, flags['identity-keys-dir'], env);
  return choice === undefined || identityKeysDir === undefined ? undefined : { ...choice, role: 'app', identityKeysDir };
}
