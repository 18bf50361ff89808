// The exception text an output needs when the engine's verdict is not pass (issue 16): drafted from the check — the
// verdict, what the engine found, and the mitigation it suggests — for the analyst to finish in their own words. Pure.
import type { OutputCheck } from '../../../src/common/output-check.ts';
import type { Verdict } from '../../../src/common/outputs.ts';

/** The line the analyst completes: the draft says what the engine found, only they can say why it is safe. */
export const EXCEPTION_PROMPT = 'Why it is safe to release as it is:';

/** Whether an output of this verdict needs an exception text before the request can be submitted. */
export function needsException(verdict: Verdict | null): boolean {
  return verdict !== null && verdict !== 'pass';
}

/** The draft for an output's exception text, from the platform's check of it (null when it passes: none is needed). */
export function exceptionDraft(check: Pick<OutputCheck, 'verdict' | 'suggestion' | 'flags' | 'notes'>): string | null {
  if (!needsException(check.verdict)) return null;
  const lines = [`The engine’s verdict is ${check.verdict}.`];
  for (const flag of check.flags) lines.push(`- ${sentence(flag.message)}`);
  for (const note of check.notes) lines.push(`- ${sentence(note)}`);
  lines.push(
    check.suggestion === null
      ? 'No mitigation clears it: an output checker must judge it.'
      : `Suggested mitigation: ${sentence(check.suggestion.text)}`,
  );
  lines.push(EXCEPTION_PROMPT);
  return lines.join('\n');
}

/** Whether the analyst has said anything after the prompt of a draft (or written their own text from scratch). */
export function exceptionAnswered(text: string): boolean {
  const at = text.lastIndexOf(EXCEPTION_PROMPT);
  const own = at < 0 ? text : text.slice(at + EXCEPTION_PROMPT.length);
  return own.trim().length > 0;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
