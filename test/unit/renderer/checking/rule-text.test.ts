// The output checkers' table says every rule of every profile in words, with nothing left as a raw value.
import { describe, expect, it } from 'vitest';
import type { RuleProfile } from '../../../../src/common/contract.ts';
import { PROFILES } from '../../../../src/common/sdc/rules.ts';
import { describeRule, RULE_ROWS } from '../../../../renderer/src/checking/rule-text.ts';

const profile = (name: keyof typeof PROFILES): RuleProfile => ({ ...PROFILES[name] });

describe('rule profiles in words', () => {
  it('describes the default profile', () => {
    const p = profile('default');
    expect(RULE_ROWS.map((row) => describeRule(p, row.key))).toEqual([
      'At least 10 (counts 1 to 9 are suppressed)',
      'n = 2, k = 90%',
      'p = 10%',
      'Disclosive: suppressed',
      'None',
      'At least 10',
      'Published totals are kept and protected',
    ]);
  });

  it('describes the OpenSAFELY profile, whose magnitude rules are not applied', () => {
    const p = profile('opensafely');
    expect(describeRule(p, 'threshold')).toBe('At least 8 (counts 1 to 7 are suppressed)');
    expect(describeRule(p, 'dominance')).toBe('Not applied');
    expect(describeRule(p, 'pRatio')).toBe('Not applied');
    expect(describeRule(p, 'zeros')).toBe('Not disclosive: may be published');
    expect(describeRule(p, 'rounding')).toBe('To the nearest 5');
    expect(describeRule(p, 'totals')).toBe('Recomputed from the published cells');
  });

  it('says midpoint rounding and unpublished totals plainly', () => {
    const p: RuleProfile = { ...profile('default'), rounding: { midpoint: 6 }, defaultTotals: 'none' };
    expect(describeRule(p, 'rounding')).toBe('Midpoint rounding at 6');
    expect(describeRule(p, 'totals')).toBe('Not published');
  });
});
