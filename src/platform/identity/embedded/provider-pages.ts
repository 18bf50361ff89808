// The pages oidc-provider itself renders (errors, the device-code pages, sign-out), in our layout and under
// our CSP instead of the library's defaults (which carry inline styles and no labels).
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { deviceCodeConfirmPage, deviceCodeInputPage, messagePage, PAGE_CSP } from './pages.ts';

type Features = NonNullable<Configuration['features']>;
type DeviceFlow = NonNullable<Features['deviceFlow']>;
type Logout = NonNullable<Features['rpInitiatedLogout']>;

function html(ctx: KoaContextWithOIDC, body: string): void {
  ctx.type = 'html';
  ctx.set('content-security-policy', PAGE_CSP);
  ctx.body = body;
}

/** What went wrong, for people; the protocol's own error code is added for whoever reports it. */
export const renderError: NonNullable<Configuration['renderError']> = async (ctx, out) => {
  const code = typeof out.error === 'string' ? out.error : 'server_error';
  const text =
    code === 'invalid_redirect_uri' || code === 'invalid_request' || code === 'invalid_client'
      ? 'The sign-in request was not valid, so it was refused. Start signing in again from Enclave.'
      : code === 'session_not_found' || code === 'invalid_request_object'
        ? 'This sign-in has expired or was already used. Start signing in again from Enclave.'
        : 'Signing in could not be completed. Start signing in again from Enclave.';
  html(ctx, messagePage({ title: 'Sign-in problem', heading: 'Sign-in problem', text: `${text} (${code})`, alert: true }));
};

function sessionSecret(ctx: KoaContextWithOIDC): string {
  const state = ctx.oidc.session?.state as { secret?: unknown } | undefined;
  return typeof state?.secret === 'string' ? state.secret : '';
}

export const deviceSources: Pick<DeviceFlow, 'userCodeInputSource' | 'userCodeConfirmSource' | 'successSource'> = {
  // eslint-disable-next-line max-params -- oidc-provider's callback signature, not ours
  async userCodeInputSource(ctx, _form, _out, err) {
    const name = (err as { name?: string } | undefined)?.name;
    const alert =
      err === undefined
        ? undefined
        : name === 'NoCodeError' || name === 'NotFoundError'
          ? 'That code is not right. Check the code in your terminal and try again.'
          : name === 'ExpiredError'
            ? 'That code has expired. Run `enclave login` again for a new one.'
            : name === 'AlreadyUsedError'
              ? 'That code was already used. Run `enclave login` again for a new one.'
              : name === 'AbortedError'
                ? 'Signing in the command line was cancelled.'
                : 'The code could not be checked. Try again.';
    if (name !== undefined && name !== 'NoCodeError' && name !== 'NotFoundError') ctx.status = 400;
    html(ctx, deviceCodeInputPage({ action: ctx.oidc.urlFor('code_verification'), xsrf: sessionSecret(ctx), alert }));
  },
  // eslint-disable-next-line max-params -- oidc-provider's callback signature, not ours
  async userCodeConfirmSource(ctx, _form, client, _deviceInfo, userCode) {
    html(
      ctx,
      deviceCodeConfirmPage({
        action: ctx.oidc.urlFor('code_verification'),
        xsrf: sessionSecret(ctx),
        userCode,
        clientName: client.clientName ?? client.clientId,
      }),
    );
  },
  async successSource(ctx) {
    html(
      ctx,
      messagePage({
        title: 'Signed in',
        heading: 'The command line is signed in',
        text: 'You can close this page and go back to your terminal.',
      }),
    );
  },
};

export const logoutSources: Pick<Logout, 'logoutSource' | 'postLogoutSuccessSource'> = {
  async logoutSource(ctx, form) {
    // form is oidc-provider's own (a form with its xsrf field); the buttons submit it by id.
    html(
      ctx,
      messagePage({
        title: 'Sign out',
        heading: 'Sign out of the identity provider?',
        text: 'This ends your sign-in session in this browser.',
      }).replace(
        '</main>',
        `${form}\n<button type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>\n<button type="submit" class="secondary" form="op.logoutForm">Stay signed in</button>\n</main>`,
      ),
    );
  },
  async postLogoutSuccessSource(ctx) {
    html(ctx, messagePage({ title: 'Signed out', heading: 'Signed out', text: `You are signed out of ${ctx.host}.` }));
  },
};
