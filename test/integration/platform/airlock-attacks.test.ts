// Attacks on the platform's airlock, over its real HTTP API: an author who also holds the output checker role trying to
// review their own request; members reading files and private comments; evidence looked for wherever it must never be;
// stale and concurrent calls; files changed under the checkers; a release while egress is frozen, after the author lost
// the right to request release, and after someone who can write the platform's files edited a stored output (the release
// is refused and the audit log says why); suspended projects and people; a revoked release downloaded. Every refusal
// changes nothing. SATRE 3.1.12 (no unauthorised egress), 3.3.05 (responsibility for output checking: never the author's),
// 2.6.04 (rapid incident response: frozen egress, suspensions).
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QueueEntrySchema,
  ReleasedFileSchema,
  ReleasePackageSchema,
  RequestFileContentSchema,
  type RequestDetail,
} from '../../../src/common/airlock.ts';
import { IncidentSchema, ActionEffectSchema } from '../../../src/common/incidents.ts';
import { outputBytes } from '../../../src/common/outputs.ts';
import {
  ADMIN,
  admissionsByRegion,
  airlockSteps,
  ANALYST,
  approvedRequest,
  auditOf,
  bedDays,
  CHECKER_1,
  CHECKER_2,
  DOMINANT_STAY,
  MEMBER,
  PROJECT,
  refusal,
  startAirlockPlatform,
  submittedRequest,
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

/** Runs SQL on the platform's metadata store directly, as someone who can write the platform's files would. */
function tamper(sql: string, ...values: Array<string | number>): void {
  const db = new DatabaseSync(path.join(platform.fixture.dataDir, 'metadata.sqlite'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.prepare(sql).run(...values);
  } finally {
    db.close();
  }
}

async function openIncident(summary: string): Promise<string> {
  const incident = IncidentSchema.parse(
    await platform.ok(ADMIN, 'POST /admin/incidents', {
      summary,
      severity: 'high',
      detectedAt: new Date().toISOString(),
      personalData: false,
    }),
  );
  return incident.id;
}

async function act(action: Record<string, unknown>): Promise<string> {
  const effect = ActionEffectSchema.parse(await platform.ok(ADMIN, 'POST /admin/actions', action));
  return effect.restriction!.id;
}

async function lift(restrictionId: string): Promise<void> {
  await platform.ok(ADMIN, `POST /admin/actions/${restrictionId}/lift`, { reason: 'Investigated: lifted' });
}

const release = (as: string, request: RequestDetail) =>
  platform.call(as, `POST /requests/${request.id}/release`, { expectedVersion: request.version });

describe('the author never reviews', () => {
  let own: RequestDetail;
  let others: RequestDetail;

  beforeAll(async () => {
    // The analyst is made an output checker as well (with the checkers' training), as a small team might.
    await platform.ok(ADMIN, `POST /admin/users/${ANALYST}/grant`, {
      role: 'output_checker',
      reason: 'Small team: reviews other projects',
    });
    await platform.ok(ADMIN, 'POST /admin/training', {
      userId: ANALYST,
      course: 'Output Checking Training',
      completed: '2026-01-01',
      expires: '2099-01-01',
      evidence: 'OCT-9',
    });
    own = await submittedRequest(platform, 'My own admissions');
    // analyst-2 may request release from opt-out-monitoring.
    const created = await steps.create('Opt-outs by region', { as: MEMBER, project: 'opt-out-monitoring' });
    others = await steps.submit(
      await steps.putOutput(created, { name: 'table.json', output: admissionsByRegion('suppressed'), as: MEMBER }),
      MEMBER,
    );
  });

  afterAll(async () => {
    await platform.ok(ADMIN, `POST /admin/users/${ANALYST}/revoke`, { role: 'output_checker', reason: 'End of the test' });
  });

  it('never lists their own request in their queue, and lists the others', async () => {
    const queue = QueueEntrySchema.array().parse(await platform.ok(ANALYST, 'GET /airlock/queue'));
    expect(queue.map((entry) => entry.id)).toContain(others.id);
    expect(queue.map((entry) => entry.id)).not.toContain(own.id);
  });

  it('refuses their vote, their review, their rejection and their release of their own request, whatever roles they hold', async () => {
    const view = await steps.get(ANALYST, own.id);
    expect(view.myRole).toBe('author');
    expect(view.actions).not.toContain('vote');
    const file = view.files[0];
    const attempts = [
      platform.call(ANALYST, `POST /requests/${own.id}/files/${file.id}/vote`, {
        expectedVersion: view.version,
        vote: 'approve',
        disagreement: null,
      }),
      platform.call(ANALYST, `POST /requests/${own.id}/review`, { expectedVersion: view.version }),
      platform.call(ANALYST, `POST /requests/${own.id}/reject`, { expectedVersion: view.version, reason: 'Changed my mind' }),
      platform.call(ANALYST, `POST /requests/${own.id}/return`, { expectedVersion: view.version }),
      platform.call(ANALYST, `POST /requests/${own.id}/release`, { expectedVersion: view.version }),
    ];
    for (const attempt of await Promise.all(attempts)) {
      expect(attempt.status).toBe(403);
      expect(refusal(attempt)).toEqual({ code: 'forbidden', message: expect.stringMatching(/never reviews it, whatever roles they hold/) });
    }
    const after = await steps.get(ANALYST, own.id);
    expect(after.version).toBe(view.version);
    expect(after.files[0].votes).toEqual({ visible: [], hidden: 0 });
    // Every attempt is on record.
    const refused = (await auditOf(platform, 'airlock.vote')).filter((event) => event.details.requestId === own.id);
    expect(refused).toEqual([
      expect.objectContaining({ actor: ANALYST, outcome: 'failure', details: expect.objectContaining({ code: 'forbidden' }) }),
    ]);
  });

  it('still lets them review someone else’s request', async () => {
    const voted = await steps.vote(ANALYST, { requestId: others.id, file: 'table.json', vote: 'approve' });
    expect(voted.myRole).toBe('checker');
  });
});

describe('who may create, read and comment', () => {
  it('refuses a member without mayRequestRelease, and a checker who is not a member, a new request', async () => {
    const member = await platform.call(MEMBER, `POST /projects/${PROJECT}/requests`, {
      title: 'Not mine to ask',
      context: { description: '', population: '', relationship: '' },
    });
    expect(member.status).toBe(403);
    expect(refusal(member).message).toMatch(/may not request release/);
    const checker = await platform.call(CHECKER_1, `POST /projects/${PROJECT}/requests`, {
      title: 'A checker asking',
      context: { description: '', population: '', relationship: '' },
    });
    expect(checker.status).toBe(404);
  });

  it('lets members see the request but never its files, its votes or its private comments', async () => {
    const request = await submittedRequest(platform, 'Members look');
    const file = request.files[0];
    await steps.detail(CHECKER_1, `POST /requests/${request.id}/comments`, {
      fileId: file.id,
      cell: { region: 'South' },
      visibility: 'private',
      text: 'South is 3 patients: PRIVATE-MARKER',
    });
    await steps.vote(CHECKER_1, { requestId: request.id, file: 'admissions.json', vote: 'approve' });
    await steps.complete(CHECKER_1, request.id);
    await steps.vote(CHECKER_2, { requestId: request.id, file: 'admissions.json', vote: 'approve' });
    await steps.complete(CHECKER_2, request.id);
    for (const viewer of [ANALYST, MEMBER]) {
      const answer = await platform.call(viewer, `GET /requests/${request.id}`);
      expect(answer.status).toBe(200);
      expect(answer.body).not.toContain('PRIVATE-MARKER');
      const view = answer.json<RequestDetail>();
      expect(view.files[0].votes).toEqual({ visible: [], hidden: 0 });
      expect(view.files[0].decision).toBe('approved');
    }
    const read = await platform.call(MEMBER, `GET /requests/${request.id}/files/${file.id}`);
    expect(read.status).toBe(403);
    // The author may not write a private comment; a member may not comment at all.
    const privateByAuthor = await platform.call(ANALYST, `POST /requests/${request.id}/comments`, {
      fileId: null,
      cell: null,
      visibility: 'private',
      text: 'Only for the checkers',
    });
    expect(privateByAuthor.status).toBe(400);
    const byMember = await platform.call(MEMBER, `POST /requests/${request.id}/comments`, {
      fileId: null,
      cell: null,
      visibility: 'public',
      text: 'A word from the side',
    });
    expect(byMember.status).toBe(403);
    // Someone who is neither a member nor a checker (here an administrator, before any release) learns nothing, not even
    // that the request exists.
    const stranger = await platform.call(ADMIN, `GET /requests/${request.id}`);
    expect(stranger.status).toBe(404);
    expect(stranger.body).not.toContain('Members look');
  });
});

describe('the evidence stays with the checkers', () => {
  it('is in the checkers’ file view only: never the author’s view of the check, the released file or the package', async () => {
    const created = await steps.create('Bed days');
    const submitted = await steps.submit(await steps.putOutput(created, { name: 'bed-days.json', output: bedDays() }));
    const file = submitted.files[0];
    const checkerView = RequestFileContentSchema.parse(await platform.ok(CHECKER_1, `GET /requests/${submitted.id}/files/${file.id}`));
    if (checkerView.current.role !== 'output') throw new Error('an output');
    expect(checkerView.current.check.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ cell: { region: 'South' } })]));
    const authorView = RequestFileContentSchema.parse(await platform.ok(ANALYST, `GET /requests/${submitted.id}/files/${file.id}`));
    if (authorView.current.role !== 'output') throw new Error('an output');
    expect(authorView.current.check.evidence).toEqual([]);
    expect(JSON.stringify(authorView.current.check)).not.toMatch(/top1Share|top2Share/);
    expect(JSON.stringify(authorView.current.published)).not.toContain(String(DOMINANT_STAY));

    const approved = await steps.approveAll(submitted.id);
    expect((await release(CHECKER_2, approved)).status).toBe(200);
    const released = await platform.call(ANALYST, `GET /projects/${PROJECT}/released/${file.id}`);
    const pack = await platform.call(ANALYST, `GET /requests/${submitted.id}/package`);
    for (const answer of [released, pack]) {
      expect(answer.status).toBe(200);
      expect(answer.body).not.toContain(String(DOMINANT_STAY));
      expect(answer.body).not.toMatch(/evidence|contributions|top1Share|top2Share|dominance: the 2 largest/);
    }
    const content = ReleasedFileSchema.parse(released.json()).content;
    expect(content.cells.find((cell) => cell.key.region === 'South')).toEqual({
      key: { region: 'South' },
      value: null,
      status: 'suppressed',
    });
    // Which hidden cell was the unsafe one is not said either: every hidden cell is marked alike in ACRO's record.
    const acro = JSON.stringify(ReleasePackageSchema.parse(pack.json()).acro);
    expect(acro).not.toMatch(/nk-rule; |p-ratio; |threshold; /);
  });
});

