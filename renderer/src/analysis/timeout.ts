// A promise that gives up: some failures (a blocked or crashed worker) never settle on their own.

/** Settles like `work`, or rejects with Error('timeout') after `ms` milliseconds, whichever is first. */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
