// `enclave platform user add --data-dir DIR --subject SUB --role ROLE [--issuer URL] [--id ID] [--name NAME]
// [--database-url URL --database-password-file FILE]`: adds a person to the platform from its host, as its OS user,
// bound to the identity SUB at the issuer (the external one `serve --oidc-issuer` trusts, or the embedded provider): how
// a production platform gets its first administrator, since it never loads the demo's people. Opens only the records (a
// new data folder gets a store holding the catalogue's datasets and nobody else; a PostgreSQL store, which `platform
// migrate` made and seeded, is opened as serve opens it), refuses an id or an identity that is taken, and records the
// addition in the audit log as the operator's action (`user.added`).
//
// The subject and issuer are recorded in the event: an opaque account identifier, not a credential, and which
// identity may sign in as an administrator is exactly what an investigator needs to read later.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { IdSchema, RoleSchema } from '../common/contract.ts';
import { EnclaveError } from '../common/errors.ts';
import { isHttpsOrLoopbackHttp } from '../common/loopback.ts';
import { EMBEDDED_ISSUER } from '../platform/store/metadata-store.ts';
import type { PlatformDatabaseOptions } from '../platform/platform-core.ts';
import type { CliIo } from './cli-io.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, HOST_DATABASE_USAGE, type DatabaseFlags } from './database-options.ts';
import { flagProblem, hostDatabaseOf, isControlCharacter, openHostRecords, operatorName, printable, UsageProblem } from './host-records.ts';

const ROLES = RoleSchema.options;

const USAGE = `Usage: enclave platform user add --data-dir DIR --subject SUB --role ${ROLES.join('|')} [--issuer URL] [--id ID] [--name NAME]
    ${HOST_DATABASE_FLAGS}
  Adds a person to the platform, signing in as SUB (the identity provider's \`sub\` for them) at the issuer URL,
  written exactly as \`enclave platform serve --oidc-issuer\` is given it (without --issuer: the embedded provider).
  Their id defaults to SUB in lower case with anything but letters, digits, "-" and "_" made "-"; their name to SUB.
  How a production platform gets its first administrator. Run on the platform's host as its OS user; a data folder
  with no records yet gets them, without the demo's people. Recorded in the audit log as the operator's action.
${HOST_DATABASE_USAGE}
  Exit 0: added. Exit 2: bad input, or the id or the identity is taken (nothing changed). Exit 1: the records failed.
`;

/** Words without control characters, trimmed, within a length. */
const Plain = (max: number, what: string) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((text) => text.trim() === text && text !== '', `must be ${what}, with no space at either end`)
    .refine((text) => ![...text].some(isControlCharacter), 'must not hold control characters');

const PersonSchema = z
  .object({
    id: IdSchema,
    displayName: Plain(200, 'a name'),
    // OpenID Connect Core 1.0, 2: a `sub` is at most 255 ASCII characters.
    subject: Plain(255, 'the identity provider’s sub').refine((text) => /^[\u0020-\u007e]+$/.test(text), 'must be ASCII characters'),
    role: z.enum(RoleSchema.options, { error: `must be one of ${ROLES.join(', ')}` }),
    issuer: z
      .string()
      .refine((text) => {
        const url = URL.parse(text);
        return url !== null && isHttpsOrLoopbackHttp(url) && url.search === '' && url.hash === '';
      }, "must be the issuer's https URL (http only on this machine), without query or fragment, as serve --oidc-issuer is given it")
      .optional(),
  })
  .strict();

/** The platform id a subject gives when no --id is: lower case, anything but [a-z0-9_-] made "-", at most 64. */
export function idFromSubject(subject: string): string {
  return subject
    .toLowerCase()
    .replaceAll(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 64);
}

interface AddArgs {
  dataDir: string;
  person: z.infer<typeof PersonSchema>;
  databaseFlags: DatabaseFlags;
}

