// What of DuckDB's own error messages may reach the operator's log.
/**
 * DuckDB's message for the operator's log, with everything that could quote the SQL of a copy's build taken out:
 * DuckDB quotes literals, values and the statement's text ("LINE 1: …") in its messages, and a build's statements
 * read raw data (no key reaches SQL: pseudonyms come from a map filled in Node). What is left says what kind of
 * failure it was.
 */
export function scrubbedEngineError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const scrubbed = message
    // Bytes printed raw (a BLOB shown as text) before anything else: only printable ASCII is kept.
    .replace(/[^\x20-\x7E\n]/g, '')
    .split(/\n\s*LINE \d+:/)[0]
    .replace(/'(?:[^']|'')*'/g, "'…'")
    .replace(/"(?:[^"]|"")*"/g, '"…"')
    .replace(/(?:\\x[0-9a-fA-F]{2})+/g, '…')
    .replace(/[0-9a-fA-F]{16,}/g, '…')
    .slice(0, 500);
  const error = new Error(scrubbed);
  error.name = err instanceof Error ? err.name : 'Error';
  return error;
}
