// The schema tree's keys (WAI-ARIA tree view): moving, opening and closing tables, going back to a column's table.
import { describe, expect, it } from 'vitest';
import { moveInTree, type TreeItem } from '../../../../renderer/src/workspace/tree-keys.ts';

const items: TreeItem[] = [
  { key: 'episodes', parent: null, expandable: true },
  { key: 'episodes\u0000age', parent: 'episodes', expandable: false },
  { key: 'episodes\u0000sex', parent: 'episodes', expandable: false },
  { key: 'patients', parent: null, expandable: true },
];
const open = new Set(['episodes']);
const press = (key: string, current: string, expanded: ReadonlySet<string> = open) => moveInTree({ items, current, expanded, key });

describe('moving through the schema tree', () => {
  it('moves down and up through what is visible, and stops at the ends', () => {
    expect(press('ArrowDown', 'episodes')).toEqual({ focus: 'episodes\u0000age' });
    expect(press('ArrowUp', 'patients')).toEqual({ focus: 'episodes\u0000sex' });
    expect(press('ArrowDown', 'patients')).toEqual({ focus: 'patients' });
    expect(press('ArrowUp', 'episodes')).toEqual({ focus: 'episodes' });
    expect(press('End', 'episodes')).toEqual({ focus: 'patients' });
    expect(press('Home', 'patients')).toEqual({ focus: 'episodes' });
  });

  it('opens a closed table with Right, then goes to its first column', () => {
    expect(press('ArrowRight', 'patients')).toEqual({ focus: 'patients', toggle: 'patients' });
    expect(press('ArrowRight', 'episodes')).toEqual({ focus: 'episodes\u0000age' });
  });

  it('closes an open table with Left, and goes from a column back to its table', () => {
    expect(press('ArrowLeft', 'episodes')).toEqual({ focus: 'episodes', toggle: 'episodes' });
    expect(press('ArrowLeft', 'episodes\u0000sex')).toEqual({ focus: 'episodes' });
    expect(press('ArrowLeft', 'patients')).toEqual({ focus: 'patients' });
  });

  it('ignores keys it does not use, and starts at the first item when focus is lost', () => {
    expect(press('a', 'episodes')).toBeNull();
    expect(press('ArrowDown', 'gone')).toEqual({ focus: 'episodes' });
    expect(moveInTree({ items: [], current: 'x', expanded: open, key: 'ArrowDown' })).toBeNull();
  });
});
