// `enclave admin usage` and `enclave admin security-review`: oversight, as the administrator signed in with `enclave
// login`. The usage report counts what the audit log records for the range (the same log and range give the same
// report); the security review lists what happened since the last review and the expiries, and `--record` records a
// review up to an event, with a note (itself an audit event). The platform decides; this prints what it answered.
import { parseArgs } from 'node:util';
import { RecordReviewSchema, UsageQuerySchema, type SecurityReview, type UsageReport } from '../common/oversight.ts';
import type { AccountIo } from './account.ts';
import { flagProblem } from './host-records.ts';
import { CommandLineProblem, printable, runSignedIn } from './signed-in-command.ts';

export const ADMIN_OVERSIGHT_USAGE = `Usage (as an administrator signed in with \`enclave login\`; add --platform URL, or set ENCLAVE_PLATFORM_URL):
  enclave admin usage --from ISO --to ISO [--format text|json]
                                                 people, projects, datasets, activity per project and incidents in the range
  enclave admin security-review [--format text|json]
                                                 since the last review: failed sign-ins, refusals, attempts by suspended
                                                 accounts, the audit chain, and what expires within 30 days
  enclave admin security-review --record --up-to N --note TEXT
                                                 record that the events up to N were reviewed (an audit event)
  Exit 0: done. Exit 2: bad input (nothing sent), or the platform found it invalid. Exit 1: refused or failed.
`;

const counts = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ') || 'none';

function usageLines(report: UsageReport): string[] {
  return [
    `Usage from ${report.from} to ${report.to} (generated ${report.generatedAt})`,
    `People by role: ${counts(report.people.byRole)}; by status: ${counts(report.people.byStatus)}; signed in during the range: ${report.people.active}`,
    `Projects (${report.projects.total}): ${counts(report.projects.byState)}`,
    ...report.datasets.map((dataset) => `Dataset ${dataset.id}: ${dataset.rows} rows, ${dataset.bytes} bytes`),
    ...report.drives.map(
      (drive) => `Drive of ${drive.projectId}: ${drive.usedBytes} of ${drive.quotaBytes} bytes used, ${drive.files} files (now)`,
    ),
    ...report.activity.map(
      (row) =>
        `Project ${row.projectId}: ${row.queries} queries (${row.queriesRefused} refused), ${row.samples} samples, ${row.rows} rows, ${row.catalogueReads} catalogue reads, ` +
        `${row.driveReads} drive reads (${row.driveBytesRead} bytes), ${row.driveWrites} drive writes (${row.driveBytesWritten} bytes), ` +
        `${row.requestsSubmitted} requests submitted, ${row.requestsReleased} released (${row.filesReleased} files), ${row.exports} exports`,
    ),
    `Incidents: ${report.incidents.opened} opened, ${report.incidents.closed} closed, ${report.incidents.actions} actions, ${report.incidents.openNow} open now`,
    ...report.sources.current.map((line) => `Now: ${line}`),
    ...report.sources.counted.map((line) => `From the log: ${line}`),
  ];
}

function reviewLines(review: SecurityReview): string[] {
  const events = (label: string, list: SecurityReview['failedSignIns']) => [
    `${label}: ${list.length}`,
    ...list
      .slice(-20)
      .map((event) => `  #${event.seq} ${event.occurredAt} ${event.type} ${printable(event.who ?? '-')} ${printable(event.reason)}`),
  ];
  const { expiries } = review;
  return [
    `Events ${review.since + 1} to ${review.headSeq} since the last review${review.overdue ? ' (a review is overdue)' : ''}`,
    review.lastReview === null
      ? 'Last review: none'
      : `Last review: up to #${review.lastReview.upTo} by ${printable(review.lastReview.by ?? '-')} at ${review.lastReview.at}: ${printable(review.lastReview.note)}`,
    `Audit chain: ${review.audit.intact ? 'intact' : 'BROKEN'} (${printable(review.audit.summary)})`,
    ...events('Failed sign-ins', review.failedSignIns),
    ...events('Refusals', review.refusals),
    ...events('Attempts by suspended or disabled accounts', review.suspendedAttempts),
    ...expiries.agreements.map((line) => `Agreement ${line.projectId} expires ${line.expires} (${line.daysLeft} days)`),
    ...expiries.dpiaReviews.map((line) => `DPIA review for ${line.projectId} due ${line.reviewDue} (${line.daysLeft} days)`),
    ...expiries.training.map(
      (line) =>
        `Training: ${printable(line.displayName)} (${line.userId}) ${printable(line.course)} ${line.expires === null ? 'not on record' : `expires ${line.expires}`}`,
    ),
  ];
}

export async function runAdminOversight(command: 'usage' | 'security-review', argv: string[], io: AccountIo): Promise<number> {
  let values: {
    platform?: string;
    from?: string;
    to?: string;
    format?: string;
    record?: boolean;
    'up-to'?: string;
    note?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        platform: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string' },
        record: { type: 'boolean' },
        'up-to': { type: 'string' },
        note: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.help === true) {
      io.stdout.write(ADMIN_OVERSIGHT_USAGE);
      return 0;
    }
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new CommandLineProblem('--format must be text or json.');
    if (command === 'usage') {
      if (values.record !== undefined || values['up-to'] !== undefined || values.note !== undefined) {
        throw new CommandLineProblem('--record, --up-to and --note go with `enclave admin security-review`.');
      }
      const parsed = UsageQuerySchema.safeParse({ from: values.from, to: values.to });
      if (!parsed.success) throw new CommandLineProblem(flagProblem(parsed.error, {}));
      return await runSignedIn({
        command: 'admin usage',
        platform: values.platform,
        io,
        work: async ({ client, token, say }) => {
          const report = await client.call('admin.usage', { query: parsed.data }, { token });
          say(format === 'json' ? JSON.stringify(report, null, 2) : usageLines(report).join('\n'));
          return 0;
        },
      });
    }
    if (values.from !== undefined || values.to !== undefined)
      throw new CommandLineProblem('--from and --to go with `enclave admin usage`.');
    const record =
      values.record === true
        ? RecordReviewSchema.safeParse({ upTo: values['up-to'] === undefined ? undefined : Number(values['up-to']), note: values.note })
        : null;
    if (record !== null && !record.success) throw new CommandLineProblem(flagProblem(record.error, { upTo: '--up-to' }));
    if (record === null && (values['up-to'] !== undefined || values.note !== undefined)) {
      throw new CommandLineProblem('--up-to and --note record a review: add --record.');
    }
    return await runSignedIn({
      command: 'admin security-review',
      platform: values.platform,
      io,
      work: async ({ client, token, say }) => {
        const review =
          record === null
            ? await client.call('admin.security-review', {}, { token })
            : await client.call('admin.security-review.record', { body: record.data }, { token });
        say(format === 'json' ? JSON.stringify(review, null, 2) : reviewLines(review).join('\n'));
        return 0;
      },
    });
  } catch (err) {
    if (err instanceof CommandLineProblem || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`enclave admin ${command}: ${err.message}\n${ADMIN_OVERSIGHT_USAGE}`);
      return 2;
    }
    throw err;
  }
}
