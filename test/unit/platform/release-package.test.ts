// The release package of a released request (issue 16, "Release and export"): ACRO's results.json and every CSV file it
// names, so the SACRO viewer opens it, written (src/common/release-acro.ts) from each output's name, published content
// and verdict, which the package carries, so that the workstation can write them again; and the zip the
// workstation writes of it (results.json, the CSV files, and their SHA-256 checksums), read back with fflate. The checks
// are the real engine's, as the platform makes them at release.
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReleasePackageSchema, type ReleasePackage } from '../../../src/common/airlock.ts';
import { checkOutput, publishedOutput } from '../../../src/common/output-check.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import { packageAcro } from '../../../src/common/release-acro.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import { releasePackage, type PackagedFile } from '../../../src/platform/airlock/release-package.ts';
import { CHECKSUMS_FILE, packageMembers, packageZip, RESULTS_FILE } from '../../../src/workstation/airlock/release-zip.ts';
import { highs } from '../sdc/helpers.ts';

const source = { sql: 'SELECT region, sex, count(*) FROM admissions GROUP BY ALL', engine: 'native' as const };
const RELEASED_AT = '2026-12-05T10:15:00.000Z';

const ADMISSIONS: OutputDocument = {
  kind: 'frequency',
  title: 'Admissions by region and sex',
  source,
  table: {
    dimensions: ['region', 'sex'],
    cells: [
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 3 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 35 },
    ],
    totals: 'published',
  },
  mitigation: { kind: 'suppressed', roundingBase: null },
};

const STAY: OutputDocument = {
  kind: 'regression',
  title: 'Length of stay by age',
  source,
  model: 'OLS: length_of_stay ~ age',
  coefficients: [
    { term: '(Intercept)', estimate: 2.5, standardError: 0.4, pValue: 0.001 },
    { term: '=age', estimate: 0.07, standardError: 0.01, pValue: 0.0001 },
  ],
  observations: 412,
  residualDof: 410,
};

/**
 * SACRO-Viewer's "super basic structural validation" (AI-SDC/SACRO-Viewer, sacro/models.py ACROOutputs.__post_init__),
 * as test/unit/sdc/acro.test.ts has it, and what the viewer then does with each file: reads it by name beside
 * results.json (so every named file must be there).
 */
function viewerAccepts(raw: Record<string, unknown>, present: ReadonlySet<string>): boolean {
  if (!('version' in raw) || !('results' in raw)) return false;
  const [major, minor] = String(raw['version']).split('.').map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major * 1000 + minor < 4) return false;
  return Object.values(raw['results'] as Record<string, { files?: { name?: string }[] }>).every(
    (r) => Array.isArray(r.files) && r.files.length > 0 && r.files.every((f) => typeof f.name === 'string' && present.has(f.name)),
  );
}

async function packaged(document: OutputDocument, fileId: string, name: string): Promise<PackagedFile> {
  const check = await checkOutput(document, { rules: PROFILES.default, solver: await highs(), released: [] });
  const published = publishedOutput(document, check);
  return { fileId, name, sha256: 'a'.repeat(64), published, check };
}

let pack: ReleasePackage;
let checks: PackagedFile['check'][];

beforeAll(async () => {
  const files = [
    await packaged(ADMISSIONS, 'file-0123456789abcdef0123', 'admissions.json'),
    await packaged(STAY, 'file-2222222222abcdef0123', 'stay.json'),
  ];
  checks = files.map((file) => file.check);
  pack = ReleasePackageSchema.parse(
    releasePackage({
      id: 'req-aaaaaaaaaa0123456789',
      title: 'Winter report',
      projectId: 'covid-outcomes',
      projectName: 'COVID-19 outcomes',
      context: { description: 'd', population: 'p', relationship: 'r' },
      releasedAt: RELEASED_AT,
      releasedBy: { id: 'demo-checker', name: 'Chris Checker' },
      reviewers: ['Chris Checker', 'Dana Checker'],
      rules: 'default',
      files,
    }),
  );
});

