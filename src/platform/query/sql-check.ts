// The platform's check of an analyst's SQL, on the parse DuckDB's own parser makes of it (json_serialize_sql): the
// query is accepted only as one read-only SELECT over the project's relations calling allow-listed functions. The
// walk visits every object and array of the parse, not a few known paths, and refuses by default: a node whose
// "type" is not accepted here, or a key this DuckDB version was not seen to write, refuses the query. What the parse
// leaves to the binder is checked too: a bare word DuckDB may bind to a session function (current_user), and a table
// name used as a value (a whole row). Refusals say what is not allowed, what to do instead, and where.
import { EnclaveError } from '../../common/errors.ts';
import { AGGREGATE_BY_NAME_FUNCTIONS, ALLOWED_AGGREGATES, ALLOWED_FUNCTIONS } from './allowed-functions.ts';
import { describeSyntaxError, indexOfCodePointOffset, indexOfUtf8Offset } from './query-errors.ts';

export interface CheckedQuery {
  /** The project relations the query reads (lower-case, sorted, deduplicated; CTE names excluded). */
  readonly relations: readonly string[];
}

type Json = null | boolean | number | string | readonly Json[] | JsonObject;
interface JsonObject {
  readonly [key: string]: Json;
}

interface Problem {
  readonly message: string;
  /** Where in the SQL text (UTF-16 index), when the parse gives a location. */
  readonly position: number | undefined;
}

/** What one walk of a statement knows and finds. */
interface Walk {
  readonly sqlText: string;
  readonly relations: ReadonlySet<string>;
  /** Every table name and alias of the statement (lower-case): a column reference naming one is a whole row. */
  readonly bindings: ReadonlySet<string>;
  readonly read: Set<string>;
  readonly problems: Problem[];
}

/** Where a node is: the CTE names in scope (lower-case) and the nearest byte offset the parse gave. */
interface Place {
  readonly ctes: ReadonlySet<string>;
  readonly location: number | undefined;
}

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: Json | undefined): string => (typeof value === 'string' ? value : '');
const lower = (value: Json | undefined): string => text(value).toLowerCase();
const refusal = (message: string, position?: number): EnclaveError =>
  new EnclaveError('invalid_input', message, position === undefined ? {} : { position });

/** DuckDB writes 2^64-1 where a node has no location; JSON.parse reads it as a float beyond any text. */
function locationOf(node: JsonObject): number | undefined {
  const location = node.query_location;
  return typeof location === 'number' && Number.isSafeInteger(location) ? location : undefined;
}

function problem(walk: Walk, place: Place, message: string): void {
  const position = place.location === undefined ? undefined : indexOfUtf8Offset(walk.sqlText, place.location);
  walk.problems.push({ message, position });
}

// ---------------------------------------------------------------------------------------------------------------
// What the parse may hold: DuckDB v1.5.6's json_serialize_sql, as observed

const names = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/).filter((name) => name !== ''));

/** Node types accepted as they are, their children walked (FUNCTION, COLUMN_REF, WINDOW_* and tables have rules). */
const ACCEPTED_TYPES = names(`
  SELECT_NODE SET_OPERATION_NODE JOIN SUBQUERY EXPRESSION_LIST EMPTY PIVOT
  ORDER_MODIFIER LIMIT_MODIFIER LIMIT_PERCENT_MODIFIER DISTINCT_MODIFIER ORDER_DEFAULT ASCENDING DESCENDING
  VALUE_CONSTANT STAR OPERATOR_CAST CASE_EXPR COLLATE LAMBDA GROUPING_FUNCTION POSITIONAL_REFERENCE
  COMPARE_EQUAL COMPARE_NOTEQUAL COMPARE_LESSTHAN COMPARE_GREATERTHAN COMPARE_LESSTHANOREQUALTO
  COMPARE_GREATERTHANOREQUALTO COMPARE_DISTINCT_FROM COMPARE_NOT_DISTINCT_FROM COMPARE_BETWEEN COMPARE_IN COMPARE_NOT_IN
  CONJUNCTION_AND CONJUNCTION_OR OPERATOR_NOT OPERATOR_IS_NULL OPERATOR_IS_NOT_NULL OPERATOR_COALESCE OPERATOR_TRY
  OPERATOR_UNPACK ARRAY_EXTRACT ARRAY_SLICE STRUCT_EXTRACT ARRAY_CONSTRUCTOR
  DECIMAL_TYPE_INFO LIST_TYPE_INFO STRUCT_TYPE_INFO ARRAY_TYPE_INFO
`);

