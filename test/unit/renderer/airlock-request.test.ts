// A release request's page in words: what stands in the way of submitting (the platform's own rules, said before the
// analyst tries), exception texts drafted from the engine's check, where comments are anchored, which view of a request
// is newer, supporting files by their names, and the released outputs' export formats and outcomes.
import { describe, expect, it } from 'vitest';
import type { Comment, ReleasedOutput, RequestDetail, RequestFile } from '../../../src/common/airlock.ts';
import type { OutputCheck } from '../../../src/common/output-check.ts';
import { EXCEPTION_PROMPT, exceptionAnswered, exceptionDraft, needsException } from '../../../renderer/src/airlock/exception-draft.ts';
import { exportFormats, exportNews, releasedWhat } from '../../../renderer/src/airlock/released-text.ts';
import {
  anchorText,
  cellText,
  commentsOn,
  currentFiles,
  fileRoleText,
  submitProblems,
  supportingMediaType,
} from '../../../renderer/src/airlock/request-text.ts';
import { newerRequest } from '../../../renderer/src/airlock/use-request.ts';

const HASH = 'a'.repeat(64);
const AT = '2026-12-10T12:00:00.000Z';

function file(overrides: Partial<RequestFile> & Pick<RequestFile, 'id' | 'name'>): RequestFile {
  return {
    role: 'output',
    kind: 'frequency',
    title: overrides.name,
    fileVersion: 1,
    sha256: HASH,
    addedAt: AT,
    withdrawn: false,
    verdict: 'pass',
    mitigation: 'none',
    exception: null,
    decision: 'undecided',
    votes: { visible: [], hidden: 0 },
    changedSinceReview: false,
    ...overrides,
  };
}

const FILE_A = `file-${'a'.repeat(20)}`;
const FILE_B = `file-${'b'.repeat(20)}`;
const FILE_C = `file-${'c'.repeat(20)}`;

function request(overrides: Partial<RequestDetail> = {}): RequestDetail {
  return {
    id: `req-${'1'.repeat(20)}`,
    projectId: 'cardio-admissions',
    projectName: 'Cardiac admissions',
    title: 'Admissions by age',
    state: 'PENDING',
    author: { id: 'demo-analyst', name: 'Ada Analyst' },
    createdAt: AT,
    submittedAt: null,
    updatedAt: AT,
    version: 3,
    files: [],
    outputs: 0,
    context: { description: 'Admissions by age band.', population: 'Adults admitted 2020–2024.', relationship: 'None released before.' },
    comments: [],
    reviews: [],
    history: [],
    round: 0,
    myRole: 'author',
    actions: ['edit', 'submit', 'withdraw', 'comment'],
    ...overrides,
  };
}

describe('what stands in the way of submitting', () => {
  it('is nothing for a request with a passing output and its context filled', () => {
    expect(submitProblems(request({ files: [file({ id: FILE_A, name: 'ages.json' })] }))).toEqual([]);
  });

  it('is an output file, when it holds none (withdrawn and supporting files do not count)', () => {
    const detail = request({
      files: [
        file({ id: FILE_A, name: 'old.json', withdrawn: true }),
        file({ id: FILE_B, name: 'code.sql', role: 'supporting', kind: null, title: null, verdict: null, mitigation: null }),
      ],
    });
    expect(submitProblems(detail)).toEqual(['Add at least one output file (from a result, with “Make an output”).']);
  });

  it('names each empty part of the context', () => {
    const detail = request({
      files: [file({ id: FILE_A, name: 'ages.json' })],
      context: { description: 'Admissions.', population: ' ', relationship: '' },
    });
    expect(submitProblems(detail)).toEqual(['Fill in the context: the population and denominator, the relationship to earlier outputs.']);
  });

  it('names every output that is not pass and has no saved exception text, and those typed but not saved', () => {
    const detail = request({
      files: [
        file({ id: FILE_A, name: 'ages.json', title: 'Admissions by age', verdict: 'flag' }),
        file({ id: FILE_B, name: 'sex.json', title: 'Admissions by sex', verdict: 'review', exception: 'Said why.' }),
        file({ id: FILE_C, name: 'pass.json', verdict: 'pass' }),
      ],
    });
    expect(submitProblems(detail)).toEqual(['Write the exception text of “Admissions by age”: the engine’s verdict is flag.']);
    expect(submitProblems(detail, [FILE_A, FILE_B])).toEqual([
      'Save the exception text of “Admissions by age”.',
      'Save the exception text of “Admissions by sex”.',
    ]);
  });

  it('refuses an exception text that is the engine’s draft with its last question unanswered', () => {
    const draft = 'The engine’s verdict is flag.\n- 1 unsafe cells are published.\nWhy it is safe to release as it is:';
    const unanswered = request({
      files: [file({ id: FILE_A, name: 'ages.json', title: 'Admissions by age', verdict: 'flag', exception: draft })],
    });
    const answered = request({
      files: [
        file({
          id: FILE_A,
          name: 'ages.json',
          title: 'Admissions by age',
          verdict: 'flag',
          exception: `${draft} the band is published by ONS.`,
        }),
      ],
    });

    expect(submitProblems(unanswered)).toEqual([
      'Say in the exception text of “Admissions by age” why it is safe to release as it is (the draft’s last line asks it).',
    ]);
    expect(submitProblems(answered)).toEqual([]);
  });

  it('sorts files into outputs, supporting files and withdrawn ones', () => {
    const supporting = file({ id: FILE_B, name: 'code.sql', role: 'supporting', kind: null, title: null, verdict: null, mitigation: null });
    const withdrawn = file({ id: FILE_C, name: 'old.json', withdrawn: true });
    const output = file({ id: FILE_A, name: 'ages.json' });
    expect(currentFiles(request({ files: [supporting, withdrawn, output] }))).toEqual({
      outputs: [output],
      supporting: [supporting],
      withdrawn: [withdrawn],
    });
    expect(fileRoleText(output)).toBe('Output: frequency table');
    expect(fileRoleText(supporting)).toBe('Supporting file (for the output checkers; never released)');
  });
});

