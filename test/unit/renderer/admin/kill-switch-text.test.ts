// The incidents screen's words and forms (renderer/src/admin/kill-switch-text.ts): what an action will do, said before it
// is confirmed; the restrictions in force in a line; and the forms as typed → the request the platform reads, or what is
// wrong in words, before anything is sent.
import { describe, expect, it } from 'vitest';
import type { AccessReport, KillSwitchOverview, Restriction } from '../../../../src/common/incidents.ts';
import {
  ACTION_KINDS,
  confirmLabel,
  foreseenEffect,
  readActionForm,
  readIncidentForm,
  readReportForm,
  reportTotalsInWords,
  restrictionsInWords,
  restrictionTarget,
  severityBadge,
  type ActionForm,
} from '../../../../renderer/src/admin/kill-switch-text.ts';

const INCIDENT_ID = 'inc-0123456789abcdef0123';
const NAMES: Pick<KillSwitchOverview, 'people' | 'projects'> = {
  people: [{ id: 'demo-analyst', name: 'Ada Analyst', role: 'analyst' }],
  projects: [{ id: 'covid-outcomes', name: 'COVID-19 outcomes' }],
};
const FORM: ActionForm = { action: 'suspend_user', target: 'demo-analyst', incidentId: INCIDENT_ID, reason: '  Unusual downloads.  ' };
/** Local times read as UTC, so the tests do not depend on this computer's zone. */
const utc = (local: string): string | null => (local === '' ? null : new Date(`${local}:00Z`).toISOString());

describe('an action, before it is confirmed', () => {
  it('reads each kind into the action the platform takes, with the reason trimmed', () => {
    expect(readActionForm(FORM)).toEqual({
      ok: true,
      value: { action: 'suspend_user', userId: 'demo-analyst', incidentId: INCIDENT_ID, reason: 'Unusual downloads.' },
    });
    expect(readActionForm({ ...FORM, action: 'suspend_project', target: 'covid-outcomes' })).toMatchObject({
      ok: true,
      value: { action: 'suspend_project', projectId: 'covid-outcomes' },
    });
    expect(readActionForm({ ...FORM, action: 'freeze_egress', target: '*' })).toMatchObject({
      ok: true,
      value: { action: 'freeze_egress', projectId: null },
    });
    expect(readActionForm({ ...FORM, action: 'revoke_sessions' })).toMatchObject({ ok: true, value: { action: 'revoke_sessions' } });
  });

  it('says what is missing or wrong, in the form’s words', () => {
    expect(readActionForm({ ...FORM, target: '' })).toEqual({ ok: false, message: 'Person: choose whom it is for.' });
    expect(readActionForm({ ...FORM, action: 'suspend_project', target: '' })).toEqual({ ok: false, message: 'Project: choose which.' });
    expect(readActionForm({ ...FORM, incidentId: '' })).toMatchObject({ ok: false, message: expect.stringMatching(/^Incident: /) });
    expect(readActionForm({ ...FORM, reason: ' no ' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Reason: must say something/),
    });
    expect(readActionForm({ ...FORM, target: '../admin' })).toMatchObject({ ok: false, message: expect.stringMatching(/^Person: /) });
  });

  it('says for every kind what will happen, naming whom or what, and the button says exactly what it does', () => {
    for (const action of ACTION_KINDS) {
      const target = action === 'suspend_project' || action === 'freeze_egress' ? 'covid-outcomes' : 'demo-analyst';
      const reading = readActionForm({ ...FORM, action, target });
      if (!reading.ok) throw new Error(reading.message);
      const name = target === 'demo-analyst' ? 'Ada Analyst' : 'COVID-19 outcomes';
      expect(foreseenEffect(reading.value, NAMES).join(' '), action).toContain(name);
      expect(confirmLabel(reading.value, NAMES), action).toContain(name);
    }
    const everywhere = readActionForm({ ...FORM, action: 'freeze_egress', target: '*' });
    if (!everywhere.ok) throw new Error(everywhere.message);
    expect(confirmLabel(everywhere.value, NAMES)).toBe('Freeze egress for every project');
    expect(foreseenEffect(everywhere.value, NAMES)[0]).toMatch(/^Egress is frozen for every project/);
    const revoke = readActionForm({ ...FORM, action: 'revoke_sessions' });
    if (!revoke.ok) throw new Error(revoke.message);
    expect(foreseenEffect(revoke.value, NAMES).join(' ')).toContain('not suspended');
  });
});

