// The export gate for a release package (SATRE 3.1.12, preventing unauthorised egress): the zip of a released request's
// ACRO results.json and the CSV files it names, which the SACRO viewer opens. The platform decides and audits (it hands a
// package only for a released request, while egress is open, when every file still hashes to what was released); the
// workstation asks whether egress is open first, then holds the package to the project's ledger: every file in it is
// in the ledger for this request, not revoked, under the same SHA-256, and its published content hashes to it; every
// file the ledger released for the request is in it; and results.json names exactly the CSV files it carries. It asks
// again when the bytes leave. Each refusal says what happened and that nothing was exported.
import { z } from 'zod';
import type { ReleasedOutput, ReleasePackage } from '../../common/airlock.ts';
import type { ExportOutcome } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { EgressStatus } from '../../common/incidents.ts';
import { MEDIA_TYPE_BY_FORMAT, type ExportFile, type SaveExport } from './export-file.ts';
import { publishedSha256 } from './export-gate.ts';
import { exportFileName } from './export-render.ts';
import { packageDigest, packageMembers, packageZip } from './release-zip.ts';

export interface PackageExportRequest {
  readonly projectId: string;
  readonly requestId: string;
  readonly format: 'package';
}

/** What the gate asks the platform, as the signed-in user. */
export interface PackageGateDependencies {
  egress(projectId: string, signal: AbortSignal): Promise<EgressStatus>;
  /** The request's release package (the platform audits each read, refused ones included). */
  releasePackage(requestId: string, signal: AbortSignal): Promise<ReleasePackage>;
  /** The project's ledger of released outputs. */
  ledger(projectId: string, signal: AbortSignal): Promise<ReleasedOutput[]>;
  saveExport: SaveExport;
}

const NOTHING_EXPORTED = 'Nothing was exported.';

/** Just enough of an ACRO record to read the files it names. */
const NamedFilesSchema = z.object({ files: z.array(z.object({ name: z.string() })) });

function refuse(code: 'forbidden' | 'internal', why: string): never {
  throw new EnclaveError(code, `${why} ${NOTHING_EXPORTED}${code === 'forbidden' ? ' Tell your administrators.' : ''}`);
}

function checkFiles(pack: ReleasePackage, ledger: readonly ReleasedOutput[], request: PackageExportRequest): void {
  const released = ledger.filter((entry) => entry.requestId === request.requestId);
  if (pack.files.length === 0) refuse('internal', 'The platform answered with a release package that holds no output.');
  for (const file of pack.files) {
    const entry = released.find((candidate) => candidate.fileId === file.fileId);
    if (entry === undefined) refuse('forbidden', `“${file.name}” is in the release package but not in the project's ledger.`);
    if (entry.revoked !== null) {
      throw new EnclaveError(
        'forbidden',
        `“${entry.title}” was revoked on ${entry.revoked.at} by ${entry.revoked.by.name}: ${entry.revoked.reason} A revoked output may not leave the environment. ${NOTHING_EXPORTED}`,
      );
    }
    if (file.sha256 !== entry.sha256 || publishedSha256(file.output) !== entry.sha256) {
      refuse(
        'forbidden',
        `The content of “${entry.title}” in the release package does not match the SHA-256 the platform recorded when it was released, so it is not what the checkers approved.`,
      );
    }
  }
  const missing = released.filter((entry) => !pack.files.some((file) => file.fileId === entry.fileId));
  if (missing.length > 0) {
    refuse(
      'forbidden',
      `The release package leaves out ${missing.map((entry) => `“${entry.title}”`).join(', ')}, which the ledger says was released with it.`,
    );
  }
}

function checkAcro(pack: ReleasePackage): void {
  const named: string[] = [];
  for (const record of Object.values(pack.acro.results)) {
    const parsed = NamedFilesSchema.safeParse(record);
    if (!parsed.success) refuse('internal', 'The release package has an ACRO record that names no files.');
    named.push(...parsed.data.files.map((file) => file.name));
  }
  const carried = pack.acroFiles.map((file) => file.name);
  const same = named.length === carried.length && new Set(carried).size === carried.length && named.every((name) => carried.includes(name));
  if (!same) refuse('internal', 'The release package’s results.json does not name exactly the CSV files it carries.');
}

/** Refuses unless the package may leave now. */
export function checkPackage(pack: ReleasePackage, ledger: readonly ReleasedOutput[], request: PackageExportRequest): void {
  if (pack.request.id !== request.requestId || pack.request.projectId !== request.projectId) {
    refuse('internal', 'The platform answered with the release package of another request than the one asked for.');
  }
  checkFiles(pack, ledger, request);
  checkAcro(pack);
}

function refuseWhileFrozen(egress: EgressStatus): void {
  if (egress.frozen) {
    throw new EnclaveError(
      'egress_frozen',
      `${egress.message ?? 'Nothing may leave this project now: egress is frozen.'} ${NOTHING_EXPORTED}`,
    );
  }
}

export async function exportPackage(
  request: PackageExportRequest,
  deps: PackageGateDependencies,
  signal: AbortSignal,
): Promise<ExportOutcome> {
  const { projectId, requestId } = request;
  const checked = async (at: AbortSignal): Promise<{ pack: ReleasePackage; digest: string }> => {
    // Egress first: while it is frozen the package is not even asked for.
    refuseWhileFrozen(await deps.egress(projectId, at));
    const pack = await deps.releasePackage(requestId, at);
    checkPackage(pack, await deps.ledger(projectId, at), request);
    return { pack, digest: packageDigest(packageMembers(pack)) };
  };
  const { pack, digest } = await checked(signal);
  // The same questions again when the bytes leave: a save dialog may stay open, a download waits to be fetched.
  const recheck = async (at: AbortSignal): Promise<void> => {
    if ((await checked(at)).digest !== digest) {
      throw new EnclaveError('forbidden', `The release package changed while it was being exported. ${NOTHING_EXPORTED}`);
    }
  };
  const bytes = packageZip(packageMembers(pack), pack.request.releasedAt);
  if (signal.aborted) throw new EnclaveError('cancelled', `The export was cancelled. ${NOTHING_EXPORTED}`);
  const file: ExportFile = {
    projectId,
    fileId: null,
    sha256: null,
    format: 'package',
    fileName: exportFileName(`${pack.request.title} release package`, digest, 'package'),
    mediaType: MEDIA_TYPE_BY_FORMAT.package,
    bytes,
    recheck,
  };
  return deps.saveExport(file, signal);
}
