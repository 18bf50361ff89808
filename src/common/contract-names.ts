// The contract's method and event names as plain strings, and the shape of `window.enclave`.
// The preload imports this file alone: it must not pull zod (or anything else) into the sandboxed bundle,
// so the names are listed here and test/unit/common/contract-names.test.ts checks they equal contract.ts.
import type { EventName, MethodName } from './contract.ts';
import type { Outcome } from './dispatch.ts';

// Re-exported as types only, so the preload can name them without importing contract.ts or dispatch.ts.
export type { EventName, MethodName, Outcome };

export const METHOD_NAMES = [
  'session.get',
  'session.signIn',
  'session.cancelSignIn',
  'session.signOut',
  'session.lock',
  'session.enrol',
  'session.activity',
  'checking.rules',
  'projects.list',
  'catalogue.get',
  'dataset.sample',
  'platform.query',
  'call.cancel',
  'workspace.open',
  'workspace.saveTab',
  'workspace.moveTab',
  'workspace.closeTab',
  'workspace.activateTab',
  'workspace.saveQuery',
  'workspace.changeQuery',
  'workspace.deleteQuery',
  'workspace.history',
  'workspace.recordRun',
  'workspace.saveLayout',
  'workspace.tables',
  'workspace.run',
  'workspace.page',
  'workspace.summarise',
  'workspace.release',
  'workspace.drop',
  'workspace.loadSample',
  'workspace.loadQuery',
  'workspace.removeLocalData',
  'agreement.get',
  'admin.agreements',
  'admin.audit',
  'admin.killswitch',
  'admin.openIncident',
  'admin.closeIncident',
  'admin.act',
  'admin.lift',
  'admin.accessReport',
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
  'terms.mine',
  'terms.accept',
  'terms.decline',
  'me.training',
  'admin.usage',
  'admin.securityReview',
  'admin.recordReview',
  'project.updateMembers',
  'airlock.rules',
  'airlock.check',
  'airlock.requests',
  'airlock.create',
  'airlock.request',
  'airlock.context',
  'airlock.putFile',
  'airlock.withdrawFile',
  'airlock.file',
  'airlock.submit',
  'airlock.withdraw',
  'airlock.queue',
  'airlock.vote',
  'airlock.comment',
  'airlock.completeReview',
  'airlock.return',
  'airlock.reject',
  'airlock.release',
  'airlock.revoke',
  'airlock.released',
  'airlock.releasedFile',
  'airlock.package',
  'airlock.notifications',
  'airlock.readNotifications',
  'airlock.export',
  'drive.info',
  'drive.folder',
  'drive.versions',
  'drive.restoreVersion',
  'drive.viewVersion',
  'drive.trash',
  'drive.restoreTrash',
  'drive.mkdir',
  'drive.move',
  'drive.delete',
  'drive.appPasswords',
  'drive.createAppPassword',
  'drive.revokeAppPassword',
  'drive.sync',
  'drive.syncNow',
  'drive.resolveDeletes',
  'drive.dismissNotice',
  'drive.saveResult',
  'drive.openFile',
  'drive.download',
  'drive.uploadStart',
  'drive.uploadChunk',
  'drive.uploadCommit',
] as const satisfies readonly MethodName[];
export const EVENT_NAMES = ['platform.status', 'session.changed', 'call.progress', 'drive.changed'] as const satisfies readonly EventName[];
/**
 * Events that are moments, not states: a listener that joins late must not hear the last one again (an old
 * call's progress means nothing to it). Every other event is a state, replayed to each new listener.
 */
export const MOMENT_EVENT_NAMES = ['call.progress'] as const satisfies readonly EventName[];

export function isMomentEvent(name: EventName): boolean {
  return (MOMENT_EVENT_NAMES as readonly string[]).includes(name);
}

// A compile-time check that no contract name is missing from the lists above (the test checks the reverse).
type Missing<All, Listed> = Exclude<All, Listed>;
const _allMethodsListed: Missing<MethodName, (typeof METHOD_NAMES)[number]> extends never ? true : never = true;
const _allEventsListed: Missing<EventName, (typeof EVENT_NAMES)[number]> extends never ? true : never = true;

export function isContractMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

export function isContractEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/** What the Electron preload exposes as `window.enclave` (the renderer's IPC transport wraps it). */
export interface EnclaveBridge {
  /**
   * Resolves with the Outcome envelope; never rejects for a refused name (it answers unknown_method). `callId`
   * names a call that reports progress ('call.progress') and can be stopped ('call.cancel').
   */
  invoke(name: MethodName, payload: unknown, callId?: string): Promise<Outcome>;
  /** Returns a function that stops listening. Throws for a name that is not a contract event. */
  listen(name: EventName, callback: (payload: unknown) => void): () => void;
}
