// The platform's TLS certificate pair, checked before it serves (tls-certificates.ts), the HSTS rule (tls-hsts.ts),
// and the reload loop (tls-reload.ts) against real files and real openssl certificates: what is installed, what is
// refused and logged, and that a pair finished between tries is taken.
import { execFileSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkCertificatePair,
  describeExpiry,
  loadCertificatePair,
  readCertificateFiles,
  secureContextOptions,
  type CertificateFiles,
  type ServingCertificate,
} from '../../../src/platform/http/tls-certificates.ts';
import { sendsHsts } from '../../../src/platform/http/tls-hsts.ts';
import { startCertificateReloader, type CertificateLog, type CertificateReloader } from '../../../src/platform/http/tls-reload.ts';
import { otherUser } from '../../support/other-user.ts';
import { makeTestCa, type IssuedCertificate, type TestCa } from '../../support/test-ca.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

let ca: TestCa;
let first: IssuedCertificate;
let second: IssuedCertificate;

beforeAll(() => {
  ca = makeTestCa();
  first = ca.issue('first');
  second = ca.issue('second');
});

afterAll(() => {
  ca.remove();
});

let dir: string;
let files: CertificateFiles;

async function install(file: string, content: string): Promise<void> {
  await writeFile(`${file}.new`, content, { mode: 0o600 });
  await rename(`${file}.new`, file);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-tls-unit-'));
  files = { certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') };
  await install(files.certFile, first.certPem);
  await install(files.keyFile, first.keyPem);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loading and checking a pair', () => {
  it('loads a matching pair with its serial, validity and names, and a certificate followed by its chain', async () => {
    const loaded = await loadCertificatePair(files);
    expect(loaded).toMatchObject({
      cert: first.certPem,
      key: first.keyPem,
      serial: first.serial,
      names: 'DNS:localhost, IP Address:127.0.0.1',
    });
    expect(loaded.notAfter.getTime() - Date.now()).toBeGreaterThan(19 * DAY_MS);
    await install(files.certFile, first.certPem + ca.caPem);
    expect((await loadCertificatePair(files)).serial).toBe(first.serial);
    expect(secureContextOptions(loaded)).toEqual({ cert: first.certPem, key: first.keyPem, minVersion: 'TLSv1.2' });
  });

  it('refuses a certificate that has expired, or is not valid yet, at the time given', async () => {
    const content = await readCertificateFiles(files);
    const { notAfter, notBefore } = await loadCertificatePair(files);
    expect(() => checkCertificatePair({ files, content, now: new Date(notAfter.getTime() + 1000) })).toThrow(
      `The TLS certificate in ${files.certFile} (serial ${first.serial}) expired on ${notAfter.toISOString()}.`,
    );
    expect(() => checkCertificatePair({ files, content, now: new Date(notBefore.getTime() - 1000) })).toThrow(
      `(serial ${first.serial}) is not valid until ${notBefore.toISOString()}.`,
    );
  });

  it('refuses a key file with group or other bits, whatever they are', async () => {
    for (const mode of [0o640, 0o604, 0o620]) {
      await chmod(files.keyFile, mode);
      await expect(loadCertificatePair(files)).rejects.toThrow(`can be read by other users (mode 0${mode.toString(8)})`);
    }
    await chmod(files.keyFile, 0o400);
    expect((await loadCertificatePair(files)).serial).toBe(first.serial);
  });

  it("refuses a key file that belongs to another OS user, who could read or replace it; root's is accepted", async () => {
    const content = await readCertificateFiles(files);
    const now = new Date();
    expect(() => checkCertificatePair({ files, content: { ...content, keyOwner: 5678 }, now, uid: 1234 })).toThrow(
      `The TLS key file ${files.keyFile} belongs to another OS user (uid 5678), who could read it or replace it. Give it to the platform's own user (uid 1234) or root, with mode 0600.`,
    );
    expect(checkCertificatePair({ files, content: { ...content, keyOwner: 1234 }, now, uid: 1234 }).serial).toBe(first.serial);
    expect(checkCertificatePair({ files, content: { ...content, keyOwner: 0 }, now, uid: 1234 }).serial).toBe(first.serial);
  });

  it('refuses a key file chowned to another OS user, read from the file itself', async (context) => {
    const other = otherUser();
    if (typeof other === 'string') {
      console.log(`Skipped: ${other}.`);
      context.skip();
      return;
    }
    await chown(files.keyFile, other.uid, other.gid);
    await expect(loadCertificatePair(files)).rejects.toThrow(
      `The TLS key file ${files.keyFile} belongs to another OS user (uid ${other.uid}), who could read it or replace it.`,
    );
    // The owner is part of the stamp: giving the file back is a change the periodic look sees.
    const theirs = (await readCertificateFiles(files)).stamp;
    await chown(files.keyFile, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    expect((await readCertificateFiles(files)).stamp).not.toBe(theirs);
    expect((await loadCertificatePair(files)).serial).toBe(first.serial);
  });

  it('refuses a key or certificate that is not a regular file (a folder, a FIFO) without waiting on it', async () => {
    await rm(files.keyFile);
    await mkdir(files.keyFile);
    await expect(loadCertificatePair(files)).rejects.toThrow(`The TLS key file ${files.keyFile} is not a file.`);
    await rm(files.certFile);
    execFileSync('mkfifo', ['-m', '0600', files.certFile]);
    await expect(loadCertificatePair(files)).rejects.toThrow(`The TLS certificate file ${files.certFile} is not a file.`);
  });

  it('refuses a certificate file that also holds the key: it may be readable by anyone', async () => {
    await install(files.certFile, first.certPem + first.keyPem);
    await expect(loadCertificatePair(files)).rejects.toThrow(`The TLS certificate file ${files.certFile} holds a private key.`);
  });

  it('refuses files that are not PEM, half written, swapped, or another key', async () => {
    await install(files.certFile, 'not a certificate\n');
    await expect(loadCertificatePair(files)).rejects.toThrow('holds no PEM certificate');
    await install(files.certFile, first.certPem.slice(0, 200));
    await expect(loadCertificatePair(files)).rejects.toThrow('could not be read as a PEM certificate (is it complete?)');
    await install(files.certFile, first.certPem);
    await install(files.keyFile, first.keyPem.slice(0, 100));
    await expect(loadCertificatePair(files)).rejects.toThrow('could not be read as an unencrypted PEM private key (is it complete?)');
    await install(files.keyFile, second.keyPem);
    await expect(loadCertificatePair(files)).rejects.toThrow(
      `does not belong to the certificate in ${files.certFile} (serial ${first.serial})`,
    );
  });

  it("refuses a certificate that does not name the public URL's host, wildcards and IP addresses as TLS clients match them", async () => {
    expect((await loadCertificatePair(files, { publicName: 'localhost' })).serial).toBe(first.serial);
    expect((await loadCertificatePair(files, { publicName: '127.0.0.1' })).serial).toBe(first.serial);
    await expect(loadCertificatePair(files, { publicName: 'enclave.example.org' })).rejects.toThrow(
      `The TLS certificate in ${files.certFile} (serial ${first.serial}) does not name enclave.example.org, the host of the public URL (it names DNS:localhost, IP Address:127.0.0.1); every client would refuse it.`,
    );
    await expect(loadCertificatePair(files, { publicName: '[::1]' })).rejects.toThrow('does not name [::1]');
    const wildcard = ca.issue('wildcard', { names: ['*.example.org'] });
    await install(files.certFile, wildcard.certPem);
    await install(files.keyFile, wildcard.keyPem);
    expect((await loadCertificatePair(files, { publicName: 'enclave.example.org' })).serial).toBe(wildcard.serial);
    await expect(loadCertificatePair(files, { publicName: 'a.b.example.org' })).rejects.toThrow('does not name a.b.example.org');
  });

  it('refuses a missing file, naming it', async () => {
    await rm(files.certFile);
    await expect(loadCertificatePair(files)).rejects.toThrow(`The TLS certificate file ${files.certFile} does not exist.`);
  });

  it('stamps the content and the key mode, not the modification time', async () => {
    const before = (await readCertificateFiles(files)).stamp;
    await install(files.certFile, first.certPem);
    expect((await readCertificateFiles(files)).stamp).toBe(before);
    await chmod(files.keyFile, 0o400);
    expect((await readCertificateFiles(files)).stamp).not.toBe(before);
  });
});

describe('expiry', () => {
  const notAfter = new Date('2027-03-01T00:00:00Z');
  const at = (daysBefore: number) => new Date(notAfter.getTime() - daysBefore * DAY_MS);

  it('warns when fewer than 14 days remain, with whole days left', () => {
    expect(describeExpiry({ serial: 'AB', notAfter }, at(14)).warning).toBeNull();
    const soon = describeExpiry({ serial: 'AB', notAfter }, at(13.5));
    expect(soon.daysLeft).toBe(13);
    expect(soon.warning).toBe(
      'The TLS certificate (serial AB) expires in 13 days, on 2027-03-01T00:00:00.000Z. Renew it: the platform takes the new files on SIGHUP or at its next check, without a restart.',
    );
    expect(describeExpiry({ serial: 'AB', notAfter }, at(1.5)).warning).toContain('expires in 1 day,');
    expect(describeExpiry({ serial: 'AB', notAfter }, at(0.5)).details).toEqual({
      serial: 'AB',
      notAfter: '2027-03-01T00:00:00.000Z',
      daysLeft: 0,
    });
  });
});

describe('HSTS', () => {
  it.each([
    ['https', 'enclave.example.org', true],
    ['https', 'enclave.example.org.', true],
    ['https', 'intranet', true],
    ['http', 'enclave.example.org', false],
    ['https', 'localhost', false],
    ['https', 'localhost.', false],
    ['https', 'app.localhost', false],
    ['https', '127.0.0.1', false],
    ['https', '10.0.0.5', false],
    ['https', '[::1]', false],
    ['https', '[fd00::5]', false],
    ['https', '', false],
  ] as const)('%s to %j: %s', (protocol, hostname, expected) => {
    expect(sendsHsts({ protocol, hostname })).toBe(expected);
  });
});

interface LogLine {
  level: 'info' | 'warn' | 'error';
  details: Record<string, unknown>;
  message: string;
}

function recordingLog(onLine: (line: LogLine) => void = () => undefined): CertificateLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const write = (level: LogLine['level']) => (details: Record<string, unknown>, message: string) => {
    const line = { level, details, message };
    lines.push(line);
    onLine(line);
  };
  return { lines, info: write('info'), warn: write('warn'), error: write('error') };
}

