// The project's ledger of released outputs (issue 16): what left the environment, from which request, when and by
// whom, who reviewed it and under which rules; revoked ones say why and cannot be exported. Export (xlsx, CSV, and SVG
// for a chart; a released request's release package for the SACRO viewer) goes through the workstation's export gate,
// which re-hashes the released files against the ledger: in Electron it saves through a save dialog; in the browser
// shell it answers a one-time URL that a hidden download link is pointed at.
import { useEffect, useRef, useState } from 'react';
import type { ReleasedOutput } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import type { ExportOutcome, OutputExportFormat } from '../../../src/common/contract.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { outputsHashOf } from './outputs-address.ts';
import { exportFormats, exportNews, FORMAT_LABELS, packageableRequests, releasedWhat, type ReleasedRequest } from './released-text.ts';
import { shortHash } from './request-text.ts';

export function ReleasedOutputs(props: {
  client: Client;
  projectId: string;
  released: readonly ReleasedOutput[] | null;
  error: string | null;
}) {
  const { client, projectId, released } = props;
  const download = useRef<HTMLAnchorElement>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const [news, setNews] = useState<{ kind: 'success' | 'info'; text: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The ledger read again (a revocation, a new release): what the last export said belongs to the list before.
  useEffect(() => {
    setNews(null);
    setError(null);
  }, [released]);

  const take = (outcome: ExportOutcome, text: string): void => {
    if (outcome.kind === 'download' && download.current) {
      download.current.href = outcome.url;
      download.current.download = outcome.fileName;
      download.current.click();
    }
    setNews({ kind: outcome.kind === 'cancelled' ? 'info' : 'success', text });
  };

  const run = (what: { key: string; title: string; call: () => Promise<ExportOutcome>; format: 'package' | OutputExportFormat }): void => {
    setNews(null);
    setError(null);
    setExporting(what.key);
    what
      .call()
      .then(
        (outcome) => take(outcome, exportNews(outcome, what.title, what.format)),
        (err: unknown) => setError(messageOf(err, `“${what.title}” was not exported. Nothing was saved.`)),
      )
      .finally(() => setExporting(null));
  };

  const exportAs = (output: ReleasedOutput, format: OutputExportFormat): void =>
    run({
      key: `${output.fileId}:${format}`,
      title: output.title,
      format,
      call: () => client.invoke('airlock.export', { projectId, fileId: output.fileId, format }),
    });

  const exportPackage = (request: ReleasedRequest): void =>
    run({
      key: `${request.requestId}:package`,
      title: request.title,
      format: 'package',
      call: () => client.invoke('airlock.export', { projectId, requestId: request.requestId, format: 'package' }),
    });

  const packages = released === null ? [] : packageableRequests(released);

  return (
    <section className="panel" aria-labelledby="released-heading" data-testid="released-outputs">
      <h2 id="released-heading">Released outputs</h2>
      <p className="hint">
        The only way out of the environment: outputs the output checkers released. An export is written only when the file still matches
        what was released.
      </p>
      <ErrorMessage testId="released-error" title="The released outputs could not be read" text={props.error} />
      <ErrorMessage testId="export-error" title="Nothing was exported" text={error} />
      <div role="status">{news ? <Notice kind={news.kind} testId="export-news" text={news.text} /> : null}</div>
      {/* The browser shell's downloads: pointed at the one-time URL the workstation answered, then clicked. */}
      <a ref={download} hidden href="#" data-testid="export-download">
        Download
      </a>
      {released === null ? (
        props.error === null ? (
          <p className="hint">Reading the released outputs…</p>
        ) : null
      ) : released.length === 0 ? (
        <p className="hint" data-testid="no-released">
          Nothing has been released from this project yet.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="fields released-table" data-testid="released-table">
            <caption className="visually-hidden">Outputs released from this project, with their export</caption>
            <thead>
              <tr>
                <th scope="col">Output</th>
                <th scope="col">Released</th>
                <th scope="col">Reviewed by</th>
                <th scope="col">Export</th>
              </tr>
            </thead>
            <tbody>
              {released.map((output) => (
                <tr
                  key={output.fileId}
                  className={output.revoked ? 'revoked' : undefined}
                  data-testid="released-output"
                  data-file-id={output.fileId}
                  data-revoked={output.revoked !== null}
                >
                  <td>
                    <span className="released-title">{output.title}</span>
                    <span className="request-meta">{releasedWhat(output)}</span>
                    <span className="request-meta">
                      From <a href={outputsHashOf(output.requestId)}>{output.requestTitle}</a> · <span className="mono">{output.name}</span>{' '}
                      ·{' '}
                      <span className="mono" title={`SHA-256 ${output.sha256}`}>
                        {shortHash(output.sha256)}
                      </span>
                    </span>
                  </td>
                  <td className="released-when">
                    {formatEventTime(output.releasedAt)}
                    <span className="request-meta">by {output.releasedBy.name}</span>
                  </td>
                  <td>
                    {output.reviewers.join(', ')}
                    <span className="request-meta">Rules: {output.rules}</span>
                  </td>
                  <td>
                    {output.revoked ? (
                      <div className="revoked-note" data-testid="revoked-note">
                        <span className="badge status bad">Revoked</span> {formatEventTime(output.revoked.at)} by {output.revoked.by.name}:{' '}
                        {output.revoked.reason.replace(/[.\s]+$/, '')}. It may not be exported.
                      </div>
                    ) : (
                      <div className="export-buttons">
                        {exportFormats(output).map((format) => (
                          <button
                            key={format}
                            type="button"
                            className="button secondary"
                            disabled={exporting !== null}
                            aria-label={`Export “${output.title}” as ${FORMAT_LABELS[format]}`}
                            onClick={() => exportAs(output, format)}
                            data-testid={`export-${format}`}
                          >
                            {exporting === `${output.fileId}:${format}` ? 'Exporting…' : FORMAT_LABELS[format]}
                          </button>
                        ))}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {packages.length > 0 ? (
        <section className="release-packages-panel" aria-labelledby="packages-heading" data-testid="release-packages">
          <h3 id="packages-heading">Release packages</h3>
          <p className="hint">
            For the SACRO viewer: a released request’s results in ACRO’s results.json, with the CSV files it names and their SHA-256
            checksums, in one zip. It is written only when every output in it still matches what was released.
          </p>
          <ul className="release-packages">
            {packages.map((request) => (
              <li key={request.requestId} data-testid="release-package" data-request-id={request.requestId}>
                <span className="released-title">
                  <a href={outputsHashOf(request.requestId)}>{request.title}</a>
                </span>
                <span className="request-meta">
                  {request.outputs === 1 ? '1 output' : `${request.outputs} outputs`} · released {formatEventTime(request.releasedAt)}
                </span>
                <button
                  type="button"
                  className="button secondary"
                  disabled={exporting !== null}
                  aria-label={`Export the release package of “${request.title}”`}
                  onClick={() => exportPackage(request)}
                  data-testid="export-package"
                >
                  {exporting === `${request.requestId}:package` ? 'Exporting…' : 'Release package (zip)'}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}