const CHECK: Pick<OutputCheck, 'verdict' | 'suggestion' | 'flags' | 'notes'> = {
  verdict: 'flag',
  suggestion: {
    text: 'suppress 2 cells (1 primary, 1 secondary)',
    apply: { kind: 'suppressed', roundingBase: null },
    primary: 1,
    secondary: 1,
  },
  flags: [],
  notes: ['1 cell is below the threshold of 10'],
};

describe('an exception text drafted from the check', () => {
  it('is needed for flag and review, not for pass or a supporting file', () => {
    expect(needsException('flag')).toBe(true);
    expect(needsException('review')).toBe(true);
    expect(needsException('pass')).toBe(false);
    expect(needsException(null)).toBe(false);
    expect(exceptionDraft({ ...CHECK, verdict: 'pass' })).toBeNull();
  });

  it('says the verdict, what the engine found and the suggested mitigation, then asks why it is safe', () => {
    expect(exceptionDraft(CHECK)).toBe(
      [
        'The engine’s verdict is flag.',
        '- 1 cell is below the threshold of 10.',
        'Suggested mitigation: suppress 2 cells (1 primary, 1 secondary).',
        EXCEPTION_PROMPT,
      ].join('\n'),
    );
  });

  it('lists the review flags, and says when no mitigation clears it', () => {
    const draft = exceptionDraft({
      verdict: 'review',
      suggestion: null,
      notes: [],
      flags: [
        {
          code: 'class_disclosure',
          verdict: 'review',
          message: 'Every contributor of row sex F falls in one category',
          cells: [],
          earlier: null,
        },
      ],
    });
    expect(draft).toBe(
      [
        'The engine’s verdict is review.',
        '- Every contributor of row sex F falls in one category.',
        'No mitigation clears it: an output checker must judge it.',
        EXCEPTION_PROMPT,
      ].join('\n'),
    );
  });

  it('counts as answered once the analyst writes after the prompt, or writes their own text', () => {
    const draft = exceptionDraft(CHECK) ?? '';
    expect(exceptionAnswered(draft)).toBe(false);
    expect(exceptionAnswered(`${draft} The small cell is a structural zero.`)).toBe(true);
    expect(exceptionAnswered('Published by ONS already.')).toBe(true);
    expect(exceptionAnswered('   ')).toBe(false);
  });
});

