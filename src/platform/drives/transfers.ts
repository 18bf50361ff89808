// The drives' byte transfers in the kill switch's registry of running work (issue 18, src/platform/incidents/
// operations.ts): a download from the moment its content is opened until its stream closes, an upload while its body
// streams in. A stop (its person or its project suspended, their sign-ins ended) destroys the stream with the refusal
// and cuts the caller's connection: a client never takes a cut download for a whole one, and a cut upload keeps
// nothing (the blob store removes the temporary file of a body that failed; the write refuses to commit).
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { EnclaveError } from '../../common/errors.ts';
import type { KillSwitch } from '../incidents/kill-switch.ts';
import type { OperationRegistry } from '../incidents/operations.ts';
import type { DriveCaller } from './service-api.ts';

export interface Transfer {
  /** The kill switch's refusal once it stopped this transfer, else undefined. */
  stoppedBy(): EnclaveError | undefined;
  /** The bytes are all sent or received (or the transfer failed): it leaves the registry. Safe to call twice. */
  end(): void;
}

/** What a body or a content stream is to a transfer: something it can destroy, if it is a stream. */
type Flow = AsyncIterable<Uint8Array> | Readable;

const isStream = (flow: Flow): flow is Readable => typeof (flow as Partial<Readable>).destroy === 'function';

/**
 * Registers a transfer of `flow` for the caller's person and project. With `untilClosed`, it ends by itself when the
 * stream closes (a download: sent, failed, or its client gone); otherwise its caller ends it. Without a registry (a
 * drive service outside a platform), nothing is registered and nothing can stop it.
 */
export function startTransfer(
  operations: Pick<OperationRegistry, 'start'> | undefined,
  transfer: { caller: DriveCaller; projectId: string; flow: Flow; untilClosed?: boolean },
): Transfer {
  if (operations === undefined) return { stoppedBy: () => undefined, end: () => undefined };
  const { caller, projectId, flow } = transfer;
  let stopped: EnclaveError | undefined;
  const handle = operations.start({ kind: 'transfer', userId: caller.principal.user.id, projectId }, (reason) => {
    stopped = reason;
    // The connection first, so it is reset rather than closed by the body's end.
    caller.cut?.();
    if (isStream(flow)) flow.destroy(stopped);
  });
  if (transfer.untilClosed === true && isStream(flow)) {
    if (flow.destroyed) handle.end();
    else flow.once('close', () => handle.end());
  }
  return { stoppedBy: () => stopped, end: () => handle.end() };
}

/**
 * `startTransfer`, then the person's and the project's standing asked again: a request that passed its checks just
 * before a suspension landed registers after the kill switch swept the registry, and would otherwise move every byte.
 * Refused, the transfer leaves the registry, its stream is destroyed, and the refusal is thrown.
 */
export async function startCheckedTransfer(
  operations: Pick<OperationRegistry, 'start'> | undefined,
  killSwitch: Pick<KillSwitch, 'refusalFor' | 'projectRefusal'>,
  transfer: { caller: DriveCaller; projectId: string; flow: Flow; untilClosed?: boolean },
): Promise<Transfer> {
  const started = startTransfer(operations, transfer);
  const { caller, projectId, flow } = transfer;
  const refusal =
    (await killSwitch.refusalFor(caller.principal.user.id)) ??
    (await killSwitch.projectRefusal({ id: projectId, name: `Project ${projectId}` }));
  if (refusal === null) return started;
  started.end();
  if (isStream(flow)) flow.destroy();
  throw refusal;
}

/**
 * Ends an HTTP exchange at once (a transfer's `cut`): a TCP reset, so what the kernel still holds of the answer is
 * dropped rather than delivered. A TLS connection cannot be reset from here: it is closed, after what it holds.
 */
export function cutNow(response: ServerResponse): void {
  const socket = response.socket;
  try {
    if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
  } catch {
    // Not a plain TCP socket (TLS): destroyed below like any other.
  }
  response.destroy();
}
