// `enclave audit verify --data-dir DIR`: checks the platform's audit log from its files, read-only. Prints
// `intact (N events, head S H)` and exits 0, or `broken: …` naming the first bad event, then every other one and
// the report's acceptance token, and exits 1; 2 for bad arguments. Safe beside a running platform.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import { verifyAuditFiles } from '../platform/audit/offline-verify.ts';
import { describeAuditReport } from '../platform/audit/verify.ts';
import type { CliIo } from './cli-io.ts';

const USAGE = `Usage: enclave audit verify --data-dir DIR
  Checks the audit log of the platform data folder DIR without changing anything: every event's seal and link,
  the anchor (DIR/identity/audit-anchor.jsonl) and the database's append-only triggers.
  Exit 0: intact. Exit 1: broken (every bad event, the first first, then the token with which
  \`enclave platform serve --accept-broken-audit-log=TOKEN\` accepts this report and no other). Exit 2: bad arguments.
`;

function parseVerifyArgs(argv: string[]): { dataDir: string } | 'help' | { problem: string } {
  let values: { 'data-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (values.help === true) return 'help';
  if (values['data-dir'] === undefined || values['data-dir'] === '') return { problem: '--data-dir is required.' };
  return { dataDir: values['data-dir'] };
}

export async function runAuditCommand(command: string | undefined, argv: string[], io: CliIo): Promise<number> {
  if (command !== 'verify') {
    io.stderr.write(`enclave audit: unknown command "${command ?? ''}"\n\n${USAGE}`);
    return 2;
  }
  const args = parseVerifyArgs(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('problem' in args) {
    io.stderr.write(`enclave audit verify: ${args.problem}\n\n${USAGE}`);
    return 2;
  }
  const folder = await stat(args.dataDir).catch(() => null);
  if (folder === null || !folder.isDirectory()) {
    io.stderr.write(`enclave audit verify: ${args.dataDir} is not a folder.\n`);
    return 2;
  }
  try {
    const result = await verifyAuditFiles(args.dataDir);
    if (result === null) {
      io.stderr.write(
        `enclave audit verify: ${args.dataDir} holds no platform audit log (no metadata.sqlite, no identity/audit-anchor.jsonl).\n`,
      );
      return 2;
    }
    for (const warning of result.warnings) io.stderr.write(`enclave audit verify: warning: ${warning}\n`);
    io.stdout.write(`${describeAuditReport(result.report)}\n`);
    const { token } = result.report;
    if (token !== null) {
      io.stdout.write(
        `token: ${token} (to start the platform on this log anyway: --accept-broken-audit-log=${token}; it accepts this report only)\n`,
      );
    }
    return result.report.intact ? 0 : 1;
  } catch (err) {
    const message = err instanceof EnclaveError ? err.message : 'the audit log could not be read.';
    io.stderr.write(`enclave audit verify: ${message}\n`);
    return 1;
  }
}
