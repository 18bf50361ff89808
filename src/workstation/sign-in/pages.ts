// What the browser is told when a sign-in comes back to the loopback listener: plain words, no script. Pure, so the
// session's transitions (../session/transition.ts) can say which page a late, refused or accepted sign-in gets.
import type { CallbackPage } from './loopback-callback.ts';

export const NO_LONGER_WANTED: CallbackPage = {
  ok: false,
  title: 'Sign-in no longer wanted',
  text: 'Enclave stopped waiting for this sign-in.',
};

export function failurePage(reason: string): CallbackPage {
  return { ok: false, title: 'Sign-in failed', text: `${reason} Return to Enclave to try again.` };
}

export function staysLockedPage(text: string): CallbackPage {
  return { ok: false, title: 'Enclave stays locked', text };
}

export function signedInPage(unlock: boolean): CallbackPage {
  return { ok: true, title: unlock ? 'Enclave is unlocked' : 'You are signed in', text: 'Return to Enclave: you can close this tab.' };
}
