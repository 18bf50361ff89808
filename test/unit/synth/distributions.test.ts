// The synthetic data looks like national data: England's age pyramid and ethnic mix, more women among the
// old, a winter peak and the spring-2020 fall in planned care, admissions rising with age, day cases and
// long stays, COVID-19 waves in the test results, and shielding and opt-out shares near the real ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateData } from './helpers.ts';
import type { GeneratedData } from './helpers.ts';

const SCALE = 40_000;
let data: GeneratedData;

beforeAll(async () => {
  data = await generateData({ prefix: 'distributions', scale: SCALE, seed: 11 });
}, 60_000);

afterAll(async () => {
  await data?.cleanup();
});

const AGE = `(year(DATE '2023-03-31') - year(date_of_birth) - CASE WHEN strftime(date_of_birth, '%m%d') > '0331' THEN 1 ELSE 0 END)`;

describe('patients', () => {
  it('follow the 2021 census age pyramid', async () => {
    const share = (where: string): Promise<number> =>
      data.scalar(`SELECT avg(CASE WHEN ${where} THEN 1 ELSE 0 END) FROM (SELECT ${AGE} AS age FROM patients)`);
    expect(await share('age < 20')).toBeCloseTo(0.231, 1);
    expect(Math.abs((await share('age < 20')) - 0.231)).toBeLessThan(0.015);
    expect(Math.abs((await share('age >= 65')) - 0.186)).toBeLessThan(0.015);
    expect(await share('age >= 90')).toBeLessThan(0.015);
    expect(await share('age BETWEEN 50 AND 54')).toBeGreaterThan(await share('age BETWEEN 70 AND 74'));
    expect(await data.scalar(`SELECT max(${AGE}) FROM patients`)).toBeLessThanOrEqual(104);
  });

  it('are about half women, and mostly women among the very old', async () => {
    const female = await data.scalar(`SELECT avg(CASE WHEN sex = 'F' THEN 1 ELSE 0 END) FROM patients`);
    expect(female).toBeGreaterThan(0.49);
    expect(female).toBeLessThan(0.52);
    expect(await data.scalar(`SELECT avg(CASE WHEN sex = 'F' THEN 1 ELSE 0 END) FROM patients WHERE ${AGE} >= 85`)).toBeGreaterThan(0.55);
  });

  it("have England's ethnic mix, and London's own", async () => {
    const share = (code: string, where = 'true'): Promise<number> =>
      data.scalar(`SELECT avg(CASE WHEN ethnicity = '${code}' THEN 1 ELSE 0 END) FROM patients WHERE ${where}`);
    expect(Math.abs((await share('A1')) - 0.735)).toBeLessThan(0.015);
    expect(Math.abs((await share('C1')) - 0.033)).toBeLessThan(0.005);
    expect(Math.abs((await share('D2')) - 0.026)).toBeLessThan(0.005);
    expect(await share('A1', `region = 'London'`)).toBeLessThan(0.45);
    expect(await share('A1', `region = 'North East'`)).toBeGreaterThan(0.75);
    expect(await data.scalar(`SELECT count(DISTINCT ethnicity) FROM patients`)).toBe(19);
  });

  it('live in regions in proportion to population', async () => {
    const london = await data.scalar(`SELECT avg(CASE WHEN region = 'London' THEN 1 ELSE 0 END) FROM patients`);
    expect(Math.abs(london - 0.156)).toBeLessThan(0.01);
  });

  it('include deaths, mostly among the old', async () => {
    const died = (where: string): Promise<number> =>
      data.scalar(`SELECT avg(CASE WHEN date_of_death IS NOT NULL THEN 1 ELSE 0 END) FROM patients WHERE ${where}`);
    expect(await died(`${AGE} >= 85`)).toBeGreaterThan(0.2);
    expect(await died(`${AGE} < 40`)).toBeLessThan(0.01);
    const overall = await died('true');
    expect(overall).toBeGreaterThan(0.02);
    expect(overall).toBeLessThan(0.08);
  });
});

