// A person's standing beyond their role: the terms of use they must have accepted (each role's, and everyone's), and the
// training each role needs. The platform asks refusalFor on every call but a few (me, session events, the terms
// themselves, enrolment: ALWAYS_OPEN_ROUTES), so nothing is served to someone who has not accepted the current terms,
// and a role whose training has lapsed is refused with the course named. Publishing terms and recording training are
// the admins'; every change and every acceptance is an audit event.
import type { User } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import { ROLE_LABELS, type Role } from '../../common/people.ts';
import {
  TRAINING_WARNING_DAYS,
  type AcceptTerms,
  type MyTerms,
  type PublishTerms,
  type TermsAudience,
  type TermsVersion,
  type TrainingOverview,
  type TrainingRecord,
  type TrainingStanding,
  PublishTermsSchema,
} from '../../common/terms.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { ukDay } from '../agreements/standing.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

export interface StandingService {
  /** The current terms of each audience the person belongs to (everyone, and each role they hold). */
  termsFor(user: User): Promise<MyTerms[]>;
  accept(user: User, acceptance: AcceptTerms, client: string): Promise<MyTerms[]>;
  decline(user: User, refusal: { audience: TermsAudience; version: number }): Promise<void>;
  publish(authorId: string, terms: PublishTerms): Promise<TermsVersion>;
  history(): Promise<TermsVersion[]>;
  /** A person's training judged today, per role they hold. */
  training(userId: string): Promise<TrainingStanding>;
  trainingOverview(): Promise<TrainingOverview>;
  recordTraining(recordedBy: string, entry: Omit<TrainingRecord, 'id' | 'recordedAt' | 'recordedBy'>): Promise<TrainingRecord>;
  setRequirements(actorId: string, role: Role, courses: readonly string[]): Promise<TrainingOverview['requirements']>;
  /** Why this person may not call a route open to these roles now: terms not accepted, or training lapsed; or null. */
  refusalFor(user: User, routeRoles: readonly Role[] | null): Promise<EnclaveError | null>;
  /** Whether the person's training for a project role is valid today (the agreements' member standing reads this). */
  trainingExpiry(userId: string, role: Role): Promise<{ valid: boolean; expires: string | null; course: string | null }>;
}

const AUDIENCE_WORDS = (audience: TermsAudience): string => (audience === 'everyone' ? 'everyone' : ROLE_LABELS[audience]);

function rolesOf(user: User): Role[] {
  return user.roles ?? [user.role];
}

