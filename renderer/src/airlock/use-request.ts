// One release request as its page shows it: read from the platform when the page opens (and on "Read again"), then
// replaced by the answer of each action on it (every action answers the request as it now is), the newest version
// winning, so the version the next action sends is always the latest the page has shown.
import { useCallback, useState } from 'react';
import type { RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';

export interface RequestRead {
  readonly detail: RequestDetail | null;
  readonly error: string | null;
  readonly loading: boolean;
  readonly answered: number;
  readonly refresh: () => void;
  /** An action's answer: the request as it now is. */
  readonly replace: (detail: RequestDetail) => void;
}

/** The newer of two views of the same request (by version; an action's answer wins a tie, it is the later word). */
export function newerRequest(read: RequestDetail | null, acted: RequestDetail | null, requestId: string): RequestDetail | null {
  const a = read?.id === requestId ? read : null;
  const b = acted?.id === requestId ? acted : null;
  if (a === null) return b;
  if (b === null) return a;
  return b.version >= a.version ? b : a;
}

export function useRequest(client: Client, requestId: string): RequestRead {
  const read = useCallback(() => client.invoke('airlock.request', { requestId }), [client, requestId]);
  const loaded = useAdminRead(read, 'The release request could not be read.');
  const [acted, setActed] = useState<RequestDetail | null>(null);
  return {
    detail: newerRequest(loaded.value, acted, requestId),
    error: loaded.error,
    loading: loaded.loading,
    answered: loaded.answered,
    refresh: loaded.refresh,
    replace: setActed,
  };
}
