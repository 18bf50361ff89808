// The terms screen's words and form (issue 18), pure: who each set of terms is for, where each version stands today
// (in force, from a later date, replaced), and the publishing form as typed → the terms the platform reads, or what is
// wrong with it in words.
import { ROLE_LABELS, ROLES } from '../../../src/common/people.ts';
import {
  PublishTermsSchema,
  TERMS_MAX_CHARS,
  type PublishTerms,
  type TermsAudience,
  type TermsVersion,
} from '../../../src/common/terms.ts';
import { localToInstant } from './audit-filter.ts';
import type { Reading } from './kill-switch-text.ts';

/** Everyone's terms first, then each role's. */
export const AUDIENCES: readonly TermsAudience[] = ['everyone', ...ROLES];

export const AUDIENCE_LABELS: Readonly<Record<TermsAudience, string>> = { everyone: 'Everyone', ...ROLE_LABELS };

/** in_force: the version people are shown now; scheduled: takes over later; replaced: a newer one is in force. */
export type VersionStanding = 'in_force' | 'scheduled' | 'replaced';

export const STANDING_LABELS: Readonly<Record<VersionStanding, string>> = {
  in_force: 'In force',
  scheduled: 'From a later date',
  replaced: 'Replaced',
};

export const STANDING_BADGES: Readonly<Record<VersionStanding, 'good' | 'pending' | 'over'>> = {
  in_force: 'good',
  scheduled: 'pending',
  replaced: 'over',
};

export interface AudienceTerms {
  readonly audience: TermsAudience;
  /** Newest first, each with where it stands at `now`. */
  readonly versions: ReadonlyArray<{ readonly version: TermsVersion; readonly standing: VersionStanding }>;
}

/**
 * The history grouped by audience (in AUDIENCES' order; only those with terms), each newest version first. The one in
 * force is the newest whose effective time has come; newer ones are scheduled, older ones replaced.
 */
export function termsByAudience(history: readonly TermsVersion[], now: Date): AudienceTerms[] {
  const at = now.getTime();
  return AUDIENCES.flatMap((audience) => {
    const versions = history.filter((entry) => entry.audience === audience).sort((a, b) => b.version - a.version);
    if (versions.length === 0) return [];
    const inForce = versions.find((entry) => new Date(entry.effectiveAt).getTime() <= at)?.version ?? null;
    return [
      {
        audience,
        versions: versions.map((version) => ({
          version,
          standing: (inForce === null || version.version > inForce
            ? 'scheduled'
            : version.version === inForce
              ? 'in_force'
              : 'replaced') satisfies VersionStanding,
        })),
      },
    ];
  });
}

/** The publishing form as typed; effectiveAt is a datetime-local input's value ("" for now). */
export interface PublishForm {
  readonly audience: TermsAudience;
  readonly text: string;
  readonly summary: string;
  readonly effectiveAt: string;
  readonly requiresAcceptance: boolean;
}

export const EMPTY_PUBLISH_FORM: PublishForm = {
  audience: 'everyone',
  text: '',
  summary: '',
  effectiveAt: '',
  requiresAcceptance: true,
};

const PUBLISH_LABELS: Record<string, string> = {
  audience: 'For',
  text: 'The terms',
  summary: 'What changed',
  effectiveAt: 'In force from',
  requiresAcceptance: 'Accept again',
};

export function readPublishForm(form: PublishForm, toInstant: (local: string) => string | null = localToInstant): Reading<PublishTerms> {
  const local = form.effectiveAt.trim();
  const effectiveAt = local === '' ? undefined : toInstant(local);
  if (effectiveAt === null) return { ok: false, message: 'In force from: enter a date and a time, or leave it empty for now.' };
  // The text is published exactly as typed: its sha256 is what people accept.
  const candidate: PublishTerms = {
    audience: form.audience,
    text: form.text,
    summary: form.summary.trim(),
    requiresAcceptance: form.requiresAcceptance,
    ...(effectiveAt === undefined ? {} : { effectiveAt }),
  };
  const parsed = PublishTermsSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, value: candidate };
  const issue = parsed.error.issues[0];
  const key = issue?.path[0];
  const label = typeof key === 'string' ? (PUBLISH_LABELS[key] ?? key) : 'The terms';
  return { ok: false, message: `${label}: ${issue?.message ?? 'is not valid'}.` };
}

/** "1,234 of 100,000 characters". */
export function lengthInWords(text: string): string {
  return `${text.length.toLocaleString('en-GB')} of ${TERMS_MAX_CHARS.toLocaleString('en-GB')} characters`;
}
