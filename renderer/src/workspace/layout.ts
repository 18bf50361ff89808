// The panes' sizes, as the workspace saves them (Layout in src/common/workspace.ts): three percentages, each of the
// space its splitter divides, so a layout fits any window. Pure: the splitters' keyboard and pointer maths, clamping,
// and reading a saved layout that may come from an older window.
import type { Layout } from '../../../src/common/workspace.ts';

/**
 * The splitters in the window's order: the side pane | the rest; the editor / the result; the editor and result | the
 * chart (side by side), or the result / the chart (stacked).
 */
export type SplitterId = 'schema' | 'editor' | 'result';
export const SPLITTERS: readonly SplitterId[] = ['schema', 'editor', 'result'];

/** What each size may be, in percent of the space it divides: every pane keeps enough room to be used. */
export const SIZE_LIMITS: Readonly<Record<SplitterId, { min: number; max: number }>> = {
  schema: { min: 12, max: 45 },
  editor: { min: 15, max: 75 },
  result: { min: 20, max: 80 },
};

/** At 1366x768 the editor shows about six lines and the result about seven rows; either is a drag away from more. */
export const DEFAULT_LAYOUT: Layout = { arrangement: 'side-by-side', sizes: [18, 36, 60], schemaTreeOpen: true };

/** One arrow key moves a splitter this far; with Shift (or Page Up/Down), ten times as far. */
export const KEY_STEP = 2;
export const BIG_STEP = 10;

export function clampSize(splitter: SplitterId, value: number): number {
  const { min, max } = SIZE_LIMITS[splitter];
  if (!Number.isFinite(value)) return DEFAULT_LAYOUT.sizes[SPLITTERS.indexOf(splitter)];
  return Math.round(Math.min(max, Math.max(min, value)) * 10) / 10;
}

/** A saved layout made whole: missing or out-of-range sizes take the default's, the rest are clamped. */
export function normaliseLayout(saved: Layout | null): Layout {
  if (saved === null) return DEFAULT_LAYOUT;
  const sizes = SPLITTERS.map((splitter, i) => {
    const value = saved.sizes[i];
    return value === undefined ? DEFAULT_LAYOUT.sizes[i] : clampSize(splitter, value);
  });
  return { arrangement: saved.arrangement, sizes, schemaTreeOpen: saved.schemaTreeOpen };
}

export function sizeOf(layout: Layout, splitter: SplitterId): number {
  return layout.sizes[SPLITTERS.indexOf(splitter)] ?? DEFAULT_LAYOUT.sizes[SPLITTERS.indexOf(splitter)];
}

/** The layout with one splitter moved (clamped). The same layout object when nothing changes. */
export function withSize(layout: Layout, splitter: SplitterId, value: number): Layout {
  const next = clampSize(splitter, value);
  const index = SPLITTERS.indexOf(splitter);
  if (layout.sizes[index] === next) return layout;
  const sizes = [...normaliseLayout(layout).sizes];
  sizes[index] = next;
  return { ...layout, sizes };
}

/**
 * With the chart below the result, three panes share the height: the editor gets at most this share of it, so that at
 * 1366x768 rows of the result and the chart both show. Its size is the analyst's again from there.
 */
export const STACKED_EDITOR_MAX = 24;

/** The layout in another arrangement: turning the chart below the result makes room for it by shrinking the editor. */
export function arranged(layout: Layout, arrangement: Layout['arrangement']): Layout {
  if (layout.arrangement === arrangement) return layout;
  const turned = { ...layout, arrangement };
  return arrangement === 'stacked' && sizeOf(layout, 'editor') > STACKED_EDITOR_MAX
    ? withSize(turned, 'editor', STACKED_EDITOR_MAX)
    : turned;
}

/** Whether a splitter moves left and right (a vertical bar) or up and down (a horizontal one). */
export function orientationOf(splitter: SplitterId, arrangement: Layout['arrangement']): 'vertical' | 'horizontal' {
  if (splitter === 'schema') return 'vertical';
  if (splitter === 'editor') return 'horizontal';
  return arrangement === 'side-by-side' ? 'vertical' : 'horizontal';
}

/**
 * The WAI-ARIA window splitter's keys: the arrows along the splitter's axis move it (the other two do nothing),
 * Page Up/Down and Shift move it further, Home and End take it to its limits. Null for any other key.
 */
export function sizeAfterKey(request: {
  key: string;
  shift: boolean;
  value: number;
  splitter: SplitterId;
  orientation: 'vertical' | 'horizontal';
}): number | null {
  const { key, shift, value, splitter, orientation } = request;
  const { min, max } = SIZE_LIMITS[splitter];
  const step = shift ? BIG_STEP : KEY_STEP;
  const smaller = orientation === 'vertical' ? 'ArrowLeft' : 'ArrowUp';
  const larger = orientation === 'vertical' ? 'ArrowRight' : 'ArrowDown';
  switch (key) {
    case smaller:
      return clampSize(splitter, value - step);
    case larger:
      return clampSize(splitter, value + step);
    case 'PageUp':
      return clampSize(splitter, value - BIG_STEP);
    case 'PageDown':
      return clampSize(splitter, value + BIG_STEP);
    case 'Home':
      return min;
    case 'End':
      return max;
    default:
      return null;
  }
}

/** The size a pointer at `pointer` gives, in a container that starts at `start` and is `length` long (all in px). */
export function sizeAtPointer(request: { splitter: SplitterId; pointer: number; start: number; length: number }): number | null {
  const { splitter, pointer, start, length } = request;
  if (!(length > 0)) return null;
  return clampSize(splitter, ((pointer - start) / length) * 100);
}

/** Whether two layouts would look the same (so that an unchanged layout is not saved again). */
export function sameLayout(a: Layout, b: Layout): boolean {
  return (
    a.arrangement === b.arrangement &&
    a.schemaTreeOpen === b.schemaTreeOpen &&
    a.sizes.length === b.sizes.length &&
    a.sizes.every((size, i) => size === b.sizes[i])
  );
}
