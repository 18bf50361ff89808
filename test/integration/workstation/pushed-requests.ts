// Fetch wrappers for the sign-in tests around pushed authorization requests (RFC 9126): one records what the
// workstation pushed to the provider (the parameters the browser's URL no longer carries), one hides the
// provider's pushed-request endpoint from discovery (an issuer without it: the plain URL is used).
export interface PushRecorder {
  fetch: typeof globalThis.fetch;
  /** Every pushed request's parameters, oldest first. */
  readonly pushed: URLSearchParams[];
  /** The newest pushed request's parameters (throws when there is none). */
  last(): URLSearchParams;
}

export function recordPushes(inner: typeof globalThis.fetch = globalThis.fetch): PushRecorder {
  const pushed: URLSearchParams[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (init?.method === 'POST' && new URL(url).pathname.endsWith('/request') && init.body !== undefined && init.body !== null) {
      if (typeof init.body !== 'string' && !(init.body instanceof URLSearchParams))
        throw new Error('A pushed authorization request whose body is not a form.');
      pushed.push(new URLSearchParams(init.body));
    }
    return inner(input, init);
  };
  return {
    fetch,
    pushed,
    last() {
      const newest = pushed.at(-1);
      if (newest === undefined) throw new Error('Nothing was pushed to the provider.');
      return newest;
    },
  };
}

/** Discovery answers without pushed_authorization_request_endpoint, as from an issuer that does not offer it. */
export function withoutPushedRequests(inner: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (!new URL(url).pathname.endsWith('/.well-known/openid-configuration') || !response.ok) return response;
    const metadata = (await response.json()) as Record<string, unknown>;
    delete metadata.pushed_authorization_request_endpoint;
    return Response.json(metadata, { status: response.status, headers: { 'content-type': 'application/json' } });
  };
}
