// The embedded identity provider's pages, rendered on the server: sign-in, enrolment, the device-code pages and errors.
// No script and no inline style anywhere (the CSP forbids both); one small stylesheet served by the platform.
// Every value that came from a request is escaped.
import { ENROLMENT_CODE_DAYS } from '../../../common/people.ts';
import { FREE_FAILURES } from './login-throttle.ts';
import { MAX_PASSWORD_CHARS } from './password-rules.ts';

export const IDP_MOUNT_PATH = '/oidc';
export const STYLESHEET_PATH = `${IDP_MOUNT_PATH}/assets/sign-in.css`;
export const ICON_PATH = `${IDP_MOUNT_PATH}/assets/icon.svg`;

/** The pages' icon; Chromium otherwise asks for /favicon.ico and logs the 404 as a console error. */
export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/>' +
  '<path d="M10 8h12v3h-8.5v3.5H21v3h-7.5V21H22v3H10z" fill="#fff"/></svg>\n';

/**
 * The pages' Content-Security-Policy. form-action must also allow the loopback redirect: Chromium checks
 * form-action against every redirect that follows a form POST, and a successful sign-in POST ends in a
 * redirect to the workstation's http://127.0.0.1:<port>/callback.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  // 'self' scripts only so oidc-provider can add the hash of its one auto-submitting form (device links).
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self' http://127.0.0.1:*",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const STYLESHEET = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
main { width: min(26rem, 92vw); padding: 2rem; border: 1px solid GrayText; border-radius: 0.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
form { display: grid; gap: 0.5rem; }
label { font-weight: 600; margin-top: 0.5rem; }
input { font: inherit; padding: 0.5rem; border: 1px solid GrayText; border-radius: 0.25rem; }
input:focus-visible, button:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
button { font: inherit; margin-top: 1rem; padding: 0.6rem; border: 0; border-radius: 0.25rem; background: #1d4ed8; color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: inherit; border: 1px solid GrayText; }
.alert { padding: 0.75rem; border-left: 4px solid #b91c1c; background: color-mix(in srgb, #b91c1c 12%, Canvas); }
.note { font-size: 0.9rem; opacity: 0.85; }
.code { font-family: ui-monospace, monospace; font-size: 1.4rem; letter-spacing: 0.1em; }
.hint { font-size: 0.9rem; margin: 0; }
.other-path { margin-top: 1.5rem; padding-top: 1rem; border-top: 1px solid GrayText; }
a { color: LinkText; }
a:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
input[aria-invalid="true"] { border: 2px solid light-dark(#b91c1c, #f87171); }
`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function page(options: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<link rel="icon" href="${ICON_PATH}" type="image/svg+xml">
</head>
<body>
<main>
${options.body}
</main>
</body>
</html>
`;
}

export const WRONG_CREDENTIALS = 'The username or password is wrong.';
export const FAILED_ATTEMPT_LIMIT_NOTE =
  'After 5 wrong passwords in a row for a username, signing in as that user pauses, for longer each time.';

export function loginPage(options: {
  action: string;
  username?: string;
  alert?: string;
  demo: boolean;
  /** Where an invited person enrols with their code (the same sign-in); absent: no enrolment is offered. */
  enrolUrl?: string;
}): string {
  const alert = options.alert === undefined ? '' : `<p class="alert" role="alert">${escapeHtml(options.alert)}</p>\n`;
  const demo = options.demo
    ? '<p class="note">This is the demo platform: sign in with one of the demo accounts listed in the README.</p>\n'
    : '';
  const enrol =
    options.enrolUrl === undefined
      ? ''
      : `\n<p class="other-path">First time here? <a href="${escapeHtml(options.enrolUrl)}" data-testid="sign-in-enrol">Enrol with the code your administrator sent you</a></p>`;
  return page({
    title: 'Sign in — Enclave',
    body: `<h1>Sign in to Enclave</h1>
${demo}${alert}<form method="post" action="${escapeHtml(options.action)}" data-testid="sign-in-form">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${escapeHtml(options.username ?? '')}"${options.username ? '' : ' autofocus'} data-testid="sign-in-username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128"${options.username ? ' autofocus' : ''} data-testid="sign-in-password">
<button type="submit" data-testid="sign-in-submit">Sign in</button>
</form>
<p class="note">${FAILED_ATTEMPT_LIMIT_NOTE}</p>${enrol}`,
  });
}

/** How an enrolment code looks, in the words the enrolment page uses. */
export const ENROLMENT_CODE_EXAMPLE = 'ABCDE-FGHJK-LMNPQ-RSTUV';

/**
 * The enrolment form: an invited person's one-time code and the password they choose, then they are signed in.
 * The code is never written back into the page; `invalid` marks the field the alert is about.
 */
