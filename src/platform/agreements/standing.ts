// Whether an agreement, and one person's membership of it, is in force at a moment: pure functions of the agreement
// and the clock. Every refusal carries a message the person can act on. Dates in an agreement are calendar days in
// the UK: a start is the first day in force, an end or expiry the last, and "today" is today in Europe/London.
import type { Agreement, AgreementMember } from './schema.ts';

export type ProjectRefusal = 'no_dpia' | 'not_started' | 'expired';
export type MemberRefusal = ProjectRefusal | 'not_member' | 'membership_not_started' | 'membership_ended' | 'training_expired';

export type ProjectStanding = { inForce: true } | { inForce: false; reason: ProjectRefusal; message: string };
export type MemberStanding = { inForce: true; member: AgreementMember } | { inForce: false; reason: MemberRefusal; message: string };

const londonDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day in the UK at `now`, as an agreement writes days: 2026-10-31. */
export function ukDay(now: Date): string {
  return londonDay.format(now);
}

export function projectStanding(agreement: Agreement, now: Date): ProjectStanding {
  const today = ukDay(now);
  const name = agreement.projectName;
  if (agreement.dpiaReference === null) {
    return {
      inForce: false,
      reason: 'no_dpia',
      message: `${name} cannot start: its agreement has no data protection impact assessment reference. Ask the data manager to add it.`,
    };
  }
  if (today < agreement.start) {
    return { inForce: false, reason: 'not_started', message: `The agreement for ${name} starts on ${agreement.start}.` };
  }
  if (today > agreement.expires) {
    return {
      inForce: false,
      reason: 'expired',
      message: `The agreement for ${name} expired on ${agreement.expires}: ask the data manager to renew it.`,
    };
  }
  return { inForce: true };
}

/** Where one listed member stands on their own (their dates and training), whatever the agreement's standing. */
export type MembershipState = 'in_force' | 'not_started' | 'ended' | 'training_lapsed';

/** A member's training for their role, from the platform's training records. */
export interface MemberTraining {
  readonly valid: boolean;
  /** The lapsed course's expiry (or the soonest expiry of valid ones); null when there is no record. */
  readonly expires: string | null;
  readonly course: string | null;
}

export function membershipState(member: AgreementMember, now: Date, training?: MemberTraining): MembershipState {
  const today = ukDay(now);
  if (today < member.start) return 'not_started';
  if (today > member.end) return 'ended';
  if (training !== undefined && !training.valid) return 'training_lapsed';
  return 'in_force';
}

/**
 * Whether the person may use the project now as a member. Their training, when given, is the platform's record for
 * their role (the routes refuse a role whose training lapsed on their own, naming the course).
 */
export function memberStanding(
  agreement: Agreement,
  /** The person's id, or their id and their training on the platform's records. */
  who: string | { readonly userId: string; readonly training?: MemberTraining },
  now: Date,
): MemberStanding {
  const { userId, training } = typeof who === 'string' ? { userId: who, training: undefined } : who;
  const project = projectStanding(agreement, now);
  if (!project.inForce) return project;
  const member = agreement.members.find((candidate) => candidate.userId === userId);
  if (member === undefined) return { inForce: false, reason: 'not_member', message: 'You are not a member of this project.' };
  const name = agreement.projectName;
  switch (membershipState(member, now, training)) {
    case 'not_started':
      return { inForce: false, reason: 'membership_not_started', message: `Your membership of ${name} starts on ${member.start}.` };
    case 'ended':
      return { inForce: false, reason: 'membership_ended', message: `Your membership of ${name} ended on ${member.end}.` };
    case 'training_lapsed':
      return {
        inForce: false,
        reason: 'training_expired',
        message:
          training?.expires === null || training?.expires === undefined
            ? `There is no record of your ${training?.course ?? 'training'}, which ${name} needs: complete it, then ask your administrator to record it.`
            : `Your ${training.course ?? 'training'} expired on ${training.expires}: renew it to use ${name}.`,
      };
    case 'in_force':
      return { inForce: true, member };
  }
}
