// Where in an agreement file a problem is: the file is parsed by jsonc-parser (Microsoft's, as VS Code uses), which
// keeps every value's offset, so a schema failure at a path ("members[1].trainingExpires") can be reported at a line
// and column the data manager can go to. Plain JSON only: no comments, no trailing commas, no key written twice.
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';

export type JsonPath = readonly (string | number)[];

/** One thing wrong with one file, located: what the loader reports and the admin's screen lists. */
export interface AgreementProblem {
  /** The file's name in the agreements folder ("cardio-admissions.json"). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
  /** The field, as people write it: "members[1].trainingExpires"; "" for the file as a whole. */
  readonly path: string;
  /** What is wrong, in words that complete "path: …". */
  readonly message: string;
}

/** "cardio-admissions.json line 14, column 9, members[1].trainingExpires: must be a date like 2026-03-31" */
export function describeProblem(problem: AgreementProblem): string {
  const where = `${problem.file} line ${problem.line}, column ${problem.column}`;
  return problem.path === '' ? `${where}: ${problem.message}` : `${where}, ${problem.path}: ${problem.message}`;
}

export function formatPath(path: JsonPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** What each syntax error means, said so that someone who does not write JSON daily can fix it. */
const SYNTAX_WORDS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'this is not JSON here (text needs "double quotes"; comments are not allowed)',
  InvalidNumberFormat: 'this number is not written as JSON writes numbers',
  PropertyNameExpected: 'a field name in "double quotes" is expected here (is there a comma too many before it?)',
  ValueExpected: 'a value is expected here (is there a comma too many, or is the file empty?)',
  ColonExpected: 'a colon (:) is expected after the field name',
  CommaExpected: 'a comma is missing before this',
  CloseBraceExpected: 'a closing } is missing before this',
  CloseBracketExpected: 'a closing ] is missing before this',
  EndOfFileExpected: 'the agreement should end here: there is something after its closing }',
  InvalidCommentToken: 'comments are not allowed in agreement files',
  UnexpectedEndOfComment: 'comments are not allowed in agreement files',
  UnexpectedEndOfString: 'this text has no closing double quote',
  UnexpectedEndOfNumber: 'this number is cut short',
  InvalidUnicode: 'this \\u escape is not four hexadecimal digits',
  InvalidEscapeCharacter: 'this backslash escape is not one JSON allows',
  InvalidCharacter: 'this text holds a character JSON does not allow inside quotes (a tab or a line break)',
};

/** A parsed file that can say where any path of it is. */
export class LocatedJson {
  readonly #lineStarts: number[];
  readonly #root: Node;

  private constructor(text: string, root: Node) {
    this.#root = root;
    this.#lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.#lineStarts.push(i + 1);
  }

  /** Parses `text`; a syntax error comes back as problems located at the error. */
  static parse(file: string, text: string): { json: LocatedJson } | { problems: AgreementProblem[] } {
    const errors: ParseError[] = [];
    const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const lines = new LocatedJson(text, root ?? { type: 'null', offset: 0, length: 0 });
    if (errors.length > 0 || root === undefined) {
      const shown = errors.length > 0 ? errors : [{ error: 0, offset: 0, length: 0 }];
      // The first syntax error is the one to fix: the ones after it are often its echoes.
      return { problems: [lines.#problemAt({ file, offset: shown[0].offset, message: syntaxMessage(shown[0]) })] };
    }
    const duplicates = findDuplicateKeys(root).map(({ node, path }) =>
      lines.#problemAt({ file, offset: node.offset, path, message: 'is written twice in this object: keep one' }),
    );
    return duplicates.length > 0 ? { problems: duplicates } : { json: lines };
  }

  get value(): unknown {
    return getNodeValue(this.#root) as unknown;
  }

  /**
   * A problem at `path`. A field that is there is pointed at by its name; a missing one at the nearest object that
   * should hold it.
   */
  problem(options: { file: string; path: JsonPath; message: string }): AgreementProblem {
    const { path } = options;
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? this.#root : findNodeAtLocation(this.#root, [...path.slice(0, depth)]);
      if (node === undefined) continue;
      const anchor = node.parent?.type === 'property' ? node.parent : node;
      return this.#problemAt({ file: options.file, offset: anchor.offset, path, message: options.message });
    }
    return this.#problemAt({ file: options.file, offset: 0, path, message: options.message });
  }

  #problemAt(options: { file: string; offset: number; path?: JsonPath; message: string }): AgreementProblem {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#lineStarts[mid] <= options.offset) low = mid;
      else high = mid - 1;
    }
    return {
      file: options.file,
      line: low + 1,
      column: options.offset - this.#lineStarts[low] + 1,
      path: formatPath(options.path ?? []),
      message: options.message,
    };
  }
}

function syntaxMessage(error: ParseError): string {
  return SYNTAX_WORDS[printParseErrorCode(error.error)] ?? 'this is not valid JSON';
}

/** Keys written twice in one object: JSON parsers keep the last silently, so an edit could be lost without a word. */
function findDuplicateKeys(root: Node): { node: Node; path: JsonPath }[] {
  const found: { node: Node; path: JsonPath }[] = [];
  const visit = (node: Node, path: JsonPath): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        const key = String(keyNode?.value);
        if (seen.has(key)) found.push({ node: property, path: [...path, key] });
        seen.add(key);
        if (valueNode !== undefined) visit(valueNode, [...path, key]);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => visit(child, [...path, i]));
    }
  };
  visit(root, []);
  return found;
}
