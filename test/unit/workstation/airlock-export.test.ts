// The export gate (SATRE 3.1.12, preventing unauthorised egress): a released output leaves only when egress is open, it is
// not revoked and its published content hashes to the SHA-256 the platform recorded at release; then it is written as
// xlsx (the published table and a Provenance sheet), CSV of the published cells, or an SVG bar chart of a chart output;
// a released request's release package leaves as a zip only when every output in it is the ledger's, under its hash,
// and its ACRO part (results.json and the CSV files) is exactly what the workstation writes again from those outputs.
// The platform is a fake here (its answers as the routes give them); test/integration/workstation/airlock-export covers
// the real one.
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { ReleasePackageSchema, type ReleasedFile, type ReleasedOutput, type ReleasePackage } from '../../../src/common/airlock.ts';
import type { EgressStatus } from '../../../src/common/incidents.ts';
import { packageAcro } from '../../../src/common/release-acro.ts';
import type { ExportFile, SaveExport } from '../../../src/workstation/airlock/export-file.ts';
import { exportReleased, type ExportRequest } from '../../../src/workstation/airlock/export-gate.ts';
import { exportPackage } from '../../../src/workstation/airlock/export-package.ts';
import { exportFileName } from '../../../src/workstation/airlock/export-render.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import { errorOf } from '../../support/error-of.ts';
import {
  CHART,
  CHART_FILE_ID,
  ledgerEntry,
  PROJECT_ID,
  PROJECT_NAME,
  REGRESSION,
  REGRESSION_FILE_ID,
  REQUEST_ID,
  releasedFile,
  sha256Of,
  TABLE,
  TABLE_FILE_ID,
} from './airlock-fixtures.ts';
import { readWorkbook } from '../../support/xlsx-read.ts';

const OPEN: EgressStatus = { frozen: false, message: null };
const NOW = new Date('2026-12-06T09:00:00.000Z');

function gate(options: { released?: ReleasedFile; egress?: EgressStatus; projectName?: string | null } = {}) {
  const saved: ExportFile[] = [];
  const asked: string[] = [];
  const saveExport: SaveExport = async (file) => {
    saved.push(file);
    return { kind: 'saved', path: `/home/ada/${file.fileName}` };
  };
  const deps = {
    egress: vi.fn(async (projectId: string) => {
      asked.push(`egress ${projectId}`);
      return options.egress ?? OPEN;
    }),
    releasedFile: vi.fn(async ({ projectId, fileId }: { projectId: string; fileId: string }) => {
      asked.push(`released ${projectId} ${fileId}`);
      return options.released ?? releasedFile(TABLE, TABLE_FILE_ID);
    }),
    projectName: async () => (options.projectName === undefined ? PROJECT_NAME : options.projectName),
    saveExport,
    now: () => NOW,
  };
  const run = (request: Partial<ExportRequest> = {}, signal = new AbortController().signal) =>
    exportReleased({ projectId: PROJECT_ID, fileId: TABLE_FILE_ID, format: 'xlsx', ...request }, deps, signal);
  return { run, saved, asked, deps };
}

