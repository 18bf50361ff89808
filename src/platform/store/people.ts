// The people the platform knows: their records, enrolment codes (only a hash, used once, valid 7 days) and the changes
// that wait for a second administrator. Storage only: the people service (src/platform/people/people-service.ts)
// decides who may change what, and records it in the audit log.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import {
  ENROLMENT_CODE_ALPHABET,
  ENROLMENT_CODE_DAYS,
  orderedRoles,
  RoleSchema,
  type PendingChange,
  type Role,
} from '../../common/people.ts';
import { compareByName } from './name-order.ts';
import type { MetadataDatabase, PendingChangesTable, UsersTable } from './schema.ts';

/** A person as stored: the status is the stored one ('suspended' is a restriction in force, which the service adds). */
export interface PersonRecord {
  readonly id: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly organisation: string | null;
  /** In precedence order; never empty. */
  readonly roles: readonly Role[];
  readonly status: 'invited' | 'active' | 'disabled';
  readonly issuer: string | null;
  readonly subject: string | null;
  readonly verification: { readonly method: string; readonly by: string | null; readonly at: string | null } | null;
  readonly accreditation: readonly string[];
  readonly createdAt: string | null;
  readonly createdBy: string | null;
}

export interface NewPerson {
  readonly id: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly organisation: string | null;
  readonly roles: readonly Role[];
  readonly verification: { readonly method: string; readonly by: string; readonly at: string } | null;
  readonly accreditation: readonly string[];
  readonly createdBy: string;
  readonly at: Date;
  /** Bound at once (active) when given; otherwise invited. */
  readonly identity?: { readonly issuer: string; readonly subject: string };
}

export interface PeopleRecords {
  list(): Promise<PersonRecord[]>;
  get(id: string): Promise<PersonRecord | undefined>;
  /** The person bound to this subject at this identity provider. */
  bySubject(issuer: string, subject: string): Promise<PersonRecord | undefined>;
  /** invalid_input when the id, or the identity, is taken: nothing is written then. */
  add(person: NewPerson): Promise<PersonRecord>;
  setRoles(id: string, roles: readonly Role[]): Promise<PersonRecord>;
  setStatus(id: string, status: 'active' | 'disabled'): Promise<PersonRecord>;
  /** Binds an invited person's identity; invalid_input when the identity is someone else's already. */
  bind(id: string, identity: { issuer: string; subject: string }): Promise<PersonRecord>;
  /** A new one-time code for an invited person (an earlier unused one stops working); the code itself is never stored. */
  issueEnrolmentCode(id: string, issued: { by: string; at: Date }): Promise<{ code: string; expiresAt: string }>;
  /**
   * Spends a code: binds the identity to its invited person, once. The same refusal (forbidden) for a code that is
   * unknown, used, expired, or whose person is no longer invited, so a guess learns nothing.
   */
  redeemEnrolmentCode(
    code: string,
    redeemed: {
      issuer: string;
      /** The identity's subject; a function of the person's id where the identity provider is the platform's own. */
      subject: string | ((userId: string) => string);
      at: Date;
      /** The embedded identity provider's password, set in the same transaction (its scrypt hash). */
      passwordHash?: string;
    },
  ): Promise<PersonRecord>;
  requestChange(change: { userId: string; role: Role; reason: string; requestedBy: string; at: Date }): Promise<PendingChange>;
  getChange(id: string): Promise<PendingChange | undefined>;
  /** Pending ones (all people, or one). */
  pendingChanges(userId?: string): Promise<PendingChange[]>;
  /** invalid_input when it was decided already. */
  decideChange(id: string, decision: { approve: boolean; by: string; reason: string; at: Date }): Promise<PendingChange>;
}

const ENROLMENT_CODE_LENGTH = 20;

/** 20 characters from a 32-letter alphabet without look-alikes: 100 bits. */
function newEnrolmentCode(): string {
  let code = '';
  for (let i = 0; i < ENROLMENT_CODE_LENGTH; i++) code += ENROLMENT_CODE_ALPHABET[randomInt(ENROLMENT_CODE_ALPHABET.length)];
  return code;
}

const codeHash = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

