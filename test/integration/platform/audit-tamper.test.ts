// Someone who can write the platform's database, but cannot read its audit key: every way they can change the
// audit history with SQL on the file is found by `enclave audit verify`, which names the first bad event and what
// is wrong with it, then every other one. The attacker drops the append-only triggers where they must, and re-seals
// what they change with a key of their own or with unkeyed sha256 (the seal of events written before keyed
// chaining). A running platform never writes over events deleted from under it, and never makes a new audit key
// for a log that had one.
import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditLog } from '../../../src/platform/audit/audit-log.ts';
import { hashAuditEvent } from '../../../src/platform/audit/chain.ts';
import { describeAuditReport } from '../../../src/platform/audit/verify.ts';
import {
  auditKey,
  createAuditDir,
  openAudit,
  openRecords,
  sealAs,
  tamper,
  UNKEYED,
  verifyDir,
  writeEvents,
  WRONG_KEY,
  type AuditDir,
  type Row,
} from './audit-support.ts';

let dir: AuditDir;

beforeEach(async () => {
  dir = await createAuditDir();
  await writeEvents(dir, 5);
});

afterEach(async () => {
  await dir.cleanup();
});

async function expectBroken(firstLine: RegExp): Promise<string> {
  const run = await verifyDir(dir);
  expect(run.stdout.split('\n')[0], run.stdout).toMatch(firstLine);
  expect(run.code).toBe(1);
  return run.stdout;
}

describe('enclave audit verify on an untouched log', () => {
  it('says intact, with the number of events and the head', async () => {
    const run = await verifyDir(dir);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^intact \(5 events, head 5 [0-9a-f]{12}\)\n$/);
  });
});

describe('an edited event', () => {
  it('is found when only the row is changed', async () => {
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3");
    });
    const report = await expectBroken(/^broken: event 3 was edited: its MAC does not match its contents/);
    expect(report).toContain('the append-only trigger audit_events_no_update is missing');
  });

  it('is found when the later events are re-sealed with a key of the attacker’s own', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec('UPDATE audit_events SET details = \'{"i":99}\' WHERE seq = 3');
      raw.rechain(3, WRONG_KEY);
    });
    await expectBroken(/^broken: event 3 was edited: its MAC does not match its contents/);
  });

  it('is found when the later events are re-sealed unkeyed, as events from before keyed chaining', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec('UPDATE audit_events SET details = \'{"i":99}\' WHERE seq = 3');
      raw.rechain(3, UNKEYED);
    });
    await expectBroken(/^broken: event 3 is forged: it is sealed without the audit key, after keyed event 1/);
  });

  it('is found by the anchor when the whole log is re-sealed unkeyed from the first event', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
      raw.rechain(1, UNKEYED);
    });
    await expectBroken(/^broken: the anchor does not match: events 1 to 5 are not the events the anchor recorded/);
  });
});

describe('a removed event', () => {
  it('is found when a middle event is deleted and the ones after it re-chained', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec('DELETE FROM audit_events WHERE seq = 3');
      raw.rechain(4, WRONG_KEY);
    });
    await expectBroken(/^broken: event 3 is missing: event 4 follows event 2/);
  });

  it('is found when the events after it are renumbered to close the gap', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec('DELETE FROM audit_events WHERE seq = 3');
      raw.exec('UPDATE audit_events SET seq = seq - 1 WHERE seq > 3');
    });
    const report = await expectBroken(
      /^broken: event 3 is missing: the events after it were renumbered \(event 3 was written as event 4\)/,
    );
    expect(report).toContain('also: truncated after 4: event 4 is the last one left, but the anchor says the log reached event 5');
  });

  it('is found when they are renumbered and re-sealed too', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec('DELETE FROM audit_events WHERE seq = 3');
      raw.exec('UPDATE audit_events SET seq = seq - 1 WHERE seq > 3');
      raw.rechain(3, WRONG_KEY);
    });
    const report = await expectBroken(/^broken: event 3 was edited/);
    expect(report).toContain('truncated after 4');
  });

  it('is found when the tail is cut off', async () => {
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events WHERE seq > 3');
    });
    await expectBroken(/^broken: truncated after 3: event 3 is the last one left, but the anchor says the log reached event 5/);
  });

  it('is found when every event is deleted', async () => {
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events');
    });
    await expectBroken(/^broken: truncated after 0: every event is gone, but the anchor says the log reached event 5/);
  });
});

