// What the commands run as the signed-in person share (`enclave admin users …`, `enclave enrol`): the connection and
// the stored sign-in of `enclave login` (account.ts), the platform's refusals reported the way account.ts reports them
// (exit 2 for invalid input, 1 otherwise), and text from the platform made safe for the terminal: names, reasons and
// messages were typed by other people.
import { EnclaveError } from '../common/errors.ts';
import { ROLE_LABELS, type Role } from '../common/people.ts';
import type { PlatformClient } from '../workstation/platform-client.ts';
import { KeychainUnavailable } from '../workstation/tokens/token-store.ts';
import { connect, renewStoredSignIn, type AccountIo } from './account.ts';
import { printable } from './host-records.ts';

export { printable };

/** Bad input found before anything is sent: the command prints why (and its usage) and exits 2. */
export class CommandLineProblem extends Error {}

export interface SignedIn {
  readonly client: PlatformClient;
  /** A fresh access token of the stored sign-in. */
  readonly token: string;
  readonly say: (text: string) => void;
}

/** Roles as people read them: "administrator, analyst". */
export function roleWords(roles: readonly Role[]): string {
  return roles.map((role) => ROLE_LABELS[role].toLowerCase()).join(', ');
}

/**
 * Runs `work` as the person signed in with `enclave login`. What the platform refuses is its own message (made
 * printable), exit 2 when it was invalid input and 1 otherwise, as `enclave whoami` does.
 */
export async function runSignedIn(options: {
  command: string;
  platform: string | undefined;
  io: AccountIo;
  work: (session: SignedIn) => Promise<number>;
}): Promise<number> {
  const { command, io } = options;
  try {
    const context = await connect(io, options.platform);
    const { token } = await renewStoredSignIn(context);
    return await options.work({ client: context.client, token, say: (text) => io.stdout.write(`${text}\n`) });
  } catch (err) {
    if (err instanceof KeychainUnavailable) {
      io.stderr.write(
        `enclave ${command}: the OS keychain cannot be used (${printable(err.message)}), and Enclave keeps sign-ins nowhere else.\n`,
      );
      return 1;
    }
    const message = err instanceof EnclaveError ? err.message : `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
    io.stderr.write(`enclave ${command}: ${printable(message)}\n`);
    return err instanceof EnclaveError && err.code === 'invalid_input' ? 2 : 1;
  }
}
