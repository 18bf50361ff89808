// Names both shells and the renderer agree on. Pure constants: the wire format of the one contract.

/**
 * Electron IPC channels. invoke(name, payload, callId?) resolves with an Outcome envelope ({ ok, value } |
 * { ok, error }); callId is there only for a call its caller may cancel or follow.
 */
export const IPC_INVOKE_CHANNEL = 'enclave:invoke';
export const IPC_EVENT_CHANNEL = 'enclave:event';

/** Browser shell (HTTP on 127.0.0.1). */
export const HTTP_INVOKE_PREFIX = '/api/invoke/';
export const HTTP_EVENTS_PATH = '/api/events';
/**
 * The launch URL is http://127.0.0.1:PORT/#launch=<one-time code>: a fragment, which no browser sends to any
 * server. The page takes the code out of its address at once and POSTs it here in HTTP_LAUNCH_HEADER; the
 * answer's value is the session secret, which the page keeps in sessionStorage (per origin, port included, and per
 * tab) and sends in HTTP_SESSION_HEADER on every call, the event stream included. Never a cookie: cookies ignore
 * ports, so any server on 127.0.0.1 (another user's) would receive it.
 */
export const HTTP_SESSION_PATH = '/api/session';
export const HTTP_LAUNCH_FRAGMENT_KEY = 'launch';
export const HTTP_LAUNCH_HEADER = 'x-enclave-launch';
export const HTTP_SESSION_HEADER = 'x-enclave-session';
/** The id of a call its caller may cancel ('call.cancel') or follow ('call.progress'): a UUID the client made. */
export const HTTP_CALL_HEADER = 'x-enclave-call';
/** Where the browser shell serves the export gate's one-time downloads: `${EXPORT_DOWNLOAD_PATH}<token>`, same origin. */
export const EXPORT_DOWNLOAD_PATH = '/api/download/';

export const ARROW_STREAM_CONTENT_TYPE = 'application/vnd.apache.arrow.stream';

/** Placeholder in index.html that the serving shell replaces with a fresh nonce on every load. */
export const CSP_NONCE_PLACEHOLDER = '__CSP_NONCE__';