export function enrolPage(options: {
  action: string;
  signInUrl: string;
  minPasswordChars: number;
  alert?: string;
  invalid?: 'code' | 'password';
}): string {
  const alert = options.alert === undefined ? '' : `<p class="alert" role="alert" id="enrol-alert">${escapeHtml(options.alert)}</p>\n`;
  const { invalid } = options;
  /** A field's state: invalid and described by the alert first when the alert is about it, and where focus starts. */
  const described = (field: { about: 'code' | 'password'; hint?: string; focus?: boolean }): string => {
    const about = invalid === field.about;
    const ids = [about ? 'enrol-alert' : undefined, field.hint].filter((id) => id !== undefined);
    const focused = field.focus === true && (invalid ?? 'code') === field.about;
    return `${about ? ' aria-invalid="true"' : ''}${ids.length > 0 ? ` aria-describedby="${ids.join(' ')}"` : ''}${focused ? ' autofocus' : ''}`;
  };
  return page({
    title: 'Enrol — Enclave',
    body: `<h1>Enrol in Enclave</h1>
<p>Your administrator registered you and sent you a one-time enrolment code. Enter it and choose your password: you are then signed in.</p>
${alert}<form method="post" action="${escapeHtml(options.action)}" data-testid="enrol-form">
<label for="code">Enrolment code</label>
<p class="hint" id="code-hint">20 letters and digits, like ${ENROLMENT_CODE_EXAMPLE}. The dashes are optional.</p>
<input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required maxlength="40"${described({ about: 'code', hint: 'code-hint', focus: true })} data-testid="enrol-code">
<label for="new-password">New password</label>
<p class="hint" id="new-password-hint">${options.minPasswordChars} to ${MAX_PASSWORD_CHARS} characters.</p>
<input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="${options.minPasswordChars}" maxlength="${MAX_PASSWORD_CHARS}"${described({ about: 'password', hint: 'new-password-hint', focus: true })} data-testid="enrol-password">
<label for="repeat-password">Repeat the new password</label>
<input id="repeat-password" name="repeat" type="password" autocomplete="new-password" required minlength="${options.minPasswordChars}" maxlength="${MAX_PASSWORD_CHARS}"${described({ about: 'password' })} data-testid="enrol-repeat">
<button type="submit" data-testid="enrol-submit">Enrol and sign in</button>
</form>
<p class="note">A code works once, for ${ENROLMENT_CODE_DAYS} days. After ${FREE_FAILURES} wrong codes from this computer, enrolling pauses, for longer each time.</p>
<p class="other-path">Enrolled already? <a href="${escapeHtml(options.signInUrl)}" data-testid="enrol-sign-in">Sign in with your password</a></p>`,
  });
}

export function messagePage(options: { title: string; heading: string; text: string; alert?: boolean }): string {
  const role = options.alert === true ? ' class="alert" role="alert"' : '';
  return page({
    title: `${options.title} — Enclave`,
    body: `<h1>${escapeHtml(options.heading)}</h1>\n<p${role}>${escapeHtml(options.text)}</p>`,
  });
}

export function deviceCodeInputPage(options: { action: string; xsrf: string; alert?: string }): string {
  const alert = options.alert === undefined ? '' : `<p class="alert" role="alert">${escapeHtml(options.alert)}</p>\n`;
  return page({
    title: 'Connect a device — Enclave',
    body: `<h1>Connect the command line</h1>
<p>Enter the code that <code>enclave login</code> shows.</p>
${alert}<form method="post" action="${escapeHtml(options.action)}">
<input type="hidden" name="xsrf" value="${escapeHtml(options.xsrf)}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus data-testid="device-user-code">
<button type="submit" data-testid="device-submit">Continue</button>
</form>`,
  });
}

export function deviceCodeConfirmPage(options: { action: string; xsrf: string; userCode: string; clientName: string }): string {
  const hidden = `<input type="hidden" name="xsrf" value="${escapeHtml(options.xsrf)}">
<input type="hidden" name="user_code" value="${escapeHtml(options.userCode)}">`;
  return page({
    title: 'Confirm the code — Enclave',
    body: `<h1>Is this your code?</h1>
<p>${escapeHtml(options.clientName)} asks to sign in. Continue only if your terminal shows this code:</p>
<p class="code" data-testid="device-code-shown">${escapeHtml(options.userCode)}</p>
<form method="post" action="${escapeHtml(options.action)}">
${hidden}
<input type="hidden" name="confirm" value="yes">
<button type="submit" data-testid="device-confirm">Continue</button>
</form>
<form method="post" action="${escapeHtml(options.action)}">
${hidden}
<input type="hidden" name="abort" value="yes">
<button type="submit" class="secondary" data-testid="device-abort">Cancel</button>
</form>`,
  });
}
