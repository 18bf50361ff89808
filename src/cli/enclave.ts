#!/usr/bin/env node
// The `enclave` command line: `enclave platform init|serve|query|user add|drives …`, the operator's incident commands
// (`enclave platform incidents|suspend-user|suspend-project|freeze-egress|lift|access-report …`), `enclave audit verify
// …`, `enclave sdc check …`, `enclave login|logout|whoami|projects|enrol`, `enclave terms show|accept` and `enclave admin
// users …` (as the signed-in user). Every command runs with the one trust setting, `--ca-file FILE` or ENCLAVE_CA_FILE
// (src/workstation/ca-trust.ts): applied here, before the command runs, so `platform serve`'s own outgoing calls (an
// external issuer's discovery and keys) trust it as the signed-in commands do.
import process from 'node:process';
import { CA_FILE_FLAG, describeCaBundle, trustConfiguredCaFile } from '../workstation/ca-trust.ts';
import type { CliIo } from './cli-io.ts';

const USAGE = `Usage:
  enclave platform init --data-dir DIR [--scale N] [--seed S]   generate the synthetic datasets
  enclave platform serve --data-dir DIR [--port P] [--host H] [--tls-cert F --tls-key F] [--public-url URL]   serve the platform (embedded sign-in)
    [--oidc-issuer URL --oidc-audience A --oidc-client-id C]     or trust an external OIDC issuer
    [--accept-broken-audit-log=TOKEN]                            start on the broken audit log whose report printed TOKEN
  enclave platform migrate --database-url URL [--app-role ROLE]   bring a PostgreSQL metadata store up to date and seed it
  enclave platform keys create|show|add|promote|retire|record --identity-keys-dir KEYS
                                                                the keys every instance on PostgreSQL shares, and their rotation
  enclave platform query --data-dir DIR --as USER --project P --sql SQL [--format csv|json]
                                                                run a minimised query as USER would (audited)
  enclave platform user add --data-dir DIR --subject SUB --role ROLE [--issuer URL] [--id ID] [--name NAME]
                                                                add a person from the host (the first admin)
  enclave platform drives set --data-dir DIR --project P [--quota-gib N] [--keep-versions N] [--trash-days N] --reason T
                                                                a project drive's quota, versions kept, trash days
  enclave platform drives restored --data-dir DIR --reason TEXT   after restoring drives from a backup: workstations resync
  Incidents (break-glass, on the platform's host, no identity provider needed; without --incident one is opened):
  enclave platform incidents --data-dir DIR [--format text|json]   open incidents and the actions in force, with ids
  enclave platform suspend-user --data-dir DIR --user ID --reason TEXT [--incident INC]
                                                                every route refuses the person from their next call
  enclave platform suspend-project --data-dir DIR --project ID --reason TEXT [--incident INC]
                                                                the project's routes refuse everybody
  enclave platform freeze-egress --data-dir DIR [--project ID] --reason TEXT [--incident INC]
                                                                nothing leaves the project (no --project: any project)
  enclave platform lift --data-dir DIR --action ACT --reason TEXT   lift an action in force
  enclave platform access-report --data-dir DIR (--user ID | --project ID) --from ISO --to ISO [--format json|csv]
                                                                what a person or project touched, from the audit log
  enclave audit verify --data-dir DIR                           check the platform's audit log (read-only)
  enclave sdc check FILE.json|-                                 disclosure-control check of a table
  enclave login [--platform URL] [--browser]                    sign in (device code, or a browser here)
  enclave logout | whoami | projects [--platform URL]           sign out; who you are; your projects
  enclave enrol CODE [--platform URL]                           join the platform with the code your administrator sent
  enclave terms show [--platform URL]                           the terms of use in force for you, and what you must accept
  enclave terms accept --version N --sha256 HEX [--audience A] [--platform URL]
                                                                accept the terms \`enclave terms show\` printed
  People (as a signed-in administrator; \`enclave admin users --help\` for the flags):
  enclave admin users list | show ID                            everybody, with changes waiting; one person and history
  enclave admin users add --id ID --name NAME --role ROLE --verification TEXT [--subject SUB] …
                                                                register a person (prints their enrolment code once)
  enclave admin users grant|revoke ID --role ROLE --reason TEXT   one role (admin may wait for a second administrator)
  enclave admin users disable|enable ID --reason TEXT           someone who left, or back again
  enclave admin users enrolment-code ID                         a new enrolment code for someone invited
  enclave admin users approve|refuse CHANGE --reason TEXT       decide another administrator's change
  enclave admin usage --from ISO --to ISO [--format text|json]  the usage report for a time range
  enclave admin security-review [--record --up-to N --note TEXT]
                                                                since the last review; or record one (an audit event)
The host commands (platform user add, incidents…, drives, query, audit verify) take [--database-url postgres://APP@HOST:PORT/DB
  --database-password-file FILE --identity-keys-dir KEYS] (or ENCLAVE_DATABASE_URL / ENCLAVE_DATABASE_PASSWORD_FILE /
  ENCLAVE_IDENTITY_KEYS_DIR), as serve does.
Every command:
  --ca-file FILE (or --ca-file=FILE), anywhere on the line, or ENCLAVE_CA_FILE=FILE
                                                                trust the certificate authorities in FILE (PEM) as well
                                                                as this computer's: your organisation's CA bundle
  The platform URL (--platform, ENCLAVE_PLATFORM_URL) is https://, or http:// on this machine only.
`;

