// `enclave platform serve`'s network flags as parsed, before anything is opened: where it may listen without TLS,
// what --public-url and --allow-host accept, and the Host names the platform then answers to. Each refusal is a
// message naming the flag (the CLI prints it with the usage and exits 2).
import { describe, expect, it } from 'vitest';
import { parseServeArgs, type ServeArgs } from '../../../src/cli/platform-serve.ts';

const BASE = ['--data-dir', '/srv/enclave'];
const TLS = ['--tls-cert', '/etc/enclave/tls.crt', '--tls-key', '/etc/enclave/tls.key'];

function parsed(args: string[]): ServeArgs {
  const result = parseServeArgs([...BASE, ...args]);
  if (typeof result === 'string') throw new Error(`refused: ${result}`);
  return result;
}

function refusal(args: string[]): string {
  const result = parseServeArgs([...BASE, ...args]);
  if (typeof result !== 'string') throw new Error(`accepted: ${JSON.stringify(result)}`);
  return result;
}

describe('serve without TLS', () => {
  it('listens on loopback over plain http as before, answering only loopback names', () => {
    const args = parsed([]);
    expect(args).toMatchObject({ host: '127.0.0.1', port: 0, allowedHostnames: ['127.0.0.1', 'localhost', '[::1]'] });
    expect(args.tls).toBeUndefined();
    expect(args.publicUrl).toBeUndefined();
    expect(parsed(['--host', '::1']).allowedHostnames).toEqual(['127.0.0.1', 'localhost', '[::1]']);
  });

  it.each(['0.0.0.0', '::', '10.0.0.5', 'enclave.example.org'])('refuses --host %s: other machines need TLS', (host) => {
    expect(refusal(['--host', host])).toBe(
      `--host ${host} is not a loopback address. Without TLS the platform speaks plain HTTP, so it listens only on this machine (127.0.0.1 or ::1). To serve other machines give --tls-cert FILE and --tls-key FILE, and --public-url https://NAME, the address they reach it at.`,
    );
  });

  it('takes an http public URL on loopback only, and refuses an https one (which would need TLS)', () => {
    expect(parsed(['--port', '4100', '--public-url', 'http://localhost:4100/']).publicUrl).toBe('http://localhost:4100');
    expect(refusal(['--public-url', 'https://enclave.example.org'])).toContain('--public-url https://enclave.example.org needs TLS');
    expect(refusal(['--public-url', 'http://enclave.example.org'])).toContain('--public-url http://enclave.example.org needs TLS');
  });

  it('refuses --tls-check-interval without a certificate', () => {
    expect(refusal(['--tls-check-interval', '60'])).toBe('--tls-check-interval goes with --tls-cert and --tls-key.');
  });
});

describe('serve with TLS', () => {
  it('takes both files, with an hourly check by default', () => {
    expect(parsed(TLS).tls).toEqual({
      files: { certFile: '/etc/enclave/tls.crt', keyFile: '/etc/enclave/tls.key' },
      checkIntervalSeconds: 3600,
    });
    expect(parsed([...TLS, '--tls-check-interval', '5']).tls?.checkIntervalSeconds).toBe(5);
  });

  it.each([[['--tls-cert', '/c']], [['--tls-key', '/k']], [['--tls-cert', '', '--tls-key', '/k']]])(
    'refuses one TLS file without the other (%j)',
    (args) => {
      expect(refusal(args)).toBe(
        '--tls-cert and --tls-key go together: give the certificate file and its key file, or neither for plain http on this machine.',
      );
    },
  );

  it.each(['0', '-1', '1.5', 'hourly', '86401'])('refuses --tls-check-interval %s', (seconds) => {
    expect(refusal([...TLS, `--tls-check-interval=${seconds}`])).toBe(
      '--tls-check-interval must be a whole number of seconds from 1 to 86400 (a day).',
    );
  });

  it('listens on every interface with a public URL, whose name it answers to (not 0.0.0.0)', () => {
    const args = parsed([...TLS, '--host', '0.0.0.0', '--port', '443', '--public-url', 'https://Enclave.Example.org']);
    expect(args).toMatchObject({ host: '0.0.0.0', port: 443, publicUrl: 'https://enclave.example.org' });
    expect(args.allowedHostnames).toEqual(['127.0.0.1', 'localhost', '[::1]', 'enclave.example.org']);
  });

  it.each(['0.0.0.0', '::'])('refuses --host %s without --public-url: other machines reach it by a name only that tells', (host) => {
    expect(refusal([...TLS, '--host', host])).toContain(`--host ${host} listens on every interface: give --public-url https://NAME[:PORT]`);
  });

  it('answers to a specific listening address, IPv6 in brackets as Host headers write it', () => {
    expect(parsed([...TLS, '--host', '10.0.0.5']).allowedHostnames).toContain('10.0.0.5');
    expect(parsed([...TLS, '--host', 'fd00::5']).allowedHostnames).toContain('[fd00::5]');
  });

  it('refuses a host name as the listening address', () => {
    expect(refusal([...TLS, '--host', 'enclave.example.org'])).toBe(
      '--host enclave.example.org must be the IP address to listen on (0.0.0.0 or :: for every interface); the name clients use goes in --public-url.',
    );
  });

  it('keeps the public URL as an origin, with its port', () => {
    expect(parsed([...TLS, '--public-url', 'https://enclave.example.org:8443/']).publicUrl).toBe('https://enclave.example.org:8443');
    expect(parsed([...TLS, '--public-url', 'https://enclave.example.org:443']).publicUrl).toBe('https://enclave.example.org');
  });

  it.each([
    'enclave.example.org',
    'ftp://enclave.example.org',
    'https://enclave.example.org/platform',
    'https://enclave.example.org/?x=1',
    'https://enclave.example.org/#top',
    'https://admin:secret@enclave.example.org',
  ])('refuses --public-url %s', (url) => {
    expect(refusal([...TLS, '--public-url', url])).toBe(
      '--public-url must be an address such as https://enclave.example.org or https://enclave.example.org:8443, without path, query or user name.',
    );
  });

  it('refuses an http public URL, even on loopback, when the platform serves TLS', () => {
    expect(refusal([...TLS, '--public-url', 'http://127.0.0.1:4100'])).toBe(
      '--public-url must be https: the platform serves TLS (--tls-cert).',
    );
  });
});

describe('--allow-host', () => {
  it('adds DNS names and IP addresses (repeatable), lower-cased, IPv6 in brackets', () => {
    const args = parsed([
      ...TLS,
      '--allow-host',
      'Health.Internal',
      '--allow-host',
      '10.1.2.3',
      '--allow-host',
      'fd00::1',
      '--allow-host',
      '[FD00::2]',
    ]);
    expect(args.allowedHostnames).toEqual(['127.0.0.1', 'localhost', '[::1]', 'health.internal', '10.1.2.3', '[fd00::1]', '[fd00::2]']);
  });

  it.each([
    'https://health.internal',
    'health.internal:8443',
    '*.example.org',
    'health_check',
    '-lb.internal',
    'lb-.internal',
    '999.1.1.1',
    'a..b',
    '',
    'x'.repeat(64),
  ])('refuses %j: not a host name or an IP address', (name) => {
    expect(refusal([...TLS, `--allow-host=${name}`])).toBe(
      `--allow-host ${name} must be a host name (such as health.internal) or an IP address, without scheme, port or path.`,
    );
  });
});

it('refuses an unknown flag, as before', () => {
  expect(refusal(['--tls-ca', '/x'])).toMatch(/Unknown option '--tls-ca'/);
});
