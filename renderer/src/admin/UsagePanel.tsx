// The usage report on the oversight screen (issue 18): for a range of days (the last 30 by default), who and what the
// platform holds now (people by role and status, projects by their agreement's standing, datasets) and what it served in
// the range, counted from the audit log (people who signed in, activity per project: queries, samples, drive reads and
// writes, outputs; incidents), and each drive's use against its quota now. It says which figures are which. The same
// log and range give the same report.
import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { UsageReport } from '../../../src/common/oversight.ts';
import { formatBytes, formatCount } from '../shell/format.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { formatEventTime } from './audit-summary.ts';
import {
  countRows,
  defaultUsageRange,
  quotaShare,
  PROJECT_STATE_LABELS,
  rangeInWords,
  readUsageRange,
  ROLE_COUNT_LABELS,
  STATUS_COUNT_LABELS,
  type CountRow,
  type UsageRangeForm,
} from './oversight-text.ts';
import { useAdminRead } from './use-admin-read.ts';

function CountTable(props: { id: string; title: string; what: string; rows: readonly CountRow[]; total?: number; children?: ReactNode }) {
  const { id, title, what, rows, total } = props;
  return (
    <section className="usage-card" aria-labelledby={`${id}-heading`} data-testid={id}>
      <h3 id={`${id}-heading`}>{title}</h3>
      {rows.length === 0 ? (
        <p className="hint">None.</p>
      ) : (
        <table className="fields usage-table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{what}</th>
              <th scope="col" className="number">
                Count
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} data-testid={`${id}-row`} data-key={row.key}>
                <th scope="row">{row.label}</th>
                <td className="number">{formatCount(row.count)}</td>
              </tr>
            ))}
          </tbody>
          {total === undefined ? null : (
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td className="number" data-testid={`${id}-total`}>
                  {formatCount(total)}
                </td>
              </tr>
            </tfoot>
          )}
        </table>
      )}
      {props.children}
    </section>
  );
}

