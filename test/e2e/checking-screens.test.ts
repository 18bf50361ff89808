// The output checkers' screens in Chromium through the browser shell, at 1366x768 (issue 16, "The output checkers"):
// Ada (analyst) submits a request through the platform's API with a table whose small cell is published (the engine
// flags it), a table that passes and a supporting file; Chidi (the other checker) reviews it through the API. Chloe,
// in the window, finds it in her queue with its age and her progress; opens it blind (Chidi's vote and comments are
// hidden), sees the flagged cell marked and the evidence behind it, approves against the engine with a coded reason on
// that cell, comments on the cell in public and on the file in private, completes her review once every output file
// has her vote, and returns it. Ada resubmits with the suggested suppression; Chloe sees the cell-level diff against
// the version she reviewed; a vote on a request that changed since she looked is refused and changes nothing; both
// approve; Chloe releases it after confirming that it is irreversible, then revokes the release with a reason.
// Screenshots in test-results/e2e/cs-*.png. SATRE 3.1.12 (preventing unauthorised egress: two independent reviews
// before anything leaves).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDetail } from '../../src/common/airlock.ts';
import type { OutputDocument } from '../../src/common/outputs.ts';
import { CHLOE, SessionPage, type LoginPage } from './pages/session-page.ts';
import { CheckingPage } from './pages/checking-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { asPlatformUser } from './support/platform-admin.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const ANALYST = 'demo-analyst';
const CHIDI = 'demo-checker-2';
const TITLE = 'Admissions by region and sex';
const source = { sql: 'SELECT region, sex, count(*) AS n FROM hospital_episodes_sample GROUP BY ALL', engine: 'native' as const };

/** North × M holds 3 people: below the default threshold of 10, so published as it is the engine flags it. */
function byRegion(mitigation: 'none' | 'suppressed'): OutputDocument {
  return {
    kind: 'frequency',
    title: 'Admissions by region and sex',
    source,
    table: {
      dimensions: ['region', 'sex'],
      cells: [
        { key: { region: 'North', sex: 'F' }, count: 12 },
        { key: { region: 'North', sex: 'M' }, count: 3 },
        { key: { region: 'South', sex: 'F' }, count: 40 },
        { key: { region: 'South', sex: 'M' }, count: 35 },
      ],
      totals: 'published',
    },
    mitigation: { kind: mitigation, roundingBase: null },
  };
}

const BY_AGE: OutputDocument = {
  kind: 'frequency',
  title: 'Admissions by age band',
  source,
  table: {
    dimensions: ['age_band'],
    cells: [
      { key: { age_band: '0-39' }, count: 120 },
      { key: { age_band: '40-69' }, count: 340 },
      { key: { age_band: '70+' }, count: 210 },
    ],
    totals: 'published',
  },
  mitigation: { kind: 'none', roundingBase: null },
};

