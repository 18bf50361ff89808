// Page objects for the administrators' people screen (#/admin/people, and a person's page at #/admin/people/<id>), the
// terms of use screen (#/admin/terms) and the training screen (#/admin/training). Each screen counts the answers it has
// shown (data-answered), so a test waits for the one its action asked for.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { attribute, readRows, textOf } from './rows.ts';

export interface PersonRow {
  id: string;
  name: string;
  roles: string;
  status: string;
  terms: string;
  training: string;
}

export interface HistoryRow {
  what: string;
  actor: string;
  details: string;
}

export interface TrainingRowText {
  userId: string;
  role: string;
  course: string;
  state: string;
}

async function answered(page: Page, testId: string): Promise<number> {
  // A screen not opened yet in this sign-in is not in the page: it has shown nothing.
  if ((await page.getByTestId(testId).count()) === 0) return 0;
  const value = await page.getByTestId(testId).getAttribute('data-answered');
  return Number(value ?? 0);
}

/** Does `act`, then waits until the screen has shown one more answer than before. */
async function thenAnswered(page: Page, testId: string, act: () => Promise<void>): Promise<void> {
  const before = await answered(page, testId);
  await act();
  await expect.poll(() => answered(page, testId)).toBeGreaterThan(before);
}

export class PeoplePage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-admin-people');
  }

  get screen(): Locator {
    return this.page.getByTestId('people-screen');
  }

  get table(): Locator {
    return this.page.getByTestId('people-table');
  }

  get registerForm(): Locator {
    return this.page.getByTestId('register-form');
  }

  get enrolmentCode(): Locator {
    return this.page.getByTestId('enrolment-code');
  }

  get pendingPanel(): Locator {
    return this.page.getByTestId('pending-panel');
  }

  get personPage(): Locator {
    return this.page.getByTestId('person-page');
  }

  /** Opens the screen from the administration navigation; resolves once the list is shown. */
  async open(): Promise<void> {
    await thenAnswered(this.page, 'people-screen', () => this.tab.click());
    await this.table.waitFor();
  }

  async readAgain(): Promise<void> {
    await thenAnswered(this.page, 'people-screen', () => this.page.getByTestId('people-refresh').click());
  }

  row(userId: string): Locator {
    return this.page.locator(`[data-testid="person-row"][data-user-id="${userId}"]`);
  }

  async rows(): Promise<PersonRow[]> {
    return readRows(this.page.getByTestId('person-row'), {
      id: attribute('data-user-id'),
      name: textOf('person-link'),
      roles: textOf('person-row-roles'),
      status: textOf('person-row-status'),
      terms: textOf('person-row-terms'),
      training: textOf('person-row-training'),
    });
  }

  async rowOf(userId: string): Promise<PersonRow> {
    const found = (await this.rows()).find((row) => row.id === userId);
    if (found === undefined) throw new Error(`No row for ${userId}`);
    return found;
  }

  /** Fills the registration form and sends it; resolves once the list has been read again. */
  async register(person: {
    id: string;
    name: string;
    email?: string;
    organisation?: string;
    roles: string[];
    verification: string;
    accreditation?: string;
    subject?: string;
  }): Promise<void> {
    const form = this.registerForm;
    await form.getByTestId('register-id').fill(person.id);
    await form.getByTestId('register-name').fill(person.name);
    await form.getByTestId('register-email').fill(person.email ?? '');
    await form.getByTestId('register-organisation').fill(person.organisation ?? '');
    for (const role of person.roles) await form.getByTestId(`register-role-${role}`).check();
    await form.getByTestId('register-verification').fill(person.verification);
    await form.getByTestId('register-accreditation').fill(person.accreditation ?? '');
    await form.getByTestId('register-subject').fill(person.subject ?? '');
    await thenAnswered(this.page, 'people-screen', () => form.getByTestId('register-submit').click());
  }

  /** Opens a person's page from the list (by keyboard: the link takes Enter); resolves once it is read. */
  async openPerson(userId: string): Promise<void> {
    await this.row(userId).getByTestId('person-link').focus();
    await this.page.keyboard.press('Enter');
    await this.personPage.waitFor();
    await expect.poll(() => answered(this.page, 'person-page')).toBeGreaterThan(0);
    await this.page.getByTestId('person-name').waitFor();
  }

  async backToList(): Promise<void> {
    await this.page.getByTestId('back-to-people').click();
    await this.table.waitFor();
  }

  async history(): Promise<HistoryRow[]> {
    return readRows(this.page.getByTestId('history-event'), {
      what: textOf('history-what'),
      actor: textOf('history-actor'),
      details: textOf('history-details'),
    });
  }

  /**
   * Makes a change on the open person's page (grant, revoke, disable, enable, bind) with a reason; resolves once the
   * platform has answered and the page has been read again (or the refusal is shown).
   */
  async change(change: {
    kind: 'grant' | 'revoke' | 'disable' | 'enable' | 'bind';
    role?: string;
    subject?: string;
    reason: string;
  }): Promise<void> {
    const form = this.page.getByTestId('person-change-form');
    await form.getByTestId(`person-change-${change.kind}`).check();
    if (change.role !== undefined) await form.getByTestId('person-change-role').selectOption(change.role);
    if (change.subject !== undefined) await form.getByTestId('person-change-subject').fill(change.subject);
    await form.getByTestId('person-change-reason').fill(change.reason);
    const before = await answered(this.page, 'person-page');
    await form.getByTestId('person-change-submit').click();
    const refused = this.page.getByTestId('person-change-error').locator('.message');
    await expect.poll(async () => (await refused.count()) > 0 || (await answered(this.page, 'person-page')) > before).toBe(true);
  }

  get changeAnswer(): Locator {
    return this.page.getByTestId('person-change-answer');
  }

  get changeError(): Locator {
    return this.page.getByTestId('person-change-error');
  }

  pendingChange(text: RegExp): Locator {
    return this.page.getByTestId('pending-change').filter({ hasText: text });
  }

  /** Opens the approve or refuse form of a change waiting on the people screen. */
  async startDecision(change: Locator, approve: boolean): Promise<void> {
    await change.getByTestId(approve ? 'pending-approve' : 'pending-refuse').click();
    await change.getByTestId('decide-form').waitFor();
  }

  /** Gives the reason and confirms the decision; resolves once the list has been read again. */
  async confirmDecision(change: Locator, reason: string): Promise<void> {
    await change.getByTestId('decide-reason').fill(reason);
    await thenAnswered(this.page, 'people-screen', () => change.getByTestId('decide-confirm').click());
  }
}

