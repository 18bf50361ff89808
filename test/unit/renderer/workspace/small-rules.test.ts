// The small rules of the workspace screen: tab names, the saver's keys, the project a reload comes back to, what the
// sign-in screen says after a sign-out, and how far a sample's load has got.
import { describe, expect, it } from 'vitest';
import { receivedText } from '../../../../renderer/src/catalogue/sample-progress.ts';
import { clearedText } from '../../../../renderer/src/shell/cleared-text.ts';
import { lastProject, rememberProject, type StorageLike } from '../../../../renderer/src/workspace/last-project.ts';
import { titleProblem } from '../../../../renderer/src/workspace/tab-title.ts';
import { parseTabKey, tabKey } from '../../../../renderer/src/workspace/use-project-workspace.ts';

function memoryStorage(): StorageLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

describe('tab names', () => {
  it('takes 1 to 120 characters once trimmed, without control characters, and says why not', () => {
    expect(titleProblem('  Admissions by age ')).toBeNull();
    expect(titleProblem('   ')).toBe('A tab needs a name.');
    expect(titleProblem('x'.repeat(121))).toBe('A tab name can be at most 120 characters.');
    expect(titleProblem('x'.repeat(120))).toBeNull();
    expect(titleProblem('line\nbreak')).toBe('A tab name cannot hold control characters.');
  });
});

describe("the saver's keys", () => {
  it('name a project and a tab, and read back whole', () => {
    const key = tabKey('covid-outcomes', '6f1c2b1e-4f0a-4c1e-9a8e-3d2f1b0c9a7d');
    expect(parseTabKey(key)).toEqual({ projectId: 'covid-outcomes', tabId: '6f1c2b1e-4f0a-4c1e-9a8e-3d2f1b0c9a7d' });
    expect(tabKey('a', 'b')).not.toBe(tabKey('b', 'a'));
  });
});

describe('the project a reload comes back to', () => {
  it("is this window's last, per user: another user's choice is not theirs", () => {
    const storage = memoryStorage();
    rememberProject('ada', 'covid-outcomes', storage);

    expect(lastProject('ada', storage)).toBe('covid-outcomes');
    expect(lastProject('ben', storage)).toBeNull();
  });

  it('is none, without an error, when the window has no storage or it refuses', () => {
    const refusing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(() => rememberProject('ada', 'x', refusing)).not.toThrow();
    expect(lastProject('ada', refusing)).toBeNull();
    expect(lastProject('ada', null)).toBeNull();
  });
});

describe('after a sign-out', () => {
  it('says the workspace stays for the same person, and how many window-only tables were cleared', () => {
    expect(clearedText(0)).toBe(
      'Your projects’ local tables stay on this computer in your private workspace, for your next sign-in. Nothing was kept in this window.',
    );
    expect(clearedText(1)).toMatch(/^Tables kept in this window only were cleared \(1 table\)\. /);
    expect(clearedText(1204)).toMatch(/\(1,204 tables\)/);
  });
});

describe("a sample's progress", () => {
  it('reads bytes received and rows loaded, with or without a total', () => {
    expect(receivedText({ done: 1536, total: 3 * 1024 * 1024, unit: 'bytes' })).toBe('1.5 KB of 3.0 MB');
    expect(receivedText({ done: 2048, total: null, unit: 'bytes' })).toBe('2.0 KB');
    expect(receivedText({ done: 20_000, total: 100_000, unit: 'rows' })).toBe('20,000 of 100,000 rows');
    expect(receivedText({ done: 1, total: null, unit: 'rows' })).toBe('1 row');
  });

  it('says nothing before anything has arrived, or for steps', () => {
    expect(receivedText(null)).toBeNull();
    expect(receivedText({ done: 0, total: 10, unit: 'bytes' })).toBeNull();
    expect(receivedText({ done: 2, total: 3, unit: 'steps' })).toBeNull();
  });
});
