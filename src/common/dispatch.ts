// The one receiving side every transport shares: name check, input parse, handler, output parse, error value.
import { describeIssues, EnclaveError, toErrorValue, type ErrorValue } from './errors.ts';
import { isMethodName, methods, type CallProgress, type MethodInput, type MethodName, type MethodOutput } from './contract.ts';

/** What a handler knows of the call it serves: whether the caller cancelled it, and where to say how far it got. */
export interface CallContext {
  /** Aborts when the caller cancels the call (or goes away, or the workstation closes). */
  readonly signal: AbortSignal;
  /** Tells the caller how far the call has got; throttled on the way, and dropped if nobody asked. */
  progress(progress: CallProgress): void;
}

/**
 * One handler per method. dispatch() always passes the call; it is optional in the type so that code calling a
 * handler directly (the CLI, tests) need not make one up: a handler that uses it falls back to detachedCall().
 */
export type Handlers = {
  [M in MethodName]: (input: MethodInput<M>, call?: CallContext) => Promise<MethodOutput<M>>;
};

export type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorValue };

/** For a call nobody can cancel or follow: a signal that never aborts, progress that goes nowhere. */
export function detachedCall(): CallContext {
  return { signal: new AbortController().signal, progress: () => {} };
}

// eslint-disable-next-line max-params -- every shell calls dispatch(handlers, name, payload); the call is an optional fourth
export async function dispatch(handlers: Handlers, name: unknown, payload: unknown, call: CallContext = detachedCall()): Promise<Outcome> {
  if (!isMethodName(name)) {
    return { ok: false, error: { code: 'unknown_method', message: 'That is not a method of the workstation API.' } };
  }
  const parsed = methods[name].input.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_input', message: `Invalid input to ${name}: ${describeIssues(parsed.error)}` } };
  }
  try {
    if (call.signal.aborted) throw new EnclaveError('cancelled', `The call to ${name} was cancelled.`);
    const handler = handlers[name] as (input: unknown, call: CallContext) => Promise<unknown>;
    const value = await handler(parsed.data, call);
    const checked = methods[name].output.safeParse(value);
    if (!checked.success) {
      throw new EnclaveError('internal', `The workstation produced an invalid answer to ${name}.`);
    }
    return { ok: true, value: checked.data };
  } catch (err) {
    return { ok: false, error: toErrorValue(err) };
  }
}
