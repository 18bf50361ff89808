// The airlock's words on the analyst's screens: every state has a label, a hint and a tone; the three words of an
// output file (verdict, mitigation, decision) each have their own label and never borrow each other's words; a request
// is editable only while pending or returned; a request's age and its files in words.
import { describe, expect, it } from 'vitest';
import { EDITABLE_STATES, FileDecisionSchema, REQUEST_STATES } from '../../../src/common/airlock.ts';
import { MitigationSchema, VerdictSchema } from '../../../src/common/outputs.ts';
import {
  DECISION_LABELS,
  DECISION_WORD,
  decisionTone,
  isEditable,
  MITIGATION_LABELS,
  MITIGATION_WORD,
  STATE_HINTS,
  STATE_LABELS,
  stateTone,
  VERDICT_LABELS,
  VERDICT_WORD,
  verdictTone,
} from '../../../renderer/src/airlock/airlock-words.ts';
import { ageOf, filesText } from '../../../renderer/src/airlock/request-age.ts';

describe('request states in words', () => {
  it('give every state a distinct label and a hint', () => {
    const labels = REQUEST_STATES.map((state) => STATE_LABELS[state]);
    expect(new Set(labels).size).toBe(REQUEST_STATES.length);
    for (const state of REQUEST_STATES) expect(STATE_HINTS[state].length, state).toBeGreaterThan(20);
  });

  it('colour the end states: released and approved good, rejected and revoked bad, waiting ones pending', () => {
    expect(REQUEST_STATES.map((state) => [state, stateTone(state)])).toEqual([
      ['PENDING', 'over'],
      ['SUBMITTED', 'pending'],
      ['PARTIALLY_REVIEWED', 'pending'],
      ['REVIEWED', 'pending'],
      ['APPROVED', 'good'],
      ['RELEASED', 'good'],
      ['RETURNED', 'pending'],
      ['WITHDRAWN', 'over'],
      ['REJECTED', 'bad'],
      ['REVOKED', 'bad'],
    ]);
  });

  it('let the author change a request only while it is pending or returned, as the platform does', () => {
    expect(REQUEST_STATES.filter(isEditable)).toEqual(['PENDING', 'RETURNED']);
    expect([...EDITABLE_STATES].sort()).toEqual(REQUEST_STATES.filter(isEditable).sort());
  });
});

describe('the three words of an output file', () => {
  it('each have their own label', () => {
    expect(new Set([VERDICT_WORD, MITIGATION_WORD, DECISION_WORD]).size).toBe(3);
  });

  it('never share a word: a verdict never reads "Approved", a decision never "Flag"', () => {
    const verdicts = VerdictSchema.options.map((verdict) => VERDICT_LABELS[verdict]);
    const mitigations = MitigationSchema.options.map((mitigation) => MITIGATION_LABELS[mitigation]);
    const decisions = FileDecisionSchema.options.map((decision) => DECISION_LABELS[decision]);
    expect(verdicts).toEqual(['Pass', 'Flag', 'Review']);
    expect(mitigations).toEqual(['None', 'Suppressed', 'Rounded']);
    expect(decisions).toEqual(['Not decided yet', 'Approved', 'Changes requested', 'Conflicted']);
    expect(new Set([...verdicts, ...mitigations, ...decisions]).size).toBe(verdicts.length + mitigations.length + decisions.length);
  });

  it('colour a flag bad and a review pending; an approval good, a conflict pending, changes requested bad', () => {
    expect(VerdictSchema.options.map(verdictTone)).toEqual(['good', 'bad', 'pending']);
    expect(FileDecisionSchema.options.map(decisionTone)).toEqual(['over', 'good', 'bad', 'pending']);
  });
});

describe('a request’s age', () => {
  const now = new Date('2026-12-10T12:00:00Z');

  it('is said in whole units, rounded down', () => {
    expect(ageOf('2026-12-10T11:59:30Z', now)).toBe('under a minute');
    expect(ageOf('2026-12-10T11:59:00Z', now)).toBe('1 minute');
    expect(ageOf('2026-12-10T11:00:01Z', now)).toBe('59 minutes');
    expect(ageOf('2026-12-10T11:00:00Z', now)).toBe('1 hour');
    expect(ageOf('2026-12-09T12:00:01Z', now)).toBe('23 hours');
    expect(ageOf('2026-12-09T12:00:00Z', now)).toBe('1 day');
    expect(ageOf('2026-11-30T11:00:00Z', now)).toBe('10 days');
  });

  it('counts a moment ahead of this computer’s clock as now, and says when it cannot tell', () => {
    expect(ageOf('2026-12-10T12:05:00Z', now)).toBe('under a minute');
    expect(ageOf('not a time', now)).toBe('unknown');
  });

  it('names the outputs and supporting files a request holds', () => {
    expect(filesText(0, 0)).toBe('No files yet');
    expect(filesText(1, 1)).toBe('1 output');
    expect(filesText(2, 2)).toBe('2 outputs');
    expect(filesText(3, 1)).toBe('1 output, 2 supporting files');
    expect(filesText(1, 0)).toBe('0 outputs, 1 supporting file');
  });
});
