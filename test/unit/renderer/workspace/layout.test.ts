// The panes' sizes: what a saved layout becomes, how the splitters move by keyboard (the WAI-ARIA window splitter
// pattern) and by pointer, and that every pane keeps room to be used.
import { describe, expect, it } from 'vitest';
import {
  arranged,
  STACKED_EDITOR_MAX,
  DEFAULT_LAYOUT,
  SIZE_LIMITS,
  normaliseLayout,
  orientationOf,
  sameLayout,
  sizeAfterKey,
  sizeAtPointer,
  sizeOf,
  withSize,
} from '../../../../renderer/src/workspace/layout.ts';

describe('a saved layout', () => {
  it('is the default when none was saved', () => {
    expect(normaliseLayout(null)).toEqual(DEFAULT_LAYOUT);
  });

  it('keeps what was saved, clamped to the limits, and fills in sizes an older window did not save', () => {
    const layout = normaliseLayout({ arrangement: 'stacked', sizes: [90], schemaTreeOpen: false });

    expect(layout).toEqual({
      arrangement: 'stacked',
      sizes: [SIZE_LIMITS.schema.max, DEFAULT_LAYOUT.sizes[1], DEFAULT_LAYOUT.sizes[2]],
      schemaTreeOpen: false,
    });
  });

  it('keeps only the sizes it knows when a window saved more', () => {
    expect(normaliseLayout({ arrangement: 'side-by-side', sizes: [20, 30, 40, 50], schemaTreeOpen: true }).sizes).toEqual([20, 30, 40]);
  });
});

describe('moving a splitter by keyboard', () => {
  const key = (k: string, value = 30, shift = false) =>
    sizeAfterKey({ key: k, shift, value, splitter: 'editor', orientation: 'horizontal' });

  it('moves along its own axis with the arrow keys, further with Shift or Page Up/Down', () => {
    expect(key('ArrowDown')).toBe(32);
    expect(key('ArrowUp')).toBe(28);
    expect(key('ArrowDown', 30, true)).toBe(40);
    expect(key('PageUp')).toBe(20);
  });

  it('ignores the arrows of the other axis and keys it does not use', () => {
    expect(key('ArrowLeft')).toBeNull();
    expect(key('Enter')).toBeNull();
    expect(sizeAfterKey({ key: 'ArrowUp', shift: false, value: 20, splitter: 'schema', orientation: 'vertical' })).toBeNull();
    expect(sizeAfterKey({ key: 'ArrowRight', shift: false, value: 20, splitter: 'schema', orientation: 'vertical' })).toBe(22);
  });

  it('goes to its limits with Home and End, and never past them', () => {
    expect(key('Home')).toBe(SIZE_LIMITS.editor.min);
    expect(key('End')).toBe(SIZE_LIMITS.editor.max);
    expect(key('ArrowUp', SIZE_LIMITS.editor.min)).toBe(SIZE_LIMITS.editor.min);
    expect(key('ArrowDown', SIZE_LIMITS.editor.max, true)).toBe(SIZE_LIMITS.editor.max);
  });

  it("turns the grid | chart splitter's axis with the arrangement", () => {
    expect(orientationOf('result', 'side-by-side')).toBe('vertical');
    expect(orientationOf('result', 'stacked')).toBe('horizontal');
    expect(orientationOf('schema', 'stacked')).toBe('vertical');
    expect(orientationOf('editor', 'side-by-side')).toBe('horizontal');
  });
});

describe('moving a splitter by pointer', () => {
  it('gives the share of the container up to the pointer, clamped', () => {
    expect(sizeAtPointer({ splitter: 'result', pointer: 600, start: 100, length: 1000 })).toBe(50);
    expect(sizeAtPointer({ splitter: 'result', pointer: 0, start: 100, length: 1000 })).toBe(SIZE_LIMITS.result.min);
    expect(sizeAtPointer({ splitter: 'result', pointer: 5000, start: 100, length: 1000 })).toBe(SIZE_LIMITS.result.max);
  });

  it('gives nothing for a container with no size (hidden)', () => {
    expect(sizeAtPointer({ splitter: 'schema', pointer: 10, start: 0, length: 0 })).toBeNull();
  });
});

describe('changing one size', () => {
  it('changes that size only, and returns the same layout when nothing changes', () => {
    const moved = withSize(DEFAULT_LAYOUT, 'result', 70);
    expect(sizeOf(moved, 'result')).toBe(70);
    expect(sizeOf(moved, 'schema')).toBe(sizeOf(DEFAULT_LAYOUT, 'schema'));
    expect(withSize(moved, 'result', 70)).toBe(moved);
    expect(sameLayout(moved, { ...moved, sizes: [...moved.sizes] })).toBe(true);
    expect(sameLayout(moved, DEFAULT_LAYOUT)).toBe(false);
  });

  it('refuses a size that is not a number by keeping the default', () => {
    expect(sizeOf(withSize(DEFAULT_LAYOUT, 'editor', Number.NaN), 'editor')).toBe(sizeOf(DEFAULT_LAYOUT, 'editor'));
  });
});

describe('turning the chart below the result', () => {
  it('shrinks a larger editor to make room, and leaves a smaller one and the other sizes alone', () => {
    const tall = { ...DEFAULT_LAYOUT, sizes: [20, 45, 55] };
    const short = { ...DEFAULT_LAYOUT, sizes: [20, 18, 55] };

    expect(arranged(tall, 'stacked')).toEqual({ ...tall, arrangement: 'stacked', sizes: [20, STACKED_EDITOR_MAX, 55] });
    expect(arranged(short, 'stacked')).toEqual({ ...short, arrangement: 'stacked' });
  });

  it('turns back beside the result without changing a size, and changes nothing when already so', () => {
    const stacked = { ...DEFAULT_LAYOUT, arrangement: 'stacked' as const, sizes: [20, 24, 55] };

    expect(arranged(stacked, 'side-by-side')).toEqual({ ...stacked, arrangement: 'side-by-side' });
    expect(arranged(stacked, 'stacked')).toBe(stacked);
  });
});
