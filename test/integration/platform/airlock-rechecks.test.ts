// The airlock's second review (issue 16), over the platform's real HTTP API: a release publishes what a check made at
// release says against the project's ledger then, never the stored check (a stored check rewritten to show a hidden
// count, even with the votes' records rewritten to match, publishes nothing; two requests approved side by side are
// differenced against each other); a vote counts only on the check it was cast on, so a file whose check changed on
// resubmission loses its votes and is shown changed since its review; comments leave the request's version alone; an
// administrator revokes while the project is suspended, and nobody else acts; a request holds a bounded number of files.
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationSchema, ReleasedOutputSchema, type RequestDetail } from '../../../src/common/airlock.ts';
import { ActionEffectSchema, IncidentSchema } from '../../../src/common/incidents.ts';
import { OutputCheckSchema } from '../../../src/common/output-check.ts';
import { OutputDocumentSchema, type OutputDocument } from '../../../src/common/outputs.ts';
import { MAX_REQUEST_FILES } from '../../../src/platform/airlock/context.ts';
import { publishedSha256Of } from '../../../src/platform/airlock/views.ts';
import {
  ADMIN,
  airlockSteps,
  ANALYST,
  approvedRequest,
  auditOf,
  CHECKER_1,
  CHECKER_2,
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

/** Opens the platform's metadata store directly, as someone who can write the platform's files would. */
function database<T>(work: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path.join(platform.fixture.dataDir, 'metadata.sqlite'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return work(db);
  } finally {
    db.close();
  }
}

const releaseNow = async (requestId: string, as = CHECKER_1) => {
  const now = await steps.get(as, requestId);
  return platform.call(as, `POST /requests/${requestId}/release`, { expectedVersion: now.version });
};

const ledger = async () => ReleasedOutputSchema.array().parse(await platform.ok(ANALYST, `GET /projects/${PROJECT}/released`));

/** The refused releases of a request, as the audit log recorded them. */
const refusedReleases = async (requestId: string) =>
  (await auditOf(platform, 'airlock.release')).filter((event) => event.details.requestId === requestId && event.outcome === 'failure');

/** Rewrites a file's stored check so that every hidden cell is published with its count. */
function revealHiddenCells(
  fileId: string,
  version: number,
): { document: OutputDocument; check: ReturnType<typeof OutputCheckSchema.parse> } {
  const row = database(
    (db) =>
      db.prepare('SELECT content, output_check FROM airlock_file_versions WHERE file_id = ? AND version = ?').get(fileId, version) as {
        content: string;
        output_check: string;
      },
  );
  const check = OutputCheckSchema.parse(JSON.parse(row.output_check));
  for (const cell of [...(check.check?.cells ?? []), ...(check.check?.totals ?? [])]) {
    if (cell.published === null) {
      cell.published = cell.count;
      cell.status = 'safe';
    }
  }
  database((db) =>
    db
      .prepare('UPDATE airlock_file_versions SET output_check = ? WHERE file_id = ? AND version = ?')
      .run(JSON.stringify(check), fileId, version),
  );
  return { document: OutputDocumentSchema.parse(JSON.parse(row.content)), check };
}

/** A count table of stays by ward whose ward A holds `a`. */
const staysByWard = (a: number): OutputDocument => ({
  kind: 'frequency',
  title: 'Stays by ward',
  source: { sql: 'SELECT ward, count(*) FROM admissions GROUP BY ward', engine: 'native' },
  table: { dimensions: ['ward'], cells: ['A', 'B', 'C', 'D'].map((ward, i) => ({ key: { ward }, count: [a, 30, 40, 18][i] })) },
  mitigation: { kind: 'none', roundingBase: null },
});

describe('a release publishes what a check made at release says', () => {
  it('refuses a release whose stored check was rewritten to publish a hidden count, and releases nothing', async () => {
    const approved = await approvedRequest(platform, 'Rewritten check');
    const file = approved.files[0];
    revealHiddenCells(file.id, file.fileVersion);
    const answer = await releaseNow(approved.id);
    expect(answer.status).toBe(409);
    expect(refusal(answer)).toEqual({
      code: 'conflict',
      message: expect.stringMatching(/disclosure check of “admissions\.json” changed since it was reviewed.*Nothing was released/),
    });
    expect((await ledger()).filter((entry) => entry.requestId === approved.id)).toEqual([]);
    const [event] = await refusedReleases(approved.id);
    expect(event?.details).toMatchObject({ code: 'conflict', because: 'check_changed', fileId: file.id });
    // The votes were cast on the other check: they count no more, and the checkers see the file changed.
    const seen = await steps.get(CHECKER_1, approved.id);
    expect(seen.state).toBe('APPROVED');
    expect(seen.files[0]).toMatchObject({ decision: 'undecided', changedSinceReview: true });
  });

  it('refuses it even when the votes were rewritten to match: the published cells come only from a fresh check', async () => {
    const approved = await approvedRequest(platform, 'Rewritten check and votes');
    const file = approved.files[0];
    const { document, check } = revealHiddenCells(file.id, file.fileVersion);
    const forged = publishedSha256Of(document, check);
    database((db) => db.prepare('UPDATE airlock_votes SET published_sha256 = ? WHERE file_id = ?').run(forged, file.id));
    expect((await steps.get(CHECKER_1, approved.id)).files[0]).toMatchObject({ decision: 'approved', changedSinceReview: false });
    const answer = await releaseNow(approved.id);
    expect(answer.status).toBe(409);
    expect(refusal(answer).message).toMatch(/changed since it was reviewed \(it would now publish something else\).*Nothing was released/);
    expect((await ledger()).filter((entry) => entry.requestId === approved.id)).toEqual([]);
    expect((await refusedReleases(approved.id))[0]?.details).toMatchObject({
      because: 'check_changed',
      change: 'it would now publish something else',
    });
  });

  it('differences a request against one released after it was submitted, then takes it back through review', async () => {
    const submit = async (title: string, a: number) => {
      const created = await steps.create(title);
      return steps.submit(await steps.putOutput(created, { name: `stays-${a}.json`, output: staysByWard(a) }));
    };
    // Two requests whose tables differ by 3 stays in ward A (the threshold is 10), each passing on its own.
    const first = await submit('Stays, first', 25);
    const second = await submit('Stays, second', 28);
    expect(second.files[0]?.verdict).toBe('pass');
    expect((await steps.approveAll(first.id)).state).toBe('APPROVED');
    expect((await steps.approveAll(second.id)).state).toBe('APPROVED');
    expect((await releaseNow(first.id)).status).toBe(200);

    const refused = await releaseNow(second.id);
    expect(refused.status).toBe(409);
    expect(refusal(refused).message).toMatch(
      /disclosure check of “stays-28\.json” changed since it was reviewed \(a flag: differencing: .*“?Stays by ward.*\): return it to the analyst or review it again\. Nothing was released\./,
    );
    expect((await ledger()).filter((entry) => entry.requestId === second.id)).toEqual([]);
    expect((await refusedReleases(second.id))[0]?.details).toMatchObject({
      because: 'check_changed',
      verdict: 'flag',
      reviewedVerdict: 'pass',
    });

    // A checker asks for changes, says why in public, and returns it.
    const fileId = second.files[0].id;
    let now = await steps.get(CHECKER_1, second.id);
    await steps.detail(CHECKER_1, `POST /requests/${second.id}/files/${fileId}/vote`, {
      expectedVersion: now.version,
      vote: 'request_changes',
      disagreement: { code: 'missed_small_group', text: 'It differs from the table released since by 3 stays.', cells: [] },
    });
    await steps.detail(CHECKER_1, `POST /requests/${second.id}/comments`, {
      fileId,
      cell: null,
      visibility: 'public',
      text: 'This now differences against the first table.',
    });
    now = await steps.get(CHECKER_1, second.id);
    expect((await steps.detail(CHECKER_1, `POST /requests/${second.id}/return`, { expectedVersion: now.version })).state).toBe('RETURNED');

    // The analyst sends the same bytes again: the check now flags it, so it needs an exception, and its votes lapse.
    let mine = await steps.get(ANALYST, second.id);
    expect((await platform.call(ANALYST, `POST /requests/${second.id}/submit`, { expectedVersion: mine.version })).status).toBe(409);
    mine = await steps.putOutput(mine, {
      name: 'stays-28.json',
      output: staysByWard(28),
      exception: 'The two tables describe different years; the difference is not one group of people.',
    });
    const resubmitted = await steps.submit(mine);
    expect(resubmitted.files[0]).toMatchObject({ fileVersion: 1, verdict: 'flag' });
    for (const checker of [CHECKER_1, CHECKER_2]) {
      const seen = await steps.get(checker, second.id);
      expect(seen.files[0]).toMatchObject({ decision: 'undecided', changedSinceReview: true, votes: { visible: [], hidden: 0 } });
      const notices = NotificationSchema.array().parse(await platform.ok(checker, 'GET /airlock/notifications'));
      const latest = notices.find((notice) => notice.requestId === second.id && notice.kind === 'submitted');
      expect(latest?.message).toMatch(/changed since your review of “stays-28\.json”/);
    }
  });
});

describe('two releases side by side', () => {
  it('lets exactly one of two approved requests that difference each other leave', async () => {
    const byClinic = (a: number): OutputDocument => ({
      kind: 'frequency',
      title: 'Visits by clinic',
      source: { sql: 'SELECT clinic, count(*) FROM visits GROUP BY clinic', engine: 'native' },
      table: {
        dimensions: ['clinic'],
        cells: ['K', 'L', 'M'].map((clinic, i) => ({ key: { clinic }, count: [a, 35, 60][i] })),
      },
      mitigation: { kind: 'none', roundingBase: null },
    });
    const approve = async (title: string, a: number) => {
      const created = await steps.create(title);
      const submitted = await steps.submit(await steps.putOutput(created, { name: `visits-${a}.json`, output: byClinic(a) }));
      return steps.approveAll(submitted.id);
    };
    const one = await approve('Visits, one', 40);
    const other = await approve('Visits, other', 44);
    const [oneNow, otherNow] = [await steps.get(CHECKER_1, one.id), await steps.get(CHECKER_2, other.id)];
    const answers = await Promise.all([
      platform.call(CHECKER_1, `POST /requests/${one.id}/release`, { expectedVersion: oneNow.version }),
      platform.call(CHECKER_2, `POST /requests/${other.id}/release`, { expectedVersion: otherNow.version }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const refused = answers.find((answer) => answer.status === 409)!;
    expect(refusal(refused).message).toMatch(/changed since it was reviewed \(a flag: differencing/);
    const released = (await ledger()).filter((entry) => entry.requestId === one.id || entry.requestId === other.id);
    expect(released).toHaveLength(1);
  });
});

describe('comments', () => {
  it('leave the request’s version alone, so a stream of them does not make a vote stale', async () => {
    const submitted = await submittedRequest(platform, 'Talked about');
    const seen = await steps.get(CHECKER_1, submitted.id);
    const comments = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        platform.call(i % 2 === 0 ? ANALYST : CHECKER_2, `POST /requests/${submitted.id}/comments`, {
          fileId: null,
          cell: null,
          visibility: 'public',
          text: `Comment ${i}`,
        }),
      ),
    );
    expect(comments.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const voted = await steps.detail(CHECKER_1, `POST /requests/${submitted.id}/files/${submitted.files[0].id}/vote`, {
      expectedVersion: seen.version,
      vote: 'approve',
      disagreement: null,
    });
    expect(voted.version).toBe(seen.version + 1);
    const author = await steps.get(ANALYST, submitted.id);
    expect(author.comments.filter((comment) => comment.author.id === ANALYST)).toHaveLength(3);
  });

  it('are refused, with nothing written, once the request no longer takes them', async () => {
    const created = await steps.create('Not yet submitted');
    const answer = await platform.call(ANALYST, `POST /requests/${created.id}/comments`, {
      fileId: null,
      cell: null,
      visibility: 'public',
      text: 'Too early',
    });
    expect(answer.status).toBe(409);
    const after = await steps.get(ANALYST, created.id);
    expect(after).toMatchObject({ version: created.version, comments: [] });
  });
});

describe('a suspended project', () => {
  it('still lets an administrator read and revoke a release, and nobody else act', async () => {
    const approved = await approvedRequest(platform, 'Revoked during a suspension');
    expect((await releaseNow(approved.id)).status).toBe(200);
    const incident = IncidentSchema.parse(
      await platform.ok(ADMIN, 'POST /admin/incidents', {
        summary: 'Outputs under investigation',
        severity: 'high',
        detectedAt: new Date().toISOString(),
        personalData: false,
      }),
    );
    const effect = ActionEffectSchema.parse(
      await platform.ok(ADMIN, 'POST /admin/actions', {
        action: 'suspend_project',
        projectId: PROJECT,
        incidentId: incident.id,
        reason: 'Investigating a release',
      }),
    );
    try {
      for (const who of [ANALYST, CHECKER_1]) {
        const answer = await platform.call(who, `GET /requests/${approved.id}`);
        expect(answer.status).toBe(403);
        expect(refusal(answer).message).toMatch(/suspended/);
      }
      const byChecker = await platform.call(CHECKER_1, `POST /requests/${approved.id}/revoke`, {
        expectedVersion: approved.version + 1,
        reason: 'Not during a suspension',
      });
      expect(byChecker.status).toBe(403);
      const seen = await steps.get(ADMIN, approved.id);
      expect(seen).toMatchObject({ state: 'RELEASED', myRole: 'member', actions: ['revoke'] });
      expect(seen.files[0]?.votes).toEqual({ visible: [], hidden: 0 });
      const revoked = await steps.detail(ADMIN, `POST /requests/${approved.id}/revoke`, {
        expectedVersion: seen.version,
        reason: 'Suspected disclosure under investigation',
      });
      expect(revoked.state).toBe('REVOKED');
      // Nothing else: the project's people still cannot start anything.
      const create = await platform.call(ANALYST, `POST /projects/${PROJECT}/requests`, { title: 'Waiting', context: approved.context });
      expect(create.status).toBe(403);
    } finally {
      await platform.ok(ADMIN, `POST /admin/actions/${effect.restriction!.id}/lift`, { reason: 'Investigated: lifted' });
    }
    expect((await ledger()).find((entry) => entry.requestId === approved.id)?.revoked?.reason).toBe(
      'Suspected disclosure under investigation',
    );
  });
});

describe('bounds on the platform’s work', () => {
  it(`holds at most ${MAX_REQUEST_FILES} files in a request`, async () => {
    let request: RequestDetail = await steps.create('Many files');
    for (let i = 0; i < MAX_REQUEST_FILES; i++) {
      request = await steps.detail(ANALYST, `POST /requests/${request.id}/files`, {
        expectedVersion: request.version,
        name: `note-${i}.txt`,
        supporting: { name: `note-${i}.txt`, mediaType: 'text/plain', text: `Note ${i}` },
      });
    }
    const answer = await platform.call(ANALYST, `POST /requests/${request.id}/files`, {
      expectedVersion: request.version,
      name: 'one-too-many.txt',
      supporting: { name: 'one-too-many.txt', mediaType: 'text/plain', text: 'One too many' },
    });
    expect(answer.status).toBe(400);
    expect(refusal(answer)).toEqual({
      code: 'invalid_input',
      message: expect.stringMatching(new RegExp(`at most ${MAX_REQUEST_FILES} files.*Nothing was changed`)),
    });
    expect((await steps.get(ANALYST, request.id)).version).toBe(request.version);
    // A new version of a file it holds is not one more.
    const updated = await steps.detail(ANALYST, `POST /requests/${request.id}/files`, {
      expectedVersion: request.version,
      name: 'note-0.txt',
      supporting: { name: 'note-0.txt', mediaType: 'text/plain', text: 'Note 0, again' },
    });
    expect(updated.files).toHaveLength(MAX_REQUEST_FILES);
  });
});
