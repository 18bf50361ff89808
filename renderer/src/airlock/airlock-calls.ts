// Which contract calls change something in the airlock (a request, a file, a vote, a comment, a notification read),
// and a client that says so once each has settled: the notification bell reads again after every airlock action,
// whichever screen made it (the analyst's Outputs screen, the output builder, the checkers' screen).
import type { Client } from '../../../src/common/client.ts';
import { handledElsewhere, settled } from '../../../src/common/detached.ts';

/** The airlock's reads: they change nothing (a file view or a download is audited, but no request moves). */
const AIRLOCK_READS: ReadonlySet<string> = new Set([
  'airlock.rules',
  'airlock.check',
  'airlock.requests',
  'airlock.request',
  'airlock.file',
  'airlock.queue',
  'airlock.released',
  'airlock.releasedFile',
  'airlock.package',
  'airlock.notifications',
  'airlock.export',
]);

export function isAirlockAction(name: string): boolean {
  return name.startsWith('airlock.') && !AIRLOCK_READS.has(name);
}

/**
 * The same client, calling `onAction` once an airlock action has settled, done or refused: a refusal for a stale
 * version means something changed meanwhile, which the bell should hear about too.
 */
export function noticingAirlockActions(client: Client, onAction: () => void): Client {
  return {
    invoke(name, input, options) {
      const call = client.invoke(name, input, options);
      // The caller handles the call's own failure; onAction's would be a bug, and stays loud.
      if (isAirlockAction(name)) handledElsewhere(settled(call).then(onAction));
      return call;
    },
    listen: (name, callback) => client.listen(name, callback),
  };
}
