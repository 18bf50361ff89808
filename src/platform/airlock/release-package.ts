// The release package of a released request: the approved outputs as published, the request's public context, and
// the results in ACRO's results.json layout with every CSV file it names (so the SACRO viewer opens it). Only what may
// leave: no private comment, no evidence, no supporting file, no count behind a hidden cell. The ACRO part is written
// by src/common/release-acro.ts from each output's name, published content and verdict, which the package carries:
// the workstation writes the ACRO part again from them and exports the package only when it is exactly what the
// platform sent.
import type { ReleasePackage, RequestContext } from '../../common/airlock.ts';
import type { OutputCheck, PublishedOutput } from '../../common/output-check.ts';
import { packageAcro } from '../../common/release-acro.ts';

export interface PackagedFile {
  readonly fileId: string;
  readonly name: string;
  readonly sha256: string;
  readonly published: PublishedOutput;
  /** The platform's check of the released version (for the verdict and the rules; its evidence is never read here). */
  readonly check: OutputCheck;
}

export function releasePackage(request: {
  id: string;
  title: string;
  projectId: string;
  projectName: string;
  context: RequestContext;
  releasedAt: string;
  releasedBy: { id: string; name: string };
  reviewers: string[];
  rules: string;
  files: readonly PackagedFile[];
}): ReleasePackage {
  const { files, ...described } = request;
  const packaged = files.map((file) => ({
    fileId: file.fileId,
    name: file.name,
    sha256: file.sha256,
    output: file.published,
    verdict: file.check.verdict,
  }));
  const { acro, acroFiles } = packageAcro({ request, files: packaged });
  return {
    request: {
      id: described.id,
      title: described.title,
      projectId: described.projectId,
      projectName: described.projectName,
      context: described.context,
      releasedAt: described.releasedAt,
      releasedBy: described.releasedBy,
      reviewers: described.reviewers,
      rules: described.rules,
    },
    files: packaged,
    acro,
    acroFiles,
  };
}
