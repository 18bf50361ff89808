// The checkers' cell-level diff of a resubmitted output against the version they reviewed, and the marks on a table's
// cells, made from real checks (the platform's own checkOutput with the HiGHS solver): a small cell published, then
// suppressed with its secondary; a category added; a regression whose coefficients moved.
import { describe, expect, it } from 'vitest';
import { checkOutput, publishedOutput } from '../../../../src/common/output-check.ts';
import type { CellKey } from '../../../../src/common/output-check.ts';
import type { AppliedMitigation, OutputDocument } from '../../../../src/common/outputs.ts';
import { createHighsSolver } from '../../../../src/common/sdc/highs-solver.ts';
import type { LpSolver } from '../../../../src/common/sdc/lp.ts';
import { PROFILES } from '../../../../src/common/sdc/rules.ts';
import { cellKeyId } from '../../../../renderer/src/checking/cell-keys.ts';
import { diffOutputs, diffSummary, type OutputVersion } from '../../../../renderer/src/checking/cell-diff.ts';
import { cellMarks, evidenceFor, evidenceLines } from '../../../../renderer/src/checking/review-rules.ts';

let solver: Promise<LpSolver> | null = null;
const highs = (): Promise<LpSolver> => (solver ??= createHighsSolver());

const NONE: AppliedMitigation = { kind: 'none', roundingBase: null };
const SUPPRESSED: AppliedMitigation = { kind: 'suppressed', roundingBase: null };
const source = { sql: 'SELECT region, sex, count(*) FROM admissions GROUP BY ALL', engine: 'native' as const };

type Cells = { key: CellKey; count: number }[];

/** North × M holds 3 people: below the default threshold of 10. */
const REGION_BY_SEX: Cells = [
  { key: { region: 'North', sex: 'F' }, count: 12 },
  { key: { region: 'North', sex: 'M' }, count: 3 },
  { key: { region: 'South', sex: 'F' }, count: 40 },
  { key: { region: 'South', sex: 'M' }, count: 35 },
];

function frequency(
  cells: Cells,
  mitigation: AppliedMitigation,
  options: { title?: string; totals?: 'published' | 'none' } = {},
): OutputDocument {
  const { title = 'Admissions by region and sex', totals = 'none' } = options;
  return { kind: 'frequency', title, source, table: { dimensions: ['region', 'sex'], cells, totals }, mitigation };
}

async function version(document: OutputDocument, fileVersion: number): Promise<OutputVersion> {
  const check = await checkOutput(document, { rules: PROFILES.default, solver: await highs(), released: [] });
  return {
    role: 'output',
    fileVersion,
    sha256: `${fileVersion}`.padStart(64, '0'),
    document,
    check,
    published: publishedOutput(document, check),
  };
}

function row(diff: ReturnType<typeof diffOutputs>, key: CellKey) {
  const found = diff.rows.find((r) => cellKeyId(r.key) === cellKeyId(key));
  if (!found) throw new Error(`no row for ${JSON.stringify(key)}`);
  return found;
}

