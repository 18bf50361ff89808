// What an analyst may learn from an engine error: its kind, what is wrong, where in their SQL, and names only when
// they are the project's own (visible) or the analyst's own (written in their SQL). An engine message can quote a
// data value ("Could not convert string 'F'"), a hint from the engine's whole catalogue ("Did you mean
// \"duckdb_tables\"?"), a file path, or a LINE of text that is not the analyst's. So nothing of the engine's text is
// passed on as it stands: each message DuckDB is known to write has a template here that rebuilds it from the parts
// allowed; any other message becomes the generic sentence of its kind. Positions come from DuckDB's LINE/caret, and
// only when that LINE is found in the analyst's text.
import { ALLOWED_FUNCTIONS } from './allowed-functions.ts';

export interface SanitisedQueryError {
  readonly message: string;
  /** A character offset (from 0, in UTF-16 code units as JavaScript counts them) into the SQL text. */
  readonly position?: number;
}

interface ErrorKind {
  /** How the analyst's message begins. */
  readonly label: string;
  /** What is said when the message is not one this module knows. */
  readonly generic: string;
}

const CANNOT_USE = 'the query tried to use something platform queries cannot use.';

/** DuckDB's exception type names (the words before " Error:"), lower-case, to what an analyst is told. */
const KINDS: Readonly<Record<string, ErrorKind>> = {
  parser: { label: 'Syntax error', generic: 'the query could not be read.' },
  binder: { label: 'Binder error', generic: 'a name or expression in the query could not be resolved.' },
  catalog: { label: 'Catalog error', generic: 'the query names something that does not exist in this project.' },
  conversion: {
    label: 'Conversion error',
    generic: 'a value could not be converted to the type the query asks for. TRY_CAST gives NULL instead of failing.',
  },
  'out of range': { label: 'Out of range error', generic: 'a value is too large or too small for its type.' },
  'invalid input': { label: 'Invalid input error', generic: 'a function was given a value it cannot use.' },
  'divide by zero': { label: 'Division by zero', generic: 'the query divides by zero.' },
  constraint: { label: 'Constraint error', generic: 'a value breaks a constraint.' },
  interrupt: { label: 'Cancelled', generic: 'the query was stopped before it finished.' },
  'out of memory': {
    label: 'Out of memory',
    generic: 'the query needed more memory than the platform allows. Filter or aggregate before joining.',
  },
  'not implemented': { label: 'Not supported', generic: 'the engine cannot run this kind of query.' },
  internal: { label: 'Engine error', generic: 'the engine failed while running the query.' },
  fatal: { label: 'Engine error', generic: 'the engine failed while running the query.' },
};
const UNKNOWN_KIND: ErrorKind = { label: 'Query error', generic: CANNOT_USE };

interface ParsedMessage {
  readonly kind: ErrorKind;
  readonly kindName: string;
  /** The message without its kind and without DuckDB's LINE/caret context. */
  readonly body: string;
  readonly context?: { readonly line: number; readonly shown: string; readonly caretColumn: number };
}

/** What of the analyst's text and the project's names the message may repeat. */
interface NameRules {
  /** A name the analyst wrote, or one of the project's: it may be repeated as the subject of a message. */
  shown(name: string): boolean;
  /** One of the project's relation or column names: the only names a hint ("did you mean") may offer. */
  visible(name: string): boolean;
}

type Template = (body: string, names: NameRules) => string | undefined;

// ---------------------------------------------------------------------------------------------------------------
// Positions

/** The UTF-16 index in `text` of a UTF-8 byte offset (DuckDB's query_location), or undefined when outside it. */
export function indexOfUtf8Offset(text: string, byteOffset: number): number | undefined {
  if (!Number.isSafeInteger(byteOffset) || byteOffset < 0) return undefined;
  let bytes = 0;
  let index = 0;
  for (const char of text) {
    if (bytes >= byteOffset) break;
    const codePoint = char.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    index += char.length;
  }
  return bytes === byteOffset ? index : undefined;
}

