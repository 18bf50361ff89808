// `enclave platform serve` as a user runs it: a child process that prints one listening line, answers on
// loopback, and stops cleanly on SIGTERM/SIGINT. Uses the shipped catalogue and demo seed. It refuses a data
// folder other OS users can open, and a broken audit log unless told to accept it (which is audited).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPlatformServe } from '../../../src/cli/platform-serve.ts';
import { makePrivate } from '../../support/private-tree.ts';
import { signIn } from '../identity/support.ts';
import { auditDirIn, openAudit, tamper, verifyDir, writeEvents } from './audit-support.ts';
import { createPlatformFixture, type PlatformFixture } from './fixture.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));

let fixture: PlatformFixture;

beforeEach(async () => {
  fixture = await createPlatformFixture();
  // The fixture is written with the test's umask; serve takes only a private folder, as init makes it.
  await makePrivate(fixture.dataDir);
});

afterEach(async () => {
  await fixture.cleanup();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runEnclave(args: string[]): Run {
  // process.execPath is the Node 24 that runs Vitest, which runs our .ts directly.
  const child = spawn(process.execPath, [ENCLAVE, ...args], { cwd: path.dirname(ENCLAVE), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function firstLine(run: Run): Promise<string> {
  while (!run.stdout().includes('\n')) {
    const outcome = await Promise.race([once(run.child.stdout!, 'data').then(() => 'data'), run.exited.then(() => 'exit')]);
    if (outcome === 'exit') throw new Error(`serve exited early: ${run.stderr()}`);
  }
  return run.stdout().split('\n')[0];
}

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

describe('runPlatformServe refusals (in process: nothing starts, so no child is needed)', () => {
  async function serve(args: string[]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await runPlatformServe(args, { stdin: new PassThrough(), stdout, stderr });
    return { code, stdout: out, stderr: err };
  }

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
    expect(run.stderr).toContain('add --accept-broken-audit-log');
    expect(run.stdout).toBe('');
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

describe('enclave platform serve --accept-broken-audit-log', () => {
  it('starts on a broken log, records the acceptance in the log, and later checks report the break as accepted', async () => {
    const dir = auditDirIn(fixture.dataDir);
    await writeEvents(dir, 3);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
    });
    const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0', '--accept-broken-audit-log']);
    try {
      expect(JSON.parse(await firstLine(run))).toMatchObject({ event: 'listening' });
      expect(run.stderr()).toContain('starting on a broken audit log, as --accept-broken-audit-log asked; recorded as audit event 4');
      expect(run.stderr()).toContain('broken: event 2 was edited');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    const verified = await verifyDir(dir);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^intact \(4 events, head 4 [0-9a-f]{12}\)\naccepted: at event 4 .* broken: event 2 was edited/);
    // Without the flag it now starts: the break is accepted, and the log is intact after it.
    const again = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0']);
    try {
      expect(JSON.parse(await firstLine(again))).toMatchObject({ event: 'listening' });
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      again.child.kill('SIGKILL');
    }
  });
});
