// Terms of use are Markdown written by an administrator and shown to everyone: the window turns them into a few allowed
// elements and text, never HTML. Raw HTML, scripts, styles and links' targets cannot reach the page as markup.
import { describe, expect, it } from 'vitest';
import { TERMS_TAGS, termsNodes, type TermsNode } from '../../../../renderer/src/session/terms-markdown.ts';

/** Every element tag in a tree. */
function tagsOf(nodes: readonly TermsNode[]): string[] {
  return nodes.flatMap((node) => (typeof node === 'string' ? [] : [node.tag, ...tagsOf(node.children)]));
}

/** The tree's text, as a screen reader would read it. */
function textOf(nodes: readonly TermsNode[]): string {
  return nodes.map((node) => (typeof node === 'string' ? node : textOf(node.children))).join('');
}

describe('terms text', () => {
  it('keeps the document’s structure: headings under the screen’s own, paragraphs, lists, emphasis', () => {
    const nodes = termsNodes('# Terms\n\nYou **must**:\n\n1. keep data *inside*\n2. report incidents\n\n## Breaches\n\nSee `policy`.');

    expect(nodes).toEqual([
      { tag: 'h4', children: ['Terms'] },
      { tag: 'p', children: ['You ', { tag: 'strong', children: ['must'] }, ':'] },
      {
        tag: 'ol',
        children: [
          { tag: 'li', children: ['keep data ', { tag: 'em', children: ['inside'] }] },
          { tag: 'li', children: ['report incidents'] },
        ],
      },
      { tag: 'h5', children: ['Breaches'] },
      { tag: 'p', children: ['See ', { tag: 'code', children: ['policy'] }, '.'] },
    ]);
  });

  it('shows raw HTML as text, never as elements', () => {
    const hostile = '<script>alert(1)</script>\n\nHello <img src=x onerror=alert(1)> and <b style="color:red">bold</b>.';
    const nodes = termsNodes(hostile);

    expect(tagsOf(nodes).every((tag) => (TERMS_TAGS as readonly string[]).includes(tag))).toBe(true);
    expect(tagsOf(nodes)).not.toContain('script');
    expect(textOf(nodes)).toContain('<script>alert(1)</script>');
    expect(textOf(nodes)).toContain('<img src=x onerror=alert(1)>');
  });

  it('shows a link’s address beside its text rather than making it followable (javascript: included)', () => {
    expect(textOf(termsNodes('Read [the policy](https://tre.example/policy).'))).toBe('Read the policy (https://tre.example/policy).');
    expect(textOf(termsNodes('<https://tre.example/policy>'))).toBe('https://tre.example/policy');
    const nodes = termsNodes('[click](javascript:alert(1))');
    expect(tagsOf(nodes)).toEqual(['p']);
    expect(textOf(nodes)).not.toMatch(/<a/);
  });

  it('shows an image as its description, and keeps code blocks as text', () => {
    expect(textOf(termsNodes('![the TRE logo](logo.png)'))).toBe('[image: the TRE logo]');
    expect(termsNodes('```\n<b>not bold</b>\n```')).toEqual([{ tag: 'pre', children: [{ tag: 'code', children: ['<b>not bold</b>\n'] }] }]);
  });

  it('makes only allowed elements of every construct, tables and quotes included', () => {
    const all = termsNodes('> quoted\n\n---\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n~~gone~~  \nnext line\n\n3. three\n4. four');

    expect(tagsOf(all).every((tag) => (TERMS_TAGS as readonly string[]).includes(tag))).toBe(true);
    expect(new Set(tagsOf(all))).toEqual(
      new Set(['blockquote', 'p', 'hr', 'table', 'thead', 'tr', 'th', 'tbody', 'td', 's', 'br', 'ol', 'li']),
    );
    expect(all.at(-1)).toMatchObject({ tag: 'ol', start: 3 });
  });
});
