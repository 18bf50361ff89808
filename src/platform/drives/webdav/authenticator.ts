// Who is calling a drive over WebDAV. Enclave's sync engine sends its Bearer access token (checked as the API checks it,
// by `bearer`); standard clients send Basic with the person's user name and an app password made for this drive
// (checked by the drive service, then admitted as the API admits a person: not suspended, terms and training in order).
// Basic is refused unless the request came over TLS or from this computer: an app password must never cross a network
// in the clear, so over plain HTTP it is not even checked. The drive service then decides membership (403 otherwise).
import type { Request } from 'express';
import { UnauthorizedError, type AuthResponse, type Authenticator, type User } from 'nephele';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../identity/principal.ts';
import type { DriveCaller } from '../service-api.ts';
import { cutNow } from '../transfers.ts';
import { contextOf, headerOf, type DavRequestContext } from './request-context.ts';

export interface DavCredentialChecks {
  /** The principal of a Bearer access token, checked as the platform's API checks it (throws EnclaveError). */
  readonly bearer: (headers: IncomingHttpHeaders) => Promise<Principal>;
  /** Admits a principal authenticated otherwise (an app password) as the API's hook would, or throws EnclaveError. */
  readonly admit: (principal: Principal) => Promise<void>;
}

/** The nephele user of an authenticated request: the platform's user id. */
export interface DavUser extends User {
  readonly username: string;
}

export class DriveDavAuthenticator implements Authenticator {
  private readonly checks: DavCredentialChecks;

  constructor(checks: DavCredentialChecks) {
    this.checks = checks;
  }

  async authenticate(request: Request, _response: AuthResponse): Promise<DavUser> {
    const context = contextOf(request);
    // A transfer the kill switch stops ends with the connection: a GET's answer has begun and cannot say why.
    const caller: DriveCaller = { ...(await this.callerOf(context)), cut: () => cutNow(context.response) };
    // Reading the drive is the membership check (the service refuses anyone else: 403), and gives the quota.
    context.drive = await context.drives.info(caller, context.projectId);
    context.caller = caller;
    return { username: caller.principal.user.id };
  }

  async cleanAuthentication(): Promise<void> {
    // Nothing is held per request.
  }

  private async callerOf(context: DavRequestContext): Promise<DriveCaller> {
    const authorization = headerOf(context.headers, 'authorization')?.trim() ?? '';
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const credentials = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'bearer') {
      context.challenge = 'bearer';
      return { principal: await this.checks.bearer(context.headers), via: 'webdav' };
    }
    if (scheme === 'basic') return this.appPasswordCaller(context, credentials);
    if (authorization === '') {
      throw new UnauthorizedError(
        'Sign in to use this drive: your user name, and an app password made for this drive in Enclave as the password.',
      );
    }
    throw new UnauthorizedError('This drive accepts Basic credentials (an app password) or a Bearer token, nothing else.');
  }

  private async appPasswordCaller(context: DavRequestContext, credentials: string): Promise<DriveCaller> {
    if (!context.secure) {
      // Not a prompt for the password again: any answer to a Basic challenge would cross the network in the clear.
      context.challenge = 'bearer';
      throw new UnauthorizedError(
        'App passwords are accepted only over HTTPS or from this computer, and this request came over plain HTTP: ' +
          'the password was not checked. Use the drive\u2019s https:// address, and consider revoking the password in Enclave.',
      );
    }
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new UnauthorizedError('The Basic credentials must be a user name and an app password.');
    const caller = await context.drives.verifyAppPassword(
      context.projectId,
      decoded.slice(0, colon),
      decoded.slice(colon + 1),
      context.remoteAddress,
    );
    if (caller === null) {
      throw new UnauthorizedError(
        'The user name or app password is not right for this drive (an app password opens only the drive it was made for, ' +
          'until it is revoked).',
      );
    }
    await this.checks.admit(caller.principal);
    return { ...caller, via: 'webdav' };
  }
}
