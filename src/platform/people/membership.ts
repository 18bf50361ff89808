// A project's members, edited on its page by a data manager or an admin and saved as a new version of the project's
// agreement through the loader's own validation (the same checks as an edited file), so membership has one source: the
// agreement. Rules: nobody changes their own membership; only a data manager grants (or withdraws) permission to request
// release, on the data owner's behalf; a reason is required, and the change is an audit event with the old and new members.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MemberEdit } from '../../common/agreement-views.ts';
import type { User } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { AgreementInForce } from '../agreements/loader.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AgreementsInForce } from '../authz/access-policy.ts';
import type { JsonValue } from '../audit/canonical-json.ts';

function sameMember(a: MemberEdit | undefined, b: MemberEdit | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.role === b.role && a.start === b.start && a.end === b.end && a.mayRequestRelease === b.mayRequestRelease;
}

const editOf = (member: AgreementInForce['agreement']['members'][number]): MemberEdit => ({
  userId: member.userId,
  role: member.role,
  start: member.start,
  end: member.end,
  mayRequestRelease: member.mayRequestRelease,
});

export async function updateMembers(options: {
  agreements: AgreementsInForce;
  audit: AuditLog;
  actor: User;
  projectId: string;
  members: readonly MemberEdit[];
  reason: string;
}): Promise<AgreementInForce> {
  const { agreements, actor, projectId } = options;
  const current = agreements.get(projectId);
  if (current === undefined || agreements.dir === undefined || agreements.save === undefined) {
    throw new EnclaveError('not_found', 'This project has no agreement in force whose members could be changed.');
  }
  if (new Set(options.members.map((member) => member.userId)).size !== options.members.length) {
    throw new EnclaveError('invalid_input', 'A person is listed twice: list each member once.');
  }
  const before = new Map(current.agreement.members.map((member) => [member.userId, editOf(member)]));
  const after = new Map(options.members.map((member) => [member.userId, member]));
  if (!sameMember(before.get(actor.id), after.get(actor.id))) {
    throw new EnclaveError('forbidden', 'You cannot change your own membership: ask another data manager or administrator.');
  }
  const held = actor.roles ?? [actor.role];
  const releaseChanged = [...new Set([...before.keys(), ...after.keys()])].some(
    (userId) => (before.get(userId)?.mayRequestRelease ?? false) !== (after.get(userId)?.mayRequestRelease ?? false),
  );
  if (releaseChanged && !held.includes('data_manager')) {
    throw new EnclaveError(
      'forbidden',
      'Only a data manager grants or withdraws permission to request release, on the data owner’s behalf.',
    );
  }
  // The file as the data manager keeps it, with only its members replaced: every other field stays exactly as written.
  const file = path.join(agreements.dir, `${projectId}.json`);
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  json.members = options.members.map((member) => ({ ...member }));
  const saved = await agreements.save({ projectId, text: `${JSON.stringify(json, null, 2)}\n` });
  if (!saved.ok) throw new EnclaveError('invalid_input', saved.error.message);
  const asJson = (members: Iterable<MemberEdit>): JsonValue => [...members].map((member) => ({ ...member }));
  await options.audit.append({
    type: 'agreement.members_changed',
    actor: actor.id,
    outcome: 'success',
    details: {
      projectId,
      reason: options.reason.trim(),
      version: saved.inForce.version,
      old: asJson(before.values()),
      new: asJson(options.members),
    },
  });
  return saved.inForce;
}
