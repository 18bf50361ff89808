// Promises nobody awaits, or whose failure is deliberately dropped, named by why (issue 13 §4). Lint refuses a
// bare `void promise` and an empty `.catch(() => {})`, so every such call says which of these it is. None of them
// changes what happens: each is the plain promise code it replaces, with its reason as its name.

const ignore = (): void => undefined;

/** Its failure changes nothing (a cleanup, a courtesy call, closing what is already broken): dropped. Await it to wait. */
export function bestEffort(work: Promise<unknown>): Promise<void>;
export function bestEffort(work: Promise<unknown> | undefined): Promise<void> | undefined;
export function bestEffort(work: Promise<unknown> | undefined): Promise<void> | undefined {
  // undefined (from `x?.close()`): nothing to wait for, as `await undefined` waits for nothing.
  return work?.then(ignore, ignore);
}

/** Resolves once the work is over, failed or not, for what must come after it; its failure is for whoever awaits the work itself. */
export function settled(work: Promise<unknown>): Promise<void> {
  return work.then(ignore, ignore);
}

/** Not awaited: the work runs on, and a failure goes to `onFailure` (a log line) and nowhere else. */
export function inBackground(work: Promise<unknown>, onFailure: (err: unknown) => void): void {
  work.catch(onFailure);
}

/**
 * Not awaited here: its failure is handled elsewhere, inside the work (it shows or logs its own) or by whoever else
 * awaits the same promise. Nothing is attached, so a rejection nobody handles stays loud, as a bug should.
 */
export function handledElsewhere(work: Promise<unknown>): void {
  // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the one `void`: this helper is its name
  void work;
}
