// Page objects for signing in and out: the app's sign-in screen, the identity provider's login page (a popup
// the app opens with window.open), the header's account controls, and the lock screen.
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { listenForProblems } from '../support/page-problems.ts';

const SIGN_IN_TIMEOUT_MS = 30_000;

export interface DemoAccount {
  username: string;
  password: string;
  displayName: string;
  role: 'Analyst' | 'Output checker' | 'Administrator';
}

// The demo accounts of the embedded platform (passwords are demo-only; README and `npm start` list them).
export const ADA: DemoAccount = { username: 'demo-analyst', password: 'ada-demo-pass', displayName: 'Ada Analyst', role: 'Analyst' };
export const CHLOE: DemoAccount = {
  username: 'demo-checker-1',
  password: 'chloe-demo-pass',
  displayName: 'Chloe Checker',
  role: 'Output checker',
};
export const CHIDI: DemoAccount = {
  username: 'demo-checker-2',
  password: 'chidi-demo-pass',
  displayName: 'Chidi Checker',
  role: 'Output checker',
};
export const DANA: DemoAccount = { username: 'demo-admin', password: 'dana-demo-pass', displayName: 'Dana Admin', role: 'Administrator' };

/** The identity provider's own login page, opened by the app in a new tab. */
export class LoginPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get username(): Locator {
    return this.page.getByLabel('Username');
  }

  get password(): Locator {
    return this.page.getByLabel('Password');
  }

  get submit(): Locator {
    return this.page.getByRole('button', { name: 'Sign in' });
  }

  get alert(): Locator {
    return this.page.getByRole('alert');
  }

  async waitForForm(): Promise<void> {
    await this.username.waitFor({ timeout: SIGN_IN_TIMEOUT_MS });
  }

  async fill(account: { username: string; password: string }): Promise<void> {
    await this.waitForForm();
    await this.username.fill(account.username);
    await this.password.fill(account.password);
    await this.submit.click();
  }
}

export class SessionPage {
  readonly page: Page;
  private readonly record: ((text: string) => void) | null;

  /** `problems`: where the login tab's console errors and exceptions go (the app's own list). */
  constructor(page: Page, problems?: { record(text: string): void }) {
    this.page = page;
    this.record = problems ? (text) => problems.record(text) : null;
  }

  get signInScreen(): Locator {
    return this.page.getByTestId('sign-in-screen');
  }

  get signInButton(): Locator {
    return this.page.getByTestId('sign-in');
  }

  get cancelSignInButton(): Locator {
    return this.page.getByTestId('cancel-sign-in');
  }

  get sessionError(): Locator {
    return this.page.getByTestId('session-error');
  }

  get cleared(): Locator {
    return this.page.getByTestId('local-data-cleared');
  }

  get userName(): Locator {
    return this.page.getByTestId('user-name');
  }

  get userRole(): Locator {
    return this.page.getByTestId('user-role');
  }

  get lockButton(): Locator {
    return this.page.getByTestId('lock');
  }

  get signOutButton(): Locator {
    return this.page.getByTestId('sign-out');
  }

  get workspace(): Locator {
    return this.page.getByTestId('workspace');
  }

  get appShell(): Locator {
    return this.page.getByTestId('app-shell');
  }

  get lockScreen(): Locator {
    return this.page.getByTestId('lock-screen');
  }

  get unlockButton(): Locator {
    return this.page.getByTestId('unlock');
  }

  get lockSignOutButton(): Locator {
    return this.page.getByTestId('lock-sign-out');
  }

  get keychainNotice(): Locator {
    return this.page.getByTestId('keychain-notice');
  }

  get nav(): Locator {
    return this.page.getByTestId('screen-nav');
  }

  /** The screens the navigation offers, by their link text, once it is shown (after the terms of use are checked). */
  async navLabels(): Promise<string[]> {
    await this.nav.getByRole('link').first().waitFor();
    return (await this.nav.getByRole('link').allInnerTexts()).map((text) => text.trim());
  }

  async waitForSignInScreen(): Promise<void> {
    await this.page.locator('[data-testid="sign-in-screen"][data-state="signed_out"]').waitFor({ timeout: SIGN_IN_TIMEOUT_MS });
  }

