// The export gate (SATRE 3.1.12, preventing unauthorised egress): a released output leaves only when egress is open, it is
// not revoked and its published content hashes to the SHA-256 the platform recorded at release; then it is written as
// xlsx (the published table and a Provenance sheet), CSV of the published cells, or an SVG bar chart of a chart output.
// The platform is a fake here (its answers as the routes give them); test/integration/workstation/airlock-export covers
// the real one.
import { describe, expect, it, vi } from 'vitest';
import type { ReleasedFile } from '../../../src/common/airlock.ts';
import type { EgressStatus } from '../../../src/common/incidents.ts';
import type { ExportFile, SaveExport } from '../../../src/workstation/airlock/export-file.ts';
import { exportReleased, type ExportRequest } from '../../../src/workstation/airlock/export-gate.ts';
import { exportFileName } from '../../../src/workstation/airlock/export-render.ts';
import { errorOf } from '../../support/error-of.ts';
import {
  CHART,
  CHART_FILE_ID,
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
      ['North West', 'F', 'all region, sex = F', 61.5],
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
      'Note 1': '2 cells suppressed (1 primary, 1 secondary).',
      'Note 2': 'Counts rounded to base 5.',
      'SHA-256 of the published output': sha256,
      'Exported at': NOW.toISOString(),
    });
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
      derived: [],
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
