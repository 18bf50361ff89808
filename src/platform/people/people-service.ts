// People (issue 18): registering a person (bound at once, or invited with a one-time enrolment code), enrolment,
// roles, disabling someone who left, and the rules that keep administrators honest: nobody changes their own roles or
// status, nobody approves their own change, granting admin needs a second administrator once there are two, and the
// last active administrator cannot be removed. Every change is an audit event with the old and new values and a
// reason. People are never deleted.
import { EnclaveError } from '../../common/errors.ts';
import {
  ROLE_LABELS,
  type PeopleOverview,
  type Person,
  type PersonChangeResult,
  type PersonDetail,
  type RegisteredPerson,
  type RegisterPerson,
  type Role,
  RegisterPersonSchema,
} from '../../common/people.ts';
import type { User } from '../../common/contract.ts';
import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import { eventDetails, UNREADABLE_DETAILS } from '../audit/details.ts';
import type { JsonValue } from '../audit/canonical-json.ts';
import type { KillSwitch } from '../incidents/kill-switch.ts';
import type { StandingService } from './standing.ts';
import type { PersonRecord } from '../store/people.ts';
import { MAX_PASSWORD_CHARS, MIN_CHOSEN_PASSWORD_CHARS } from '../identity/embedded/password-rules.ts';
import { hashPassword } from '../identity/passwords.ts';
import { EMBEDDED_ISSUER, type MetadataStore } from '../store/metadata-store.ts';

export interface PeopleServiceOptions {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  readonly killSwitch: KillSwitch;
  /** The identity provider subjects are bound at: 'embedded', or the external issuer's URL. */
  readonly issuer: () => string;
  /** Ends a disabled person's sign-ins and stops their work (the kill switch's way). */
  readonly endAccess?: (userId: string) => Promise<void>;
  /** Terms of use and training, for each person's state on the people screen. */
  readonly standing: StandingService;
  readonly now?: () => Date;
}

export interface PeopleService {
  overview(): Promise<PeopleOverview>;
  detail(userId: string): Promise<PersonDetail>;
  register(actorId: string, input: RegisterPerson): Promise<RegisteredPerson>;
  grant(actorId: string, userId: string, change: { role: Role; reason: string }): Promise<PersonChangeResult>;
  revoke(actorId: string, userId: string, change: { role: Role; reason: string }): Promise<PersonChangeResult>;
  setStatus(actorId: string, userId: string, change: { status: 'active' | 'disabled'; reason: string }): Promise<PersonChangeResult>;
  bind(actorId: string, userId: string, change: { subject: string; reason: string }): Promise<PersonChangeResult>;
  issueEnrolmentCode(actorId: string, userId: string): Promise<{ code: string; expiresAt: string }>;
  decide(actorId: string, changeId: string, decision: { approve: boolean; reason: string }): Promise<PersonChangeResult>;
  /** Binds the caller's identity (a subject nobody holds) to the invited person the code was issued for. */
  enrol(identity: { subject: string }, code: string): Promise<User>;
  /**
   * Enrolment at the platform's own identity provider: the code binds the invited person to an embedded account (their
   * id as its subject) with the password they chose, in one step. The same refusal as enrol() for a bad code.
   */
  enrolWithPassword(code: string, password: string): Promise<User>;
  /** Why this person may not use the platform now (disabled, suspended), or null. */
  refusalFor(userId: string): Promise<EnclaveError | null>;
}

const SELF_CHANGE = 'You cannot change your own roles or status: ask another administrator.';

