// Runs a treatment's SQL on a real in-memory DuckDB (@duckdb/node-api), over a column of hand-written values.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteString } from '../../../../src/common/sql-identifiers.ts';

export interface Evaluator {
  /** The expression applied to column "v" of the given values (SQL literals, or null), cast to `type`, in order. */
  apply(expression: string, values: readonly (string | null)[], type: string): Promise<unknown[]>;
  /** The DuckDB type of the expression over one value. */
  typeOf(expression: string, value: string, type: string): Promise<string>;
  close(): void;
}

export async function openEvaluator(): Promise<Evaluator> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  const table = (values: readonly (string | null)[], type: string): string =>
    `(SELECT i, CAST(v AS ${type}) AS v FROM (VALUES ${values
      .map((value, i) => `(${i}, ${value === null ? 'NULL' : quoteString(value)})`)
      .join(', ')}) t(i, v))`;
  return {
    async apply(expression, values, type) {
      const reader = await connection.runAndReadAll(`SELECT ${expression} AS out FROM ${table(values, type)} s ORDER BY i`);
      return reader.getRowObjectsJS().map((row) => row.out);
    },
    async typeOf(expression, value, type) {
      const reader = await connection.runAndReadAll(`SELECT typeof(${expression}) AS t FROM ${table([value], type)} s`);
      const found = reader.getRowObjectsJS()[0]?.t;
      return typeof found === 'string' ? found : JSON.stringify(found);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