describe('the export gate refuses (and writes nothing)', () => {
  it('while egress is frozen, before the released file is even fetched', async () => {
    const frozen = { frozen: true, message: 'Egress is frozen for COVID-19 outcomes under incident inc-1: Unusual downloads.' };
    const { run, saved, asked } = gate({ egress: frozen });

    const error = await errorOf(run());

    expect(error.code).toBe('egress_frozen');
    expect(error.message).toBe(`${frozen.message} Nothing was exported.`);
    expect(asked).toEqual([`egress ${PROJECT_ID}`]);
    expect(saved).toEqual([]);
  });

  it('a revoked output, saying when, by whom and why', async () => {
    const revoked = { at: '2026-12-05T12:00:00.000Z', by: { id: 'demo-admin', name: 'Avery Admin' }, reason: 'Differencing risk found.' };
    const { run, saved } = gate({ released: releasedFile(TABLE, TABLE_FILE_ID, { revoked }) });

    const error = await errorOf(run());

    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('was revoked on 2026-12-05T12:00:00.000Z by Avery Admin: Differencing risk found.');
    expect(error.message).toContain('Nothing was exported.');
    expect(saved).toEqual([]);
  });

  it('content that no longer hashes to the SHA-256 recorded at release (a cell changed after release)', async () => {
    const genuine = releasedFile(TABLE, TABLE_FILE_ID);
    const altered: ReleasedFile = {
      ...genuine,
      content: { ...TABLE, cells: TABLE.cells.map((cell, i) => (i === 1 ? { ...cell, value: 3, status: 'published' } : cell)) },
    };
    const { run, saved } = gate({ released: altered });

    const error = await errorOf(run());

    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/does not match the SHA-256 the platform recorded when it was released.*Nothing was exported/);
    expect(saved).toEqual([]);
  });

  it('a released file whose own hash differs from its ledger entry', async () => {
    const genuine = releasedFile(TABLE, TABLE_FILE_ID);
    const { run, saved } = gate({ released: { ...genuine, sha256: sha256Of(CHART) } });

    expect((await errorOf(run())).code).toBe('forbidden');
    expect(saved).toEqual([]);
  });

  it('percentages that are not what the published cells make, even hashed and released so (digits a checker never read)', async () => {
    // A checker reads 100%; an export would write every digit, which could carry anything.
    const digits = { ...TABLE, derived: TABLE.derived.map((value, i) => (i === 0 ? { ...value, percent: 100.000000123 } : value)) };
    const extra = {
      ...TABLE,
      derived: [...TABLE.derived, { key: { region: 'London', sex: 'M' }, of: { region: 'London', sex: '*' }, percent: 12 }],
    };

    for (const content of [digits, extra]) {
      const { run, saved } = gate({ released: releasedFile(content, TABLE_FILE_ID) });
      const error = await errorOf(run());
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe(
        'The percentages or rates of “Admissions by region and sex” are not what its published cells make, so they may hold something the checkers did not see. Nothing was exported. Tell your administrators.',
      );
      expect(saved).toEqual([]);
    }
  });

  it('an answer about another file than the one asked for', async () => {
    const { run, saved } = gate({ released: releasedFile(CHART, CHART_FILE_ID) });

    expect((await errorOf(run({ fileId: TABLE_FILE_ID }))).code).toBe('internal');
    expect(saved).toEqual([]);
  });

  it('SVG of an output that is not a chart', async () => {
    const { run, saved } = gate();

    const error = await errorOf(run({ format: 'svg' }));

    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('is not a chart');
    expect(saved).toEqual([]);
  });

  it('an export cancelled before it is handed to the shell', async () => {
    const controller = new AbortController();
    const { run, saved, deps } = gate();
    deps.releasedFile.mockImplementationOnce(async () => {
      controller.abort();
      return releasedFile(TABLE, TABLE_FILE_ID);
    });

    expect((await errorOf(run({}, controller.signal))).code).toBe('cancelled');
    expect(saved).toEqual([]);
  });
});

