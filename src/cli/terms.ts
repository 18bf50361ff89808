// `enclave terms show | accept`: the platform's terms of use, as the person signed in with `enclave login`. `show` prints
// each current set (everyone's, and each role's the person holds) with its version, the date it is in force from, what
// changed, its sha256 and whether it must be accepted; `accept` accepts what `show` printed: the version and sha256
// given are sent as they are, and the platform refuses them if the terms changed since (nothing is accepted unseen).
import { parseArgs } from 'node:util';
import { TermsAudienceSchema, type MyTerms, type TermsAudience } from '../common/terms.ts';
import type { AccountIo } from './account.ts';
import { CommandLineProblem, printable, runSignedIn } from './signed-in-command.ts';

export const TERMS_USAGE = `Usage (signed in with \`enclave login\`; add --platform URL, or set ENCLAVE_PLATFORM_URL):
  enclave terms show                             the terms of use in force for you (everyone's, and your roles'), each
                                                 with its version, sha256 and whether you must accept it
  enclave terms accept --version N --sha256 HEX [--audience A]
                                                 accept the terms \`show\` printed (A: everyone, or a role; needed only
                                                 when the version and sha256 could be more than one set's)
  The platform serves nothing else until you have accepted the current terms. Exit 0: done. Exit 2: bad input
  (nothing sent), or the terms changed since they were shown (run \`show\` again). Exit 1: the platform refused or failed.
`;

const OPTIONS = {
  platform: { type: 'string' },
  audience: { type: 'string' },
  version: { type: 'string' },
  sha256: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const RULE = '-'.repeat(72);

/** "everyone who uses the platform", "analysts". */
function audienceWords(audience: TermsAudience): string {
  return audience === 'everyone' ? 'everyone who uses the platform' : `${audience.replaceAll('_', ' ')}s`;
}

/** What `show` prints for one set of terms. The text is someone else's: each line made printable, and indented. */
export function termsLines(terms: MyTerms): string[] {
  const { current } = terms;
  const standing = terms.mustAccept
    ? [
        `You must accept this version before using the platform (${terms.acceptedVersion === null ? 'you have not accepted any version' : `you accepted version ${terms.acceptedVersion}`}).`,
        `  To accept it: enclave terms accept --audience ${current.audience} --version ${current.version} --sha256 ${current.sha256}`,
      ]
    : [
        terms.acceptedVersion === current.version
          ? `You accepted this version.`
          : `You accepted version ${terms.acceptedVersion ?? '?'}; this version does not need accepting again.`,
      ];
  const text = current.text.replaceAll('\r\n', '\n').split('\n');
  return [
    `Terms of use for ${audienceWords(current.audience)} (${current.audience}): version ${current.version}, in force from ${current.effectiveAt}`,
    `What changed: ${printable(current.summary)}`,
    `Published ${current.publishedAt} by ${printable(current.author)}; sha256 ${current.sha256}`,
    ...standing,
    RULE,
    ...text.map((line) => (line === '' ? '' : `  ${printable(line)}`)),
    RULE,
  ];
}

interface Acceptance {
  version: number;
  sha256: string;
  audience: TermsAudience | null;
}

function readAcceptance(values: { version?: string; sha256?: string; audience?: string }): Acceptance {
  if (values.version === undefined || values.sha256 === undefined)
    throw new CommandLineProblem('Give the --version and --sha256 that `enclave terms show` printed for the terms you accept.');
  if (!/^[1-9]\d{0,8}$/.test(values.version)) throw new CommandLineProblem('--version must be a version number, as `show` printed it.');
  const sha256 = values.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new CommandLineProblem('--sha256 must be the 64 hex digits `show` printed.');
  let audience: TermsAudience | null = null;
  if (values.audience !== undefined) {
    const parsed = TermsAudienceSchema.safeParse(values.audience);
    if (!parsed.success) throw new CommandLineProblem(`--audience ${printable(values.audience)} is not everyone or a role.`);
    audience = parsed.data;
  }
  return { version: Number(values.version), sha256, audience };
}

export async function runTerms(argv: string[], io: AccountIo): Promise<number> {
  const [command, ...rest] = argv;
  let values: { platform?: string; audience?: string; version?: string; sha256?: string; help?: boolean };
  let acceptance: Acceptance | null = null;
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false, strict: true }));
    if (command === undefined || command === '--help' || command === '-h' || values.help) {
      io.stdout.write(TERMS_USAGE);
      return 0;
    }
    if (command === 'show') {
      const extra = (['audience', 'version', 'sha256'] as const).find((flag) => values[flag] !== undefined);
      if (extra !== undefined) throw new CommandLineProblem(`\`enclave terms show\` takes no --${extra}.`);
    } else if (command === 'accept') {
      acceptance = readAcceptance(values);
    } else {
      throw new CommandLineProblem(`There is no command \`enclave terms ${printable(command)}\`.`);
    }
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${TERMS_USAGE}`);
    return 2;
  }
  return runSignedIn({
    command: `terms ${command}`,
    platform: values.platform,
    io,
    work: async ({ client, token, say }) => {
      const mine = await client.call('terms.mine', {}, { token });
      if (acceptance === null) {
        if (mine.length === 0) say('No terms of use are in force for you.');
        for (const [index, terms] of mine.entries()) {
          if (index > 0) say('');
          for (const line of termsLines(terms)) say(line);
        }
        return 0;
      }
      const { version, sha256, audience } = acceptance;
      // The set these were printed for: by audience if given, else the one whose version and sha256 they are.
      const candidates = mine.filter((terms) =>
        audience === null ? terms.current.sha256 === sha256 : terms.current.audience === audience,
      );
      const target = candidates.length === 1 ? (candidates[0]?.current.audience ?? null) : audience;
      if (target === null) {
        const why =
          candidates.length > 1
            ? 'More than one set of terms in force for you has this text: say which with --audience.'
            : 'No terms in force for you have this sha256: they may have changed since they were shown. Run `enclave terms show` and read them again.';
        io.stderr.write(`enclave terms accept: ${why}\n`);
        return 2;
      }
      // Sent as given: the platform refuses a version or text that is no longer current.
      const after = await client.call('terms.accept', { body: { audience: target, version, sha256 } }, { token });
      say(`Accepted the terms of use for ${audienceWords(target)}, version ${version} (sha256 ${sha256}).`);
      const still = after.filter((terms) => terms.mustAccept);
      if (still.length === 0) say('You have accepted every set of terms in force for you.');
      for (const terms of still) say(`Still to accept: the terms for ${audienceWords(terms.current.audience)} (\`enclave terms show\`).`);
      return 0;
    },
  });
}
