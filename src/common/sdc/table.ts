// A k-way table (k = 1, 2 or 3) with its margins, as one array of cells and the linear relations
// that published totals create: each total equals the sum of the cells it adds up.
import type { TotalsMode } from './rules.ts';

export type KeyValue = string | number;
export type CellKey = Record<string, KeyValue>;
/** "*" stands for the summed dimension in a total's key. */
export const TOTAL = '*';
export const MAX_CELLS = 1_000_000;

export interface CellInput {
  key: CellKey;
  count: number | null;
  contributions?: (number | null)[] | undefined;
}

export interface TableInput {
  dimensions: string[];
  cells: CellInput[];
  totals: TotalsMode;
  suppressed?: CellKey[] | undefined;
}

export interface TableCell {
  id: number;
  /** Per dimension: index of the category, or the dimension's size for its total. */
  coords: number[];
  isTotal: boolean;
  /** Null when missing (in this cell, or in any cell a total adds up). */
  count: number | null;
  /** The published quantity: the count, or the sum of contributions in a magnitude table. */
  value: number;
  contributions: (number | null)[] | null;
  /** False for combinations the input did not list (taken as empty cells). */
  listed: boolean;
}

/** total = sum(members). */
export interface Relation {
  total: number;
  members: number[];
}

export interface ExtendedTable {
  dimensions: string[];
  categories: KeyValue[][];
  sizes: number[];
  strides: number[];
  cells: TableCell[];
  /** Interior cells first-to-last, then totals; ids index `cells`. */
  interior: number[];
  totals: number[];
  relations: Relation[];
  /** Relations that each cell takes part in (as total or member). */
  relationsOf: number[][];
  magnitude: boolean;
}

export class TableError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'TableError';
    this.field = field;
  }
}

function idOf(coords: readonly number[], strides: readonly number[]): number {
  let id = 0;
  for (let d = 0; d < coords.length; d++) id += coords[d] * strides[d];
  return id;
}

export function keyOf(table: ExtendedTable, cell: TableCell): Record<string, KeyValue> {
  const key: Record<string, KeyValue> = {};
  table.dimensions.forEach((dim, d) => {
    const c = cell.coords[d];
    key[dim] = c === table.sizes[d] ? TOTAL : table.categories[d]?.[c];
  });
  return key;
}

/** Looks a key up (totals with "*"); the field names the input position for error messages. */
export function findCell(table: ExtendedTable, key: CellKey, field: string): TableCell {
  const coords = table.dimensions.map((dim, d) => {
    const v = key[dim];
    if (v === undefined) throw new TableError(`${field}.${dim}`, 'this dimension is missing from the key');
    if (v === TOTAL) return table.sizes[d];
    const c = table.categories[d]?.findIndex((cat) => String(cat) === String(v)) ?? -1;
    if (c < 0) throw new TableError(`${field}.${dim}`, 'no cell of the table has this category');
    return c;
  });
  for (const k of Object.keys(key)) {
    if (!table.dimensions.includes(k)) throw new TableError(`${field}.${k}`, 'not a dimension of the table');
  }
  return table.cells[idOf(coords, table.strides)];
}

