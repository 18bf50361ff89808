// The operator's drive commands on the platform's host (src/cli/platform-drives.ts), beside a running platform:
// `drives set` changes a project drive's quota, versions kept and trash days (the drive then answers them), and
// `drives restored` moves every drive's epoch on (a workstation's journal made before then resyncs). Each is an audit
// event naming the operator; bad input exits 2 and changes nothing.
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriveInfo } from '../../../../src/common/drives.ts';
import { runPlatformDrives } from '../../../../src/cli/platform-drives.ts';
import { createPlatformServer, type PlatformServer } from '../../../../src/platform/server.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from '../fixture.ts';
import { captureCli } from '../serve-process.ts';

const PROJECT = 'opt-out-monitoring';

let fixture: PlatformFixture;
let server: PlatformServer;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

function drives(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return captureCli(runPlatformDrives, args);
}

/** The drive as a member sees it (which also makes it, on first use). */
async function info(): Promise<DriveInfo> {
  const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst-2' });
  const answer = await server.app.inject({
    method: 'GET',
    url: `/api/v1/drives/${PROJECT}`,
    headers: { authorization: `Bearer ${token}` },
  });
  expect(answer.statusCode).toBe(200);
  return answer.json<DriveInfo>();
}

/** The audit log's events of a type, oldest first, read beside the running server. */
function auditEvents(type: string): Array<{ details: Record<string, unknown> }> {
  const db = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    const rows = db.prepare('SELECT details FROM audit_events WHERE type = ? ORDER BY seq').all(type) as Array<{ details: string }>;
    return rows.map((row) => ({ details: JSON.parse(row.details) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

describe('enclave platform drives', () => {
  it('sets a drive’s quota, versions kept and trash days; the drive answers them; the audit log names the operator', async () => {
    await info();
    const run = await drives([
      'set',
      '--data-dir',
      fixture.dataDir,
      '--project',
      PROJECT,
      '--quota-gib',
      '0.5',
      '--keep-versions',
      '3',
      '--trash-days',
      '7',
      '--reason',
      'Agreed with the data controller.',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^The drive of opt-out-monitoring: quota 0\.50 GiB, 3 earlier versions kept, trash kept 7 days\. Recorded in the audit log as event \d+\.\n$/,
    );
    expect(await info()).toMatchObject({ quotaBytes: 512 * 1024 ** 2, keepVersions: 3, trashDays: 7 });
    const [event] = auditEvents('drive.settings_changed').slice(-1);
    expect(event?.details).toMatchObject({
      operator: os.userInfo().username,
      projectId: PROJECT,
      after: { keepVersions: 3, trashDays: 7 },
    });
  });

  it('moves every drive to a new epoch after a restore from backup', async () => {
    const before = await info();
    const run = await drives(['restored', '--data-dir', fixture.dataDir, '--reason', 'Restored from the backup of 02:00.']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+ drives? moved to a new epoch/);
    expect((await info()).epoch).toBe(before.epoch + 1);
    expect(auditEvents('drive.epoch_bumped').length).toBeGreaterThan(0);
  });

  it.each([
    [['set', '--data-dir', '.', '--project', PROJECT, '--reason', 'x'], /--reason must say why/],
    [['set', '--project', PROJECT, '--quota-gib', '1', '--reason', 'Because.'], /--data-dir is required/],
    [
      ['set', '--data-dir', '.', '--project', 'Not A Project', '--quota-gib', '1', '--reason', 'Because.'],
      /--project must be a project id/,
    ],
    [['set', '--data-dir', '.', '--project', PROJECT, '--reason', 'Because.'], /Say what to change/],
    [
      ['set', '--data-dir', '.', '--project', PROJECT, '--quota-gib', '0', '--reason', 'Because.'],
      /--quota-gib must be a number of GiB above 0/,
    ],
    [
      ['set', '--data-dir', '.', '--project', PROJECT, '--keep-versions', '1.5', '--reason', 'Because.'],
      /--keep-versions must be a whole number from 0 to 1000/,
    ],
    [
      ['set', '--data-dir', '.', '--project', PROJECT, '--trash-days', '0', '--reason', 'Because.'],
      /--trash-days must be a whole number from 1 to 3650/,
    ],
    [['restored', '--data-dir', '.', '--reason', 'a\u001b[2Jb'], /--reason must not hold control characters/],
    [['unmount'], /unknown command "unmount"/],
  ])('refuses %j with exit 2, changing nothing', async (args, message) => {
    const before = await info();
    const run = await drives(args.map((arg) => (arg === '.' ? fixture.dataDir : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(await info()).toEqual(before);
  });

  it('refuses a project whose drive was never made, changing nothing', async () => {
    const run = await drives([
      'set',
      '--data-dir',
      fixture.dataDir,
      '--project',
      'no-such-project',
      '--quota-gib',
      '1',
      '--reason',
      'Because.',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no-such-project has no drive yet.*Nothing was changed/);
  });
});
