// Turns a checked released output into the file the person asked for: an xlsx workbook (the published table and a
// Provenance sheet: the request, the reviewers, every rule of the profile with its parameters, the suppression notes),
// CSV of the published cells, or an SVG bar chart of a chart output. Everything written comes from the PublishedOutput
// and its ledger entry: published cells, totals, recomputed percentages or rates, notes. There is nothing
// else to write: counts behind hidden cells, contributions and evidence never reach the workstation in a released file.
import type { ReleasedFile } from '../../common/airlock.ts';
import type { ExportFormat, OutputExportFormat } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import { keyId, rateWords, type CellKey, type PublishedCell, type PublishedOutput } from '../../common/output-check.ts';
import { csvText, type CsvValue } from './csv.ts';
import { chartBars } from '../../common/output-chart.ts';
import { PROFILES, RulesSchema, type Rules } from '../../common/sdc/rules.ts';
import { EXTENSION_BY_FORMAT, MEDIA_TYPE_BY_FORMAT } from './export-file.ts';
import { barChartSvg } from './svg-chart.ts';
import { workbookBytes, type SheetValue } from './xlsx-workbook.ts';

export interface RenderedExport {
  readonly fileName: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
}

export interface RenderContext {
  /** The project as the person knows it: its name, or its id when the name is not known. */
  readonly projectName: string;
  readonly projectId: string;
  /** When the export was made (ISO 8601). */
  readonly exportedAt: string;
}

const STATUS_WORDS: Readonly<Record<PublishedCell['status'], string>> = {
  published: 'published',
  rounded: 'rounded',
  suppressed: 'suppressed',
  empty: 'no values',
};

/** A name for the file: the title in lower-case letters, digits and dashes, and the start of its hash. */
export function exportFileName(title: string, sha256: string, format: ExportFormat): string {
  const slug = title
    .normalize('NFKD')
    // The accents NFKD split off ("é" → "e" + a combining mark) go; the letters stay.
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'output'}-${sha256.slice(0, 8)}.${EXTENSION_BY_FORMAT[format]}`;
}

/** What a table's cells hold, as a column heading. */
function valueHeading(content: PublishedOutput): string {
  if (content.statistic === 'sum') return `Sum of ${content.measure ?? 'the measure'}`;
  if (content.statistic === 'mean') return `Mean of ${content.measure ?? 'the measure'}`;
  return 'Count';
}

/** A category as a person reads it: "*" is the total over that dimension. */
function category(value: string | number | undefined): SheetValue {
  if (value === undefined) return null;
  return value === '*' ? 'Total' : value;
}

function cellRow(content: PublishedOutput, cell: PublishedCell, rates: ReadonlyMap<string, number>): SheetValue[] {
  const row = [...content.dimensions.map((dimension) => category(cell.key[dimension])), cell.value, STATUS_WORDS[cell.status]];
  return content.ratePer === undefined ? row : [...row, rates.get(keyId(content.dimensions, cell.key)) ?? null];
}

/** What a percentage is a share of, in words: "all region" for a total over region, "sex = F" for a fixed category. */
function shareOf(content: PublishedOutput, of: CellKey): string {
  const parts = content.dimensions.map((dimension) => {
    const value = of[dimension];
    return value === '*' || value === undefined ? `all ${dimension}` : `${dimension} = ${value}`;
  });
  return parts.join(', ');
}

/** The published table as rows: a heading, the cells, then the totals; rates (when it has them) beside each cell. */
function tableRows(content: PublishedOutput): SheetValue[][] {
  const rates = new Map(
    content.derived.flatMap((derived) => (derived.rate === undefined ? [] : [[keyId(content.dimensions, derived.key), derived.rate]])),
  );
  const heading = [...content.dimensions, valueHeading(content), 'Status'];
  return [
    content.ratePer === undefined ? heading : [...heading, `Rate ${rateWords(content.ratePer)}`],
    ...content.cells.map((cell) => cellRow(content, cell, rates)),
    ...content.totals.map((cell) => cellRow(content, cell, rates)),
  ];
}

function percentageRows(content: PublishedOutput): SheetValue[][] {
  return [
    [...content.dimensions, 'Share of', 'Percent'],
    ...content.derived.map((derived) => [
      ...content.dimensions.map((dimension) => category(derived.key[dimension])),
      shareOf(content, derived.of),
      derived.percent ?? null,
    ]),
  ];
}

function coefficientRows(regression: NonNullable<PublishedOutput['regression']>): SheetValue[][] {
  return [
    ['Term', 'Estimate', 'Standard error', 'p value'],
    ...regression.coefficients.map((c) => [c.term, c.estimate, c.standardError, c.pValue]),
  ];
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(12))}%`;
}