function parseAddArgs(argv: string[]): AddArgs | 'help' {
  let values: Partial<
    Record<
      'data-dir' | 'id' | 'name' | 'subject' | 'issuer' | 'role' | 'database-url' | 'database-password-file' | 'identity-keys-dir',
      string
    >
  > & { help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        id: { type: 'string' },
        name: { type: 'string' },
        subject: { type: 'string' },
        issuer: { type: 'string' },
        role: { type: 'string' },
        ...HOST_DATABASE_FLAG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageProblem((err as Error).message);
  }
  if (values.help === true) return 'help';
  for (const flag of ['data-dir', 'subject', 'role'] as const) {
    if (values[flag] === undefined || values[flag] === '') throw new UsageProblem(`--${flag} is required.`);
  }
  const parsed = PersonSchema.safeParse({
    id: values.id ?? idFromSubject(values.subject ?? ''),
    displayName: values.name ?? values.subject,
    subject: values.subject,
    role: values.role,
    ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
  });
  if (!parsed.success) {
    throw new UsageProblem(
      flagProblem(parsed.error, { id: '--id', displayName: '--name', subject: '--subject', issuer: '--issuer', role: '--role' }),
    );
  }
  return {
    dataDir: values['data-dir'] ?? '',
    person: parsed.data,
    databaseFlags: {
      'database-url': values['database-url'],
      'database-password-file': values['database-password-file'],
      'identity-keys-dir': values['identity-keys-dir'],
    },
  };
}

async function addPerson(argv: string[], io: CliIo): Promise<number> {
  const args = parseAddArgs(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const { person } = args;
  const issuer = person.issuer ?? EMBEDDED_ISSUER;
  const operator = operatorName();
  const database: PlatformDatabaseOptions | undefined = await hostDatabaseOf(args.databaseFlags);
  const records = await openHostRecords({
    dataDir: args.dataDir,
    create: true,
    ...(database === undefined ? {} : { database }),
    note: (message) => io.stderr.write(`enclave platform user add: ${message}\n`),
  });
  try {
    const { store, audit } = records;
    if ((await store.getUser(person.id)) !== undefined) {
      throw new UsageProblem(`There is a person with the id ${person.id} on this platform already: nothing was changed.`, false);
    }
    const bound = await store.findUserBySubject(person.subject, issuer);
    if (bound !== undefined) {
      throw new UsageProblem(
        `The subject ${printable(person.subject)} at ${printable(issuer)} signs in as ${bound.id} already: nothing was changed.`,
        false,
      );
    }
    const added = await store.addUser({ ...person, issuer, createdBy: `operator:${operator}` }).catch((err: unknown) => {
      // Taken between the checks above and the insert (another command at the same moment).
      if (err instanceof EnclaveError && err.code === 'invalid_input') throw new UsageProblem(err.message, false);
      throw err;
    });
    const event = await audit.append({
      type: 'user.added',
      actor: null,
      outcome: 'success',
      details: { operator, via: 'host', userId: added.id, role: added.role, subject: person.subject, issuer },
    });
    const everyone = await store.listUsers();
    io.stdout.write(
      [
        `Added ${printable(added.displayName)} (${added.id}) as ${added.role}, signing in as the subject ${printable(person.subject)} at ${issuer === EMBEDDED_ISSUER ? 'the embedded identity provider' : printable(issuer)}.`,
        `Recorded in the audit log as event ${event.seq}. The platform knows ${everyone.length} ${everyone.length === 1 ? 'person' : 'people'}.`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await records.close();
  }
}

export async function runPlatformUser(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (command !== 'add') {
    io.stderr.write(`enclave platform user: unknown command "${command ?? ''}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await addPerson(rest, io);
  } catch (err) {
    if (err instanceof UsageProblem) {
      io.stderr.write(`enclave platform user add: ${err.message}\n${err.showUsage ? `\n${USAGE}` : ''}`);
      return 2;
    }
    const why = err instanceof EnclaveError ? err.message : `the platform’s records could not be used: ${(err as Error).message}`;
    io.stderr.write(`enclave platform user add: ${why}\n`);
    return 1;
  }
}
