// One release request's whole way through the platform's airlock, over its real HTTP API, with the demo's analyst and
// its two output checkers: the analyst checks an output with a small cell, the platform refuses to submit it without
// context and without an exception, the analyst applies the suggested suppression and submits; the checkers review
// blind (neither sees the other's votes or comments until both are done), one asks for changes on a cell with a public
// comment and a private one; the request is returned, the analyst sees the public comment only, changes the one file
// (its votes reset, the unchanged approved file stays approved) and submits again; the checker sees the version they
// reviewed beside the new one; both approve; the request is released, the ledger, the released file and the package
// hold only what was published, and every step is in the audit log. SATRE 3.1.12 (egress only through the airlock),
// 3.3.04 and 3.3.05 (a documented disclosure-control process, with checkers responsible for it), 3.3.08 (the platform's
// semi-automated checks), 3.3.09 (a machine-readable record of the criteria applied, linked to each released output).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NotificationSchema,
  QueueEntrySchema,
  ReleasedFileSchema,
  ReleasedOutputSchema,
  ReleasePackageSchema,
  RequestFileContentSchema,
  publishedBytes,
  type RequestDetail,
} from '../../../src/common/airlock.ts';
import { OutputCheckSchema } from '../../../src/common/output-check.ts';
import { RuleProfileSchema } from '../../../src/common/contract.ts';
import { createHash } from 'node:crypto';
import {
  admissionsByRegion,
  airlockSteps,
  ANALYST,
  auditOf,
  bedDays,
  CHECKER_1,
  CHECKER_2,
  DOMINANT_STAY,
  FILLED_CONTEXT,
  MEMBER,
  PROJECT,
  refusal,
  sha256Of,
  startAirlockPlatform,
  type AirlockPlatform,
} from './airlock-support.ts';

let platform: AirlockPlatform;
let steps: ReturnType<typeof airlockSteps>;