/** Refused node types whose refusal can say more than "not accepted". */
const REFUSED_TYPES: Readonly<Record<string, string>> = {
  SHOW_REF: "DESCRIBE, SHOW and SUMMARIZE are not available in platform queries: the catalogue lists each relation's columns.",
  RECURSIVE_CTE_NODE:
    'Recursive queries (WITH RECURSIVE) are not available in platform queries: bring the rows into your workspace and run the recursion on local tables there.',
  VALUE_PARAMETER: 'Parameters ($1, ?, $name) are not available in platform queries: write the values into the query.',
  VALUE_DEFAULT: 'DEFAULT is not available in platform queries.',
};

/** Where to point for a refused node the parse gives no location: the keyword that made it. */
const REFUSED_TYPE_KEYWORDS: Readonly<Record<string, RegExp>> = {
  SHOW_REF: /\b(?:DESCRIBE|SHOW|SUMMARIZE)\b/i,
  RECURSIVE_CTE_NODE: /\bRECURSIVE\b/i,
};

/** Every key the parse of an accepted construct was seen to hold; any other key refuses the query. */
const KNOWN_KEYS = names(`
  node named_param_map type class alias query_location
  modifiers cte_map map key value aliases query materialized key_targets select_list from_table where_clause
  group_expressions group_sets aggregate_handling having sample qualify setop_type left right setop_all
  orders null_order expression limit offset distinct_on_targets
  schema_name table_name catalog_name column_name_alias at_clause condition join_type ref_type using_columns
  delim_flipped duplicate_eliminated_columns subquery expected_names expected_types values source aggregates
  unpivot_names pivots pivot_expressions entries star_expr pivot_enum groups include_nulls
  sample_size is_percentage method seed
  column_names relation_name exclude_list replace_list columns expr qualified_exclude_list rename_list
  function_name schema catalog children filter order_bys distinct is_operator export_state
  partitions start end start_expr end_expr offset_expr default_expr ignore_nulls filter_expr exclude_clause arg_orders
  child cast_type try_cast case_checks when_expr then_expr else_expr input lower upper collation lhs
  subquery_type comparison_type index
  id type_info extension_info width scale child_type child_types first second size name user_type_modifiers
  table column is_null
`);

/** Bare words DuckDB's binder calls as functions of the session when no column has the name. */
const SESSION_KEYWORDS = names('current_catalog current_schema current_role current_user session_user user');

function functionRefusal(name: string): string {
  const key = name.toLowerCase();
  if (/^(read_|glob$|query$|query_table$|sniff_csv$|parquet_|json_serialize|json_deserialize|sql_auto_complete$)/.test(key)) {
    return `${name} is not available in platform queries: it reads files or runs SQL of its own, and only the project's relations can be read.`;
  }
  if (/^(duckdb_|pragma_|pg_|has_\w+_privilege$|current_|getvariable$|version$|stats$|in_search_path$|txid_current$)/.test(key)) {
    return `${name} is not available in platform queries: it reads the engine's catalogue, settings or session, which platform queries cannot see.`;
  }
  if (key === 'error') return 'error() is not available in platform queries: return NULL with a CASE expression instead.';
  return `${name} is not one of the functions platform queries may call.`;
}