describe('hospital episodes', () => {
  it('number about two per patient, rising steeply with age', async () => {
    const perPatient = data.manifest.datasets.hospital_episodes.rows / SCALE;
    expect(perPatient).toBeGreaterThan(1.85);
    expect(perPatient).toBeLessThan(2.15);
    const rate = (lo: number, hi: number): Promise<number> =>
      data.scalar(`
      SELECT (SELECT count(*) FROM hospital_episodes e JOIN patients p USING (nhs_number) WHERE ${AGE.replaceAll('date_of_birth', 'p.date_of_birth')} BETWEEN ${lo} AND ${hi})
        / (SELECT count(*) FROM patients WHERE ${AGE} BETWEEN ${lo} AND ${hi})`);
    expect(await rate(75, 110)).toBeGreaterThan(3 * (await rate(20, 39)));
  });

  it('peak in winter and show the spring-2020 fall in planned care', async () => {
    const count = (where: string): Promise<number> => data.scalar(`SELECT count(*) FROM hospital_episodes WHERE ${where}`);
    const winter = await count(
      `admission_method = 'emergency' AND month(admission_date) IN (12, 1, 2) AND admission_date NOT BETWEEN '2020-03-01' AND '2021-03-31'`,
    );
    const summer = await count(
      `admission_method = 'emergency' AND month(admission_date) IN (6, 7, 8) AND admission_date NOT BETWEEN '2020-03-01' AND '2021-03-31'`,
    );
    // Winter months in the window outside the pandemic: Dec–Feb of 18/19, 21/22, 22/23; summers of 2018, 2019, 2021, 2022.
    expect(winter / 9 / (summer / 12)).toBeGreaterThan(1.15);
    const planned2019 = await count(`admission_method = 'elective' AND admission_date BETWEEN '2019-04-01' AND '2019-05-31'`);
    const planned2020 = await count(`admission_method = 'elective' AND admission_date BETWEEN '2020-04-01' AND '2020-05-31'`);
    expect(planned2020 / planned2019).toBeLessThan(0.6);
    expect(await count(`dayofweek(admission_date) IN (0, 6) AND admission_method = 'elective'`)).toBeLessThan(
      0.1 * (await count(`admission_method = 'elective'`)),
    );
  });

  it('have COVID-19 diagnoses only from March 2020, peaking in the waves', async () => {
    expect(
      await data.scalar(`SELECT count(*) FROM hospital_episodes WHERE primary_diagnosis LIKE 'U07%' AND admission_date < '2020-03-01'`),
    ).toBe(0);
    const share = (from: string, to: string): Promise<number> =>
      data.scalar(
        `SELECT avg(CASE WHEN primary_diagnosis LIKE 'U07%' THEN 1 ELSE 0 END) FROM hospital_episodes WHERE admission_method = 'emergency' AND admission_date BETWEEN '${from}' AND '${to}'`,
      );
    expect(await share('2021-01-01', '2021-01-31')).toBeGreaterThan(3 * (await share('2021-05-01', '2021-05-31')));
  });

  it('are mostly day cases when planned, with a long tail of long stays when not', async () => {
    const rows = await data.query(`SELECT admission_method, avg(CASE WHEN length_of_stay = 0 THEN 1 ELSE 0 END) AS same_day,
      median(length_of_stay) AS median, avg(length_of_stay) AS mean, max(length_of_stay) AS longest FROM hospital_episodes GROUP BY 1`);
    const by = Object.fromEntries(rows.map((r) => [r.admission_method as string, r]));
    expect(Number(by.elective?.same_day)).toBeGreaterThan(0.6);
    expect(Number(by.emergency?.median)).toBeGreaterThanOrEqual(1);
    expect(Number(by.emergency?.median)).toBeLessThanOrEqual(4);
    expect(Number(by.emergency?.mean)).toBeGreaterThan(Number(by.emergency?.median));
    expect(Number(by.emergency?.longest)).toBeGreaterThan(60);
    expect(Number(by.transfer?.mean)).toBeGreaterThan(Number(by.emergency?.mean));
    for (const r of rows) expect(Number(r.longest)).toBeLessThanOrEqual(365);
  });

  it('give maternity admissions and pregnancy codes only to women of child-bearing age, prostate codes only to men', async () => {
    expect(
      await data.scalar(`SELECT count(*) FROM hospital_episodes e JOIN patients p USING (nhs_number)
      WHERE (e.admission_method = 'maternity' OR e.primary_diagnosis LIKE 'O%') AND (p.sex <> 'F' OR e.age_on_admission NOT BETWEEN 16 AND 50)`),
    ).toBe(0);
    expect(
      await data.scalar(`SELECT count(*) FROM hospital_episodes e JOIN patients p USING (nhs_number)
      WHERE (e.primary_diagnosis IN ('N40', 'C61') OR e.secondary_diagnosis IN ('N40', 'C61')) AND p.sex <> 'M'`),
    ).toBe(0);
    expect(await data.scalar(`SELECT count(*) FROM hospital_episodes WHERE admission_method = 'maternity'`)).toBeGreaterThan(0);
  });

  it('draw procedures that treat the diagnosis (hip replacements for hip arthritis, cataract surgery for cataracts)', async () => {
    const phaco = await data.scalar(
      `SELECT avg(CASE WHEN primary_diagnosis IN ('H25.9', 'H26.9') THEN 1 ELSE 0 END) FROM hospital_episodes WHERE primary_procedure = 'C71.2'`,
    );
    expect(phaco).toBe(1);
    const hips = await data.scalar(
      `SELECT avg(CASE WHEN primary_diagnosis IN ('M16.9', 'S72.0') THEN 1 ELSE 0 END) FROM hospital_episodes WHERE primary_procedure IN ('W37.1', 'W38.1')`,
    );
    expect(hips).toBe(1);
  });
});

