// A signed-in session and handlers for the new session methods, for shell tests whose subject is the transport.
import { METHOD_NAMES } from '../../../src/common/contract-names.ts';
import type { Project, Session } from '../../../src/common/contract.ts';
import type { Handlers } from '../../../src/common/dispatch.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { createCallRegistry, type CallRegistry } from '../../../src/workstation/calls.ts';
import type { EventHub } from '../../../src/workstation/event-hub.ts';
import { openNativeEngine } from '../../../src/workstation/workspace/native-engine.ts';
import { createMemoryWorkspaces } from '../../../src/workstation/workspace-state/memory-store.ts';
import { createWorkspaceHandlers, type WorkspaceHandlers } from '../../../src/workstation/workspaces/handlers.ts';
import { createWorkspaceService } from '../../../src/workstation/workspaces/service.ts';

export const STUB_SESSION: Session = {
  state: 'signed_in',
  user: { id: 'demo-analyst', displayName: 'Demo Analyst', role: 'analyst' },
  platform: { url: 'http://platform.test', name: 'Stub', mode: 'demo' },
  issuer: 'http://127.0.0.1:4100/oidc',
  sessionEndsAt: '2026-11-27T12:00:00.000Z',
  idleLockSeconds: 900,
  tokenStorage: 'memory',
  message: null,
};

export const STUB_SESSION_HANDLERS: Pick<
  Handlers,
  | 'session.signIn'
  | 'session.cancelSignIn'
  | 'session.signOut'
  | 'session.lock'
  | 'session.enrol'
  | 'session.activity'
  | 'checking.rules'
  | 'call.cancel'
> = {
  'session.signIn': async () => ({ authorizationUrl: 'http://127.0.0.1:4100/oidc/auth?client_id=stub' }),
  'session.cancelSignIn': async () => STUB_SESSION,
  'session.signOut': async () => ({ ...STUB_SESSION, state: 'signed_out', user: null }),
  'session.lock': async () => ({ ...STUB_SESSION, state: 'locked' }),
  'session.enrol': async () => Promise.reject(new EnclaveError('invalid_input', 'You are enrolled already.')),
  'session.activity': async () => null,
  'checking.rules': async () => [],
  'call.cancel': async () => null,
};

const noIncidents = async (): Promise<never> => Promise.reject(new EnclaveError('forbidden', 'The stub platform keeps no incidents.'));
const noPeople = async (): Promise<never> => Promise.reject(new EnclaveError('forbidden', 'The stub platform keeps no people.'));

const PEOPLE_METHODS = [
  'admin.people',
  'admin.person',
  'admin.registerPerson',
  'admin.changeRole',
  'admin.setStatus',
  'admin.bindPerson',
  'admin.enrolmentCode',
  'admin.decideChange',
  'admin.terms',
  'admin.publishTerms',
  'admin.training',
  'admin.recordTraining',
  'admin.setTrainingRequirements',
  'admin.usage',
  'admin.securityReview',
  'admin.recordReview',
  'project.updateMembers',
] as const;
type PeopleMethod = (typeof PEOPLE_METHODS)[number];

const noAirlock = async (): Promise<never> => Promise.reject(new EnclaveError('forbidden', 'The stub platform keeps no airlock.'));
type AirlockMethod = Extract<keyof Handlers, `airlock.${string}`>;
const AIRLOCK_METHODS = METHOD_NAMES.filter((name): name is AirlockMethod => name.startsWith('airlock.'));
const noDrive = async (): Promise<never> => Promise.reject(new EnclaveError('forbidden', 'The stub platform keeps no drives.'));
type DriveMethod = Extract<keyof Handlers, `drive.${string}`>;
const DRIVE_METHODS = METHOD_NAMES.filter((name): name is DriveMethod => name.startsWith('drive.'));

/**
 * The agreements, the audit log, the incidents and the kill switch, which the shell tests never read: refused as the
 * platform's answers would be.
 */