export function createPeopleService(options: PeopleServiceOptions): PeopleService {
  const { store, audit, killSwitch } = options;
  const now = options.now ?? (() => new Date());
  const { people } = store;

  async function suspendedIds(): Promise<Set<string>> {
    const inForce = await store.incidents.inForce();
    return new Set(inForce.filter((entry) => entry.kind === 'user_suspended').map((entry) => entry.target));
  }

  async function lastSignIn(userId: string): Promise<string | null> {
    const page = await audit.search({ actor: userId, typePrefix: 'session.signed_in', limit: 1 });
    return page.events[0]?.occurredAt ?? null;
  }

  async function view(record: PersonRecord, suspended?: Set<string>): Promise<Person> {
    const isSuspended = (suspended ?? (await suspendedIds())).has(record.id);
    return {
      id: record.id,
      displayName: record.displayName,
      email: record.email,
      organisation: record.organisation,
      roles: [...record.roles],
      status: record.status === 'active' && isSuspended ? 'suspended' : record.status,
      issuer: record.issuer,
      bound: record.subject !== null,
      verification: record.verification,
      accreditation: [...record.accreditation],
      createdAt: record.createdAt,
      createdBy: record.createdBy,
      lastSignInAt: await lastSignIn(record.id),
      ...(await standingOf(record)),
    };
  }

  /** The person's terms and training state in one word each, as the people screen lists them. */
  async function standingOf(record: PersonRecord): Promise<Pick<Person, 'terms' | 'training'>> {
    const user = { id: record.id, displayName: record.displayName, role: record.roles[0], roles: [...record.roles] };
    const [terms, training] = await Promise.all([options.standing.termsFor(user), options.standing.training(record.id)]);
    const courses = training.roles.flatMap((entry) => entry.courses);
    return {
      terms: terms.length === 0 ? 'none' : terms.some((entry) => entry.mustAccept) ? 'pending' : 'accepted',
      training:
        courses.length === 0
          ? 'none'
          : courses.some((course) => course.state === 'expired' || course.state === 'missing')
            ? 'lapsed'
            : courses.some((course) => course.state === 'expiring')
              ? 'expiring'
              : 'valid',
    };
  }

  async function must(userId: string): Promise<PersonRecord> {
    const person = await people.get(userId);
    if (person === undefined) throw new EnclaveError('not_found', 'There is no such person on the platform.');
    return person;
  }

  async function record(type: string, actor: string | null, details: Record<string, JsonValue>): Promise<void> {
    await audit.append({ type, actor, outcome: 'success', details: { via: 'api', ...details } });
  }

  /** Administrators who are active and not suspended. */
  async function activeAdmins(): Promise<string[]> {
    const [everyone, suspended] = await Promise.all([people.list(), suspendedIds()]);
    return everyone
      .filter((person) => person.status === 'active' && person.roles.includes('admin') && !suspended.has(person.id))
      .map((person) => person.id);
  }

  function refuseSelf(actorId: string, userId: string): void {
    if (actorId === userId) throw new EnclaveError('forbidden', SELF_CHANGE);
  }

  async function result(userId: string, summary: string, pending: PersonChangeResult['pending'] = null): Promise<PersonChangeResult> {
    return { person: await view(await must(userId)), pending, summary };
  }

  async function applyGrant(
    userId: string,
    role: Role,
    by: { actorId: string; reason: string; approvedBy?: string },
  ): Promise<PersonRecord> {
    const person = await must(userId);
    const updated = await people.setRoles(userId, [...person.roles, role]);
    await record('user.role_granted', by.actorId, {
      userId,
      role,
      reason: by.reason,
      old: [...person.roles],
      new: [...updated.roles],
      ...(by.approvedBy === undefined ? {} : { approvedBy: by.approvedBy }),
    });
    return updated;
  }

  return {
    async overview() {
      const [everyone, suspended, pending] = await Promise.all([people.list(), suspendedIds(), people.pendingChanges()]);
      const views: Person[] = [];
      for (const person of everyone) views.push(await view(person, suspended));
      return { people: views, pending };
    },

    async detail(userId) {
      const person = await must(userId);
      const page = await audit.search({ about: userId, limit: 200 });
      return {
        person: await view(person),
        pending: await people.pendingChanges(userId),
        history: page.events.map((event: AuditEvent) => ({
          seq: event.seq,
          occurredAt: event.occurredAt,
          type: event.type,
          actor: event.actor,
          outcome: event.outcome === 'failure' ? 'failure' : 'success',
          details: eventDetails(event) ?? { ...UNREADABLE_DETAILS },
        })),
      };
    },

    async register(actorId, input) {
      const parsed = RegisterPersonSchema.parse(input);
      // Registering someone as an administrator would skip the second administrator that granting it needs.
      if (parsed.roles.includes('admin') && (await activeAdmins()).length >= 2) {
        throw new EnclaveError(
          'forbidden',
          'Once there are two administrators, a new one needs both: register them without the Administrator role, then grant it (another administrator approves).',
        );
      }
      const at = now();
      const identity = parsed.subject === undefined ? undefined : { issuer: options.issuer(), subject: parsed.subject };
      const added = await people.add({
        id: parsed.id,
        displayName: parsed.displayName,
        email: parsed.email,
        organisation: parsed.organisation,
        roles: parsed.roles,
        verification: { method: parsed.verification, by: actorId, at: at.toISOString() },
        accreditation: parsed.accreditation,
        createdBy: actorId,
        at,
        ...(identity === undefined ? {} : { identity }),
      });
      await record('user.registered', actorId, {
        userId: added.id,
        roles: [...added.roles],
        status: added.status,
        verification: parsed.verification,
        accreditation: [...added.accreditation],
        bound: identity !== undefined,
      });
      if (identity !== undefined) return { person: await view(added), enrolment: null };
      const enrolment = await people.issueEnrolmentCode(added.id, { by: actorId, at });
      await record('user.enrolment_code_issued', actorId, { userId: added.id, expiresAt: enrolment.expiresAt });
      return { person: await view(added), enrolment };
    },

    async grant(actorId, userId, { role, reason }) {
      refuseSelf(actorId, userId);
      const person = await must(userId);
      if (person.roles.includes(role))
        throw new EnclaveError('invalid_input', `${person.displayName} holds the ${ROLE_LABELS[role]} role already.`);
      if (person.status === 'disabled') throw new EnclaveError('invalid_input', `${person.displayName} is disabled: enable them first.`);
      // Once there are two administrators, a third (or any new one) needs both: one asks, another approves.
      if (role === 'admin' && (await activeAdmins()).length >= 2) {
        const pending = await people.requestChange({ userId, role, reason, requestedBy: actorId, at: now() });
        await record('user.role_grant_requested', actorId, { userId, role, reason, changeId: pending.id });
        return result(
          userId,
          `Granting ${ROLE_LABELS[role]} to ${person.displayName} waits for another administrator to approve it.`,
          pending,
        );
      }
      await applyGrant(userId, role, { actorId, reason });
      return result(userId, `${person.displayName} now holds the ${ROLE_LABELS[role]} role.`);
    },

    async revoke(actorId, userId, { role, reason }) {
      refuseSelf(actorId, userId);
      const person = await must(userId);
      if (!person.roles.includes(role))
        throw new EnclaveError('invalid_input', `${person.displayName} does not hold the ${ROLE_LABELS[role]} role.`);
      if (person.roles.length === 1) {
        throw new EnclaveError('invalid_input', `This is ${person.displayName}'s only role: disable them instead, if they have left.`);
      }
      if (role === 'admin' && (await activeAdmins()).filter((id) => id !== userId).length === 0) {
        throw new EnclaveError('forbidden', 'This is the last active administrator: the platform would have nobody to administer it.');
      }
      const updated = await people.setRoles(
        userId,
        person.roles.filter((held) => held !== role),
      );
      await record('user.role_revoked', actorId, { userId, role, reason, old: [...person.roles], new: [...updated.roles] });
      return result(userId, `${person.displayName} no longer holds the ${ROLE_LABELS[role]} role.`);
    },

    async setStatus(actorId, userId, { status, reason }) {
      refuseSelf(actorId, userId);
      const person = await must(userId);
      if (person.status === 'invited') {
        throw new EnclaveError('invalid_input', `${person.displayName} has not enrolled yet: they become active by enrolling.`);
      }
      if (person.status === status) throw new EnclaveError('invalid_input', `${person.displayName} is ${status} already.`);
      if (status === 'disabled' && person.roles.includes('admin') && (await activeAdmins()).filter((id) => id !== userId).length === 0) {
        throw new EnclaveError('forbidden', 'This is the last active administrator: the platform would have nobody to administer it.');
      }
      await people.setStatus(userId, status);
      if (status === 'disabled') await options.endAccess?.(userId);
      await record(status === 'disabled' ? 'user.disabled' : 'user.enabled', actorId, { userId, reason, old: person.status, new: status });
      return result(
        userId,
        status === 'disabled'
          ? `${person.displayName} is disabled: every sign-in has ended and every route refuses them. Their history stays readable.`
          : `${person.displayName} is active again and can sign in.`,
      );
    },

    async bind(actorId, userId, { subject, reason }) {
      refuseSelf(actorId, userId);
      const person = await must(userId);
      const issuer = options.issuer();
      await people.bind(userId, { issuer, subject });
      await record('user.bound', actorId, { userId, issuer, reason, old: person.status, new: 'active' });
      return result(userId, `${person.displayName} is bound to their identity and can sign in.`);
    },

    async issueEnrolmentCode(actorId, userId) {
      const issued = await people.issueEnrolmentCode(userId, { by: actorId, at: now() });
      await record('user.enrolment_code_issued', actorId, { userId, expiresAt: issued.expiresAt });
      return issued;
    },

    async decide(actorId, changeId, { approve, reason }) {
      const change = await people.getChange(changeId);
      if (change === undefined) throw new EnclaveError('not_found', 'There is no such change.');
      if (change.requestedBy === actorId)
        throw new EnclaveError('forbidden', 'Nobody approves their own change: another administrator decides it.');
      refuseSelf(actorId, change.userId);
      const decided = await people.decideChange(changeId, { approve, by: actorId, reason, at: now() });
      if (!approve) {
        await record('user.role_grant_refused', actorId, { userId: change.userId, role: change.role, changeId, reason });
        return result(change.userId, `Granting ${ROLE_LABELS[change.role]} was refused.`, decided);
      }
      const person = await must(change.userId);
      if (!person.roles.includes(change.role)) {
        await applyGrant(change.userId, change.role, { actorId: change.requestedBy, reason: change.reason, approvedBy: actorId });
      }
      return result(
        change.userId,
        `${person.displayName} now holds the ${ROLE_LABELS[change.role]} role (approved by a second administrator).`,
        decided,
      );
    },

    async enrol(identity, code) {
      const issuer = options.issuer();
      const known = await people.bySubject(issuer, identity.subject);
      if (known !== undefined) throw new EnclaveError('invalid_input', 'You are enrolled already: sign in as usual.');
      let person: PersonRecord;
      try {
        person = await people.redeemEnrolmentCode(code, { issuer, subject: identity.subject, at: now() });
      } catch (err) {
        await audit.append({
          type: 'user.enrolment_refused',
          actor: null,
          outcome: 'failure',
          details: { issuer, reason: err instanceof EnclaveError ? err.message : 'The code could not be checked.' },
        });
        throw err;
      }
      await record('user.enrolled', person.id, { userId: person.id, issuer, old: 'invited', new: 'active' });
      return { id: person.id, displayName: person.displayName, role: person.roles[0], roles: [...person.roles] };
    },

    async enrolWithPassword(code, password) {
      if (password.length < MIN_CHOSEN_PASSWORD_CHARS || password.length > MAX_PASSWORD_CHARS) {
        throw new EnclaveError('invalid_input', `Choose a password of ${MIN_CHOSEN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters.`);
      }
      const passwordHash = await hashPassword(password);
      let person: PersonRecord;
      try {
        person = await people.redeemEnrolmentCode(code, { issuer: EMBEDDED_ISSUER, subject: (userId) => userId, at: now(), passwordHash });
      } catch (err) {
        await audit.append({
          type: 'user.enrolment_refused',
          actor: null,
          outcome: 'failure',
          details: { issuer: EMBEDDED_ISSUER, reason: err instanceof EnclaveError ? err.message : 'The code could not be checked.' },
        });
        throw err;
      }
      await audit.append({
        type: 'user.enrolled',
        actor: person.id,
        outcome: 'success',
        details: { via: 'sign-in page', userId: person.id, issuer: EMBEDDED_ISSUER, old: 'invited', new: 'active' },
      });
      return { id: person.id, displayName: person.displayName, role: person.roles[0], roles: [...person.roles] };
    },

    async refusalFor(userId) {
      const person = await people.get(userId);
      if (person === undefined) return new EnclaveError('forbidden', 'This platform has no account for you.');
      if (person.status === 'disabled') {
        return new EnclaveError(
          'forbidden',
          'Your account on this platform is disabled. If you need access again, ask your administrator.',
        );
      }
      if (person.status === 'invited')
        return new EnclaveError('enrolment_required', 'You have not enrolled yet: enter the code your administrator sent you.');
      return killSwitch.refusalFor(userId);
    },
  };
}
