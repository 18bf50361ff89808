// The platform's own disclosure-control check of outputs (it is authoritative: the workstation's report is a preview of
// the same function). One HiGHS solver per platform, made on first use; each project's outputs are checked with its
// agreement's rule profile and differenced against its ledger of released, non-revoked outputs. Also the bytes whose
// SHA-256 the airlock stores and checks again at release. The platform's checks run one at a time (HiGHS is one
// in-process wasm instance: checks side by side only starve the event loop), each within a deadline, and a caller
// waits for at most one check at a time.
import { createHash } from 'node:crypto';
import { publishedBytes } from '../../common/airlock.ts';
import { EnclaveError } from '../../common/errors.ts';
import {
  checkOutput,
  ledgerTable,
  PublishedOutputSchema,
  type LedgerTable,
  type OutputCheck,
  type PublishedOutput,
} from '../../common/output-check.ts';
import { outputBytes, SupportingFileSchema, type OutputDocument, type SupportingFile } from '../../common/outputs.ts';
import { createHighsSolver } from '../../common/sdc/highs-solver.ts';
import type { LpSolver } from '../../common/sdc/lp.ts';
import { PROFILES, type ProfileName, type Rules } from '../../common/sdc/rules.ts';
import { TableError } from '../../common/sdc/table.ts';
import type { AgreementsInForce } from '../authz/access-policy.ts';
import type { StoredRelease } from '../store/airlock.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

/** How long one check of one output may take on the platform before it is abandoned. */
export const CHECK_DEADLINE_SECONDS = 20;

/** Who a check is for: one caller has at most one check waiting or running. */
export interface CheckCall {
  readonly caller: string;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The bytes a supporting file is named by: its canonical JSON, as an output's are. */
export function supportingBytes(file: SupportingFile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(SupportingFileSchema.parse(file)));
}

export const outputSha256 = (document: OutputDocument): string => sha256Hex(outputBytes(document));
export const publishedSha256 = (published: PublishedOutput): string => sha256Hex(publishedBytes(published));

/** The published content of a ledger entry. */
export function publishedOf(release: StoredRelease): PublishedOutput {
  return PublishedOutputSchema.parse(JSON.parse(release.published));
}

export interface OutputChecker {
  /** The rule profile the project's agreement names ('default' when it names none). */
  profileOf(projectId: string): ProfileName;
  rulesOf(projectId: string): Rules;
  /**
   * The check of one document for this project, against its ledger when the check runs. Queued behind the platform's
   * other checks; rate_limited when this caller has a check waiting or running already; invalid_input when it does not
   * finish within the deadline.
   */
  check(projectId: string, document: OutputDocument, call: CheckCall): Promise<OutputCheck>;
}

/** The refusal of a check that ran out of time. */
export function tooLargeToCheck(seconds: number): EnclaveError {
  return new EnclaveError(
    'invalid_input',
    `This table is too large to check within ${seconds} second${seconds === 1 ? '' : 's'}: reduce its dimensions or categories. Nothing was changed.`,
  );
}

/** Why a check was abandoned: its deadline passed. */
class DeadlinePassed extends Error {
  constructor() {
    super('the check ran past its deadline');
    this.name = 'DeadlinePassed';
  }
}

/** Lets the event loop run (timers, other requests) between solves: the solver itself never yields. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The solver as one check uses it: before every solve it lets the event loop run and stops the check (aborting its
 * signal, which the engine also reads between its steps) once the deadline has passed; after each solve it looks again.
 * The deadline is read from the clock, not from a timer: the engine's solves run without yielding, so a timer could
 * not fire until the whole check was over.
 */
function boundedSolver(solver: LpSolver, deadline: number, controller: AbortController): LpSolver {
  const stopIfLate = (): void => {
    if (!controller.signal.aborted && Date.now() > deadline) controller.abort(new DeadlinePassed());
    controller.signal.throwIfAborted();
  };
  return {
    async columnRanges(lp, columns) {
      await yieldToEventLoop();
      stopIfLate();
      const ranges = await solver.columnRanges(lp, columns);
      stopIfLate();
      return ranges;
    },
  };
}

export function createOutputChecker(options: {
  store: MetadataStore;
  agreements: AgreementsInForce;
  /** Makes the LP solver; HiGHS by default. Asked once. */
  solver?: () => Promise<LpSolver>;
  /** How long one check may take, in milliseconds (CHECK_DEADLINE_SECONDS by default). */
  deadlineMs?: number;
}): OutputChecker {
  const deadlineMs = options.deadlineMs ?? CHECK_DEADLINE_SECONDS * 1000;
  const seconds = Math.max(1, Math.round(deadlineMs / 1000));
  /** The callers with a check waiting or running. */
  const outstanding = new Set<string>();
  /** The end of the platform's queue of checks: each starts when the one before it has finished. */
  let tail: Promise<void> = Promise.resolve();
  let solver: Promise<LpSolver> | undefined;
  const solverOf = (): Promise<LpSolver> => {
    solver ??= (options.solver ?? createHighsSolver)().catch((err: unknown) => {
      solver = undefined;
      throw err;
    });
    return solver;
  };

  const profileOf = (projectId: string): ProfileName => options.agreements.get(projectId)?.agreement.disclosureProfile ?? 'default';

  async function ledger(projectId: string): Promise<LedgerTable[]> {
    const released = await options.store.airlock.released(projectId);
    return released
      .filter((release) => release.revoked_at === null && release.kind !== 'regression')
      .map((release) => ledgerTable({ id: release.file_id, title: release.title }, publishedOf(release)));
  }

  return {
    profileOf,
    rulesOf: (projectId) => PROFILES[profileOf(projectId)],
    async check(projectId, document, call) {
      if (outstanding.has(call.caller)) {
        throw new EnclaveError(
          'rate_limited',
          'You have a disclosure check waiting or running already: wait for it to finish, then try again. Nothing was changed.',
        );
      }
      outstanding.add(call.caller);
      const before = tail;
      let done!: () => void;
      tail = new Promise((resolve) => (done = resolve));
      try {
        await before;
        // The ledger is read when the check runs, so a release just before it is differenced against.
        const [released, lp] = await Promise.all([ledger(projectId), solverOf()]);
        const controller = new AbortController();
        const solver = boundedSolver(lp, Date.now() + deadlineMs, controller);
        try {
          return await checkOutput(document, { rules: PROFILES[profileOf(projectId)], solver, released, signal: controller.signal });
        } catch (err) {
          if (controller.signal.aborted) throw tooLargeToCheck(seconds);
          if (err instanceof TableError)
            throw new EnclaveError('invalid_input', `This output cannot be checked: ${err.message}. Nothing was changed.`);
          throw err;
        }
      } finally {
        outstanding.delete(call.caller);
        done();
      }
    },
  };
}
