// `enclave admin users list | show | add | grant | revoke | disable | enable | enrolment-code | approve | refuse`: people,
// as the administrator signed in with `enclave login`. The platform decides and records every change (nobody changes
// their own roles or status; granting admin once there are two administrators waits for a second one, who is never the
// one who asked); this command checks its input before sending anything, and prints what the platform answered.
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { DecideChangeSchema, RegisterPersonSchema, RoleChangeSchema, ROLES, StatusChangeSchema } from '../common/people.ts';
import { PLATFORM_API } from '../common/platform-api.ts';
import type { AccountIo } from './account.ts';
import { changeLines, codeLines, detailLines, overviewLines, registeredLines } from './admin-users-text.ts';
import { flagProblem } from './host-records.ts';
import { CommandLineProblem, printable, runSignedIn, type SignedIn } from './signed-in-command.ts';

export const ADMIN_USERS_USAGE = `Usage (as an administrator signed in with \`enclave login\`; add --platform URL, or set ENCLAVE_PLATFORM_URL):
  enclave admin users list                       everybody: id, name, roles, status, last sign-in; changes waiting
  enclave admin users show ID                    one person: their record and their latest history
  enclave admin users add --id ID --name NAME --role ROLE [--role ROLE…] --verification TEXT
      [--email E] [--organisation O] [--accreditation REF…] [--subject SUB]
                                                 register a person; prints their one-time enrolment code, once
                                                 (--subject: bound to that identity at once, no code)
  enclave admin users grant ID --role ROLE --reason TEXT
  enclave admin users revoke ID --role ROLE --reason TEXT
                                                 give or take one role (granting admin may wait for a second administrator)
  enclave admin users disable ID --reason TEXT   someone who left: their sign-ins end at once, their history stays
  enclave admin users enable ID --reason TEXT
  enclave admin users enrolment-code ID          a new code for someone invited (the earlier code stops working)
  enclave admin users approve CHANGE --reason TEXT
  enclave admin users refuse CHANGE --reason TEXT
                                                 decide a change another administrator asked for (CHANGE: chg-…)
  --verification says how their identity was checked ("Passport seen in person"). Roles: ${ROLES.join(', ')}.
  Exit 0: done. Exit 2: bad input (nothing sent), or the platform found it invalid. Exit 1: the platform refused
  (not an administrator, your own roles, your own change, …) or failed.
`;

const OPTIONS = {
  platform: { type: 'string' },
  id: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string', multiple: true },
  verification: { type: 'string' },
  email: { type: 'string' },
  organisation: { type: 'string' },
  accreditation: { type: 'string', multiple: true },
  subject: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
type Flag = Exclude<keyof typeof OPTIONS, 'platform' | 'help'>;
type Values = { [K in Flag]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string };

/** Each command's positional argument (none, a person's id, or a change's id) and the flags it takes. */
const COMMANDS = {
  list: { target: null, flags: [] },
  show: { target: 'ID', flags: [] },
  add: { target: null, flags: ['id', 'name', 'role', 'verification', 'email', 'organisation', 'accreditation', 'subject'] },
  grant: { target: 'ID', flags: ['role', 'reason'] },
  revoke: { target: 'ID', flags: ['role', 'reason'] },
  disable: { target: 'ID', flags: ['reason'] },
  enable: { target: 'ID', flags: ['reason'] },
  'enrolment-code': { target: 'ID', flags: [] },
  approve: { target: 'CHANGE', flags: ['reason'] },
  refuse: { target: 'CHANGE', flags: ['reason'] },
} as const satisfies Record<string, { target: 'ID' | 'CHANGE' | null; flags: readonly Flag[] }>;
type Command = keyof typeof COMMANDS;

const isCommand = (word: string | undefined): word is Command => word !== undefined && Object.hasOwn(COMMANDS, word);

/** What a command sends, checked: run as the signed-in administrator. */
type Work = (session: SignedIn) => Promise<number>;

function check<T>(schema: z.ZodType<T>, input: unknown, flagOf: Record<string, string>): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new CommandLineProblem(flagProblem(parsed.error, flagOf));
  return parsed.data;
}

/** A path's id, checked by the route's own schema; its description says what it must be. */
function pathId(schema: z.ZodType<string>, value: string, name: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CommandLineProblem(`${name} ${schema.description ?? 'is not valid.'}`);
  return parsed.data;
}

const userIdOf = (target: string) => pathId(PLATFORM_API['admin.users.get'].params.shape.userId, target, 'ID');
const changeIdOf = (target: string) => pathId(PLATFORM_API['admin.changes.decide'].params.shape.changeId, target, 'CHANGE');

