// The one receiving side every transport shares: name check, input parse, handler, output parse, error value.
import { describeIssues, EnclaveError, toErrorValue, type ErrorValue } from './errors.ts';
import { isMethodName, methods, type MethodInput, type MethodName, type MethodOutput } from './contract.ts';

export type Handlers = {
  [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>>;
};

export type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorValue };

export async function dispatch(handlers: Handlers, name: unknown, payload: unknown): Promise<Outcome> {
  if (!isMethodName(name)) {
    return { ok: false, error: { code: 'unknown_method', message: 'That is not a method of the workstation API.' } };
  }
  const parsed = methods[name].input.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_input', message: `Invalid input to ${name}: ${describeIssues(parsed.error)}` } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    const checked = methods[name].output.safeParse(value);
    if (!checked.success) {
      throw new EnclaveError('internal', `The workstation produced an invalid answer to ${name}.`);
    }
    return { ok: true, value: checked.data };
  } catch (err) {
    return { ok: false, error: toErrorValue(err) };
  }
}
