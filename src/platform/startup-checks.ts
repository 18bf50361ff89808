// Before serving, prove the metadata and the data agree, so a mismatch is a clear refusal at start-up rather
// than a failed sample later: every dataset a project uses is served, with exactly the catalogue's columns. And
// prove the audit log is intact, so a tampered history is found when it matters, not when someone looks.
import { EnclaveError } from '../common/errors.ts';
import type { AuditEvent, AuditLog } from './audit/audit-log.ts';
import { describeAuditReport, type AuditReport } from './audit/verify.ts';
import { SUPPORTED_TYPES } from './engine/arrow-columns.ts';
import type { EngineDataset } from './engine/data-engine.ts';
import type { StoredDataset } from './store/metadata-store.ts';

export function checkCatalogueMatchesData(options: {
  catalogue: readonly StoredDataset[];
  served: readonly EngineDataset[];
  /** Datasets some project grants. */
  used: ReadonlySet<string>;
}): void {
  const problems: string[] = [];
  const served = new Map(options.served.map((dataset) => [dataset.id, dataset]));
  const supported: ReadonlySet<string> = new Set(SUPPORTED_TYPES);
  for (const dataset of options.catalogue) {
    const data = served.get(dataset.id);
    if (data === undefined) {
      if (options.used.has(dataset.id)) problems.push(`${dataset.id} is granted to a project but is not in the data folder`);
      continue;
    }
    const expected = dataset.fields.map((field) => `${field.name} ${field.type}`).join(', ');
    const actual = data.columns.map((column) => `${column.name} ${column.type}`).join(', ');
    if (expected !== actual) problems.push(`${dataset.id}'s data file has columns (${actual}) but the catalogue says (${expected})`);
    for (const field of dataset.fields) {
      if (!supported.has(field.type)) problems.push(`${dataset.id}.${field.name} has type ${field.type}, which samples cannot carry`);
    }
  }
  if (problems.length > 0) {
    throw new EnclaveError(
      'unavailable',
      `The catalogue and the data folder disagree: ${problems.join('; ')}. Run \`enclave platform init\` again.`,
    );
  }
}

/** What the start-up check of the audit log found, and the event recording an accepted break, if there was one. */
export interface StartupAudit {
  readonly report: AuditReport;
  readonly acceptedAs?: AuditEvent;
}

/**
 * Verifies the audit log. A broken log stops the start with its report and its acceptance token, unless the
 * operator gave that very token: then the acceptance is itself an audit event. A token for another report (an
 * earlier break, or this one before the log changed again) accepts nothing. An intact log has its newest event
 * anchored (after a stop between storing and anchoring, or for a log written before anchoring).
 */
export async function checkAuditLogAtStart(options: { audit: AuditLog; dataDir: string; accept?: string }): Promise<StartupAudit> {
  const report = await options.audit.verify();
  if (report.intact) {
    await options.audit.anchorHead();
    return { report };
  }
  const again = `Find out what happened first (\`enclave audit verify --data-dir ${options.dataDir}\` prints this report again).`;
  const acceptWith = `--accept-broken-audit-log=${report.token ?? ''}`;
  if (options.accept === undefined) {
    throw new EnclaveError(
      'unavailable',
      `The audit log is broken, so the platform did not start:\n${describeAuditReport(report)}\n${again} ` +
        `To start anyway, with your acceptance of this break recorded in the audit log, add ${acceptWith} (it accepts this report only).`,
    );
  }
  if (options.accept !== report.token) {
    throw new EnclaveError(
      'unavailable',
      `The audit log is broken, and --accept-broken-audit-log=${options.accept} does not accept this break: it was given for another report, ` +
        `or the log has changed since. The platform did not start. The log now reads:\n${describeAuditReport(report)}\n${again} ` +
        `To accept this report, start with ${acceptWith} instead.`,
    );
  }
  return { report, acceptedAs: await options.audit.acceptBreak(report) };
}
