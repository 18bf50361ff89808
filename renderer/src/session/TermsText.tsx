// A terms text on screen: the tree of allowed elements (./terms-markdown.ts) as React elements; nothing is set as HTML.
import { createElement, useMemo, type ReactNode } from 'react';
import { termsNodes, type TermsNode } from './terms-markdown.ts';

function toElements(nodes: readonly TermsNode[], key: string): ReactNode[] {
  return nodes.map((node, index) => {
    if (typeof node === 'string') return node;
    const props = { key: `${key}${index}`, ...(node.start === undefined ? {} : { start: node.start }) };
    return createElement(node.tag, props, ...toElements(node.children, `${key}${index}.`));
  });
}

export function TermsText(props: { text: string; testId?: string }) {
  const elements = useMemo(() => toElements(termsNodes(props.text), 't'), [props.text]);
  return (
    <div className="terms-text" data-testid={props.testId}>
      {elements}
    </div>
  );
}