  /** Clicks `button` and returns the identity provider's page the app opened (a new tab in the browser shell). */
  async openLoginPage(context: BrowserContext, button: Locator): Promise<LoginPage> {
    const opened = context.waitForEvent('page', { timeout: SIGN_IN_TIMEOUT_MS });
    await button.click();
    const popup = await opened;
    if (this.record) listenForProblems(popup, this.record, 'login tab');
    await popup.waitForLoadState('domcontentloaded');
    return new LoginPage(popup);
  }

  /** Signs in through the real login page; returns once the app shows the user. The login tab stays open. */
  async signIn(context: BrowserContext, account: DemoAccount, button: Locator = this.signInButton): Promise<LoginPage> {
    const login = await this.openLoginPage(context, button);
    await login.fill(account);
    await expect.poll(() => this.signedInAs(), { timeout: SIGN_IN_TIMEOUT_MS }).toBe(account.displayName);
    return login;
  }

  /** The signed-in user's name as the header shows it, or null. */
  async signedInAs(): Promise<string | null> {
    if ((await this.userName.count()) === 0 || !(await this.userName.isVisible())) return null;
    return (await this.userName.innerText()).trim();
  }

  async signOut(): Promise<void> {
    await this.signOutButton.click();
    await this.waitForSignInScreen();
  }
}

/** The terms of use screen: the set the person must accept now (everyone's first, then their roles'), over the window. */
export class TermsPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get screen(): Locator {
    return this.page.getByTestId('terms-screen');
  }

  /** The set shown: data-audience and data-version say which. */
  get pending(): Locator {
    return this.page.getByTestId('terms-pending');
  }

  get heading(): Locator {
    return this.page.locator('#terms-heading');
  }

  get version(): Locator {
    return this.page.getByTestId('terms-version');
  }

  get summary(): Locator {
    return this.page.getByTestId('terms-summary');
  }

  get effective(): Locator {
    return this.page.getByTestId('terms-effective');
  }

  /** The scrolling region that holds the text (focusable, so a keyboard can scroll it). */
  get textRegion(): Locator {
    return this.page.getByTestId('terms-text-region');
  }

  get text(): Locator {
    return this.page.getByTestId('terms-text');
  }

  get acceptButton(): Locator {
    return this.page.getByTestId('accept-terms');
  }

  get declineButton(): Locator {
    return this.page.getByTestId('decline-terms');
  }

  get error(): Locator {
    return this.page.getByTestId('terms-error');
  }

  /** Waits until this audience's terms, at this version, are the ones shown. */
  async waitFor(audience: string, version: number): Promise<void> {
    await this.page
      .locator(`[data-testid="terms-pending"][data-audience="${audience}"][data-version="${version}"]`)
      .waitFor({ timeout: SIGN_IN_TIMEOUT_MS });
  }

  /** The test id of the element that has the keyboard focus now. */
  async focused(): Promise<string | null> {
    return this.page.evaluate<string | null>(
      `(() => { const at = document.activeElement; return at ? (at.getAttribute('data-testid') ?? (at.id || null)) : null; })()`,
    );
  }
}

/** Training that needs attention, and a call refused for lapsed training, as notices under the header. */
export class TrainingNoticesPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get warnings(): Locator {
    return this.page.getByTestId('training-warning');
  }

  get refusal(): Locator {
    return this.page.getByTestId('training-refusal');
  }
}

/** Someone signed in whom the platform does not know yet: the one field for their enrolment code. */
export class EnrolmentPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get screen(): Locator {
    return this.page.getByTestId('enrolment-screen');
  }

  get code(): Locator {
    return this.page.getByRole('textbox', { name: 'Enrolment code', exact: true });
  }

  get enrolButton(): Locator {
    return this.page.getByTestId('enrol');
  }

  get signOutButton(): Locator {
    return this.page.getByTestId('enrolment-sign-out');
  }

  /** What is wrong with the code as typed (said before anything is sent). */
  get problem(): Locator {
    return this.page.getByTestId('enrolment-code-problem');
  }

  /** The platform's refusal of the code. */
  get refusal(): Locator {
    return this.page.getByTestId('enrolment-error');
  }

  async enter(code: string): Promise<void> {
    await this.code.fill(code);
    await this.enrolButton.click();
  }
}
