// A suspended person's open release requests are frozen (issue 18), over the platform's real HTTP API: while an
// administrator has the analyst suspended through the kill switch, every change to their open requests is refused on
// the platform, whoever asks (a vote, a comment, completing a review, returning, rejecting, releasing), with an error
// that says only that the author's access is suspended, nothing changed, and the refusal in the audit log with why. The
// checkers still read the requests, and the queue, the project's list and the request say they are frozen and offer no
// action. A released request is not open: a checker may still revoke it, as the incident response. Lifting the
// suspension unfreezes each request exactly as it was, and the same actions then succeed. SATRE 2.6.04 (rapid incident
// response), 3.1.12 (no egress while the author is suspended).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueEntrySchema, RequestSummarySchema, type RequestDetail } from '../../../src/common/airlock.ts';
import { ActionEffectSchema, IncidentSchema } from '../../../src/common/incidents.ts';
import {
  ADMIN,
  airlockSteps,
  ANALYST,
  approvedRequest,
  auditOf,
  CHECKER_1,
  CHECKER_2,
  MEMBER,
  PROJECT,
  refusal,
  submittedRequest,
  startAirlockPlatform,
  type AirlockPlatform,
  type Answer,
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

const FROZEN = /frozen: its author's access is suspended by an administrator.*Nothing was changed\.$/;

async function suspendAnalyst(): Promise<{ incidentId: string; restrictionId: string }> {
  const incident = IncidentSchema.parse(
    await platform.ok(ADMIN, 'POST /admin/incidents', {
      summary: 'Outputs taken out through another channel',
      severity: 'high',
      detectedAt: new Date().toISOString(),
      personalData: true,
    }),
  );
  const effect = ActionEffectSchema.parse(
    await platform.ok(ADMIN, 'POST /admin/actions', {
      action: 'suspend_user',
      userId: ANALYST,
      incidentId: incident.id,
      reason: 'Under investigation',
    }),
  );
  return { incidentId: incident.id, restrictionId: effect.restriction!.id };
}

function expectFrozen(answer: Answer): void {
  expect(answer.status, answer.body).toBe(409);
  expect(refusal(answer)).toEqual({ code: 'conflict', message: expect.stringMatching(FROZEN) });
  // The checker learns that the author is suspended, and nothing of the incident behind it.
  expect(answer.body).not.toMatch(/investigation|another channel|inc-/i);
}

/** A request that two checkers asked changes of, with a public comment on its file: it may be returned. */
async function reviewedWithChanges(title: string): Promise<RequestDetail> {
  const submitted = await submittedRequest(platform, title);
  for (const checker of [CHECKER_1, CHECKER_2]) {
    await steps.vote(checker, {
      requestId: submitted.id,
      file: 'admissions.json',
      vote: 'request_changes',
      disagreement: { code: 'missed_small_group', text: 'The regions are too small to publish.', cells: [] },
    });
    await steps.complete(checker, submitted.id);
  }
  return steps.detail(CHECKER_1, `POST /requests/${submitted.id}/comments`, {
    fileId: submitted.files[0].id,
    cell: null,
    visibility: 'public',
    text: 'Merge the regions, please.',
  });
}

describe('a suspended author’s open requests', () => {
  let submitted: RequestDetail;
  let approved: RequestDetail;
  let reviewed: RequestDetail;
  let released: RequestDetail;
  let restrictionId: string;

  it('are frozen while the author is suspended: the queue, the project’s list and the request say so and offer nothing', async () => {
    submitted = await submittedRequest(platform, 'Frozen while submitted');
    approved = await approvedRequest(platform, 'Frozen while approved');
    reviewed = await reviewedWithChanges('Frozen while reviewed');
    expect(reviewed.state).toBe('REVIEWED');
    const toRelease = await approvedRequest(platform, 'Released before the suspension');
    released = await steps.detail(CHECKER_1, `POST /requests/${toRelease.id}/release`, { expectedVersion: toRelease.version });
    expect(released.frozen).toBe(false);

    ({ restrictionId } = await suspendAnalyst());

    const queue = QueueEntrySchema.array().parse(await platform.ok(CHECKER_1, 'GET /airlock/queue'));
    for (const request of [submitted, approved, reviewed]) {
      expect(queue.find((entry) => entry.id === request.id)).toMatchObject({ frozen: true, state: request.state });
      const seen = await steps.get(CHECKER_1, request.id);
      expect(seen).toMatchObject({ frozen: true, actions: [], state: request.state, version: request.version });
    }
    // A released request is not open: it is not frozen, and a checker may still revoke it.
    expect(await steps.get(CHECKER_1, released.id)).toMatchObject({ frozen: false, actions: ['revoke'] });
    // The project's other members see it frozen too; the author is refused everything, as everywhere.
    const list = RequestSummarySchema.array().parse(await platform.ok(MEMBER, `GET /projects/${PROJECT}/requests`));
    expect(list.find((entry) => entry.id === submitted.id)?.frozen).toBe(true);
    expect(list.find((entry) => entry.id === released.id)?.frozen).toBe(false);
    expect(refusal(await platform.call(ANALYST, `GET /requests/${submitted.id}`)).code).toBe('suspended');
  });

  it('refuses every change by anyone, with nothing changed, and records each refusal with why', async () => {
    const fileOf = (request: RequestDetail) => request.files[0].id;
    const attempts: Array<{ type: string; as: string; answer: Answer }> = [];
    const attempt = async (type: string, as: string, call: { route: `POST /${string}`; body: unknown }) =>
      attempts.push({ type, as, answer: await platform.call(as, call.route, call.body) });
    await attempt('airlock.vote', CHECKER_1, {
      route: `POST /requests/${submitted.id}/files/${fileOf(submitted)}/vote`,
      body: { expectedVersion: submitted.version, vote: 'approve', disagreement: null },
    });
    await attempt('airlock.comment', CHECKER_2, {
      route: `POST /requests/${submitted.id}/comments`,
      body: { fileId: null, cell: null, visibility: 'private', text: 'Is this one safe?' },
    });
    await attempt('airlock.review_completed', CHECKER_1, {
      route: `POST /requests/${submitted.id}/review`,
      body: { expectedVersion: submitted.version },
    });
    await attempt('airlock.release', CHECKER_1, {
      route: `POST /requests/${approved.id}/release`,
      body: { expectedVersion: approved.version },
    });
    await attempt('airlock.reject', CHECKER_2, {
      route: `POST /requests/${approved.id}/reject`,
      body: { expectedVersion: approved.version, reason: 'Nothing of this may leave now.' },
    });
    await attempt('airlock.return', CHECKER_1, {
      route: `POST /requests/${reviewed.id}/return`,
      body: { expectedVersion: reviewed.version },
    });
    for (const { answer } of attempts) expectFrozen(answer);

    for (const request of [submitted, approved, reviewed]) {
      const after = await steps.get(CHECKER_1, request.id);
      expect(after).toMatchObject({ state: request.state, version: request.version, comments: request.comments });
    }
    for (const { type, as } of attempts) {
      const refused = (await auditOf(platform, type)).filter(
        (event) => event.actor === as && event.outcome === 'failure' && event.details.because === 'author_suspended',
      );
      expect(refused.length, `${type} by ${as}`).toBeGreaterThanOrEqual(1);
      expect(refused[0].details).toMatchObject({ code: 'conflict', reason: expect.stringMatching(FROZEN) });
    }
  });

  it('still lets a checker revoke a release of the suspended author (the incident response)', async () => {
    const revoked = await steps.detail(CHECKER_2, `POST /requests/${released.id}/revoke`, {
      expectedVersion: released.version,
      reason: 'Its author is under investigation.',
    });
    expect(revoked).toMatchObject({ state: 'REVOKED', frozen: false });
  });

  it('unfreezes each request exactly as it was when the suspension is lifted, and the same actions succeed', async () => {
    await platform.ok(ADMIN, `POST /admin/actions/${restrictionId}/lift`, { reason: 'Investigated: no misuse found' });

    const queue = QueueEntrySchema.array().parse(await platform.ok(CHECKER_1, 'GET /airlock/queue'));
    for (const request of [submitted, approved, reviewed]) {
      expect(queue.find((entry) => entry.id === request.id)?.frozen).toBe(false);
      const seen = await steps.get(CHECKER_1, request.id);
      expect(seen).toMatchObject({ frozen: false, state: request.state, version: request.version });
      expect(seen.actions.length).toBeGreaterThan(0);
    }
    const voted = await steps.vote(CHECKER_1, { requestId: submitted.id, file: 'admissions.json', vote: 'approve' });
    const commented = await steps.detail(CHECKER_2, `POST /requests/${submitted.id}/comments`, {
      fileId: null,
      cell: null,
      visibility: 'private',
      text: 'Is this one safe?',
    });
    expect(commented.comments).toHaveLength(1);
    const completed = await steps.detail(CHECKER_1, `POST /requests/${submitted.id}/review`, { expectedVersion: voted.version });
    expect(completed.state).toBe('PARTIALLY_REVIEWED');
    const releasedNow = await steps.detail(CHECKER_1, `POST /requests/${approved.id}/release`, { expectedVersion: approved.version });
    expect(releasedNow.state).toBe('RELEASED');
    const returned = await steps.detail(CHECKER_1, `POST /requests/${reviewed.id}/return`, { expectedVersion: reviewed.version });
    expect(returned.state).toBe('RETURNED');
    // The author works on their returned request again.
    expect((await steps.get(ANALYST, reviewed.id)).actions).toEqual(expect.arrayContaining(['edit', 'submit']));
  });
});