describe('versions, races and files under review', () => {
  it('refuses a stale version, and of two submissions of the same version exactly one happens', async () => {
    const created = await steps.create('Raced');
    const ready = await steps.putOutput(created, { name: 'admissions.json', output: admissionsByRegion('suppressed') });
    const stale = await platform.call(ANALYST, `POST /requests/${ready.id}/submit`, { expectedVersion: created.version });
    expect(stale.status).toBe(409);
    expect(refusal(stale)).toEqual({ code: 'conflict', message: expect.stringMatching(/changed since you looked.*Nothing was changed/) });
    const both = await Promise.all([
      platform.call(ANALYST, `POST /requests/${ready.id}/submit`, { expectedVersion: ready.version }),
      platform.call(ANALYST, `POST /requests/${ready.id}/submit`, { expectedVersion: ready.version }),
    ]);
    // The second is refused as stale, or, while the first one's check still runs, because its caller has a check
    // running already (one check per caller at a time): either way it changes nothing.
    const [done, refused] = [...both].sort((a, b) => a.status - b.status);
    expect(done?.status).toBe(200);
    expect([409, 429]).toContain(refused?.status);
    expect(refusal(refused)).toEqual({
      code: refused?.status === 409 ? 'conflict' : 'rate_limited',
      message: expect.stringMatching(/Nothing was changed/),
    });
    const after = await steps.get(ANALYST, ready.id);
    expect(after.history.filter((entry) => entry.event === 'submit')).toHaveLength(1);
    expect(after.round).toBe(1);
    // The checkers were told once.
    const notices = await platform.ok<Array<{ requestId: string }>>(CHECKER_1, 'GET /airlock/notifications');
    expect(notices.filter((notice) => notice.requestId === ready.id)).toHaveLength(1);
  });

  it('changes no file, no context and no title of a submitted request', async () => {
    const submitted = await submittedRequest(platform, 'Frozen while reviewed');
    const file = submitted.files[0];
    const attempts = await Promise.all([
      platform.call(ANALYST, `POST /requests/${submitted.id}/files`, {
        expectedVersion: submitted.version,
        name: 'admissions.json',
        output: admissionsByRegion('suppressed', { North: 26 }),
        exception: null,
      }),
      platform.call(ANALYST, `POST /requests/${submitted.id}/files/${file.id}/withdraw`, { expectedVersion: submitted.version }),
      platform.call(ANALYST, `POST /requests/${submitted.id}/context`, {
        expectedVersion: submitted.version,
        title: 'Renamed',
        context: { description: 'x', population: 'y', relationship: 'z' },
      }),
    ]);
    for (const attempt of attempts) expect(attempt.status).toBe(409);
    const after = await steps.get(ANALYST, submitted.id);
    expect(after).toMatchObject({ version: submitted.version, title: 'Frozen while reviewed' });
    expect(after.files[0]).toMatchObject({ fileVersion: 1, withdrawn: false, sha256: file.sha256 });
  });

  it('refuses a third checker’s vote while two are reviewing', async () => {
    const submitted = await submittedRequest(platform, 'Two is enough');
    await steps.vote(CHECKER_1, { requestId: submitted.id, file: 'admissions.json', vote: 'approve' });
    await steps.vote(CHECKER_2, { requestId: submitted.id, file: 'admissions.json', vote: 'approve' });
    await platform.ok(ADMIN, `POST /admin/users/${MEMBER}/grant`, { role: 'output_checker', reason: 'A third checker' });
    await platform.ok(ADMIN, 'POST /admin/training', {
      userId: MEMBER,
      course: 'Output Checking Training',
      completed: '2026-01-01',
      expires: '2099-01-01',
      evidence: 'OCT-10',
    });
    try {
      const view = await steps.get(MEMBER, submitted.id);
      expect(view.actions).not.toContain('vote');
      const third = await platform.call(MEMBER, `POST /requests/${submitted.id}/files/${view.files[0].id}/vote`, {
        expectedVersion: view.version,
        vote: 'request_changes',
        disagreement: { code: 'other', text: 'A third opinion', cells: [] },
      });
      expect(third.status).toBe(409);
      expect(refusal(third).message).toMatch(/Two output checkers are reviewing/);
    } finally {
      await platform.ok(ADMIN, `POST /admin/users/${MEMBER}/revoke`, { role: 'output_checker', reason: 'End of the test' });
    }
  });
});