export const STUB_ADMIN_HANDLERS: Pick<
  Handlers,
  | 'agreement.get'
  | 'admin.agreements'
  | 'admin.audit'
  | 'admin.killswitch'
  | 'admin.openIncident'
  | 'admin.closeIncident'
  | 'admin.act'
  | 'admin.lift'
  | 'admin.accessReport'
  | PeopleMethod
  | AirlockMethod
  | DriveMethod
  | 'terms.mine'
  | 'terms.accept'
  | 'terms.decline'
  | 'me.training'
> = {
  'agreement.get': async () => Promise.reject(new EnclaveError('not_found', 'The stub platform has no agreements.')),
  'admin.agreements': async () => Promise.reject(new EnclaveError('forbidden', 'The stub platform has no agreements.')),
  'admin.audit': async () => Promise.reject(new EnclaveError('forbidden', 'The stub platform keeps no audit log.')),
  'admin.killswitch': noIncidents,
  'admin.openIncident': noIncidents,
  'admin.closeIncident': noIncidents,
  'admin.act': noIncidents,
  'admin.lift': noIncidents,
  'admin.accessReport': noIncidents,
  ...(Object.fromEntries(PEOPLE_METHODS.map((name) => [name, noPeople])) as unknown as Pick<Handlers, PeopleMethod>),
  ...(Object.fromEntries(AIRLOCK_METHODS.map((name) => [name, noAirlock])) as unknown as Pick<Handlers, AirlockMethod>),
  ...(Object.fromEntries(DRIVE_METHODS.map((name) => [name, noDrive])) as unknown as Pick<Handlers, DriveMethod>),
  // The stub platform publishes no terms and requires no training.
  'terms.mine': async () => [],
  'terms.accept': async () => Promise.reject(new EnclaveError('invalid_input', 'The stub platform has no terms to accept.')),
  'terms.decline': async () => Promise.reject(new EnclaveError('invalid_input', 'The stub platform has no terms to decline.')),
  'me.training': async () => ({ userId: STUB_SESSION.user?.id ?? 'stub', records: [], roles: [] }),
};

/** The one project of the stub's signed-in user: its tables live in the window, so nothing is written to disk. */
export const STUB_PROJECT: Project = {
  id: 'stub-project',
  name: 'Stub project',
  purpose: 'Shell tests.',
  datasetIds: [],
  localData: 'memory',
  clipboardCellLimit: 100,
};

/**
 * The workspace methods as the core serves them: the real workspace service, for the stub's user, over the in-memory
 * state store of its one 'memory' project (so the engine's methods answer that the window keeps its tables).
 */
export const STUB_WORKSPACE_HANDLERS: WorkspaceHandlers = createWorkspaceHandlers({
  workspaces: createWorkspaceService({
    root: () => {
      throw new EnclaveError('unavailable', 'The shell tests keep no workspace on disk.');
    },
    access: { owner: () => ({ issuer: STUB_SESSION.issuer ?? '', sub: 'demo-analyst' }), projects: async () => [STUB_PROJECT] },
    openEngine: (folder) => openNativeEngine({ dir: folder.folder }),
    memory: createMemoryWorkspaces(),
    log: () => {},
  }),
  openSample: async () => Promise.reject(new EnclaveError('unavailable', 'The stub platform has no samples.')),
  openQuery: async () => Promise.reject(new EnclaveError('unavailable', 'The stub platform runs no queries.')),
  log: () => {},
});

/** The core's call registry over a stub's event hub, as the core wires its own. */
export function stubCalls(events: EventHub): CallRegistry {
  return createCallRegistry({ emitProgress: (callId, progress) => events.emit('call.progress', { callId, progress }) });
}

/** Every method, for shell tests that never call the data ones. */
export const STUB_HANDLERS: Handlers = {
  'session.get': async () => STUB_SESSION,
  ...STUB_SESSION_HANDLERS,
  'projects.list': async () => [],
  'catalogue.get': async () => Promise.reject(new Error('not stubbed')),
  'dataset.sample': async () => new Uint8Array(),
  'platform.query': async () => new Uint8Array(),
  ...STUB_ADMIN_HANDLERS,
  ...STUB_WORKSPACE_HANDLERS,
};