beforeAll(async () => {
  platform = await startAirlockPlatform();
  steps = airlockSteps(platform);
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

const fileNamed = (request: RequestDetail, name: string) => {
  const file = request.files.find((candidate) => candidate.name === name);
  if (file === undefined) throw new Error(`no file ${name}`);
  return file;
};

describe('a release request, from the analyst to release', () => {
  let request: RequestDetail;

  it('tells the analyst the rules and checks an output as the platform will (the preview is the enforcement)', async () => {
    const rules = RuleProfileSchema.parse(await platform.ok(ANALYST, `GET /projects/${PROJECT}/outputs/rules`));
    expect(rules).toMatchObject({ profile: 'default', threshold: 10 });
    const check = OutputCheckSchema.parse(
      await platform.ok(ANALYST, `POST /projects/${PROJECT}/outputs/check`, { document: admissionsByRegion('none') }),
    );
    expect(check.verdict).toBe('flag');
    expect(check.mitigation).toBe('none');
    // The analyst's own preview shows why: the count behind the small cell.
    expect(check.evidence).toEqual([expect.objectContaining({ cell: { region: 'South' }, count: 3 })]);
  });

  it('creates a request and stores each output with its SHA-256 and the platform’s verdict', async () => {
    const created = await steps.create('Regional admissions, 2020', {
      context: { description: 'Admissions by region.', population: '', relationship: '' },
    });
    expect(created).toMatchObject({ state: 'PENDING', version: 1, round: 0, myRole: 'author', files: [], outputs: 0 });
    expect(created.actions).toEqual(expect.arrayContaining(['edit', 'submit', 'withdraw']));
    const withTable = await steps.putOutput(created, { name: 'admissions.json', output: admissionsByRegion('none') });
    const table = fileNamed(withTable, 'admissions.json');
    expect(table).toMatchObject({
      role: 'output',
      kind: 'frequency',
      fileVersion: 1,
      verdict: 'flag',
      mitigation: 'none',
      exception: null,
    });
    expect(table.sha256).toBe(sha256Of(admissionsByRegion('none')));
    request = await steps.detail(ANALYST, `POST /requests/${created.id}/files`, {
      expectedVersion: withTable.version,
      name: 'method.sql',
      supporting: { name: 'method.sql', mediaType: 'text/x-sql', text: 'SELECT region, count(*) FROM admissions GROUP BY region' },
    });
    expect(fileNamed(request, 'method.sql')).toMatchObject({ role: 'supporting', verdict: null, decision: 'undecided' });
    expect(request.version).toBe(3);
  });

  it('refuses to submit without the context filled, then without an exception for the output that does not pass', async () => {
    const noContext = await platform.call(ANALYST, `POST /requests/${request.id}/submit`, { expectedVersion: request.version });
    expect(noContext.status).toBe(409);
    expect(refusal(noContext)).toEqual({
      code: 'conflict',
      message: expect.stringMatching(/context first: the population and denominator/),
    });
    request = await steps.detail(ANALYST, `POST /requests/${request.id}/context`, {
      expectedVersion: request.version,
      title: 'Regional admissions, 2020',
      context: FILLED_CONTEXT,
    });
    const noException = await platform.call(ANALYST, `POST /requests/${request.id}/submit`, { expectedVersion: request.version });
    expect(noException.status).toBe(409);
    expect(refusal(noException).message).toMatch(/exception text.*"admissions.json"/);
    expect((await steps.get(ANALYST, request.id)).state).toBe('PENDING');
  });

  it('takes the suggested suppression as a new version of the same file, and a second output, then submits', async () => {
    request = await steps.putOutput(request, { name: 'admissions.json', output: admissionsByRegion('suppressed') });
    expect(fileNamed(request, 'admissions.json')).toMatchObject({ fileVersion: 2, verdict: 'pass', mitigation: 'suppressed' });
    request = await steps.putOutput(request, { name: 'bed-days.json', output: bedDays() });
    expect(fileNamed(request, 'bed-days.json')).toMatchObject({ kind: 'magnitude', verdict: 'pass', mitigation: 'suppressed' });
    request = await steps.submit(request);
    expect(request).toMatchObject({ state: 'SUBMITTED', round: 1, outputs: 2 });
    expect(request.files).toHaveLength(3);
    expect(request.submittedAt).not.toBeNull();
    expect(request.actions).toEqual(['withdraw', 'comment']);
  });

  it('tells both checkers, and lists the request in their queue with their progress', async () => {
    for (const checker of [CHECKER_1, CHECKER_2]) {
      const notices = NotificationSchema.array().parse(await platform.ok(checker, 'GET /airlock/notifications'));
      expect(notices[0]).toMatchObject({ kind: 'submitted', requestId: request.id, read: false, by: { id: ANALYST } });
      const queue = QueueEntrySchema.array().parse(await platform.ok(checker, 'GET /airlock/queue'));
      expect(queue).toEqual([expect.objectContaining({ id: request.id, round: 1, outputs: 2, mine: { voted: 0, completed: false } })]);
    }
    const read = await platform.ok<{ unread: number }>(CHECKER_1, 'POST /airlock/notifications/read', {
      upTo: NotificationSchema.array().parse(await platform.ok(CHECKER_1, 'GET /airlock/notifications'))[0].id,
    });
    expect(read.unread).toBe(0);
  });

  it('keeps the files as they are while the checkers have them', async () => {
    const update = await platform.call(ANALYST, `POST /requests/${request.id}/files`, {
      expectedVersion: request.version,
      name: 'bed-days.json',
      output: bedDays({ extraNorth: 12 }),
      exception: null,
    });
    expect(update.status).toBe(409);
    expect(refusal(update).message).toMatch(/only while it is pending or returned/);
  });

  it('asks for a coded reason when a vote goes against the engine, and keeps the two reviews blind', async () => {
    await steps.vote(CHECKER_1, { requestId: request.id, file: 'admissions.json', vote: 'approve' });
    const current = await steps.get(CHECKER_1, request.id);
    const bed = fileNamed(current, 'bed-days.json');
    const unexplained = await platform.call(CHECKER_1, `POST /requests/${request.id}/files/${bed.id}/vote`, {
      expectedVersion: current.version,
      vote: 'request_changes',
      disagreement: null,
    });
    expect(unexplained.status).toBe(400);
    expect(refusal(unexplained).message).toMatch(/against the engine's verdict \(pass\)/);
    await steps.vote(CHECKER_1, {
      requestId: request.id,
      file: 'bed-days.json',
      vote: 'request_changes',
      disagreement: {
        code: 'dominance_concern',
        text: 'North is a handful of long stays from one ward.',
        cells: [{ region: 'North' }],
      },
    });
    const afterPrivate = await steps.detail(CHECKER_1, `POST /requests/${request.id}/comments`, {
      fileId: bed.id,
      cell: null,
      visibility: 'private',
      text: 'I suspect North is one ward: worth a second look.',
    });
    expect(afterPrivate.comments).toHaveLength(1);
    const done = await steps.complete(CHECKER_1, request.id);
    expect(done.state).toBe('PARTIALLY_REVIEWED');

    // The second checker sees neither the first one's votes nor their comments, nor a decision that would give them away.
    const blind = await steps.get(CHECKER_2, request.id);
    expect(blind.comments).toEqual([]);
    for (const file of blind.files.filter((candidate) => candidate.role === 'output')) {
      expect(file.votes).toEqual({ visible: [], hidden: 1 });
      expect(file.decision).toBe('undecided');
    }
    expect(blind.reviews).toEqual([expect.objectContaining({ checkerId: CHECKER_1, completedAt: expect.any(String) })]);
    // Nor do the author and the project's other members.
    for (const viewer of [ANALYST, MEMBER]) {
      const view = await steps.get(viewer, request.id);
      expect(view.comments).toEqual([]);
      for (const file of view.files) expect(file.votes).toEqual({ visible: [], hidden: 0 });
    }
  });

  it('reveals both reviews to both checkers once both are complete, and never a private comment to the analyst', async () => {
    await steps.vote(CHECKER_2, { requestId: request.id, file: 'admissions.json', vote: 'approve' });
    await steps.vote(CHECKER_2, {
      requestId: request.id,
      file: 'bed-days.json',
      vote: 'request_changes',
      disagreement: {
        code: 'dominance_concern',
        text: 'The North total needs a look before release.',
        cells: [],
      },
    });
    request = await steps.complete(CHECKER_2, request.id);
    expect(request.state).toBe('REVIEWED');
    expect(fileNamed(request, 'admissions.json')).toMatchObject({ decision: 'approved', votes: { hidden: 0 } });
    expect(fileNamed(request, 'bed-days.json').decision).toBe('changes_requested');
    expect(
      fileNamed(request, 'bed-days.json')
        .votes.visible.map((vote) => vote.checker.id)
        .sort(),
    ).toEqual([CHECKER_1, CHECKER_2]);
    expect(request.comments.map((comment) => comment.visibility)).toEqual(['private']);
    const author = await steps.get(ANALYST, request.id);
    expect(author.comments).toEqual([]);
    expect(fileNamed(author, 'bed-days.json').decision).toBe('changes_requested');
  });

  it('returns the request only with a public comment on every file with changes requested', async () => {
    const bare = await platform.call(CHECKER_2, `POST /requests/${request.id}/return`, { expectedVersion: request.version });
    expect(bare.status).toBe(409);
    expect(refusal(bare).message).toMatch(/public comment.*"bed-days.json"/);
    const bed = fileNamed(request, 'bed-days.json');
    request = await steps.detail(CHECKER_1, `POST /requests/${request.id}/comments`, {
      fileId: bed.id,
      cell: { region: 'North' },
      visibility: 'public',
      text: 'Please check the North total: a few very long stays may dominate it.',
    });
    request = await steps.detail(CHECKER_2, `POST /requests/${request.id}/return`, { expectedVersion: request.version });
    expect(request.state).toBe('RETURNED');
    const author = await steps.get(ANALYST, request.id);
    expect(author.comments).toEqual([
      expect.objectContaining({
        visibility: 'public',
        fileId: bed.id,
        cell: { region: 'North' },
        author: { id: CHECKER_1, name: 'Chloe Checker' },
      }),
    ]);
    const notices = NotificationSchema.array().parse(await platform.ok(ANALYST, 'GET /airlock/notifications'));
    expect(notices[0]).toMatchObject({ kind: 'returned', requestId: request.id });
  });

  it('resets the votes of the file the analyst changes, and keeps the unchanged approved file approved', async () => {
    let author = await steps.detail(ANALYST, `POST /requests/${request.id}/comments`, {
      fileId: null,
      cell: null,
      visibility: 'public',
      text: 'North checked: the long stays are from three wards; one more stay added.',
    });
    author = await steps.putOutput(author, { name: 'bed-days.json', output: bedDays({ extraNorth: 12 }) });
    expect(fileNamed(author, 'bed-days.json')).toMatchObject({ fileVersion: 2, decision: 'undecided', changedSinceReview: true });
    expect(fileNamed(author, 'admissions.json')).toMatchObject({ fileVersion: 2, decision: 'approved', changedSinceReview: false });
    request = await steps.submit(author);
    expect(request).toMatchObject({ state: 'SUBMITTED', round: 2 });
  });

  it('shows the checker the version they reviewed beside the new one, with the evidence (the checkers’ alone)', async () => {
    const bed = fileNamed(request, 'bed-days.json');
    const content = RequestFileContentSchema.parse(await platform.ok(CHECKER_1, `GET /requests/${request.id}/files/${bed.id}`));
    expect(content.current.fileVersion).toBe(2);
    expect(content.previous?.fileVersion).toBe(1);
    if (content.current.role !== 'output') throw new Error('an output');
    expect(content.current.check.evidence.length).toBeGreaterThan(0);
    const author = RequestFileContentSchema.parse(await platform.ok(ANALYST, `GET /requests/${request.id}/files/${bed.id}`));
    if (author.current.role !== 'output') throw new Error('an output');
    expect(author.current.check.evidence).toEqual([]);
    expect(JSON.stringify(author.current.check)).not.toMatch(/top1Share|count \d/);
  });

  it('needs only the changed file voted on again, then both approve it and the request is approved', async () => {
    await steps.vote(CHECKER_1, { requestId: request.id, file: 'bed-days.json', vote: 'approve' });
    expect((await steps.complete(CHECKER_1, request.id)).state).toBe('PARTIALLY_REVIEWED');
    await steps.vote(CHECKER_2, { requestId: request.id, file: 'bed-days.json', vote: 'approve' });
    request = await steps.complete(CHECKER_2, request.id);
    expect(request.state).toBe('APPROVED');
    expect(request.actions).toEqual(expect.arrayContaining(['release', 'reject', 'vote']));
  });

  it('releases: the ledger, the released file and the package hold what was published and nothing behind it', async () => {
    request = await steps.detail(CHECKER_1, `POST /requests/${request.id}/release`, { expectedVersion: request.version });
    expect(request.state).toBe('RELEASED');
    const ledger = ReleasedOutputSchema.array().parse(await platform.ok(ANALYST, `GET /projects/${PROJECT}/released`));
    expect(ledger.map((entry) => entry.name).sort()).toEqual(['admissions.json', 'bed-days.json']);
    expect(ledger[0]).toMatchObject({
      requestId: request.id,
      requestTitle: 'Regional admissions, 2020',
      rules: 'default',
      revoked: null,
      reviewers: ['Chidi Checker', 'Chloe Checker'],
      dimensions: ['region'],
      releasedBy: { id: CHECKER_1 },
    });
    const admissions = ledger.find((entry) => entry.name === 'admissions.json')!;
    const released = ReleasedFileSchema.parse(await platform.ok(MEMBER, `GET /projects/${PROJECT}/released/${admissions.fileId}`));
    expect(released.sha256).toBe(admissions.sha256);
    expect(createHash('sha256').update(publishedBytes(released.content)).digest('hex')).toBe(released.sha256);
    expect(released.content.cells).toEqual(
      expect.arrayContaining([
        { key: { region: 'South' }, value: null, status: 'suppressed' },
        expect.objectContaining({ key: { region: 'North' }, value: 25 }),
      ]),
    );

    const pack = ReleasePackageSchema.parse(await platform.ok(ANALYST, `GET /requests/${request.id}/package`));
    expect(pack.request).toMatchObject({ id: request.id, projectId: PROJECT, context: FILLED_CONTEXT });
    expect(pack.files).toHaveLength(2);
    expect(Object.keys(pack.acro.results)).toHaveLength(2);
    expect(pack.acro.version).toMatch(/^0\.4\./);
    const text = JSON.stringify(pack);
    // No supporting file, no private comment, no evidence, no contribution, no count behind a hidden cell.
    expect(text).not.toContain('method.sql');
    expect(text).not.toContain('one ward');
    expect(text).not.toContain(String(DOMINANT_STAY));
    expect(text).not.toMatch(/evidence|contributions|top1Share|threshold: count/);
    const notices = NotificationSchema.array().parse(await platform.ok(ANALYST, 'GET /airlock/notifications'));
    expect(notices[0]).toMatchObject({ kind: 'released', requestId: request.id });
  });

  it('checks the next output against the ledger: a small difference from a released table is flagged', async () => {
    const ledger = ReleasedOutputSchema.array().parse(await platform.ok(ANALYST, `GET /projects/${PROJECT}/released`));
    const admissions = ledger.find((entry) => entry.name === 'admissions.json')!;
    const check = OutputCheckSchema.parse(
      await platform.ok(ANALYST, `POST /projects/${PROJECT}/outputs/check`, { document: admissionsByRegion('suppressed', { North: 28 }) }),
    );
    expect(check.verdict).toBe('flag');
    expect(check.flags).toEqual([
      expect.objectContaining({
        code: 'differencing',
        earlier: expect.objectContaining({ id: admissions.fileId, title: 'Admissions by region', dimensions: ['region'] }),
      }),
    ]);
    // The earlier table comes with its published cells only, to be shown beside the new one: its hidden cells stay null.
    const earlier = check.flags[0]?.earlier;
    expect(earlier?.cells.length).toBeGreaterThan(0);
    expect(earlier?.cells.find((cell) => cell.key.region === 'South')?.value).toBeNull();
  });

  it('has every decision and every read in the audit log', async () => {
    const ofRequest = async (type: string) => (await auditOf(platform, type)).filter((event) => event.details.requestId === request.id);
    expect((await ofRequest('airlock.file_added')).filter((event) => event.outcome === 'success')).toHaveLength(5);
    expect(await ofRequest('airlock.submit')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'success', details: expect.objectContaining({ round: 2, new: 'SUBMITTED' }) }),
      ]),
    );
    expect((await ofRequest('airlock.vote')).filter((event) => event.outcome === 'success')).toHaveLength(6);
    expect((await ofRequest('airlock.review_completed')).filter((event) => event.outcome === 'success')).toHaveLength(4);
    expect(await ofRequest('airlock.return')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'failure' }),
        expect.objectContaining({ outcome: 'success', actor: CHECKER_2 }),
      ]),
    );
    const release = (await ofRequest('airlock.release'))[0];
    expect(release).toMatchObject({
      outcome: 'success',
      actor: CHECKER_1,
      details: { projectId: PROJECT, old: 'APPROVED', new: 'RELEASED' },
    });
    expect(await ofRequest('airlock.file_read')).toHaveLength(2);
    const viewers = new Set((await ofRequest('airlock.viewed')).map((event) => event.actor));
    expect([...viewers].sort()).toEqual(expect.arrayContaining([ANALYST, CHECKER_1]));
    expect(await ofRequest('airlock.package_read')).toHaveLength(1);
    const downloads = (await auditOf(platform, 'airlock.download')).filter((event) => event.details.projectId === PROJECT);
    expect(downloads).toEqual([expect.objectContaining({ actor: MEMBER, outcome: 'success' })]);
    // Every list is a view too: the checkers' queue, the project's requests and its ledger, each with how many it listed.
    const queues = await auditOf(platform, 'airlock.queue_viewed');
    expect(queues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: CHECKER_1, outcome: 'success', details: { listed: 1 } }),
        expect.objectContaining({ actor: CHECKER_2, outcome: 'success', details: { listed: 1 } }),
      ]),
    );
    const listed = await platform.ok<unknown[]>(MEMBER, `GET /projects/${PROJECT}/requests`);
    expect((await auditOf(platform, 'airlock.requests_listed'))[0]).toMatchObject({
      actor: MEMBER,
      outcome: 'success',
      details: { projectId: PROJECT, listed: listed.length },
    });
    const ledgers = await auditOf(platform, 'airlock.ledger_viewed');
    expect(ledgers.filter((event) => event.actor === ANALYST && event.outcome === 'success').length).toBeGreaterThanOrEqual(2);
    expect(ledgers[0]).toMatchObject({ details: { projectId: PROJECT, listed: 2 } });
    // A refused list is on record as well: a checker who is no member of the project asking for its ledger.
    expect((await platform.call(CHECKER_1, `GET /projects/${PROJECT}/released`)).status).toBe(404);
    expect((await auditOf(platform, 'airlock.ledger_viewed'))[0]).toMatchObject({
      actor: CHECKER_1,
      outcome: 'failure',
      details: { projectId: PROJECT, code: 'not_found' },
    });
    // And the chain of the log still verifies, with all of it in.
    const review = await platform.ok<{ audit: { intact: boolean } }>('demo-admin', 'GET /admin/security-review');
    expect(review.audit.intact).toBe(true);
  });
});

