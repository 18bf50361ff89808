// Terms of use (versions never change once published; acceptances record the hash of the exact text shown) and
// training (records, and the courses each role needs). Storage only: the standing service
// (src/platform/people/standing.ts) decides what they mean for a person today.
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import type { Role } from '../../common/people.ts';
import { TermsAudienceSchema, type TermsAudience, type TermsVersion, type TrainingRecord } from '../../common/terms.ts';
import type { MetadataDatabase, TermsTable, TrainingRecordsTable } from './schema.ts';

export interface TermsRecords {
  /** Publishes the next version of the audience's terms; answers it. */
  publish(terms: {
    audience: TermsAudience;
    text: string;
    summary: string;
    effectiveAt: string;
    author: string;
    at: Date;
    requiresAcceptance: boolean;
  }): Promise<TermsVersion>;
  /** Every version, newest first. */
  history(): Promise<TermsVersion[]>;
  /** Versions of these audiences in force at `at` (effective by then), newest first per audience. */
  inForce(audiences: readonly TermsAudience[], at: Date): Promise<TermsVersion[]>;
  /** The versions this person accepted, by audience (the highest version each). */
  accepted(userId: string): Promise<Map<TermsAudience, number>>;
  accept(acceptance: { userId: string; audience: TermsAudience; version: number; sha256: string; client: string; at: Date }): Promise<void>;
}

export interface TrainingStore {
  record(entry: Omit<TrainingRecord, 'id' | 'recordedAt'> & { at: Date }): Promise<TrainingRecord>;
  /** Every record of the person (all of them: none is ever removed), newest completion first. */
  recordsOf(userId: string): Promise<TrainingRecord[]>;
  all(): Promise<TrainingRecord[]>;
  requirements(): Promise<Map<Role, string[]>>;
  setRequirements(role: Role, courses: readonly string[]): Promise<void>;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function versionOf(row: Selectable<TermsTable>): TermsVersion {
  return {
    audience: TermsAudienceSchema.parse(row.audience),
    version: Number(row.version),
    text: row.text,
    sha256: row.sha256,
    summary: row.summary,
    effectiveAt: row.effective_at,
    author: row.author,
    publishedAt: row.published_at,
    requiresAcceptance: Number(row.requires_acceptance) === 1,
  };
}

function trainingOf(row: Selectable<TrainingRecordsTable>): TrainingRecord {
  return {
    id: row.id,
    userId: row.user_id,
    course: row.course,
    completed: row.completed,
    expires: row.expires,
    evidence: row.evidence,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}

export function createTermsRecords(db: Kysely<MetadataDatabase>): TermsRecords {
  return {
    async publish(terms) {
      return db.transaction().execute(async (trx) => {
        const { latest } = await trx
          .selectFrom('terms')
          .select(sql<number | null>`max(version)`.as('latest'))
          .where('audience', '=', terms.audience)
          .executeTakeFirstOrThrow();
        const version = Number(latest ?? 0) + 1;
        await trx
          .insertInto('terms')
          .values({
            audience: terms.audience,
            version,
            text: terms.text,
            sha256: sha256Hex(terms.text),
            summary: terms.summary.trim(),
            effective_at: terms.effectiveAt,
            author: terms.author,
            published_at: terms.at.toISOString(),
            // The first version of an audience's terms is always accepted by everyone.
            requires_acceptance: terms.requiresAcceptance || version === 1 ? 1 : 0,
          })
          .execute();
        const row = await trx
          .selectFrom('terms')
          .selectAll()
          .where('audience', '=', terms.audience)
          .where('version', '=', version)
          .executeTakeFirstOrThrow();
        return versionOf(row);
      });
    },
    async history() {
      const rows = await db
        .selectFrom('terms')
        .selectAll()
        .orderBy('published_at', 'desc')
        .orderBy('audience')
        .orderBy('version', 'desc')
        .execute();
      return rows.map(versionOf);
    },
    async inForce(audiences, at) {
      if (audiences.length === 0) return [];
      const rows = await db
        .selectFrom('terms')
        .selectAll()
        .where('audience', 'in', [...audiences])
        .where('effective_at', '<=', at.toISOString())
        .orderBy('audience')
        .orderBy('version', 'desc')
        .execute();
      return rows.map(versionOf);
    },
    async accepted(userId) {
      const rows = await db
        .selectFrom('terms_acceptances')
        .select(['audience', sql<number>`max(version)`.as('version')])
        .where('user_id', '=', userId)
        .groupBy('audience')
        .execute();
      return new Map(rows.map((row) => [TermsAudienceSchema.parse(row.audience), Number(row.version)]));
    },
    async accept(acceptance) {
      const values = { sha256: acceptance.sha256, accepted_at: acceptance.at.toISOString(), client: acceptance.client.slice(0, 200) };
      await db
        .insertInto('terms_acceptances')
        .values({ user_id: acceptance.userId, audience: acceptance.audience, version: acceptance.version, ...values })
        .onConflict((oc) => oc.columns(['user_id', 'audience', 'version']).doUpdateSet(values))
        .execute();
    },
  };
}

export function createTrainingStore(db: Kysely<MetadataDatabase>): TrainingStore {
  return {
    async record(entry) {
      if (entry.expires < entry.completed) throw new EnclaveError('invalid_input', 'The training expires before it was completed.');
      const id = `trn-${randomBytes(10).toString('hex')}`;
      await db
        .insertInto('training_records')
        .values({
          id,
          user_id: entry.userId,
          course: entry.course.trim(),
          completed: entry.completed,
          expires: entry.expires,
          evidence: entry.evidence.trim(),
          recorded_by: entry.recordedBy,
          recorded_at: entry.at.toISOString(),
        })
        .execute();
      return trainingOf(await db.selectFrom('training_records').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    },
    async recordsOf(userId) {
      const rows = await db
        .selectFrom('training_records')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('completed', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(trainingOf);
    },
    async all() {
      const rows = await db
        .selectFrom('training_records')
        .selectAll()
        .orderBy('user_id')
        .orderBy('completed', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(trainingOf);
    },
    async requirements() {
      const rows = await db.selectFrom('training_requirements').selectAll().orderBy('role').orderBy('course').execute();
      const byRole = new Map<Role, string[]>();
      for (const row of rows) {
        const role = row.role as Role;
        byRole.set(role, [...(byRole.get(role) ?? []), row.course]);
      }
      return byRole;
    },
    async setRequirements(role, courses) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('training_requirements').where('role', '=', role).execute();
        const unique = [...new Set(courses.map((course) => course.trim()))];
        if (unique.length > 0)
          await trx
            .insertInto('training_requirements')
            .values(unique.map((course) => ({ role, course })))
            .execute();
      });
    },
  };
}
