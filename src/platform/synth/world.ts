// Builds every model once and runs the person loop that feeds the staging tables. Each dataset draws from
// its own PRNG stream, so leaving a dataset out (the episodes-only benchmark file) does not change the others.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ClinicalCodes } from './clinical-codes.ts';
import { CovidTestModel, TestBuffer } from './covid-tests.ts';
import type { DatasetId } from './datasets.ts';
import { EpisodeBuffer, EpisodeModel } from './episodes.ts';
import { buildGeography } from './geography.ts';
import type { Geography } from './geography.ts';
import { NhsNumberSequence } from './nhs-number.ts';
import { emptyPerson, PopulationModel } from './population.ts';
import { Prng } from './prng.ts';
import { loadReferenceData } from './reference-data.ts';
import type { ReferenceData } from './reference-data.ts';
import { RegisterModel } from './registers.ts';
import { NULL_INT } from './staging-table.ts';
import type { StagingTable } from './staging-table.ts';
import { buildTimeline } from './timeline.ts';

const STREAM_PEOPLE = 0;
const STREAM_EPISODES = 1;
const STREAM_TESTS = 2;
const STREAM_REGISTERS = 3;
/** People between progress reports and event-loop turns (so a cancel signal is seen). */
const BATCH = 8_192;

export class SyntheticWorld {
  readonly geo: Geography;
  private readonly population: PopulationModel;
  private readonly episodes: EpisodeModel;
  private readonly tests: CovidTestModel;
  private readonly registers: RegisterModel;

  readonly ref: ReferenceData;

  constructor(ref: ReferenceData = loadReferenceData()) {
    this.ref = ref;
    this.geo = buildGeography(ref);
    const timeline = buildTimeline();
    this.population = new PopulationModel(ref, this.geo);
    this.episodes = new EpisodeModel({ ref, geo: this.geo, timeline, codes: new ClinicalCodes(ref) });
    this.tests = new CovidTestModel(timeline, ref.ageBands);
    this.registers = new RegisterModel(ref.ageBands, ref.shieldingReasons);
  }

  /**
   * Generates people until `people` are done, or until `episodeLimit` episodes are written (the last person's
   * list is cut), appending to whichever staging tables are given. Returns the number of people generated.
   */
  async run(options: {
    seed: number;
    people: number;
    episodeLimit?: number;
    tables: Partial<Record<DatasetId, StagingTable>>;
    onBatch?: (peopleDone: number) => void;
    signal?: AbortSignal;
  }): Promise<number> {
    const { seed, tables } = options;
    const prngPeople = new Prng(seed, STREAM_PEOPLE);
    const prngEpisodes = new Prng(seed, STREAM_EPISODES);
    const prngTests = new Prng(seed, STREAM_TESTS);
    const prngRegisters = new Prng(seed, STREAM_REGISTERS);
    const nhsNumbers = new NhsNumberSequence(seed);
    const person = emptyPerson();
    const episodeBuffer = new EpisodeBuffer();
    const testBuffer = new TestBuffer();
    const limit = options.episodeLimit ?? Number.POSITIVE_INFINITY;
    let episodeId = 0;
    let testId = 0;
    let done = 0;

    while (done < options.people && episodeId < limit) {
      const batchEnd = Math.min(options.people, done + BATCH);
      for (; done < batchEnd && episodeId < limit; done++) {
        this.population.next(prngPeople, person);
        person.nhsNumber = nhsNumbers.next();
        const patients = tables.patients;
        if (patients) {
          patients.num(0, person.nhsNumber);
          patients.int(1, person.dateOfBirth);
          patients.int(2, person.sex);
          patients.int(3, person.ethnicity);
          patients.int(4, person.district);
          patients.int(5, person.inward);
          patients.int(6, person.lsoa);
          patients.int(7, person.region);
          patients.int(8, person.practice);
          patients.int(9, person.dateOfDeath >= 0 ? person.dateOfDeath : NULL_INT);
          patients.commit();
        }
        const episodes = tables.hospital_episodes;
        if (episodes) {
          this.episodes.generate(prngEpisodes, person, episodeBuffer);
          const b = episodeBuffer;
          for (let k = 0; k < b.count && episodeId < limit; k++) {
            episodes.int(0, ++episodeId);
            episodes.num(1, person.nhsNumber);
            episodes.int(2, b.admission[k] ?? 0);
            episodes.int(3, b.lengthOfStay[k] ?? 0);
            episodes.int(4, b.method[k] ?? 0);
            episodes.int(5, b.primary[k] ?? 0);
            episodes.int(6, (b.secondary[k] ?? -1) >= 0 ? (b.secondary[k] ?? 0) : NULL_INT);
            episodes.int(7, (b.procedure[k] ?? -1) >= 0 ? (b.procedure[k] ?? 0) : NULL_INT);
            episodes.int(8, b.provider[k] ?? 0);
            episodes.int(9, b.age[k] ?? 0);
            episodes.commit();
          }
        }
        const tests = tables.covid_tests;
        if (tests) {
          this.tests.generate(prngTests, person, testBuffer);
          for (let k = 0; k < testBuffer.count; k++) {
            tests.int(0, ++testId);
            tests.num(1, person.nhsNumber);
            tests.int(2, testBuffer.date[k] ?? 0);
            tests.int(3, testBuffer.type[k] ?? 0);
            tests.int(4, testBuffer.result[k] ?? 0);
            tests.int(5, person.localAuthority);
            tests.commit();
          }
        }
        const shielded = tables.shielded_patients;
        const optOuts = tables.national_opt_outs;
        if (shielded || optOuts) {
          const entry = this.registers.shielding(prngRegisters, person);
          if (entry && shielded) {
            shielded.num(0, person.nhsNumber);
            shielded.int(1, entry.shielded ? 1 : 0);
            shielded.int(2, entry.reason);
            shielded.int(3, entry.dateAdded);
            shielded.commit();
          }
          const optedOut = this.registers.optOut(prngRegisters, person);
          if (optedOut >= 0 && optOuts) {
            optOuts.num(0, person.nhsNumber);
            optOuts.int(1, optedOut);
            optOuts.commit();
          }
        }
      }
      options.onBatch?.(done);
      await nextTurn();
      if (options.signal?.aborted) throw new CancelledError();
    }
    return done;
  }
}

export class CancelledError extends Error {
  constructor() {
    super('generation was cancelled');
    this.name = 'CancelledError';
  }
}
