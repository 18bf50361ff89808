// The checkers' decisions that end or settle a review, over the platform's real HTTP API (issue 16): a reviewing checker
// rejects a request with a reason (REJECTED, the author told, nothing of it released), which neither its author nor a
// checker who is not reviewing it may do; and two checkers who disagree on a file (CONFLICTED) settle it when one
// changes their vote, so the request moves on from REVIEWED to APPROVED, as the state machine says, and is released.
// Every decision and every refusal is in the audit log. SATRE 3.3.05 (output checkers responsible for the decision,
// never the author), 3.1.12 (nothing leaves unless both checkers approve).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationSchema, QueueEntrySchema, type RequestDetail } from '../../../src/common/airlock.ts';
import {
  airlockSteps,
  ANALYST,
  auditOf,
  CHECKER_1,
  CHECKER_2,
  MEMBER,
  refusal,
  submittedRequest,
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

const reject = (as: string, request: RequestDetail, reason = 'The outputs describe too few people to be released.') =>
  platform.call(as, `POST /requests/${request.id}/reject`, { expectedVersion: request.version, reason });

describe('rejecting a request', () => {
  let request: RequestDetail;

  it('is refused to its author, to a checker not reviewing it, and without a reason, changing nothing', async () => {
    const submitted = await submittedRequest(platform, 'Rejected in review');
    request = await steps.vote(CHECKER_1, { requestId: submitted.id, file: 'admissions.json', vote: 'approve' });

    // (An author who also holds the output checker role is refused too: airlock-attacks.test.ts.)
    const byAuthor = await reject(ANALYST, request);
    expect(byAuthor.status).toBe(403);
    expect(refusal(byAuthor).code).toBe('forbidden');
    const byMember = await reject(MEMBER, request);
    expect(byMember.status).toBe(403);
    // Chidi holds the output checker role but has not started reviewing this request.
    const byOther = await reject(CHECKER_2, request);
    expect(byOther.status).toBe(403);
    expect(refusal(byOther).message).toMatch(/Only a checker reviewing this request can reject it.*Nothing was changed/);
    const bare = await reject(CHECKER_1, request, '  ');
    expect(bare.status).toBe(400);

    const after = await steps.get(CHECKER_1, request.id);
    expect(after).toMatchObject({ state: 'SUBMITTED', version: request.version });
    expect(after.actions).toContain('reject');
    const refused = (await auditOf(platform, 'airlock.reject')).filter(
      (event) => event.details.requestId === request.id && event.outcome === 'failure',
    );
    expect(refused.map((event) => event.actor)).toEqual(expect.arrayContaining([CHECKER_2]));
  });

  it('by a reviewing checker, with a reason: REJECTED, the author told, out of the queue and taking no more votes', async () => {
    const answer = await reject(CHECKER_1, request);
    expect(answer.status, answer.body).toBe(200);
    const rejected = answer.json<RequestDetail>();
    expect(rejected).toMatchObject({ state: 'REJECTED', actions: [] });
    expect(rejected.history.at(-1)).toMatchObject({
      event: 'reject',
      fromState: 'SUBMITTED',
      toState: 'REJECTED',
      by: { id: CHECKER_1 },
      reason: 'The outputs describe too few people to be released.',
    });

    const notices = NotificationSchema.array().parse(await platform.ok(ANALYST, 'GET /airlock/notifications'));
    expect(notices[0]).toMatchObject({ kind: 'rejected', requestId: request.id, by: { id: CHECKER_1 }, read: false });
    expect(notices[0]?.message).toMatch(/rejected “Rejected in review”/);
    const author = await steps.get(ANALYST, request.id);
    expect(author).toMatchObject({ state: 'REJECTED', actions: [] });

    for (const checker of [CHECKER_1, CHECKER_2]) {
      const queue = QueueEntrySchema.array().parse(await platform.ok(checker, 'GET /airlock/queue'));
      expect(queue.map((entry) => entry.id)).not.toContain(request.id);
    }
    const late = await platform.call(CHECKER_2, `POST /requests/${request.id}/files/${rejected.files[0].id}/vote`, {
      expectedVersion: rejected.version,
      vote: 'approve',
      disagreement: null,
    });
    expect(late.status).toBe(409);
    expect(refusal(late).message).toMatch(/rejected/i);
    expect((await platform.call(ANALYST, `GET /requests/${request.id}/package`)).status).toBe(409);

    const [recorded] = (await auditOf(platform, 'airlock.reject')).filter(
      (event) => event.details.requestId === request.id && event.outcome === 'success',
    );
    expect(recorded).toMatchObject({
      actor: CHECKER_1,
      details: { old: 'SUBMITTED', new: 'REJECTED', reason: 'The outputs describe too few people to be released.' },
    });
  });
});

describe('two checkers who disagree on a file', () => {
  let request: RequestDetail;
  const fileOf = (detail: RequestDetail) => detail.files.find((file) => file.name === 'admissions.json')!;

  it('leave it conflicted once both reviews are complete, and the request reviewed', async () => {
    const submitted = await submittedRequest(platform, 'Settled after a conflict');
    await steps.vote(CHECKER_1, { requestId: submitted.id, file: 'admissions.json', vote: 'approve' });
    await steps.complete(CHECKER_1, submitted.id);
    await steps.vote(CHECKER_2, {
      requestId: submitted.id,
      file: 'admissions.json',
      vote: 'request_changes',
      disagreement: { code: 'missed_small_group', text: 'North holds one care home: a small group.', cells: [{ region: 'North' }] },
    });
    request = await steps.complete(CHECKER_2, submitted.id);
    expect(request.state).toBe('REVIEWED');
    expect(fileOf(request).decision).toBe('conflicted');
    expect(fileOf(await steps.get(CHECKER_1, request.id)).decision).toBe('conflicted');
    expect(fileOf(await steps.get(ANALYST, request.id)).decision).toBe('conflicted');
    // Nothing leaves while a file is conflicted.
    const early = await platform.call(CHECKER_1, `POST /requests/${request.id}/release`, { expectedVersion: request.version });
    expect(early.status).toBe(409);
  });

  it('settle it when one changes their vote: the file is approved and the request moves on to APPROVED, then release', async () => {
    const changed = await steps.vote(CHECKER_2, { requestId: request.id, file: 'admissions.json', vote: 'approve' });
    expect(changed.state).toBe('APPROVED');
    expect(fileOf(changed)).toMatchObject({ decision: 'approved' });
    expect(
      fileOf(changed)
        .votes.visible.map((vote) => [vote.checker.id, vote.vote])
        .sort(),
    ).toEqual([
      [CHECKER_1, 'approve'],
      [CHECKER_2, 'approve'],
    ]);
    expect(changed.history.at(-1)).toMatchObject({
      event: 'votes_changed',
      fromState: 'REVIEWED',
      toState: 'APPROVED',
      by: { id: CHECKER_2 },
    });
    expect(changed.actions).toContain('release');

    const [vote] = (await auditOf(platform, 'airlock.vote')).filter(
      (event) => event.details.requestId === request.id && event.actor === CHECKER_2 && event.outcome === 'success',
    );
    expect(vote?.details).toMatchObject({ vote: 'approve', old: 'REVIEWED', new: 'APPROVED' });

    const released = await steps.detail(CHECKER_2, `POST /requests/${request.id}/release`, { expectedVersion: changed.version });
    expect(released.state).toBe('RELEASED');
  });
});