describe('browser shell: the output checkers’ queue and review (issue 16)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let checking: CheckingPage;
  let login: LoginPage | null = null;
  let request: RequestDetail;

  /** A call to the platform's API as a demo user (their own workstation would make it): a POST of `body`, or a GET. */
  async function as(sub: string, path: string, body?: unknown): Promise<RequestDetail> {
    const call = { platformUrl: app.platform.url, dataDir: app.dataDir, path, body };
    return (await asPlatformUser(sub, { ...call, method: body === undefined ? 'GET' : 'POST' })) as RequestDetail;
  }

  const fileId = (detail: RequestDetail, name: string): string => {
    const found = detail.files.find((file) => file.name === name);
    if (!found) throw new Error(`no file ${name}`);
    return found.id;
  };

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    checking = new CheckingPage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `cs-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await login?.page.close();
    await app?.close();
  });

  it('sets the scene: Ada submits a request of two outputs and a supporting file; Chidi reviews it', async () => {
    let detail = await as(ANALYST, `/projects/${PROJECT}/requests`, {
      title: TITLE,
      context: {
        description: 'Emergency admissions in 2023 by region and sex, for the regional report.',
        population: 'Patients admitted in 2023; the denominator is every admission of the year.',
        relationship: 'None released before.',
      },
    });
    detail = await as(ANALYST, `/requests/${detail.id}/files`, {
      expectedVersion: detail.version,
      name: 'by-region.json',
      output: byRegion('none'),
      exception: 'North × M is small, but the region is large and the count is already in the annual report.',
    });
    detail = await as(ANALYST, `/requests/${detail.id}/files`, {
      expectedVersion: detail.version,
      name: 'by-age.json',
      output: BY_AGE,
      exception: null,
    });
    detail = await as(ANALYST, `/requests/${detail.id}/files`, {
      expectedVersion: detail.version,
      name: 'method.sql',
      supporting: { name: 'method.sql', mediaType: 'text/x-sql', text: source.sql },
    });
    detail = await as(ANALYST, `/requests/${detail.id}/submit`, { expectedVersion: detail.version });
    expect(detail.state).toBe('SUBMITTED');
    expect(detail.files.find((file) => file.name === 'by-region.json')?.verdict).toBe('flag');

    detail = await as(CHIDI, `/requests/${detail.id}/files/${fileId(detail, 'by-region.json')}/vote`, {
      expectedVersion: detail.version,
      vote: 'request_changes',
      disagreement: null,
    });
    detail = await as(CHIDI, `/requests/${detail.id}/comments`, {
      fileId: fileId(detail, 'by-region.json'),
      cell: null,
      visibility: 'private',
      text: 'Chidi: the small cell must go.',
    });
    detail = await as(CHIDI, `/requests/${detail.id}/files/${fileId(detail, 'by-age.json')}/vote`, {
      expectedVersion: detail.version,
      vote: 'approve',
      disagreement: null,
    });
    detail = await as(CHIDI, `/requests/${detail.id}/review`, { expectedVersion: detail.version });
    expect(detail.state).toBe('PARTIALLY_REVIEWED');
    request = detail;
  }, 60_000);

  it('shows Chloe her queue: the request, how long it has waited, her progress, and the rule profiles below', async () => {
    login = await session.signIn(app.context, CHLOE);
    const row = checking.row(request.id);
    await row.waitFor();

    expect(await row.getByTestId('queue-open').innerText()).toBe(TITLE);
    expect(await row.getByTestId('queue-age').innerText()).toMatch(/^(under a minute|\d+ minutes?)$/);
    expect(await row.getByTestId('queue-progress').innerText()).toBe('0 of 2 output files voted');
    expect(await row.getByTestId('queue-reviews').innerText()).toBe('1 of 2 reviews complete');
    expect(await row.getByTestId('queue-state').innerText()).toBe('Partly reviewed');
    await app.page.getByTestId('rules-table').waitFor();
    await saveScreenshot(app.page, 'cs-01-queue');
    await expectNoSeriousAccessibilityViolations(app.page, 'checking queue');
  }, 90_000);

  it('opens the request blind: the flagged cell marked, its evidence on a click, the other checker’s vote hidden', async () => {
    await checking.openFromQueue(request.id);

    expect(await app.page.getByTestId('review-title').innerText()).toBe(TITLE);
    expect(await app.page.getByTestId('review-context').innerText()).toContain('the denominator is every admission of the year');
    await app.page.getByTestId('review-blinded').waitFor();
    await checking.chooseFile('by-region.json');
    expect(await checking.fileReview.getByTestId('file-verdict').innerText()).toBe('Flag');
    expect(await checking.fileReview.getByTestId('file-mitigation').innerText()).toBe('None');
    expect(await checking.fileReview.getByTestId('file-decision').innerText()).toBe('Not decided yet');
    const small = checking.cell({ region: 'North', sex: 'M' });
    expect(await small.getAttribute('data-marks')).toBe('fails');
    expect(await checking.cell({ region: 'South', sex: 'F' }).getAttribute('data-marks')).toBe('');
    expect(await checking.fileReview.getByTestId('exception').innerText()).toContain('already in the annual report');
    // Blinded: Chidi's vote and his private comment are not shown to Chloe yet.
    await checking.fileReview.getByTestId('votes-hidden').waitFor();
    expect(await checking.decision.getByTestId('decision-vote-first').innerText()).toContain(
      'Still to vote on: “by-region.json” and “by-age.json”.',
    );
    expect(await checking.fileReview.getByTestId('other-vote').count()).toBe(0);
    expect(await checking.fileReview.getByText('Chidi: the small cell must go.').count()).toBe(0);

    await small.click();

    expect(await small.getAttribute('aria-pressed')).toBe('true');
    const evidence = checking.fileReview.getByTestId('evidence-cell');
    expect(await evidence.innerText()).toContain('Rows in the cell: 3');
    await saveScreenshot(app.page, 'cs-02-review-blind');
    await expectNoSeriousAccessibilityViolations(app.page, 'review page');
  }, 60_000);

  it('asks for a coded reason to approve against the engine, on the chosen cell; comments public on the cell, private on the file', async () => {
    await checking.voteForm.getByTestId('vote-approve').check();
    await checking.voteForm.getByTestId('disagreement').waitFor();
    expect(await checking.voteForm.getByTestId('disagreement-cells').innerText()).toContain('region = North, sex = M');

    await checking.voteForm.getByTestId('vote-send').click();
    expect(await checking.voteForm.getByTestId('vote-error').innerText()).toContain('choose the reason');

    await checking.voteForm.getByTestId('disagreement-code').selectOption('already_public');
    await checking.voteForm.getByTestId('disagreement-text').fill('The count is in the published annual report for the North.');
    await checking.voteForm.getByTestId('vote-send').click();
    const mine = checking.fileReview.getByTestId('my-vote');
    await mine.waitFor();
    expect(await mine.innerText()).toMatch(/^You: Approve/);
    expect(await mine.innerText()).toContain('The figures are already public');

    const form = checking.fileReview.getByTestId('comment-form');
    await form.getByTestId('comment-text').fill('Please suppress North × M: it is below the threshold.');
    await form.getByTestId('comment-send').click();
    expect(await form.getByTestId('comment-error').innerText()).toContain('Choose who may read it');
    await form.getByTestId('comment-public').check();
    await form.getByTestId('comment-anchor').selectOption({ label: 'The cell region = North, sex = M' });
    await form.getByTestId('comment-send').click();
    const comments = checking.fileReview.getByTestId('comment');
    await expect.poll(() => comments.count()).toBe(1);
    expect(await comments.first().getByTestId('comment-visibility').innerText()).toBe('Public');
    expect(await comments.first().getByTestId('comment-cell').innerText()).toBe('On the cell region = North, sex = M');

    await form.getByTestId('comment-text').fill('Between us: the annual report rounds this figure.');
    await form.getByTestId('comment-private').check();
    await form.getByTestId('comment-send').click();
    await expect.poll(() => comments.count()).toBe(2);
    expect(await comments.nth(1).getByTestId('comment-visibility').innerText()).toBe('Private: checkers only');
    await saveScreenshot(app.page, 'cs-03-vote-and-comments');
  }, 60_000);

  it('completes the review only once every output file has a vote, then shows the other checker’s votes', async () => {
    const complete = checking.decision.getByTestId('complete-review');
    expect(await complete.isDisabled()).toBe(true);
    expect(await checking.decision.getByTestId('complete-missing').innerText()).toBe('Still to vote on: “by-age.json”.');

    await checking.chooseFile('by-age.json');
    expect(await checking.fileReview.getByTestId('file-verdict').innerText()).toBe('Pass');
    await checking.voteForm.getByTestId('vote-approve').check();
    expect(await checking.voteForm.getByTestId('disagreement').count()).toBe(0);
    await checking.voteForm.getByTestId('vote-send').click();
    await checking.fileReview.getByTestId('my-vote').waitFor();
    await expect.poll(() => complete.isDisabled()).toBe(false);
    await complete.click();

    await checking.stateIs('REVIEWED');
    expect(await app.page.getByTestId('review-blinded').count()).toBe(0);
    await checking.chooseFile('by-region.json');
    expect(await checking.fileReview.getByTestId('other-vote').innerText()).toMatch(/^Chidi Checker: Request changes/);
    expect(await checking.fileReview.getByTestId('file-decision').innerText()).toBe('Conflicted');
    expect(await checking.fileReview.getByText('Chidi: the small cell must go.').count()).toBe(1);
    await saveScreenshot(app.page, 'cs-04-reviewed');
  }, 60_000);

  it('returns the request to the analyst: the conflicted file has a public comment', async () => {
    expect(await checking.decision.getByTestId('return-missing').count()).toBe(0);
    await checking.decision.getByTestId('return-request').click();
    await checking.stateIs('RETURNED');
    expect(await checking.decision.getByTestId('decision-news').innerText()).toBe('Returned to the analyst with your public comments.');
  }, 60_000);

  it('shows the cell-level diff of the resubmission against the version Chloe reviewed', async () => {
    let detail = await as(ANALYST, `/requests/${request.id}/files`, {
      expectedVersion: (await as(ANALYST, `/requests/${request.id}`)).version,
      name: 'by-region.json',
      output: byRegion('suppressed'),
      exception: null,
    });
    detail = await as(ANALYST, `/requests/${detail.id}/submit`, { expectedVersion: detail.version });
    expect(detail.state).toBe('SUBMITTED');
    request = detail;

    await app.page.getByTestId('review-back').click();
    await checking.queue.waitFor();
    await checking.openFromQueue(request.id);
    expect(await app.page.getByTestId('review-round').innerText()).toBe('2 (resubmitted after a return)');
    expect(await checking.file('by-region.json').innerText()).toContain('changed since your review');
    await checking.chooseFile('by-region.json');

    const diff = checking.fileReview.getByTestId('file-diff');
    await diff.waitFor();
    expect(await diff.getByTestId('diff-summary').innerText()).toBe('4 cells differ: 4 changed; 5 unchanged.');
    expect(await diff.getByTestId('diff-whole').innerText()).toContain('Mitigation applied: None → Suppressed');
    const rows = diff.getByTestId('diff-row');
    expect(await rows.count()).toBe(4);
    expect(await rows.first().getAttribute('data-change')).toBe('changed');
    expect(await diff.innerText()).toMatch(
      /region = North, sex = M\s+Changed\s+3 \(published\)\s+count 3\s+hidden \(suppressed\)\s+count 3/,
    );
    expect(await checking.fileReview.getByTestId('file-verdict').innerText()).toBe('Pass');
    expect(await checking.fileReview.getByTestId('file-mitigation').innerText()).toBe('Suppressed');
    await saveScreenshot(app.page, 'cs-05-diff');
    await expectNoSeriousAccessibilityViolations(app.page, 'review with diff');
  }, 60_000);

  it('refuses a vote on a request that changed since Chloe looked, changing nothing, and takes it after a new read', async () => {
    // Chidi votes meanwhile: the request's version moves on.
    await as(CHIDI, `/requests/${request.id}/files/${fileId(request, 'by-region.json')}/vote`, {
      expectedVersion: request.version,
      vote: 'approve',
      disagreement: null,
    });

    await checking.voteForm.getByTestId('vote-approve').check();
    await checking.voteForm.getByTestId('vote-send').click();

    const error = checking.voteForm.getByTestId('vote-error');
    await expect.poll(() => error.innerText()).toMatch(/Nothing was changed/);
    expect(await checking.fileReview.getByTestId('my-vote').count()).toBe(0);

    await app.page.getByTestId('review-refresh').click();
    await expect.poll(() => checking.voteForm.getByTestId('vote-error').innerText()).toBe('');
    await checking.voteForm.getByTestId('vote-approve').check();
    await checking.voteForm.getByTestId('vote-send').click();
    await checking.fileReview.getByTestId('my-vote').waitFor();
    // The unchanged file kept its approvals from the first round.
    expect(await checking.file('by-age.json').getByTestId('review-file-decision').innerText()).toMatch(/Approved$/);
    await checking.decision.getByTestId('complete-review').click();
    await checking.stateIs('PARTIALLY_REVIEWED');
  }, 60_000);

  it('releases the approved request after confirming that it is irreversible, then revokes it with a reason', async () => {
    const latest = await as(CHIDI, `/requests/${request.id}`);
    await as(CHIDI, `/requests/${request.id}/review`, { expectedVersion: latest.version });
    await app.page.getByTestId('review-refresh').click();
    await checking.stateIs('APPROVED');

    await checking.decision.getByTestId('release-request').click();
    expect(await checking.decision.getByTestId('release-warning').innerText()).toMatch(
      /^This is irreversible: 2 files leave the environment \(“by-region.json” and “by-age.json”\)/,
    );
    await saveScreenshot(app.page, 'cs-06-release-confirm');
    await checking.decision.getByTestId('release-confirm').click();
    await checking.stateIs('RELEASED');
    expect(await checking.decision.getByTestId('decision-news').innerText()).toContain('2 files are now in the project’s ledger');

    await checking.decision.getByTestId('revoke-request').click();
    await checking.decision.getByTestId('revoke-confirm').click();
    expect(await checking.decision.getByTestId('decision-error').innerText()).toContain('Give the reason');
    await checking.decision.getByTestId('revoke-reason').fill('The annual report was withdrawn: the North figure is no longer public.');
    await checking.decision.getByTestId('revoke-confirm').click();
    await checking.stateIs('REVOKED');
    expect(await app.page.getByTestId('review-history').innerText()).toContain('revoked the release');
    await saveScreenshot(app.page, 'cs-07-revoked');

    await app.page.getByTestId('review-back').click();
    await checking.queue.waitFor();
    await expect.poll(() => checking.row(request.id).count()).toBe(0);
  }, 60_000);

  /** Ada submits a request of one passing table; Chloe's vote (from her own workstation) starts her review of it. */
  async function submittedWithChloesVote(title: string): Promise<RequestDetail> {
    let detail = await as(ANALYST, `/projects/${PROJECT}/requests`, {
      title,
      context: {
        description: 'Admissions in 2023 by age band, for the regional report.',
        population: 'Patients admitted in 2023; the denominator is every admission of the year.',
        relationship: 'None released before.',
      },
    });
    detail = await as(ANALYST, `/requests/${detail.id}/files`, {
      expectedVersion: detail.version,
      name: 'by-age.json',
      output: BY_AGE,
      exception: null,
    });
    detail = await as(ANALYST, `/requests/${detail.id}/submit`, { expectedVersion: detail.version });
    return as(CHLOE.username, `/requests/${detail.id}/files/${fileId(detail, 'by-age.json')}/vote`, {
      expectedVersion: detail.version,
      vote: 'approve',
      disagreement: null,
    });
  }

  it('asks Chloe to confirm a rejection with a reason: cancelling keeps the request, confirming rejects it', async () => {
    const rejecting = await submittedWithChloesVote('Admissions by age, to be rejected');
    await checking.openFromQueue(rejecting.id);
    await checking.stateIs('SUBMITTED');

    await checking.decision.getByTestId('reject-request').click();
    const form = checking.decision.getByTestId('reject-form');
    await form.waitFor();
    expect(await form.innerText()).toContain('it cannot be submitted again');
    await form.getByTestId('reject-reason').fill('Not this one.');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => form.count()).toBe(0);
    await checking.decision.getByTestId('reject-request').waitFor();
    await app.page.getByTestId('review-refresh').click();
    await checking.stateIs('SUBMITTED');
    expect((await as(CHIDI, `/requests/${rejecting.id}`)).state).toBe('SUBMITTED');

    await checking.decision.getByTestId('reject-request').click();
    await checking.decision.getByTestId('reject-confirm').click();
    expect(await checking.decision.getByTestId('decision-error').innerText()).toContain('Give the reason');
    await checking.decision.getByTestId('reject-reason').fill('The age bands duplicate a table released last year.');
    await saveScreenshot(app.page, 'cs-08-reject-confirm');
    await checking.decision.getByTestId('reject-confirm').click();
    await checking.stateIs('REJECTED');
    expect(await checking.decision.getByTestId('decision-news').innerText()).toBe('Rejected. The analyst is told, with your reason.');
    expect(await app.page.getByTestId('review-history').innerText()).toContain(
      'rejected it (rejected): “The age bands duplicate a table released last year.”',
    );
    expect(await checking.decision.getByTestId('reject-request').count()).toBe(0);
    await app.page.getByTestId('review-back').click();
    await checking.queue.waitFor();
    await expect.poll(() => checking.row(rejecting.id).count()).toBe(0);
  }, 60_000);

  it('shows a request frozen while its analyst is suspended, with nothing to decide, and as it was once lifted (issue 18)', async () => {
    const frozen = await submittedWithChloesVote('Admissions by age, frozen');
    const incident = (await as('demo-admin', '/admin/incidents', {
      summary: 'Outputs copied out of the environment',
      severity: 'high',
      detectedAt: new Date().toISOString(),
      personalData: true,
    })) as unknown as { id: string };
    const effect = (await as('demo-admin', '/admin/actions', {
      action: 'suspend_user',
      userId: ANALYST,
      incidentId: incident.id,
      reason: 'Under investigation',
    })) as unknown as { restriction: { id: string } };

    await app.page.getByTestId('queue-refresh').click();
    const row = checking.row(frozen.id);
    await expect.poll(() => row.getAttribute('data-frozen')).toBe('true');
    expect(await row.getByTestId('queue-frozen').innerText()).toMatch(/^Frozen/);
    await saveScreenshot(app.page, 'cs-09-queue-frozen');
    await expectNoSeriousAccessibilityViolations(app.page, 'queue with a frozen request');

    await checking.openFromQueue(frozen.id);
    expect(await app.page.getByTestId('review-frozen').innerText()).toContain('the analyst’s access is suspended by an administrator');
    expect(await app.page.getByTestId('review-frozen').innerText()).not.toContain('investigation');
    expect(await checking.decision.getByTestId('decision-frozen').innerText()).toContain('nothing can be decided');
    expect(await checking.fileReview.getByTestId('vote-form').count()).toBe(0);
    expect(await app.page.getByTestId('comment-form').count()).toBe(0);
    expect(await checking.decision.getByTestId('reject-request').count()).toBe(0);
    await saveScreenshot(app.page, 'cs-10-review-frozen');
    await expectNoSeriousAccessibilityViolations(app.page, 'frozen request');

    await as('demo-admin', `/admin/actions/${effect.restriction.id}/lift`, { reason: 'Investigated: nothing was copied' });
    await app.page.getByTestId('review-refresh').click();
    await checking.voteForm.waitFor();
    expect(await app.page.getByTestId('review-frozen').count()).toBe(0);
    expect(await checking.decision.getByTestId('reject-request').count()).toBe(1);
    await checking.stateIs('SUBMITTED');
  }, 60_000);
});
