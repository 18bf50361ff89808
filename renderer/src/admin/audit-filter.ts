// The audit log's filter as the administrator types it (a user, a project, an event type or its start, a time range
// in this computer's time) → the filter the platform reads, or what is wrong with it in words. Pure.
import { AuditFilterSchema, type AuditFilter } from '../../../src/common/agreement-views.ts';

export interface AuditFilterForm {
  readonly actor: string;
  readonly projectId: string;
  readonly typePrefix: string;
  /** A datetime-local input's value ("2026-12-01T09:00"), or "". */
  readonly from: string;
  readonly to: string;
}

export const EMPTY_AUDIT_FILTER: AuditFilterForm = { actor: '', projectId: '', typePrefix: '', from: '', to: '' };

const LABELS: Readonly<Record<keyof AuditFilterForm, string>> = {
  actor: 'User',
  projectId: 'Project',
  typePrefix: 'Event type',
  from: 'From',
  to: 'To',
};

/** A local date and time ("2026-12-01T09:00") as an instant, read in this computer's time zone; null if it is not one. */
export function localToInstant(local: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(local)) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export type FilterReading = { ok: true; filter: AuditFilter } | { ok: false; message: string };

export function readAuditFilter(form: AuditFilterForm, toInstant: (local: string) => string | null = localToInstant): FilterReading {
  const filter: Record<string, string> = {};
  const actor = form.actor.trim();
  const projectId = form.projectId.trim().toLowerCase();
  const typePrefix = form.typePrefix.trim().toLowerCase();
  if (actor !== '') filter.actor = actor;
  if (projectId !== '') filter.projectId = projectId;
  if (typePrefix !== '') filter.typePrefix = typePrefix;
  for (const key of ['from', 'to'] as const) {
    const value = form[key].trim();
    if (value === '') continue;
    const instant = toInstant(value);
    if (instant === null) return { ok: false, message: `${LABELS[key]}: enter a date and a time.` };
    filter[key] = instant;
  }
  if (filter.from !== undefined && filter.to !== undefined && filter.to <= filter.from) {
    return { ok: false, message: 'To must be later than From.' };
  }
  const parsed = AuditFilterSchema.safeParse(filter);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as keyof AuditFilterForm | undefined;
    return { ok: false, message: `${key === undefined ? 'The filter' : LABELS[key]}: ${issue?.message ?? 'is not valid'}.` };
  }
  return { ok: true, filter: parsed.data };
}

/** Whether the filter asks for anything (an empty one shows every event). */
export function isFiltered(filter: AuditFilter): boolean {
  return Object.keys(filter).length > 0;
}
