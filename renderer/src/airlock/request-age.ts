// How long ago something happened, in the words a list shows beside a request ("3 days", "2 hours", "under a minute"):
// whole units, rounded down, so a request never looks older than it is. Pure: the clock is the caller's.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function unit(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The time from `fromIso` to `now` in words; a moment in the future (another computer's clock) counts as now. */
export function ageOf(fromIso: string, now: Date): string {
  const from = new Date(fromIso).getTime();
  if (Number.isNaN(from)) return 'unknown';
  const elapsed = Math.max(0, now.getTime() - from);
  if (elapsed < MINUTE) return 'under a minute';
  if (elapsed < HOUR) return unit(Math.floor(elapsed / MINUTE), 'minute');
  if (elapsed < DAY) return unit(Math.floor(elapsed / HOUR), 'hour');
  return unit(Math.floor(elapsed / DAY), 'day');
}

/** What a request holds, in the list: "No files yet", "2 outputs", "1 output, 2 supporting files". */
export function filesText(files: number, outputs: number): string {
  if (files === 0) return 'No files yet';
  const supporting = files - outputs;
  const parts = [unit(outputs, 'output')];
  if (supporting > 0) parts.push(unit(supporting, 'supporting file'));
  return parts.join(', ');
}
