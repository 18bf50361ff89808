// Lists people and projects see are ordered here, in code, with one fixed collator, never by the database: SQLite
// compares bytes and PostgreSQL follows the collation the database was created with, so the same rows would come back
// in a different order on each engine (and on two PostgreSQL servers set up differently).
const collator = new Intl.Collator('en', { sensitivity: 'base' });

/** Code point order: the tiebreak that makes the order total, the same everywhere. */
const codePoints = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** By name as a reader expects it (case and accents aside), then by the name's exact spelling, then by id. */
export function compareByName(
  a: { readonly name: string; readonly id: string },
  b: { readonly name: string; readonly id: string },
): number {
  return collator.compare(a.name, b.name) || codePoints(a.name, b.name) || codePoints(a.id, b.id);
}

export function byName<T extends { readonly name: string; readonly id: string }>(rows: readonly T[]): T[] {
  return [...rows].sort(compareByName);
}