function checkRoles(roles: readonly string[]): void {
  const unknown = roles.find((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown !== undefined) throw new CommandLineProblem(`--role ${printable(unknown)} is not a role: give one of ${ROLES.join(', ')}.`);
}

/** The one value of a flag given at most once by the command's rules (--role to grant or revoke). */
function single(values: Values, flag: 'role'): string | undefined {
  const given = values[flag];
  if (given !== undefined && given.length > 1) throw new CommandLineProblem(`Give --${flag} once.`);
  return given?.[0];
}

function registration(values: Values) {
  const input = {
    id: values.id,
    displayName: values.name,
    email: values.email ?? null,
    organisation: values.organisation ?? null,
    roles: values.role ?? [],
    verification: values.verification,
    accreditation: values.accreditation ?? [],
    ...(values.subject === undefined ? {} : { subject: values.subject }),
  };
  for (const [flag, value] of [
    ['--id', input.id],
    ['--name', input.displayName],
    ['--verification', input.verification],
  ] as const) {
    if (value === undefined) throw new CommandLineProblem(`Give ${flag}.`);
  }
  checkRoles(input.roles);
  const flagOf = {
    id: '--id',
    displayName: '--name',
    email: '--email',
    organisation: '--organisation',
    roles: '--role',
    verification: '--verification',
    accreditation: '--accreditation',
    subject: '--subject',
  };
  return check(RegisterPersonSchema, input, flagOf);
}

/** Checks the command line and says what to send; throws CommandLineProblem, having sent nothing. */
function plan(command: Command, target: string | undefined, values: Values): Work {
  // The flag each field of a change comes from (status and approve come from the command itself, never wrong).
  const changeFlags = { reason: '--reason', role: '--role' };
  switch (command) {
    case 'list':
      return async ({ client, token, say }) => {
        for (const line of overviewLines(await client.call('admin.users.list', {}, { token }))) say(line);
        return 0;
      };
    case 'show': {
      const userId = userIdOf(target!);
      return async ({ client, token, say }) => {
        for (const line of detailLines(await client.call('admin.users.get', { params: { userId } }, { token }))) say(line);
        return 0;
      };
    }
    case 'add': {
      const body = registration(values);
      return async ({ client, token, say }) => {
        for (const line of registeredLines(await client.call('admin.users.add', { body }, { token }))) say(line);
        return 0;
      };
    }
    case 'grant':
    case 'revoke': {
      const userId = userIdOf(target!);
      const role = single(values, 'role');
      if (role === undefined) throw new CommandLineProblem('Give the role with --role ROLE.');
      checkRoles([role]);
      const body = check(RoleChangeSchema, { role, reason: values.reason ?? '' }, changeFlags);
      const route = command === 'grant' ? 'admin.users.grant' : 'admin.users.revoke';
      return async ({ client, token, say }) => {
        for (const line of changeLines(await client.call(route, { params: { userId }, body }, { token }))) say(line);
        return 0;
      };
    }
    case 'disable':
    case 'enable': {
      const userId = userIdOf(target!);
      const status = command === 'disable' ? 'disabled' : 'active';
      const body = check(StatusChangeSchema, { status, reason: values.reason ?? '' }, changeFlags);
      return async ({ client, token, say }) => {
        for (const line of changeLines(await client.call('admin.users.status', { params: { userId }, body }, { token }))) say(line);
        return 0;
      };
    }
    case 'enrolment-code': {
      const userId = userIdOf(target!);
      return async ({ client, token, say }) => {
        const issued = await client.call('admin.users.enrolment-code', { params: { userId } }, { token });
        for (const line of codeLines(issued, { fresh: true })) say(line);
        return 0;
      };
    }
    case 'approve':
    case 'refuse': {
      const changeId = changeIdOf(target!);
      const body = check(DecideChangeSchema, { approve: command === 'approve', reason: values.reason ?? '' }, changeFlags);
      return async ({ client, token, say }) => {
        for (const line of changeLines(await client.call('admin.changes.decide', { params: { changeId }, body }, { token }))) say(line);
        return 0;
      };
    }
  }
}

/** `argv`: what follows `enclave admin users`. */
export async function runAdminUsers(argv: string[], io: AccountIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(ADMIN_USERS_USAGE);
    return command === undefined ? 2 : 0;
  }
  let work: Work;
  let platform: string | undefined;
  try {
    if (!isCommand(command)) throw new CommandLineProblem(`There is no command \`enclave admin users ${printable(command)}\`.`);
    const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
    const spec = COMMANDS[command];
    const allowed: readonly Flag[] = spec.flags;
    const stray = (Object.keys(values) as (keyof typeof values)[]).find(
      (flag) => flag !== 'platform' && flag !== 'help' && !allowed.includes(flag),
    );
    if (stray !== undefined) throw new CommandLineProblem(`\`enclave admin users ${command}\` takes no --${stray}.`);
    if (values.help) {
      io.stdout.write(ADMIN_USERS_USAGE);
      return 0;
    }
    const wanted = spec.target === null ? 0 : 1;
    if (positionals.length !== wanted) {
      throw new CommandLineProblem(
        spec.target === null
          ? `\`enclave admin users ${command}\` takes no ${positionals.length === 1 ? 'argument' : 'arguments'} besides its flags.`
          : `Give \`enclave admin users ${command}\` one ${spec.target === 'ID' ? "person's id" : "change's id (chg-…)"}.`,
      );
    }
    work = plan(command, positionals[0], values);
    platform = values.platform;
  } catch (err) {
    // parseArgs's own errors (an unknown flag, a flag without its value) are bad input too.
    io.stderr.write(`${printable((err as Error).message)}\n${ADMIN_USERS_USAGE}`);
    return 2;
  }
  return runSignedIn({ command: `admin users ${command}`, platform, io, work });
}