describe('the cell-level diff of a resubmission', () => {
  it('shows the small cell and its secondary becoming hidden when the analyst applies suppression, and nothing else', async () => {
    const reviewed = await version(frequency(REGION_BY_SEX, NONE, { totals: 'published' }), 1);
    const resubmitted = await version(frequency(REGION_BY_SEX, SUPPRESSED, { totals: 'published' }), 2);

    const diff = diffOutputs(reviewed, resubmitted);

    const small = row(diff, { sex: 'M', region: 'North' });
    expect(small.change).toBe('changed');
    expect(small.before).toEqual({ value: 3, status: 'published', count: 3, detail: null });
    expect(small.after).toEqual({ value: null, status: 'suppressed', count: 3, detail: null });
    // Hiding one cell of a 2×2 table with published margins would let it be recovered: the others are hidden too.
    const hidden = diff.rows.filter((r) => r.after?.status === 'suppressed');
    expect(hidden.length).toBe(4);
    expect(hidden.every((r) => r.change === 'changed' && r.before?.status === 'published')).toBe(true);
    // The margins stay published, with the same values: unchanged.
    expect(row(diff, { region: '*', sex: '*' })).toMatchObject({ change: 'unchanged', before: { value: 90 }, after: { value: 90 } });
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 4, unchanged: 5 });
    expect(diff.whole).toContain('Mitigation applied: None → Suppressed');
    expect(diffSummary(diff)).toMatch(
      new RegExp(`^${diff.counts.changed} cells? differ: ${diff.counts.changed} changed; ${diff.counts.unchanged} unchanged\\.$`),
    );
  });

  it('reports a changed count behind a published value, a category added and one taken away, and a new title', async () => {
    const reviewed = await version(frequency(REGION_BY_SEX, NONE), 1);
    const changed: Cells = [
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 15 },
      { key: { region: 'East', sex: 'F' }, count: 40 },
      { key: { region: 'East', sex: 'M' }, count: 35 },
    ];
    const resubmitted = await version(frequency(changed, NONE, { title: 'Admissions by region and sex, 2024' }), 2);

    const diff = diffOutputs(reviewed, resubmitted);

    expect(row(diff, { region: 'North', sex: 'M' })).toMatchObject({ change: 'changed', before: { value: 3 }, after: { value: 15 } });
    expect(row(diff, { region: 'North', sex: 'F' }).change).toBe('unchanged');
    expect(row(diff, { region: 'East', sex: 'F' })).toMatchObject({ change: 'added', before: null, after: { value: 40, count: 40 } });
    expect(row(diff, { region: 'South', sex: 'M' })).toMatchObject({ change: 'removed', before: { value: 35 }, after: null });
    // The current version's cells first, in its order; then the ones it no longer has.
    expect(diff.rows.slice(-2).map((r) => r.change)).toEqual(['removed', 'removed']);
    expect(diff.whole).toContain('Title: “Admissions by region and sex” → “Admissions by region and sex, 2024”');
    expect(diff.whole).toContain('Engine’s verdict: Flag → Pass');
  });

  it('says there is nothing to see when a resubmission publishes the same cells', async () => {
    const a = await version(frequency(REGION_BY_SEX, SUPPRESSED), 1);
    const b = await version(frequency(REGION_BY_SEX, SUPPRESSED), 2);
    const diff = diffOutputs(a, b);
    expect(diff.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 4 });
    expect(diff.whole).toEqual([]);
    expect(diffSummary(diff)).toBe('No cell changed (4 cells compared).');
  });

  it('compares a regression coefficient by coefficient, with its degrees of freedom', async () => {
    const model = (estimate: number, residualDof: number): OutputDocument => ({
      kind: 'regression',
      title: 'Length of stay by age',
      source,
      model: 'OLS',
      coefficients: [
        { term: '(Intercept)', estimate: 2.5, standardError: 0.4, pValue: 0.001 },
        { term: 'age', estimate, standardError: 0.01, pValue: 0.02 },
      ],
      observations: residualDof + 2,
      residualDof,
    });
    const diff = diffOutputs(await version(model(0.05, 8), 1), await version(model(0.04, 40), 2));

    expect(row(diff, { term: 'age' })).toMatchObject({ change: 'changed', before: { value: 0.05 }, after: { value: 0.04 } });
    expect(row(diff, { term: '(Intercept)' })).toMatchObject({
      change: 'unchanged',
      after: { detail: 'standard error 0.4, p-value 0.001' },
    });
    expect(diff.whole).toEqual(['Engine’s verdict: Flag → Pass', 'Observations: 10 → 42', 'Residual degrees of freedom: 8 → 40']);
  });
});

describe('the marks on a table’s cells', () => {
  it('marks the cell that fails a rule, with the rule and the evidence behind it', async () => {
    const flagged = await version(frequency(REGION_BY_SEX, NONE), 1);
    const keys = flagged.published.cells.map((cell) => cell.key);

    const marks = cellMarks(flagged.check, keys);

    const small = marks.get(cellKeyId({ region: 'North', sex: 'M' }));
    expect(small?.kinds).toEqual(['fails']);
    expect(small?.reasons.join(' ')).toMatch(/threshold/);
    expect(marks.has(cellKeyId({ region: 'South', sex: 'F' }))).toBe(false);
    const evidence = evidenceFor(flagged.check, { sex: 'M', region: 'North' });
    expect(evidence).not.toBeNull();
    expect(evidenceLines(evidence!)).toContain('Rows in the cell: 3');
  });

  it('marks the cells hidden to protect it once the analyst suppresses', async () => {
    const suppressed = await version(frequency(REGION_BY_SEX, SUPPRESSED, { totals: 'published' }), 2);
    const keys = [...suppressed.published.cells, ...suppressed.published.totals].map((cell) => cell.key);

    const marks = cellMarks(suppressed.check, keys);

    expect(marks.get(cellKeyId({ region: 'North', sex: 'M' }))?.kinds).toEqual(['fails']);
    for (const key of [
      { region: 'North', sex: 'F' },
      { region: 'South', sex: 'F' },
      { region: 'South', sex: 'M' },
    ])
      expect(marks.get(cellKeyId(key))?.kinds).toEqual(['protects']);
    // Totals stay published and unmarked.
    expect(marks.has(cellKeyId({ region: '*', sex: '*' }))).toBe(false);
  });

  it('spreads a flag that names fewer dimensions over every cell under it', () => {
    const check = {
      verdict: 'flag' as const,
      mitigation: 'none' as const,
      rules: PROFILES.default,
      check: null,
      regression: null,
      flags: [
        {
          code: 'differencing' as const,
          verdict: 'flag' as const,
          message: 'differencing: differs by a small group',
          cells: [{ region: 'North' }],
          earlier: { id: 'file-1', title: 'Earlier', dimensions: ['region'], cells: [{ key: { region: 'North' }, value: 25 }] },
        },
      ],
      evidence: [],
      suggestion: null,
      notes: [],
    };
    const keys = REGION_BY_SEX.map((cell) => cell.key);

    const marks = cellMarks(check, keys);

    expect([...marks.keys()].sort()).toEqual([cellKeyId({ region: 'North', sex: 'F' }), cellKeyId({ region: 'North', sex: 'M' })].sort());
    expect(marks.get(cellKeyId({ region: 'North', sex: 'F' }))).toEqual({
      kinds: ['review'],
      reasons: ['differencing: differs by a small group'],
    });
  });
});
