// Small-area code → region, from the lookup the platform ships (resources/reference/minimisation/lsoa_regions.csv). The lookup is
// SYNTHETIC: it covers exactly the LSOA-format codes the demo generator (src/platform/synth/geography.ts) can produce,
// a block of codes per local authority, numbered from E01000001 in the order of local_authorities.csv, whose
// authorities are listed region by region, so each region's codes are one contiguous range. The codes do not match
// the real 2021 LSOAs of those places; a real deployment ships ONS's LSOA-to-region lookup in the same form.
import { readFileSync } from 'node:fs';
import { EnclaveError } from '../../common/errors.ts';

export const SHIPPED_REGION_LOOKUP = new URL('../../../resources/reference/minimisation/lsoa_regions.csv', import.meta.url);

/** One range of codes (inclusive, compared as text: the codes have a fixed width) and its region. */
export interface RegionRange {
  readonly first: string;
  readonly last: string;
  readonly regionCode: string;
  readonly regionName: string;
}

const HEADER = 'first_lsoa,last_lsoa,region_code,region_name';
const CODE = /^[EW]01\d{6}$/;

/** Parses the lookup's CSV; refuses one whose ranges are malformed, reversed or overlapping. */
export function parseRegionLookup(text: string, source: string): RegionRange[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines[0] !== HEADER) throw new EnclaveError('unavailable', `The region lookup ${source} must start with the header ${HEADER}.`);
  const ranges = lines.slice(1).map((line, i): RegionRange => {
    const [first = '', last = '', regionCode = '', ...name] = line.split(',');
    const regionName = name.join(',');
    if (!CODE.test(first) || !CODE.test(last) || first > last || !/^E12\d{6}$/.test(regionCode) || regionName === '') {
      throw new EnclaveError('unavailable', `The region lookup ${source} has a malformed range on line ${i + 2}.`);
    }
    return { first, last, regionCode, regionName };
  });
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : 1));
  sorted.forEach((range, i) => {
    const next = sorted[i + 1];
    if (next !== undefined && next.first <= range.last) {
      throw new EnclaveError('unavailable', `The region lookup ${source} has overlapping ranges (${range.first}–${range.last}).`);
    }
  });
  return sorted;
}

let shipped: RegionRange[] | undefined;

/** The shipped lookup, read once (a few hundred bytes). */
export function shippedRegionLookup(): readonly RegionRange[] {
  shipped ??= parseRegionLookup(readFileSync(SHIPPED_REGION_LOOKUP, 'utf8'), 'resources/reference/minimisation/lsoa_regions.csv');
  return shipped;
}
