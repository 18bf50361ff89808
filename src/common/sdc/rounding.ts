// Rounding of published values: to a base (nearest multiple) or OpenSAFELY's midpoint rounding.
import type { Rounding } from './rules.ts';

/** Nearest multiple of `base`; halves round up (away from zero for the non-negative counts this sees). */
export function roundToBase(value: number, base: number): number {
  const rounded = Math.floor(value / base + 0.5) * base;
  return rounded === 0 ? 0 : rounded;
}

/**
 * Midpoint rounding, as OpenSAFELY's `roundmid_any` (opensafely/documentation,
 * docs/releasing-files.md, "Midpoint 6 rounding"): ceiling(x/to)*to − floor(to/2)*(x≠0),
 * so 0 → 0, 1–6 → 3, 7–12 → 9, 13–18 → 15.
 */
export function roundMidpoint(value: number, to: number): number {
  if (value === 0) return 0;
  return Math.ceil(value / to) * to - Math.floor(to / 2);
}

export function applyRounding(value: number, rounding: Rounding): number {
  return 'base' in rounding ? roundToBase(value, rounding.base) : roundMidpoint(value, rounding.midpoint);
}

export function describeRounding(rounding: Rounding): string {
  return 'base' in rounding ? `rounded to the nearest ${rounding.base}` : `rounded to midpoint ${rounding.midpoint}`;
}
