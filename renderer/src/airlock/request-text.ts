// A release request's page in words (issue 16), pure: what still stands in the way of submitting it, where a comment is
// anchored (the request, a file, a cell of a file), what each step of its history was, and what kind of text a
// supporting file picked from disk holds.
import {
  missingContext,
  OUTPUT_KIND_WORDS,
  type CellKey,
  type Comment,
  type HistoryEntry,
  type RequestDetail,
  type RequestFile,
} from '../../../src/common/airlock.ts';
import type { SupportingFile } from '../../../src/common/outputs.ts';
import { exceptionAnswered, needsException } from './exception-draft.ts';

/** The files the request holds now, outputs first (withdrawn ones are listed apart). */
export function currentFiles(detail: Pick<RequestDetail, 'files'>): {
  outputs: RequestFile[];
  supporting: RequestFile[];
  withdrawn: RequestFile[];
} {
  const live = detail.files.filter((file) => !file.withdrawn);
  return {
    outputs: live.filter((file) => file.role === 'output'),
    supporting: live.filter((file) => file.role === 'supporting'),
    withdrawn: detail.files.filter((file) => file.withdrawn),
  };
}

/**
 * What must change before the request can be submitted, in words (empty: nothing): the same rules the platform applies
 * on submission, said before the analyst tries. `unsavedExceptions` names outputs whose exception text is typed but not
 * saved yet (only the saved text counts).
 */
export function submitProblems(detail: Pick<RequestDetail, 'files' | 'context'>, unsavedExceptions: readonly string[] = []): string[] {
  const problems: string[] = [];
  const { outputs } = currentFiles(detail);
  if (outputs.length === 0) problems.push('Add at least one output file (from a result, with “Make an output”).');
  const missing = missingContext(detail.context);
  if (missing.length > 0) problems.push(`Fill in the context: ${missing.join(', ')}.`);
  for (const file of outputs) {
    if (!needsException(file.verdict)) continue;
    const name = fileLabel(file);
    if (unsavedExceptions.includes(file.id)) problems.push(`Save the exception text of “${name}”.`);
    else if ((file.exception ?? '').trim() === '')
      problems.push(`Write the exception text of “${name}”: the engine’s verdict is ${file.verdict ?? 'unknown'}.`);
    else if (!exceptionAnswered(file.exception ?? ''))
      problems.push(`Say in the exception text of “${name}” why it is safe to release as it is (the draft’s last line asks it).`);
  }
  return problems;
}

/** What a file is called on the page: an output's title (its file name when it has none). */
export function fileLabel(file: Pick<RequestFile, 'title' | 'name'>): string {
  return file.title ?? file.name;
}

/** "Output: frequency table", "Supporting file". */
export function fileRoleText(file: Pick<RequestFile, 'role' | 'kind'>): string {
  if (file.role === 'supporting') return 'Supporting file (for the output checkers; never released)';
  return file.kind === null ? 'Output' : `Output: ${OUTPUT_KIND_WORDS[file.kind]}`;
}

/** A cell in words: "sex F, age band 40-49"; a total over a dimension is "all <dimension>". */
export function cellText(cell: CellKey): string {
  const parts = Object.entries(cell).map(([dimension, value]) => (value === '*' ? `all ${dimension}` : `${dimension} ${String(value)}`));
  return parts.length === 0 ? 'the whole table' : parts.join(', ');
}

/** Where a comment is anchored, in words. */
export function anchorText(
  comment: Pick<Comment, 'fileId' | 'cell'>,
  files: readonly Pick<RequestFile, 'id' | 'name' | 'title'>[],
): string {
  if (comment.fileId === null) return 'On the whole request';
  const file = files.find((candidate) => candidate.id === comment.fileId);
  const name = file ? `“${fileLabel(file)}”` : 'a file no longer in the request';
  return comment.cell === null ? `On ${name}` : `On ${name}, cell ${cellText(comment.cell)}`;
}

/** The comments anchored to one file (null: those on the whole request), oldest first as the platform lists them. */
export function commentsOn(comments: readonly Comment[], fileId: string | null): Comment[] {
  return comments.filter((comment) => comment.fileId === fileId);
}

export const EVENT_WORDS: Readonly<Record<HistoryEntry['event'], string>> = {
  create: 'Created',
  submit: 'Submitted',
  withdraw: 'Withdrawn',
  review_completed: 'Review completed',
  votes_changed: 'Votes changed',
  return: 'Returned to the analyst',
  reject: 'Rejected',
  release: 'Released',
  revoke: 'Revoked',
};

/** The media type of a supporting file picked from disk, by its name; null for anything but plain text, CSV, Markdown, SQL. */
export function supportingMediaType(fileName: string): SupportingFile['mediaType'] | null {
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  switch (extension) {
    case 'txt':
    case 'log':
      return 'text/plain';
    case 'csv':
      return 'text/csv';
    case 'md':
      return 'text/markdown';
    case 'sql':
      return 'text/x-sql';
    default:
      return null;
  }
}

/** What the file picker offers: the text files a supporting file may be. */
export const SUPPORTING_ACCEPT = '.txt,.log,.csv,.md,.sql,text/plain,text/csv,text/markdown';

/** The start of a SHA-256, enough to tell files apart on screen (the whole of it is in the title and the export). */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}