describe('release refused', () => {
  it('while egress is frozen (egress_frozen), and allowed once it is lifted', async () => {
    const approved = await approvedRequest(platform, 'Frozen out');
    const incident = await openIncident('Suspected exfiltration through outputs');
    const frozen = await act({ action: 'freeze_egress', projectId: PROJECT, incidentId: incident, reason: 'Investigating outputs' });
    const refused = await release(CHECKER_1, approved);
    expect(refused.status).toBe(403);
    expect(refusal(refused)).toEqual({ code: 'egress_frozen', message: expect.stringMatching(/Nothing was released/) });
    expect((await steps.get(ANALYST, approved.id)).state).toBe('APPROVED');
    const failures = (await auditOf(platform, 'airlock.release')).filter((event) => event.details.requestId === approved.id);
    expect(failures).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ code: 'egress_frozen' }) }),
    ]);
    await lift(frozen);
    expect((await release(CHECKER_1, approved)).status).toBe(200);
  });

  it('when the author no longer may request release', async () => {
    const approved = await approvedRequest(platform, 'Permission withdrawn');
    const members = (withRelease: boolean) => [
      { userId: ANALYST, role: 'lead', start: '2026-04-01', end: '2029-03-31', mayRequestRelease: withRelease },
      { userId: MEMBER, role: 'analyst', start: '2026-04-01', end: '2028-12-31', mayRequestRelease: false },
    ];
    // Only a data manager grants or withdraws the right, on the data owner's behalf.
    await platform.ok(ADMIN, 'POST /admin/users', {
      id: 'airlock-dm',
      displayName: 'Dee Manager',
      roles: ['data_manager'],
      verification: 'Seen in person',
      subject: 'airlock-dm',
    });
    await platform.ok(ADMIN, 'POST /admin/training', {
      userId: 'airlock-dm',
      course: 'Information Governance Training',
      completed: '2026-01-01',
      expires: '2099-01-01',
      evidence: 'IG-7',
    });
    await platform.ok('airlock-dm', `POST /projects/${PROJECT}/members`, {
      members: members(false),
      reason: 'Release rights under review',
    });
    try {
      const refused = await release(CHECKER_2, approved);
      expect(refused.status).toBe(403);
      expect(refusal(refused).message).toMatch(/author of this request may no longer request release.*Nothing was released/);
      // Nor may the author submit anything meanwhile.
      const created = await platform.call(ANALYST, `POST /projects/${PROJECT}/requests`, {
        title: 'Another',
        context: { description: '', population: '', relationship: '' },
      });
      expect(created.status).toBe(403);
    } finally {
      await platform.ok('airlock-dm', `POST /projects/${PROJECT}/members`, {
        members: members(true),
        reason: 'Release rights restored',
      });
    }
    expect((await release(CHECKER_2, approved)).status).toBe(200);
  });

  it('when the stored output no longer hashes to what was reviewed, and the audit log says so', async () => {
    const approved = await approvedRequest(platform, 'Edited behind our backs');
    const file = approved.files[0];
    // Someone who can write the platform's files puts the small cell back into the stored document.
    const edited = JSON.parse(new TextDecoder().decode(outputBytes(admissionsByRegion('suppressed')))) as { mitigation: { kind: string } };
    edited.mitigation.kind = 'none';
    tamper('UPDATE airlock_file_versions SET content = ? WHERE file_id = ? AND version = 1', JSON.stringify(edited), file.id);
    const refused = await release(CHECKER_1, approved);
    expect(refused.status).toBe(403);
    expect(refusal(refused).message).toMatch(/no longer what was added and reviewed.*Nothing was released/);
    expect((await steps.get(ANALYST, approved.id)).state).toBe('APPROVED');
    const [event] = (await auditOf(platform, 'airlock.release')).filter((entry) => entry.details.requestId === approved.id);
    expect(event).toMatchObject({
      outcome: 'failure',
      actor: CHECKER_1,
      details: { because: 'stored_bytes_changed', fileId: file.id, expected: file.sha256, code: 'forbidden' },
    });
    expect(event.details.actual).not.toBe(file.sha256);
  });

  it('when the stored output and its stored hash were both rewritten: the audit log’s record of the hash still stands', async () => {
    const approved = await approvedRequest(platform, 'Hash rewritten too');
    const file = approved.files[0];
    const edited = admissionsByRegion('none');
    const { createHash } = await import('node:crypto');
    const forgedHash = createHash('sha256').update(outputBytes(edited)).digest('hex');
    tamper(
      'UPDATE airlock_file_versions SET content = ?, sha256 = ? WHERE file_id = ? AND version = 1',
      new TextDecoder().decode(outputBytes(edited)),
      forgedHash,
      file.id,
    );
    const refused = await release(CHECKER_1, approved);
    expect(refused.status).toBe(403);
    const [event] = (await auditOf(platform, 'airlock.release')).filter((entry) => entry.details.requestId === approved.id);
    expect(event.details).toMatchObject({ because: 'stored_bytes_changed', expected: forgedHash, actual: forgedHash, logged: file.sha256 });
  });
});

