// A tab's name as the analyst types it: the store's own rule (src/common/workspace.ts), said before the call is made.

const NO_CONTROL = /^[^\p{Cc}]*$/u;

/** Why a tab title cannot be used, or null: 1–120 characters once trimmed, no control characters. */
export function titleProblem(title: string): string | null {
  const trimmed = title.trim();
  if (trimmed.length === 0) return 'A tab needs a name.';
  if (trimmed.length > 120) return 'A tab name can be at most 120 characters.';
  if (!NO_CONTROL.test(trimmed)) return 'A tab name cannot hold control characters.';
  return null;
}
