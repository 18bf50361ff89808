// The demo platform's drives (issue 17): each demo project's drive is made at the first start with a few small files, so a
// new user of `npm start` finds a drive with something in it: a README that says what the drive is for and how to use it,
// and a CSV of synthetic aggregates (made up here, rounded and suppressed as a released table would be; no record of
// anyone). Written once, through the same path as any write (blob, then version), attributed to the platform, and
// recorded in the audit log. A drive that exists already is left alone, whatever it holds. Only the projects the store
// holds get one, and several instances starting together on one store make each drive and its files once.
import { Readable } from 'node:stream';
import { EnclaveError } from '../../common/errors.ts';
import { commitPinned } from './content-writes.ts';
import { PLATFORM_ACTOR, type DriveContext } from './drive-context.ts';
import type { DriveServiceRuntime } from './drive-service.ts';

export interface DemoDriveProject {
  readonly id: string;
  readonly name: string;
  readonly purpose: string;
}

const REGIONS = [
  'North East',
  'North West',
  'Yorkshire and The Humber',
  'East Midlands',
  'West Midlands',
  'East of England',
  'London',
  'South East',
  'South West',
];

/** A deterministic number from 0 to 1 for a text (FNV-1a): the same demo files on every machine. */
function unitOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0xffffffff;
}

/** Counts by region and year, rounded to 5, and those under 10 suppressed ("<10"), as a released table would show them. */
export function demoAggregatesCsv(projectId: string): string {
  const lines = ['region,year,count'];
  for (const region of REGIONS) {
    for (const year of [2020, 2021, 2022]) {
      const raw = Math.floor(unitOf(`${projectId}|${region}|${year}`) * 400);
      lines.push(`${region},${year},${raw < 10 ? '<10' : String(Math.round(raw / 5) * 5)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function demoReadme(project: DemoDriveProject): string {
  return [
    `# ${project.name}: the team drive`,
    '',
    `This drive is shared by everyone on the project “${project.name}”.`,
    '',
    `Purpose of the project: ${project.purpose}`,
    '',
    '## How to use it',
    '',
    '- Browse it in Enclave (Drive), or in the local folder the workstation keeps in step with it.',
    '- Save a result or a chart from the local engine into it; open a CSV, Parquet or Arrow file from it in the local engine.',
    '- Every overwrite and delete keeps a version: restore one from its history. Deleted files wait in the trash.',
    '- When two people change the same file, the later save becomes a conflict copy that everyone sees: nothing is lost.',
    '- Standard clients (Finder, Windows Explorer) can mount it over WebDAV with an app password made in Enclave.',
    '',
    '`example-aggregates.csv` holds synthetic counts (made up for the demo; no record of anyone).',
    '',
  ].join('\n');
}

/** Writes one demo file into a new drive, as the platform, through the same path as any write. */
async function writeDemoFile(ctx: DriveContext, file: { projectId: string; name: string; text: string }): Promise<void> {
  const { projectId, name } = file;
  const bytes = Buffer.from(file.text, 'utf8');
  await ctx.audited({ type: 'drive.write', caller: null, projectId, details: { path: name } }, async () => {
    const blob = await ctx.storeBlob(Readable.from([bytes]), {
      maxBytes: bytes.byteLength,
      expectedBytes: bytes.byteLength,
      tooLarge: () => new Error('A demo file is longer than itself.'),
    });
    let committed;
    try {
      committed = await commitPinned(ctx, {
        caller: null,
        actorId: PLATFORM_ACTOR.id,
        projectId,
        drivePath: name,
        blob,
        condition: { ifAbsent: true },
        mediaType: name.endsWith('.csv') ? 'text/csv' : 'text/markdown',
      });
    } finally {
      await ctx.release(blob.sha256);
    }
    return {
      result: committed,
      details: { path: name, version: committed.entry.version, sha256: blob.sha256, bytes: blob.size, change: committed.change },
    };
  });
}

/**
 * Makes each demo project's drive with its first files, unless the drive exists already; answers the drives made. Safe
 * when several instances start at once on one store: of all the calls that find no drive, exactly one makes it and
 * writes its files, and the others leave it be. Never stops a start: a failure is logged and the next project goes on.
 */
export async function seedDemoDrives(drives: DriveServiceRuntime, projects: readonly DemoDriveProject[]): Promise<string[]> {
  const ctx = drives.context;
  const made: string[] = [];
  for (const project of projects) {
    try {
      if ((await ctx.records.drive(project.id)) !== undefined) continue;
      // Only for a project the store holds: a drive belongs to its project, and a store migrated without the demo's
      // people and projects (a production database) has none of them, whatever the demo folder lists.
      if ((await ctx.store.getProject(project.id)) === undefined) continue;
      const { created } = await ctx.openDrive(project.id, PLATFORM_ACTOR.id);
      if (!created) continue;
      for (const [name, text] of [
        ['README.md', demoReadme(project)],
        ['example-aggregates.csv', demoAggregatesCsv(project.id)],
      ] as const) {
        try {
          await writeDemoFile(ctx, { projectId: project.id, name, text });
        } catch (err) {
          // Somebody saved a file of that name first: the drive has one, which is what this was for.
          if (!(err instanceof EnclaveError && err.code === 'conflict')) throw err;
        }
      }
      made.push(project.id);
    } catch (err) {
      ctx.log(`The demo drive of ${project.id} could not be given its first files; the platform serves without them.`, err);
    }
  }
  return made;
}
