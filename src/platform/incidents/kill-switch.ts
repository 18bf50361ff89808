// The kill switch: what an administrator (through the API) or the operator on the host (break-glass commands) can do
// at 2 a.m. to stop an account, a project or the way out, during an incident. Every action names an open incident and a
// reason, is an audit event with its incident, and answers what it did. Refusals happen on the platform: the server asks
// refusalFor / projectRefusal on every call, and the workstation only shows what it is told.
//
// A restriction put in place by another process (the break-glass command writes the store directly) takes effect for
// new calls at once (they read the store); watch() applies what only this process can do (stopping its running work,
// ending sign-ins at its identity provider) within a second.
import { setTimeout as sleep } from 'node:timers/promises';
import { settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import {
  EVERY_PROJECT,
  type ActionEffect,
  type EgressStatus,
  type Incident,
  type KillSwitchAction,
  type KillSwitchOverview,
  type OpenIncident,
  type Restriction,
  type RestrictionKind,
} from '../../common/incidents.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { JsonValue } from '../audit/canonical-json.ts';
import type { StoredRestriction } from '../store/incidents.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import type { OperationRegistry, RunningOperation } from './operations.ts';

/** Who acts: an administrator through the API, or the operator on the host (break-glass, no identity provider needed). */
export type KillSwitchActor = { readonly kind: 'admin'; readonly userId: string } | { readonly kind: 'operator'; readonly name: string };

/** What ends a person's sign-ins at the identity provider this process runs (the embedded one); absent for an external one. */
export interface SignInEnder {
  endSignInsOf(userId: string): Promise<number>;
}

export interface KillSwitchOptions {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  /** The work running in this process; absent in a one-off command (the server's watch() stops it). */
  readonly operations?: OperationRegistry;
  /** Absent in a one-off command, or with an external identity provider (its sign-ins are refused on every call instead). */
  readonly signIns?: () => SignInEnder | undefined;
  readonly now?: () => Date;
  /** Where failures of background work go (the server's log). */
  readonly log?: (message: string, detail?: unknown) => void;
}

export interface KillSwitch {
  overview(): Promise<KillSwitchOverview>;
  openIncident(actor: KillSwitchActor, incident: OpenIncident): Promise<Incident>;
  closeIncident(actor: KillSwitchActor, incidentId: string, resolution: string): Promise<Incident>;
  act(actor: KillSwitchActor, action: KillSwitchAction): Promise<ActionEffect>;
  lift(actor: KillSwitchActor, restrictionId: string, reason: string): Promise<ActionEffect>;
  /** Why this person may not use the platform now (suspended), or null. */
  refusalFor(userId: string): Promise<EnclaveError | null>;
  /** Why this project's routes refuse everybody now (suspended), or null. */
  projectRefusal(project: { id: string; name: string }): Promise<EnclaveError | null>;
  /** Whether anything may leave this project now. */
  egressStatus(projectId: string): Promise<EgressStatus>;
  /** Ends every sign-in of the person and stops their running work (a person disabled, not suspended). */
  endAccess(userId: string): Promise<{ signInsEnded: number; operationsAborted: number }>;
  /**
   * Applies, in this process, restrictions put in place anywhere (another instance, the break-glass command): stops the
   * running work they cover and ends the person's sign-ins here. Checks every intervalMs (default 500); answers stop().
   */
  watch(intervalMs?: number): () => Promise<void>;
}

const actorId = (actor: KillSwitchActor): string => (actor.kind === 'admin' ? actor.userId : `operator:${actor.name}`);

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export function suspendedError(): EnclaveError {
  return new EnclaveError(
    'suspended',
    'Your access to Enclave is suspended by an administrator. Nothing can be done with your account until the suspension is lifted: contact your administrator.',
  );
}

export function createKillSwitch(options: KillSwitchOptions): KillSwitch {
  const { store, audit } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});

  async function names(): Promise<{ person: Map<string, string>; project: Map<string, string> }> {
    const [people, projects] = await Promise.all([store.listUsers(), store.listAllProjects()]);
    return {
      person: new Map(people.map((person) => [person.id, person.displayName])),
      project: new Map(projects.map((project) => [project.id, project.name])),
    };
  }

  function named(restriction: StoredRestriction, known: Awaited<ReturnType<typeof names>>): Restriction {
    const targetName =
      restriction.kind === 'user_suspended'
        ? (known.person.get(restriction.target) ?? null)
        : restriction.target === EVERY_PROJECT
          ? null
          : (known.project.get(restriction.target) ?? null);
    return { ...restriction, targetName };
  }

  async function requireOpenIncident(incidentId: string): Promise<Incident> {
    const incident = await store.incidents.get(incidentId);
    if (incident === undefined) throw new EnclaveError('invalid_input', 'The action names no incident the platform knows: open one first.');
    if (incident.status !== 'open') throw new EnclaveError('invalid_input', 'The action names a closed incident: name an open one.');
    return incident;
  }

  async function record(type: string, actor: KillSwitchActor, details: Record<string, JsonValue>): Promise<void> {
    await audit.append({
      type,
      actor: actor.kind === 'admin' ? actor.userId : null,
      outcome: 'success',
      details: actor.kind === 'operator' ? { operator: actor.name, via: 'host', ...details } : { via: 'api', ...details },
    });
  }

  /**
   * Stops the running work that matches, telling each caller `cause.error`; each stop is an audit event with what
   * caused it (the restriction and its incident, or the person's sign-ins ended, or their account disabled).
   */
  async function stopWork(
    match: (operation: RunningOperation) => boolean,
    cause: { error: EnclaveError; details: Record<string, JsonValue> },
  ): Promise<number> {
    if (options.operations === undefined) return 0;
    const stopped = options.operations.stopWhere(match, cause.error);
    for (const operation of stopped) {
      await audit.append({
        type: 'operation.aborted',
        actor: operation.userId,
        outcome: 'failure',
        details: {
          operation: operation.kind,
          operationId: operation.id,
          projectId: operation.projectId,
          startedAt: operation.startedAt,
          ...cause.details,
        },
      });
    }
    return stopped.length;
  }

  /** What a restriction's stopped work is told, and recorded with. */
  function causeOf(restriction: StoredRestriction): { error: EnclaveError; details: Record<string, JsonValue> } {
    return {
      error:
        restriction.kind === 'user_suspended'
          ? suspendedError()
          : new EnclaveError('forbidden', 'This project is suspended by an administrator: its work was stopped.'),
      details: { restrictionId: restriction.id, incidentId: restriction.incidentId, because: restriction.kind },
    };
  }

  async function endSignIns(userId: string): Promise<number> {
    await store.endTokensIssuedBy(userId, epochSeconds(now()));
    const ender = options.signIns?.();
    return ender === undefined ? 0 : ender.endSignInsOf(userId);
  }

  /**
   * Waits, at most a second, until the clock has left the second in which the person's sign-ins were ended. Tokens carry
   * their issue time to the second and every one issued in that second stays ended, so a sign-in straight after a lift
   * (within the same second as the suspension) would be refused with "sign in again" were the lift to answer at once.
   */
  async function pastTheEndingSecond(userId: string): Promise<void> {
    const validAfter = await store.tokensValidAfter(userId);
    if (validAfter === null) return;
    const wait = (validAfter + 1) * 1000 - now().getTime();
    if (wait > 0 && wait <= 1000) await sleep(wait);
  }

  /** What this process does for a restriction (at once for its own actions, from watch() for others'). */
  async function enforceHere(restriction: StoredRestriction): Promise<{ operationsAborted: number; signInsEnded: number }> {
    if (restriction.kind === 'user_suspended') {
      const operationsAborted = await stopWork((operation) => operation.userId === restriction.target, causeOf(restriction));
      const signInsEnded = await endSignIns(restriction.target);
      return { operationsAborted, signInsEnded };
    }
    if (restriction.kind === 'project_suspended') {
      const operationsAborted = await stopWork((operation) => operation.projectId === restriction.target, causeOf(restriction));
      return { operationsAborted, signInsEnded: 0 };
    }
    return { operationsAborted: 0, signInsEnded: 0 };
  }

  const applied = new Set<string>();

  /** Puts a restriction in place under the incident, applies it here at once, and answers it with what it did. */
  async function restrictNow(
    actor: KillSwitchActor,
    restriction: { kind: RestrictionKind; target: string; incidentId: string; reason: string },
  ): Promise<{ stored: StoredRestriction; effect: { operationsAborted: number; signInsEnded: number } }> {
    const stored = await store.incidents.restrict({ ...restriction, appliedBy: actorId(actor), at: now() });
    applied.add(stored.id);
    return { stored, effect: await enforceHere(stored) };
  }

  /** Everyone who holds the admin role (whichever of their roles it is), is active, and is not suspended. */
  async function activeAdmins(): Promise<string[]> {
    const [people, inForce] = await Promise.all([store.people.list(), store.incidents.inForce()]);
    const suspended = new Set(inForce.filter((entry) => entry.kind === 'user_suspended').map((entry) => entry.target));
    return people
      .filter((person) => person.status === 'active' && person.roles.includes('admin') && !suspended.has(person.id))
      .map((person) => person.id);
  }

  /**
   * Why an administrator may not suspend this person through the API, or null. The one acting is always an active
   * administrator, so "the last active administrator" is counted without them: suspending the only other one would
   * leave nobody who could act on the caller's account (nobody acts on themselves), and two administrators suspending
   * each other at once would leave none at all.
   */
  let suspensions: Promise<unknown> = Promise.resolve();
  function oneSuspensionAtATime<T>(work: () => Promise<T>): Promise<T> {
    const next = suspensions.then(work, work);
    suspensions = settled(next);
    return next;
  }

  async function suspensionRefusal(actor: KillSwitchActor, userId: string, name: string): Promise<EnclaveError | null> {
    if (actor.kind !== 'admin') return null;
    if (actor.userId === userId) return new EnclaveError('forbidden', 'You cannot suspend yourself: ask another administrator.');
    const admins = await activeAdmins();
    if (!admins.includes(userId) || admins.some((id) => id !== userId && id !== actor.userId)) return null;
    return new EnclaveError(
      'forbidden',
      `${name} is the only other active administrator: suspending them through the API would leave you the only one, with nobody who could act on your account. The operator can suspend them on the host (enclave platform suspend-user).`,
    );
  }

  return {
    async overview() {
      const [incidents, inForce, lifted, people, projects] = await Promise.all([
        store.incidents.list(),
        store.incidents.inForce(),
        store.incidents.lifted(50),
        store.listUsers(),
        store.listAllProjects(),
      ]);
      const known = {
        person: new Map(people.map((person) => [person.id, person.displayName])),
        project: new Map(projects.map((project) => [project.id, project.name])),
      };
      return {
        incidents,
        active: inForce.map((entry) => named(entry, known)),
        lifted: lifted.map((entry) => named(entry, known)),
        people: people.map((person) => ({ id: person.id, name: person.displayName, role: person.role })),
        projects: projects.map((project) => ({ id: project.id, name: project.name })),
      };
    },

    async openIncident(actor, incident) {
      const opened = await store.incidents.open({ ...incident, openedBy: actorId(actor), at: now() });
      await record('incident.opened', actor, {
        incidentId: opened.id,
        summary: opened.summary,
        severity: opened.severity,
        detectedAt: opened.detectedAt,
        personalData: opened.personalData,
      });
      return opened;
    },

    async closeIncident(actor, incidentId, resolution) {
      const inForce = (await store.incidents.inForce()).filter((entry) => entry.incidentId === incidentId);
      if (inForce.length > 0) {
        throw new EnclaveError(
          'invalid_input',
          `This incident still has ${inForce.length === 1 ? 'an action' : `${inForce.length} actions`} in force: lift ${inForce.length === 1 ? 'it' : 'them'} (or leave the incident open).`,
        );
      }
      const closed = await store.incidents.close(incidentId, { resolution, closedBy: actorId(actor), at: now() });
      await record('incident.closed', actor, { incidentId, old: 'open', new: 'closed', resolution: closed.resolution ?? '' });
      return closed;
    },

    async act(actor, action) {
      const incident = await requireOpenIncident(action.incidentId);
      const known = await names();
      if (action.action === 'suspend_user' || action.action === 'revoke_sessions') {
        const name = known.person.get(action.userId);
        if (name === undefined) throw new EnclaveError('not_found', 'There is no such person on the platform.');
        if (action.action === 'revoke_sessions') {
          const signInsEnded = await endSignIns(action.userId);
          const operationsAborted = await stopWork((operation) => operation.userId === action.userId, {
            error: new EnclaveError('unauthenticated', 'Your sign-in was ended by an administrator. Sign in again.'),
            details: { incidentId: incident.id, because: 'sessions_revoked' },
          });
          await record('sessions.revoked', actor, {
            userId: action.userId,
            incidentId: incident.id,
            reason: action.reason,
            signInsEnded,
            operationsAborted,
          });
          return {
            restriction: null,
            signInsEnded,
            operationsAborted,
            summary: [
              `Every sign-in of ${name} has ended: their access tokens are refused from their next call, and ${signInsEnded} session, grant or token record${signInsEnded === 1 ? ' was' : 's were'} destroyed at the identity provider.`,
              `${operationsAborted} running operation${operationsAborted === 1 ? ' was' : 's were'} stopped.`,
              `${name} is not suspended: they can sign in again.`,
            ],
          };
        }
        // One suspension at a time on this instance, so admins suspending each other at once cannot leave none active.
        const { stored: restriction, effect } = await oneSuspensionAtATime(async () => {
          const refusal = await suspensionRefusal(actor, action.userId, name);
          if (refusal !== null) {
            await audit.append({
              type: 'user.suspension_refused',
              actor: actorId(actor),
              outcome: 'failure',
              details: { via: 'api', userId: action.userId, incidentId: incident.id, reason: action.reason, refusal: refusal.message },
            });
            throw refusal;
          }
          return restrictNow(actor, {
            kind: 'user_suspended',
            target: action.userId,
            incidentId: incident.id,
            reason: action.reason,
          });
        });
        await record('user.suspended', actor, {
          userId: action.userId,
          restrictionId: restriction.id,
          incidentId: incident.id,
          reason: action.reason,
          old: 'active',
          new: 'suspended',
          ...effect,
        });
        return {
          restriction: named(restriction, known),
          ...effect,
          summary: [
            `${name} is suspended: every route of the platform refuses them from their next call, and the identity provider refuses them every sign-in and token.`,
            `${effect.signInsEnded} session, grant or token record${effect.signInsEnded === 1 ? ' was' : 's were'} destroyed; access tokens already issued are refused.`,
            `${effect.operationsAborted} running operation${effect.operationsAborted === 1 ? ' was' : 's were'} stopped.`,
          ],
        };
      }
      if (action.action === 'suspend_project') {
        const name = known.project.get(action.projectId);
        if (name === undefined) throw new EnclaveError('not_found', 'There is no such project on the platform.');
        const { stored: restriction, effect } = await restrictNow(actor, {
          kind: 'project_suspended',
          target: action.projectId,
          incidentId: incident.id,
          reason: action.reason,
        });
        await record('project.suspended', actor, {
          projectId: action.projectId,
          restrictionId: restriction.id,
          incidentId: incident.id,
          reason: action.reason,
          old: 'active',
          new: 'suspended',
          operationsAborted: effect.operationsAborted,
        });
        return {
          restriction: named(restriction, known),
          ...effect,
          summary: [
            `${name} is suspended: its catalogue, queries, samples and agreement are refused to everybody from the next call, and nothing of it can leave.`,
            `${effect.operationsAborted} running operation${effect.operationsAborted === 1 ? ' was' : 's were'} stopped.`,
          ],
        };
      }
      const target = action.projectId ?? EVERY_PROJECT;
      const name = action.projectId === null ? null : known.project.get(action.projectId);
      if (action.projectId !== null && name === undefined) throw new EnclaveError('not_found', 'There is no such project on the platform.');
      const { stored: restriction } = await restrictNow(actor, {
        kind: 'egress_frozen',
        target,
        incidentId: incident.id,
        reason: action.reason,
      });
      await record('egress.frozen', actor, {
        projectId: action.projectId,
        restrictionId: restriction.id,
        incidentId: incident.id,
        reason: action.reason,
        old: 'open',
        new: 'frozen',
      });
      return {
        restriction: named(restriction, known),
        operationsAborted: 0,
        signInsEnded: 0,
        summary: [
          `Egress is frozen for ${name ?? 'every project'}: the platform refuses every release and export from now on (the workstation asks it at the moment of export).`,
        ],
      };
    },

    async lift(actor, restrictionId, reason) {
      const restriction = await store.incidents.getRestriction(restrictionId);
      if (restriction === undefined) throw new EnclaveError('not_found', 'There is no such action.');
      if (restriction.liftedAt !== null) throw new EnclaveError('invalid_input', 'This action was lifted already.');
      if (actor.kind === 'admin' && restriction.kind === 'user_suspended' && restriction.target === actor.userId) {
        throw new EnclaveError('forbidden', 'Nobody lifts an action on themselves: ask another administrator.');
      }
      const lifted = await store.incidents.lift(restrictionId, { liftedBy: actorId(actor), reason, at: now() });
      if (lifted.kind === 'user_suspended') await pastTheEndingSecond(lifted.target);
      const known = await names();
      const view = named(lifted, known);
      const type = { user_suspended: 'user.unsuspended', project_suspended: 'project.unsuspended', egress_frozen: 'egress.unfrozen' }[
        lifted.kind
      ];
      await record(type, actor, {
        ...(lifted.kind === 'user_suspended'
          ? { userId: lifted.target }
          : { projectId: lifted.target === EVERY_PROJECT ? null : lifted.target }),
        restrictionId,
        incidentId: lifted.incidentId,
        reason,
        old: lifted.kind === 'egress_frozen' ? 'frozen' : 'suspended',
        new: lifted.kind === 'egress_frozen' ? 'open' : 'active',
      });
      const who = view.targetName ?? (lifted.target === EVERY_PROJECT ? 'every project' : lifted.target);
      const summary = {
        user_suspended: `${who} is no longer suspended: they have exactly the access they had before, from their next sign-in (their earlier sign-ins stay ended).`,
        project_suspended: `${who} is no longer suspended: its members can use it again as its agreement allows.`,
        egress_frozen: `Egress is open again for ${who}: releases and exports are decided as before.`,
      }[lifted.kind];
      return { restriction: view, operationsAborted: 0, signInsEnded: 0, summary: [summary] };
    },

    async refusalFor(userId) {
      const restriction = await store.incidents.inForceOn('user_suspended', [userId]);
      return restriction === undefined ? null : suspendedError();
    },

    async projectRefusal(project) {
      const restriction = await store.incidents.inForceOn('project_suspended', [project.id]);
      if (restriction === undefined) return null;
      return new EnclaveError(
        'forbidden',
        `${project.name} is suspended by an administrator: its data cannot be used until the suspension is lifted. Ask your administrator.`,
      );
    },

    async egressStatus(projectId) {
      if ((await store.incidents.inForceOn('project_suspended', [projectId])) !== undefined) {
        return { frozen: true, message: 'Nothing may leave this project now: an administrator has suspended it.' };
      }
      const restriction = await store.incidents.inForceOn('egress_frozen', [projectId, EVERY_PROJECT]);
      if (restriction === undefined) return { frozen: false, message: null };
      return {
        frozen: true,
        message:
          restriction.target === EVERY_PROJECT
            ? 'Nothing may leave the environment now: an administrator has frozen egress for every project.'
            : 'Nothing may leave this project now: an administrator has frozen its egress.',
      };
    },

    async endAccess(userId) {
      const signInsEnded = await endSignIns(userId);
      const operationsAborted = await stopWork((operation) => operation.userId === userId, {
        error: new EnclaveError('forbidden', 'Your account on this platform is disabled: your work was stopped.'),
        details: { because: 'user_disabled' },
      });
      return { signInsEnded, operationsAborted };
    },

    watch(intervalMs = 500) {
      let stopped = false;
      let running: Promise<void> = Promise.resolve();
      const tick = async (): Promise<void> => {
        for (const restriction of await store.incidents.inForce()) {
          if (applied.has(restriction.id)) continue;
          applied.add(restriction.id);
          await enforceHere(restriction);
        }
      };
      const timer = setInterval(() => {
        if (stopped) return;
        running = running.then(tick).catch((err: unknown) => log('The kill switch could not apply a restriction here.', err));
      }, intervalMs);
      timer.unref();
      return async () => {
        stopped = true;
        clearInterval(timer);
        await running;
      };
    },
  };
}