function Report(props: { report: UsageReport }) {
  const { report } = props;
  const { incidents } = report;
  return (
    <>
      <p className="usage-range-text" data-testid="usage-range-text">
        {rangeInWords(report.from, report.to)}, both days whole. Made {formatEventTime(report.generatedAt)}.
      </p>
      <div className="usage-grid">
        <CountTable id="usage-roles" title="People by role" what="Role" rows={countRows(report.people.byRole, ROLE_COUNT_LABELS)}>
          <p className="hint">Someone with two roles counts in both.</p>
        </CountTable>
        <CountTable
          id="usage-statuses"
          title="People by status"
          what="Status"
          rows={countRows(report.people.byStatus, STATUS_COUNT_LABELS)}
        >
          <p className="usage-active" data-testid="usage-active">
            <strong>{formatCount(report.people.active)}</strong> {report.people.active === 1 ? 'person' : 'people'} signed in during the
            range.
          </p>
        </CountTable>
        <CountTable
          id="usage-projects"
          title="Projects by agreement"
          what="Standing today"
          rows={countRows(report.projects.byState, PROJECT_STATE_LABELS)}
          total={report.projects.total}
        />
        <CountTable
          id="usage-incidents"
          title="Incidents"
          what="What"
          rows={[
            { key: 'opened', label: 'Opened in the range', count: incidents.opened },
            { key: 'closed', label: 'Closed in the range', count: incidents.closed },
            { key: 'actions', label: 'Kill-switch actions in the range', count: incidents.actions },
            { key: 'openNow', label: 'Open now', count: incidents.openNow },
          ]}
        />
      </div>
      <section className="usage-card usage-activity" aria-labelledby="usage-activity-heading" data-testid="usage-activity">
        <h3 id="usage-activity-heading">Activity per project in the range</h3>
        {report.activity.length === 0 ? (
          <p className="hint">Nothing was asked of any project in this range.</p>
        ) : (
          <div className="table-wrap">
            <table className="fields usage-table">
              <caption className="visually-hidden">
                Queries, samples, rows, catalogue reads, drive reads and writes, and outputs per project in the range
              </caption>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col" className="number">
                    Queries answered
                  </th>
                  <th scope="col" className="number">
                    Queries refused
                  </th>
                  <th scope="col" className="number">
                    Samples
                  </th>
                  <th scope="col" className="number">
                    Rows answered
                  </th>
                  <th scope="col" className="number">
                    Catalogue reads
                  </th>
                  <th scope="col" className="number">
                    Drive reads
                  </th>
                  <th scope="col" className="number">
                    Drive writes
                  </th>
                  <th scope="col" className="number">
                    Requests submitted
                  </th>
                  <th scope="col" className="number">
                    Files released
                  </th>
                  <th scope="col" className="number">
                    Exports
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.activity.map((row) => (
                  <tr key={row.projectId} data-testid="usage-activity-row" data-project={row.projectId}>
                    <th scope="row">
                      <code>{row.projectId}</code>
                    </th>
                    <td className="number">{formatCount(row.queries)}</td>
                    <td className="number">{formatCount(row.queriesRefused)}</td>
                    <td className="number">{formatCount(row.samples)}</td>
                    <td className="number">{formatCount(row.rows)}</td>
                    <td className="number">{formatCount(row.catalogueReads)}</td>
                    <td className="number">
                      {formatCount(row.driveReads)}
                      <span className="usage-bytes">{formatBytes(row.driveBytesRead)}</span>
                    </td>
                    <td className="number">
                      {formatCount(row.driveWrites)}
                      <span className="usage-bytes">{formatBytes(row.driveBytesWritten)}</span>
                    </td>
                    <td className="number">{formatCount(row.requestsSubmitted)}</td>
                    <td className="number">
                      {formatCount(row.filesReleased)}
                      <span className="usage-bytes">
                        {row.requestsReleased === 1 ? '1 request' : `${formatCount(row.requestsReleased)} requests`}
                      </span>
                    </td>
                    <td className="number">{formatCount(row.exports)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="usage-wide">
        <section className="usage-card" aria-labelledby="usage-datasets-heading" data-testid="usage-datasets">
          <h3 id="usage-datasets-heading">Datasets the platform serves</h3>
          {report.datasets.length === 0 ? (
            <p className="hint">None.</p>
          ) : (
            <table className="fields usage-table">
              <caption className="visually-hidden">Rows and size on disk of each dataset</caption>
              <thead>
                <tr>
                  <th scope="col">Dataset</th>
                  <th scope="col" className="number">
                    Rows
                  </th>
                  <th scope="col" className="number">
                    On disk
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.datasets.map((dataset) => (
                  <tr key={dataset.id} data-testid="usage-dataset-row" data-dataset={dataset.id}>
                    <th scope="row">
                      <code>{dataset.id}</code>
                    </th>
                    <td className="number">{formatCount(dataset.rows)}</td>
                    <td className="number">{formatBytes(dataset.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section className="usage-card" aria-labelledby="usage-drives-heading" data-testid="usage-drives">
          <h3 id="usage-drives-heading">Drive use against quota now</h3>
          {report.drives.length === 0 ? (
            <p className="hint">No project has a drive.</p>
          ) : (
            <table className="fields usage-table">
              <caption className="visually-hidden">Each project drive's bytes kept against its quota, and its files, now</caption>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col" className="number">
                    Used
                  </th>
                  <th scope="col" className="number">
                    Quota
                  </th>
                  <th scope="col" className="number">
                    Files
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.drives.map((drive) => (
                  <tr key={drive.projectId} data-testid="usage-drive-row" data-project={drive.projectId}>
                    <th scope="row">
                      <code>{drive.projectId}</code>
                    </th>
                    <td className="number">
                      {formatBytes(drive.usedBytes)}
                      <span className="usage-bytes">{quotaShare(drive.usedBytes, drive.quotaBytes)}</span>
                    </td>
                    <td className="number">{formatBytes(drive.quotaBytes)}</td>
                    <td className="number">{formatCount(drive.files)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <section className="usage-sources" aria-labelledby="usage-sources-heading" data-testid="usage-sources">
        <h3 id="usage-sources-heading">Where the figures come from</h3>
        <ul>
          {report.sources.current.map((line) => (
            <li key={line} data-testid="usage-source-current">
              <strong>Now:</strong> {line}
            </li>
          ))}
          {report.sources.counted.map((line) => (
            <li key={line} data-testid="usage-source-counted">
              <strong>From the log:</strong> {line}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

export function UsagePanel(props: { client: Client; shown: boolean }) {
  const { client, shown } = props;
  const [form, setForm] = useState<UsageRangeForm>(() => defaultUsageRange(new Date()));
  const [range, setRange] = useState<{ from: string; to: string } | null>(() => {
    const reading = readUsageRange(defaultUsageRange(new Date()));
    return reading.ok ? reading.value : null;
  });
  const [problem, setProblem] = useState<string | null>(null);
  const read = useCallback(async (): Promise<UsageReport> => {
    if (range === null) throw new Error('no range');
    return client.invoke('admin.usage', range);
  }, [client, range]);
  const usage = useAdminRead(read, 'The usage report could not be made.', shown && range !== null);

  const show = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readUsageRange(form);
    if (!reading.ok) {
      setProblem(reading.message);
      return;
    }
    setProblem(null);
    if (range !== null && reading.value.from === range.from && reading.value.to === range.to) usage.refresh();
    else setRange(reading.value);
  };

  return (
    <section
      className="panel usage-panel"
      aria-labelledby="usage-heading"
      aria-busy={usage.loading}
      data-testid="usage-report"
      data-answered={usage.answered}
    >
      <h2 id="usage-heading">Usage</h2>
      <p className="hint">
        Who and what the platform holds today, and what it served in the range, counted from the audit log: the same log and range give the
        same report.
      </p>
      <form className="usage-range" aria-label="Range of the usage report" onSubmit={show} noValidate data-testid="usage-range">
        <div className="field">
          <label htmlFor="usage-from">From (first day)</label>
          <input
            id="usage-from"
            type="date"
            value={form.from}
            onChange={(event) => setForm({ ...form, from: event.target.value })}
            data-testid="usage-from"
          />
        </div>
        <div className="field">
          <label htmlFor="usage-to">To (last day)</label>
          <input
            id="usage-to"
            type="date"
            value={form.to}
            onChange={(event) => setForm({ ...form, to: event.target.value })}
            data-testid="usage-to"
          />
        </div>
        <button type="submit" className="button secondary" disabled={usage.loading} data-testid="usage-show">
          {usage.loading ? 'Counting…' : 'Show the report'}
        </button>
      </form>
      <ErrorMessage testId="usage-problem" title="Not shown" text={problem} />
      <ErrorMessage testId="usage-error" title="The usage report could not be made" text={usage.error} />
      {usage.value === null ? usage.error === null ? <p className="hint">Counting…</p> : null : <Report report={usage.value} />}
    </section>
  );
}