/** Why a statement DuckDB's parser would not serialize (not a SELECT) is refused, by the word it begins with. */
const STATEMENT_REFUSALS: readonly (readonly [ReadonlySet<string>, string])[] = [
  [
    names('create alter drop insert update delete truncate merge comment vacuum checkpoint analyze'),
    'Platform queries are read-only: KEYWORD is not available. Build tables in your local workspace instead.',
  ],
  [
    names('set reset'),
    "SET and RESET are not available in platform queries: the platform fixes the engine's settings, and there are no variables.",
  ],
  [names('pragma'), "PRAGMA is not available in platform queries: it reads or changes the engine's settings and catalogue."],
  [
    names('copy export import'),
    'COPY, EXPORT and IMPORT are not available in platform queries: results come back to your workspace, where you can save them.',
  ],
  [names('attach detach use'), "ATTACH, DETACH and USE are not available in platform queries: a query reads only the project's relations."],
  [names('install load'), 'Extensions cannot be installed or loaded in platform queries.'],
  [
    names('prepare execute deallocate'),
    'Prepared statements (PREPARE, EXECUTE) are not available in platform queries: run the SELECT itself.',
  ],
  [names('begin start commit rollback abort end'), 'Transactions are not available in platform queries: each query runs on its own.'],
  [names('call'), "CALL is not available in platform queries: only the project's relations can be read."],
  [names('explain'), 'EXPLAIN is not available in platform queries.'],
  [
    names('pivot'),
    "A PIVOT statement without an IN list is not available in platform queries: list the values, as in PIVOT t ON c IN ('a', 'b') USING count(*).",
  ],
];