describe('comments', () => {
  const comment = (overrides: Partial<Comment>): Comment => ({
    id: `cmt-${'0'.repeat(20)}`,
    fileId: null,
    cell: null,
    visibility: 'public',
    text: 'Please round.',
    author: { id: 'demo-checker-1', name: 'Chloe Checker' },
    at: AT,
    ...overrides,
  });
  const files = [file({ id: FILE_A, name: 'ages.json', title: 'Admissions by age' })];

  it('say where they are anchored: the request, a file, a cell of a file', () => {
    expect(anchorText(comment({}), files)).toBe('On the whole request');
    expect(anchorText(comment({ fileId: FILE_A }), files)).toBe('On “Admissions by age”');
    expect(anchorText(comment({ fileId: FILE_A, cell: { sex: 'F', age_band: '40-49' } }), files)).toBe(
      'On “Admissions by age”, cell sex F, age_band 40-49',
    );
    expect(anchorText(comment({ fileId: FILE_B }), files)).toBe('On a file no longer in the request');
  });

  it('name a total as "all" of its dimension', () => {
    expect(cellText({ sex: '*', year: 2024 })).toBe('all sex, year 2024');
    expect(cellText({})).toBe('the whole table');
  });

  it('are grouped by the file they are anchored to', () => {
    const onRequest = comment({ id: `cmt-${'1'.repeat(20)}` });
    const onFile = comment({ id: `cmt-${'2'.repeat(20)}`, fileId: FILE_A });
    expect(commentsOn([onRequest, onFile], null)).toEqual([onRequest]);
    expect(commentsOn([onRequest, onFile], FILE_A)).toEqual([onFile]);
  });
});

describe('the view of a request a page shows', () => {
  const id = `req-${'1'.repeat(20)}`;
  it('is the newer by version; an action’s answer wins a tie; another request’s is ignored', () => {
    const v3 = request({ version: 3 });
    const v4 = request({ version: 4 });
    expect(newerRequest(v3, v4, id)).toBe(v4);
    expect(newerRequest(v4, v3, id)).toBe(v4);
    const again = request({ version: 4 });
    expect(newerRequest(v4, again, id)).toBe(again);
    expect(newerRequest(null, v3, id)).toBe(v3);
    expect(newerRequest(v3, null, id)).toBe(v3);
    expect(newerRequest(request({ id: `req-${'2'.repeat(20)}`, version: 9 }), v3, id)).toBe(v3);
    expect(newerRequest(null, null, id)).toBeNull();
  });
});

describe('a supporting file picked from disk', () => {
  it('is taken as plain text, CSV, Markdown or SQL by its name, and nothing else', () => {
    expect(supportingMediaType('analysis.sql')).toBe('text/x-sql');
    expect(supportingMediaType('DICTIONARY.CSV')).toBe('text/csv');
    expect(supportingMediaType('notes.md')).toBe('text/markdown');
    expect(supportingMediaType('run.log')).toBe('text/plain');
    expect(supportingMediaType('readme.txt')).toBe('text/plain');
    expect(supportingMediaType('table.xlsx')).toBeNull();
    expect(supportingMediaType('script')).toBeNull();
  });
});

describe('released outputs', () => {
  const released = (overrides: Partial<ReleasedOutput>): ReleasedOutput => ({
    fileId: FILE_A,
    requestId: `req-${'1'.repeat(20)}`,
    requestTitle: 'Admissions by age',
    name: 'ages.json',
    title: 'Admissions by age band',
    kind: 'frequency',
    sha256: HASH,
    releasedAt: AT,
    releasedBy: { id: 'demo-checker-1', name: 'Chloe Checker' },
    reviewers: ['Chloe Checker', 'Chidi Checker'],
    rules: 'default',
    revoked: null,
    dimensions: ['age_band', 'sex'],
    ...overrides,
  });

  it('export as xlsx and CSV, a chart as SVG too, and a revoked one not at all', () => {
    expect(exportFormats(released({}))).toEqual(['xlsx', 'csv']);
    expect(exportFormats(released({ kind: 'regression', dimensions: [] }))).toEqual(['xlsx', 'csv']);
    expect(exportFormats(released({ kind: 'chart' }))).toEqual(['xlsx', 'csv', 'svg']);
    expect(
      exportFormats(released({ kind: 'chart', revoked: { at: AT, by: { id: 'demo-admin', name: 'Dana Admin' }, reason: 'Wrong year.' } })),
    ).toEqual([]);
  });

  it('say what an export did: saved where, downloading, or nothing saved', () => {
    expect(exportNews({ kind: 'saved', path: '/home/ada/ages.xlsx' }, 'Admissions', 'xlsx')).toBe(
      'Saved “Admissions” as Excel (xlsx) to /home/ada/ages.xlsx.',
    );
    expect(exportNews({ kind: 'download', url: '/export/abc', fileName: 'ages.csv' }, 'Admissions', 'csv')).toBe(
      'Downloading “ages.csv”: the browser saves it where it keeps downloads.',
    );
    expect(exportNews({ kind: 'cancelled' }, 'Admissions', 'svg')).toBe(
      'Nothing was saved: the save dialog was closed before “Admissions” was written.',
    );
  });

  it('say what they are', () => {
    expect(releasedWhat(released({}))).toBe('Frequency table over age_band, sex');
    expect(releasedWhat(released({ kind: 'regression', dimensions: [] }))).toBe('Regression summary');
  });
});
