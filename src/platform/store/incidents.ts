// Incidents and the restrictions put in place during them (suspended people and projects, frozen egress). A
// restriction is in force while it has not been lifted; lifting keeps the row (who, when, why), so the history stays
// readable. The kill switch (src/platform/incidents/kill-switch.ts) decides what may be done; this is only storage.
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import type { Incident, IncidentSeverity, RestrictionKind } from '../../common/incidents.ts';
import type { IncidentsTable, MetadataDatabase, RestrictionsTable } from './schema.ts';

/** A restriction as stored, without the target's name (the kill switch adds it). */
export interface StoredRestriction {
  readonly id: string;
  readonly kind: RestrictionKind;
  readonly target: string;
  readonly incidentId: string;
  readonly reason: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
  readonly liftedBy: string | null;
  readonly liftedAt: string | null;
  readonly liftReason: string | null;
}

export interface IncidentRecords {
  open(incident: {
    summary: string;
    severity: IncidentSeverity;
    detectedAt: string;
    personalData: boolean;
    openedBy: string;
    at: Date;
  }): Promise<Incident>;
  get(id: string): Promise<Incident | undefined>;
  /** Newest first. */
  list(): Promise<Incident[]>;
  /** Closes an open incident; not_found for an unknown one, invalid_input for one already closed. */
  close(id: string, closing: { resolution: string; closedBy: string; at: Date }): Promise<Incident>;
  /** Puts a restriction in place; invalid_input when the same one is already in force. */
  restrict(restriction: {
    kind: RestrictionKind;
    target: string;
    incidentId: string;
    reason: string;
    appliedBy: string;
    at: Date;
  }): Promise<StoredRestriction>;
  getRestriction(id: string): Promise<StoredRestriction | undefined>;
  /** Lifts one in force; invalid_input when it was lifted already (by someone else, a moment ago). */
  lift(id: string, lifting: { liftedBy: string; reason: string; at: Date }): Promise<StoredRestriction>;
  /** In force now, newest first. */
  inForce(): Promise<StoredRestriction[]>;
  /** Lifted, newest first. */
  lifted(limit: number): Promise<StoredRestriction[]>;
  /** The restriction in force of this kind on any of these targets (a project, or '*'), if there is one. */
  inForceOn(kind: RestrictionKind, targets: readonly string[]): Promise<StoredRestriction | undefined>;
}

const newId = (prefix: 'inc' | 'act'): string => `${prefix}-${randomBytes(10).toString('hex')}`;

function incidentOf(row: Selectable<IncidentsTable>): Incident {
  return {
    id: row.id,
    summary: row.summary,
    severity: row.severity,
    detectedAt: row.detected_at,
    personalData: Number(row.personal_data) === 1,
    status: row.status,
    resolution: row.resolution,
    openedBy: row.opened_by,
    openedAt: row.opened_at,
    closedBy: row.closed_by,
    closedAt: row.closed_at,
  };
}

function restrictionOf(row: Selectable<RestrictionsTable>): StoredRestriction {
  return {
    id: row.id,
    kind: row.kind,
    target: row.target,
    incidentId: row.incident_id,
    reason: row.reason,
    appliedBy: row.applied_by,
    appliedAt: row.applied_at,
    liftedBy: row.lifted_by,
    liftedAt: row.lifted_at,
    liftReason: row.lift_reason,
  };
}

export function createIncidentRecords(db: Kysely<MetadataDatabase>): IncidentRecords {
  async function get(id: string): Promise<Incident | undefined> {
    const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : incidentOf(row);
  }
  async function getRestriction(id: string): Promise<StoredRestriction | undefined> {
    const row = await db.selectFrom('restrictions').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : restrictionOf(row);
  }

  return {
    async open(incident) {
      const id = newId('inc');
      await db
        .insertInto('incidents')
        .values({
          id,
          summary: incident.summary.trim(),
          severity: incident.severity,
          detected_at: incident.detectedAt,
          personal_data: incident.personalData ? 1 : 0,
          status: 'open',
          resolution: null,
          opened_by: incident.openedBy,
          opened_at: incident.at.toISOString(),
          closed_by: null,
          closed_at: null,
        })
        .execute();
      return (await get(id)) as Incident;
    },
    get,
    async list() {
      const rows = await db.selectFrom('incidents').selectAll().orderBy('opened_at', 'desc').orderBy('id').execute();
      return rows.map(incidentOf);
    },
    async close(id, closing) {
      const { numUpdatedRows } = await db
        .updateTable('incidents')
        .set({ status: 'closed', resolution: closing.resolution.trim(), closed_by: closing.closedBy, closed_at: closing.at.toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      const incident = await get(id);
      if (incident === undefined) throw new EnclaveError('not_found', 'There is no such incident.');
      if (numUpdatedRows !== 1n) throw new EnclaveError('invalid_input', 'This incident is closed already.');
      return incident;
    },
    async restrict(restriction) {
      const id = newId('act');
      await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('restrictions')
          .select('id')
          .where('lifted_at', 'is', null)
          .where('kind', '=', restriction.kind)
          .where('target', '=', restriction.target)
          .executeTakeFirst();
        if (existing !== undefined) throw new EnclaveError('invalid_input', 'This is in force already: lift it first, or leave it.');
        await trx
          .insertInto('restrictions')
          .values({
            id,
            kind: restriction.kind,
            target: restriction.target,
            incident_id: restriction.incidentId,
            reason: restriction.reason.trim(),
            applied_by: restriction.appliedBy,
            applied_at: restriction.at.toISOString(),
            lifted_by: null,
            lifted_at: null,
            lift_reason: null,
          })
          .execute();
      });
      return (await getRestriction(id)) as StoredRestriction;
    },
    getRestriction,
    async lift(id, lifting) {
      const { numUpdatedRows } = await db
        .updateTable('restrictions')
        .set({ lifted_by: lifting.liftedBy, lifted_at: lifting.at.toISOString(), lift_reason: lifting.reason.trim() })
        .where('id', '=', id)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
      const restriction = await getRestriction(id);
      if (restriction === undefined) throw new EnclaveError('not_found', 'There is no such action.');
      if (numUpdatedRows !== 1n) throw new EnclaveError('invalid_input', 'This action was lifted already.');
      return restriction;
    },
    async inForce() {
      const rows = await db
        .selectFrom('restrictions')
        .selectAll()
        .where('lifted_at', 'is', null)
        .orderBy('applied_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(restrictionOf);
    },
    async lifted(limit) {
      const rows = await db
        .selectFrom('restrictions')
        .selectAll()
        .where('lifted_at', 'is not', null)
        .orderBy('lifted_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(restrictionOf);
    },
    async inForceOn(kind, targets) {
      if (targets.length === 0) return undefined;
      const row = await db
        .selectFrom('restrictions')
        .selectAll()
        .where('lifted_at', 'is', null)
        .where('kind', '=', kind)
        .where('target', 'in', [...targets])
        .orderBy('applied_at')
        .executeTakeFirst();
      return row === undefined ? undefined : restrictionOf(row);
    },
  };
}