/** The UTF-16 index in `text` of an offset counted in code points (the parser's error position). */
export function indexOfCodePointOffset(text: string, codePoints: number): number | undefined {
  if (!Number.isSafeInteger(codePoints) || codePoints < 0) return undefined;
  let seen = 0;
  let index = 0;
  for (const char of text) {
    if (seen === codePoints) return index;
    seen += 1;
    index += char.length;
  }
  return seen === codePoints ? index : undefined;
}

/** Columns a character takes where DuckDB draws its caret: two for wide East Asian characters and emoji. */
function displayWidth(codePoint: number): number {
  if (codePoint >= 0x300 && codePoint <= 0x36f) return 0;
  const wide =
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd);
  return wide ? 2 : 1;
}

/**
 * The position DuckDB's "LINE n: …" and caret point at, when the text it shows is a piece of line n of `sqlText`.
 * DuckDB shortens long lines to a window marked with "..." at either end; the caret counts display columns.
 */
function caretIndex(sqlText: string, context: NonNullable<ParsedMessage['context']>): number | undefined {
  const lines = sqlText.split('\n');
  const line = lines[context.line - 1];
  if (line === undefined) return undefined;
  const lineStart = lines.slice(0, context.line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  const cutBefore = context.shown.startsWith('...');
  const shown = context.shown.slice(cutBefore ? 3 : 0).replace(/\.\.\.$/, '');
  const from = line.indexOf(shown);
  if (from < 0 || (!cutBefore && from !== 0)) return undefined;
  let column = context.caretColumn - (cutBefore ? 3 : 0);
  let offset = 0;
  for (const char of shown) {
    if (column <= 0) break;
    column -= displayWidth(char.codePointAt(0) ?? 0);
    offset += char.length;
  }
  return column === 0 ? lineStart + from + offset : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the engine's message

const LINE_CONTEXT = /\n+LINE (\d+): ([^\n]*)\n( *)\^\s*$/;

function parseEngineMessage(engineMessage: string): ParsedMessage {
  const text = engineMessage.replace(/^Error: /, '');
  const head = /^([A-Za-z][A-Za-z _-]*?) Error: ([\s\S]*)$/.exec(text);
  const kindName = (head?.[1] ?? '').toLowerCase();
  let body = head?.[2] ?? text;
  const lineContext = LINE_CONTEXT.exec(body);
  let context: ParsedMessage['context'];
  if (lineContext) {
    body = body.slice(0, lineContext.index);
    const prefix = `LINE ${lineContext[1]}: `.length;
    context = { line: Number(lineContext[1]), shown: lineContext[2] ?? '', caretColumn: (lineContext[3] ?? '').length - prefix };
  }
  return { kind: KINDS[kindName] ?? UNKNOWN_KIND, kindName, body: body.trim(), ...(context ? { context } : {}) };
}

/** The names between double quotes in a piece of DuckDB's message ("" inside is one quote). */
function quotedNames(text: string): string[] {
  return [...text.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => (match[1] ?? '').replaceAll('""', '"'));
}

/** Lower-case identifiers of `sqlText`, quoted or not, outside its comments and string literals. */
export function namesWrittenIn(sqlText: string): Set<string> {
  const names = new Set<string>();
  const token = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"((?:[^"]|"")*)"?|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g;
  for (const match of sqlText.matchAll(token)) {
    const name = match[1] !== undefined ? match[1].replaceAll('""', '"') : match[2];
    if (name !== undefined && name !== '') names.add(name.toLowerCase());
  }
  return names;
}

function nameRules(options: { sqlText: string; visibleNames: ReadonlySet<string> }): NameRules {
  const written = namesWrittenIn(options.sqlText);
  const visible = (name: string): boolean => options.visibleNames.has(name.toLowerCase());
  return { visible, shown: (name) => visible(name) || written.has(name.toLowerCase()) };
}

const quote = (name: string): string => `"${name}"`;

