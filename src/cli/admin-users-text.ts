// What `enclave admin users …` prints, from the platform's answers. Everything in them that people typed (names, reasons,
// organisations) goes through printable(): another administrator may have typed an escape sequence.
import {
  ENROLMENT_CODE_ALPHABET,
  type PeopleOverview,
  type PendingChange,
  type Person,
  type PersonChangeResult,
  type PersonDetail,
  type RegisteredPerson,
} from '../common/people.ts';
import { printable, roleWords } from './signed-in-command.ts';

/** History events `show` prints, newest first. */
export const HISTORY_SHOWN = 20;

const NONE = '—';
const text = (value: string | null | undefined): string =>
  value === null || value === undefined || value === '' ? NONE : printable(value);
const ids = (values: readonly string[]): string => values.map(printable).join(',');

const ENROLMENT_CODE = new RegExp(`^[${ENROLMENT_CODE_ALPHABET}]{20}$`);

/** The code in four groups of five, as people read it out (`enclave enrol` ignores the dashes). */
function grouped(code: string): string {
  return ENROLMENT_CODE.test(code) ? (code.match(/.{5}/g) ?? [code]).join('-') : printable(code);
}

const OUT_OF_BAND =
  'It is shown this once and never stored. Send it to them out of band (by phone or in person, not with the address of ' +
  'the platform): they enter it when they first sign in, or run `enclave enrol CODE` after `enclave login`.';

const who = (person: Person): string => `${printable(person.displayName)} (${printable(person.id)}, ${roleWords(person.roles)})`;

function pendingLine(change: PendingChange): string {
  return [
    printable(change.id),
    `grant ${change.role} to ${printable(change.userId)}`,
    `asked by ${printable(change.requestedBy)} at ${printable(change.requestedAt)}`,
    printable(change.reason),
  ].join('\t');
}

/** `list`: one tab-separated line a person, then the changes waiting for a second administrator. */
export function overviewLines(overview: PeopleOverview): string[] {
  const lines = ['ID\tNAME\tROLES\tSTATUS\tLAST SIGN-IN'];
  for (const person of overview.people) {
    lines.push(
      [printable(person.id), printable(person.displayName), ids(person.roles), person.status, person.lastSignInAt ?? 'never'].join('\t'),
    );
  }
  if (overview.pending.length > 0) {
    lines.push('', 'Waiting for a second administrator (enclave admin users approve|refuse CHANGE --reason TEXT):');
    lines.push('CHANGE\tWHAT\tASKED\tREASON', ...overview.pending.map(pendingLine));
  }
  return lines;
}

/** `show`: the record, changes waiting, and the latest history. */
export function detailLines(detail: PersonDetail): string[] {
  const { person } = detail;
  const verification = person.verification;
  const lines = [
    `${printable(person.displayName)} (${printable(person.id)})`,
    `  Status:         ${person.status}`,
    `  Roles:          ${ids(person.roles)}`,
    `  Email:          ${text(person.email)}`,
    `  Organisation:   ${text(person.organisation)}`,
    `  Verification:   ${
      verification === null
        ? 'not recorded'
        : `${printable(verification.method)}${verification.by === null ? '' : ` (checked by ${printable(verification.by)}${verification.at === null ? '' : ` on ${printable(verification.at)}`})`}`
    }`,
    `  Accreditation:  ${person.accreditation.length === 0 ? NONE : person.accreditation.map(printable).join('; ')}`,
    `  Identity:       ${person.bound ? `bound, at ${text(person.issuer)}` : 'not bound yet (invited: waiting for them to enrol)'}`,
    `  Registered:     ${text(person.createdAt)}${person.createdBy === null ? '' : ` by ${printable(person.createdBy)}`}`,
    `  Last sign-in:   ${text(person.lastSignInAt ?? 'never')}`,
  ];
  if (detail.pending.length > 0) {
    lines.push('Waiting for a second administrator:', ...detail.pending.map((change) => `  ${pendingLine(change)}`));
  }
  if (detail.history.length === 0) {
    lines.push('History: nothing recorded.');
    return lines;
  }
  const shown = detail.history.slice(0, HISTORY_SHOWN);
  lines.push(
    `History (${shown.length < detail.history.length ? `latest ${shown.length} of ${detail.history.length}` : 'all'}, newest first):`,
  );
  for (const event of shown) {
    const outcome = event.outcome === 'failure' ? '\t(failed)' : '';
    lines.push(`  ${printable(event.occurredAt)}\t${printable(event.type)}\tby ${text(event.actor)}${outcome}`);
  }
  return lines;
}

/** A fresh enrolment code: printed once, with its expiry and how to hand it over. */
export function codeLines(issued: { code: string; expiresAt: string }, options: { fresh: boolean }): string[] {
  return [
    `Enrolment code: ${grouped(issued.code)} (expires ${printable(issued.expiresAt)}).${options.fresh ? ' The earlier code no longer works.' : ''}`,
    OUT_OF_BAND,
  ];
}

/** `add`: the person registered, and their enrolment code unless they were bound at once. */
export function registeredLines(registered: RegisteredPerson): string[] {
  const { person, enrolment } = registered;
  if (enrolment === null) {
    return [`Registered ${who(person)}: bound at once to their identity at ${text(person.issuer)}; they can sign in now.`];
  }
  return [`Registered ${who(person)}: invited, until they enrol.`, ...codeLines(enrolment, { fresh: false })];
}

/** grant, revoke, disable, enable, approve, refuse: what the platform says it did, and what waits for a second administrator. */
export function changeLines(result: PersonChangeResult): string[] {
  const lines = [printable(result.summary)];
  const { pending, person } = result;
  if (pending?.status === 'pending') {
    lines.push(
      `Change ${printable(pending.id)}: a second administrator must approve it: ` +
        `enclave admin users approve ${printable(pending.id)} --reason TEXT (or refuse it).`,
    );
  }
  lines.push(`${who(person)}: ${person.status}.`);
  return lines;
}
