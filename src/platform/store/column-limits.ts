// Text longer than its column allows is refused the same way on both engines. PostgreSQL refuses a value too long for
// varchar(n) with an error of its own; SQLite ignores the declared length and stores it whole. This kysely plugin
// checks every value an insert or update writes against the limits the database itself declares (read once at open),
// so both engines answer invalid_input with one message and nothing is written. Text holding a NUL character, which
// PostgreSQL cannot take even as a search term, is refused the same way in any statement.
import type {
  ColumnNode,
  ColumnUpdateNode,
  InsertQueryNode,
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  TableNode,
  UnknownRow,
} from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import type { ColumnLimits } from './sql-engine.ts';

/** Characters as both databases count them: code points, not UTF-16 units. */
const characters = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

function tableName(node: OperationNode | undefined): string | undefined {
  if (node?.kind === 'TableNode') return (node as TableNode).table.identifier.name;
  // An aliased table (`updateTable('t as x')`).
  if (node?.kind === 'AliasNode') return tableName((node as unknown as { node: OperationNode }).node);
  return undefined;
}

function columnName(node: OperationNode): string | undefined {
  return node.kind === 'ColumnNode' ? (node as ColumnNode).column.name : undefined;
}

/** Whether any value bound anywhere in the statement (a written value, a search term, a list) holds a NUL character. */
function holdsNul(node: unknown, depth = 0): boolean {
  if (typeof node === 'string') return node.includes('\u0000');
  if (typeof node !== 'object' || node === null || depth > 64) return false;
  if (Array.isArray(node)) return node.some((item) => holdsNul(item, depth + 1));
  return Object.values(node).some((value) => holdsNul(value, depth + 1));
}

/** The plain values a node writes: bound values, not expressions (an expression's own parts are checked by the database). */
function writtenValue(node: OperationNode): { value: unknown } | undefined {
  return node.kind === 'ValueNode' ? { value: (node as unknown as { value: unknown }).value } : undefined;
}

export class ColumnLimitsPlugin implements KyselyPlugin {
  readonly #limits: ColumnLimits;

  constructor(limits: ColumnLimits) {
    this.#limits = limits;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const { node } = args;
    if (holdsNul(node)) {
      throw new EnclaveError(
        'invalid_input',
        'A value given holds a NUL character, which the platform does not take. Nothing was changed.',
      );
    }
    if (node.kind === 'InsertQueryNode') this.#checkInsert(node);
    else if (node.kind === 'UpdateQueryNode') this.#checkUpdates(tableName(node.table), node.updates);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  #check(table: string | undefined, column: string | undefined, value: unknown): void {
    if (typeof value !== 'string' || table === undefined || column === undefined) return;
    const limit = this.#limits.get(table)?.get(column);
    if (limit !== undefined && value.length > limit && characters(value) > limit) {
      throw new EnclaveError('invalid_input', `The ${column} given is too long: at most ${limit} characters. Nothing was changed.`);
    }
  }

  #checkInsert(node: InsertQueryNode): void {
    const table = tableName(node.into);
    const columns = (node.columns ?? []).map(columnName);
    const values = node.values;
    if (values?.kind === 'ValuesNode') {
      for (const row of (values as unknown as { values: ReadonlyArray<OperationNode & { values: readonly unknown[] }> }).values) {
        row.values.forEach((item, index) => {
          // A PrimitiveValueListNode holds the values themselves; a ValueListNode holds nodes.
          const value = row.kind === 'PrimitiveValueListNode' ? { value: item } : writtenValue(item as OperationNode);
          if (value !== undefined) this.#check(table, columns[index], value.value);
        });
      }
    }
    this.#checkUpdates(table, node.onConflict?.updates);
  }

  #checkUpdates(table: string | undefined, updates: ReadonlyArray<ColumnUpdateNode> | undefined): void {
    for (const update of updates ?? []) {
      const value = writtenValue(update.value);
      if (value !== undefined) this.#check(table, columnName(update.column), value.value);
    }
  }
}
