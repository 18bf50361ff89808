// The audit log's filter as typed → what the platform is asked, or what to fix, in words.
import { describe, expect, it } from 'vitest';
import { EMPTY_AUDIT_FILTER, isFiltered, localToInstant, readAuditFilter } from '../../../../renderer/src/admin/audit-filter.ts';

/** Local times read as UTC, so the test does not depend on the machine's time zone. */
const asUtc = (local: string): string | null => localToInstant(local) && new Date(`${local}Z`).toISOString();

describe('reading the audit filter', () => {
  it('asks for everything when nothing is typed', () => {
    expect(readAuditFilter(EMPTY_AUDIT_FILTER)).toEqual({ ok: true, filter: {} });
    expect(isFiltered({})).toBe(false);
  });

  it('trims what is typed, lower-cases project and type, and turns local times into instants', () => {
    const reading = readAuditFilter(
      { actor: ' demo-analyst ', projectId: 'COVID-Outcomes', typePrefix: 'Query.', from: '2026-03-01T09:00', to: '2026-03-02T17:30' },
      asUtc,
    );
    expect(reading).toEqual({
      ok: true,
      filter: {
        actor: 'demo-analyst',
        projectId: 'covid-outcomes',
        typePrefix: 'query.',
        from: '2026-03-01T09:00:00.000Z',
        to: '2026-03-02T17:30:00.000Z',
      },
    });
    expect(isFiltered(reading.ok ? reading.filter : {})).toBe(true);
  });

  it('says which field is wrong and why', () => {
    expect(readAuditFilter({ ...EMPTY_AUDIT_FILTER, actor: 'ada smith' })).toEqual({ ok: false, message: 'User: must be a user id.' });
    expect(readAuditFilter({ ...EMPTY_AUDIT_FILTER, projectId: '../etc' })).toEqual({
      ok: false,
      message: 'Project: must be a project id.',
    });
    expect(readAuditFilter({ ...EMPTY_AUDIT_FILTER, typePrefix: 'query*' })).toEqual({
      ok: false,
      message: 'Event type: must be lower-case letters, digits, "_" or ".".',
    });
    expect(readAuditFilter({ ...EMPTY_AUDIT_FILTER, from: '2026-03-01' })).toEqual({
      ok: false,
      message: 'From: enter a date and a time.',
    });
  });

  it('refuses a range that ends before it starts', () => {
    expect(readAuditFilter({ ...EMPTY_AUDIT_FILTER, from: '2026-03-02T00:00', to: '2026-03-01T00:00' }, asUtc)).toEqual({
      ok: false,
      message: 'To must be later than From.',
    });
  });

  it('reads a local time as an instant, and nothing else', () => {
    expect(localToInstant('2026-03-01T09:00')).toBe(new Date(2026, 2, 1, 9, 0).toISOString());
    for (const text of ['', 'yesterday', '2026-03-01', '2026-13-01T09:00', '2026-03-01T09:00Z'])
      expect(localToInstant(text), text).toBeNull();
  });
});
