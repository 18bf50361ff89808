// Starting on a broken audit log is the operator's decision, and it is itself audited: the acceptance records the
// report (every bad event in it) and a digest of every event before it. Later checks pass over that break, and say
// so, only while those events stay exactly as they were when it was accepted. The start-up check accepts a break
// only when given the token printed with its very report.
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnclaveError } from '../../../src/common/errors.ts';
import { digestOfEvents } from '../../../src/platform/audit/chain.ts';
import { parseStoredRows } from '../../../src/platform/audit/stored-rows.ts';
import { checkAuditLogAtStart } from '../../../src/platform/startup-checks.ts';
import { createAuditDir, openAudit, sealAs, tamper, verifyDir, writeEvents, WRONG_KEY, type AuditDir } from './audit-support.ts';

let dir: AuditDir;

beforeEach(async () => {
  dir = await createAuditDir();
  await writeEvents(dir, 5);
});

afterEach(async () => {
  await dir.cleanup();
});

/** What `serve --accept-broken-audit-log` does: verify, and record the acceptance of what it found. */
async function accept(): Promise<{ seq: number; details: Record<string, unknown> }> {
  const { audit, close } = await openAudit(dir);
  try {
    const report = await audit.verify();
    expect(report.intact).toBe(false);
    const event = await audit.acceptBreak(report);
    return { seq: event.seq, details: JSON.parse(event.details) as Record<string, unknown> };
  } finally {
    await close();
  }
}

function cutTail(): void {
  tamper(dir, (raw) => {
    raw.exec('DROP TRIGGER audit_events_no_delete');
    raw.exec('DELETE FROM audit_events WHERE seq > 3');
  });
}

describe('an accepted break', () => {
  it('is recorded as an event with the report and a digest of the events before it, and later checks say it was accepted', async () => {
    cutTail();
    const accepted = await accept();
    expect(accepted.seq).toBe(4);
    expect(accepted.details).toMatchObject({
      report: expect.stringMatching(/^broken: truncated after 3/) as unknown,
      accepted: { events: 3, digest: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown },
      anchorBefore: { seq: 5 },
      triggers: ['restored audit_events_no_delete'],
    });
    const run = await verifyDir(dir);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /^intact \(4 events, head 4 [0-9a-f]{12}\)\naccepted: at event 4 \(.+\) the platform was started on a broken log that read: broken: truncated after 3/,
    );
  });

  it('puts the append-only triggers back and starts the anchor again, keeping the old anchor beside it', async () => {
    cutTail();
    await accept();
    const files = await readdir(dir.folder);
    expect(files.filter((name) => /^audit-anchor\.before-4-\d+\.jsonl$/.test(name))).toHaveLength(1);
    expect(
      (await readFile(dir.anchorFile, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { seq: number }).seq),
    ).toEqual([4]);
    tamper(dir, (raw) => expect(() => raw.exec('DELETE FROM audit_events')).toThrow(/append-only/));
  });

  it('keeps holding as the log grows after it', async () => {
    cutTail();
    await accept();
    await writeEvents(dir, 2);
    const run = await verifyDir(dir);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^intact \(6 events, head 6 /);
  });

  it('stops holding when an event before it is edited afterwards: the log is broken again', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec("UPDATE audit_events SET actor = 'first-edit' WHERE seq = 2");
    });
    await accept();
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec("UPDATE audit_events SET actor = 'second-edit' WHERE seq = 1");
    });
    const run = await verifyDir(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^broken: event 1 was edited/);
    expect(run.stdout).toContain(
      'note: the break accepted at event 6 no longer covers the events before it: they changed after it was accepted',
    );
  });

  it('cannot be forged: an acceptance with the right digest but sealed without the audit key covers nothing', async () => {
    cutTail();
    tamper(dir, (raw) => {
      const rows = raw.rows();
      const last = rows.at(-1)!;
      // The digest needs no key, so the attacker can get it right; the seal is what they cannot make.
      const digest = digestOfEvents(parseStoredRows(rows));
      const details = JSON.stringify({ report: 'nothing to see', accepted: { events: rows.length, digest, table: null } });
      raw.insert(
        sealAs({ ...last, seq: last.seq + 1, type: 'audit.broken_log_accepted', actor: null, details, prev_hash: last.hash }, WRONG_KEY),
      );
    });
    const run = await verifyDir(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^broken: event 4 was edited: its MAC does not match its contents/);
    expect(run.stdout).toContain('also: truncated after 4');
    expect(run.stdout).not.toContain('accepted:');
  });
});

describe('what an acceptance accepts', () => {
  it('records every bad event in its report, so that no break it never showed is accepted with it', async () => {
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec(`UPDATE audit_events SET details = '{"i":"harmless"}' WHERE seq = 2`);
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 4");
    });
    const { details } = await accept();
    expect(details.report).toMatch(/^broken: event 2 was edited/);
    expect(details.report).toContain('also: event 4 was edited');
    expect(details).toMatchObject({
      problems: 3,
      by: expect.stringMatching(/^enclave platform serve --accept-broken-audit-log=[0-9a-f]{16}$/) as unknown,
    });
  });

  it('at start-up, takes only the token printed with the report, and none once the log has changed again', async () => {
    cutTail();
    const { audit, close } = await openAudit(dir);
    try {
      const refusal = (await checkAuditLogAtStart({ audit, dataDir: dir.dataDir }).catch((err: unknown) => err)) as EnclaveError;
      expect(refusal.message).toMatch(/^The audit log is broken, so the platform did not start:\nbroken: truncated after 3/);
      const token = /add --accept-broken-audit-log=([0-9a-f]{16}) \(it accepts this report only\)/.exec(refusal.message)?.[1];
      expect(token).toMatch(/^[0-9a-f]{16}$/);
      // Before the operator starts it, the log breaks again, differently: the token no longer accepts it.
      tamper(dir, (raw) => {
        raw.exec('DROP TRIGGER audit_events_no_update');
        raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 1");
      });
      const stale = (await checkAuditLogAtStart({ audit, dataDir: dir.dataDir, accept: token }).catch(
        (err: unknown) => err,
      )) as EnclaveError;
      expect(stale.message).toContain(`--accept-broken-audit-log=${token} does not accept this break`);
      expect(stale.message).toContain('broken: event 1 was edited');
      expect(await audit.list()).toHaveLength(3);
      const fresh = /start with --accept-broken-audit-log=([0-9a-f]{16}) instead/.exec(stale.message)?.[1];
      expect(fresh).not.toBe(token);
      const started = await checkAuditLogAtStart({ audit, dataDir: dir.dataDir, accept: fresh });
      expect(started.acceptedAs).toMatchObject({ seq: 4, type: 'audit.broken_log_accepted' });
    } finally {
      await close();
    }
  });
});