export class TermsPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-admin-terms');
  }

  get screen(): Locator {
    return this.page.getByTestId('terms-screen');
  }

  async open(): Promise<void> {
    await thenAnswered(this.page, 'terms-screen', () => this.tab.click());
  }

  /** Publishes terms; resolves once the history has been read again. */
  async publish(terms: { audience: string; text: string; summary: string; requiresAcceptance: boolean }): Promise<void> {
    const form = this.page.getByTestId('publish-terms-form');
    await form.getByTestId('terms-audience').selectOption(terms.audience);
    await form.getByTestId('terms-text').fill(terms.text);
    await form.getByTestId('terms-summary').fill(terms.summary);
    await form.getByTestId('terms-requires-acceptance').setChecked(terms.requiresAcceptance);
    await thenAnswered(this.page, 'terms-screen', () => form.getByTestId('publish-terms-submit').click());
  }

  version(audience: string, version: number): Locator {
    return this.page.locator(`[data-testid="terms-version"][data-audience="${audience}"][data-version="${version}"]`);
  }

  /** The versions of one audience as listed: [version, standing]. */
  async versions(audience: string): Promise<Array<[number, string]>> {
    const entries = await readRows(this.page.locator(`[data-testid="terms-version"][data-audience="${audience}"]`), {
      version: attribute('data-version'),
      standing: textOf('terms-version-standing'),
    });
    return entries.map((entry): [number, string] => [Number(entry.version), entry.standing]);
  }
}

export class TrainingPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-admin-training');
  }

  async open(): Promise<void> {
    await thenAnswered(this.page, 'training-screen', () => this.tab.click());
    await this.page.getByTestId('training-table').waitFor();
  }

  async rows(): Promise<TrainingRowText[]> {
    return readRows(this.page.getByTestId('training-row'), {
      userId: attribute('data-user-id'),
      role: attribute('data-role'),
      course: attribute('data-course'),
      state: textOf('training-row-state'),
    });
  }

  async stateOf(userId: string, role: string, course: string): Promise<string | null> {
    return (await this.rows()).find((row) => row.userId === userId && row.role === role && row.course === course)?.state ?? null;
  }

  /** Records a completed course; resolves once the screen has been read again. */
  async record(entry: { userId: string; course: string; completed: string; expires: string; evidence: string }): Promise<void> {
    const form = this.page.getByTestId('record-training-form');
    await form.getByTestId('record-person').selectOption(entry.userId);
    await form.getByTestId('record-course').fill(entry.course);
    await form.getByTestId('record-completed').fill(entry.completed);
    await form.getByTestId('record-expires').fill(entry.expires);
    await form.getByTestId('record-evidence').fill(entry.evidence);
    await thenAnswered(this.page, 'training-screen', () => form.getByTestId('record-training-submit').click());
  }

  /** Saves a role's required courses (one a line); resolves once the screen has been read again. */
  async setCourses(role: string, courses: string[]): Promise<void> {
    await this.page.getByTestId(`role-courses-${role}-text`).fill(courses.join('\n'));
    await thenAnswered(this.page, 'training-screen', () => this.page.getByTestId(`role-courses-${role}-save`).click());
  }
}
