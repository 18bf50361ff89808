// Platform queries as the window needs them, pure so they are tested once: the words the history and the run line use
// (the core says the same of a 'disk' project's runs: src/workstation/workspaces/platform-queries.ts), the destination
// table's name (its default and its check, by the contract's own rule), the SQL as sent, and the project's relations
// and their treated columns for completion (from the catalogue: only the fields the project can see).
import type { Catalogue } from '../../../src/common/contract.ts';
import { LocalTableNameSchema } from '../../../src/common/local-engine.ts';
import { formatRows } from '../shell/format.ts';
import type { CompletionTable } from './completion.ts';
import { stripTrailingSemicolons } from './sql.ts';

/** "Created tests_admissions (12,345 rows) from the platform". */
export function loadedMessage(loaded: { table: string; rows: number; replaced: boolean }): string {
  return `${loaded.replaced ? 'Replaced' : 'Created'} ${loaded.table} (${formatRows(loaded.rows)}) from the platform`;
}

export function tableTakenMessage(table: string): string {
  return `There is already a local table named ${table}. Choose another name, or replace it. The query was not sent to the platform.`;
}

export function cancelledMessage(table: string, existed: boolean): string {
  return `The platform query was cancelled. Nothing was loaded${existed ? `; ${table} is unchanged` : ''}.`;
}

/** Why a destination table name cannot be used, or null. */
export function tableNameProblem(name: string): string | null {
  if (name.length === 0) return 'Give the table a name.';
  const parsed = LocalTableNameSchema.safeParse(name);
  if (parsed.success) return null;
  if (name.length > 63) return 'A table name can be at most 63 characters.';
  return 'A table name must be lower-case letters, digits and “_”, starting with a letter or “_” (for example result_1).';
}

/** result_1, result_2 …: the first that is neither a local table nor another tab's destination. */
export function defaultTableName(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n += 1) {
    const name = `result_${n}`;
    if (!used.has(name)) return name;
  }
}

/** The SQL as the platform gets it: a trailing semicolon (or several) is not part of the one SELECT. */
export function platformSql(sql: string): string {
  return stripTrailingSemicolons(sql);
}

/** The project's relations as the platform's queries see them: each dataset by its id, with the fields it may read. */
export function platformRelations(catalogue: Catalogue | null): CompletionTable[] {
  if (catalogue === null) return [];
  return catalogue.datasets.map((dataset) => ({
    name: dataset.id,
    rows: dataset.rowCount,
    info: `${dataset.name}: a relation of the project's minimised data on the platform`,
    columns: dataset.fields
      .filter((field) => field.available)
      .map((field) => ({ name: field.name, type: field.treatment, info: `${field.name} of ${dataset.id}: ${field.treatment}` })),
  }));
}