/** The visible names among DuckDB's candidates, as a sentence; qualified ones ("p.sex") need a name the analyst wrote. */
function hint(candidates: readonly string[], names: NameRules, ask = 'Did you mean'): string {
  const offered = candidates.filter((candidate) => {
    const parts = candidate.split('.');
    const last = parts.pop() ?? '';
    return last !== '' && names.visible(last) && parts.every((part) => names.shown(part));
  });
  if (offered.length === 0) return '';
  const list = offered.slice(0, 5).map(quote);
  return ` ${ask} ${list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`}?`;
}

/** A name as the subject of a message, or undefined when the analyst may not see it. */
function subject(name: string | undefined, names: NameRules): string | undefined {
  return name !== undefined && name !== '' && names.shown(name) ? quote(name) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Templates: each rebuilds a known message from what may be shown, or answers undefined to fall back

const NAME = '"((?:[^"]|"")*)"';
const TYPE = '([A-Z][A-Z0-9_]*(?:\\(\\d+(?:,\\s*\\d+)?\\))?(?:\\[\\d*\\])*)';
const re = (source: string): RegExp => new RegExp(`^${source}`);
const unquote = (name: string | undefined): string | undefined => name?.replaceAll('""', '"');

/** Messages that hold no name and no value, passed on as DuckDB writes them. */
const FIXED_MESSAGES: readonly RegExp[] = [
  /^aggregate function calls cannot be nested$/,
  /^[A-Z][A-Z ]* clause cannot contain (?:aggregates|window functions)!?$/,
  /^Cannot mix aggregates with non-aggregated columns!?$/,
  /^\* expression without FROM clause!?$/,
  /^(?:GROUP BY|ORDER) term out of range - should be between \d+ and \d+$/,
  /^Subquery returns \d+ columns - expected \d+$/,
  /^Set operations can only apply to expressions with the same number of result columns$/,
  /^cannot take (?:logarithm|square root) of (?:zero|a negative number)$/,
  /^Unimplemented type for cast \([A-Z0-9_(), []+ -> [A-Z0-9_(), []+\)$/,
  /^Cannot compare values of type [A-Z0-9_()[\]]+ and type [A-Z0-9_()[\]]+ - an explicit cast is required$/,
];

const BINDER_TEMPLATES: readonly Template[] = [
  (body, names) => {
    const match = re(`Referenced column ${NAME} not found in FROM clause!([\\s\\S]*)`).exec(body);
    if (!match) return undefined;
    const column = subject(unquote(match[1]), names);
    const text = column
      ? `column ${column} was not found in the FROM clause.`
      : 'a column the query names was not found in the FROM clause.';
    return text + hint(quotedNames(match[2] ?? ''), names);
  },
  (body, names) => {
    const match = re(`Referenced column ${NAME} was not found because the FROM clause is missing`).exec(body);
    if (!match) return undefined;
    const column = subject(unquote(match[1]), names);
    return `${column ? `column ${column}` : 'a column the query names'} was not found: the query has no FROM clause.`;
  },
  (body, names) => {
    const match = re(`Table ${NAME} does not have a column named ${NAME}([\\s\\S]*)`).exec(body);
    if (!match) return undefined;
    const table = subject(unquote(match[1]), names);
    const column = subject(unquote(match[2]), names);
    const text = table && column ? `${table} has no column ${column}.` : 'a table in the query does not have a column the query names.';
    return text + hint(quotedNames(match[3] ?? ''), names);
  },
  (body, names) => {
    const match = re(`Referenced table ${NAME} not found!([\\s\\S]*)`).exec(body);
    if (!match) return undefined;
    const table = subject(unquote(match[1]), names);
    const candidates = quotedNames(match[2] ?? '').filter((alias) => names.shown(alias));
    const offer = candidates.length > 0 ? ` The FROM clause has ${candidates.slice(0, 5).map(quote).join(', ')}.` : '';
    return `${table ? `table or alias ${table} is` : 'a table the query names is'} not in the FROM clause.${offer}`;
  },
  (body, names) => {
    const match = re(`Ambiguous reference to column name ${NAME}`).exec(body);
    if (!match) return undefined;
    const column = subject(unquote(match[1]), names);
    return `${column ? `column ${column}` : 'a column the query names'} is in more than one table of the FROM clause: qualify it with its table's name or alias.`;
  },
  (body, names) => {
    const match = re(`column ${NAME} must appear in the GROUP BY clause or must be part of an aggregate function`).exec(body);
    if (!match) return undefined;
    const column = subject(unquote(match[1]), names);
    return `${column ? `column ${column}` : 'a column'} must appear in the GROUP BY clause or be used in an aggregate function (ANY_VALUE takes any one of its values).`;
  },
  (body, names) => {
    const match = /^No function matches the given name and argument types '([^\s'(]+)\((.*)\)'\. /.exec(body);
    if (!match) return undefined;
    const name = match[1] ?? '';
    const fn = ALLOWED_FUNCTIONS.has(name.toLowerCase()) || names.shown(name) ? name : undefined;
    const types = /^[A-Z0-9_, ()[\]]*$/.test(match[2] ?? '') ? ` (${match[2]})` : '';
    return `${fn ?? 'a function the query calls'} does not accept arguments of these types${types}: you might need to add explicit casts.`;
  },
  (body, names) => {
    const match = re(`Column ${NAME} does not exist on (left|right) side of join!?`).exec(body);
    if (!match) return undefined;
    const column = subject(unquote(match[1]), names);
    return `${column ? `column ${column}` : 'a column named in USING'} is not in the table on the ${match[2]} side of the join.`;
  },
  (body, names) => {
    const match = re(`Could not find key ${NAME} in struct([\\s\\S]*)`).exec(body);
    if (!match) return undefined;
    const key = subject(unquote(match[1]), names);
    return `${key ? `key ${key}` : 'a key the query names'} is not in the struct.` + hint(quotedNames(match[2] ?? ''), names);
  },
  (body, names) => {
    const match = re(`Circular reference to CTE ${NAME}`).exec(body);
    if (!match) return undefined;
    const name = subject(unquote(match[1]), names);
    return `${name ? `the WITH query ${name}` : 'a WITH query'} refers to itself; recursive queries are not available in platform queries.`;
  },
];

