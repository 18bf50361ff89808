// People (issue 18): who may use Enclave. A person record, the roles a person holds, their status, how their identity
// was verified, and the administrators' changes to them. Pure zod, shared by the platform's routes
// (src/common/platform-api.ts), the workstation contract (src/common/contract.ts), the CLI and the renderer. This file
// must not import contract.ts at run time: contract.ts imports it.
import { z } from 'zod';

/**
 * analyst: queries and analyses project data; output_checker: reviews release requests; data_manager: manages
 * agreements and members on the asset owner's behalf; admin: people, incidents, the platform.
 */
export const RoleSchema = z.enum(['analyst', 'output_checker', 'data_manager', 'admin']);
export type Role = z.infer<typeof RoleSchema>;
export const ROLES = RoleSchema.options;

/** The role a person's window opens on when they hold several: the first of these they hold. */
export const ROLE_PRECEDENCE: readonly Role[] = ['admin', 'data_manager', 'output_checker', 'analyst'];

/** The roles in precedence order, without repeats; the first is the person's primary role. */
export function orderedRoles(roles: readonly Role[]): Role[] {
  return ROLE_PRECEDENCE.filter((role) => roles.includes(role));
}

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  analyst: 'Analyst',
  output_checker: 'Output checker',
  data_manager: 'Data manager',
  admin: 'Administrator',
};

/**
 * invited: registered, not yet bound to an identity (an enrolment code is out); active: may sign in; suspended: stopped
 * by the kill switch during an incident (a restriction in force, lifted by an administrator); disabled: has left.
 * People are never deleted: a disabled person's history stays readable.
 */
export const PersonStatusSchema = z.enum(['invited', 'active', 'suspended', 'disabled']);
export type PersonStatus = z.infer<typeof PersonStatusSchema>;

const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const PersonIdSchema = z.string().regex(ID_PATTERN, 'must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit');

/** How the person's identity was checked before they were registered. */
export const VerificationSchema = z.object({
  /** "Passport seen in person", "Employer's HR record", "NHS smartcard". */
  method: z.string().trim().min(3).max(200),
  /** Who checked and when; null for a record that does not say (the demo's accounts). */
  by: z.string().nullable(),
  at: z.iso.datetime().nullable(),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const PersonSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  organisation: z.string().nullable(),
  /** In precedence order; the first is the primary role. */
  roles: z.array(RoleSchema),
  status: PersonStatusSchema,
  /** The identity provider the person signs in with ('embedded', or the external issuer's URL); null until bound. */
  issuer: z.string().nullable(),
  /** Whether a subject is bound (the subject itself is not shown). */
  bound: z.boolean(),
  verification: VerificationSchema.nullable(),
  /** Accreditation references (e.g. "ONS Accredited Researcher 2024-1234"). */
  accreditation: z.array(z.string()),
  createdAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  /** The last sign-in the audit log records; null when none. */
  lastSignInAt: z.string().nullable(),
  /** accepted: every current terms of use they need; pending: some still to accept; none: no terms apply to them. */
  terms: z.enum(['accepted', 'pending', 'none']),
  /** Across the courses their roles need: all valid; one expires within 30 days; one lapsed or missing; none needed. */
  training: z.enum(['valid', 'expiring', 'lapsed', 'none']),
});
export type Person = z.infer<typeof PersonSchema>;

const Text = (max: number) => z.string().trim().min(1).max(max);

/** Registering a person: without a subject they are invited, and an enrolment code is issued. */
export const RegisterPersonSchema = z
  .object({
    id: PersonIdSchema,
    displayName: Text(200),
    email: z.email().max(320).nullable().default(null),
    organisation: Text(200).nullable().default(null),
    roles: z.array(RoleSchema).min(1, 'must name at least one role').max(ROLES.length),
    /** How their identity was checked. */
    verification: z.string().trim().min(3, 'must say how their identity was checked').max(200),
    accreditation: z.array(Text(200)).max(20).default([]),
    /** Bind directly when the administrator knows the person's subject at the identity provider. */
    subject: Text(255).optional(),
  })
  .strict()
  .describe('The person');
export type RegisterPerson = z.input<typeof RegisterPersonSchema>;

/** What registering answers: the person, and the one-time enrolment code (shown once) unless they were bound directly. */
export const RegisteredPersonSchema = z.object({
  person: PersonSchema,
  enrolment: z.object({ code: z.string(), expiresAt: z.iso.datetime() }).nullable(),
});
export type RegisteredPerson = z.infer<typeof RegisteredPersonSchema>;

const Reason = z
  .string()
  .max(2000)
  .refine((text) => text.trim().length >= 3, 'must say why (at least 3 characters)');

/** Granting or revoking one role. */
export const RoleChangeSchema = z.object({ role: RoleSchema, reason: Reason }).strict().describe('The role change');
export type RoleChange = z.infer<typeof RoleChangeSchema>;

/** Disabling someone who left, or enabling them again. */
export const StatusChangeSchema = z
  .object({ status: z.enum(['active', 'disabled']), reason: Reason })
  .strict()
  .describe('The status change');
export type StatusChange = z.infer<typeof StatusChangeSchema>;

export const BindSubjectSchema = z
  .object({ subject: Text(255), reason: Reason })
  .strict()
  .describe('The binding');

/** A change that needs a second administrator (granting admin once there are two): requested, then approved by another. */
export const PendingChangeSchema = z.object({
  id: z.string(),
  kind: z.literal('grant_role'),
  userId: z.string(),
  role: RoleSchema,
  reason: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  status: z.enum(['pending', 'approved', 'refused']),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export type PendingChange = z.infer<typeof PendingChangeSchema>;

/** What a change answered: the person as they are now, and the change left for a second administrator, if any. */
export const PersonChangeResultSchema = z.object({ person: PersonSchema, pending: PendingChangeSchema.nullable(), summary: z.string() });
export type PersonChangeResult = z.infer<typeof PersonChangeResultSchema>;

export const DecideChangeSchema = z.object({ approve: z.boolean(), reason: Reason }).strict().describe('The decision');

/** An enrolment code as a person types it: 4 groups of 5 letters and digits (no look-alikes), dashes optional. */
export const ENROLMENT_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const EnrolSchema = z
  .object({
    code: z
      .string()
      .max(40)
      .transform((text) => text.toUpperCase().replaceAll(/[\s-]/g, ''))
      .pipe(z.string().regex(new RegExp(`^[${ENROLMENT_CODE_ALPHABET}]{20}$`), 'must be the 20-character code you were sent')),
  })
  .strict()
  .describe('The enrolment');

/** Days an enrolment code is valid. */
export const ENROLMENT_CODE_DAYS = 7;

/** The person's page: the record, and their history from the audit log (by them and about them), newest first. */
export const PersonDetailSchema = z.object({
  person: PersonSchema,
  pending: z.array(PendingChangeSchema),
  history: z.array(
    z.object({
      seq: z.number().int().positive(),
      occurredAt: z.string(),
      type: z.string(),
      actor: z.string().nullable(),
      outcome: z.enum(['success', 'failure']),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
});
export type PersonDetail = z.infer<typeof PersonDetailSchema>;

export const PeopleOverviewSchema = z.object({ people: z.array(PersonSchema), pending: z.array(PendingChangeSchema) });
export type PeopleOverview = z.infer<typeof PeopleOverviewSchema>;
