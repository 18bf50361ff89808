#!/usr/bin/env node
// The `enclave` command line: `enclave platform init|serve|query …`, `enclave audit verify …`, `enclave sdc check …`,
// `enclave login|logout|whoami|projects` (as the signed-in user).
import process from 'node:process';
import type { CliIo } from './cli-io.ts';

const USAGE = `Usage:
  enclave platform init --data-dir DIR [--scale N] [--seed S]   generate the synthetic datasets
  enclave platform serve --data-dir DIR [--port P] [--host H]   serve the platform (embedded sign-in)
    [--oidc-issuer URL --oidc-audience A --oidc-client-id C]     or trust an external OIDC issuer
    [--accept-broken-audit-log=TOKEN]                            start on the broken audit log whose report printed TOKEN
  enclave platform query --data-dir DIR --as USER --project P --sql SQL [--format csv|json]
                                                                run a minimised query as USER would (audited)
  enclave audit verify --data-dir DIR                           check the platform's audit log (read-only)
  enclave sdc check FILE.json|-                                 disclosure-control check of a table
  enclave login [--platform URL] [--browser]                    sign in (device code, or a browser here)
  enclave logout | whoami | projects [--platform URL]           sign out; who you are; your projects
`;

async function main(argv: string[], io: CliIo): Promise<number> {
  const [group, command, ...rest] = argv;
  // The platform's files are for its own OS user only: whatever SQLite, DuckDB or the key files create is 0600 in
  // 0700 folders, whatever the caller's umask (the code also sets modes where it makes files).
  if (group === 'platform' || group === 'audit') process.umask(0o077);
  if (group === 'platform' && command === 'init') {
    const { runPlatformInit } = await import('./platform-init.ts');
    return runPlatformInit(rest, io);
  }
  if (group === 'platform' && command === 'serve') {
    const { runPlatformServe } = await import('./platform-serve.ts');
    return runPlatformServe(rest, io);
  }
  if (group === 'platform' && command === 'query') {
    const { runPlatformQuery } = await import('./platform-query.ts');
    return runPlatformQuery(rest, io);
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
  if (group === undefined || group === '--help' || group === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  io.stderr.write(`enclave: unknown command "${[group, command].filter(Boolean).join(' ')}"\n\n${USAGE}`);
  return 2;
}

const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
// Long-running commands (serve) resolve only when they stop; exit codes are set for the rest.
process.exitCode = code;
