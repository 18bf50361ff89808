// `enclave platform serve` as a user runs it: a child process that prints one listening line, answers on
// loopback, and stops cleanly on SIGTERM/SIGINT. Uses the shipped catalogue and demo seed. It refuses a data
// folder other OS users can open, and a broken audit log unless told to accept that very report (which is
// audited); it never makes a new audit key for a log that had one, and says in its log why it records nothing
// more once events were deleted from under it.
import { existsSync } from 'node:fs';
import { chmod, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePrivate } from '../../support/private-tree.ts';
import { signIn } from '../identity/support.ts';
import { auditDirIn, openAudit, openRecords, tamper, verifyDir, writeEvents } from './audit-support.ts';
import { createPlatformFixture, type PlatformFixture } from './fixture.ts';
import { firstLine, runEnclave, serveInProcess as serve, type Run } from './serve-process.ts';

let fixture: PlatformFixture;

beforeEach(async () => {
  fixture = await createPlatformFixture();
  // The fixture is written with the test's umask; serve takes only a private folder, as init makes it.
  await makePrivate(fixture.dataDir);
});

afterEach(async () => {
  await fixture.cleanup();
});

describe('enclave platform serve', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints one listening line, serves on loopback, and stops on %s', async (signal) => {
    const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0']);
    try {
      const line = JSON.parse(await firstLine(run)) as { event: string; url: string };
      expect(line.event).toBe('listening');
      expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Object.keys(line)).toEqual(['event', 'url']);

      const health = await fetch(`${line.url}/api/v1/health`);
      expect(await health.json()).toEqual({
        status: 'ok',
        name: 'Enclave demo platform',
        mode: 'demo',
        identity: {
          issuer: `${line.url}/oidc`,
          clientId: 'enclave-workstation',
          audience: 'urn:enclave:platform-api',
          scopes: ['openid', 'profile', 'offline_access'],
        },
      });
      const discovery = (await (await fetch(`${line.url}/oidc/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(discovery.issuer).toBe(`${line.url}/oidc`);
      const anonymous = await fetch(`${line.url}/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=2`);
      expect(anonymous.status).toBe(401);
      const platform = { url: line.url, issuer: `${line.url}/oidc` } as Parameters<typeof signIn>[0]['platform'];
      const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
      const sample = await fetch(`${line.url}/api/v1/projects/covid-outcomes/datasets/patients/sample?limit=2`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(sample.status).toBe(200);
      expect(sample.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');

      run.child.kill(signal);
      expect(await run.exited).toBe(0);
      expect(run.stdout().trim().split('\n')).toHaveLength(1);
      expect(run.stderr()).toContain(`${signal} received, stopping`);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

/** The token a refused start printed for its report. */
function tokenIn(stderr: string): string {
  const token = /--accept-broken-audit-log=([0-9a-f]{16})/.exec(stderr)?.[1];
  if (token === undefined) throw new Error(`no acceptance token in: ${stderr}`);
  return token;
}

/** Starts serve as a child and waits for its listening line; stops it with SIGTERM. */
async function startAndStop(args: string[]): Promise<Run> {
  const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0', ...args]);
  try {
    expect(JSON.parse(await firstLine(run))).toMatchObject({ event: 'listening' });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  } finally {
    run.child.kill('SIGKILL');
  }
  return run;
}

describe('runPlatformServe refusals (in process: nothing starts, so no child is needed)', () => {
  it.each(['0.0.0.0', '192.168.1.10', '::', 'example.org', 'localhost'])('refuses --host %s: not a loopback address', async (host) => {
    const run = await serve(['--data-dir', fixture.dataDir, '--host', host]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--host ${host} is not a loopback address`);
    expect(run.stdout).toBe('');
  });

  it('refuses lifetimes that are not whole seconds, and lifetimes for an external issuer', async () => {
    const bad = await serve(['--data-dir', fixture.dataDir, '--access-token-ttl', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--access-token-ttl must be a whole number of seconds from 1.');
    const external = ['--oidc-issuer', 'https://idp.example', '--oidc-audience', 'a', '--oidc-client-id', 'c'];
    const mixed = await serve(['--data-dir', fixture.dataDir, ...external, '--session-max', '60']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain("--session-max sets the embedded provider's lifetimes");
  });

  it('refuses part of an external issuer configuration, and an issuer that is not https', async () => {
    const partial = await serve(['--data-dir', fixture.dataDir, '--oidc-issuer', 'https://idp.example/realms/tre']);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain('--oidc-issuer, --oidc-audience and --oidc-client-id go together');
    const plain = await serve([
      '--data-dir',
      fixture.dataDir,
      '--oidc-issuer',
      'http://idp.example',
      '--oidc-audience',
      'a',
      '--oidc-client-id',
      'c',
    ]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("--oidc-issuer must be the issuer's https URL");
  });

  it('refuses --oidc-token-type without an external issuer, and a value that is not a JWT typ', async () => {
    const embedded = await serve(['--data-dir', fixture.dataDir, '--oidc-token-type', 'any']);
    expect(embedded.code).toBe(2);
    expect(embedded.stderr).toContain('--oidc-token-type goes with --oidc-issuer');
    const external = ['--oidc-issuer', 'https://idp.example', '--oidc-audience', 'a', '--oidc-client-id', 'c'];
    const odd = await serve(['--data-dir', fixture.dataDir, ...external, '--oidc-token-type', 'at jwt; x']);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toContain('--oidc-token-type must be a JWT typ such as at+jwt');
  });

  it('refuses to start without --data-dir, or with an unknown option or a bad port', async () => {
    expect((await serve([])).stderr).toMatch(/--data-dir is required/);
    expect((await serve(['--data-dir', fixture.dataDir, '--allow-remote'])).code).toBe(2);
    expect((await serve(['--data-dir', fixture.dataDir, '--port', '70000'])).stderr).toMatch(/--port must be/);
  });

  it('refuses an unknown --log-level, naming the option', async () => {
    const run = await serve(['--data-dir', fixture.dataDir, '--log-level', 'chatty']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--log-level must be one of fatal, error, warn, info, debug');
    expect(run.stdout).toBe('');
  });

  it('refuses a data folder that other users can enter and list (0755), saying how to fix it', async () => {
    await chmod(fixture.dataDir, 0o755);
    const run = await serve(['--data-dir', fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${fixture.dataDir} is open to other users (mode 0755)`);
    expect(run.stderr).toContain(`Run \`chmod -R go= ${fixture.dataDir}\` and start again.`);
    expect(run.stdout).toBe('');
    expect(existsSync(path.join(fixture.dataDir, 'metadata.sqlite'))).toBe(false);
  });

  it('refuses a metadata store that others can read (0644), naming the file', async () => {
    const dir = auditDirIn(fixture.dataDir);
    await (await openAudit(dir)).close();
    await chmod(dir.file, 0o644);
    const run = await serve(['--data-dir', fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${dir.file} is open to other users (mode 0644)`);
    expect(run.stderr).toContain(`chmod -R go= ${fixture.dataDir}`);
  });

  it('refuses a broken audit log with its report, saying how to start anyway', async () => {
    const dir = auditDirIn(fixture.dataDir);
    await writeEvents(dir, 3);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events WHERE seq = 3');
    });
    const run = await serve(['--data-dir', fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('The audit log is broken, so the platform did not start:\nbroken: truncated after 2');
    expect(run.stderr).toMatch(/add --accept-broken-audit-log=[0-9a-f]{16} \(it accepts this report only\)/);
    expect(run.stdout).toBe('');
  });

  it('refuses --accept-broken-audit-log without the token of a report, which it would otherwise accept any break with', async () => {
    for (const args of [['--accept-broken-audit-log'], ['--accept-broken-audit-log', '--port', '0'], ['--accept-broken-audit-log=yes']]) {
      const run = await serve(['--data-dir', fixture.dataDir, ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--accept-broken-audit-log takes the token printed with the broken-log report');
    }
  });

  it('refuses to start, and makes no new key, when the audit key is missing but the log holds events sealed with it', async () => {
    const dir = auditDirIn(fixture.dataDir);
    await writeEvents(dir, 3);
    const keyFile = path.join(dir.folder, 'audit-key.json');
    await rename(keyFile, `${keyFile}.aside`);
    const run = await serve(['--data-dir', fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /The audit log is broken, so the platform did not start:\nbroken: event 1 cannot be checked: the audit key .*audit-key\.json is missing, and 3 events in the log are sealed with it/,
    );
    expect(existsSync(keyFile)).toBe(false);
  });

  it('refuses to start on an emptied log in a store used before, with identity/ renamed aside: truncated after 0, not a new log', async () => {
    const dir = auditDirIn(fixture.dataDir);
    const records = await openRecords(dir);
    await records.audit.append({ type: 'test.1', actor: null, outcome: 'success', details: {} });
    await records.close();
    await rename(dir.folder, `${dir.folder}.aside`);
    tamper(dir, (raw) => {
      const trigger = raw.triggerSql('audit_events_no_delete');
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events');
      raw.exec(trigger);
    });
    const run = await serve(['--data-dir', fixture.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /broken: truncated after 0: every event is gone and the audit key .*audit-key\.json is missing, but the metadata store was set up at an earlier start/,
    );
    expect(existsSync(path.join(dir.folder, 'audit-key.json'))).toBe(false);
  });

  it('refuses to start on a data folder with no manifest, saying to run init, and creates nothing', async () => {
    const empty = path.join(fixture.root, 'empty');
    const run = await serve(['--data-dir', empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/manifest\.json is missing.*enclave platform init/);
    expect(run.stdout).toBe('');
    expect(existsSync(empty)).toBe(false);
  });
});

describe('enclave platform serve --accept-broken-audit-log=TOKEN', () => {
  it('starts on a broken log given the token of its report, records the acceptance in the log, and later checks report the break as accepted', async () => {
    const dir = auditDirIn(fixture.dataDir);
    await writeEvents(dir, 3);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
    });
    const token = tokenIn((await serve(['--data-dir', fixture.dataDir])).stderr);
    const run = await startAndStop([`--accept-broken-audit-log=${token}`]);
    expect(run.stderr()).toContain(
      `starting on a broken audit log, as --accept-broken-audit-log=${token} asked; recorded as audit event 4`,
    );
    expect(run.stderr()).toContain('broken: event 2 was edited');
    const verified = await verifyDir(dir);
    expect(verified.code, verified.stdout).toBe(0);
    // Events 5–7: the demo's three agreements taking effect (version 1 each) once the platform is up; 8–13: the demo
    // drives' first files (two per project), written by the platform.
    expect(verified.stdout).toMatch(/^intact \(13 events, head 13 [0-9a-f]{12}\)\naccepted: at event 4 .* broken: event 2 was edited/);
    // Without the flag it now starts: the break is accepted, and the log is intact after it.
    await startAndStop([]);
  });

  it('left in a service unit, accepts no later, different break', async () => {
    const dir = auditDirIn(fixture.dataDir);
    await writeEvents(dir, 3);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
    });
    const flag = `--accept-broken-audit-log=${tokenIn((await serve(['--data-dir', fixture.dataDir])).stderr)}`;
    await startAndStop([flag]);
    // The unit restarts the platform with the same flag: the log is intact, there is nothing to accept.
    await startAndStop([flag]);
    // Later, the newest event is cut off (events 5–13 are the agreements taking effect and the demo drives' first files,
    // at the first start; 14 and 15 are written here).
    await writeEvents(dir, 2);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events WHERE seq = 15');
    });
    const refused = await serve(['--data-dir', fixture.dataDir, flag]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${flag} does not accept this break`);
    expect(refused.stderr).toContain('broken: truncated after 14');
    expect(tokenIn(refused.stderr.slice(refused.stderr.indexOf('To accept this report')))).not.toBe(flag.split('=')[1]);
  });
});

describe('a running platform whose newest audit events are deleted from under it', () => {
  it('refuses what it would have to record, and its log says why', async () => {
    const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0']);
    try {
      const { url } = JSON.parse(await firstLine(run)) as { url: string };
      const platform = { url, issuer: `${url}/oidc` } as Parameters<typeof signIn>[0]['platform'];
      const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
      // The sign-in was recorded and anchored; it is deleted, and the delete trigger put back.
      tamper(auditDirIn(fixture.dataDir), (raw) => {
        const trigger = raw.triggerSql('audit_events_no_delete');
        raw.exec('DROP TRIGGER audit_events_no_delete');
        raw.exec('DELETE FROM audit_events');
        raw.exec(trigger);
      });
      const reported = await fetch(`${url}/api/v1/session-events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'unlocked' }),
      });
      expect(reported.status).toBe(503);
      expect(run.stderr()).toMatch(/The audit log was cut back: event \d+ was anchored, but the last event in the database is none\./);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