describe("a project's own rule profile", () => {
  it('checks outputs with the profile its agreement names (OpenSAFELY: small counts redacted, the rest rounded to 5)', async () => {
    const inForce = platform.server.agreements.get('covid-outcomes');
    if (inForce === undefined) throw new Error('the demo has covid-outcomes');
    const saved = await platform.server.agreements.save({
      projectId: 'covid-outcomes',
      text: JSON.stringify({ ...inForce.agreement, disclosureProfile: 'opensafely' }, null, 2),
    });
    expect(saved.ok).toBe(true);
    const rules = RuleProfileSchema.parse(await platform.ok(ANALYST, 'GET /projects/covid-outcomes/outputs/rules'));
    expect(rules).toMatchObject({ profile: 'opensafely', threshold: 8, rounding: { base: 5 } });
    const check = OutputCheckSchema.parse(
      await platform.ok(ANALYST, 'POST /projects/covid-outcomes/outputs/check', { document: admissionsByRegion('suppressed') }),
    );
    expect(check.rules.profile).toBe('opensafely');
    expect(check.check?.cells.find((cell) => cell.key.region === 'North')?.published).toBe(25);
    expect(check.check?.cells.find((cell) => cell.key.region === 'West')?.published).toBe(20);
    // A profile the platform does not know is refused with the file, and the one in force stays.
    const refused = await platform.server.agreements.save({
      projectId: 'covid-outcomes',
      text: JSON.stringify({ ...inForce.agreement, disclosureProfile: 'lenient' }),
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.message).toMatch(/disclosureProfile.*"default" or "opensafely"/);
  });
});
