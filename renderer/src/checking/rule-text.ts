// The disclosure-control rule profiles in plain words, for the output checkers' reference table.
import type { RuleProfile } from '../../../src/common/contract.ts';
import { formatCount } from '../shell/format.ts';

export type RuleKey = 'threshold' | 'dominance' | 'pRatio' | 'zeros' | 'rounding' | 'dof' | 'totals';

export interface RuleRow {
  key: RuleKey;
  rule: string;
  /** What the rule checks, the same for every profile. */
  about: string;
}

export const RULE_ROWS: readonly RuleRow[] = [
  { key: 'threshold', rule: 'Minimum cell count', about: 'A cell counting fewer people than this (but more than none) is suppressed.' },
  {
    key: 'dominance',
    rule: 'Dominance (n, k)',
    about: 'A magnitude cell is unsafe when its n largest contributions make up more than k of its total.',
  },
  {
    key: 'pRatio',
    rule: 'p-ratio',
    about: 'A magnitude cell is unsafe when the rest of it, beyond its two largest contributions, is less than p of the largest.',
  },
  { key: 'zeros', rule: 'Zeros', about: 'Whether a count of zero is disclosive in itself.' },
  { key: 'rounding', rule: 'Rounding', about: 'How published counts are rounded.' },
  {
    key: 'dof',
    rule: 'Regression degrees of freedom',
    about: 'The residual degrees of freedom a regression needs before it can be released.',
  },
  { key: 'totals', rule: 'Totals', about: 'What happens to totals when a table does not say.' },
];

const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 2 });

export function describeRule(profile: RuleProfile, key: RuleKey): string {
  switch (key) {
    case 'threshold':
      return profile.threshold > 1
        ? `At least ${formatCount(profile.threshold)} (counts 1 to ${formatCount(profile.threshold - 1)} are suppressed)`
        : `At least ${formatCount(profile.threshold)}`;
    case 'dominance':
      return profile.nk ? `n = ${formatCount(profile.nk.n)}, k = ${percent.format(profile.nk.k)}` : 'Not applied';
    case 'pRatio':
      return profile.p === null ? 'Not applied' : `p = ${percent.format(profile.p)}`;
    case 'zeros':
      return profile.zerosDisclosive ? 'Disclosive: suppressed' : 'Not disclosive: may be published';
    case 'rounding':
      if (profile.rounding === null) return 'None';
      return 'base' in profile.rounding
        ? `To the nearest ${formatCount(profile.rounding.base)}`
        : `Midpoint rounding at ${formatCount(profile.rounding.midpoint)}`;
    case 'dof':
      return `At least ${formatCount(profile.dofThreshold)}`;
    case 'totals':
      return profile.defaultTotals === 'published'
        ? 'Published totals are kept and protected'
        : profile.defaultTotals === 'recomputed'
          ? 'Recomputed from the published cells'
          : 'Not published';
  }
}
