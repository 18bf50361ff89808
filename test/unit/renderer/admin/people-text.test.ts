// The people screens' words and forms (renderer/src/admin/people-text.ts): the registration form and a person's changes
// as typed → the request the platform reads, or what is wrong in words, before anything is sent; the changes offered by
// where a person stands; the enrolment code as it is read out; and a person's history in sentences.
import { describe, expect, it } from 'vitest';
import {
  changeButtonLabel,
  changesFor,
  EMPTY_REGISTER_FORM,
  formatEnrolmentCode,
  historyInWords,
  lastSignInInWords,
  linesOf,
  readChangeForm,
  readReason,
  readRegisterForm,
  rolesFor,
  rolesInWords,
  STATUS_LABELS,
  type ChangeForm,
  type RegisterForm,
} from '../../../../renderer/src/admin/people-text.ts';

const FORM: RegisterForm = {
  ...EMPTY_REGISTER_FORM,
  id: ' new-analyst ',
  displayName: ' Nia Newcomer ',
  roles: ['analyst', 'admin'],
  verification: ' Passport seen in person ',
  accreditation: 'ONS Accredited Researcher 2024-1234\n\n  ONS Accredited Researcher 2024-1234 \nSafe Researcher 77\n',
};

describe('registering a person, as typed', () => {
  it('reads the form into what the platform reads: trimmed, roles in the form’s order, one accreditation a line', () => {
    expect(readRegisterForm(FORM)).toEqual({
      ok: true,
      value: {
        id: 'new-analyst',
        displayName: 'Nia Newcomer',
        email: null,
        organisation: null,
        roles: ['analyst', 'admin'],
        verification: 'Passport seen in person',
        accreditation: ['ONS Accredited Researcher 2024-1234', 'Safe Researcher 77'],
      },
    });
  });

  it('sends a subject only when one is typed (without it, the platform issues an enrolment code)', () => {
    const reading = readRegisterForm({ ...FORM, subject: '  a1b2c3 ', email: 'nia@example.org', organisation: 'Uni' });
    expect(reading.ok && reading.value).toMatchObject({ subject: 'a1b2c3', email: 'nia@example.org', organisation: 'Uni' });
    const without = readRegisterForm(FORM);
    expect(without.ok && 'subject' in without.value).toBe(false);
  });

  it('says what is wrong against the form’s own labels', () => {
    expect(readRegisterForm({ ...FORM, id: 'Nia Newcomer' })).toEqual({
      ok: false,
      message: 'Username: must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.',
    });
    expect(readRegisterForm({ ...FORM, roles: [] })).toEqual({ ok: false, message: 'Roles: must name at least one role.' });
    expect(readRegisterForm({ ...FORM, verification: 'no' })).toEqual({
      ok: false,
      message: 'How their identity was checked: must say how their identity was checked.',
    });
    const email = readRegisterForm({ ...FORM, email: 'not an address' });
    expect(email.ok ? '' : email.message).toMatch(/^Email: /);
    const name = readRegisterForm({ ...FORM, displayName: '   ' });
    expect(name.ok ? '' : name.message).toMatch(/^Name: /);
  });
});

describe('a reason', () => {
  it('is trimmed, and refused when shorter than 3 characters', () => {
    expect(readReason('  Left the project. ')).toEqual({ ok: true, value: 'Left the project.' });
    expect(readReason('  ok ')).toEqual({
      ok: false,
      message: 'Reason: say why (at least 3 characters); it is recorded in the audit log.',
    });
    expect(readReason('x'.repeat(2001)).ok).toBe(false);
  });
});

describe("a person's changes", () => {
  it('offers what fits where the person stands', () => {
    expect(changesFor({ status: 'active', roles: ['analyst'] })).toEqual(['grant', 'revoke', 'disable']);
    expect(changesFor({ status: 'suspended', roles: ['analyst'] })).toEqual(['grant', 'revoke', 'disable']);
    expect(changesFor({ status: 'disabled', roles: ['analyst'] })).toEqual(['revoke', 'enable']);
    expect(changesFor({ status: 'invited', roles: ['analyst'] })).toEqual(['grant', 'revoke', 'bind']);
    expect(changesFor({ status: 'active', roles: ['analyst', 'output_checker', 'data_manager', 'admin'] })).toEqual(['revoke', 'disable']);
  });

  it('offers the roles not held to grant, and those held to revoke', () => {
    expect(rolesFor('grant', ['analyst'])).toEqual(['output_checker', 'data_manager', 'admin']);
    expect(rolesFor('revoke', ['admin', 'analyst'])).toEqual(['analyst', 'admin']);
    expect(rolesFor('disable', ['analyst'])).toEqual([]);
  });

  const change = (form: Partial<ChangeForm>): ChangeForm => ({ kind: 'grant', role: '', subject: '', reason: '', ...form });

  it('reads each change into the call the platform answers, with the reason trimmed', () => {
    expect(readChangeForm('ben', change({ role: 'admin', reason: ' Covers for Dana. ' }))).toEqual({
      ok: true,
      value: { method: 'admin.changeRole', input: { userId: 'ben', change: 'grant', role: 'admin', reason: 'Covers for Dana.' } },
    });
    expect(readChangeForm('ben', change({ kind: 'revoke', role: 'analyst', reason: 'Moved team' }))).toMatchObject({
      ok: true,
      value: { method: 'admin.changeRole', input: { change: 'revoke', role: 'analyst' } },
    });
    expect(readChangeForm('ben', change({ kind: 'disable', reason: 'Has left.' }))).toEqual({
      ok: true,
      value: { method: 'admin.setStatus', input: { userId: 'ben', status: 'disabled', reason: 'Has left.' } },
    });
    expect(readChangeForm('ben', change({ kind: 'enable', reason: 'Back again.' }))).toMatchObject({
      ok: true,
      value: { method: 'admin.setStatus', input: { status: 'active' } },
    });
    expect(readChangeForm('nia', change({ kind: 'bind', subject: ' s-123 ', reason: 'Seen in person.' }))).toEqual({
      ok: true,
      value: { method: 'admin.bindPerson', input: { userId: 'nia', subject: 's-123', reason: 'Seen in person.' } },
    });
  });

  it('says what is missing before asking the platform', () => {
    expect(readChangeForm('ben', change({ reason: 'Covers for Dana.' }))).toEqual({ ok: false, message: 'Role: choose which.' });
    expect(readChangeForm('nia', change({ kind: 'bind', reason: 'Seen in person.' }))).toMatchObject({ ok: false });
    expect(readChangeForm('ben', change({ kind: 'disable', reason: ' ' }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Reason: /) as unknown,
    });
  });

  it('labels the button with what it does', () => {
    expect(changeButtonLabel('grant', 'admin')).toBe('Grant Administrator');
    expect(changeButtonLabel('revoke', 'output_checker')).toBe('Revoke Output checker');
    expect(changeButtonLabel('grant', '')).toBe('Grant the role');
    expect(changeButtonLabel('disable', '')).toBe('Disable');
  });
});