describe('suspensions hold in the airlock as everywhere', () => {
  it('refuses everybody a suspended project’s requests, and a suspended checker everything', async () => {
    const submitted = await submittedRequest(platform, 'Under suspension');
    const incident = await openIncident('Project under investigation');
    const suspension = await act({ action: 'suspend_project', projectId: PROJECT, incidentId: incident, reason: 'Investigating' });
    try {
      for (const who of [ANALYST, CHECKER_1]) {
        const answer = await platform.call(who, `GET /requests/${submitted.id}`);
        expect(answer.status).toBe(403);
        expect(refusal(answer).message).toMatch(/suspended/);
      }
      const queue = QueueEntrySchema.array().parse(await platform.ok(CHECKER_1, 'GET /airlock/queue'));
      expect(queue.map((entry) => entry.id)).not.toContain(submitted.id);
      expect((await platform.call(ANALYST, `GET /projects/${PROJECT}/requests`)).status).toBe(403);
    } finally {
      await lift(suspension);
    }
    const person = await act({ action: 'suspend_user', userId: CHECKER_2, incidentId: incident, reason: 'Shared their sign-in' });
    try {
      const answer = await platform.call(CHECKER_2, `GET /requests/${submitted.id}`);
      expect(answer.status).toBe(403);
      expect(refusal(answer).code).toBe('suspended');
      expect(refusal(await platform.call(CHECKER_2, 'GET /airlock/queue')).code).toBe('suspended');
    } finally {
      await lift(person);
    }
  });
});