const CATALOG_OBJECTS: Readonly<Record<string, string>> = {
  table: 'table',
  'scalar function': 'function',
  'aggregate function': 'function',
  'table function': 'function',
  'macro function': 'function',
  function: 'function',
  type: 'type',
  collation: 'collation',
};

const CATALOG_TEMPLATES: readonly Template[] = [
  (body, names) => {
    const match = /^([A-Za-z ]+?) with name (.+?) does not exist!([\s\S]*)$/.exec(body);
    const object = CATALOG_OBJECTS[(match?.[1] ?? '').toLowerCase()];
    if (!match || !object) return undefined;
    const name = subject(match[2], names);
    const suggestions = quotedNames(match[3] ?? '');
    if (object === 'table') {
      return (
        `${name ? `${object} ${name} is` : 'a table the query names is'} not one of this project's relations.` + hint(suggestions, names)
      );
    }
    const functions = object === 'function' ? suggestions.filter((fn) => ALLOWED_FUNCTIONS.has(fn.toLowerCase())) : [];
    const offer = functions.length > 0 ? ` Did you mean ${quote(functions[0] ?? '')}?` : '';
    return `${name ? `${object} ${name}` : `a ${object} the query names`} does not exist.${offer}`;
  },
];

/** Conversion, range and input messages quote values: each template keeps only types and the analyst's names. */
const VALUE_TEMPLATES: readonly Template[] = [
  (body, names) => {
    const match = new RegExp(`^Could not convert string ['"][\\s\\S]*['"] to ${TYPE}(?: when casting from source column (\\S+))?$`).exec(
      body,
    );
    if (!match) return undefined;
    const column = subject(match[2], names);
    return `a value${column ? ` of column ${column}` : ''} could not be converted to ${match[1]}. TRY_CAST gives NULL instead of failing.`;
  },
  (body, names) => {
    const match =
      /^(?:invalid (date|timestamp|time|interval) field format|(time|date|timestamp) field value out of range): [\s\S]*?(?: when casting from source column (\S+))?$/.exec(
        body,
      );
    if (!match) return undefined;
    const column = subject(match[3], names);
    return `a value${column ? ` of column ${column}` : ''} is not a valid ${match[1] ?? match[2]}. TRY_CAST gives NULL instead of failing.`;
  },
  (body) =>
    /^extract specifier "[\s\S]*" not recognized$/.test(body)
      ? "a date part given to a date function is not one DuckDB knows (for example 'year', 'month', 'week' or 'day')."
      : undefined,
  (body) => {
    const match = /^Overflow in (addition|subtraction|multiplication|division|negation|[a-z ]+?) of ([A-Z][A-Z0-9_]*)/.exec(body);
    return match ? `the ${match[1]} of ${match[2]} values overflowed: cast to a wider type (BIGINT, HUGEINT or DOUBLE) first.` : undefined;
  },
  (body, names) => {
    const match = new RegExp(
      `^Type ${TYPE} with value [\\s\\S]* can't be cast because the value is out of range for the destination type ${TYPE}(?: when casting from source column (\\S+))?$`,
    ).exec(body);
    if (!match) return undefined;
    const column = subject(match[3], names);
    return `a value of type ${match[1]}${column ? ` in column ${column}` : ''} is out of range for ${match[2]}.`;
  },
  (body) =>
    /^Could not parse string [\s\S]* according to format specifier/.test(body)
      ? 'a value does not match the format given to strptime; try_strptime gives NULL instead of failing.'
      : undefined,
];

