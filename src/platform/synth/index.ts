// The synthetic-data generator's public face: `enclave platform init` and the benchmark use these.
export { checkScale, checkSeed, generateEpisodesOnly, generatePlatformData, MAX_SCALE, MIN_SCALE } from './generate.ts';
export type { EpisodesOnlyOptions, GenerationProgress, Manifest, PlatformDataOptions } from './generate.ts';
export { DATASET_IDS } from './datasets.ts';
export type { DatasetId } from './datasets.ts';
export { isValidNhsNumber, nhsCheckDigit } from './nhs-number.ts';
