// When something happened, the way a UK reader expects it: the time alone for today, the day and time otherwise.

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

/** "14:03:12" today; "1 Dec 2026, 14:03:12" on another day; the text as given when it is not a date. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const sameDay = when.toDateString() === now.toDateString();
  return sameDay ? timeFormat.format(when) : `${dayFormat.format(when)}, ${timeFormat.format(when)}`;
}