describe('the forms of an incident and of an access report', () => {
  it('reads an incident, its detection time in this computer’s time', () => {
    expect(
      readIncidentForm({ summary: ' Unusual downloads ', severity: 'high', detectedAt: '2026-12-03T08:30', personalData: true }, utc),
    ).toEqual({
      ok: true,
      value: { summary: 'Unusual downloads', severity: 'high', detectedAt: '2026-12-03T08:30:00.000Z', personalData: true },
    });
    expect(readIncidentForm({ summary: 'ok', severity: 'low', detectedAt: '2026-12-03T08:30', personalData: false }, utc)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Summary: must say something/),
    });
    expect(readIncidentForm({ summary: 'Leak', severity: 'low', detectedAt: '', personalData: false }, utc)).toEqual({
      ok: false,
      message: 'Detected at: enter a date and a time.',
    });
  });

  it('reads an access report request, and refuses a range that ends before it starts', () => {
    const form = { subject: 'person', id: 'demo-analyst', from: '2026-12-01T00:00', to: '2026-12-04T00:00' } as const;
    expect(readReportForm(form, utc)).toEqual({
      ok: true,
      value: { subject: 'person', id: 'demo-analyst', from: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' },
    });
    expect(readReportForm({ ...form, id: '' }, utc)).toEqual({ ok: false, message: 'Person: choose whom.' });
    expect(readReportForm({ ...form, to: '2026-11-30T00:00' }, utc)).toEqual({ ok: false, message: 'To must be later than From.' });
    expect(readReportForm({ ...form, from: '' }, utc)).toEqual({ ok: false, message: 'From: enter a date and a time.' });
  });

  it('reads an empty To as the moment the report is asked for, so the latest events are in however long the screen was open', () => {
    const form = { subject: 'project', id: 'covid-outcomes', from: '2026-12-01T00:00', to: ' ' } as const;
    const asked = new Date('2026-12-03T22:41:07.250Z');
    expect(readReportForm(form, utc, () => asked)).toEqual({
      ok: true,
      value: { subject: 'project', id: 'covid-outcomes', from: '2026-12-01T00:00:00.000Z', to: '2026-12-03T22:41:07.250Z' },
    });
    expect(readReportForm({ ...form, from: '2026-12-04T00:00' }, utc, () => asked)).toEqual({
      ok: false,
      message: 'To must be later than From.',
    });
  });
});

describe('restrictions and reports in words', () => {
  const restriction = (kind: Restriction['kind'], target: string): Pick<Restriction, 'kind' | 'target'> => ({ kind, target });

  it('sums up what is in force for the banner', () => {
    expect(restrictionsInWords([restriction('user_suspended', 'demo-analyst')])).toBe('1 person suspended');
    expect(
      restrictionsInWords([
        restriction('user_suspended', 'a'),
        restriction('user_suspended', 'b'),
        restriction('project_suspended', 'p'),
        restriction('egress_frozen', 'p'),
        restriction('egress_frozen', '*'),
      ]),
    ).toBe('2 people suspended · 1 project suspended · egress frozen for every project');
    expect(restrictionsInWords([restriction('egress_frozen', 'p'), restriction('egress_frozen', 'q')])).toBe(
      'egress frozen for 2 projects',
    );
  });

  it('names the target, or says every project', () => {
    expect(restrictionTarget({ kind: 'user_suspended', target: 'demo-analyst', targetName: 'Ada Analyst' })).toBe(
      'Ada Analyst (demo-analyst)',
    );
    expect(restrictionTarget({ kind: 'egress_frozen', target: '*', targetName: null })).toBe('Every project');
    expect(restrictionTarget({ kind: 'project_suspended', target: 'gone', targetName: null })).toBe('gone');
  });

  it('colours the serious severities red', () => {
    expect([severityBadge('critical'), severityBadge('high'), severityBadge('medium'), severityBadge('low')]).toEqual([
      'bad',
      'bad',
      'pending',
      'over',
    ]);
  });

  it('says a report’s totals in a line', () => {
    const report = (entries: number, byActivity: Record<string, number>, rows: number) =>
      ({ entries: Array.from({ length: entries }), totals: { byActivity, rows } }) as unknown as AccessReport;
    expect(reportTotalsInWords(report(0, {}, 0))).toBe('Nothing was recorded in this time.');
    expect(reportTotalsInWords(report(4, { query: 2, sign_in: 1, refused: 1 }, 12_345))).toBe(
      '4 entries: 1 sign-in, 2 queries, 1 refusal · 12,345 rows answered',
    );
  });
});