describe('the release package', () => {
  it('carries every CSV file results.json names, and the SACRO viewer accepts it', () => {
    const carried = new Set(pack.acroFiles.map((file) => file.name));
    expect([...carried]).toEqual(['output_0_0.csv', 'output_1_0.csv']);
    expect(viewerAccepts(JSON.parse(JSON.stringify(pack.acro)) as Record<string, unknown>, carried)).toBe(true);
    // Without its CSV files, the same results.json would name files the viewer cannot find.
    expect(viewerAccepts(JSON.parse(JSON.stringify(pack.acro)) as Record<string, unknown>, new Set())).toBe(false);
  });

  it("writes a table's published cells, hidden ones empty where results.json flags them", () => {
    const csv = (pack.acroFiles[0]?.csv ?? '')
      .trimEnd()
      .split('\n')
      .map((line) => line.split(','));
    expect(csv[0]).toEqual(['region', 'F', 'M', 'All']);
    expect(csv[1]?.slice(0, 3)).toEqual(['North', '', '']);
    const record = pack.acro.results['output_0'] as { files: { name: string; sdc: { cells: Record<string, [number, number][]> } }[] };
    expect(record.files.map((file) => file.name)).toEqual(['output_0_0.csv']);
    const flagged = Object.values(record.files[0]?.sdc.cells ?? {}).flat();
    expect(flagged.length).toBeGreaterThan(0);
    for (const [row, col] of flagged) expect(csv[row + 1]?.[col + 1]).toBe('');
    expect(pack.acroFiles[0]?.csv).not.toMatch(/\b3\b/);
  });

  it("writes a regression's published coefficients, as ACRO writes a regression's table (an empty sdc)", () => {
    const record = pack.acro.results['output_1'] as { type: string; files: { name: string; sdc: object }[]; properties: object };
    expect(record).toMatchObject({ type: 'regression', properties: { method: 'OLS: length_of_stay ~ age', dof: 410 } });
    expect(record.files).toEqual([{ name: 'output_1_0.csv', sdc: {} }]);
    expect(pack.acroFiles[1]?.csv).toBe("term,coef,std err,P>|t|\n(Intercept),2.5,0.4,0.001\n'=age,0.07,0.01,0.0001\n");
  });
});

describe("the release package's ACRO part", () => {
  it("is written from each output's name, published content and verdict: nothing behind a cell", () => {
    const [table, regression] = checks;
    expect(pack.files.map((file) => file.verdict)).toStrictEqual([table?.verdict, regression?.verdict]);
  });

  it("write the same results.json and CSV files again from the package as it arrives (the workstation's check)", () => {
    const arrived = ReleasePackageSchema.parse(JSON.parse(JSON.stringify(pack)));

    expect(packageAcro(arrived)).toEqual({ acro: pack.acro, acroFiles: pack.acroFiles });
  });
});

describe('the release package as a zip', () => {
  it('holds results.json, the CSV files it names and their SHA-256 checksums, and nothing else', () => {
    const zip = packageZip(packageMembers(pack), RELEASED_AT);
    const files = unzipSync(zip);
    const text = (name: string) => new TextDecoder().decode(files[name]);

    expect(Object.keys(files)).toEqual([RESULTS_FILE, 'output_0_0.csv', 'output_1_0.csv', CHECKSUMS_FILE]);
    expect(JSON.parse(text(RESULTS_FILE))).toEqual(pack.acro);
    for (const file of pack.acroFiles) expect(text(file.name)).toBe(file.csv);
    const sums = text(CHECKSUMS_FILE)
      .trimEnd()
      .split('\n')
      .map((line) => line.split('  '));
    expect(sums.map(([, name]) => name)).toEqual([RESULTS_FILE, 'output_0_0.csv', 'output_1_0.csv']);
    for (const [sum, name] of sums)
      expect(
        createHash('sha256')
          .update(files[name ?? ''] ?? new Uint8Array())
          .digest('hex'),
      ).toBe(sum);
    expect(viewerAccepts(JSON.parse(text(RESULTS_FILE)) as Record<string, unknown>, new Set(Object.keys(files)))).toBe(true);
  });

  it('is the same bytes every time it is made from the same package', () => {
    expect(packageZip(packageMembers(pack), RELEASED_AT)).toEqual(packageZip(packageMembers(pack), RELEASED_AT));
  });
});
