// Dates as whole days since 1970-01-01 (what DuckDB's DATE stores), with civil-date arithmetic done on integers
// (Howard Hinnant's algorithms) so that tens of millions of dates cost no allocations.

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number, packed as yyyymmdd (e.g. 20230331). */
export function civilFromDays(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10000 + month * 100 + day;
}

/** Completed years between two packed yyyymmdd dates (a birthday on 29 February counts from 1 March). */
export function completedYears(birthPacked: number, onPacked: number): number {
  const years = Math.floor(onPacked / 10000) - Math.floor(birthPacked / 10000);
  return onPacked % 10000 < birthPacked % 10000 ? years - 1 : years;
}

/** Parses 'YYYY-MM-DD' into a day number. */
export function parseIsoDay(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) throw new RangeError(`not an ISO date: ${text}`);
  return daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
}

export function isoFromDays(days: number): string {
  const packed = civilFromDays(days);
  const y = Math.floor(packed / 10000);
  const m = Math.floor(packed / 100) % 100;
  const d = packed % 100;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Month index counted from January 1970 (0 = 1970-01): the key for monthly curves. */
export function monthIndex(days: number): number {
  const packed = civilFromDays(days);
  return (Math.floor(packed / 10000) - 1970) * 12 + (Math.floor(packed / 100) % 100) - 1;
}

/** 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}
