// Whose workspace this is: the signed-in person as the identity provider names them (issuer and `sub`). The core
// passes both from its session; nothing here opens a workspace without them, and nothing else stands in for them
// (a display name or a platform user id can be reused; an issuer's `sub` is never reassigned).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { IdSchema } from '../../common/contract.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';
import { isHttpsOrLoopbackHttp } from '../../common/loopback.ts';

function isIssuerUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return isHttpsOrLoopbackHttp(url) && url.username === '' && url.password === '' && url.hash === '';
  } catch {
    return false;
  }
}

// Control characters never appear in an issuer or a `sub`; refusing them keeps them out of file contents too.
const PRINTABLE = /^[^\p{Cc}]+$/u;

export const WorkspaceOwnerSchema = z
  .object({
    issuer: z
      .string()
      .max(2048)
      .regex(PRINTABLE, 'must have no control characters')
      .refine(isIssuerUrl, 'must be the https:// URL of the identity provider (http:// only on 127.0.0.1 or localhost)'),
    /** OpenID Connect caps `sub` at 255 characters. */
    sub: z.string().min(1).max(255).regex(PRINTABLE, 'must have no control characters'),
  })
  .strict();
export type WorkspaceOwner = z.infer<typeof WorkspaceOwnerSchema>;

/** A project's id as the platform gives it: lower-case letters, digits, "-" and "_" (so never "..", "/" or "."). */
export const WorkspaceProjectIdSchema = IdSchema;

/** Checks who and which project before anything touches the disk; a clear error names the field at fault. */
export function parseWorkspaceKey(input: { owner: unknown; projectId: unknown }): { owner: WorkspaceOwner; projectId: string } {
  const owner = WorkspaceOwnerSchema.safeParse(input.owner);
  if (!owner.success) {
    throw new EnclaveError('unauthenticated', `A project's workspace opens only for the signed-in user: ${describeIssues(owner.error)}.`);
  }
  const projectId = WorkspaceProjectIdSchema.safeParse(input.projectId);
  if (!projectId.success) {
    throw new EnclaveError('invalid_input', `That is not a project id: ${describeIssues(projectId.error)}.`);
  }
  return { owner: owner.data, projectId: projectId.data };
}

/**
 * The name of a person's folder: a hash of issuer and `sub`, so no identifier appears in a path (paths end up in
 * logs, messages and backups). Length-prefixed by JSON, so no two (issuer, sub) pairs share a name.
 */
export function ownerFolderName(owner: WorkspaceOwner): string {
  return `u-${createHash('sha256')
    .update(JSON.stringify([owner.issuer, owner.sub]))
    .digest('hex')
    .slice(0, 32)}`;
}

export function sameOwner(a: WorkspaceOwner, b: WorkspaceOwner): boolean {
  return a.issuer === b.issuer && a.sub === b.sub;
}
