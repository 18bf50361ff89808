// The export gate: the only way a file leaves the environment (SATRE 3.1.12, preventing unauthorised egress). It writes
// a released output only when, at the moment of export, the platform says egress is open for the project, the output
// is in the project's ledger and not revoked, and its published content hashes (publishedBytes, the platform's own
// canonical bytes) to the SHA-256 recorded when it was released, and its percentages or rates are what its published
// cells make. The platform decides release and audits the download;
// this is the workstation's defence in depth, so an output altered after release, or one released before a freeze, does
// not leave. Each refusal says what happened and that nothing was exported; nothing secret is logged.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { publishedBytes, type ReleasedFile } from '../../common/airlock.ts';
import type { ExportOutcome, OutputExportFormat } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { EgressStatus } from '../../common/incidents.ts';
import { derivedOf } from '../../common/output-check.ts';
import type { ExportFile, SaveExport } from './export-file.ts';
import { renderExport } from './export-render.ts';

export interface ExportRequest {
  readonly projectId: string;
  readonly fileId: string;
  readonly format: OutputExportFormat;
}

/** What the gate asks the platform, as the signed-in user. */
export interface ExportGateDependencies {
  egress(projectId: string, signal: AbortSignal): Promise<EgressStatus>;
  releasedFile(request: { projectId: string; fileId: string }, signal: AbortSignal): Promise<ReleasedFile>;
  /** The project's name for the provenance sheet; null when the platform does not list it for the caller. */
  projectName(projectId: string, signal: AbortSignal): Promise<string | null>;
  saveExport: SaveExport;
  now?: () => Date;
}

const NOTHING_EXPORTED = 'Nothing was exported.';

/** SHA-256 (hex) of a published output's canonical bytes, as the platform computes it at release. */
export function publishedSha256(content: ReleasedFile['content']): string {
  return createHash('sha256').update(publishedBytes(content)).digest('hex');
}

/** Refuses unless the released file may leave now; answers the hash it was checked against. */
export function checkReleased(released: ReleasedFile, request: ExportRequest): string {
  const { output } = released;
  if (output.fileId !== request.fileId) {
    throw new EnclaveError('internal', `The platform answered with another file than the one asked for. ${NOTHING_EXPORTED}`);
  }
  if (output.revoked !== null) {
    const { at, by, reason } = output.revoked;
    throw new EnclaveError(
      'forbidden',
      `“${output.title}” was revoked on ${at} by ${by.name}: ${reason} A revoked output may not leave the environment. ${NOTHING_EXPORTED}`,
    );
  }
  const actual = publishedSha256(released.content);
  if (actual !== output.sha256 || released.sha256 !== output.sha256) {
    throw new EnclaveError(
      'forbidden',
      `The content of “${output.title}” does not match the SHA-256 the platform recorded when it was released, so it is not what the checkers approved. ${NOTHING_EXPORTED} Tell your administrators.`,
    );
  }
  // Hashed with the rest, but a checker reads them to one decimal and the file would hold every digit.
  if (!isDeepStrictEqual(released.content.derived, derivedOf(released.content))) {
    throw new EnclaveError(
      'forbidden',
      `The percentages or rates of “${output.title}” are not what its published cells make, so they may hold something the checkers did not see. ${NOTHING_EXPORTED} Tell your administrators.`,
    );
  }
  return actual;
}

function refuseWhileFrozen(egress: EgressStatus): void {
  if (egress.frozen) {
    throw new EnclaveError(
      'egress_frozen',
      `${egress.message ?? 'Nothing may leave this project now: egress is frozen.'} ${NOTHING_EXPORTED}`,
    );
  }
}

export async function exportReleased(request: ExportRequest, deps: ExportGateDependencies, signal: AbortSignal): Promise<ExportOutcome> {
  const { projectId, fileId, format } = request;
  // Egress first: while it is frozen the released file is not even fetched.
  refuseWhileFrozen(await deps.egress(projectId, signal));
  const released = await deps.releasedFile({ projectId, fileId }, signal);
  const sha256 = checkReleased(released, request);
  const projectName = (await deps.projectName(projectId, signal)) ?? projectId;
  // The same questions again when the bytes leave: a save dialog may stay open, a download waits to be fetched.
  const recheck = async (at: AbortSignal): Promise<void> => {
    refuseWhileFrozen(await deps.egress(projectId, at));
    if (checkReleased(await deps.releasedFile({ projectId, fileId }, at), request) !== sha256) {
      throw new EnclaveError('forbidden', `The released output changed while it was being exported. ${NOTHING_EXPORTED}`);
    }
  };
  const exportedAt = (deps.now?.() ?? new Date()).toISOString();
  const rendered = renderExport(released, format, { projectId, projectName, exportedAt });
  if (signal.aborted) throw new EnclaveError('cancelled', `The export was cancelled. ${NOTHING_EXPORTED}`);
  const file: ExportFile = { projectId, fileId, sha256, format, ...rendered, recheck };
  return deps.saveExport(file, signal);
}