/**
 * The global `--ca-file FILE` / `--ca-file=FILE`, wherever it stands (before or after the command words), taken out
 * before the command reads its own options. Given twice, or without a file, is an error.
 */
function takeCaFileFlag(argv: readonly string[]): { ok: true; argv: string[]; caFile?: string } | { ok: false; message: string } {
  const rest: string[] = [];
  let caFile: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    let value: string | undefined;
    if (arg === CA_FILE_FLAG) {
      value = argv[index + 1];
      if (value === undefined || value.startsWith('-'))
        return { ok: false, message: `${CA_FILE_FLAG} needs the file of a CA bundle (PEM).` };
      index += 1;
    } else if (arg.startsWith(`${CA_FILE_FLAG}=`)) {
      value = arg.slice(CA_FILE_FLAG.length + 1);
    } else {
      rest.push(arg);
      continue;
    }
    if (caFile !== undefined) return { ok: false, message: `${CA_FILE_FLAG} is given twice: give one CA bundle.` };
    caFile = value;
  }
  return caFile === undefined ? { ok: true, argv: rest } : { ok: true, argv: rest, caFile };
}

/** The trust setting, applied before any command connects; false (after saying why) when the bundle cannot be used. */
function applyTrust(caFile: string | undefined, announce: boolean, io: CliIo): boolean {
  const trust = trustConfiguredCaFile({ env: process.env, flag: caFile });
  if (!trust.ok) {
    io.stderr.write(`enclave: ${trust.message}\n`);
    return false;
  }
  // Told where an operator reads it; a person's command stays quiet.
  if (trust.bundle !== null && announce) io.stderr.write(`enclave: ${describeCaBundle(trust.bundle)}\n`);
  return true;
}

async function main(commandLine: string[], io: CliIo): Promise<number> {
  const flag = takeCaFileFlag(commandLine);
  if (!flag.ok) {
    io.stderr.write(`enclave: ${flag.message}\n\n${USAGE}`);
    return 2;
  }
  const { argv } = flag;
  const [group, command, ...rest] = argv;
  const helpOnly = group === undefined || group === '--help' || group === 'help';
  if (!helpOnly && !applyTrust(flag.caFile, group === 'platform' && command === 'serve', io)) return 2;
  // The platform's files are for its own OS user only: whatever SQLite, DuckDB or the key files create is 0600 in
  // 0700 folders, whatever the caller's umask (the code also sets modes where it makes files).
  if (group === 'platform' || group === 'audit') process.umask(0o077);
  if (group === 'platform' && command === 'init') {
    const { runPlatformInit } = await import('./platform-init.ts');
    return runPlatformInit(rest, io);
  }
  if (group === 'platform' && command === 'migrate') {
    const { runPlatformMigrate } = await import('./platform-migrate.ts');
    return runPlatformMigrate(rest, io);
  }
  if (group === 'platform' && command === 'keys') {
    const { runPlatformKeys } = await import('./platform-keys.ts');
    return runPlatformKeys(rest, io);
  }
  if (group === 'platform' && command === 'serve') {
    const { runPlatformServe } = await import('./platform-serve.ts');
    return runPlatformServe(rest, io);
  }
  if (group === 'platform' && command === 'query') {
    const { runPlatformQuery } = await import('./platform-query.ts');
    return runPlatformQuery(rest, io);
  }
  if (group === 'platform' && command === 'drives') {
    const { runPlatformDrives } = await import('./platform-drives.ts');
    return runPlatformDrives(rest, io);
  }
  if (group === 'platform' && command === 'user') {
    const { runPlatformUser } = await import('./platform-user.ts');
    return runPlatformUser(rest, io);
  }
  if (group === 'platform') {
    const { isIncidentCommand, runIncidentCommand } = await import('./platform-incidents.ts');
    if (isIncidentCommand(command)) return runIncidentCommand(command, rest, io);
  }
  if (group === 'audit') {
    const { runAuditCommand } = await import('./audit.ts');
    return runAuditCommand(command, rest, io);
  }
  if (group === 'sdc' && command === 'check') {
    const { runSdcCheck } = await import('./sdc.ts');
    return runSdcCheck(rest, io);
  }
  if (group === 'login' || group === 'logout' || group === 'whoami' || group === 'projects') {
    const { runAccountCommand } = await import('./account.ts');
    return runAccountCommand(group, argv.slice(1), io);
  }
  if (group === 'enrol') {
    const { runEnrol } = await import('./enrol.ts');
    return runEnrol(argv.slice(1), io);
  }
  if (group === 'terms') {
    const { runTerms } = await import('./terms.ts');
    return runTerms(argv.slice(1), io);
  }
  if (group === 'admin' && command === 'users') {
    const { runAdminUsers } = await import('./admin-users.ts');
    return runAdminUsers(rest, io);
  }
  if (group === 'admin' && (command === 'usage' || command === 'security-review')) {
    const { runAdminOversight } = await import('./admin-oversight.ts');
    return runAdminOversight(command, rest, io);
  }
  if (helpOnly) {
    io.stdout.write(USAGE);
    return 0;
  }
  io.stderr.write(`enclave: unknown command "${[group, command].filter(Boolean).join(' ')}"\n\n${USAGE}`);
  return 2;
}

const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
// Long-running commands (serve) resolve only when they stop; exit codes are set for the rest.
process.exitCode = code;
