// The airlock on the platform (issue 16): release requests, the two blinded reviews, release and the ledger. The
// platform is authoritative: it re-runs the disclosure-control check on every output it stores and again at submission,
// stores each file's SHA-256 when it is added (in its records and in the audit log, whose key the database does not
// hold), and refuses a release whose stored bytes no longer hash to what was reviewed, whose check made at release (the
// source of what is published) differs from the one the reviewers voted on, when egress is frozen, or when the author
// may no longer request release. Its checks run one at a time, each within a deadline. A vote counts only on the check
// it was cast on. State changes follow the state machine in src/common/airlock.ts; every change but a comment takes the
// version its caller saw, so of two calls on the same version exactly one happens. An open request is frozen while its
// author's access is suspended (issue 18): every change to it is refused, whoever asks, until the suspension is lifted.
// Every decision, every view of a request or of a list (the project's requests, the queue, the ledger), every read of
// a request's file, of a released file and of a package is an audit event, refused ones included; the analyst's own
// preview check of an output (`check`) is no view of a request and is not.
import { authorOperations } from './author-operations.ts';
import { createAirlockContext, type AirlockDependencies } from './context.ts';
import { releaseOperations } from './release-operations.ts';
import { reviewOperations } from './review-operations.ts';
import type { AirlockService } from './service-api.ts';

export type { AirlockDependencies };
export type { AirlockService } from './service-api.ts';

export function createAirlockService(deps: AirlockDependencies): AirlockService {
  const ctx = createAirlockContext(deps);
  return { ...authorOperations(ctx), ...reviewOperations(ctx), ...releaseOperations(ctx) };
}