describe('a revoked release', () => {
  it('is marked in the ledger and may no longer be downloaded or packaged', async () => {
    const approved = await approvedRequest(platform, 'Revoked later');
    const released = (await release(CHECKER_1, approved)).json<RequestDetail>();
    const fileId = released.files[0].id;
    expect((await platform.call(ANALYST, `GET /projects/${PROJECT}/released/${fileId}`)).status).toBe(200);
    const byAuthor = await platform.call(ANALYST, `POST /requests/${approved.id}/revoke`, {
      expectedVersion: released.version,
      reason: 'I want it back',
    });
    expect(byAuthor.status).toBe(403);
    // Once it is released, an administrator who is not a member of the project may read it (as a member does: no votes,
    // no private comments) to learn its version, and revoke it (the incident response).
    const seen = await platform.ok<RequestDetail>(ADMIN, `GET /requests/${approved.id}`);
    expect(seen).toMatchObject({ id: approved.id, version: released.version, state: 'RELEASED' });
    expect(seen.comments.every((comment) => comment.visibility === 'public')).toBe(true);
    const revoked = await steps.detail(ADMIN, `POST /requests/${approved.id}/revoke`, {
      expectedVersion: released.version,
      reason: 'A cell was found disclosive after release',
    });
    expect(revoked.state).toBe('REVOKED');
    const ledger = await platform.ok<Array<{ fileId: string; revoked: { reason: string } | null }>>(
      ANALYST,
      `GET /projects/${PROJECT}/released`,
    );
    expect(ledger.find((entry) => entry.fileId === fileId)?.revoked).toMatchObject({ reason: 'A cell was found disclosive after release' });
    const download = await platform.call(ANALYST, `GET /projects/${PROJECT}/released/${fileId}`);
    expect(download.status).toBe(403);
    expect(refusal(download).message).toMatch(/revoked/);
    expect((await platform.call(ANALYST, `GET /requests/${approved.id}/package`)).status).toBe(409);
    const notices = await platform.ok<Array<{ kind: string; requestId: string }>>(ANALYST, 'GET /airlock/notifications');
    expect(notices[0]).toMatchObject({ kind: 'revoked', requestId: approved.id });
  });
});