describe('reordered and added events', () => {
  it('finds two events swapped', async () => {
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec(
        'UPDATE audit_events SET seq = -2 WHERE seq = 2; UPDATE audit_events SET seq = 2 WHERE seq = 3; UPDATE audit_events SET seq = 3 WHERE seq = -2',
      );
    });
    await expectBroken(/^broken: event 2 is reordered: it was written as event 3/);
  });

  it('finds an event added at the end with a key of the attacker’s own (the triggers let the next event in)', async () => {
    tamper(dir, (raw) => {
      const last = raw.rows().at(-1) as Row;
      raw.insert(sealAs({ ...last, seq: 6, type: 'auth.sign_in', actor: 'demo-admin', details: '{}', prev_hash: last.hash }, WRONG_KEY));
    });
    await expectBroken(/^broken: event 6 is forged: its MAC does not match its contents/);
  });

  it('finds an event added at the end unkeyed', async () => {
    tamper(dir, (raw) => {
      const last = raw.rows().at(-1) as Row;
      raw.insert(sealAs({ ...last, seq: 6, type: 'auth.sign_in', actor: 'demo-admin', details: '{}', prev_hash: last.hash }, UNKEYED));
    });
    await expectBroken(/^broken: event 6 is forged: it is sealed without the audit key, after keyed event 1/);
  });
});

describe('the table replaced', () => {
  it('is found when it is dropped and made again empty', async () => {
    tamper(dir, (raw) => {
      const table = (raw.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'audit_events'").get() as { sql: string }).sql;
      raw.exec('DROP TABLE audit_events');
      raw.exec(table);
    });
    const report = await expectBroken(/^broken: truncated after 0: every event is gone/);
    expect(report).toContain('the append-only trigger audit_events_no_delete is missing');
  });

  it('is found when it is made again with the same rows but without its triggers', async () => {
    tamper(dir, (raw) => {
      const table = (raw.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'audit_events'").get() as { sql: string }).sql;
      raw.exec('CREATE TABLE saved AS SELECT * FROM audit_events; DROP TABLE audit_events;');
      raw.exec(table);
      raw.exec('INSERT INTO audit_events SELECT * FROM saved; DROP TABLE saved;');
    });
    const report = await expectBroken(/^broken: the append-only trigger audit_events_next_seq_only is missing/);
    expect(report).toContain('audit_events_no_update is missing');
  });

  it('is found when it is made again another way, with its rows', async () => {
    tamper(dir, (raw) => {
      raw.exec('CREATE TABLE copy AS SELECT * FROM audit_events; DROP TABLE audit_events; ALTER TABLE copy RENAME TO audit_events;');
    });
    await expectBroken(/^broken: the audit_events table is not as the platform made it/);
  });

  it('finds a trigger replaced by one that lets everything through', async () => {
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec('CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events WHEN 0 BEGIN SELECT 1; END');
    });
    await expectBroken(/^broken: the append-only trigger audit_events_no_update is not as the platform made it/);
  });
});

describe('INSERT OR REPLACE', () => {
  it('is refused by the database while its triggers stand', async () => {
    tamper(dir, (raw) => {
      const row = raw.rows()[1];
      expect(() => raw.insert(sealAs({ ...row, actor: 'someone-else' }, WRONG_KEY), 'INSERT OR REPLACE')).toThrow(
        /takes only the next event/,
      );
    });
    expect((await verifyDir(dir)).code).toBe(0);
  });

  it('is found when a writer drops the trigger to force it, even after putting the trigger back', async () => {
    tamper(dir, (raw) => {
      const trigger = raw.triggerSql('audit_events_next_seq_only');
      raw.exec('DROP TRIGGER audit_events_next_seq_only');
      const row = raw.rows()[1];
      raw.insert(sealAs({ ...row, actor: 'someone-else' }, WRONG_KEY), 'INSERT OR REPLACE');
      raw.exec(trigger);
    });
    const report = await expectBroken(/^broken: event 2 was edited: its MAC does not match its contents/);
    expect(report).not.toContain('trigger');
  });
});

