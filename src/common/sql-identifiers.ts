// Quoting for DuckDB SQL, written once for the platform's engine and the renderer's local engine: a name or a
// text reaches SQL only through these, so no table name, column name or path can end its quotes early.

/** Double-quotes an identifier (embedded quotes doubled), so any table or column name is one identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quotes a string literal (embedded quotes doubled). */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