describe('the export gate writes a checked output', () => {
  it('as xlsx: the published table, the recomputed percentages and a Provenance sheet', async () => {
    const { run, saved } = gate();

    const outcome = await run();

    const sha256 = sha256Of(TABLE);
    expect(outcome).toEqual({ kind: 'saved', path: `/home/ada/admissions-by-region-and-sex-${sha256.slice(0, 8)}.xlsx` });
    expect(saved).toHaveLength(1);
    const [file] = saved;
    expect(file).toMatchObject({ projectId: PROJECT_ID, fileId: TABLE_FILE_ID, sha256, format: 'xlsx' });
    expect(file?.mediaType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = readWorkbook(file?.bytes ?? new Uint8Array());
    expect(book.names).toEqual(['Table', 'Percentages', 'Provenance']);
    expect(book.hasFormula).toBe(false);
    expect(book.sheets.get('Table')).toEqual([
      ['region', 'sex', 'Count', 'Status'],
      ['London', 'F', 25, 'rounded'],
      ['London', 'M', null, 'suppressed'],
      ['North West', 'F', 40, 'rounded'],
      ['North West', 'M', null, 'suppressed'],
      ['Total', 'Total', 120, 'rounded'],
    ]);
    expect(book.sheets.get('Percentages')).toEqual([
      ['region', 'sex', 'Share of', 'Percent'],
      // Without a row total, each row's published cells make it (and here each row has one shown cell).
      ['London', 'F', 'region = London, all sex', 100],
      ['North West', 'F', 'region = North West, all sex', 100],
    ]);
    const provenance = new Map((book.sheets.get('Provenance') ?? []).map(([field, value]) => [field, value]));
    expect(Object.fromEntries(provenance)).toMatchObject({
      Output: 'Admissions by region and sex',
      Request: 'Admissions for the winter report',
      'Request id': REQUEST_ID,
      'Released file id': TABLE_FILE_ID,
      Project: `${PROJECT_NAME} (${PROJECT_ID})`,
      'Released at': '2026-12-05T10:15:00.000Z',
      'Released by': 'Chris Checker',
      'Reviewed by': 'Chris Checker; Dana Checker',
      'Rules profile': 'default',
      'Mitigation applied': 'suppressed',
      'Cells suppressed': 2,
      'Cells rounded': 3,
      'Disclosure-control note 1': '2 cells suppressed (1 primary, 1 secondary).',
      'Disclosure-control note 2': 'Counts rounded to base 5.',
      'SHA-256 of the published output': sha256,
      'Exported at': NOW.toISOString(),
    });
  });

  it('as xlsx whose provenance lists each rule of the profile with the parameters src/common/sdc gives it', async () => {
    const { run, saved } = gate();

    await run();

    const provenance = readWorkbook(saved[0]?.bytes ?? new Uint8Array()).sheets.get('Provenance') ?? [];
    const rules = provenance.filter(([field]) => String(field).startsWith('Rule: '));
    const { threshold, nk, p, dofThreshold } = PROFILES.default;
    expect(rules).toEqual([
      ['Rule: minimum cell count', `At least ${threshold}: a cell counting 1 to ${threshold - 1} people is suppressed`],
      [
        'Rule: dominance (n, k)',
        `n = ${nk?.n}, k = ${(nk?.k ?? 0) * 100}%: a magnitude cell is unsafe when its ${nk?.n} largest contributions are more than ${(nk?.k ?? 0) * 100}% of its total`,
      ],
      [
        'Rule: p-ratio',
        `p = ${(p ?? 0) * 100}%: a magnitude cell is unsafe when the rest of it, beyond its two largest contributions, is less than ${(p ?? 0) * 100}% of the largest`,
      ],
      ['Rule: zeros', 'Disclosive: a zero count is suppressed'],
      ['Rule: rounding', 'None'],
      ['Rule: regression residual degrees of freedom', `At least ${dofThreshold}`],
      ['Rule: totals', 'Published totals are kept and protected'],
    ]);
  });

  it('as xlsx released under the OpenSAFELY profile: its own parameters, and a profile it does not know said so', async () => {
    const opensafely = gate({ released: releasedFile(TABLE, TABLE_FILE_ID, { rules: 'opensafely' }) });
    const unknown = gate({ released: releasedFile(TABLE, TABLE_FILE_ID, { rules: 'agreement-override' }) });

    await opensafely.run();
    await unknown.run();

    const rowsOf = (file?: ExportFile) =>
      new Map((readWorkbook(file?.bytes ?? new Uint8Array()).sheets.get('Provenance') ?? []).map(([field, value]) => [field, value]));
    const os = rowsOf(opensafely.saved[0]);
    expect(os.get('Rule: minimum cell count')).toBe(
      `At least ${PROFILES.opensafely.threshold}: a cell counting 1 to 7 people is suppressed`,
    );
    expect(os.get('Rule: dominance (n, k)')).toBe('Not applied');
    expect(os.get('Rule: p-ratio')).toBe('Not applied');
    expect(os.get('Rule: zeros')).toBe('Not disclosive: a zero count may be published');
    expect(os.get('Rule: rounding')).toBe('To the nearest 5');
    expect(os.get('Rule: totals')).toBe('Recomputed from the published cells');
    const other = rowsOf(unknown.saved[0]);
    expect(other.get('Rules profile')).toBe('agreement-override');
    expect(other.get('Rules')).toBe('The parameters of the profile “agreement-override” are not known to this workstation.');
    expect([...other.keys()].some((field) => String(field).startsWith('Rule: '))).toBe(false);
  });

  it('as xlsx of a project the platform does not name: the provenance gives its id', async () => {
    const { run, saved } = gate({ projectName: null });

    await run();

    const provenance = readWorkbook(saved[0]?.bytes ?? new Uint8Array()).sheets.get('Provenance') ?? [];
    expect(provenance).toContainEqual(['Project', PROJECT_ID]);
  });

  it('as CSV of the published cells (hidden cells empty)', async () => {
    const { run, saved } = gate();

    await run({ format: 'csv' });

    expect(saved[0]?.fileName).toMatch(/^admissions-by-region-and-sex-[0-9a-f]{8}\.csv$/);
    expect(new TextDecoder().decode(saved[0]?.bytes)).toBe(
      [
        'region,sex,Count,Status',
        'London,F,25,rounded',
        'London,M,,suppressed',
        'North West,F,40,rounded',
        'North West,M,,suppressed',
        'Total,Total,120,rounded',
        '',
      ].join('\r\n'),
    );
  });

  it('as SVG of a chart: static markup, escaped text, a bar per published cell and the hidden one marked', async () => {
    const { run, saved } = gate({ released: releasedFile(CHART, CHART_FILE_ID) });

    await run({ fileId: CHART_FILE_ID, format: 'svg' });

    const svg = new TextDecoder().decode(saved[0]?.bytes);
    expect(saved[0]?.mediaType).toBe('image/svg+xml');
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|<style|<foreignObject|<image|href=|on[a-z]+=/i);
    expect(svg).toContain('Tests by result &lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(svg.match(/<rect [^>]*fill="#1d70b8"/g)).toHaveLength(2);
    expect(svg).toContain('<title>negative: 150</title>');
    expect(svg).toContain('>suppressed</text>');
    expect(svg).toContain(`SHA-256 ${sha256Of(CHART)}`);
  });

  it('a regression as its coefficients, with the model in the provenance', async () => {
    const released = releasedFile(REGRESSION, REGRESSION_FILE_ID);
    const { run, saved } = gate({ released });

    await run({ fileId: REGRESSION_FILE_ID });
    await run({ fileId: REGRESSION_FILE_ID, format: 'csv' });

    const book = readWorkbook(saved[0]?.bytes ?? new Uint8Array());
    expect(book.names).toEqual(['Coefficients', 'Provenance']);
    expect(book.sheets.get('Coefficients')).toEqual([
      ['Term', 'Estimate', 'Standard error', 'p value'],
      ['(Intercept)', 2.5, 0.4, 0.001],
      ['age', 0.07, 0.01, 0.0001],
    ]);
    expect(book.sheets.get('Provenance')).toContainEqual(['Residual degrees of freedom', 410]);
    expect(new TextDecoder().decode(saved[1]?.bytes)).toBe(
      'Term,Estimate,Standard error,p value\r\n(Intercept),2.5,0.4,0.001\r\nage,0.07,0.01,0.0001\r\n',
    );
  });

  it('text that looks like a formula stays text: an apostrophe in CSV, a string cell in xlsx', async () => {
    const sneaky = {
      ...TABLE,
      title: 'Admissions =HYPERLINK("http://x")',
      cells: [{ key: { region: '=cmd|x', sex: '+F' }, value: 5, status: 'rounded' as const }],
      totals: [],
      derived: [{ key: { region: '=cmd|x', sex: '+F' }, of: { region: '=cmd|x', sex: '*' }, percent: 100 }],
    };
    const { run, saved } = gate({ released: releasedFile(sneaky, TABLE_FILE_ID) });

    await run();
    await run({ format: 'csv' });

    const book = readWorkbook(saved[0]?.bytes ?? new Uint8Array());
    expect(book.hasFormula).toBe(false);
    expect(book.sheets.get('Table')?.[1]).toEqual(['=cmd|x', '+F', 5, 'rounded']);
    expect(new TextDecoder().decode(saved[1]?.bytes).split('\r\n')[1]).toBe("'=cmd|x,'+F,5,rounded");
  });
});

describe('export file names', () => {
  it('are the title in lower-case letters, digits and dashes, then the start of the hash', () => {
    const sha = 'ab'.repeat(32);
    expect(exportFileName('Admissions — by région (2021/22)', sha, 'csv')).toBe('admissions-by-region-2021-22-abababab.csv');
    expect(exportFileName('../../etc/passwd', sha, 'xlsx')).toBe('etc-passwd-abababab.xlsx');
    expect(exportFileName('图表', sha, 'svg')).toBe('output-abababab.svg');
  });
});

/** The CSV files ACRO's layout gives the table (hidden cells empty, the grand total in its corner) and the regression. */
const TABLE_CSV = 'region,F,M,All\nLondon,25,,\nNorth West,40,,\nAll,,,120\n';
const REGRESSION_CSV = 'term,coef,std err,P>|t|\n(Intercept),2.5,0.4,0.001\nage,0.07,0.01,0.0001\n';

/** The release package the platform answers for the released request: the table and the regression, as published. */
function releasePackageOf(): ReleasePackage {
  const described: Pick<ReleasePackage, 'request' | 'files'> = {
    request: {
      id: REQUEST_ID,
      title: 'Admissions for the winter report',
      projectId: PROJECT_ID,
      projectName: PROJECT_NAME,
      context: { description: 'Winter pressures.', population: 'Admissions in 2025.', relationship: 'None.' },
      releasedAt: '2026-12-05T10:15:00.000Z',
      releasedBy: { id: 'demo-checker', name: 'Chris Checker' },
      reviewers: ['Chris Checker', 'Dana Checker'],
      rules: 'default',
    },
    files: [
      { fileId: TABLE_FILE_ID, name: 'frequency.json', sha256: sha256Of(TABLE), output: TABLE, verdict: 'pass' },
      { fileId: REGRESSION_FILE_ID, name: 'regression.json', sha256: sha256Of(REGRESSION), output: REGRESSION, verdict: 'pass' },
    ],
  };
  return { ...described, ...packageAcro(described) };
}

/** The package with one ACRO record changed, as a platform (or anything between) might send it. */
function withRecord(uid: string, change: (record: Record<string, unknown>) => Record<string, unknown>): ReleasePackage {
  const genuine = releasePackageOf();
  const record = (genuine.acro.results[uid] ?? { uid, files: [{ name: `${uid}_0.csv`, sdc: {} }] }) as Record<string, unknown>;
  return { ...genuine, acro: { ...genuine.acro, results: { ...genuine.acro.results, [uid]: change(record) } } };
}

/** The package with the CSV file of the table changed. */
function withTableCsv(change: (csv: string) => string): ReleasePackage {
  const genuine = releasePackageOf();
  return {
    ...genuine,
    acroFiles: genuine.acroFiles.map((file) => (file.name === 'output_0_0.csv' ? { ...file, csv: change(file.csv) } : file)),
  };
}

function packageGate(options: { pack?: ReleasePackage; ledger?: ReleasedOutput[]; egress?: EgressStatus[] } = {}) {
  const saved: ExportFile[] = [];
  const asked: string[] = [];
  const egress = [...(options.egress ?? [])];
  const saveExport: SaveExport = async (file, signal) => {
    await file.recheck(signal);
    saved.push(file);
    return { kind: 'saved', path: `/home/ada/${file.fileName}` };
  };
  const deps = {
    egress: async (projectId: string) => {
      asked.push(`egress ${projectId}`);
      return egress.shift() ?? OPEN;
    },
    // As the platform client hands it over: JSON, parsed by the route's answer schema.
    releasePackage: async (requestId: string) => {
      asked.push(`package ${requestId}`);
      return ReleasePackageSchema.parse(JSON.parse(JSON.stringify(options.pack ?? releasePackageOf())));
    },
    ledger: async (projectId: string) => {
      asked.push(`ledger ${projectId}`);
      return options.ledger ?? [ledgerEntry(TABLE, TABLE_FILE_ID), ledgerEntry(REGRESSION, REGRESSION_FILE_ID)];
    },
    saveExport,
  };
  const run = () => exportPackage({ projectId: PROJECT_ID, requestId: REQUEST_ID, format: 'package' }, deps, new AbortController().signal);
  return { run, saved, asked };
}

function resultsJsonOf(file: ExportFile | undefined): string {
  return new TextDecoder().decode(unzipSync(file?.bytes ?? new Uint8Array())['results.json']);
}

describe('the export gate writes a release package', () => {
  it('as a zip of results.json, the CSV files it names and their SHA-256 checksums, and nothing else', async () => {
    const { run, saved } = packageGate();

    const outcome = await run();

    expect(outcome).toEqual({
      kind: 'saved',
      path: expect.stringMatching(/^\/home\/ada\/admissions-for-the-winter-report-release-package-[0-9a-f]{8}\.zip$/),
    });
    const [file] = saved;
    expect(file).toMatchObject({ projectId: PROJECT_ID, fileId: null, sha256: null, format: 'package', mediaType: 'application/zip' });
    const files = unzipSync(file?.bytes ?? new Uint8Array());
    const text = (name: string) => new TextDecoder().decode(files[name]);
    expect(Object.keys(files)).toEqual(['results.json', 'output_0_0.csv', 'output_1_0.csv', 'checksums.sha256']);
    expect(text('results.json')).toBe(`${JSON.stringify(releasePackageOf().acro, null, 4)}\n`);
    expect(JSON.parse(text('results.json'))).toMatchObject({
      version: '0.4.12',
      results: {
        output_0: { status: 'pass', type: 'table', comments: TABLE.notes },
        output_1: { status: 'pass', type: 'regression', properties: { method: 'OLS: length_of_stay ~ age', dof: 410 } },
      },
    });
    expect(text('output_0_0.csv')).toBe(TABLE_CSV);
    expect(text('output_1_0.csv')).toBe(REGRESSION_CSV);
    const sha = (name: string) =>
      createHash('sha256')
        .update(files[name] ?? new Uint8Array())
        .digest('hex');
    expect(text('checksums.sha256')).toBe(
      ['results.json', 'output_0_0.csv', 'output_1_0.csv'].map((name) => `${sha(name)}  ${name}\n`).join(''),
    );
  });

  it('from the ACRO part it wrote itself: the same content sent with its keys in another order gives the same zip', async () => {
    const genuine = releasePackageOf();
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([key, inner]) => [key, reversed(inner)]),
            )
          : value;
    const reordered = { ...genuine, acro: reversed(genuine.acro) as ReleasePackage['acro'] };
    expect(JSON.stringify(reordered.acro)).not.toBe(JSON.stringify(genuine.acro));
    const honest = packageGate();
    const shuffled = packageGate({ pack: reordered });

    await honest.run();
    await shuffled.run();

    expect(resultsJsonOf(shuffled.saved[0])).toBe(`${JSON.stringify(genuine.acro, null, 4)}\n`);
    expect(shuffled.saved[0]?.bytes).toEqual(honest.saved[0]?.bytes);
  });
});

