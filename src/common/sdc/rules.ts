// Disclosure-control rule profiles and the cell-level rules (primary suppression tests).
// Pure: no I/O. Parameter names and the exact comparisons follow ACRO (AI-SDC/ACRO v0.4.12,
// acro/acro_tables.py: agg_threshold, agg_nk, agg_p_percent) so that our verdicts match its checks.
import { z } from 'zod';

/**
 * One rule profile's shape, once: the engine's `Rules` is inferred from it, and the platform's rule-profile
 * answer (RuleProfileSchema in contract.ts) is derived from it, so the two cannot drift apart.
 */
export const RulesSchema = z.object({
  profile: z.enum(['default', 'opensafely']),
  /** A cell is unsafe when 0 < count < threshold. */
  threshold: z.number(),
  /** (n,k) dominance: unsafe when the n largest contributions are more than k of the cell total. Null: not applied. */
  nk: z.object({ n: z.number(), k: z.number() }).nullable(),
  /** p-ratio: unsafe when (total − x1 − x2) / x1 < p. Null: not applied. */
  p: z.number().nullable(),
  /** Whether a count of zero is itself disclosive (and so suppressed). */
  zerosDisclosive: z.boolean(),
  rounding: z.union([z.object({ base: z.number() }), z.object({ midpoint: z.number() })]).nullable(),
  /** Residual degrees of freedom a regression needs. */
  dofThreshold: z.number(),
  /** What happens to published totals when the profile is used and the table does not say. */
  defaultTotals: z.enum(['published', 'recomputed', 'none']),
});

export type Rules = z.infer<typeof RulesSchema>;
export type ProfileName = Rules['profile'];
export type TotalsMode = Rules['defaultTotals'];
export type Rounding = NonNullable<Rules['rounding']>;

export type RuleOverrides = Partial<Omit<Rules, 'profile' | 'defaultTotals'>> & { profile?: ProfileName };

export const PROFILES: Readonly<Record<ProfileName, Rules>> = {
  default: {
    profile: 'default',
    threshold: 10,
    nk: { n: 2, k: 0.9 },
    p: 0.1,
    zerosDisclosive: true,
    rounding: null,
    dofThreshold: 10,
    defaultTotals: 'published',
  },
  // OpenSAFELY (opensafely/documentation, docs/releasing-files.md): redact counts 1–7 (so the
  // threshold is 8), keep zeros, round every other count to the nearest 5, and publish totals
  // as sums of the published cells. It has no magnitude rules.
  opensafely: {
    profile: 'opensafely',
    threshold: 8,
    nk: null,
    p: null,
    zerosDisclosive: false,
    rounding: { base: 5 },
    dofThreshold: 10,
    defaultTotals: 'recomputed',
  },
};

export function resolveRules(overrides: RuleOverrides = {}): Rules {
  const base = PROFILES[overrides.profile ?? 'default'];
  const resolved: Rules = { ...base };
  if (overrides.threshold !== undefined) resolved.threshold = overrides.threshold;
  if (overrides.nk !== undefined) resolved.nk = overrides.nk;
  if (overrides.p !== undefined) resolved.p = overrides.p;
  if (overrides.zerosDisclosive !== undefined) resolved.zerosDisclosive = overrides.zerosDisclosive;
  if (overrides.rounding !== undefined) resolved.rounding = overrides.rounding;
  if (overrides.dofThreshold !== undefined) resolved.dofThreshold = overrides.dofThreshold;
  return resolved;
}

/** What a cell (or a group of cells) holds, as the rules see it. */
export interface CellFacts {
  /** Number of contributors; null when missing. */
  count: number | null;
  /** Contributions, largest first, when the table is a magnitude table (null entries are missing values). */
  contributions: readonly (number | null)[] | null;
}

export type ReasonCode = 'missing' | 'negative' | 'zero' | 'threshold' | 'dominance' | 'p-ratio';

export interface Finding {
  code: ReasonCode;
  message: string;
}