describe('the anchor', () => {
  it('is reported missing when its file is deleted', async () => {
    await rm(dir.anchorFile);
    await expectBroken(/^broken: anchor missing: .*audit-anchor\.jsonl does not exist, but the log holds 5 events/);
  });

  it('is reported when a line is not one the platform wrote', async () => {
    await appendFile(dir.anchorFile, `${JSON.stringify({ seq: 99, hash: 'a'.repeat(64), mac: 'b'.repeat(64) })}\n`);
    await expectBroken(/^broken: the anchor .*audit-anchor\.jsonl line 6 is not an anchor the platform wrote/);
  });

  it('takes the highest anchored event, not the last line: lines from several processes arrive out of order', async () => {
    const lines = (await import('node:fs/promises')).readFile(dir.anchorFile, 'utf8');
    const shuffled = (await lines).trim().split('\n').reverse();
    await writeFile(dir.anchorFile, `${shuffled.join('\n')}\n`);
    expect((await verifyDir(dir)).code).toBe(0);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events WHERE seq = 5');
    });
    await expectBroken(/^broken: truncated after 4/);
  });

  it('lets events past the anchored head stand when their MACs hold (a stop between storing and anchoring), and anchors them at the next start', async () => {
    const key = await auditKey(dir);
    tamper(dir, (raw) => {
      const last = raw.rows().at(-1) as Row;
      // The platform's own seal, written without its anchor line: what a crash right after the commit leaves.
      raw.insert(sealAs({ ...last, seq: 6, type: 'test.6', details: '{"i":6}', prev_hash: last.hash }, { kind: 'wrong-key', key }));
    });
    const run = await verifyDir(dir);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('note: events 6 to 6 are not anchored yet');
    const { audit, close } = await openAudit(dir);
    await audit.anchorHead();
    await close();
    const after = await verifyDir(dir);
    expect(after.stdout).toMatch(/^intact \(6 events, head 6 [0-9a-f]{12}\)\n$/);
  });
});

describe('a log from before keyed chaining', () => {
  async function legacyLog(count: number): Promise<void> {
    await dir.cleanup();
    dir = await createAuditDir();
    const { close } = await openAudit(dir);
    await close();
    // Unseal: no key and no anchor, as the platform left them before keyed chaining.
    await rm(dir.folder, { recursive: true });
    tamper(dir, (raw) => {
      let prev = '0'.repeat(64);
      for (let seq = 1; seq <= count; seq++) {
        const row = {
          seq,
          occurred_at: '2026-01-01T00:00:00.000Z',
          type: 'auth.sign_in',
          actor: `user-${seq}`,
          outcome: 'success',
          details: '{}',
          prev_hash: prev,
          hash: '',
          chain: 'sha256',
        };
        row.hash = hashAuditEvent({ ...row, occurredAt: row.occurred_at, prevHash: row.prev_hash });
        raw.insert(row);
        prev = row.hash;
      }
    });
  }

  it('verifies intact with keyed events after it, the first keyed event chained onto the last unkeyed one', async () => {
    await legacyLog(3);
    const before = await verifyDir(dir);
    expect(before.code, before.stdout).toBe(0);
    expect(before.stdout).toContain('no anchor yet');
    const { audit, close } = await openAudit(dir);
    expect((await audit.verify()).intact).toBe(true);
    await audit.anchorHead();
    const keyed = await audit.append({ type: 'test.keyed', actor: null, outcome: 'success', details: {} });
    await close();
    expect(keyed).toMatchObject({ seq: 4, chain: 'hmac-sha256' });
    expect((await verifyDir(dir)).stdout).toMatch(/^intact \(4 events, head 4 /);
  });

  it('finds the unkeyed events rewritten (and re-hashed) once a keyed event follows them', async () => {
    await legacyLog(3);
    const { audit, close } = await openAudit(dir);
    await audit.anchorHead();
    await audit.append({ type: 'test.keyed', actor: null, outcome: 'success', details: {} });
    await close();
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2");
      for (const seq of [2, 3]) {
        const rows = raw.rows();
        const row = rows[seq - 1];
        const resealed = sealAs({ ...row, prev_hash: rows[seq - 2].hash }, UNKEYED);
        raw.db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(resealed.prev_hash, resealed.hash, seq);
      }
    });
    await expectBroken(/^broken: the events up to 3 were rewritten: event 4 points back to a different event 3/);
  });
});

