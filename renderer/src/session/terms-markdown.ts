// Terms of use as a person reads them: their Markdown (exactly as published) turned into a small tree of allowed
// elements from markdown-it's tokens, never into an HTML string (./TermsText.tsx makes React elements of it). Raw HTML is
// off and shown as text, only the elements below are made, no attribute of the source reaches the page (no inline
// styles under the strict CSP, no handlers), and a link is shown with its address rather than followed: the secure
// environment has nowhere for it to go.
import MarkdownIt, { type Token } from 'markdown-it';

const markdown = new MarkdownIt('default', { html: false, linkify: false, typographer: false });

export const TERMS_TAGS = [
  'p',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'em',
  'strong',
  's',
  'hr',
  'br',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
] as const;
export type TermsTag = (typeof TERMS_TAGS)[number];

/** Text, or an allowed element (an ordered list may say where it starts). */
export type TermsNode = string | { tag: TermsTag; children: TermsNode[]; start?: number };

/** Elements a token's tag may become as it is (headings are shifted, see below). */
const KEPT = new Set<string>(['ul', 'li', 'blockquote', 'em', 'strong', 's', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);

/** A heading of the text sits under the screen's own (h2 for the screen, h3 for each set of terms): h1 becomes h4. */
const HEADING_SHIFT = 3;

interface Nested {
  token: Token;
  children: Nested[];
}

/** Nests a flat run of tokens (open … close) into a tree; an inline token brings its own children. */
function nest(tokens: readonly Token[]): Nested[] {
  const root: Nested[] = [];
  const stack: Nested[][] = [root];
  for (const token of tokens) {
    const siblings = stack.at(-1) ?? root;
    if (token.nesting === 1) {
      const node: Nested = { token, children: [] };
      siblings.push(node);
      stack.push(node.children);
    } else if (token.nesting === -1) {
      if (stack.length > 1) stack.pop();
    } else {
      siblings.push({ token, children: token.children ? nest(token.children) : [] });
    }
  }
  return root;
}

function plainText(node: Nested): string {
  if (node.token.type === 'text' || node.token.type === 'code_inline') return node.token.content;
  return node.children.map(plainText).join('');
}

const element = (tag: TermsTag, children: TermsNode[]): TermsNode[] => [{ tag, children }];

function convert(node: Nested): TermsNode[] {
  const { token } = node;
  const children = node.children.flatMap(convert);
  switch (token.type) {
    case 'inline':
      return children;
    case 'text':
    case 'html_inline':
    case 'html_block':
      return [token.content];
    case 'softbreak':
      return ['\n'];
    case 'hardbreak':
      return element('br', []);
    case 'code_inline':
      return element('code', [token.content]);
    case 'code_block':
    case 'fence':
      return element('pre', element('code', [token.content]));
    case 'hr':
      return element('hr', []);
    case 'image':
      return [`[image: ${token.content}]`];
    case 'link_open': {
      const href = token.attrGet('href') ?? '';
      return href === '' || href === node.children.map(plainText).join('') ? children : [...children, ` (${href})`];
    }
    case 'heading_open': {
      const level = Math.min(6, Number(token.tag.slice(1)) + HEADING_SHIFT);
      return element(`h${level}` as 'h4' | 'h5' | 'h6', children);
    }
    case 'ordered_list_open': {
      const start = Number(token.attrGet('start') ?? '1');
      return [{ tag: 'ol', children, ...(Number.isSafeInteger(start) && start !== 1 ? { start } : {}) }];
    }
    case 'paragraph_open':
      // A tight list's paragraphs are not paragraphs: their text sits in the item itself.
      return token.hidden ? children : element('p', children);
    default:
      if (token.nesting === 1 && KEPT.has(token.tag)) return element(token.tag as TermsTag, children);
      // Anything else is shown as what it holds, never as markup.
      return token.content === '' ? children : [token.content];
  }
}

/** The terms text as the tree the screen shows. */
export function termsNodes(text: string): TermsNode[] {
  return nest(markdown.parse(text, {})).flatMap(convert);
}
