// The workstation core: the one handler table every shell serves (Electron IPC, HTTP, in-process), and the
// events it emits. It holds what the renderer must never hold: the platform connection and the tokens.
import { auditQueryOf } from '../common/agreement-views.ts';
import { detachedCall, type CallContext, type Handlers } from '../common/dispatch.ts';
import { EnclaveError } from '../common/errors.ts';
import { createAirlockHandlers } from './airlock/handlers.ts';
import { createDownloadOffers, type DownloadOffers } from './airlock/downloads.ts';
import type { SaveExport } from './airlock/export-file.ts';
import { createCallRegistry, type CallRegistry } from './calls.ts';
import { openDriveSync } from './drives/sync-engine.ts';
import { createCoreDrives, type OpenDriveSync } from './drives/wiring.ts';
import { createEventHub, type CoreEvents } from './event-hub.ts';
import { DEFAULT_SCOPES, discoverIdentityProvider, type IdentityProvider, type IdentitySettings } from './sign-in/oidc.ts';
import { createPlatformClient, RowsCutShortError, type CallContext as PlatformCallContext, type RowsStream } from './platform-client.ts';
import { createPlatformMonitor, type PlatformStatus } from './platform-status.ts';
import { createSessionManager, type SessionManager } from './session/manager.ts';
import { createFallbackTokenStore, createMemoryTokenStore, type KeytarLike, type TokenStore } from './tokens/token-store.ts';
import type { OpenEngine } from './workspaces/service.ts';
import { createCoreWorkspaces } from './workspaces/wiring.ts';

/** Overrides of what the platform's health answer says about sign-in (production: an external issuer). */
export interface IdentityOverrides {
  issuer?: string;
  clientId?: string;
  audience?: string | null;
  scopes?: readonly string[];
}

export interface WorkstationCoreOptions {
  platformUrl: string;
  fetch?: typeof globalThis.fetch;
  /** How often the platform's health is re-checked. */
  healthIntervalMs?: number;
  /** Deadline for metadata requests to the platform. */
  requestTimeoutMs?: number;
  /** Logs what the UI is not told (a listener that threw). */
  log?: (message: string, detail?: unknown) => void;
  identity?: IdentityOverrides;
  /** Inactivity after which the workstation locks (default 900 s). */
  idleLockSeconds?: number;
  /** The longest a session lasts, whatever the activity (default 12 h). */
  sessionMaxSeconds?: number;
  /** How long a browser sign-in may take before the loopback listener gives up (default 5 min). */
  signInTimeoutMs?: number;
  /** 'keychain' (default; memory if no keychain works), 'memory', or a store of the caller's (tests). */
  tokenStore?: 'keychain' | 'memory' | TokenStore;
  keytar?: () => Promise<KeytarLike>;
  keychainTimeoutMs?: number;
  /** The identity-provider seam: discovery with openid-client unless a test passes a fake. */
  discover?: (settings: IdentitySettings) => Promise<IdentityProvider>;
  /**
   * The analyst's workspaces: the folder that holds them (default: workspacesRoot() of the environment, read at
   * start) and how a 'disk' project's engine opens (default: native DuckDB in the project's folder).
   */
  workspaces?: { root?: string; openEngine?: OpenEngine };
  /**
   * Where a checked export goes (the export gate, src/workstation/airlock): Electron passes its save dialog. Without it
   * the core offers each export as a one-time download, which the browser shell serves (`downloads`).
   */
  saveExport?: SaveExport;
  /**
   * The project drives (issue 17): the folder of their local folders (default: drivesRoot() of the environment), of
   * their sync journals (default: driveSyncRoot()), how often a sync makes a pass on its own, and how a sync opens
   * (default: ./drives/sync-engine.ts).
   */
  drives?: { root?: string; stateRoot?: string; intervalMs?: number; openSync?: OpenDriveSync };
}