/**
 * A parser message in an analyst's words, or undefined when it is not one of the two DuckDB writes most: the parser
 * reads only the SQL text, so a token it quotes is repeated only when it is in `sqlText`.
 */
export function describeSyntaxError(message: string, sqlText: string): string | undefined {
  if (/^syntax error at end of input$/.test(message)) return 'the query ends too early.';
  const token = unquote(re(`syntax error at or near ${NAME}$`).exec(message)?.[1]);
  return token !== undefined && sqlText.includes(token) ? `unexpected ${quote(token)}.` : undefined;
}

const TEMPLATES: Readonly<Record<string, readonly Template[]>> = {
  binder: BINDER_TEMPLATES,
  catalog: CATALOG_TEMPLATES,
  conversion: VALUE_TEMPLATES,
  'out of range': VALUE_TEMPLATES,
  'invalid input': VALUE_TEMPLATES,
};

function explain(parsed: ParsedMessage, names: NameRules & { sqlText: string }): string {
  if (FIXED_MESSAGES.some((fixed) => fixed.test(parsed.body))) return parsed.body;
  if (parsed.kindName === 'parser') return describeSyntaxError(parsed.body, names.sqlText) ?? parsed.kind.generic;
  for (const template of TEMPLATES[parsed.kindName] ?? []) {
    const text = template(parsed.body, names);
    if (text !== undefined) return text;
  }
  return parsed.kind.generic;
}

/**
 * An engine error (DuckDB's message, e.g. "Binder Error: Referenced column \"x\" not found ... Candidate bindings: ...",
 * "Conversion Error: Could not convert string 'abc' to INT32", "Catalog Error: Table with name x does not exist! Did you
 * mean \"y\"?") as an analyst may see it: the error kind and what is wrong, the position when DuckDB gives one
 * (LINE/caret), and names only when they are in `visibleNames` (the project's relation and column names, lower-case)
 * or appear in the analyst's own sqlText; never a data value, never a hint naming something outside visibleNames,
 * never a file path. A message this module does not know becomes a generic message for its kind.
 */
export function sanitisedQueryError(
  engineMessage: string,
  options: { sqlText: string; visibleNames: ReadonlySet<string> },
): SanitisedQueryError {
  const parsed = parseEngineMessage(engineMessage);
  const detail = explain(parsed, { ...nameRules(options), sqlText: options.sqlText });
  const message = `${parsed.kind.label}: ${/[.!?]$/.test(detail) ? detail : `${detail}.`}`;
  const position = parsed.context ? caretIndex(options.sqlText, parsed.context) : undefined;
  return position === undefined ? { message } : { message, position };
}
