// The terms screen's words and form (renderer/src/admin/terms-text.ts): where each version stands today, grouped by who
// the terms are for, and the publishing form as typed → the terms the platform reads, or what is wrong in words.
import { describe, expect, it } from 'vitest';
import type { TermsVersion } from '../../../../src/common/terms.ts';
import { EMPTY_PUBLISH_FORM, readPublishForm, termsByAudience } from '../../../../renderer/src/admin/terms-text.ts';

const version = (audience: TermsVersion['audience'], n: number, effectiveAt: string): TermsVersion => ({
  audience,
  version: n,
  text: `Terms ${audience} ${n}, long enough to publish.`,
  sha256: 'a'.repeat(64),
  summary: `Version ${n}`,
  effectiveAt,
  author: 'demo-admin',
  publishedAt: '2026-01-01T00:00:00.000Z',
  requiresAcceptance: true,
});

const NOW = new Date('2026-06-01T12:00:00Z');
/** Local times read as UTC, so the tests do not depend on this computer's zone. */
const utc = (local: string): string | null =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? new Date(`${local}:00Z`).toISOString() : null;

describe('the terms history', () => {
  it('groups by audience (everyone first), newest version first, with the one in force today', () => {
    const history = [
      version('analyst', 1, '2026-01-01T00:00:00Z'),
      version('everyone', 1, '2026-01-01T00:00:00Z'),
      version('analyst', 3, '2026-07-01T00:00:00Z'),
      version('analyst', 2, '2026-05-01T00:00:00Z'),
    ];
    const groups = termsByAudience(history, NOW);
    expect(groups.map((group) => group.audience)).toEqual(['everyone', 'analyst']);
    expect(groups[1].versions.map((entry) => [entry.version.version, entry.standing])).toEqual([
      [3, 'scheduled'],
      [2, 'in_force'],
      [1, 'replaced'],
    ]);
    expect(groups[0].versions.map((entry) => entry.standing)).toEqual(['in_force']);
  });

  it('has nothing in force for an audience whose only version starts later', () => {
    expect(termsByAudience([version('admin', 1, '2027-01-01T00:00:00Z')], NOW)[0].versions[0].standing).toBe('scheduled');
    expect(termsByAudience([], NOW)).toEqual([]);
  });
});

describe('publishing, as typed', () => {
  const FORM = {
    ...EMPTY_PUBLISH_FORM,
    audience: 'analyst' as const,
    text: '# Terms\n\nUse the data only for the project.\n',
    summary: ' First terms ',
  };

  it('sends the text exactly as typed, the summary trimmed, and no time for "now"', () => {
    expect(readPublishForm(FORM, utc)).toEqual({
      ok: true,
      value: { audience: 'analyst', text: FORM.text, summary: 'First terms', requiresAcceptance: true },
    });
  });

  it('reads a local time as the moment they come into force', () => {
    expect(readPublishForm({ ...FORM, effectiveAt: '2026-07-01T09:30', requiresAcceptance: false }, utc)).toEqual({
      ok: true,
      value: {
        audience: 'analyst',
        text: FORM.text,
        summary: 'First terms',
        requiresAcceptance: false,
        effectiveAt: '2026-07-01T09:30:00.000Z',
      },
    });
  });

  it('says what is wrong', () => {
    expect(readPublishForm({ ...FORM, effectiveAt: 'soon' }, utc)).toEqual({
      ok: false,
      message: 'In force from: enter a date and a time, or leave it empty for now.',
    });
    expect(readPublishForm({ ...FORM, text: 'Too short' }, utc)).toEqual({
      ok: false,
      message: 'The terms: must be the terms themselves (at least 20 characters).',
    });
    expect(readPublishForm({ ...FORM, summary: '' }, utc)).toEqual({ ok: false, message: 'What changed: must say what changed.' });
  });
});
