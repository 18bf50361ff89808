// A blob's lifetime under concurrency (issue 17): a collect looks at the pins, asks the records whether any version
// holds the blob, then deletes it. A write of the same bytes that pins the blob while that collect is between its look
// and its unlink must not end up naming a deleted blob: the pin waits for the collect (a per-SHA-256 lock), then the
// blob is installed again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDriveHarness, put, readAll, sha256, type DriveHarness } from './support.ts';

let h: DriveHarness;
beforeEach(async () => {
  h = await createDriveHarness({ keepVersions: 0 });
});
afterEach(async () => {
  await h.close();
});

/** Holds the first records look-up of a blob's references after it has answered, until `release` is called. */
function holdFirstReferenceCheck(harness: DriveHarness): { reached: Promise<string>; release: () => void } {
  const drives = (harness.records.store as unknown as { drives: { blobReferenced: (sha: string) => Promise<boolean> } }).drives;
  const original = drives.blobReferenced.bind(drives);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reach!: (sha: string) => void;
  const reached = new Promise<string>((resolve) => (reach = resolve));
  let first = true;
  drives.blobReferenced = async (sha) => {
    const answer = await original(sha);
    if (first) {
      first = false;
      reach(sha);
      await held;
    }
    return answer;
  };
  return { reached, release };
}

describe('a collect and a pin of the same bytes at once', () => {
  it('keeps the blob a write of the same bytes commits while the old version of them is being collected', async () => {
    await put(h.service, { who: 'ada', path: 'a.txt', content: 'the same bytes' });
    const gate = holdFirstReferenceCheck(h);
    // Ada overwrites a.txt: its only earlier version (those bytes) is dropped and collected.
    const adaWrite = put(h.service, { who: 'ada', path: 'a.txt', content: 'new content' });
    expect(await gate.reached).toBe(sha256('the same bytes'));
    // Meanwhile Bob saves the same bytes as another file: its pin waits for the collect, then installs them again.
    const bobWrite = put(h.service, { who: 'bob', path: 'b.txt', content: 'the same bytes' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.release();
    await Promise.all([adaWrite, bobWrite]);
    expect(await readAll(h.service, 'bob', 'b.txt')).toEqual(Buffer.from('the same bytes'));
    expect(await readAll(h.service, 'ada', 'a.txt')).toEqual(Buffer.from('new content'));
  });
});