describe('words', () => {
  it('say roles, statuses and the last sign-in', () => {
    expect(rolesInWords(['admin', 'analyst'])).toBe('Administrator, Analyst');
    expect(rolesInWords([])).toBe('No role');
    expect(Object.values(STATUS_LABELS)).toEqual(['Invited', 'Active', 'Suspended', 'Disabled']);
    expect(lastSignInInWords(null)).toBe('Never');
    expect(lastSignInInWords('2026-03-01T09:00:00.000Z')).toMatch(/2026/);
  });

  it('group an enrolment code in fives, as it is read out', () => {
    expect(formatEnrolmentCode('ABCDEFGHJKLMNPQRSTUV')).toBe('ABCDE-FGHJK-LMNPQ-RSTUV');
  });

  it('take one entry a line, trimmed, without blanks or repeats', () => {
    expect(linesOf(' a \n\nb\na\r\n c')).toEqual(['a', 'b', 'c']);
  });
});

describe("a person's history", () => {
  const line = (type: string, details: Record<string, unknown>, outcome: 'success' | 'failure' = 'success') =>
    historyInWords({ type, details, outcome });

  it('says the people events in sentences', () => {
    expect(
      line('user.registered', {
        roles: ['analyst'],
        verification: 'Passport seen in person',
        accreditation: ['ONS 1'],
        bound: false,
      }),
    ).toEqual({
      what: 'Registered',
      details: 'Roles: Analyst. Identity checked: Passport seen in person. Accreditation: ONS 1. Invited: an enrolment code was issued.',
    });
    expect(line('user.role_granted', { role: 'admin', new: ['admin', 'analyst'], reason: 'Cover.', approvedBy: 'demo-admin' })).toEqual({
      what: 'Role granted',
      details: 'Administrator (roles now: Administrator, Analyst). Approved by demo-admin. Reason: Cover.',
    });
    expect(line('user.role_grant_requested', { role: 'admin', reason: 'Cover.' }).details).toBe(
      'Administrator: waits for another administrator to approve it. Reason: Cover.',
    );
    expect(line('user.role_revoked', { role: 'analyst', new: ['output_checker'], reason: 'Moved.' }).details).toBe(
      'Analyst (roles now: Output checker). Reason: Moved.',
    );
    expect(line('user.disabled', { old: 'active', new: 'disabled', reason: 'Has left.' })).toEqual({
      what: 'Disabled',
      details: 'Was active. Reason: Has left.',
    });
    expect(line('user.enabled', { reason: 'Back.' }).details).toBe('Active again. Reason: Back.');
    expect(line('terms.accepted', { audience: 'everyone', version: 2 }).details).toBe('Everyone’s terms of use, version 2.');
    expect(line('terms.accepted', { audience: 'analyst', version: 1 }).details).toBe('The Analyst terms of use, version 1.');
    expect(
      line('training.recorded', { course: 'Safe Researcher Training', completed: '2026-01-01', expires: '2029-01-01', evidence: 'SRT-9' })
        .details,
    ).toBe('Safe Researcher Training: completed 2026-01-01, expires 2029-01-01. Evidence: SRT-9.');
    expect(line('session.signed_in', { via: 'api' })).toEqual({ what: 'Signed in', details: '' });
  });

  it('falls back on the audit log’s summary for any other event, leaving out which door it came through', () => {
    expect(line('query.run', { via: 'api', projectId: 'covid-outcomes', rows: 3, durationMs: 41 })).toEqual({
      what: 'query.run',
      details: 'project covid-outcomes · 3 rows in 41 ms',
    });
  });
});