/** Contributions sorted largest first, with missing values dropped. */
export function sortedContributions(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null).sort((a, b) => b - a);
}

/** Findings for one cell. Missing and negative values are reported and send the output to review. */
export function checkCell(facts: CellFacts, rules: Rules): Finding[] {
  const findings: Finding[] = [];
  const { count, contributions } = facts;
  if (count === null || (contributions !== null && contributions.some((v) => v === null))) {
    findings.push({ code: 'missing', message: 'missing: the cell has missing values and needs review' });
  }
  if ((count !== null && count < 0) || (contributions !== null && contributions.some((v) => v !== null && v < 0))) {
    findings.push({ code: 'negative', message: 'negative: the cell has negative values and needs review' });
  }
  if (findings.length > 0) return findings;
  const n = count as number;
  if (n === 0) {
    if (rules.zerosDisclosive) findings.push({ code: 'zero', message: 'zero: zeros are disclosive under this profile' });
  } else if (n < rules.threshold) {
    findings.push({ code: 'threshold', message: `threshold: count ${n} is below ${rules.threshold}` });
  }
  if (contributions !== null && n > 0) {
    const sorted = sortedContributions(contributions);
    const dominance = dominanceFinding(sorted, rules);
    if (dominance) findings.push(dominance);
    const pRatio = pRatioFinding(sorted, rules);
    if (pRatio) findings.push(pRatio);
  }
  return findings;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** (n,k) rule as ACRO's agg_nk: only when the total is positive; strictly more than k is unsafe. */
function dominanceFinding(sorted: readonly number[], rules: Rules): Finding | null {
  if (!rules.nk) return null;
  const total = sum(sorted);
  if (!(total > 0)) return null;
  const top = sum(sorted.slice(0, rules.nk.n));
  if (top / total > rules.nk.k) {
    return {
      code: 'dominance',
      message: `dominance: the ${rules.nk.n} largest contributions are more than ${rules.nk.k * 100}% of the total`,
    };
  }
  return null;
}

/**
 * p-ratio as ACRO's agg_p_percent: (total − x1 − x2) / x1 < p is unsafe. When the total is not
 * positive the ratio is undefined; ACRO then reports the cell unsafe exactly when zeros are
 * disclosive, and so do we. A single contributor has x2 = 0, so its ratio is 0: unsafe.
 */
function pRatioFinding(sorted: readonly number[], rules: Rules): Finding | null {
  if (rules.p === null) return null;
  const total = sum(sorted);
  if (!(total > 0)) {
    return rules.zerosDisclosive ? { code: 'p-ratio', message: 'p-ratio: every contribution is zero and zeros are disclosive' } : null;
  }
  const x1 = sorted[0] ?? 0;
  const x2 = sorted[1] ?? 0;
  if ((total - x1 - x2) / x1 < rules.p) {
    return {
      code: 'p-ratio',
      message: `p-ratio: the smaller contributions are less than ${rules.p * 100}% of the largest`,
    };
  }
  return null;
}

/**
 * Upper protection level of a sensitive magnitude cell, as τ-ARGUS and sdcTable define it
 * (Hundepool et al., Statistical Disclosure Control, Wiley 2012, §4.2): how far above the true
 * value an attacker's upper bound must lie so that the largest contributor cannot be estimated
 * closer than the rule allows. (n,k): (x1+…+xn)/k − X. p-ratio: p·x1 − (X − x1 − x2). τ-ARGUS
 * takes the lower protection level equal to the upper one; so do we (capped by the cell's room).
 */
export function protectionLevel(sorted: readonly number[], rules: Rules): number {
  const total = sum(sorted);
  let level = 0;
  if (rules.nk && total > 0) level = Math.max(level, sum(sorted.slice(0, rules.nk.n)) / rules.nk.k - total);
  if (rules.p !== null && total > 0) {
    const x1 = sorted[0] ?? 0;
    const x2 = sorted[1] ?? 0;
    level = Math.max(level, rules.p * x1 - (total - x1 - x2));
  }
  return level;
}
