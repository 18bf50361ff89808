// `enclave enrol CODE`: the first step on the platform for someone it does not know yet. They sign in at the identity
// provider (`enclave login`), then spend the one-time code their administrator sent them out of band: the platform binds
// their identity to the person it was issued for, once.
import { parseArgs } from 'node:util';
import { EnrolSchema } from '../common/people.ts';
import type { AccountIo } from './account.ts';
import { printable, roleWords, runSignedIn } from './signed-in-command.ts';

const USAGE = `Usage: enclave enrol CODE [--platform URL]
  Joins the platform as the person your administrator registered, with the one-time code they sent you (20 letters and
  digits; dashes and spaces are ignored). Sign in with \`enclave login\` first. The platform URL may also come from
  ENCLAVE_PLATFORM_URL. Exit 0: enrolled. Exit 2: bad input (nothing sent), or you are enrolled already. Exit 1: the
  platform refused the code (unknown, used or expired: ask your administrator for a new one), or it failed.
`;

export async function runEnrol(argv: string[], io: AccountIo): Promise<number> {
  let code: string;
  let platform: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { platform: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new Error('Give the enrolment code your administrator sent you, once.');
    const parsed = EnrolSchema.safeParse({ code: positionals[0] });
    if (!parsed.success) throw new Error(`The code ${parsed.error.issues[0]?.message ?? 'is not valid'}.`);
    code = parsed.data.code;
    platform = values.platform;
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  return runSignedIn({
    command: 'enrol',
    platform,
    io,
    work: async ({ client, token, say }) => {
      const user = await client.call('enrol', { body: { code } }, { token });
      const roles = roleWords(user.roles ?? [user.role]);
      say(`Enrolled as ${printable(user.displayName)} (${printable(user.id)}, ${roles}).`);
      return 0;
    },
  });
}
