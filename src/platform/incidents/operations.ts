// One registry of the work running for people on this platform instance (queries, samples, drive transfers),
// each with what stops it, so the kill switch can stop everything a suspended person or project has under way, at
// once, wherever it is: in the engine, or streaming its answer.
import { randomUUID } from 'node:crypto';
import type { EnclaveError } from '../../common/errors.ts';

export type OperationKind = 'query' | 'sample' | 'transfer';

export interface RunningOperation {
  readonly id: string;
  readonly kind: OperationKind;
  readonly userId: string;
  readonly projectId: string | null;
  /** ISO 8601. */
  readonly startedAt: string;
}

export interface OperationHandle {
  /** The work ended (answered, failed or went away): it leaves the registry. Safe to call twice. */
  end(): void;
}

export interface OperationRegistry {
  /** Registers work under way; `stop` must end it at once (abort the engine, cut the stream) with the reason given. */
  start(
    operation: { kind: OperationKind; userId: string; projectId: string | null },
    stop: (reason: EnclaveError) => void,
  ): OperationHandle;
  /** Stops every operation that matches, and answers which. */
  stopWhere(match: (operation: RunningOperation) => boolean, reason: EnclaveError): RunningOperation[];
  running(): RunningOperation[];
}

export function createOperationRegistry(now: () => Date = () => new Date()): OperationRegistry {
  const entries = new Map<string, { operation: RunningOperation; stop: (reason: EnclaveError) => void }>();
  return {
    start(operation, stop) {
      const id = randomUUID();
      entries.set(id, { operation: { id, ...operation, startedAt: now().toISOString() }, stop });
      return { end: () => void entries.delete(id) };
    },
    stopWhere(match, reason) {
      const stopped: RunningOperation[] = [];
      for (const [id, entry] of [...entries]) {
        if (!match(entry.operation)) continue;
        entries.delete(id);
        stopped.push(entry.operation);
        try {
          entry.stop(reason);
        } catch {
          // Stopping is best effort per operation: one that cannot be stopped must not keep the others running.
        }
      }
      return stopped;
    },
    running: () => [...entries.values()].map((entry) => entry.operation),
  };
}