describe('the reload loop', () => {
  let reloader: CertificateReloader | undefined;
  afterEach(() => reloader?.stop());

  async function start(options: { onLine?: (line: LogLine) => void; checkIntervalMs?: number; now?: () => Date } = {}) {
    const installed: ServingCertificate[] = [];
    const log = recordingLog(options.onLine);
    const initial = await loadCertificatePair(files);
    reloader = startCertificateReloader({
      files,
      initial,
      install: (next) => installed.push(next),
      log,
      checkIntervalMs: options.checkIntervalMs ?? 0,
      retryDelayMs: 20,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    return { installed, log, reloader };
  }

  it('installs a renewed pair and logs its serial and notAfter', async () => {
    const { installed, log, reloader } = await start();
    await install(files.certFile, second.certPem);
    await install(files.keyFile, second.keyPem);
    expect(await reloader.reload('SIGHUP')).toBe(true);
    expect(installed.map((next) => next.serial)).toEqual([second.serial]);
    expect(reloader.current().serial).toBe(second.serial);
    expect(log.lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'TLS certificate reloaded.',
      details: { trigger: 'SIGHUP', serial: second.serial, notAfter: expect.stringMatching(/^\d{4}-/), daysLeft: 19 },
    });
  });

  it('keeps the pair in use when the new one never passes, after its tries, saying why', async () => {
    const { installed, log, reloader } = await start();
    await install(files.certFile, second.certPem);
    expect(await reloader.reload('SIGHUP')).toBe(false);
    expect(installed).toEqual([]);
    expect(reloader.current().serial).toBe(first.serial);
    expect(log.lines.filter((line) => line.message.includes('not usable yet'))).toHaveLength(2);
    const refusal = log.lines.at(-1);
    expect(refusal).toMatchObject({ level: 'error', details: { trigger: 'SIGHUP', attempts: 3 } });
    expect(refusal?.message).toContain(
      `The TLS certificate was not reloaded: The TLS key in ${files.keyFile} does not belong to the certificate`,
    );
    expect(refusal?.message).toContain(`The certificate in use (serial ${first.serial}`);
  });

  it('takes a pair that a renewal tool finishes writing between two tries', async () => {
    const { installed, log, reloader } = await start({
      onLine: (line) => {
        // The first try met the half-written file; the tool finishes it before the next (synchronously, so surely).
        if (line.message.includes('(try 1 of 3)')) {
          writeFileSync(`${files.certFile}.new`, second.certPem, { mode: 0o600 });
          renameSync(`${files.certFile}.new`, files.certFile);
        }
      },
    });
    await install(files.keyFile, second.keyPem);
    await install(files.certFile, second.certPem.slice(0, 300));
    expect(await reloader.reload('SIGHUP')).toBe(true);
    expect(installed.map((next) => next.serial)).toEqual([second.serial]);
    expect(log.lines.filter((line) => line.level === 'info').map((line) => line.message)).toEqual([
      expect.stringContaining('could not be read as a PEM certificate (is it complete?). Trying again in 20 ms.'),
      'TLS certificate reloaded.',
    ]);
  });

  it('does nothing on SIGHUP when the files are the ones in use', async () => {
    const { installed, log, reloader } = await start();
    expect(await reloader.reload('SIGHUP')).toBe(false);
    expect(installed).toEqual([]);
    expect(log.lines.at(-1)?.message).toBe('The TLS certificate files are the ones in use; nothing to reload.');
  });

  it('looks periodically: reloads changed files once, and reports a broken pair once rather than at every look', async () => {
    const { installed, log, reloader } = await start();
    await reloader.check();
    expect(installed).toEqual([]);
    await install(files.certFile, second.certPem);
    await reloader.check();
    await reloader.check();
    expect(log.lines.filter((line) => line.level === 'error')).toHaveLength(1);
    // A file gone (mid-rotation) is reported once too.
    await rm(files.keyFile);
    await reloader.check();
    await reloader.check();
    expect(log.lines.filter((line) => line.level === 'error').map((line) => line.details.reason)).toEqual([
      expect.stringContaining('does not belong to the certificate'),
      `The TLS key file ${files.keyFile} does not exist.`,
    ]);
    await install(files.keyFile, second.keyPem);
    await reloader.check();
    expect(installed.map((next) => next.serial)).toEqual([second.serial]);
    expect(log.lines.at(-1)?.details).toMatchObject({ trigger: 'files changed' });
  });

  it('takes a renewed pair refused as not valid yet at the first look once it is valid, the files unchanged', async () => {
    const renewed = await (async () => {
      await install(files.certFile, second.certPem);
      await install(files.keyFile, second.keyPem);
      const loaded = await loadCertificatePair(files);
      await install(files.certFile, first.certPem);
      await install(files.keyFile, first.keyPem);
      return loaded;
    })();
    let now = new Date(renewed.notBefore.getTime() - 60 * 60 * 1000);
    const { installed, log, reloader } = await start({ now: () => now, checkIntervalMs: 3_600_000 });
    const errors = () => log.lines.filter((line) => line.level === 'error');

    // Installed an hour before it is valid (a renewal tool that runs early, or a clock behind): refused, saying when.
    await install(files.certFile, second.certPem);
    await install(files.keyFile, second.keyPem);
    await reloader.check();
    expect(installed).toEqual([]);
    expect(errors()).toHaveLength(1);
    expect(errors()[0]?.message).toContain(`(serial ${second.serial}) is not valid until ${renewed.notBefore.toISOString()}.`);
    expect(errors()[0]?.message).toMatch(/stays\. The periodic look takes it once it is valid\.$/);

    // Looks before that time neither take it nor report it again.
    now = new Date(renewed.notBefore.getTime() - 1000);
    await reloader.check();
    expect(installed).toEqual([]);
    expect(errors()).toHaveLength(1);

    // The first look once it is valid takes it, though the files have not changed since.
    now = new Date(renewed.notBefore.getTime() + 1000);
    await reloader.check();
    expect(installed.map((next) => next.serial)).toEqual([second.serial]);
    expect(log.lines.at(-1)).toMatchObject({
      message: 'TLS certificate reloaded.',
      details: { trigger: 'now valid', serial: second.serial },
    });
    await reloader.check();
    expect(installed).toHaveLength(1);
  });

  it('warns at a periodic look when fewer than 14 days remain, once per day less', async () => {
    const initial = await loadCertificatePair(files);
    let now = new Date(initial.notAfter.getTime() - 15 * DAY_MS);
    const { log, reloader } = await start({ now: () => now });
    const warnings = () => log.lines.filter((line) => line.level === 'warn').map((line) => line.details.daysLeft);
    await reloader.check();
    expect(warnings()).toEqual([]);
    now = new Date(initial.notAfter.getTime() - 13.5 * DAY_MS);
    await reloader.check();
    await reloader.check();
    now = new Date(initial.notAfter.getTime() - 12.5 * DAY_MS);
    await reloader.check();
    expect(warnings()).toEqual([13, 12]);
  });

  it('runs the look on its interval', async () => {
    const { installed } = await start({ checkIntervalMs: 20 });
    await install(files.certFile, second.certPem);
    await install(files.keyFile, second.keyPem);
    await expect.poll(() => installed.map((next) => next.serial), { timeout: 5_000 }).toEqual([second.serial]);
  });

  it('stops retrying, and installs nothing, once stopped', async () => {
    const {
      installed,
      log,
      reloader: running,
    } = await start({
      // The describe's `reloader`: this very one, once started.
      onLine: (line) => {
        if (line.message.includes('(try 1 of 3)')) reloader?.stop();
      },
    });
    await install(files.certFile, second.certPem.slice(0, 300));
    await install(files.keyFile, second.keyPem);
    const stoppedAt = log.lines.length;
    expect(await running.reload('SIGHUP')).toBe(false);
    await install(files.certFile, second.certPem);
    expect(installed).toEqual([]);
    // One line (the first failed try), then nothing: no further tries, no refusal.
    expect(log.lines.length).toBe(stoppedAt + 1);
  });
});
