// The export gate for a release package (SATRE 3.1.12, preventing unauthorised egress): the zip of a released request's
// ACRO results.json and the CSV files it names, which the SACRO viewer opens. The platform decides and audits (it hands a
// package only for a released request, while egress is open, when every file still hashes to what was released); the
// workstation asks whether egress is open first, then holds the package to the project's ledger: every file in it is
// in the ledger for this request, once, not revoked, under the same SHA-256, name, release time and request title, and
// its published content hashes to it; every file the ledger released for the request is in it. It then writes the ACRO
// part again from those verified outputs and their verdicts (src/common/release-acro.ts) and refuses unless
// results.json is that (key order aside) and every CSV file is that byte for byte: a count or a text added on the way
// cannot leave. The zip is made from what it wrote. It asks again when the bytes leave. Each refusal says what
// happened and that nothing was exported.
import { isDeepStrictEqual } from 'node:util';
import type { ReleasedOutput, ReleasePackage } from '../../common/airlock.ts';
import type { ExportOutcome } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { EgressStatus } from '../../common/incidents.ts';
import { acroOrder, packageAcro, type AcroPart } from '../../common/release-acro.ts';
import { MEDIA_TYPE_BY_FORMAT, type ExportFile, type SaveExport } from './export-file.ts';
import { publishedSha256 } from './export-gate.ts';
import { exportFileName } from './export-render.ts';
import { packageDigest, packageMembers, packageZip, type PackageMember } from './release-zip.ts';

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

function refuse(code: 'forbidden' | 'internal', why: string): never {
  throw new EnclaveError(code, `${why} ${NOTHING_EXPORTED}${code === 'forbidden' ? ' Tell your administrators.' : ''}`);
}

function checkFiles(pack: ReleasePackage, ledger: readonly ReleasedOutput[], request: PackageExportRequest): void {
  const released = ledger.filter((entry) => entry.requestId === request.requestId);
  if (pack.files.length === 0) refuse('internal', 'The platform answered with a release package that holds no output.');
  const ids = new Set(pack.files.map((file) => file.fileId));
  if (ids.size !== pack.files.length) refuse('forbidden', 'The release package lists an output more than once.');
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
    // The name and release time are written into results.json, the request's title into the zip's name.
    if (file.name !== entry.name || pack.request.releasedAt !== entry.releasedAt || pack.request.title !== entry.requestTitle) {
      refuse(
        'forbidden',
        `The release package gives “${entry.title}” another file name, release time or request title than the project's ledger (“${entry.name}”, ${entry.releasedAt}, “${entry.requestTitle}”).`,
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

const NOT_APPROVED =
  'so it may hold something the checkers did not approve (or the platform runs another version of Enclave than this workstation).';

/** At most a few of the platform's own words in a message. */
function someOf(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((name) => (name.length > 40 ? `${name.slice(0, 40)}…` : name));
  return names.length > shown.length ? `${shown.join(', ')} and ${names.length - shown.length} more` : shown.join(', ');
}

/** The package's ACRO part as this workstation writes it from the verified outputs; refuses unless the platform's is the same. */
function checkAcro(pack: ReleasePackage): AcroPart {
  const made = packageAcro(pack);
  if (!isDeepStrictEqual(pack.acro, made.acro)) {
    const uids = [...new Set([...Object.keys(pack.acro.results), ...Object.keys(made.acro.results)])];
    const differing = uids.filter((uid) => !isDeepStrictEqual(pack.acro.results[uid], made.acro.results[uid]));
    const what =
      differing.length === 0
        ? 'it differs outside its records'
        : `${differing.length === 1 ? 'its record' : 'its records'} ${someOf(differing)} ${differing.length === 1 ? 'differs' : 'differ'}`;
    refuse('forbidden', `The release package’s results.json is not what its released outputs make (${what}), ${NOT_APPROVED}`);
  }
  const ordered = acroOrder(pack.files);
  const madeBy = (name: string): string => {
    const index = Number(/^output_(\d+)_/.exec(name)?.[1]);
    return ordered[index]?.output.title ?? name;
  };
  const madeNames = new Set(made.acroFiles.map((file) => file.name));
  const names = pack.acroFiles.map((file) => file.name);
  const extra = names.filter((name) => !madeNames.has(name));
  if (extra.length > 0)
    refuse('forbidden', `The release package carries ACRO files its released outputs do not make (${someOf(extra)}), ${NOT_APPROVED}`);
  if (new Set(names).size !== names.length) refuse('forbidden', `The release package carries an ACRO file twice, ${NOT_APPROVED}`);
  const sent = new Map(pack.acroFiles.map((file) => [file.name, file.csv]));
  for (const file of made.acroFiles) {
    if (!sent.has(file.name))
      refuse(
        'forbidden',
        `The release package leaves out the ACRO file ${file.name} that its released output “${madeBy(file.name)}” makes.`,
      );
    if (sent.get(file.name) !== file.csv) {
      refuse(
        'forbidden',
        `The release package’s ACRO file ${file.name} is not what its released output “${madeBy(file.name)}” makes, ${NOT_APPROVED}`,
      );
    }
  }
  return made;
}

/** Refuses unless the package may leave now; answers its ACRO part as this workstation wrote it (what the zip is made of). */
export function checkPackage(pack: ReleasePackage, ledger: readonly ReleasedOutput[], request: PackageExportRequest): AcroPart {
  if (pack.request.id !== request.requestId || pack.request.projectId !== request.projectId) {
    refuse('internal', 'The platform answered with the release package of another request than the one asked for.');
  }
  checkFiles(pack, ledger, request);
  return checkAcro(pack);
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
  const checked = async (at: AbortSignal): Promise<{ pack: ReleasePackage; members: PackageMember[]; digest: string }> => {
    // Egress first: while it is frozen the package is not even asked for.
    refuseWhileFrozen(await deps.egress(projectId, at));
    const pack = await deps.releasePackage(requestId, at);
    const members = packageMembers(checkPackage(pack, await deps.ledger(projectId, at), request));
    return { pack, members, digest: packageDigest(members) };
  };
  const { pack, members, digest } = await checked(signal);
  // The same questions again when the bytes leave: a save dialog may stay open, a download waits to be fetched.
  const recheck = async (at: AbortSignal): Promise<void> => {
    if ((await checked(at)).digest !== digest) {
      throw new EnclaveError('forbidden', `The release package changed while it was being exported. ${NOTHING_EXPORTED}`);
    }
  };
  const bytes = packageZip(members, pack.request.releasedAt);
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
