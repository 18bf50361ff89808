// The Drive screen's sync line in words (phaseText in renderer/src/drives/drive-text.ts) for the states that are not
// the sync's own doing (issue 19, A.6): a refused certificate reads as a stop with its reason, naming the problem
// and ENCLAVE_CA_FILE, with nothing in front of it claiming the platform cannot be reached; offline says what failed
// once, not twice.
import { describe, expect, it } from 'vitest';
import type { DriveSyncStatusView } from '../../../../src/common/contract.ts';
import { phaseText } from '../../../../renderer/src/drives/drive-text.ts';

function status(phase: DriveSyncStatusView['phase'], reason: string | null): DriveSyncStatusView {
  return {
    projectId: 'p',
    localRoot: '/home/ada/Enclave/p',
    phase,
    reason,
    lastSyncedAt: null,
    transfer: null,
    files: [],
    notices: [],
    pendingDeletes: 0,
    localTrash: null,
  };
}

const NOT_TRUSTED =
  'A certificate is not trusted — The certificate of the platform at https://tre.example.org is not signed by an authority ' +
  "this computer trusts (SELF_SIGNED_CERT_IN_CHAIN). If your organisation has its own certificate authority, set ENCLAVE_CA_FILE (or the enclave command's --ca-file) to its CA bundle (PEM).";

describe('the sync line', () => {
  it('a refused certificate: "Stopped:" and the reason as the sync gave it, never offline', () => {
    const text = phaseText(status('stopped', NOT_TRUSTED));
    expect(text).toBe(`Stopped: ${NOT_TRUSTED}`);
    expect(text).toMatch(/^Stopped: A certificate is not trusted — .*SELF_SIGNED_CERT_IN_CHAIN.*ENCLAVE_CA_FILE/);
    expect(text).not.toMatch(/offline|cannot be reached/i);
  });

  it('no secure connection at all (plain http on the port): a stop too', () => {
    const reason =
      "No secure connection (TLS) could be set up — The platform at https://tre.example.org answered, but a secure connection (TLS) could not be set up with it (ERR_SSL_WRONG_VERSION_NUMBER): check the address's scheme and port.";
    expect(phaseText(status('stopped', reason))).toBe(`Stopped: ${reason}`);
  });

  it('offline says what failed once: its reason, or that the platform cannot be reached when it gives none', () => {
    expect(phaseText(status('offline', 'The platform at https://tre.example.org cannot be reached.'))).toBe(
      'Offline: The platform at https://tre.example.org cannot be reached.',
    );
    expect(phaseText(status('offline', 'The platform stopped answering during sync; it goes on when it is back.'))).toBe(
      'Offline: The platform stopped answering during sync; it goes on when it is back.',
    );
    expect(phaseText(status('offline', null))).toBe('Offline: the platform cannot be reached');
    expect(phaseText(status('offline', ''))).toBe('Offline: the platform cannot be reached');
  });

  it('the other phases as before: a label, with the reason when there is one', () => {
    expect(phaseText(status('idle', null))).toBe('Up to date');
    expect(phaseText(status('scanning', null))).toBe('Looking for changes');
    expect(phaseText(status('stopped', null))).toBe('Stopped');
    expect(phaseText(status('paused', 'three files would be deleted'))).toBe('Paused: three files would be deleted');
  });
});
