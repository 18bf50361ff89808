// `enclave platform access-report --data-dir DIR (--user ID | --project ID) --from ISO --to ISO [--format json|csv]
// [--database-url URL --database-password-file FILE]`: what a person or a project touched in [from, to), from the audit
// log, for an incident's investigation. Opens only the records (DIR's, or the PostgreSQL database serve runs on); the
// report is itself an audit event (`audit.access_report`, with the operator), as the administrators' route records it.
import { accessReportCsv, AccessReportRequestSchema } from '../common/incidents.ts';
import { accessReport } from '../platform/incidents/access-report.ts';
import type { CliIo } from './cli-io.ts';
import { flagProblem, operatorName, UsageProblem, withRecords, type HostRecordsOptions } from './host-records.ts';

export interface AccessReportFlags {
  readonly user?: string;
  readonly project?: string;
  readonly from?: string;
  readonly to?: string;
  readonly format?: string;
}

export async function accessReportCommand({
  values,
  records: at,
  io,
}: {
  values: AccessReportFlags;
  records: HostRecordsOptions;
  io: CliIo;
}): Promise<number> {
  if ((values.user === undefined) === (values.project === undefined)) throw new UsageProblem('give one of --user ID or --project ID.');
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new UsageProblem('--format must be json or csv.');
  const parsed = AccessReportRequestSchema.safeParse({
    subject: values.user === undefined ? 'project' : 'person',
    id: values.user ?? values.project,
    from: values.from,
    to: values.to,
  });
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? '');
    if (field === 'from' || field === 'to') throw new UsageProblem(`--${field} must be a date and time like 2026-12-01T02:00:00Z.`);
    throw new UsageProblem(flagProblem(parsed.error, { id: values.user === undefined ? '--project' : '--user' }));
  }
  const request = parsed.data;
  return withRecords(at, async (records) => {
    const answer = await accessReport({ audit: records.audit, airlock: records.store.airlock, request });
    await records.audit.append({
      type: 'audit.access_report',
      actor: null,
      outcome: 'success',
      details: {
        operator: operatorName(),
        via: 'host',
        subject: request.subject,
        id: request.id,
        from: answer.from,
        to: answer.to,
        entries: answer.entries.length,
      },
    });
    io.stdout.write(format === 'csv' ? accessReportCsv(answer) : `${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  });
}