describe('the newest events deleted while the platform runs, and the platform appending after', () => {
  /** Deletes the events from `from` on, putting the delete trigger back exactly as it was (the guards then check out). */
  function deleteFrom(from: number): void {
    tamper(dir, (raw) => {
      const trigger = raw.triggerSql('audit_events_no_delete');
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec(`DELETE FROM audit_events WHERE seq >= ${from}`);
      raw.exec(trigger);
    });
  }

  const append = (audit: AuditLog, i: number) => audit.append({ type: `test.${i}`, actor: 'u', outcome: 'success', details: { i } });
  const storedSeqs = (): number[] => {
    let seqs: number[] = [];
    tamper(dir, (raw) => (seqs = raw.rows().map((row) => row.seq)));
    return seqs;
  };

  it('is not written over: the running platform refuses to append, saying why, and verify finds the cut', async () => {
    const { audit, close } = await openAudit(dir);
    try {
      for (let i = 6; i <= 10; i++) await append(audit, i);
      deleteFrom(8);
      await expect(append(audit, 11)).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(
          /^The audit log was cut back: event 10 was anchored, but the last event in the database is 7\. /,
        ) as unknown,
      });
      expect((await audit.verify()).intact).toBe(false);
    } finally {
      await close();
    }
    expect(storedSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await expectBroken(/^broken: truncated after 7: event 7 is the last one left, but the anchor says the log reached event 10/);
  });

  it('is refused by a platform started after the deletion too: it reads the anchor’s head', async () => {
    deleteFrom(4);
    const { audit, close } = await openAudit(dir);
    try {
      await expect(append(audit, 6)).rejects.toThrow(
        /^The audit log was cut back: event 5 was anchored, but the last event in the database is 3\./,
      );
    } finally {
      await close();
    }
    expect(storedSeqs()).toEqual([1, 2, 3]);
  });

  it('is refused on the head this process anchored, even when the anchor file is gone (identity/ renamed aside)', async () => {
    const { audit, close } = await openAudit(dir);
    try {
      await append(audit, 6);
      await rename(dir.folder, `${dir.folder}.aside`);
      deleteFrom(5);
      await expect(append(audit, 7)).rejects.toThrow(
        /^The audit log was cut back: event 6 was anchored, but the last event in the database is 4\./,
      );
    } finally {
      await close();
    }
  });

  it('is refused when another event stands under the anchored number (the newest event replaced)', async () => {
    tamper(dir, (raw) => {
      const rows = raw.rows();
      raw.dropTriggers();
      raw.exec('DELETE FROM audit_events WHERE seq = 5');
      raw.insert(sealAs({ ...rows[4], actor: 'someone-else' }, WRONG_KEY));
    });
    const { audit, close } = await openAudit(dir);
    try {
      await expect(append(audit, 6)).rejects.toThrow(
        /^The audit log was rewritten: event 5 in the database is not the event that was anchored\./,
      );
    } finally {
      await close();
    }
  });

  it('is found by verify when the deleted events’ anchor lines land after those of the events written over them', async () => {
    // The window between a commit and its anchor line: a writer has stored events 6 to 10 and anchored only up to 7
    // when they are deleted; another writer, seeing head 7, writes new events 8 to 11; then the late lines arrive.
    await writeEvents(dir, 5);
    const lines = (await readFile(dir.anchorFile, 'utf8')).trim().split('\n');
    await writeFile(dir.anchorFile, `${lines.slice(0, 7).join('\n')}\n`);
    deleteFrom(8);
    await writeEvents(dir, 4);
    await appendFile(dir.anchorFile, `${lines.slice(7).join('\n')}\n`);
    await expectBroken(
      /^broken: the anchor records two different events numbered 8 to 10: the log was cut back to event 7 and written again from there/,
    );
  });
});

