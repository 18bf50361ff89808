// The EnclaveError a call rejects with; fails the test if the call succeeds or throws anything else.
import { EnclaveError } from '../../src/common/errors.ts';

export async function errorOf(call: Promise<unknown>): Promise<EnclaveError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw new Error(`Expected an EnclaveError, got ${String(err)}`, { cause: err });
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}