describe('COVID-19 tests', () => {
  it('number about one and a half per patient, inside March 2020 – December 2022', async () => {
    const perPatient = data.manifest.datasets.covid_tests.rows / SCALE;
    expect(perPatient).toBeGreaterThan(1.35);
    expect(perPatient).toBeLessThan(1.65);
    expect(await data.scalar(`SELECT count(*) FROM covid_tests WHERE specimen_date NOT BETWEEN '2020-03-01' AND '2022-12-31'`)).toBe(0);
  });

  it('follow the waves: positivity high in January 2021 and January 2022, low in May 2021', async () => {
    const positivity = (month: string): Promise<number> =>
      data.scalar(
        `SELECT avg(CASE WHEN result = 'positive' THEN 1 ELSE 0 END) FROM covid_tests WHERE strftime(specimen_date, '%Y-%m') = '${month}'`,
      );
    const may2021 = await positivity('2021-05');
    expect(await positivity('2021-01')).toBeGreaterThan(3 * may2021);
    expect(await positivity('2022-01')).toBeGreaterThan(3 * may2021);
    expect(await positivity('2020-04')).toBeGreaterThan(0.15);
  });

  it('have lateral-flow tests only from November 2020, and far fewer tests once free testing ended', async () => {
    expect(await data.scalar(`SELECT count(*) FROM covid_tests WHERE test_type = 'LFD' AND specimen_date < '2020-11-01'`)).toBe(0);
    const month = (m: string): Promise<number> =>
      data.scalar(`SELECT count(*) FROM covid_tests WHERE strftime(specimen_date, '%Y-%m') = '${m}'`);
    expect(await month('2022-01')).toBeGreaterThan(10 * (await month('2022-12')));
    const voids = await data.scalar(`SELECT avg(CASE WHEN result = 'void' THEN 1 ELSE 0 END) FROM covid_tests`);
    expect(voids).toBeGreaterThan(0);
    expect(voids).toBeLessThan(0.03);
  });
});

describe('shielded patients and opt-outs', () => {
  it('put about 4% of patients on the shielded list, older than average, for plausible reasons', async () => {
    const share = data.manifest.datasets.shielded_patients.rows / SCALE;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.05);
    const shieldedAge = await data.scalar(`SELECT avg(${AGE}) FROM shielded_patients JOIN patients USING (nhs_number)`);
    const everyoneAge = await data.scalar(`SELECT avg(${AGE}) FROM patients`);
    expect(shieldedAge).toBeGreaterThan(everyoneAge + 10);
    expect(await data.scalar(`SELECT count(*) FROM shielded_patients WHERE date_added NOT BETWEEN '2020-03-21' AND '2021-09-15'`)).toBe(0);
    expect(
      await data.scalar(
        `SELECT count(*) FROM shielded_patients WHERE reason LIKE 'Pregnant%' AND nhs_number IN (SELECT nhs_number FROM patients WHERE sex = 'M')`,
      ),
    ).toBe(0);
    expect(await data.scalar(`SELECT count(DISTINCT reason) FROM shielded_patients`)).toBeGreaterThanOrEqual(8);
    const removed = await data.scalar(`SELECT avg(CASE WHEN shielded THEN 0 ELSE 1 END) FROM shielded_patients`);
    expect(removed).toBeGreaterThan(0.02);
    expect(removed).toBeLessThan(0.15);
  });

  it('put about 5% of patients on the opt-out list, from 25 May 2018, with a surge in summer 2021', async () => {
    const share = data.manifest.datasets.national_opt_outs.rows / SCALE;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
    expect(await data.scalar(`SELECT min(opted_out_date) = DATE '2018-05-25' FROM national_opt_outs`)).toBe(1);
    const june2021 = await data.scalar(`SELECT count(*) FROM national_opt_outs WHERE strftime(opted_out_date, '%Y-%m') = '2021-06'`);
    const june2019 = await data.scalar(`SELECT count(*) FROM national_opt_outs WHERE strftime(opted_out_date, '%Y-%m') = '2019-06'`);
    expect(june2021).toBeGreaterThan(3 * june2019);
  });
});
