// An audit event's details in a line a person reads, the SQL apart, and nothing the event recorded left out.
import { describe, expect, it } from 'vitest';
import { summariseAudit } from '../../../../renderer/src/admin/audit-summary.ts';

describe('summarising an audit event', () => {
  it('says what a query did: project, agreement version, datasets read, rows, duration and role, with its SQL apart', () => {
    const summary = summariseAudit({
      details: {
        projectId: 'covid-outcomes',
        agreementVersion: 2,
        sql: 'SELECT count(*) FROM patients',
        relations: ['patients', 'covid_tests'],
        rows: 1,
        durationMs: 1500,
        role: 'analyst',
      },
    });
    expect(summary).toEqual({
      text: 'project covid-outcomes · agreement version 2 · read patients, covid_tests · 1 row in 1.5 s · as analyst',
      sql: 'SELECT count(*) FROM patients',
      rest: [],
    });
  });

  it('says what a failed sign-in and an agreement change were', () => {
    expect(summariseAudit({ details: { username: 'demo-analyst', clientId: 'enclave-workstation', reason: 'wrong_credentials' } })).toEqual(
      {
        text: 'username demo-analyst · reason: wrong credentials',
        sql: null,
        rest: ['clientId: enclave-workstation'],
      },
    );
    expect(summariseAudit({ details: { projectId: 'p', version: 3, expires: '2029-03-31' } }).text).toBe(
      'project p · version 3 in force · expires 2029-03-31',
    );
    expect(summariseAudit({ details: { projectId: 'p', version: 3, withdrawn: true } }).text).toBe('project p · withdrawn (was version 3)');
  });

  it('keeps every detail it does not know, as name: value, cut short when long', () => {
    const summary = summariseAudit({ details: { limit: 30, nested: { a: [1, 2] }, long: 'x'.repeat(400) } });
    expect(summary.text).toBe('');
    expect(summary.rest).toEqual(['limit: 30', 'nested: {"a":[1,2]}', `long: ${'x'.repeat(300)}…`]);
  });
});