function parseList(json: string | null): string[] {
  if (json === null) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function rolesOf(row: Selectable<UsersTable>): Role[] {
  const parsed = parseList(row.roles).flatMap((role) => {
    const known = RoleSchema.safeParse(role);
    return known.success ? [known.data] : [];
  });
  return orderedRoles(parsed.length > 0 ? parsed : [row.role]);
}

export function personOf(row: Selectable<UsersTable>): PersonRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    email: row.email,
    organisation: row.organisation,
    roles: rolesOf(row),
    status: row.status ?? 'active',
    issuer: row.issuer,
    subject: row.subject,
    verification: row.verification_method === null ? null : { method: row.verification_method, by: row.verified_by, at: row.verified_at },
    accreditation: parseList(row.accreditation),
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function changeOf(row: Selectable<PendingChangesTable>): PendingChange {
  return {
    id: row.id,
    kind: row.kind,
    userId: row.user_id,
    role: RoleSchema.parse(row.role),
    reason: row.reason,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
  };
}

/** The columns a person's roles are stored in: the set, and the primary one (which older readers know). */
export function roleColumns(roles: readonly Role[]): { roles: string; role: Role } {
  const ordered = orderedRoles(roles);
  if (ordered.length === 0) throw new EnclaveError('invalid_input', 'A person holds at least one role.');
  return { roles: JSON.stringify(ordered), role: ordered[0] };
}

export function createPeopleRecords(db: Kysely<MetadataDatabase>): PeopleRecords {
  async function get(id: string): Promise<PersonRecord | undefined> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : personOf(row);
  }
  async function must(id: string): Promise<PersonRecord> {
    const person = await get(id);
    if (person === undefined) throw new EnclaveError('not_found', 'There is no such person on the platform.');
    return person;
  }
  async function identityTaken(identity: { issuer: string; subject: string }, except?: string): Promise<boolean> {
    let query = db.selectFrom('users').select('id').where('issuer', '=', identity.issuer).where('subject', '=', identity.subject);
    if (except !== undefined) query = query.where('id', '!=', except);
    return (await query.executeTakeFirst()) !== undefined;
  }
  async function getChange(id: string): Promise<PendingChange | undefined> {
    const row = await db.selectFrom('pending_changes').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : changeOf(row);
  }

  return {
    async list() {
      const rows = await db.selectFrom('users').selectAll().execute();
      // By name in code, the same on every engine (name-order.ts).
      return rows.map(personOf).sort((a, b) => compareByName({ name: a.displayName, id: a.id }, { name: b.displayName, id: b.id }));
    },
    get,
    async bySubject(issuer, subject) {
      const row = await db.selectFrom('users').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
      return row === undefined ? undefined : personOf(row);
    },
    async add(person) {
      if ((await get(person.id)) !== undefined)
        throw new EnclaveError('invalid_input', `There is already a person with the id ${person.id}.`);
      if (person.identity !== undefined && (await identityTaken(person.identity))) {
        throw new EnclaveError('invalid_input', 'Someone on the platform is already bound to this identity.');
      }
      await db
        .insertInto('users')
        .values({
          id: person.id,
          display_name: person.displayName,
          ...roleColumns(person.roles),
          status: person.identity === undefined ? 'invited' : 'active',
          issuer: person.identity?.issuer ?? null,
          subject: person.identity?.subject ?? null,
          tokens_valid_after: null,
          email: person.email,
          organisation: person.organisation,
          verification_method: person.verification?.method ?? null,
          verified_by: person.verification?.by ?? null,
          verified_at: person.verification?.at ?? null,
          accreditation: JSON.stringify(person.accreditation),
          created_at: person.at.toISOString(),
          created_by: person.createdBy,
        })
        .execute();
      return must(person.id);
    },
    async setRoles(id, roles) {
      await must(id);
      await db.updateTable('users').set(roleColumns(roles)).where('id', '=', id).execute();
      return must(id);
    },
    async setStatus(id, status) {
      await must(id);
      await db.updateTable('users').set({ status }).where('id', '=', id).execute();
      return must(id);
    },
    async bind(id, identity) {
      const person = await must(id);
      if (person.status !== 'invited') throw new EnclaveError('invalid_input', `${person.displayName} is bound to an identity already.`);
      if (await identityTaken(identity, id))
        throw new EnclaveError('invalid_input', 'Someone on the platform is already bound to this identity.');
      await db
        .updateTable('users')
        .set({ issuer: identity.issuer, subject: identity.subject, status: 'active' })
        .where('id', '=', id)
        .where('status', '=', 'invited')
        .execute();
      await db.deleteFrom('enrolment_codes').where('user_id', '=', id).execute();
      return must(id);
    },
    async issueEnrolmentCode(id, issued) {
      const person = await must(id);
      if (person.status !== 'invited') {
        throw new EnclaveError(
          'invalid_input',
          `${person.displayName} is bound to an identity already: an enrolment code is for invited people.`,
        );
      }
      const code = newEnrolmentCode();
      const expiresAt = new Date(issued.at.getTime() + ENROLMENT_CODE_DAYS * 86_400_000).toISOString();
      const values = {
        code_hash: codeHash(code),
        created_by: issued.by,
        created_at: issued.at.toISOString(),
        expires_at: expiresAt,
        used_at: null,
      };
      await db
        .insertInto('enrolment_codes')
        .values({ user_id: id, ...values })
        .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
        .execute();
      return { code, expiresAt };
    },
    async redeemEnrolmentCode(code, redeemed) {
      const refused = new EnclaveError(
        'forbidden',
        'This enrolment code is not valid: it may be mistyped, used already, or expired. Ask your administrator for a new one.',
      );
      const at = redeemed.at.toISOString();
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('enrolment_codes').selectAll().where('code_hash', '=', codeHash(code)).executeTakeFirst();
        if (row === undefined || row.used_at !== null || row.expires_at <= at) throw refused;
        const person = await trx.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
        if (person === undefined || person.status !== 'invited') throw refused;
        const subject = typeof redeemed.subject === 'string' ? redeemed.subject : redeemed.subject(row.user_id);
        const taken = await trx
          .selectFrom('users')
          .select('id')
          .where('issuer', '=', redeemed.issuer)
          .where('subject', '=', subject)
          .executeTakeFirst();
        if (taken !== undefined)
          throw new EnclaveError('invalid_input', 'Your sign-in is bound to another person on the platform already.');
        // Conditional on the code being unused still, so two redemptions at once cannot both win.
        const { numUpdatedRows } = await trx
          .updateTable('enrolment_codes')
          .set({ used_at: at })
          .where('user_id', '=', row.user_id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (numUpdatedRows !== 1n) throw refused;
        await trx.updateTable('users').set({ issuer: redeemed.issuer, subject, status: 'active' }).where('id', '=', row.user_id).execute();
        if (redeemed.passwordHash !== undefined) {
          const values = { password_hash: redeemed.passwordHash };
          await trx
            .insertInto('credentials')
            .values({ user_id: row.user_id, ...values })
            .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
            .execute();
        }
        const bound = await trx.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirstOrThrow();
        return personOf(bound);
      });
    },
    async requestChange(change) {
      const id = `chg-${randomBytes(10).toString('hex')}`;
      await db
        .insertInto('pending_changes')
        .values({
          id,
          kind: 'grant_role',
          user_id: change.userId,
          role: change.role,
          reason: change.reason.trim(),
          requested_by: change.requestedBy,
          requested_at: change.at.toISOString(),
          status: 'pending',
          decided_by: null,
          decided_at: null,
          decision_reason: null,
        })
        .execute();
      return (await getChange(id)) as PendingChange;
    },
    getChange,
    async pendingChanges(userId) {
      let query = db.selectFrom('pending_changes').selectAll().where('status', '=', 'pending');
      if (userId !== undefined) query = query.where('user_id', '=', userId);
      return (await query.orderBy('requested_at').execute()).map(changeOf);
    },
    async decideChange(id, decision) {
      const { numUpdatedRows } = await db
        .updateTable('pending_changes')
        .set({
          status: decision.approve ? 'approved' : 'refused',
          decided_by: decision.by,
          decided_at: decision.at.toISOString(),
          decision_reason: decision.reason.trim(),
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const change = await getChange(id);
      if (change === undefined) throw new EnclaveError('not_found', 'There is no such change.');
      if (numUpdatedRows !== 1n) throw new EnclaveError('invalid_input', 'This change was decided already.');
      return change;
    },
  };
}
