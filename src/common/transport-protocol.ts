// Names both shells and the renderer agree on. Pure constants: the wire format of the one contract.

/** Electron IPC channels. invoke resolves with an Outcome envelope ({ ok, value } | { ok, error }). */
export const IPC_INVOKE_CHANNEL = 'enclave:invoke';
export const IPC_EVENT_CHANNEL = 'enclave:event';

/** Browser shell (HTTP on 127.0.0.1). */
export const HTTP_INVOKE_PREFIX = '/api/invoke/';
export const HTTP_EVENTS_PATH = '/api/events';
export const HTTP_LAUNCH_PATH = '/launch';
export const HTTP_SESSION_COOKIE = 'enclave_session';

export const ARROW_STREAM_CONTENT_TYPE = 'application/vnd.apache.arrow.stream';

/** Placeholder in index.html that the serving shell replaces with a fresh nonce on every load. */
export const CSP_NONCE_PLACEHOLDER = '__CSP_NONCE__';
