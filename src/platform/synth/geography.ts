// Where synthetic people live and are treated: regions, local authorities, postcode districts, small areas
// (LSOA-like codes), GP practices and NHS trusts, all linked so that a postcode lies in one local authority
// of the person's region and maps to one small area, and a practice and a home trust lie in the same region.
import { AliasTable } from './alias.ts';
import { mix32 } from './prng.ts';
import type { ReferenceData } from './reference-data.ts';

export interface LocalAuthorityModel {
  code: string;
  region: number;
  /** Indices into Geography.districts: the districts of this LA's postcode area that this LA is given. */
  districts: number[];
  /** First LSOA number of this LA's block and how many it holds (about 1,600 residents each). */
  lsoaStart: number;
  lsoaCount: number;
  /** Indices into Geography.practiceCodes, and a sampler weighted by list size. */
  practices: number[];
  practiceSampler: AliasTable;
}

export interface Geography {
  regionNames: string[];
  regionSampler: AliasTable;
  londonRegion: number;
  localAuthorities: LocalAuthorityModel[];
  /** Per region: indices into localAuthorities and a population-weighted sampler over them. */
  regionLocalAuthorities: number[][];
  regionLocalAuthoritySamplers: AliasTable[];
  districts: string[];
  practiceCodes: string[];
  trustCodes: string[];
  regionTrusts: number[][];
  regionTrustSamplers: AliasTable[];
  nationalTrustSampler: AliasTable;
}

const RESIDENTS_PER_LSOA = 1_600;
const PATIENTS_PER_PRACTICE = 8_800;

export function buildGeography(ref: ReferenceData): Geography {
  const regionIndex = new Map(ref.regions.map((r, i) => [r.code, i]));
  const regionOf = (code: string, what: string): number => {
    const index = regionIndex.get(code);
    if (index === undefined) throw new Error(`${what} names region ${code}, which regions.csv does not list`);
    return index;
  };
  const londonRegion = ref.regions.findIndex((r) => r.name === 'London');
  if (londonRegion < 0) throw new Error('regions.csv must list London');

  // Postcode districts: each area's districts are dealt out among the LAs that use that area, so a district
  // (and so a postcode) belongs to exactly one LA.
  const districts: string[] = [];
  const areaDistricts = new Map<string, number[]>();
  for (const area of ref.postcodeAreas) {
    areaDistricts.set(
      area.area,
      area.districts.map((d) => districts.push(d) - 1),
    );
  }
  const lasByArea = new Map<string, number[]>();
  ref.localAuthorities.forEach((la, i) => {
    if (!areaDistricts.has(la.postcodeArea)) {
      throw new Error(`local authority ${la.code} uses postcode area ${la.postcodeArea}, which postcode_areas.csv does not list`);
    }
    lasByArea.set(la.postcodeArea, [...(lasByArea.get(la.postcodeArea) ?? []), i]);
  });
  const laDistricts: number[][] = ref.localAuthorities.map(() => []);
  for (const [area, las] of lasByArea) {
    const list = areaDistricts.get(area) ?? [];
    list.forEach((district, k) => laDistricts[las[k % las.length]]?.push(district));
    for (const la of las) {
      if ((laDistricts[la]?.length ?? 0) === 0) throw new Error(`postcode area ${area} has too few districts for its local authorities`);
    }
  }

  // Practices: a region's practices are shared among its LAs by population; codes are the region's ODS
  // prefixes with a serial number.
  const regionLocalAuthorities: number[][] = ref.regions.map(() => []);
  ref.localAuthorities.forEach((la, i) => regionLocalAuthorities[regionOf(la.regionCode, `local authority ${la.code}`)]?.push(i));
  const practiceCodes: string[] = [];
  const laPractices: number[][] = ref.localAuthorities.map(() => []);
  ref.regions.forEach((region, r) => {
    const prefixes = ref.practicePrefixes.filter((p) => p.regionCode === region.code).map((p) => p.prefix);
    if (prefixes.length === 0) throw new Error(`gp_practice_prefixes.csv lists no prefix for ${region.name}`);
    const las = regionLocalAuthorities[r] ?? [];
    if (las.length === 0) throw new Error(`local_authorities.csv lists no local authority in ${region.name}`);
    const laPopulation = las.reduce((sum, i) => sum + (ref.localAuthorities[i]?.population ?? 0), 0);
    const regionPractices = Math.max(las.length, Math.round(region.population / PATIENTS_PER_PRACTICE));
    let k = 0;
    for (const i of las) {
      const count = Math.max(1, Math.round(((ref.localAuthorities[i]?.population ?? 0) / laPopulation) * regionPractices));
      for (let c = 0; c < count; c++, k++) {
        const serial = Math.floor(k / prefixes.length) + 1;
        if (serial > 999) throw new Error(`too many practices for the prefixes of ${region.name}`);
        laPractices[i]?.push(practiceCodes.push(`${prefixes[k % prefixes.length]}${String(serial).padStart(3, '0')}`) - 1);
      }
    }
  });

  let lsoaNext = 1;
  const localAuthorities = ref.localAuthorities.map((la, i): LocalAuthorityModel => {
    const lsoaCount = Math.max(1, Math.round((la.population * 1000) / RESIDENTS_PER_LSOA));
    const lsoaStart = lsoaNext;
    lsoaNext += lsoaCount;
    const practices = laPractices[i] ?? [];
    // List sizes vary from about 2,000 to 16,000 patients; fixed by the practice, not by the seed.
    const sizes = practices.map((p) => 2_000 + (mix32(p * 2654435761) % 14_000));
    return {
      code: la.code,
      region: regionOf(la.regionCode, `local authority ${la.code}`),
      districts: laDistricts[i] ?? [],
      lsoaStart,
      lsoaCount,
      practices,
      practiceSampler: new AliasTable(sizes),
    };
  });

  const regionTrusts: number[][] = ref.regions.map(() => []);
  ref.trusts.forEach((t, i) => regionTrusts[regionOf(t.regionCode, `trust ${t.code}`)]?.push(i));
  return {
    regionNames: ref.regions.map((r) => r.name),
    regionSampler: new AliasTable(ref.regions.map((r) => r.population)),
    londonRegion,
    localAuthorities,
    regionLocalAuthorities,
    regionLocalAuthoritySamplers: regionLocalAuthorities.map(
      (las) => new AliasTable(las.map((i) => ref.localAuthorities[i]?.population ?? 0)),
    ),
    districts,
    practiceCodes,
    trustCodes: ref.trusts.map((t) => t.code),
    regionTrusts,
    regionTrustSamplers: regionTrusts.map((list, r) => {
      if (list.length === 0) throw new Error(`nhs_trusts.csv lists no trust in ${ref.regions[r]?.name}`);
      return new AliasTable(list.map((i) => ref.trusts[i]?.size ?? 0));
    }),
    nationalTrustSampler: new AliasTable(ref.trusts.map((t) => t.size)),
  };
}

/** The small area of a postcode: a fixed function of the postcode, inside the LA's block. */
export function lsoaOfPostcode(la: LocalAuthorityModel, district: number, inward: number): number {
  return la.lsoaStart + (mix32(district * 4001 + inward + 0x5bd1e995) % la.lsoaCount);
}