export function buildTable(input: TableInput): ExtendedTable {
  const { dimensions } = input;
  const categories: KeyValue[][] = dimensions.map(() => []);
  const seen: Map<string, number>[] = dimensions.map(() => new Map<string, number>());
  const magnitude = input.cells.some((c) => c.contributions !== undefined);
  const coordsOfInput = input.cells.map((cell, i) => {
    for (const k of Object.keys(cell.key)) {
      if (!dimensions.includes(k)) throw new TableError(`table.cells.${i}.key.${k}`, 'not one of table.dimensions');
    }
    return dimensions.map((dim, d) => {
      const v = cell.key[dim];
      if (v === undefined) throw new TableError(`table.cells.${i}.key.${dim}`, 'every cell needs a category for each dimension');
      if (v === TOTAL) throw new TableError(`table.cells.${i}.key.${dim}`, '"*" is reserved for totals, which are computed');
      const s = String(v);
      let c = seen[d]?.get(s);
      if (c === undefined) {
        c = categories[d]?.length ?? 0;
        seen[d]?.set(s, c);
        categories[d]?.push(v);
      }
      return c;
    });
  });
  const sizes = categories.map((c) => c.length);
  const strides: number[] = [];
  let span = 1;
  for (let d = dimensions.length - 1; d >= 0; d--) {
    strides[d] = span;
    span *= sizes[d] + 1;
  }
  // Unlisted combinations are cells too, so a few cells with many categories can mean a huge table.
  if (span > MAX_CELLS) {
    throw new TableError('table.cells', `the categories make ${span} cells with margins; at most ${MAX_CELLS} are supported`);
  }
  const cells: TableCell[] = new Array<TableCell>(span);
  for (let id = 0; id < span; id++) {
    const coords = dimensions.map((_, d) => Math.floor(id / strides[d]) % (sizes[d] + 1));
    const isTotal = coords.some((c, d) => c === sizes[d]);
    cells[id] = { id, coords, isTotal, count: 0, value: 0, contributions: magnitude ? [] : null, listed: isTotal };
  }
  input.cells.forEach((cell, i) => {
    const coords = coordsOfInput[i];
    const target = cells[idOf(coords, strides)];
    if (target.listed) throw new TableError(`table.cells.${i}.key`, 'this combination of categories is listed twice');
    target.listed = true;
    if (magnitude) {
      const contributions = cell.contributions;
      if (contributions === undefined) {
        if (cell.count !== 0)
          throw new TableError(`table.cells.${i}.contributions`, 'a magnitude table needs contributions for every non-empty cell');
      } else if (cell.count !== null && contributions.length !== cell.count) {
        throw new TableError(`table.cells.${i}.contributions`, `has ${contributions.length} values but count is ${cell.count}`);
      }
    }
    addInto(cells, { coords, strides, sizes }, cell);
  });
  const interior: number[] = [];
  const totals: number[] = [];
  for (const c of cells) (c.isTotal ? totals : interior).push(c.id);
  const relations = input.totals === 'published' ? buildRelations(cells, sizes, strides) : [];
  const relationsOf: number[][] = cells.map(() => []);
  relations.forEach((r, i) => {
    relationsOf[r.total]?.push(i);
    for (const m of r.members) relationsOf[m]?.push(i);
  });
  return { dimensions, categories, sizes, strides, cells, interior, totals, relations, relationsOf, magnitude };
}

/** Adds one input cell into its interior cell and every margin above it (2^k − 1 of them). */
function addInto(cells: TableCell[], shape: { coords: number[]; strides: number[]; sizes: number[] }, cell: CellInput): void {
  const k = shape.coords.length;
  const value = cell.contributions ? cell.contributions.reduce<number>((s, v) => s + (v ?? 0), 0) : (cell.count ?? 0);
  for (let mask = 0; mask < 1 << k; mask++) {
    const coords = shape.coords.map((c, d) => (mask & (1 << d) ? shape.sizes[d] : c));
    const target = cells[idOf(coords, shape.strides)];
    target.count = target.count === null || cell.count === null ? null : target.count + cell.count;
    target.value += value;
    if (target.contributions && cell.contributions) {
      for (const v of cell.contributions) target.contributions.push(v);
    }
  }
}

function buildRelations(cells: readonly TableCell[], sizes: readonly number[], strides: readonly number[]): Relation[] {
  const relations: Relation[] = [];
  for (const cell of cells) {
    cell.coords.forEach((c, d) => {
      if (c !== sizes[d]) return;
      const members: number[] = [];
      for (let v = 0; v < sizes[d]; v++) members.push(cell.id - (c - v) * strides[d]);
      relations.push({ total: cell.id, members });
    });
  }
  return relations;
}
