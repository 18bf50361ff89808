// The shipped small-area → region lookup covers exactly the LSOA codes the synthetic generator can produce, each in
// the region of the local authority whose block it belongs to.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRegionLookup, SHIPPED_REGION_LOOKUP, shippedRegionLookup } from '../../../../src/platform/minimisation/region-lookup.ts';
import { buildGeography } from '../../../../src/platform/synth/geography.ts';
import { loadReferenceData } from '../../../../src/platform/synth/reference-data.ts';

const code = (n: number): string => `E01${String(n).padStart(6, '0')}`;

describe('the shipped region lookup', () => {
  it("gives every local authority's whole block of codes its region, and nothing else", () => {
    const ref = loadReferenceData();
    const geography = buildGeography(ref);
    const lookup = shippedRegionLookup();
    const regionOf = (lsoa: string): string | undefined => lookup.find((range) => range.first <= lsoa && lsoa <= range.last)?.regionCode;
    let covered = 0;
    for (const la of geography.localAuthorities) {
      const region = ref.regions[la.region]?.code;
      for (const n of [la.lsoaStart, la.lsoaStart + Math.floor(la.lsoaCount / 2), la.lsoaStart + la.lsoaCount - 1]) {
        expect(regionOf(code(n))).toBe(region);
      }
      covered += la.lsoaCount;
    }
    const total = lookup.reduce((sum, range) => sum + Number(range.last.slice(3)) - Number(range.first.slice(3)) + 1, 0);
    expect(total).toBe(covered);
    expect(lookup[0]?.first).toBe(code(1));
    expect(regionOf(code(0))).toBeUndefined();
    expect(regionOf(code(covered + 1))).toBeUndefined();
  });

  it('names the regions as regions.csv does', () => {
    const names = new Map(loadReferenceData().regions.map((region) => [region.code, region.name]));
    for (const range of shippedRegionLookup()) expect(range.regionName).toBe(names.get(range.regionCode));
  });

  it('is small enough to become a CASE, and is documented as synthetic beside it', () => {
    expect(readFileSync(SHIPPED_REGION_LOOKUP, 'utf8').length).toBeLessThan(10_000);
    const readme = readFileSync(new URL('README.md', SHIPPED_REGION_LOOKUP), 'utf8');
    expect(readme).toContain('lsoa_regions.csv');
    expect(readme).toContain('SYNTHETIC');
  });
});

describe('parseRegionLookup refuses', () => {
  const header = 'first_lsoa,last_lsoa,region_code,region_name';
  it.each([
    ['a missing header', 'E01000001,E01000002,E12000001,North East'],
    ['a malformed code', `${header}\nE0100001,E01000002,E12000001,North East`],
    ['a reversed range', `${header}\nE01000009,E01000002,E12000001,North East`],
    ['overlapping ranges', `${header}\nE01000001,E01000005,E12000001,North East\nE01000005,E01000009,E12000002,North West`],
    ['a range with no region name', `${header}\nE01000001,E01000005,E12000001,`],
  ])('%s', (_label, text) => {
    expect(() => parseRegionLookup(text, 'test.csv')).toThrow(/test\.csv/);
  });
});
