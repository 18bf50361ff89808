// The platform's own disclosure-control check of outputs (it is authoritative: the workstation's report is a preview of
// the same function). One HiGHS solver per platform, made on first use; each project's outputs are checked with its
// agreement's rule profile and differenced against its ledger of released, non-revoked outputs. Also the bytes whose
// SHA-256 the airlock stores and checks again at release.
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
  /** The check of one document for this project, against its ledger now. */
  check(projectId: string, document: OutputDocument): Promise<OutputCheck>;
}

export function createOutputChecker(options: {
  store: MetadataStore;
  agreements: AgreementsInForce;
  /** Makes the LP solver; HiGHS by default. Asked once. */
  solver?: () => Promise<LpSolver>;
}): OutputChecker {
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
    async check(projectId, document) {
      const [released, lp] = await Promise.all([ledger(projectId), solverOf()]);
      try {
        return await checkOutput(document, { rules: PROFILES[profileOf(projectId)], solver: lp, released });
      } catch (err) {
        if (err instanceof TableError)
          throw new EnclaveError('invalid_input', `This output cannot be checked: ${err.message}. Nothing was changed.`);
        throw err;
      }
    },
  };
}