describe('a broken log’s report', () => {
  it('names every bad event, not only the first: an edit behind a decoy edit is shown too', async () => {
    await writeEvents(dir, 10);
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec(`UPDATE audit_events SET details = '{"i":"harmless"}' WHERE seq = 3`);
      raw.exec("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 15");
    });
    const report = await expectBroken(/^broken: event 3 was edited: its MAC does not match its contents/);
    expect(report).toContain('also: event 15 was edited: its MAC does not match its contents');
  });

  it('prints at most 50 problems, says how many more there are, and ends with the token that accepts it', async () => {
    await writeEvents(dir, 55);
    tamper(dir, (raw) => {
      raw.exec('DROP TRIGGER audit_events_no_update');
      raw.exec("UPDATE audit_events SET actor = 'someone-else'");
    });
    const lines = (await expectBroken(/^broken: event 1 was edited/)).trim().split('\n');
    expect(lines.filter((line) => /^(broken|also): event \d+ was edited/.test(line))).toHaveLength(50);
    // 60 edited events and the missing trigger: 11 not printed.
    expect(lines).toContain('also: 11 more problems not printed here');
    expect(lines.at(-1)).toMatch(
      /^token: [0-9a-f]{16} \(to start the platform on this log anyway: --accept-broken-audit-log=[0-9a-f]{16}; /,
    );
  });

  it('comes within a second when a stored seq is made enormous: where a row was written is looked up, not searched for', async () => {
    await writeEvents(dir, 15);
    tamper(dir, (raw) => {
      raw.dropTriggers();
      raw.exec(`UPDATE audit_events SET details = '{}' WHERE seq = 2`);
      raw.exec('UPDATE audit_events SET seq = 1000000000000 WHERE seq = 20');
    });
    const started = performance.now();
    const report = await expectBroken(/^broken: event 2 was edited/);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(report).toContain('also: event 1000000000000 was renumbered: it was written as event 20');
  });
});

describe('the audit key gone', () => {
  const keyFile = (): string => path.join(dir.folder, 'audit-key.json');
  /** Deletes every event and puts the delete trigger back: nothing but the anchor and the store says there were any. */
  function emptyTable(): void {
    tamper(dir, (raw) => {
      const trigger = raw.triggerSql('audit_events_no_delete');
      raw.exec('DROP TRIGGER audit_events_no_delete');
      raw.exec('DELETE FROM audit_events');
      raw.exec(trigger);
    });
  }

  it('from a log of keyed events: no new key is made, the report says the key is missing, and nothing is appended', async () => {
    await rm(keyFile());
    const { audit, close } = await openAudit(dir);
    try {
      expect(describeAuditReport(await audit.verify())).toMatch(
        /^broken: event 1 cannot be checked: the audit key .*audit-key\.json is missing, and 5 events in the log are sealed with it/,
      );
      await expect(audit.append({ type: 'test.6', actor: null, outcome: 'success', details: {} })).rejects.toThrow(
        /^The audit key .*audit-key\.json is missing, but the audit log was sealed with it before/,
      );
    } finally {
      await close();
    }
    expect(existsSync(keyFile())).toBe(false);
  });

  it('with every event deleted but the anchor left: truncated after 0, not a new log', async () => {
    await rm(keyFile());
    emptyTable();
    const { audit, close } = await openAudit(dir);
    try {
      expect(describeAuditReport(await audit.verify())).toMatch(
        /^broken: truncated after 0: every event is gone and the audit key .*audit-key\.json is missing, but the anchor .*audit-anchor\.jsonl exists/,
      );
    } finally {
      await close();
    }
    expect(existsSync(keyFile())).toBe(false);
  });

  it('with identity/ renamed aside and every event deleted, in a store set up at an earlier start: truncated after 0', async () => {
    await dir.cleanup();
    dir = await createAuditDir();
    const first = await openRecords(dir);
    // A new store, seeded at this open: a new log, keyed here.
    expect((await first.audit.verify()).intact).toBe(true);
    expect(existsSync(keyFile())).toBe(true);
    await first.audit.append({ type: 'test.1', actor: null, outcome: 'success', details: {} });
    await first.close();
    await rename(dir.folder, `${dir.folder}.aside`);
    emptyTable();
    const again = await openRecords(dir);
    try {
      expect(describeAuditReport(await again.audit.verify())).toMatch(
        /^broken: truncated after 0: every event is gone and the audit key .*audit-key\.json is missing, but the metadata store was set up at an earlier start/,
      );
    } finally {
      await again.close();
    }
    expect(existsSync(keyFile())).toBe(false);
    expect((await verifyDir(dir)).stdout).toMatch(/^broken: truncated after 0: every event is gone/);
  });
});