function statementRefusal(sqlText: string): string {
  const keyword = /^[A-Za-z_]+/.exec(sqlText.replace(/^(?:\s+|--[^\n]*|\/\*[\s\S]*?\*\/|\()*/, ''))?.[0] ?? '';
  const advice = STATEMENT_REFUSALS.find(([words]) => words.has(keyword.toLowerCase()))?.[1];
  return (
    advice?.replace('KEYWORD', keyword.toUpperCase()) ??
    'Platform queries run one read-only SELECT, one statement at a time, and this text holds a statement that is not a SELECT.'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Nodes with their own rule

function checkBaseTable(node: JsonObject, place: Place, walk: Walk): void {
  const name = text(node.table_name);
  const key = name.toLowerCase();
  const schema = lower(node.schema_name);
  const catalog = text(node.catalog_name);
  if (node.at_clause !== null && node.at_clause !== undefined) {
    problem(walk, place, `AT (…) reads another version of ${name}, which platform queries cannot do: read the relation as it is.`);
  }
  if (catalog !== '' || (schema !== '' && schema !== 'main')) {
    const written = [catalog, text(node.schema_name), name].filter((part) => part !== '').join('.');
    const advice = walk.relations.has(key) ? `write the relation's name alone: ${name}.` : relationList(walk);
    problem(walk, place, `${written} is not one of this project's relations${walk.relations.has(key) ? ':' : '.'} ${advice}`);
    return;
  }
  if (schema === '' && place.ctes.has(key)) return;
  if (walk.relations.has(key)) {
    walk.read.add(key);
    return;
  }
  const file = /[./\\:]/.test(name);
  problem(
    walk,
    place,
    file
      ? `${name} is not available in platform queries: files cannot be read, only the project's relations. ${relationList(walk)}`
      : `"${name}" is not one of this project's relations. ${relationList(walk)}`,
  );
}

function relationList(walk: Walk): string {
  const sorted = [...walk.relations].sort();
  if (sorted.length === 0) return 'This project has no relations to read.';
  return `The project's relations are: ${sorted.slice(0, 30).join(', ')}${sorted.length > 30 ? ', …' : ''}.`;
}

function checkTableFunction(node: JsonObject, place: Place, walk: Walk): void {
  const fn = isObject(node.function) ? text(node.function.function_name) : '';
  const inSelectList = ['unnest', 'range', 'generate_series'].includes(fn.toLowerCase());
  problem(
    walk,
    place,
    inSelectList
      ? `${fn}(…) in FROM is a table function, which platform queries cannot use: call it in the SELECT list instead, e.g. SELECT unnest(${fn === 'unnest' ? 'list' : `${fn}(1, 10)`}).`
      : `${fn || 'A table function'} is not available in platform queries: only the project's relations can be read.`,
  );
}

/** A function call's name, schema and arguments: allow-listed, unqualified, and no aggregate state exported. */
function checkFunction(node: JsonObject, place: Place, walk: Walk): void {
  const name = text(node.function_name);
  const key = name.toLowerCase();
  if (!ALLOWED_FUNCTIONS.has(key)) {
    problem(walk, place, functionRefusal(name));
    return;
  }
  const schema = lower(node.schema);
  if (text(node.catalog) !== '' || (schema !== '' && schema !== 'main')) {
    problem(walk, place, `${name} must be called by its name alone in platform queries, without a catalogue or schema.`);
  }
  if (node.export_state === true) {
    problem(walk, place, `EXPORT_STATE is not available in platform queries: ${name} can return its result only.`);
  }
  if (AGGREGATE_BY_NAME_FUNCTIONS.has(key)) checkAggregateByName(node, place, walk);
}

/** list_aggregate(l, 'sum') runs an aggregate named by text: the text must be a literal naming an allowed one. */
function checkAggregateByName(node: JsonObject, place: Place, walk: Walk): void {
  const name = text(node.function_name);
  const argument = Array.isArray(node.children) ? (node.children as readonly Json[])[1] : undefined;
  const value = isObject(argument) && argument.type === 'VALUE_CONSTANT' && isObject(argument.value) ? argument.value.value : undefined;
  if (typeof value !== 'string' || !ALLOWED_AGGREGATES.has(value.toLowerCase())) {
    problem(walk, place, `${name} must be given the name of an allowed aggregate as text, e.g. ${name}(l, 'sum').`);
  }
}

/** The binder may read a bare word as a session function, or a table name as its whole row: both are refused. */
function checkColumnRef(node: JsonObject, place: Place, walk: Walk): void {
  const parts = Array.isArray(node.column_names) ? (node.column_names as readonly Json[]).map(text) : [];
  const last = (parts.at(-1) ?? '').toLowerCase();
  const first = (parts[0] ?? '').toLowerCase();
  const written = parts.join('.');
  if ((parts.length === 1 || (parts.length === 2 && first === 'alias')) && SESSION_KEYWORDS.has(last)) {
    problem(
      walk,
      place,
      `${written} reads the engine's session, which platform queries cannot see. For a column of that name, qualify it with its table (t.${last}).`,
    );
  }
  if (walk.bindings.has(last) && (parts.length === 1 || (parts.length <= 3 && !walk.bindings.has(first)))) {
    problem(
      walk,
      place,
      `${written} names a whole row, which platform queries cannot return: name the columns you need, or write ${written}.*. For a column of that name, qualify it with its table.`,
    );
  }
}

function checkUnboundType(node: JsonObject, place: Place, walk: Walk): void {
  const name = lower(node.name);
  if (name !== 'enum' || text(node.catalog) !== '' || text(node.schema) !== '') {
    problem(
      walk,
      place,
      `The type ${text(node.name)} is not available in platform queries: cast to a built-in type such as VARCHAR, INTEGER, DOUBLE or DATE.`,
    );
  }
}

const NODE_RULES: Readonly<Record<string, (node: JsonObject, place: Place, walk: Walk) => void>> = {
  BASE_TABLE: checkBaseTable,
  TABLE_FUNCTION: checkTableFunction,
  FUNCTION: checkFunction,
  COLUMN_REF: checkColumnRef,
  UNBOUND_TYPE_INFO: checkUnboundType,
};

// ---------------------------------------------------------------------------------------------------------------
// The walk

/** Keys whose value must be empty or false: each holds a feature platform queries do not offer. */
const MUST_BE_EMPTY: Readonly<Record<string, string>> = {
  pivot_enum: 'A PIVOT over a named ENUM type is not available in platform queries: list the values in IN (…).',
  named_param_map: 'Parameters ($1, ?, $name) are not available in platform queries: write the values into the query.',
  extension_info: 'A type from an extension is not available in platform queries.',
};

function visit(value: Json, place: Place, walk: Walk): void {
  if (Array.isArray(value)) {
    for (const item of value as readonly Json[]) visit(item, place, walk);
    return;
  }
  if (!isObject(value)) return;
  // A constant's value is data, not parse: only its type is walked.
  if ('is_null' in value) {
    if (checkKeys(value, place, walk)) visit(value.type ?? null, place, walk);
    return;
  }
  const here: Place = { ctes: place.ctes, location: locationOf(value) ?? place.location };
  if (typeof value.type === 'string' && !checkNode(value, here, walk)) return;
  if (!checkKeys(value, here, walk)) return;
  if (isObject(value.cte_map)) {
    visitWithCtes(value, here, walk);
    return;
  }
  for (const [key, child] of Object.entries(value)) if (key !== 'type') visit(child, here, walk);
}

/** Unknown keys refuse the query (a later DuckDB's new clause must be looked at first); some keys must be empty. */
function checkKeys(node: JsonObject, place: Place, walk: Walk): boolean {
  for (const [key, child] of Object.entries(node)) {
    if (!KNOWN_KEYS.has(key)) {
      problem(walk, place, `This query uses a construct platform queries do not recognise ("${key}"): write it more simply.`);
      return false;
    }
    const empty = child === null || child === '' || child === false || (Array.isArray(child) && child.length === 0);
    const refusedWhenSet = MUST_BE_EMPTY[key];
    if (refusedWhenSet !== undefined && !empty) {
      problem(walk, place, refusedWhenSet);
      return false;
    }
  }
  return true;
}

/** Checks a node by its type; false when it is refused (its children are then not looked at). */
function checkNode(node: JsonObject, place: Place, walk: Walk): boolean {
  const type = text(node.type);
  const rule = NODE_RULES[type] ?? (type.startsWith('WINDOW_') ? checkFunction : undefined);
  if (rule) {
    rule(node, place, walk);
    return type !== 'TABLE_FUNCTION';
  }
  if (ACCEPTED_TYPES.has(type)) return true;
  const message = REFUSED_TYPES[type] ?? `This query uses a construct (${type}) that platform queries do not accept.`;
  const keyword = REFUSED_TYPE_KEYWORDS[type]?.exec(walk.sqlText);
  if (place.location === undefined && keyword) walk.problems.push({ message, position: keyword.index });
  else problem(walk, place, message);
  return false;
}

/** A query with WITH: each CTE sees the ones before it (not itself: recursion is refused), the query sees them all. */
function visitWithCtes(node: JsonObject, place: Place, walk: Walk): void {
  const cteMap = node.cte_map as JsonObject;
  const entries = Array.isArray(cteMap.map) ? (cteMap.map as readonly Json[]) : [];
  checkKeys(cteMap, place, walk);
  let ctes = place.ctes;
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    checkKeys(entry, place, walk);
    visit(entry.value ?? null, { ...place, ctes }, walk);
    ctes = new Set([...ctes, lower(entry.key)]);
  }
  const inside: Place = { ...place, ctes };
  for (const [key, child] of Object.entries(node)) if (key !== 'type' && key !== 'cte_map') visit(child, inside, walk);
}

/** Every table name, alias and CTE name of a statement, lower-case, for the whole-row check. */
function bindingNames(value: Json, names: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value as readonly Json[]) bindingNames(item, names);
  } else if (isObject(value) && !('is_null' in value)) {
    if (typeof value.type === 'string' && 'alias' in value && !('class' in value)) {
      for (const name of [lower(value.alias), lower(value.table_name)]) if (name !== '') names.add(name);
    }
    if (isObject(value.cte_map) && Array.isArray(value.cte_map.map)) {
      for (const entry of value.cte_map.map as readonly Json[]) if (isObject(entry) && lower(entry.key) !== '') names.add(lower(entry.key));
    }
    for (const child of Object.values(value)) bindingNames(child, names);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// The statement list

function parseTree(serialized: string): JsonObject {
  try {
    const tree = JSON.parse(serialized) as Json;
    if (isObject(tree)) return tree;
  } catch {
    // Falls through to the same refusal: the platform cannot read its own engine's answer.
  }
  throw new EnclaveError('internal', 'The platform could not check this query: its parser gave an answer it could not read.');
}

/** The refusal for a text DuckDB's parser would not serialize: a syntax error, or a statement that is not a SELECT. */
function parserRefusal(tree: JsonObject, sqlText: string): EnclaveError {
  const message = text(tree.error_message).replace(/\s+/g, ' ').trim().slice(0, 300);
  if (/^Only SELECT statements can be serialized/.test(message)) return refusal(statementRefusal(sqlText));
  if (/named and positional parameters/.test(message)) return refusal(MUST_BE_EMPTY.named_param_map ?? message);
  if (lower(tree.error_type) === 'parser') {
    const given = tree.position;
    const position = typeof given === 'string' || typeof given === 'number' ? indexOfCodePointOffset(sqlText, Number(given)) : undefined;
    // The parser reads nothing but the analyst's text, so a message it writes otherwise is passed on.
    return refusal(`Syntax error: ${describeSyntaxError(message, sqlText) ?? message.replace(/^syntax error /, '')}`, position);
  }
  return refusal(`The query could not be read: ${message}`);
}

/** Where the second statement begins: after the last ";" before the first location in its parse. */
function secondStatementStart(statement: Json, sqlText: string): number | undefined {
  const location = firstLocation(statement);
  const inside = location === undefined ? undefined : indexOfUtf8Offset(sqlText, location);
  if (inside === undefined) return undefined;
  const separator = sqlText.lastIndexOf(';', inside);
  if (separator < 0) return inside;
  return separator + 1 + (/^\s*/.exec(sqlText.slice(separator + 1))?.[0].length ?? 0);
}

/** The smallest location in a statement's parse: near where it begins. */
function firstLocation(value: Json): number | undefined {
  let first: number | undefined;
  const look = (item: Json): void => {
    if (Array.isArray(item)) (item as readonly Json[]).forEach(look);
    else if (isObject(item)) {
      const location = locationOf(item);
      if (location !== undefined && (first === undefined || location < first)) first = location;
      Object.values(item).forEach(look);
    }
  };
  look(value);
  return first;
}

/**
 * `serialized` is the text DuckDB's `SELECT json_serialize_sql($1::VARCHAR)` returned for the analyst's `sqlText`.
 * Throws EnclaveError('invalid_input', message, { position }) when the text does not parse, or is not exactly one
 * read-only SELECT over `relations` (lower-case names of the project's relations, the only tables in the database it
 * will run on) using only allow-listed functions. Messages say what is not allowed on the platform and, where it
 * helps, what to do instead, with the position in sqlText when the parse gives one.
 */
export function checkSerializedQuery(serialized: string, options: { sqlText: string; relations: ReadonlySet<string> }): CheckedQuery {
  const { sqlText } = options;
  const tree = parseTree(serialized);
  if (tree.error !== false) throw parserRefusal(tree, sqlText);
  const statements = Array.isArray(tree.statements) ? (tree.statements as readonly Json[]) : [];
  if (statements.length === 0) throw refusal("The query is empty: write one SELECT over the project's relations.");
  if (statements.length > 1) {
    throw refusal(
      `Platform queries run one statement at a time, and this text holds ${statements.length}: run them one by one.`,
      secondStatementStart(statements[1] ?? null, sqlText),
    );
  }
  const statement = statements[0] ?? null;
  const node = isObject(statement) && isObject(statement.node) ? statement.node : undefined;
  if (node?.type !== 'SELECT_NODE' && node?.type !== 'SET_OPERATION_NODE') {
    throw new EnclaveError('internal', 'The platform could not check this query: its parser gave a statement it does not know.');
  }
  const walk: Walk = {
    sqlText,
    relations: new Set([...options.relations].map((name) => name.toLowerCase())),
    bindings: bindingNames(statement),
    read: new Set(),
    problems: [],
  };
  visit(statement, { ctes: new Set(), location: undefined }, walk);
  const first = [...walk.problems].sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity))[0];
  if (first) throw refusal(first.message, first.position);
  return { relations: [...walk.read].sort() };
}
