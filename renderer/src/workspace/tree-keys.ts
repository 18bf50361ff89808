// The WAI-ARIA tree view's keys over the items now visible (tables, and the columns of open tables). Pure.

export interface TreeItem {
  key: string;
  /** The table a column belongs to; null for a table. */
  parent: string | null;
  expandable: boolean;
}

/** Where focus goes, and which table opens or closes, for a key; null for a key the tree does not use. */
export function moveInTree(request: {
  items: readonly TreeItem[];
  current: string;
  expanded: ReadonlySet<string>;
  key: string;
}): { focus: string; toggle?: string } | null {
  const { items, current, expanded, key } = request;
  const index = items.findIndex((item) => item.key === current);
  if (index < 0) return items.length > 0 ? { focus: items[0].key } : null;
  const item = items[index];
  switch (key) {
    case 'ArrowDown':
      return { focus: items[Math.min(index + 1, items.length - 1)].key };
    case 'ArrowUp':
      return { focus: items[Math.max(index - 1, 0)].key };
    case 'Home':
      return { focus: items[0].key };
    case 'End':
      return { focus: items[items.length - 1].key };
    case 'ArrowRight':
      if (!item.expandable) return { focus: current };
      if (!expanded.has(item.key)) return { focus: current, toggle: item.key };
      // Open already: to its first column, if it has any.
      return { focus: items[index + 1]?.parent === item.key ? items[index + 1].key : current };
    case 'ArrowLeft':
      if (item.expandable && expanded.has(item.key)) return { focus: current, toggle: item.key };
      return { focus: item.parent ?? current };
    default:
      return null;
  }
}