/** The rules of the profile the platform checked the output with, each with its parameters, as src/common/sdc holds them. */
function ruleRows(profileName: string): SheetValue[][] {
  const profile = RulesSchema.shape.profile.safeParse(profileName);
  if (!profile.success) return [['Rules', `The parameters of the profile “${profileName}” are not known to this workstation.`]];
  const rules: Rules = PROFILES[profile.data];
  const { nk, p, rounding } = rules;
  return [
    [
      'Rule: minimum cell count',
      rules.threshold > 1
        ? `At least ${rules.threshold}: a cell counting 1 to ${rules.threshold - 1} people is suppressed`
        : `At least ${rules.threshold}`,
    ],
    [
      'Rule: dominance (n, k)',
      nk === null
        ? 'Not applied'
        : `n = ${nk.n}, k = ${percent(nk.k)}: a magnitude cell is unsafe when its ${nk.n} largest contributions are more than ${percent(nk.k)} of its total`,
    ],
    [
      'Rule: p-ratio',
      p === null
        ? 'Not applied'
        : `p = ${percent(p)}: a magnitude cell is unsafe when the rest of it, beyond its two largest contributions, is less than ${percent(p)} of the largest`,
    ],
    ['Rule: zeros', rules.zerosDisclosive ? 'Disclosive: a zero count is suppressed' : 'Not disclosive: a zero count may be published'],
    [
      'Rule: rounding',
      rounding === null ? 'None' : 'base' in rounding ? `To the nearest ${rounding.base}` : `Midpoint rounding at ${rounding.midpoint}`,
    ],
    ['Rule: regression residual degrees of freedom', `At least ${rules.dofThreshold}`],
    [
      'Rule: totals',
      rules.defaultTotals === 'published'
        ? 'Published totals are kept and protected'
        : rules.defaultTotals === 'recomputed'
          ? 'Recomputed from the published cells'
          : 'Not published',
    ],
  ];
}

/** How many published cells (totals included) were suppressed and how many rounded. */
function mitigationRows(content: PublishedOutput): SheetValue[][] {
  const cells = [...content.cells, ...content.totals];
  const suppressed = cells.filter((cell) => cell.status === 'suppressed').length;
  const rounded = cells.filter((cell) => cell.status === 'rounded').length;
  return [
    ['Cells suppressed', suppressed],
    ['Cells rounded', rounded],
  ];
}

function provenanceRows(released: ReleasedFile, context: RenderContext): SheetValue[][] {
  const { output, content } = released;
  const rows: SheetValue[][] = [
    ['Field', 'Value'],
    ['Output', content.title],
    ['Kind', output.kind],
    ['File in the request', output.name],
    ['Request', output.requestTitle],
    ['Request id', output.requestId],
    ['Released file id', output.fileId],
    ['Project', context.projectName === context.projectId ? context.projectId : `${context.projectName} (${context.projectId})`],
    ['Released at', output.releasedAt],
    ['Released by', output.releasedBy.name],
    ['Reviewed by', output.reviewers.join('; ')],
    ['Rules profile', output.rules],
    ...ruleRows(output.rules),
    ['Mitigation applied', content.mitigation],
  ];
  if (content.regression === null) rows.push(...mitigationRows(content));
  if (content.regression !== null) {
    rows.push(
      ['Model', content.regression.model],
      ['Observations', content.regression.observations],
      ['Residual degrees of freedom', content.regression.residualDof],
    );
  }
  content.notes.forEach((note, index) =>
    rows.push([content.notes.length === 1 ? 'Disclosure-control note' : `Disclosure-control note ${index + 1}`, note]),
  );
  rows.push(
    ['SHA-256 of the published output', output.sha256],
    ['Exported at', context.exportedAt],
    [
      'Statement',
      'Released through the Enclave airlock after disclosure control and two independent output checks. The workstation checked this content against the SHA-256 above before writing it.',
    ],
  );
  return rows;
}

function xlsxOf(released: ReleasedFile, context: RenderContext): Uint8Array {
  const { content } = released;
  const main =
    content.regression !== null
      ? { name: 'Coefficients', rows: coefficientRows(content.regression), widths: [28, 14, 16, 10] }
      : {
          name: 'Table',
          rows: tableRows(content),
          widths: [...content.dimensions.map(() => 20), 18, 12, ...(content.ratePer === undefined ? [] : [18])],
        };
  const sheets = [main];
  if (content.regression === null && content.ratePer === undefined && content.derived.length > 0) {
    sheets.push({ name: 'Percentages', rows: percentageRows(content), widths: [...content.dimensions.map(() => 20), 36, 10] });
  }
  sheets.push({ name: 'Provenance', rows: provenanceRows(released, context), widths: [32, 90] });
  return workbookBytes({ title: content.title, sheets });
}

function csvOf(content: PublishedOutput): Uint8Array {
  const rows: CsvValue[][] = content.regression !== null ? coefficientRows(content.regression) : tableRows(content);
  return new TextEncoder().encode(csvText(rows));
}

function svgOf(released: ReleasedFile): Uint8Array {
  const { content, output } = released;
  if (content.chart === null) {
    throw new EnclaveError('invalid_input', `“${content.title}” is not a chart: export it as xlsx or CSV. Nothing was exported.`);
  }
  const svg = barChartSvg({
    title: content.title,
    xTitle: content.chart.x,
    yTitle: content.chart.y,
    bars: chartBars(content),
    notes: [
      ...content.notes,
      `Released ${output.releasedAt} by ${output.releasedBy.name} (request ${output.requestId}); SHA-256 ${output.sha256}.`,
    ],
  });
  return new TextEncoder().encode(svg);
}

/** The file of a released output in the format asked for; a chart alone exports as SVG. */
export function renderExport(released: ReleasedFile, format: OutputExportFormat, context: RenderContext): RenderedExport {
  const bytes = format === 'xlsx' ? xlsxOf(released, context) : format === 'csv' ? csvOf(released.content) : svgOf(released);
  return {
    fileName: exportFileName(released.content.title, released.output.sha256, format),
    mediaType: MEDIA_TYPE_BY_FORMAT[format],
    bytes,
  };
}
