// What a person reads when something failed: an EnclaveError's own message (written for people, nothing secret),
// and for anything else (a bug, a library's raw text) the caller's plain fallback.
import { EnclaveError } from '../../../src/common/errors.ts';

export function messageOf(err: unknown, fallback: string): string {
  return err instanceof EnclaveError ? err.message : fallback;
}