/** The day `days` after `day` (both YYYY-MM-DD). */
function dayPlus(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function createStandingService(options: { store: MetadataStore; audit: AuditLog; now?: () => Date }): StandingService {
  const { store, audit } = options;
  const now = options.now ?? (() => new Date());

  async function termsFor(user: User): Promise<MyTerms[]> {
    const audiences: TermsAudience[] = ['everyone', ...rolesOf(user)];
    const [versions, accepted] = await Promise.all([store.terms.inForce(audiences, now()), store.terms.accepted(user.id)]);
    const result: MyTerms[] = [];
    for (const audience of audiences) {
      const ofAudience = versions.filter((version) => version.audience === audience);
      const current = ofAudience[0];
      if (current === undefined) continue;
      // The newest version that people must accept again: accepting it or anything after it is enough.
      const needed = ofAudience.find((version) => version.requiresAcceptance) ?? current;
      const acceptedVersion = accepted.get(audience) ?? null;
      result.push({ current, acceptedVersion, mustAccept: acceptedVersion === null || acceptedVersion < needed.version });
    }
    return result;
  }

  /** Each course's latest expiry and state today, for one role's required courses (whether or not the person holds it). */
  function judge(records: readonly TrainingRecord[], courses: readonly string[]): TrainingStanding['roles'][number]['courses'] {
    const today = ukDay(now());
    const warnFrom = dayPlus(today, TRAINING_WARNING_DAYS);
    return courses.map((course) => {
      const expires = records
        .filter((record) => record.course === course)
        .reduce<string | null>((latest, record) => (latest === null || record.expires > latest ? record.expires : latest), null);
      const state = expires === null ? 'missing' : expires < today ? 'expired' : expires <= warnFrom ? 'expiring' : 'valid';
      return { course, expires, state };
    });
  }

  async function training(userId: string): Promise<TrainingStanding> {
    const [person, records, requirements] = await Promise.all([
      store.getUser(userId),
      store.training.recordsOf(userId),
      store.training.requirements(),
    ]);
    const roles = person === undefined ? [] : rolesOf(person);
    return { userId, records, roles: roles.map((role) => ({ role, courses: judge(records, requirements.get(role) ?? []) })) };
  }

  return {
    termsFor,

    async accept(user, acceptance, client) {
      const mine = await termsFor(user);
      const terms = mine.find((entry) => entry.current.audience === acceptance.audience);
      if (terms === undefined) throw new EnclaveError('invalid_input', 'There are no terms of use for you to accept for this role.');
      if (terms.current.version !== acceptance.version || terms.current.sha256 !== acceptance.sha256) {
        throw new EnclaveError(
          'invalid_input',
          'The terms of use have changed since they were shown to you: read the current version and accept that.',
        );
      }
      await store.terms.accept({
        userId: user.id,
        audience: acceptance.audience,
        version: acceptance.version,
        sha256: acceptance.sha256,
        client,
        at: now(),
      });
      await audit.append({
        type: 'terms.accepted',
        actor: user.id,
        outcome: 'success',
        details: {
          audience: acceptance.audience,
          version: acceptance.version,
          sha256: acceptance.sha256,
          client,
          old: terms.acceptedVersion,
          new: acceptance.version,
        },
      });
      return termsFor(user);
    },

    async decline(user, refusal) {
      await audit.append({
        type: 'terms.declined',
        actor: user.id,
        outcome: 'success',
        details: { audience: refusal.audience, version: refusal.version },
      });
    },

    async publish(authorId, input) {
      const terms = PublishTermsSchema.parse(input);
      const published = await store.terms.publish({
        audience: terms.audience,
        text: terms.text,
        summary: terms.summary,
        effectiveAt: terms.effectiveAt === undefined ? now().toISOString() : new Date(terms.effectiveAt).toISOString(),
        author: authorId,
        at: now(),
        requiresAcceptance: terms.requiresAcceptance,
      });
      await audit.append({
        type: 'terms.published',
        actor: authorId,
        outcome: 'success',
        details: {
          audience: published.audience,
          version: published.version,
          sha256: published.sha256,
          summary: published.summary,
          effectiveAt: published.effectiveAt,
          requiresAcceptance: published.requiresAcceptance,
        },
      });
      return published;
    },

    history: () => store.terms.history(),

    training,

    async trainingOverview() {
      const [people, requirements] = await Promise.all([store.listUsers(), store.training.requirements()]);
      const standings: TrainingStanding[] = [];
      for (const person of people) standings.push(await training(person.id));
      return { requirements: [...requirements].map(([role, courses]) => ({ role, courses })), people: standings };
    },

    async recordTraining(recordedBy, entry) {
      if ((await store.getUser(entry.userId)) === undefined)
        throw new EnclaveError('not_found', 'There is no such person on the platform.');
      const record = await store.training.record({ ...entry, recordedBy, at: now() });
      await audit.append({
        type: 'training.recorded',
        actor: recordedBy,
        outcome: 'success',
        details: {
          userId: record.userId,
          course: record.course,
          completed: record.completed,
          expires: record.expires,
          evidence: record.evidence,
          recordId: record.id,
        },
      });
      return record;
    },

    async setRequirements(actorId, role, courses) {
      const before = (await store.training.requirements()).get(role) ?? [];
      await store.training.setRequirements(role, courses);
      const after = (await store.training.requirements()).get(role) ?? [];
      await audit.append({
        type: 'training.requirements_changed',
        actor: actorId,
        outcome: 'success',
        details: { role, old: before, new: after },
      });
      return [...(await store.training.requirements())].map(([each, list]) => ({ role: each, courses: list }));
    },

    async refusalFor(user, routeRoles) {
      const pending = (await termsFor(user)).filter((terms) => terms.mustAccept);
      if (pending.length > 0) {
        return new EnclaveError(
          'terms_required',
          `Read and accept the current terms of use (${pending.map((terms) => `${AUDIENCE_WORDS(terms.current.audience)}, version ${terms.current.version}`).join('; ')}) before using the platform.`,
        );
      }
      if (routeRoles === null) return null;
      const standing = await training(user.id);
      const relevant = standing.roles.filter((entry) => routeRoles.includes(entry.role));
      if (relevant.length === 0) return null;
      const trained = relevant.find((entry) => entry.courses.every((course) => course.state === 'valid' || course.state === 'expiring'));
      if (trained !== undefined) return null;
      const missing = relevant[0].courses.find((course) => course.state === 'expired' || course.state === 'missing');
      const role = ROLE_LABELS[relevant[0].role];
      if (missing === undefined) return null;
      return new EnclaveError(
        'training_required',
        missing.state === 'expired'
          ? `Your ${missing.course} (needed for the ${role} role) expired on ${missing.expires}: renew it, then ask your administrator to record it.`
          : `The ${role} role needs ${missing.course}, and there is no record of it for you: complete it, then ask your administrator to record it.`,
      );
    },

    async trainingExpiry(userId, role) {
      const [records, requirements] = await Promise.all([store.training.recordsOf(userId), store.training.requirements()]);
      const courses = judge(records, requirements.get(role) ?? []);
      const lapsed = courses.find((course) => course.state === 'expired' || course.state === 'missing');
      if (lapsed !== undefined) return { valid: false, expires: lapsed.expires, course: lapsed.course };
      const soonest = courses.reduce<{ expires: string | null; course: string | null }>(
        (first, course) =>
          course.expires !== null && (first.expires === null || course.expires < first.expires)
            ? { expires: course.expires, course: course.course }
            : first,
        { expires: null, course: null },
      );
      return { valid: true, ...soonest };
    },
  };
}
