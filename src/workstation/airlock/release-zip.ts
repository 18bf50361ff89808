// The release package as one zip, the way the SACRO viewer opens it: ACRO's results.json, beside it the CSV files it
// names, and checksums.sha256 (the SHA-256 of each, in the layout `sha256sum -c` reads). Pure: the export gate gives it
// the ACRO part it wrote itself from the verified outputs (once the platform's proved the same) and hands the zip to the
// shell.
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import type { ReleasePackage } from '../../common/airlock.ts';

export const RESULTS_FILE = 'results.json';
export const CHECKSUMS_FILE = 'checksums.sha256';

export interface PackageMember {
  readonly name: string;
  readonly bytes: Uint8Array;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The zip's files, in order: results.json, the CSV files, then the checksums of both. */
export function packageMembers(pack: Pick<ReleasePackage, 'acro' | 'acroFiles'>): PackageMember[] {
  const encoder = new TextEncoder();
  const listed: PackageMember[] = [
    { name: RESULTS_FILE, bytes: encoder.encode(`${JSON.stringify(pack.acro, null, 4)}\n`) },
    ...pack.acroFiles.map((file) => ({ name: file.name, bytes: encoder.encode(file.csv) })),
  ];
  const checksums = listed.map((member) => `${sha256Hex(member.bytes)}  ${member.name}\n`).join('');
  return [...listed, { name: CHECKSUMS_FILE, bytes: encoder.encode(checksums) }];
}

/** The zip's bytes; every entry dated at the release, so the same package always gives the same bytes. */
export function packageZip(members: readonly PackageMember[], releasedAt: string): Uint8Array {
  const mtime = new Date(releasedAt);
  return zipSync(Object.fromEntries(members.map((member) => [member.name, [member.bytes, { mtime }]])), { level: 6 });
}

/** A name for the package's content: the SHA-256 of its checksums file, which names every other file's. */
export function packageDigest(members: readonly PackageMember[]): string {
  const checksums = members.find((member) => member.name === CHECKSUMS_FILE);
  return sha256Hex(checksums?.bytes ?? new Uint8Array());
}