describe('the export gate refuses a release package (and writes nothing)', () => {
  it('while egress is frozen, before the package is even asked for', async () => {
    const frozen = { frozen: true, message: 'Egress is frozen for COVID-19 outcomes under incident inc-1: Unusual downloads.' };
    const { run, saved, asked } = packageGate({ egress: [frozen] });

    const error = await errorOf(run());

    expect(error.code).toBe('egress_frozen');
    expect(error.message).toBe(`${frozen.message} Nothing was exported.`);
    expect(asked).toEqual([`egress ${PROJECT_ID}`]);
    expect(saved).toEqual([]);
  });

  it('when egress froze while the save dialog was open', async () => {
    const frozen = { frozen: true, message: 'Egress is frozen.' };
    const { run, saved } = packageGate({ egress: [OPEN, frozen] });

    expect((await errorOf(run())).code).toBe('egress_frozen');
    expect(saved).toEqual([]);
  });

  it('an output whose content no longer hashes to the SHA-256 recorded at release (a hidden cell filled in)', async () => {
    const altered = {
      ...TABLE,
      cells: TABLE.cells.map((cell, i) => (i === 1 ? { ...cell, value: 3, status: 'published' as const } : cell)),
    };
    const genuine = releasePackageOf();
    const forged = {
      ...genuine,
      files: genuine.files.map((file) => (file.fileId === TABLE_FILE_ID ? { ...file, output: altered } : file)),
    };
    const { run, saved } = packageGate({ pack: forged });

    const error = await errorOf(run());

    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(/does not match the SHA-256 the platform recorded when it was released.*Nothing was exported/);
    expect(saved).toEqual([]);
  });

  it("an output re-hashed to match its altered content, whose hash is not the ledger's", async () => {
    const altered = { ...TABLE, notes: ['North West, M: 4 people.'] };
    const genuine = releasePackageOf();
    const forged = {
      ...genuine,
      files: genuine.files.map((file) => (file.fileId === TABLE_FILE_ID ? { ...file, output: altered, sha256: sha256Of(altered) } : file)),
    };
    const { run, saved } = packageGate({ pack: forged });

    expect((await errorOf(run())).code).toBe('forbidden');
    expect(saved).toEqual([]);
  });

  it('an output the ledger says was revoked', async () => {
    const revoked = { at: '2026-12-05T12:00:00.000Z', by: { id: 'demo-admin', name: 'Avery Admin' }, reason: 'Differencing risk found.' };
    const { run, saved } = packageGate({
      ledger: [ledgerEntry(TABLE, TABLE_FILE_ID, { revoked }), ledgerEntry(REGRESSION, REGRESSION_FILE_ID)],
    });

    const error = await errorOf(run());

    expect(error.code).toBe('forbidden');
    expect(error.message).toContain('was revoked on 2026-12-05T12:00:00.000Z by Avery Admin');
    expect(saved).toEqual([]);
  });

  it('an output not in the ledger, or a released one left out', async () => {
    const stranger = packageGate({ ledger: [ledgerEntry(TABLE, TABLE_FILE_ID)] });
    const genuine = releasePackageOf();
    const short = packageGate({ pack: { ...genuine, files: genuine.files.slice(0, 1) } });

    expect((await errorOf(stranger.run())).message).toMatch(/is in the release package but not in the project's ledger/);
    expect((await errorOf(short.run())).message).toMatch(/leaves out “Length of stay by age”/);
    expect([...stranger.saved, ...short.saved]).toEqual([]);
  });

  it("a file name or release time that is not the ledger's, even with results.json written from it", async () => {
    const consistent = (changed: Pick<ReleasePackage, 'request' | 'files'>): ReleasePackage => ({ ...changed, ...packageAcro(changed) });
    const genuine = releasePackageOf();
    const named = packageGate({
      pack: consistent({
        ...genuine,
        files: genuine.files.map((file, i) => (i === 0 ? { ...file, name: 'frequency.json; London, M: 3' } : file)),
      }),
    });
    const timed = packageGate({
      pack: consistent({ ...genuine, request: { ...genuine.request, releasedAt: '2026-12-05T10:15:03.000Z' } }),
    });

    for (const gated of [named, timed]) {
      const error = await errorOf(gated.run());
      expect(error.code).toBe('forbidden');
      expect(error.message).toMatch(
        /gives “Admissions by region and sex” another file name, release time or request title than the project's ledger \(“frequency\.json”, 2026-12-05T10:15:00\.000Z, “Admissions for the winter report”\)\. Nothing was exported/,
      );
      expect(gated.saved).toEqual([]);
    }
  });

  it('a CSV file with an extra row holding a number, or a published value changed', async () => {
    const extraRow = packageGate({ pack: withTableCsv((csv) => `${csv}London / M,3,,\n`) });
    const changed = packageGate({ pack: withTableCsv((csv) => csv.replace('London,25,', 'London,23,')) });

    for (const gated of [extraRow, changed]) {
      const error = await errorOf(gated.run());
      expect(error.code).toBe('forbidden');
      expect(error.message).toBe(
        'The release package’s ACRO file output_0_0.csv is not what its released output “Admissions by region and sex” makes, so it may hold something the checkers did not approve (or the platform runs another version of Enclave than this workstation). Nothing was exported. Tell your administrators.',
      );
      expect(gated.saved).toEqual([]);
    }
  });

  it('a results.json with a field added to a record, its comments changed, or a record added', async () => {
    const field = packageGate({ pack: withRecord('output_0', (record) => ({ ...record, hidden: { 'London / M': 3 } })) });
    const comments = packageGate({
      pack: withRecord('output_1', (record) => ({ ...record, comments: ['Ages 90+: 2 people, both women.'] })),
    });
    const added = packageGate({ pack: withRecord('output_2', (record) => ({ ...record, status: 'pass', comments: ['London, M: 3'] })) });

    const refusals = await Promise.all([field, comments, added].map(async (gated) => (await errorOf(gated.run())).message));

    expect(refusals).toEqual(
      ['output_0', 'output_1', 'output_2'].map(
        (uid) =>
          `The release package’s results.json is not what its released outputs make (its record ${uid} differs), so it may hold something the checkers did not approve (or the platform runs another version of Enclave than this workstation). Nothing was exported. Tell your administrators.`,
      ),
    );
    expect([...field.saved, ...comments.saved, ...added.saved]).toEqual([]);
  });

  it('a verdict that is not the one results.json was written with', async () => {
    const genuine = releasePackageOf();
    const gated = packageGate({
      pack: { ...genuine, files: genuine.files.map((file, i) => (i === 0 ? { ...file, verdict: 'flag' } : file)) },
    });

    const error = await errorOf(gated.run());
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(
      /results\.json is not what its released outputs make \(its record output_0 differs\).*Nothing was exported/,
    );
    expect(gated.saved).toEqual([]);
  });

  it('an output listed twice or a request title that is not the ledger’s is refused, even with results.json made to match', async () => {
    const genuine = releasePackageOf();
    // A platform writing its own results.json for what it sends, consistently: each copy's verdict, or the title in the
    // zip's name, would carry what it chose.
    const consistent = (described: Pick<ReleasePackage, 'request' | 'files'>): ReleasePackage => ({
      ...described,
      ...packageAcro(described),
    });
    const twice = packageGate({
      pack: consistent({ request: genuine.request, files: [...genuine.files, { ...genuine.files[0], verdict: 'flag' }] }),
    });
    const titled = packageGate({ pack: consistent({ request: { ...genuine.request, title: 'london m equals 3' }, files: genuine.files }) });

    expect((await errorOf(twice.run())).message).toBe(
      'The release package lists an output more than once. Nothing was exported. Tell your administrators.',
    );
    expect((await errorOf(titled.run())).message).toMatch(
      /gives “Admissions by region and sex” another file name, release time or request title than the project's ledger \(“frequency\.json”, 2026-12-05T10:15:00\.000Z, “Admissions for the winter report”\)\. Nothing was exported/,
    );
    expect([...twice.saved, ...titled.saved]).toEqual([]);
  });

  it('the order the package lists its outputs in carries nothing: the records follow the names', async () => {
    const genuine = packageGate();
    const reversed = releasePackageOf();
    const shuffled = packageGate({ pack: { ...reversed, files: [...reversed.files].reverse() } });

    await genuine.run();
    await shuffled.run();
    expect(shuffled.saved[0]?.bytes).toEqual(genuine.saved[0]?.bytes);
    expect(shuffled.saved[0]?.fileName).toBe(genuine.saved[0]?.fileName);
  });

  it('a CSV file results.json does not name, or one it names left out', async () => {
    const genuine = releasePackageOf();
    const extra = packageGate({ pack: { ...genuine, acroFiles: [...genuine.acroFiles, { name: 'output_9_0.csv', csv: 'x\n1\n' }] } });
    const twice = packageGate({ pack: { ...genuine, acroFiles: [...genuine.acroFiles, { name: 'output_0_0.csv', csv: '3\n' }] } });
    const missing = packageGate({ pack: { ...genuine, acroFiles: genuine.acroFiles.slice(1) } });

    expect((await errorOf(extra.run())).message).toMatch(
      /carries ACRO files its released outputs do not make \(output_9_0\.csv\).*Nothing was exported/,
    );
    expect((await errorOf(twice.run())).message).toMatch(/carries an ACRO file twice.*Nothing was exported/);
    expect((await errorOf(missing.run())).message).toMatch(
      /leaves out the ACRO file output_0_0\.csv that its released output “Admissions by region and sex” makes\. Nothing was exported/,
    );
    expect([...extra.saved, ...twice.saved, ...missing.saved]).toEqual([]);
  });

  it('a CSV file changed only when the bytes leave (after the save dialog opened)', async () => {
    let answers = 0;
    const saved: ExportFile[] = [];
    const deps = {
      egress: async () => OPEN,
      releasePackage: async () => (answers++ === 0 ? releasePackageOf() : withTableCsv((csv) => `${csv}London / M,3,,\n`)),
      ledger: async () => [ledgerEntry(TABLE, TABLE_FILE_ID), ledgerEntry(REGRESSION, REGRESSION_FILE_ID)],
      saveExport: (async (file, signal) => {
        await file.recheck(signal);
        saved.push(file);
        return { kind: 'saved', path: '/home/ada/package.zip' };
      }) satisfies SaveExport,
    };

    const error = await errorOf(
      exportPackage({ projectId: PROJECT_ID, requestId: REQUEST_ID, format: 'package' }, deps, new AbortController().signal),
    );

    expect(error.message).toMatch(/ACRO file output_0_0\.csv is not what its released output.*Nothing was exported/);
    expect(saved).toEqual([]);
  });

  it("another request's package than the one asked for", async () => {
    const genuine = releasePackageOf();
    const { run, saved } = packageGate({ pack: { ...genuine, request: { ...genuine.request, id: 'req-bbbbbbbbbb0123456789' } } });

    expect((await errorOf(run())).code).toBe('internal');
    expect(saved).toEqual([]);
  });
});