export interface WorkstationCore {
  handlers: Handlers;
  events: CoreEvents;
  /** The calls running now, by id: every shell serves its calls through them (./calls.ts serveCall). */
  calls: CallRegistry;
  /** Exports offered as one-time downloads (when no saveExport was given): the browser shell serves them by token. */
  downloads: DownloadOffers;
  /** Checks the platform now; the UI hears the result as a 'platform.status' event. */
  checkPlatform(): Promise<PlatformStatus>;
  /** Origins of the identity provider's sign-in pages, once discovered (Electron may open them externally). */
  identityOrigins(): readonly string[];
  /** Resolves once the start-up restore of an earlier sign-in has been tried. */
  ready: Promise<void>;
  /** Locks now if signed in (the machine is going to sleep, or its screen locked); otherwise does nothing. */
  lock(): Promise<void>;
  /** Stops the health checks, the timers and any sign-in under way, and aborts requests. Tokens are kept. */
  close(): void;
  /** Resolves once close() has closed the workspaces (their engines flushed, their stores closed). */
  closed(): Promise<void>;
}

const DEFAULT_HEALTH_INTERVAL_MS = 10_000;
export const DEFAULT_IDLE_LOCK_SECONDS = 900;
export const DEFAULT_SESSION_MAX_SECONDS = 12 * 3600;
const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export function createWorkstationCore(options: WorkstationCoreOptions): WorkstationCore {
  const log = options.log ?? (() => {});
  const client = createPlatformClient({ baseUrl: options.platformUrl, fetch: options.fetch, timeoutMs: options.requestTimeoutMs });
  const hub = createEventHub({ onListenerError: (err) => log('An event listener failed.', err) });
  const calls = createCallRegistry({ emitProgress: (callId, progress) => hub.emit('call.progress', { callId, progress }) });
  const monitor = createPlatformMonitor({ client, hub, intervalMs: options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS });
  const closing = new AbortController();
  const overrides = options.identity ?? {};

  // The store is made first (the session needs it) but tells the session when the keychain fails.
  const late: { session?: SessionManager } = {};
  const store = chooseStore();

  function chooseStore(): TokenStore {
    const choice = options.tokenStore ?? 'keychain';
    if (typeof choice !== 'string') return choice;
    if (choice === 'memory') return createMemoryTokenStore();
    return createFallbackTokenStore({
      ...(options.keytar ? { keytar: options.keytar } : {}),
      ...(options.keychainTimeoutMs ? { timeoutMs: options.keychainTimeoutMs } : {}),
      onFallback: (reason) => {
        log(`No usable keychain; sign-ins are kept in memory only. ${reason}`);
        late.session?.storageFellBack();
      },
    });
  }

  let discovered: Promise<IdentityProvider> | undefined;
  function identity(): Promise<IdentityProvider> {
    discovered ??= resolveIdentity().catch((err: unknown) => {
      discovered = undefined; // try again next time: the platform or the IdP may be up by then
      throw err;
    });
    return discovered;
  }

  async function resolveIdentity(): Promise<IdentityProvider> {
    let settings: IdentitySettings;
    if (overrides.issuer && overrides.clientId) {
      settings = {
        issuer: overrides.issuer,
        clientId: overrides.clientId,
        audience: overrides.audience ?? null,
        scopes: overrides.scopes ?? DEFAULT_SCOPES,
      };
    } else {
      // Joins the monitor's check rather than asking the platform twice.
      const checked = monitor.lastHealth() === undefined ? await monitor.checkNow() : undefined;
      const health = monitor.lastHealth();
      // The check's own reason (a certificate this computer does not trust, say) rather than a bare "cannot be reached".
      if (health === undefined)
        throw new EnclaveError(
          'unavailable',
          `Enclave cannot find where to sign in. ${checked?.message ?? `The platform at ${client.url} cannot be reached.`}`,
        );
      const announced = health.identity;
      if (!announced && !overrides.issuer) {
        throw new EnclaveError(
          'unavailable',
          'The platform does not say how to sign in. Set ENCLAVE_OIDC_ISSUER and ENCLAVE_OIDC_CLIENT_ID to your identity provider.',
        );
      }
      const clientId = overrides.clientId ?? announced?.clientId;
      if (!clientId) throw new EnclaveError('unavailable', 'No OIDC client ID is known: set ENCLAVE_OIDC_CLIENT_ID.');
      settings = {
        issuer: overrides.issuer ?? announced?.issuer ?? '',
        clientId,
        audience: overrides.audience !== undefined ? overrides.audience : (announced?.audience ?? null),
        scopes: overrides.scopes ?? announced?.scopes ?? DEFAULT_SCOPES,
      };
    }
    return (options.discover ?? ((s) => discoverIdentityProvider(s, options.fetch ? { fetch: options.fetch } : {})))(settings);
  }

  const signedIn = createSessionManager({
    platformUrl: options.platformUrl,
    hub,
    client,
    lastHealth: () => monitor.lastHealth(),
    identity,
    configuredIssuer: overrides.issuer ?? null,
    store,
    idleLockSeconds: options.idleLockSeconds ?? DEFAULT_IDLE_LOCK_SECONDS,
    sessionMaxSeconds: options.sessionMaxSeconds ?? DEFAULT_SESSION_MAX_SECONDS,
    signInTimeoutMs: options.signInTimeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS,
    log,
  });
  late.session = signedIn;

  /** Runs one platform call; keeps the status event honest with what the call learned. */
  async function viaPlatform<T>(call: (signal: AbortSignal) => Promise<T>, caller?: AbortSignal): Promise<T> {
    if (closing.signal.aborted) throw new EnclaveError('cancelled', 'The workstation is closing.');
    try {
      // The caller's cancel aborts the request to the platform, which then stops its query (it sees the disconnect).
      const value = await call(caller ? AbortSignal.any([closing.signal, caller]) : closing.signal);
      monitor.noteReachable();
      return value;
    } catch (err) {
      // Rows cut short prove the platform was there: the health check says whether it still is.
      if (err instanceof EnclaveError && err.code === 'unavailable' && !(err instanceof RowsCutShortError)) monitor.noteUnreachable(err);
      throw err;
    }
  }

  /** A platform call as the signed-in user; refused (unauthenticated or locked) for anyone else. */
  function asUser<T>(call: (context: PlatformCallContext) => Promise<T>, caller?: CallContext): Promise<T> {
    if (closing.signal.aborted) return Promise.reject(new EnclaveError('cancelled', 'The workstation is closing.'));
    return signedIn.authorized(({ token }) => viaPlatform((signal) => call({ token, signal }), caller?.signal));
  }

  /**
   * A transfer of rows broke part-way: the platform cuts the streams of a person an administrator suspends, so it is
   * asked once who the person is. If it answers that they are suspended, the session has ended (./session) and that is
   * the error; otherwise the transfer's own.
   */
  async function whyCutShort(err: unknown): Promise<unknown> {
    if (!(err instanceof RowsCutShortError)) return err;
    try {
      await asUser((context) => client.me(context));
    } catch (standing) {
      if (standing instanceof EnclaveError && standing.code === 'suspended') return standing;
    }
    return err;
  }

  /** A row transfer as the signed-in user, its failure explained by whyCutShort. */
  async function rowsAsUser<T>(call: (context: PlatformCallContext) => Promise<T>, caller?: CallContext): Promise<T> {
    try {
      return await asUser(call, caller);
    } catch (err) {
      throw await whyCutShort(err);
    }
  }

  /** Rows read as they arrive (after the call that opened them has returned), their failure explained likewise. */
  function watchedRows(rows: RowsStream): RowsStream {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        yield* rows.chunks;
      } catch (err) {
        throw await whyCutShort(err);
      }
    }
    return { format: rows.format, total: rows.total, chunks: chunks() };
  }

  const workspaces = createCoreWorkspaces({
    ...options.workspaces,
    owner: () => signedIn.owner(),
    projects: (signal) => asUser((context) => client.projects(context), { signal, progress: () => {} }),
    // The sample comes as Parquet (the native engine reads it far faster than Arrow), streamed, never whole.
    openSample: async (request, { signal, onReceived }) =>
      watchedRows(
        await asUser((context) => client.sampleRows({ ...request, format: 'parquet' }, { ...context, onReceived }), {
          signal,
          progress: () => {},
        }),
      ),
    // A minimised query's rows, likewise as Parquet: the platform writes the whole result before the first byte.
    openQuery: async (request, { signal, onReceived }) =>
      watchedRows(
        await asUser((context) => client.queryRows({ ...request, format: 'parquet' }, { ...context, onReceived }), {
          signal,
          progress: () => {},
        }),
      ),
    log,
  });

  const drives = createCoreDrives({
    client,
    asUser,
    person: () => {
      signedIn.owner();
      const { user } = signedIn.get();
      if (user === null) throw new EnclaveError('unauthenticated', 'Nobody is signed in.');
      return { id: user.id, displayName: user.displayName };
    },
    token: () =>
      signedIn.authorized(async ({ token }) => {
        if (token === undefined) throw new EnclaveError('unauthenticated', 'Nobody is signed in.');
        return token;
      }),
    fetch: options.fetch,
    hub,
    workspaces: workspaces.service,
    openSync: options.drives?.openSync ?? openDriveSync,
    ...(options.drives?.root === undefined ? {} : { root: options.drives.root }),
    ...(options.drives?.stateRoot === undefined ? {} : { stateRoot: options.drives.stateRoot }),
    ...(options.drives?.intervalMs === undefined ? {} : { intervalMs: options.drives.intervalMs }),
    log,
  });

  const downloads = createDownloadOffers();
  const airlock = createAirlockHandlers({
    client,
    asUser,
    saveExport: options.saveExport ?? (async (file) => downloads.offer(file)),
  });

  const handlers: Handlers = {
    'session.get': async () => {
      await signedIn.ready;
      return signedIn.get();
    },
    'session.signIn': () => signedIn.signIn(),
    'session.cancelSignIn': async () => signedIn.cancelSignIn(),
    'session.signOut': () => signedIn.signOut(),
    'session.lock': () => signedIn.lock(),
    'session.enrol': ({ code }) =>
      signedIn.enrol((context) => viaPlatform((signal) => client.call('enrol', { body: { code } }, { ...context, signal }))),
    'session.activity': async () => {
      signedIn.activity();
      return null;
    },
    'checking.rules': () => asUser((context) => client.rules(context)),
    'projects.list': () => asUser((context) => client.projects(context)),
    'catalogue.get': ({ projectId }) => asUser((context) => client.catalogue(projectId, context)),
    'agreement.get': ({ projectId }) => asUser((context) => client.call('project.agreement', { params: { projectId } }, context)),
    'admin.agreements': () => asUser((context) => client.call('admin.agreements', {}, context)),
    'admin.audit': ({ filter }) => asUser((context) => client.call('admin.audit', { query: auditQueryOf(filter) }, context)),
    'admin.killswitch': () => asUser((context) => client.call('admin.killswitch', {}, context)),
    'admin.openIncident': (incident) => asUser((context) => client.call('admin.incidents.open', { body: incident }, context)),
    'admin.closeIncident': ({ incidentId, resolution }) =>
      asUser((context) => client.call('admin.incidents.close', { params: { incidentId }, body: { resolution } }, context)),
    'admin.act': ({ action }) => asUser((context) => client.call('admin.actions.apply', { body: action }, context)),
    'admin.lift': ({ actionId, reason }) =>
      asUser((context) => client.call('admin.actions.lift', { params: { actionId }, body: { reason } }, context)),
    'admin.accessReport': (request) => asUser((context) => client.call('admin.access-report', { query: request }, context)),
    'admin.people': () => asUser((context) => client.call('admin.users.list', {}, context)),
    'admin.person': ({ userId }) => asUser((context) => client.call('admin.users.get', { params: { userId } }, context)),
    'admin.registerPerson': ({ person }) => asUser((context) => client.call('admin.users.add', { body: person }, context)),
    'admin.changeRole': ({ userId, change, role, reason }) =>
      asUser((context) =>
        client.call(
          change === 'grant' ? 'admin.users.grant' : 'admin.users.revoke',
          { params: { userId }, body: { role, reason } },
          context,
        ),
      ),
    'admin.setStatus': ({ userId, status, reason }) =>
      asUser((context) => client.call('admin.users.status', { params: { userId }, body: { status, reason } }, context)),
    'admin.bindPerson': ({ userId, subject, reason }) =>
      asUser((context) => client.call('admin.users.bind', { params: { userId }, body: { subject, reason } }, context)),
    'admin.enrolmentCode': ({ userId }) => asUser((context) => client.call('admin.users.enrolment-code', { params: { userId } }, context)),
    'admin.decideChange': ({ changeId, approve, reason }) =>
      asUser((context) => client.call('admin.changes.decide', { params: { changeId }, body: { approve, reason } }, context)),
    'admin.terms': () => asUser((context) => client.call('admin.terms', {}, context)),
    'admin.publishTerms': ({ terms }) => asUser((context) => client.call('admin.terms.publish', { body: terms }, context)),
    'admin.training': () => asUser((context) => client.call('admin.training', {}, context)),
    'admin.recordTraining': ({ record }) => asUser((context) => client.call('admin.training.record', { body: record }, context)),
    'admin.setTrainingRequirements': (requirements) =>
      asUser((context) => client.call('admin.training.requirements', { body: requirements }, context)),
    'terms.mine': () => asUser((context) => client.call('terms.mine', {}, context)),
    'terms.accept': (acceptance) => asUser((context) => client.call('terms.accept', { body: acceptance }, context)),
    // Declining is recorded on the platform (which ends this sign-in there), then the workstation signs out.
    'terms.decline': async (refusal) => {
      await asUser((context) => client.call('terms.decline', { body: refusal }, context));
      return signedIn.signOut({ declinedTerms: true });
    },
    'me.training': () => asUser((context) => client.call('me.training', {}, context)),
    'admin.usage': (range) => asUser((context) => client.call('admin.usage', { query: range }, context)),
    'admin.securityReview': () => asUser((context) => client.call('admin.security-review', {}, context)),
    'admin.recordReview': (review) => asUser((context) => client.call('admin.security-review.record', { body: review }, context)),
    'project.updateMembers': ({ projectId, update }) =>
      asUser((context) => client.call('project.members', { params: { projectId }, body: update }, context)),
    'dataset.sample': (input, call = detachedCall()) => {
      // Before the first byte the platform is still running its query; then the download is counted in bytes.
      call.progress({ done: 0, total: null, unit: 'bytes', stage: 'Waiting for the platform' });
      const onReceived = (done: number, total: number | null): void =>
        call.progress({ done, total, unit: 'bytes', stage: 'Fetching from the platform' });
      return rowsAsUser((context) => client.sample(input, { ...context, onReceived }), call);
    },
    'platform.query': (input, call = detachedCall()) => {
      // Until the first byte the platform is checking and running the query; then the download is counted in bytes.
      call.progress({ done: 0, total: null, unit: 'bytes', stage: 'Running on the platform' });
      const onReceived = (done: number, total: number | null): void =>
        call.progress({ done, total, unit: 'bytes', stage: 'Fetching from the platform' });
      return rowsAsUser((context) => client.query(input, { ...context, onReceived }), call);
    },
    'call.cancel': async ({ callId }) => {
      calls.cancel(callId);
      return null;
    },
    ...workspaces.handlers,
    ...airlock,
    ...drives.handlers,
  };

  // Leaving the signed-in state (sign-out, lock, the session's end) stops every running call, a query in the local
  // engine included, and closes the workspaces (their files stay for the same person's next sign-in).
  let signedInBefore = false;
  hub.on('session.changed', (session) => {
    const signedInNow = session.state === 'signed_in';
    if (signedInBefore && !signedInNow) {
      calls.cancelAll();
      // An export offered to the person who was signed in is for nobody else.
      downloads.clear();
      workspaces.sessionLeft();
      drives.sessionLeft();
    }
    signedInBefore = signedInNow;
  });

  let closedWorkspaces: Promise<void> | undefined;

  hub.on('platform.status', (status) => {
    if (status.state === 'ready') signedIn.platformChanged();
  });
  monitor.start();

  return {
    handlers,
    events: { on: (name, callback) => hub.on(name, callback) },
    calls,
    downloads,
    checkPlatform: () => monitor.checkNow(),
    identityOrigins: () => signedIn.browserOrigins(),
    ready: signedIn.ready,
    async lock() {
      await signedIn.lock();
    },
    close() {
      monitor.stop();
      signedIn.close();
      closing.abort();
      calls.cancelAll();
      downloads.clear();
      hub.clear();
      closedWorkspaces ??= Promise.all([drives.close(), workspaces.close()])
        .then(() => undefined)
        .catch((err: unknown) => log('Closing the workspaces failed.', err));
    },
    closed: () => closedWorkspaces ?? Promise.resolve(),
  };
}
